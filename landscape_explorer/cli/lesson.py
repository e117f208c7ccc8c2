"""`landscape-explorer lesson`: the guided lessons in the terminal, and as HTML handouts.

    landscape-explorer lesson --list
    landscape-explorer lesson local_minimum                 # the text, numbers from the simulation
    xvfb-run -a landscape-explorer lesson local_minimum --export handout.html
"""
from __future__ import annotations

import sys
import textwrap

from .common import UsageError


def add_subcommand(sub):
    p = sub.add_parser("lesson", help="the guided lessons: list them, read one, or export an "
                                      "HTML handout")
    p.add_argument("name", nargs="?", help="a lesson id (see --list)")
    p.add_argument("--list", action="store_true", help="list the lessons")
    p.add_argument("--export", metavar="HTML", help="write a self-contained HTML handout "
                                                    "(needs OpenGL: use xvfb-run -a without a display)")
    p.add_argument("--no-animation", action="store_true", help="handout without the animation")
    p.set_defaults(func=cmd_lesson)


def cmd_lesson(args) -> int:
    from ..core.lessons import LessonError, lesson, lesson_state, lessons, render_paragraphs

    try:
        if args.list or not args.name:
            for x in lessons():
                print(f"{x.order:2d}. {x.id:<16} {x.title}")
            return 0
        the = lesson(args.name)
    except LessonError as e:
        raise UsageError(str(e)) from None
    if args.export:
        return _export(the, args)
    state = lesson_state(the)
    print(f"{the.title}\n{'=' * len(the.title)}\n")
    for p in render_paragraphs(the, state):
        print(textwrap.fill(p, 88) + "\n")
    for t in the.tasks:
        print(textwrap.fill(f"Try this: {t.prompt}", 88, subsequent_indent="  "))
        print(textwrap.fill(f"Hint: {t.hint}", 88, initial_indent="  ", subsequent_indent="  "))
    return 0


def _export(the, args) -> int:
    if not args.export.lower().endswith((".html", ".htm")):
        raise UsageError(f"invalid --export {args.export!r}: the file name must end in .html")
    from ..app.export import render

    try:
        render.check_output(args.export)
    except render.RenderError as e:
        raise UsageError(str(e)) from None
    from ..app.export.handout import write_handout

    try:
        write_handout(the, args.export, animation=not args.no_animation)
    except render.RenderError as e:
        print(f"landscape-explorer lesson: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"landscape-explorer lesson: error: {args.export}: {e.strerror or e}",
              file=sys.stderr)
        return 1
    print(f"wrote {args.export}")
    return 0
