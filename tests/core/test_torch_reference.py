"""Our optimizers against torch.optim itself: same defaults, same paths.

Each optimizer is elementwise, so one float64 torch parameter of shape (N, 2) stepping N starts
at once is the same computation as N separate 2-D problems.
"""
import inspect
import types
import warnings

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.optimizers import optimizer_def

torch = pytest.importorskip("torch")

TORCH_CLASSES = {
    "sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "adagrad": "Adagrad", "rmsprop": "RMSprop",
    "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "NAdam", "radam": "RAdam",
}
NOT_IN_TORCH = {"gd", "lion"}

STARTS = np.array([[-1.5, 2.0], [0.5, 0.5], [1.2, 0.8], [-0.3, -0.7], [2.0, -1.0],
                   [0.1, 0.2], [-1.0, 1.0], [0.7, -0.2], [0.3, 0.3]])


def rosenbrock_grad(xy):
    x, y = xy[..., 0], xy[..., 1]
    return np.stack([2 * (x - 1) - 400 * x * (y - x * x), 200 * (y - x * x)], axis=-1)


CONFIGS = [
    ("sgd", dict(lr=1e-4)),
    ("sgd", dict(lr=1e-4, momentum=0.9)),
    ("sgd", dict(lr=1e-4, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("sgd", dict(lr=1e-4, momentum=0.8, dampening=0.3, maximize=False)),
    ("adam", dict()),
    ("adam", dict(lr=1e-2)),
    ("adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.1)),
    ("adam", dict(lr=1e-2, betas=(0.3, 0.7), weight_decay=0.1, decoupled_weight_decay=True)),
    ("adamw", dict()),
    ("adamw", dict(lr=1e-2, amsgrad=True, weight_decay=0.3)),
    ("adagrad", dict()),
    ("adagrad", dict(lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("rmsprop", dict(lr=1e-3)),
    ("rmsprop", dict(lr=1e-3, centered=True, momentum=0.5, weight_decay=0.1)),
    ("rmsprop", dict(lr=1e-3, alpha=0.45)),
    ("adadelta", dict()),
    ("adadelta", dict(rho=0.5, weight_decay=0.1)),
    ("adamax", dict()),
    ("adamax", dict(betas=(0.3, 0.8), weight_decay=0.1)),
    ("nadam", dict()),
    ("nadam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True)),
    ("nadam", dict(weight_decay=0.1, momentum_decay=0.01)),
    ("radam", dict()),
    ("radam", dict(lr=1e-4, betas=(0.5, 0.9))),
    ("radam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
]


def _id(name, hp):
    return "-".join([name] + [f"{k}={v}" for k, v in hp.items()]) if hp else f"{name}-default"


def run_torch(name, hp, steps, scheduler=None):
    param = torch.tensor(STARTS.copy(), dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASSES[name])([param], **hp)
    sched = scheduler(opt) if scheduler else None
    path = [STARTS.copy()]
    for _ in range(steps):
        param.grad = torch.from_numpy(rosenbrock_grad(param.detach().numpy().copy()))
        opt.step()
        if sched is not None:
            sched.step()
        path.append(param.detach().numpy().copy())
    return np.array(path)


def run_ours(name, hp, steps, schedule=None):
    opt = le.optimizer(name, schedule=schedule, **hp)
    p = STARTS.copy()
    state = opt.init(p)
    path = [p]
    for _ in range(steps):
        p, state = opt.update(rosenbrock_grad(p), state, p)
        path.append(p)
    return np.array(path)


def test_every_torch_optimizer_is_compared():
    elementwise = {n for n in le.optimizer_names() if optimizer_def(n).kernel is not None}
    assert {c[0] for c in CONFIGS} == elementwise - NOT_IN_TORCH
    assert set(TORCH_CLASSES) == elementwise - NOT_IN_TORCH


@pytest.mark.parametrize("name", sorted(TORCH_CLASSES))
def test_hyperparameters_and_defaults_are_torchs(name):
    sig = inspect.signature(getattr(torch.optim, TORCH_CLASSES[name]).__init__).parameters
    for hp in optimizer_def(name).params:
        assert hp.name in sig, hp.name
        assert hp.default == sig[hp.name].default, hp.name
        assert type(hp.default) is type(sig[hp.name].default) or isinstance(hp.default, float)


@pytest.mark.parametrize("name, hp", [pytest.param(n, h, id=_id(n, h)) for n, h in CONFIGS])
def test_paths_match_torch(name, hp):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = run_torch(name, hp, 50)
    ours = run_ours(name, hp, 50)
    assert np.all(np.isfinite(expected)) and not np.array_equal(expected[-1], expected[0])
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)


def _torch_sqrt(x):
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64)).sqrt().numpy()


@pytest.mark.skipif(torch.backends.cpu.get_cpu_capability() not in ("AVX2", "AVX512"),
                    reason="the bit-for-bit check assumes torch's x86 FMA kernels")
@pytest.mark.parametrize("name, hp", [pytest.param(n, h, id=_id(n, h)) for n, h in CONFIGS])
def test_paths_bit_identical_to_torch_given_its_sqrt(name, hp, monkeypatch):
    """Operation for operation, rounding for rounding, we are torch: with torch's own sqrt
    swapped into our kernels the 50-step paths agree to the last bit.

    torch's float64 sqrt on CPU (MKL's vector math) is not always correctly rounded: about 1
    call in 80 is one ulp away from IEEE sqrt, which numpy and numba use. That, and nothing
    else, is why some paths in test_paths_match_torch are close rather than equal.
    """
    from landscape_explorer.core import optimizers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = run_torch(name, hp, 50)
    shim = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if not k.startswith("__")})
    shim.sqrt = _torch_sqrt
    monkeypatch.setattr(optimizers, "np", shim)
    ours = run_ours(name, hp, 50)
    assert np.array_equal(ours, expected)


def lion_pytorch_update(p, grad, exp_avg, lr, wd, beta1, beta2):
    """lion-pytorch's update_fn (lucidrains/lion-pytorch, lion_pytorch.py), the reference Lion."""
    p.data.mul_(1.0 - lr * wd)
    update = exp_avg.clone().mul_(beta1).add(grad, alpha=1.0 - beta1).sign_()
    p.add_(update, alpha=-lr)
    exp_avg.mul_(beta2).add_(grad, alpha=1.0 - beta2)


@pytest.mark.parametrize("hp", [dict(), dict(lr=1e-2, betas=(0.5, 0.8), weight_decay=0.5)],
                         ids=["default", "betas-wd"])
def test_lion_matches_the_reference_implementation(hp):
    full = {**dict(lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0), **hp}  # lion-pytorch defaults
    p = torch.tensor(STARTS.copy(), dtype=torch.float64)
    exp_avg = torch.zeros_like(p)
    expected = [STARTS.copy()]
    for _ in range(50):
        g = torch.from_numpy(rosenbrock_grad(p.numpy().copy()))
        lion_pytorch_update(p, g, exp_avg, full["lr"], full["weight_decay"], *full["betas"])
        expected.append(p.numpy().copy())
    ours = run_ours("lion", hp, 50)
    np.testing.assert_allclose(ours, np.array(expected), rtol=1e-12, atol=1e-14)
    assert np.array_equal(ours, np.array(expected))  # no sqrt: bit for bit


def test_gd_is_torch_sgd_without_momentum():
    ours = run_ours("gd", dict(lr=1e-4), 50)
    np.testing.assert_allclose(ours, run_torch("sgd", dict(lr=1e-4), 50), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(ours, run_ours("sgd", dict(lr=1e-4), 50))


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_paths_with_a_schedule_match_torch(name):
    hp = dict(lr=1e-3) if name != "sgd" else dict(lr=1e-4, momentum=0.9)
    sched = le.schedule("cosine", T_max=20, eta_min=1e-5)
    expected = run_torch(name, hp, 50, scheduler=lambda o: torch.optim.lr_scheduler.
                         CosineAnnealingLR(o, T_max=20, eta_min=1e-5))
    np.testing.assert_allclose(run_ours(name, hp, 50, sched), expected, rtol=1e-12, atol=1e-14)


def test_validation_agrees_with_torch():
    # What torch rejects, we reject (we are stricter: NaN, inf and non-bool flags too).
    cases = [("sgd", dict(lr=-1.0)), ("sgd", dict(momentum=-0.1)),
             ("sgd", dict(nesterov=True)), ("sgd", dict(nesterov=True, momentum=0.9, dampening=0.1)),
             ("adam", dict(betas=(1.0, 0.9))), ("adam", dict(eps=-1.0)),
             ("adadelta", dict(rho=1.1)), ("rmsprop", dict(alpha=-0.5)),
             ("adagrad", dict(lr_decay=-1.0)), ("nadam", dict(momentum_decay=-1.0))]
    for name, hp in cases:
        with pytest.raises(ValueError):
            getattr(torch.optim, TORCH_CLASSES[name])([torch.zeros(2, requires_grad=True)], **hp)
        with pytest.raises(ValueError, match=next(iter(hp))):
            le.optimizer(name, **hp)
