"""`landscape-explorer list` shows the grammar of a typed surface, and what it shows is true:
every function it names parses, and its example command runs (real subprocesses)."""
import json
import os
import shlex
import subprocess
import sys

import landscape_explorer as le
from landscape_explorer.core import expressions


def cli(*args):
    return subprocess.run([sys.executable, "-m", "landscape_explorer", *args],
                          capture_output=True, text=True, timeout=120)


def _grammar_lines(stdout):
    lines = stdout.splitlines()
    start = next(i for i, s in enumerate(lines) if s.startswith("Typed surfaces"))
    return lines[start:]


def test_list_shows_the_grammar_and_it_is_what_the_parser_accepts():
    out = cli("list")
    assert out.returncode == 0, out.stderr
    assert os.environ["PYTHONWARNINGS"] == "error"  # the subprocess ran with it (conftest)
    grammar = "\n".join(_grammar_lines(out.stdout))
    for word in ("x, y", "pi", "e", "parameters", "**", "^", "unary minus", "params"):
        assert word in grammar, word
    functions = next(s for s in _grammar_lines(out.stdout) if s.strip().startswith("functions"))
    shown = [f.strip() for f in functions.split("functions", 1)[1].split(", ")
             if not f.strip().startswith(("x)", "b)"))]
    names = {f.split("(")[0] for f in shown}
    assert names == set(expressions.function_names())
    for name in names:  # each one parses as the text shows it
        two = name in ("atan2", "min", "max")
        le.surface(f"{name}(x, y) + y**2" if two else f"{name}(x) + y**2")
    # The parameters line's Python example works as printed.
    surf = le.surface("a*sin(b*x) + y**2", params={"a": 1, "b": 3})
    assert abs(float(surf.value([0.5, 0.0])) - __import__("math").sin(1.5)) < 1e-15


def test_list_example_command_runs():
    out = cli("list")
    example = next(s for s in _grammar_lines(out.stdout) if s.strip().startswith("example"))
    argv = shlex.split(example.split("example", 1)[1])
    assert argv[0] == "landscape-explorer"
    ran = cli(*argv[1:], "--steps", "50")
    assert ran.returncode == 0, ran.stderr
    assert "adam" in ran.stdout


def test_list_json_has_the_grammar():
    data = json.loads(cli("list", "--json").stdout)
    assert any("functions" in s and "atan2(y, x)" in s for s in data["typed_surfaces"])
