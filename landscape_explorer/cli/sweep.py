"""`landscape-explorer sweep`: optimizers x learning rates x starts, as a table and a heatmap.

    landscape-explorer sweep --surface rastrigin --optimizer adam --optimizer "sgd(momentum=0.9)"
        --lr 1e-4:1:13 --starts 1000 --steps 500 [--seeds 5] [-o sweep.csv] [--png sweep.png]
        [--json] [--dask SCHEDULER_ADDRESS | --dask local]
"""
from __future__ import annotations

import csv
import io
import json
import math
import sys

import numpy as np

from .common import (UsageError, check_output_writable, parse_optimizer, parse_surface,
                     positive_int)

MAX_LRS = 200


def add_subcommand(sub):
    p = sub.add_parser("sweep", help="success rate of each optimizer at each learning rate, "
                                     "from many starts: the fair comparison")
    p.add_argument("--surface", required=True, help="surface name or a formula in x and y")
    p.add_argument("--optimizer", action="append", required=True, metavar="SPEC",
                   help='e.g. "adam" or "sgd(momentum=0.9)"; repeat to compare (lr is swept)')
    p.add_argument("--lr", required=True, metavar="LO:HI:K",
                   help="K log-spaced learning rates from LO to HI (or a list: 0.001,0.01)")
    p.add_argument("--starts", type=positive_int, default=1000, help="random starts per run")
    p.add_argument("--start-kind", choices=("uniform", "grid"), default="uniform")
    p.add_argument("--steps", type=positive_int, default=500)
    p.add_argument("--seeds", type=positive_int, default=1,
                   help="repeat every run over this many seeds (for noisy optimizers)")
    p.add_argument("--seed", type=positive_int, default=0)
    p.add_argument("--target", type=float, default=None,
                   help="loss that counts as arrived (default: global minimum + 1%% of range)")
    p.add_argument("-o", "--output", metavar="CSV", help="write the table as CSV")
    p.add_argument("--png", metavar="PNG", help="write a heatmap (optimizer x learning rate)")
    p.add_argument("--json", action="store_true", help="print the table as one JSON object")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run the cells on a Dask cluster (its scheduler address), or 'local'")
    p.set_defaults(func=cmd_sweep)


def parse_lrs(text: str) -> list[float]:
    """'LO:HI:K' (K log-spaced values) or 'a,b,c'; UsageError with one line otherwise."""
    t = text.strip()
    if ":" in t:
        parts = t.split(":")
        if len(parts) != 3:
            raise UsageError(f"invalid --lr {text!r}: expected LO:HI:K such as 1e-4:1:13")
        try:
            lo, hi = float(parts[0]), float(parts[1])
            k = int(parts[2])
        except ValueError:
            raise UsageError(f"invalid --lr {text!r}: expected LO:HI:K such as 1e-4:1:13") \
                from None
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
            raise UsageError(f"invalid --lr {text!r}: need 0 < LO <= HI, both finite")
        if not 1 <= k <= MAX_LRS:
            raise UsageError(f"invalid --lr {text!r}: K must be 1..{MAX_LRS}")
        if k == 1:
            return [lo]
        return [float(v) for v in np.geomspace(lo, hi, k)]
    try:
        vals = [float(v) for v in t.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"invalid --lr {text!r}: expected LO:HI:K or a list such as "
                         "0.001,0.01") from None
    if not vals or len(vals) > MAX_LRS or not all(math.isfinite(v) and v > 0 for v in vals):
        raise UsageError(f"invalid --lr {text!r}: learning rates must be 1..{MAX_LRS} finite "
                         "numbers > 0")
    return vals


def _client(address: str | None):
    if address is None:
        return None, None
    try:
        import distributed
    except ImportError:
        raise UsageError("--dask needs Dask: pip install 'landscape-explorer[dask]'") from None
    if address == "local":
        cluster = distributed.LocalCluster(processes=True, dashboard_address=None)
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(address, timeout=10), None
    except (OSError, TimeoutError, ValueError) as e:
        raise UsageError(f"cannot reach the Dask scheduler at {address!r}: {e}") from None


