"""Sweep throughput: 2 optimizers x 13 learning rates x 1,000 starts x 500 steps on Rastrigin
(13 M particle-steps), in particle-steps per second, against the core's own throughput on the
same work measured in the same run (one ``simulate`` of the same starts per optimizer and
learning rate, recording only the end). The sweep's overhead is what it adds: recording the
loss every steps/100 steps (for the steps to the target), the verdicts, the quantiles. Target:
overhead <= 10 %.

Each measurement is the best of ``--repeat`` (the machine may be shared: the best is the least
disturbed). The verdicts' share is measured on its own too: the per-run verdicts over the same
end points, and the vectorized classification the sweep uses.

With ``--dask local`` (a LocalCluster on this machine) or ``--dask ADDRESS``, the same sweep on
the cluster too, with its figure and overhead against the in-process core.

    python benchmarks/sweep.py [--starts 1000] [--steps 500] [--lrs 13] [--repeat 3]
        [--dask local]
"""
from __future__ import annotations

import argparse

import numpy as np

import landscape_explorer as le
from timing import best_of
from landscape_explorer.core.sweep import sweep_starts

SURFACE = "rastrigin"
OPTIMIZERS = ("adam", "sgd(momentum=0.9)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--starts", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--lrs", type=int, default=13)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dask", default=None, metavar="ADDRESS",
                    help="also run on a Dask cluster: its scheduler address, or 'local'")
    args = ap.parse_args(argv)

    from landscape_explorer.cli.common import parse_optimizer

    opts = [parse_optimizer(s) for s in OPTIMIZERS]
    lrs = [float(v) for v in np.geomspace(1e-4, 1.0, args.lrs)]
    starts = sweep_starts(SURFACE, args.starts, seed=0)
    work = len(opts) * len(lrs) * len(starts) * args.steps
    cells = [o.with_hyperparams(lr=lr) for o in opts for lr in lrs]

    def core():
        return [le.simulate(SURFACE, o, starts, args.steps, record_every=args.steps)
                for o in cells]

    def in_process():
        return le.sweep(SURFACE, opts, lrs, starts, args.steps)

    # Warm up: numba's compilation and the critical-point search (cached per surface) are
    # paid once per process, not per sweep.
    le.sweep(SURFACE, opts, lrs[:1], starts[:10], 5)
    le.simulate(SURFACE, cells[0], starts[:10], 5)

    print(f"{SURFACE}: {len(opts)} optimizers x {len(lrs)} learning rates x {len(starts)} "
          f"starts x {args.steps} steps = {work / 1e6:.1f} M particle-steps, best of "
          f"{args.repeat}")
    t_core = t_sweep = float("inf")
    for _ in range(args.repeat):  # interleaved, so both see the same machine
        t_core = min(t_core, best_of(1, core)[0])
        t_sweep = min(t_sweep, best_of(1, in_process)[0])
    rate_core, rate_sweep = work / t_core, work / t_sweep
    print(f"  core simulate      {t_core:7.2f} s  {rate_core / 1e6:7.2f} M particle-steps/s")
    print(f"  sweep in-process   {t_sweep:7.2f} s  {rate_sweep / 1e6:7.2f} M particle-steps/s  "
          f"= {100 * rate_sweep / rate_core:.1f} % of the core, overhead "
          f"{100 * (t_sweep / t_core - 1):+.1f} % (target <= 10 %)")

    # Where a sweep's extra time goes, on one cell's end points.
    from landscape_explorer.core.verdicts import classify_arrays, verdicts_at

    res = le.simulate(SURFACE, cells[len(lrs) // 2], starts, args.steps,
                      record_every=max(1, args.steps // 100))
    t_rec, _ = best_of(args.repeat, lambda: le.simulate(
        SURFACE, cells[len(lrs) // 2], starts, args.steps,
        record_every=max(1, args.steps // 100)))
    t_sim, _ = best_of(args.repeat, lambda: le.simulate(
        SURFACE, cells[len(lrs) // 2], starts, args.steps, record_every=args.steps))
    kw = dict(status=res.status, steps_taken=res.steps_taken, steps=args.steps,
              starts=res.path[0])
    t_verdicts, _ = best_of(args.repeat, lambda: verdicts_at(SURFACE, res.final, **kw))
    t_vector, _ = best_of(args.repeat, lambda: classify_arrays(SURFACE, res.final, **kw))
    print(f"  one cell: simulate {1e3 * t_sim:.1f} ms, with the sweep's recording "
          f"{1e3 * t_rec:.1f} ms; per-run verdicts {1e3 * t_verdicts:.1f} ms "
          f"({100 * t_verdicts / t_sim:.0f} % of simulate), vectorized classification "
          f"{1e3 * t_vector:.1f} ms ({100 * t_vector / t_sim:.1f} %)")

    if args.dask:
        import distributed

        if args.dask == "local":
            cluster = distributed.LocalCluster(processes=True, dashboard_address=None)
            client = distributed.Client(cluster)
        else:
            cluster, client = None, distributed.Client(args.dask, timeout=10)
        try:
            workers = len(client.scheduler_info()["workers"])
            le.sweep(SURFACE, opts, lrs[:2], starts[:10], 5, client=client)  # warm the workers
            t_dask, res_dask = best_of(args.repeat, lambda: le.sweep(
                SURFACE, opts, lrs, starts, args.steps, client=client))
            same = res_dask.cells == in_process().cells
            print(f"  sweep on Dask ({workers} workers) {t_dask:7.2f} s  "
                  f"{work / t_dask / 1e6:7.2f} M particle-steps/s = "
                  f"{100 * t_core / t_dask:.1f} % of the in-process core, overhead "
                  f"{100 * (t_dask / t_core - 1):+.1f} %; same table as in-process: {same}")
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


if __name__ == "__main__":
    main()
