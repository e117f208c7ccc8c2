"""Typed surfaces against the built-in they equal: throughput, and the time to a new mesh.

- `adam` on the typed "sin(3*x) + 0.5*x**2 + y**2" vs the built-in `sin_quadratic` (the same
  function), 100,000 particles x 200 steps on the fused engine, in the same run; target: the
  typed one at >= 0.8x the built-in's particle-steps per second.
- From text to the numbers of a 200x200 mesh: parse + differentiate + generate code (sympy
  already imported, as in the app after the first formula), then values and normals' gradients
  over the grid; target (with drawing, in the app): under 150 ms. sympy's first import is
  reported separately: the app pays it once, in the background.
- In the app (``--app``; needs a display: ``xvfb-run -a -s "-screen 0 1600x1000x24"``): from the
  typed text being taken (the editor's parse_now(), which its 200 ms typing debounce calls) to
  the redrawn 200x200 3D mesh on screen (the GL widget's frameSwapped after the new surface is
  set), with Qt's events processed as the app does; target: under 150 ms. The debounce itself
  is not counted: it waits for the typing to pause, by design.

    python benchmarks/custom_surface.py [--particles 100000] [--steps 200] [--repeat 3] [--app]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import landscape_explorer as le
from timing import best_of

TYPED = "sin(3*x) + 0.5*x**2 + y**2"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--app", action="store_true",
                    help="also time the app's redraw from typed text to the mesh on screen")
    a = ap.parse_args()

    t0 = time.perf_counter()
    import sympy  # noqa: F401  (timed: the first import)
    t_import = time.perf_counter() - t0

    typed = le.surface(TYPED, bounds=((-3, 3), (-2, 2)))
    builtin = le.surface("sin_quadratic")
    rng = np.random.default_rng(0)
    starts = np.stack([rng.uniform(-3, 3, a.particles), rng.uniform(-2, 2, a.particles)], -1)
    opt = le.optimizer("adam", lr=0.05)
    work = a.particles * a.steps
    # First calls compile (and cache) the fused loops; not timed.
    le.simulate(typed, opt, starts, a.steps, record_every=a.steps)
    le.simulate(builtin, opt, starts, a.steps, record_every=a.steps)
    t_b, rb = best_of(a.repeat, lambda: le.simulate(builtin, opt, starts, a.steps,
                                                    record_every=a.steps))
    t_t, rt = best_of(a.repeat, lambda: le.simulate(typed, opt, starts, a.steps,
                                                    record_every=a.steps))
    print(f"adam, {a.particles:,} particles x {a.steps} steps (fused engine)")
    print(f"  built-in sin_quadratic: {work / t_b / 1e6:7.1f} M particle-steps/s")
    print(f"  typed {TYPED!r}: {work / t_t / 1e6:7.1f} M particle-steps/s")
    print(f"  ratio typed / built-in: {t_b / t_t:.2f}x (target >= 0.8x)")
    print(f"  largest end-point difference: {np.abs(rt.final - rb.final).max():.2e}")

    xs = np.linspace(-3, 3, 200)
    ys = np.linspace(-2, 2, 200)
    grid = np.stack(np.meshgrid(xs, ys), -1)

    def to_mesh(k=[0]):
        k[0] += 1  # a new text every time: nothing cached
        s = le.surface(f"sin(3*x) + 0.5*x**2 + y**2 + {k[0]}e-9*x*y",
                       bounds=((-3, 3), (-2, 2)))
        return s.value(grid), s.grad(grid)

    t_mesh, _ = best_of(max(a.repeat, 5), to_mesh)
    print(f"text -> 200x200 mesh numbers: {1e3 * t_mesh:.1f} ms (best of {max(a.repeat, 5)}); "
          f"sympy's first import: {1e3 * t_import:.0f} ms")
    if a.app:
        app_redraw(max(a.repeat, 5))


def app_redraw(repeat: int) -> None:
    """Time, in the real window, a new typed formula to the redrawn 200x200 mesh on screen."""
    import tempfile

    from PyQt6 import QtCore, QtWidgets

    from landscape_explorer.app import prepare_qt

    prepare_qt()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from landscape_explorer.app.main_window import MainWindow
    from landscape_explorer.app.model import AppModel
    from landscape_explorer.app.panels.controls import CUSTOM

    state = {"schema": "landscape-explorer/scenario", "version": 1,
             "surface": {"name": TYPED, "bounds": [[-3, 3], [-2, 2]], "resolution": 200},
             "runs": [{"optimizer": "adam", "hyperparams": {"lr": 0.05}}], "steps": 0}
    settings = QtCore.QSettings(tempfile.mktemp(suffix=".ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(model=AppModel.from_dict(state), settings=settings, restore=False)
    w.resize(1400, 900)
    w.show()
    view = w.view3d
    frames = [0]
    view.frameSwapped.connect(lambda: frames.__setitem__(0, frames[0] + 1))

    def spin(until, limit=30.0):
        t_end = time.perf_counter() + limit
        while not until():
            if time.perf_counter() > t_end:
                raise RuntimeError("the app did not redraw within 30 s")
            app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)

    spin(lambda: frames[0] > 0)
    c = w.controls
    c.surface_combo.setCurrentIndex(c.surface_combo.findData(CUSTOM))
    ed = c.custom_editor
    times = []
    for k in range(repeat + 1):  # the first one warms caches (GL buffers, numba): not kept
        text = f"sin(3*x) + 0.5*x**2 + y**2 + {k + 1}e-6*x*y"
        ed.field.setText(text)
        t0 = time.perf_counter()
        ed.parse_now()
        spin(lambda: w.model.surface.expression == text)
        seen = frames[0]
        spin(lambda: frames[0] > seen)
        if k:
            times.append(time.perf_counter() - t0)
    assert w.model.resolution == 200
    times.sort()
    print(f"app: typed text -> redrawn 200x200 3D mesh on screen: median "
          f"{1e3 * times[len(times) // 2]:.0f} ms, best {1e3 * times[0]:.0f} ms of {repeat} "
          "(target < 150 ms; the 200 ms typing debounce before it not counted)")
    w.close()


if __name__ == "__main__":
    main()
