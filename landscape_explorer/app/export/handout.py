"""A lesson as one self-contained HTML page for a course site: the text with its numbers filled
from the simulation, the tasks with their hints, a picture and a short animation embedded as
data URIs (no external reference of any kind), written atomically. A lesson that uses success
rates also shows each run's basin map, the picture the rate is the green share of. A task whose
solution changes the surface (a network slice trained again with skip connections) shows, folded
under it, the surface its solution makes and its measures: the comparison the task asks for.

The work splits in two: ``handout_material`` (the simulation's numbers and the basin maps: numpy
and Pillow only, safe in a worker thread) and the OpenGL pictures, which Qt renders on the
thread that owns the GUI; ``write_handout`` does both, or takes the material made elsewhere.
"""
from __future__ import annotations

import base64
import html
import io
import os
import tempfile
from dataclasses import dataclass, field

from landscape_explorer.core.atomic import atomic_write_text
from landscape_explorer.core.lessons import (SUCCESS_GRID, Lesson, LessonState, apply_edits,
                                             lesson_state, render_paragraphs, success_map)

from . import render

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 54rem;
       margin: 2rem auto; padding: 0 1rem; color: #1d2433; line-height: 1.55; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; } .sub { color: #5b6475; margin-top: 0; }
figure { margin: 1.5rem 0; } figure img { width: 100%; border-radius: 6px; }
figcaption { color: #5b6475; font-size: .9rem; }
.task { border-left: 4px solid #f5a623; background: #fff8ec; padding: .6rem 1rem;
        margin: 1rem 0; border-radius: 0 6px 6px 0; }
details summary { cursor: pointer; color: #2a6fb0; }
.maps { display: flex; flex-wrap: wrap; gap: 1rem; }
.maps figure { flex: 1 1 14rem; margin: 0; } .maps img { image-rendering: pixelated; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em;
          border: 1px solid #999; vertical-align: middle; }
footer { color: #8a93a3; font-size: .8rem; margin-top: 2rem; }
"""


def _data_uri(path: str, mime: str) -> str:
    with open(path, "rb") as f:
        return f"data:{mime};base64,{base64.b64encode(f.read()).decode('ascii')}"


BASIN_MAP_PIXELS = 288  # each map's longer side in the page: grid cells stay crisp blocks


@dataclass
class BasinFigure:
    run: str
    rate: float
    png: bytes
    legend: list  # [(outcome label, "#rrggbb", share of starts)], the outcomes reached


@dataclass
class HandoutMaterial:
    """What the page needs besides the OpenGL pictures."""

    state: LessonState
    basin_maps: list  # [BasinFigure], one per enabled run, for lessons with success rates
    # task id -> (its solved scenario, the LessonState there), for tasks whose solution changes
    # the surface
    solved: dict = field(default_factory=dict)


def handout_material(lesson: Lesson) -> HandoutMaterial:
    """The lesson's numbers from its simulation, and its runs' basin maps where it uses success
    rates (no OpenGL: may run in a worker thread)."""
    from PIL import Image

    sc = lesson.scenario
    state = lesson_state(lesson)
    maps = []
    if "success_rate" in lesson.derived:
        surf, bounds = sc.build_surface(), sc.plot_bounds
        for r in sc.enabled_runs():
            b = success_map(surf, bounds, sc.steps, r)
            (x0, x1), (y0, y1) = bounds
            aspect = (y1 - y0) / (x1 - x0)  # the plot's shape, not a square
            w, h = ((BASIN_MAP_PIXELS, max(1, round(BASIN_MAP_PIXELS * aspect))) if aspect <= 1
                    else (max(1, round(BASIN_MAP_PIXELS / aspect)), BASIN_MAP_PIXELS))
            img = Image.fromarray(b.image()).resize((w, h), Image.Resampling.NEAREST)
            buf = io.BytesIO()
            img.save(buf, format="PNG", optimize=True)
            colors, counts = b.colors(), b.counts
            legend = [(o.label, "#%02x%02x%02x" % tuple(int(c) for c in colors[i]),
                       counts[i] / counts.sum())
                      for i, o in enumerate(b.outcomes) if counts[i]]
            maps.append(BasinFigure(r.display_name, b.global_min_fraction, buf.getvalue(),
                                    legend))
    solved = {}
    for t in lesson.tasks:
        if any("network" in e for e in t.solution):
            after = apply_edits(sc, t.solution)
            solved[t.id] = (after, lesson_state(lesson, after))
    return HandoutMaterial(state, maps, solved)


def _surface_summary(surface: dict) -> str:
    """A slice's settings and measures in words, from a LessonState's surface quantities."""
    parts = []
    if "depth" in surface:
        parts.append(f"{surface['depth']} hidden layers, "
                     f"{'with' if surface.get('skip') else 'without'} skip connections")
    if "nonconvexity" in surface:
        parts.append(f"{surface['nonconvexity']:.0%} of the slice non-convex")
    if "grid_minima" in surface:
        n = surface["grid_minima"]
        parts.append(f"{n} local minim{'um' if n == 1 else 'a'} on the grid")
    return ", ".join(parts)


def _task_html(task, solved, picture_uri) -> str:
    after = ""
    if picture_uri is not None and task.id in solved:
        summary = _surface_summary(solved[task.id][1].surface)
        after = (f'<details><summary>What it looks like after</summary><figure>'
                 f'<img src="{picture_uri}" alt="The surface after this task">'
                 f"<figcaption>{html.escape(summary[:1].upper() + summary[1:])}."
                 f"</figcaption></figure></details>")
    return (f'<div class="task"><strong>Try this:</strong> {html.escape(task.prompt)}'
            f"<details><summary>Hint</summary>{html.escape(task.hint)}</details>{after}</div>")


def _legend(m) -> str:
    return "<br>".join(
        f'<span class="swatch" style="background:{c}"></span>'
        f'{html.escape(label.replace("_", " ").replace("-", "−"))}: {share:.0%}'
        for label, c, share in m.legend)


def _basin_section(maps, bounds) -> str:
    if not maps:
        return ""
    (x0, x1), (y0, y1) = bounds
    figs = "\n".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(m.png).decode("ascii")}" '
        f'alt="Basin map of {html.escape(m.run)}"><figcaption>Basin map of '
        f"{html.escape(m.run)}: {m.rate:.0%} of the starts end in the global minimum."
        f"<br>{_legend(m)}</figcaption></figure>" for m in maps)
    return (f"<h2>Basin maps</h2><p>Each of the {SUCCESS_GRID} × {SUCCESS_GRID} cells is one "
            "start, coloured by where the run's settings end from there: greens are the "
            "global minimum, other colours the other critical points. "
            + f"x runs from {x0:g} to {x1:g} left to right, y from {y0:g} to {y1:g} bottom to "
            "top.".replace("-", "−")  # a real minus, as in the rest of the text
            + f'</p><div class="maps">{figs}</div>')


def handout_html(lesson: Lesson, picture_uri: str, animation_uri: str | None,
                 material: HandoutMaterial | None = None,
                 task_pictures: dict | None = None) -> str:
    """The page, from the lesson and its embedded images (``task_pictures``: task id -> the
    picture of the surface its solution makes)."""
    material = material or handout_material(lesson)
    state = material.state
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in render_paragraphs(lesson, state))
    tasks = "\n".join(_task_html(t, material.solved, (task_pictures or {}).get(t.id))
                      for t in lesson.tasks)
    runs = ", ".join(html.escape(r.display_name) for r in lesson.scenario.enabled_runs())
    anim = "" if animation_uri is None else (
        f'<figure><img src="{animation_uri}" alt="The runs descending, step by step">'
        "<figcaption>The same runs, step by step.</figcaption></figure>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(lesson.title)}</title><style>{_CSS}</style></head>
<body>
<h1>{html.escape(lesson.title)}</h1>
<p class="sub">Lesson {lesson.order} of landscape-explorer · surface
{html.escape(lesson.scenario.surface)} · runs: {runs}</p>
<figure><img src="{picture_uri}" alt="{html.escape(lesson.title)}: the runs on the surface">
<figcaption>After {lesson.scenario.steps} steps.</figcaption></figure>
{paras}
{anim}
{_basin_section(material.basin_maps, lesson.scenario.plot_bounds)}
{tasks}
<footer>Open the same lesson in the app (Learn menu) to do the tasks live:
<code>landscape-explorer</code>.</footer>
</body></html>
"""


def write_handout(lesson: Lesson, path, size=(960, 600), animation: bool = True,
                  progress=None, material: HandoutMaterial | None = None) -> None:
    """Render the lesson's pictures (needs OpenGL: a display or xvfb-run) and write the page;
    ``material`` from ``handout_material`` if it was made already (in a worker thread).
    ``progress(done, total)`` is called per animation frame; returning False cancels
    (``core.atomic.Cancelled``), and nothing is written."""
    material = material or handout_material(lesson)
    with tempfile.TemporaryDirectory(prefix="le-handout-") as tmp:
        png = os.path.join(tmp, "picture.png")
        render.render_scenario(lesson.scenario, png, size=size, colors=256)
        task_pictures = {}
        for tid, (after, _state) in material.solved.items():
            task_png = os.path.join(tmp, f"task-{tid}.png")
            render.render_scenario(after, task_png, size=(size[0] * 2 // 3, size[1] * 2 // 3),
                                   colors=256)
            task_pictures[tid] = _data_uri(task_png, "image/png")
        gif_uri = None
        if animation:
            gif = os.path.join(tmp, "steps.gif")
            render.render_scenario(lesson.scenario, gif, size=(size[0] // 2, size[1] // 2),
                                   fps=12, frames=36, progress=progress)
            gif_uri = _data_uri(gif, "image/gif")
        text = handout_html(lesson, _data_uri(png, "image/png"), gif_uri, material,
                            task_pictures)
    atomic_write_text(path, text)
