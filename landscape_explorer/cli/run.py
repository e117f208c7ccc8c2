"""`landscape-explorer run`: run optimizers from start points and print where they end."""
from __future__ import annotations

import json

import numpy as np

from .common import (MAX_STEPS, UsageError, check_size, optimizer_json, parse_optimizer, parse_point,
                     parse_surface, precise, seed_int, steps_int, verdict_json)


def add_subcommand(sub):
    p = sub.add_parser("run", help="run optimizers from start points and print where they end")
    p.add_argument("--surface", required=True, help="surface name (see `list`)")
    p.add_argument("--optimizer", action="append", required=True, metavar="SPEC",
                   help='e.g. "adam(lr=0.05)"; repeat to compare several')
    p.add_argument("--start", action="append", required=True, metavar="X,Y",
                   help="start point; repeat for several particles")
    p.add_argument("--steps", type=steps_int, default=300,
                   help=f"optimizer steps (at most {MAX_STEPS:,})")
    p.add_argument("--seed", type=seed_int, default=0)
    p.add_argument("--batch-size", type=batch_size_arg, default=None, metavar="B",
                   help="rows per minibatch on a surface made from data (sinusoid_fit, ...): "
                        "each step follows that minibatch's exact gradient, batches drawn "
                        "without replacement each epoch, seeded by --seed; default: the full "
                        "batch. Losses and verdicts are the full-batch surface's")
    p.add_argument("--json", action="store_true", help="print one JSON object with full paths")
    p.set_defaults(func=cmd_run)


def batch_size_arg(text: str) -> int:
    """--batch-size: a whole number >= 1 (checked against the dataset's rows when it runs)."""
    import argparse

    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid batch size {text!r}: expected a whole "
                                         "number >= 1") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"invalid batch size {text!r}: expected a whole "
                                         "number >= 1")
    return v


def cmd_run(args) -> int:
    from ..core.simulate import simulate

    surf = parse_surface(args.surface)
    opts = [parse_optimizer(s) for s in args.optimizer]
    starts = np.array([parse_point(s) for s in args.start])
    n = len(starts) * len(opts)
    # --json prints every step of every path (three numbers of about 24 bytes of JSON each, and
    # the float64 arrays behind them); without it only the end points are kept.
    rows = args.steps + 1 if args.json else 2
    check_size(f"--steps {args.steps} with {n} particle run(s)" + (" and --json" if args.json
               else ""), rows * n * 3 * (8 + 24), args.steps * n,
               "use fewer --steps or start points" + (", or leave out --json" if args.json
                                                       else ""))
    if args.batch_size is not None:
        from ..core.minibatch import check_batch_size

        try:
            check_batch_size(surf, args.batch_size)
        except ValueError as e:
            raise UsageError(f"--batch-size: {e}") from None
    runs = []
    for opt in opts:
        try:
            res = simulate(surf, opt, starts, args.steps, seed=args.seed,
                           record_every=1 if args.json else max(args.steps, 1),
                           batch_size=args.batch_size)
        except ValueError as e:
            raise UsageError(str(e)) from None
        runs.append((opt, res))
    if args.json:
        out = {
            "surface": surf.name, "steps": args.steps, "seed": args.seed,
            "batch_size": args.batch_size,
            "starts": starts.tolist(),
            "runs": [dict(optimizer_json(opt),
                          final=res.final.tolist(), loss=res.final_loss.tolist(),
                          status=list(res.status), steps_taken=res.steps_taken.tolist(),
                          path=res.path.tolist(), path_loss=res.loss.tolist(),
                          verdicts=[verdict_json(v) for v in res.verdicts])
                     for opt, res in runs],
        }
        print(json.dumps(out))
        return 0
    from ..core.critical import scales_of

    vr = scales_of(surf).value_range
    span = scales_of(surf).span
    batch = "" if args.batch_size is None else \
        f", minibatches of {args.batch_size} (losses over the full dataset)"
    print(f"{surf.title} ({surf.name}), {args.steps} steps, seed {args.seed}{batch}")
    for opt, res in runs:
        print(opt.spec() + (f" with schedule {opt.schedule.spec()}" if opt.schedule else ""))
        verdicts = res.verdicts
        for i, start in enumerate(starts):
            x, y = res.final[i]
            print(f"  from ({start[0]:g}, {start[1]:g}) -> ({precise(x, span)}, "
                  f"{precise(y, span)})  loss {precise(res.final_loss[i], vr)}  {res.status[i]}  "
                  f"{res.steps_taken[i]} steps")
            print(f"    verdict: {verdicts[i].detail}")
    return 0