def cmd_sweep(args) -> int:
    from ..core.atomic import atomic_write_text
    from ..core.sweep import sweep, sweep_starts

    surf = parse_surface(args.surface)
    opts = [parse_optimizer(s) for s in args.optimizer]
    lrs = parse_lrs(args.lr)
    if args.starts < 1 or args.steps < 1 or args.seeds < 1:
        raise UsageError("--starts, --steps and --seeds must be >= 1")
    if args.target is not None and not math.isfinite(args.target):
        raise UsageError(f"invalid --target {args.target}: must be a finite number")
    for path in (args.output, args.png):
        if path:
            check_output_writable(path)
    if args.png and not args.png.lower().endswith(".png"):
        raise UsageError(f"invalid --png {args.png!r}: the file name must end in .png")
    try:
        starts = sweep_starts(surf, args.starts, kind=args.start_kind, seed=args.seed)
    except ValueError as e:
        raise UsageError(str(e)) from None
    client, cluster = _client(args.dask)
    progress = _progress_bar() if sys.stderr.isatty() and not args.json else None
    try:
        result = sweep(surf, opts, lrs, starts, args.steps, seeds=args.seeds, target=args.target,
                       seed=args.seed, client=client, progress=progress)
    except ValueError as e:
        raise UsageError(str(e)) from None
    finally:
        if progress is not None:
            sys.stderr.write("\n")
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if args.output:
        atomic_write_text(args.output, table_csv(result))
    if args.png:
        from .common import write_png

        write_png(args.png, heatmap(result))
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0
    print(f"{surf.title}: {len(starts)} starts x {args.steps} steps x {args.seeds} seed(s), "
          f"target loss {result.target:.4g}")
    print(f"  {'optimizer':<28} {'lr':>9} {'success':>8} {'95% CI':>15} {'median':>7} "
          f"{'p90':>7} {'diverged':>8}")
    best = {c.optimizer: c for c in result.best().values()}
    for c in result.cells:
        mark = " *" if best.get(c.optimizer) is c else ""
        steps = "-" if c.median_steps is None else f"{c.median_steps:.0f}"
        p90 = "-" if c.p90_steps is None else f"{c.p90_steps:.0f}"
        print(f"  {c.optimizer:<28} {c.lr:>9.3g} {100 * c.success_rate:>7.1f}% "
              f"[{100 * c.success_ci[0]:5.1f}, {100 * c.success_ci[1]:5.1f}] {steps:>7} "
              f"{p90:>7} {100 * c.divergence_rate:>7.1f}%{mark}")
    print("tuned (each at its own best learning rate, * above):")
    for c in result.tuned():
        print(f"  {c.optimizer} at lr {c.lr:.3g}: {100 * c.success_rate:.1f}% reach the global "
              "minimum" + ("" if c.median_steps is None else
                           f", median {c.median_steps:.0f} steps"))
    for path in (args.output, args.png):
        if path:
            print(f"wrote {path}")
    return 0


def _progress_bar():
    def show(fraction):
        n = int(30 * fraction)
        sys.stderr.write(f"\r[{'#' * n}{'.' * (30 - n)}] {100 * fraction:5.1f}%")
        sys.stderr.flush()
    return show


def table_csv(result) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["optimizer", "lr", "runs", "success_rate", "success_ci_low", "success_ci_high",
                "reached_target", "median_steps", "p90_steps", "divergence_rate",
                "final_loss_q10", "final_loss_q50", "final_loss_q90", "best"])
    best = {id(c) for c in result.best().values()}
    for c in result.cells:
        w.writerow([c.optimizer, repr(c.lr), c.runs, repr(c.success_rate),
                    repr(c.success_ci[0]), repr(c.success_ci[1]), repr(c.reached_target),
                    "" if c.median_steps is None else repr(c.median_steps),
                    "" if c.p90_steps is None else repr(c.p90_steps), repr(c.divergence_rate),
                    *(repr(q) for q in c.final_loss_quantiles), int(id(c) in best)])
    return out.getvalue()


def heatmap(result) -> np.ndarray:
    """The slide picture: see core.sweep.heatmap_picture (shared with the app's Sweep tab)."""
    from ..core.sweep import heatmap_picture

    return heatmap_picture(result).image
