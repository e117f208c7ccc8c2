"""Record torch.optim.lr_scheduler's learning rates for tests/core/test_schedules.py.

The test suite runs without torch: it compares our schedules with this recording. To record
again (after adding a case to TORCH_CASES below), run with a Python that has torch:

    python tests/core/record_torch_schedules.py

It needs nothing but torch and writes tests/data/torch_lr_schedules.json.
"""
import json
import os
import warnings

STEPS = 300
BASE_LRS = (0.1, 0.0123)

# (our name, parameters, torch class name)
TORCH_CASES = [
    ("step", dict(step_size=7), "StepLR"),
    ("step", dict(step_size=30, gamma=0.5), "StepLR"),
    ("exponential", dict(gamma=0.97), "ExponentialLR"),
    ("cosine", dict(T_max=50), "CosineAnnealingLR"),
    ("cosine", dict(T_max=37, eta_min=0.001), "CosineAnnealingLR"),
    ("cosine_warm_restarts", dict(T_0=10), "CosineAnnealingWarmRestarts"),
    ("cosine_warm_restarts", dict(T_0=7, T_mult=2, eta_min=0.01), "CosineAnnealingWarmRestarts"),
    ("cyclic", dict(max_lr=0.5, step_size_up=13), "CyclicLR"),
    ("cyclic", dict(max_lr=0.5, step_size_up=20, step_size_down=7, mode="triangular2"),
     "CyclicLR"),
    ("cyclic", dict(max_lr=0.3, step_size_up=9, mode="exp_range", gamma=0.99), "CyclicLR"),
    ("cyclic", dict(max_lr=0.5), "CyclicLR"),
    ("linear", dict(), "LinearLR"),
    ("linear", dict(start_factor=0.1, end_factor=0.7, total_iters=40), "LinearLR"),
]

PATH = os.path.join(os.path.dirname(__file__), "..", "data", "torch_lr_schedules.json")


def torch_lrs(cls_name, base_lr, n, params):
    """The lr torch's optimizer uses at each of n steps, the scheduler stepped after each."""
    import torch

    param = torch.zeros(2, requires_grad=True)
    opt = torch.optim.SGD([param], lr=base_lr)
    kw = dict(params)
    if cls_name == "CyclicLR":
        # Our cyclic schedule takes its bottom from the optimizer's lr and leaves momentum alone.
        kw.update(base_lr=base_lr, cycle_momentum=False)
    sched = getattr(torch.optim.lr_scheduler, cls_name)(opt, **kw)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            out.append(opt.param_groups[0]["lr"])
            param.grad = torch.ones(2)
            opt.step()
            sched.step()
    return out


def main():
    import torch

    cases = []
    for name, params, cls_name in TORCH_CASES:
        for base_lr in BASE_LRS:
            # float.hex: exact to the bit, whatever JSON readers do with decimals.
            lrs = [float(v).hex() for v in torch_lrs(cls_name, base_lr, STEPS, params)]
            cases.append(dict(schedule=name, params=params, torch_class=cls_name,
                              base_lr=base_lr, lrs=lrs))
    with open(PATH, "w") as f:  # one case a line
        f.write('{"torch_version": %s, "steps": %d, "cases": [\n' % (
            json.dumps(torch.__version__), STEPS))
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
