"""The layout the design card fixes, and what the wheel carries."""
import ast
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_top_level_layout():
    for name in ("landscape_explorer", "tests", "assets", "pyproject.toml", "README.md",
                 "benchmarks", "tools", ".ci"):
        assert (ROOT / name).exists(), name
    assert (ROOT / "assets" / "scenarios").is_dir()
    assert (ROOT / "assets" / "icon.svg").is_file()
    assert not (ROOT / "landscape_explorer" / "assets").exists(), \
        "assets live at the top level only"


def test_every_package_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "landscape_explorer").rglob("__init__.py")}
    assert found | {"landscape_explorer.assets"} == listed


def test_no_module_reads_another_modules_private_names():
    """`x._name` where x is an imported module or an object from another module of ours: the
    seams between modules are public names. (Attributes of self/cls and dunders are fine.)"""
    offenders = []
    for path in (ROOT / "landscape_explorer").rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level or (node.module or "").startswith("landscape_explorer"):
                    for a in node.names:
                        if a.name.startswith("_") and a.name != "__version__":
                            offenders.append(f"{path.name}: imports {a.name}")
                        imported.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("landscape_explorer"):
                        imported.add((a.asname or a.name).split(".")[0])
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and \
                    not node.attr.startswith("__") and isinstance(node.value, ast.Name) and \
                    node.value.id in imported:
                offenders.append(f"{path.name}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not offenders, offenders


def test_wheel_carries_the_assets(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for p in (ROOT / "assets").rglob("*"):
        if p.is_file():
            assert "landscape_explorer/assets/" + p.relative_to(ROOT / "assets").as_posix() in names
    assert "landscape_explorer/py.typed" in names
    assert "landscape_explorer/cli/render.py" in names
