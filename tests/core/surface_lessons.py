"""What each surface's default start must show with the app's default runs: one predicate per
surface over the runs' verdicts (shared by the core test and the app test)."""
import numpy as np

import landscape_explorer as le
from landscape_explorer.app.presets import default_scenario  # no Qt: a core Scenario


def default_runs():
    """The optimizers of the runs a first launch shows (presets.default_scenario)."""
    return [r.build_optimizer() for r in default_scenario().enabled_runs()]


def default_steps() -> int:
    return int(default_scenario().playback.max_steps)


def kinds(vs):
    return [v.kind for v in vs]


def at(v, xy, tol=0.02):
    return v.point is not None and np.hypot(v.point.xy[0] - xy[0], v.point.xy[1] - xy[1]) < tol


LESSONS = {
    # name: (the lesson in words, predicate over the list of verdicts)
    "bowl": ("every optimizer finds the one minimum",
             lambda vs: all(k == "global_min" for k in kinds(vs))),
    "sin_quadratic": ("started on the right, runs settle in the local minimum at x≈1.41",
                      lambda vs: all(v.kind == "local_min" and at(v, (1.408, 0.0)) for v in vs)),
    "saddle": ("on the stable line every run walks into the saddle and stops",
               lambda vs: all(k == "saddle" for k in kinds(vs))),
    "monkey_saddle": ("runs slow to a crawl at the degenerate saddle",
                      lambda vs: any(v.kind == "saddle" and at(v, (0, 0)) for v in vs)
                      and "diverged" not in kinds(vs)),
    "plateau": ("on the plain the gradient is tiny but not zero: GD crawls, Adam walks in",
                lambda vs: "plateau" in kinds(vs) and "global_min" in kinds(vs)),
    "rosenbrock": ("plain SGD still crawls along the valley; momentum and Adam reach (1, 1)",
                   lambda vs: "moving" in kinds(vs) and "global_min" in kinds(vs)),
    "rastrigin": ("every run stops in the first dip it meets",
                  lambda vs: all(k == "local_min" for k in kinds(vs))),
    "himmelblau": ("equal minima: the optimizer decides which one",
                   lambda vs: all(k == "global_min" for k in kinds(vs))
                   and len({v.point.xy for v in vs}) >= 2),
    "ackley": ("the ripples trap gradient descent",
               lambda vs: all(k == "local_min" for k in kinds(vs))),
    "six_hump_camel": ("which minimum depends on the optimizer as well as the start",
                       lambda vs: {"global_min", "local_min"} <= set(kinds(vs))),
    "beale": ("plain SGD crawls in the flat valley; momentum and Adam reach (3, 0.5)",
              lambda vs: "plateau" in kinds(vs) and "global_min" in kinds(vs)
              and "diverged" not in kinds(vs)),
    "styblinski_tang": ("the start's signs pick the quadrant's (local) minimum",
                        lambda vs: all(v.kind == "local_min" and at(v, (2.7468, -2.9035))
                                       for v in vs)),
    "goldstein_price": ("one learning rate: unstable on the slopes or in the wrong basin",
                        lambda vs: "local_min" in kinds(vs) and "global_min" in kinds(vs)),
    "booth": ("the tilted bowl's minimum at (1, 3)",
              lambda vs: "global_min" in kinds(vs) and "diverged" not in kinds(vs)),
    "three_hump_camel": ("beyond the saddles one run ends in a side minimum",
                         lambda vs: "local_min" in kinds(vs) and "global_min" in kinds(vs)),
    "easom": ("outside the hole no gradient method finds the minimum",
              lambda vs: "plateau" in kinds(vs) and "global_min" not in kinds(vs)),
}
