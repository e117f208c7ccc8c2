"""The `landscape-explorer` command: the app with no arguments, subcommands for headless work.

One module per subcommand (run, list, critical, basins, render), each with ``add_subcommand``;
what they share (one-line usage errors, spec parsing) is in ``common``. Every user error ends
with one line on stderr and exit status 2, never a traceback.
"""
from __future__ import annotations

import re
import signal
import sys
import threading

from . import basins, critical, lesson, list as list_cmd, render, run, sweep
from .common import EXIT_USAGE, ArgumentParser, UsageError

SUBCOMMANDS = (run, list_cmd, critical, basins, sweep, render, lesson)


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="landscape-explorer",
                            description="See why training gets stuck, and how optimizers get out. "
                                        "With no command, opens the app.")
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)
    for module in SUBCOMMANDS:
        module.add_subcommand(sub)
    return parser


def _join_negative_points(argv: list[str]) -> list[str]:
    """argparse takes "-0.5,1" after --start for an option; "--start=-0.5,1" it reads right."""
    out = []
    it = iter(range(len(argv)))
    for i in it:
        a = argv[i]
        if a in POINT_OPTIONS and i + 1 < len(argv) and re.match(r"^-[\d.]", argv[i + 1]):
            out.append(f"{a}={argv[i + 1]}")
            next(it, None)
        else:
            out.append(a)
    return out


POINT_OPTIONS = {"--start", "--center", "--xlim", "--ylim"}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl+C so that the same handlers clean up (partial files...)."""


def _raise_terminated(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    argv = _join_negative_points(sys.argv[1:] if argv is None else [*argv])  # `list` here is the subcommand module
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            from ..app import display_problem, main as app_main

            problem = display_problem()
            if problem:
                raise UsageError(problem)
            return app_main([])
        return args.func(args)
    except UsageError as e:
        cmd = f" {args.command}" if "args" in locals() and getattr(args, "command", None) else ""
        print(f"landscape-explorer{cmd}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except Terminated:
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
