"""Optimizers: the published updates written out by hand, validation, numpy/numba parity, purity."""
import math

import numba
import numpy as np
import pytest

import landscape_explorer as le
import landscape_explorer.core.optimizers as O
from landscape_explorer.core.optimizers import COMMON_PARAMS, OptState, optimizer_def
from landscape_explorer.core.validation import ParameterError

STARTS = np.array([[-1.5, 2.0], [0.5, 0.5], [1.2, -0.8], [-0.3, -0.7], [0.0, 0.25]])


def grad_fn(p):
    """A smooth, non-separable gradient field (of x^4/4 + x*y + y^2 + sin(x))."""
    x, y = p[..., 0], p[..., 1]
    return np.stack([x ** 3 + y + np.cos(x), x + 2 * y], axis=-1)


# (optimizer, hyperparameters, id): defaults and the options that change the algorithm.
CONFIGS = [
    ("gd", {}, "gd-default"),
    ("gd", dict(lr=0.1), "gd-lr0.1"),
    ("sgd", {}, "sgd-default"),
    ("sgd", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01), "sgd-nesterov-wd"),
    ("sgd", dict(lr=0.01, momentum=0.8, dampening=0.5), "sgd-momentum-dampening"),
    ("sgd", dict(lr=0.01, maximize=True), "sgd-maximize"),
    ("adam", {}, "adam-default"),
    ("adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1), "adam-amsgrad-wd"),
    ("adam", dict(lr=0.01, betas=(0.3, 0.5), weight_decay=0.1, decoupled_weight_decay=True),
     "adam-betas-decoupled"),
    ("adam", dict(maximize=True), "adam-maximize"),
    ("adamw", {}, "adamw-default"),
    ("adamw", dict(lr=0.01, weight_decay=0.2, amsgrad=True), "adamw-amsgrad-wd"),
    ("adagrad", {}, "adagrad-default"),
    ("adagrad", dict(lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6),
     "adagrad-decay-wd-init"),
    ("rmsprop", {}, "rmsprop-default"),
    ("rmsprop", dict(lr=0.001, centered=True, momentum=0.9, weight_decay=0.1),
     "rmsprop-centered-momentum-wd"),
    ("rmsprop", dict(alpha=0.45, centered=True), "rmsprop-centered-alpha0.45"),
    ("adadelta", {}, "adadelta-default"),
    ("adadelta", dict(lr=0.5, rho=0.5, weight_decay=0.1, eps=1e-3), "adadelta-rho-wd"),
    ("adamax", {}, "adamax-default"),
    ("adamax", dict(betas=(0.2, 0.8), weight_decay=0.1), "adamax-betas-wd"),
    ("nadam", {}, "nadam-default"),
    ("nadam", dict(weight_decay=0.1, decoupled_weight_decay=True), "nadam-decoupled-wd"),
    ("nadam", dict(momentum_decay=0.01, weight_decay=0.1, betas=(0.8, 0.9)), "nadam-md-wd"),
    ("radam", {}, "radam-default"),
    ("radam", dict(lr=0.01, betas=(0.6, 0.99), weight_decay=0.1, decoupled_weight_decay=True),
     "radam-betas-decoupled"),
    ("radam", dict(weight_decay=0.1), "radam-wd"),
    ("lion", {}, "lion-default"),
    ("lion", dict(lr=0.01, betas=(0.5, 0.8), weight_decay=0.5), "lion-betas-wd"),
]
CONFIG_PARAMS = [pytest.param(n, hp, id=i) for n, hp, i in CONFIGS]


ELEMENTWISE = [n for n in le.optimizer_names() if optimizer_def(n).kernel is not None]


def test_every_elementwise_optimizer_is_covered_by_configs():
    assert {n for n, _, _ in CONFIGS} == set(ELEMENTWISE)


def test_registry_has_the_torch_optimizers():
    assert set(le.optimizer_names()) >= {"gd", "sgd", "adam", "adamw", "adagrad", "rmsprop",
                                         "adadelta", "adamax", "nadam", "radam", "lion"}


# ---------------------------------------------------------------------------------------------
# (1) The updates written out by hand, as torch.optim's documentation states each algorithm.
# Plain numpy, one step at a time, independent of the kernels.


def ref_gd(p, steps, lr=0.01):
    for _ in range(steps):
        p = p - lr * grad_fn(p)
        yield p


def ref_sgd(p, steps, lr=0.001, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
    b = None
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if maximize:
            g = -g
        g = g + weight_decay * p
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        yield p


def ref_adam(p, steps, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             maximize=False, decoupled_weight_decay=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if maximize:
            g = -g
        if decoupled_weight_decay:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            v_hat = vmax / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        yield p


def ref_adamw(p, steps, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
              amsgrad=False, maximize=False):
    return ref_adam(p, steps, lr, betas, eps, weight_decay, amsgrad, maximize,
                    decoupled_weight_decay=True)


def ref_adagrad(p, steps, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10, maximize=False):
    s = np.full_like(p, initial_accumulator_value)
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if maximize:
            g = -g
        clr = lr / (1 + (t - 1) * lr_decay)
        g = g + weight_decay * p
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
        yield p


def ref_rmsprop(p, steps, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False, maximize=False):
    v = np.zeros_like(p)
    gavg = np.zeros_like(p)
    b = np.zeros_like(p)
    for _ in range(steps):
        g = grad_fn(p)
        if maximize:
            g = -g
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            gavg = alpha * gavg + (1 - alpha) * g
            vt = v - gavg * gavg
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(vt) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(vt) + eps)
        yield p


def ref_adadelta(p, steps, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v = np.zeros_like(p)
    u = np.zeros_like(p)
    for _ in range(steps):
        g = grad_fn(p)
        if maximize:
            g = -g
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * dx * dx
        p = p - lr * dx
        yield p


def ref_adamax(p, steps, lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
               maximize=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    u = np.zeros_like(p)
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if maximize:
            g = -g
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1 ** t) * m / u
        yield p


def ref_nadam(p, steps, lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              momentum_decay=0.004, decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)

    def mu(t):
        return b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))

    # torch keeps the running product of mu in its default scalar dtype, float32.
    prod = np.float32(1.0)
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if maximize:
            g = -g
        if decoupled_weight_decay:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        prod = np.float32(prod * np.float32(mu(t)))
        prod_next = float(prod) * mu(t + 1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = mu(t + 1) * m / (1 - prod_next) + (1 - mu(t)) * g / (1 - float(prod))
        v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        yield p


def ref_radam(p, steps, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if maximize:
            g = -g
        if decoupled_weight_decay:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            adaptive = math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                          / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * adaptive * r
        else:
            p = p - lr * m_hat
        yield p


def ref_lion(p, steps, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0):
    b1, b2 = betas
    m = np.zeros_like(p)
    for _ in range(steps):
        g = grad_fn(p)
        c = b1 * m + (1 - b1) * g
        p = p * (1 - lr * weight_decay) - lr * np.sign(c)
        m = b2 * m + (1 - b2) * g
        yield p


REFERENCES = {n[4:]: f for n, f in globals().items() if n.startswith("ref_")}


def run_ours(opt, p, steps):
    state = opt.init(p)
    for _ in range(steps):
        p, state = opt.update(grad_fn(p), state, p)
        yield p


@pytest.mark.parametrize("name, hp", CONFIG_PARAMS)
def test_matches_update_written_by_hand(name, hp):
    # 8 steps: the first three, as asked, plus RAdam's switch to the rectified step at t = 6.
    steps = 8
    opt = le.optimizer(name, **hp)
    ours = list(run_ours(opt, STARTS.copy(), steps))
    ref = list(REFERENCES[name](STARTS.copy(), steps, **hp))
    for t, (a, b) in enumerate(zip(ours, ref), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15, err_msg=f"{name} step {t}")
    assert not np.array_equal(ours[-1], STARTS)


def test_radam_configs_reach_the_rectified_branch():
    # rho_t > 5 from step 6 with the default beta2 = 0.999 (so the 8-step test covers both).
    opt = le.optimizer("radam")
    assert [opt.scalars(t, 1e-3).rectify for t in range(1, 9)] == [0.0] * 5 + [1.0] * 3


def test_sgd_first_momentum_step_is_undampened():
    opt = le.optimizer("sgd", lr=0.1, momentum=0.9, dampening=0.5)
    p = np.array([[1.0, 2.0]])
    g = np.array([[0.5, -1.0]])
    new, state = opt.update(g, opt.init(p), p)
    np.testing.assert_array_equal(state.buffers[0], g)
    np.testing.assert_array_equal(new, p - 0.1 * g)


def test_lion_steps_by_exactly_lr_per_coordinate():
    opt = le.optimizer("lion", lr=0.01)
    p = np.array([[1.0, -2.0], [0.3, 0.4]])
    new, _ = opt.update(np.array([[3.0, -1e-9], [-7.0, 2.0]]), opt.init(p), p)
    np.testing.assert_allclose(np.abs(new - p), 0.01, rtol=1e-12)


@pytest.mark.parametrize("name", le.optimizer_names())
def test_metadata(name):
    d = optimizer_def(name)
    assert d.title and d.description.endswith(".")
    assert d.params and d.params[0].name == "lr"
    for hp in d.params:
        assert hp.help and hp.help.strip().endswith("."), hp.name
        assert isinstance(hp.default, (bool, int, float, tuple)), hp.name
    assert le.optimizer(name).init(STARTS).buffers.shape == (d.n_state,) + STARTS.shape


@pytest.mark.parametrize("name", le.optimizer_names())
def test_registry_describes_state_rule_and_controls(name):
    d = optimizer_def(name)
    assert len(d.state_names) == d.n_state == len(set(d.state_names))
    assert all(n.isidentifier() for n in d.state_names)
    assert d.velocity is None or d.velocity in d.state_names
    assert d.rule and "←" in d.rule and len(d.rule.splitlines()) <= 2
    for hp in d.params:
        assert hp.kind in ("float", "int", "bool", "pair"), hp.name
        assert hp.scale in ("linear", "log"), hp.name
        hp.check(hp.default)  # the default is valid
        if hp.kind == "bool":
            assert hp.low is None and hp.high is None and hp.typical is None, hp.name
            continue
        assert hp.typical is not None, f"{name}.{hp.name} has no slider span"
        lo, hi = hp.typical
        assert lo < hi, hp.name
        if hp.scale == "log":
            assert lo > 0, hp.name
        # the slider's span lies inside the valid range
        for v in (lo, hi):
            v = type(hp.default[0] if hp.kind == "pair" else hp.default)(v) \
                if hp.kind == "int" else float(v)
            if hp.kind == "pair":
                v = (min(v, 0.999), min(v, 0.999))
            hp.check(v)


def test_velocity_buffers_are_the_momentum_of_the_update():
    # sgd's momentum buffer after one step is the gradient; adam's exp_avg is (1 - beta1) g.
    p = np.array([[1.0, 2.0]])
    g = np.array([[0.5, -1.0]])
    for name, hp, expected in [("sgd", dict(momentum=0.9), g), ("adam", {}, 0.1 * g),
                               ("lion", {}, 0.01 * g), ("rmsprop", dict(momentum=0.5), None)]:
        opt = le.optimizer(name, **hp)
        _, state = opt.update(g, opt.init(p), p)
        buf = state.buffers[opt.defn.buffer_index(opt.defn.velocity)]
        if expected is None:  # rmsprop: g / (sqrt(v) + eps) with v = (1 - alpha) g^2
            expected = g / (np.sqrt(0.01 * g * g) + 1e-8)
        np.testing.assert_allclose(buf, expected, rtol=1e-12)


def _outside_and_inside(hp):
    """Values just outside and just inside the valid range, from its declared bounds."""
    bad, good = [], []
    for bound, is_open, side in ((hp.low, hp.low_open, -1), (hp.high, hp.high_open, 1)):
        if bound is None:
            continue
        if hp.kind == "int":
            bad.append(int(bound) + side)
            good.append(int(bound))
            continue
        bad.append(float(np.nextafter(bound, side * np.inf)))
        good.append(float(np.nextafter(bound, -side * np.inf)))
        (bad if is_open else good).append(float(bound))
    return bad, good


@pytest.mark.parametrize("name", le.optimizer_names())
def test_validation_is_generated_from_the_declared_ranges(name):
    d = optimizer_def(name)
    for hp in d.params:
        if hp.kind == "bool":
            continue
        bad, good = _outside_and_inside(hp)
        assert bad, f"{name}.{hp.name}: a number with no bound at all"
        wrap = (lambda v: (v, 0.5)) if hp.kind == "pair" else (lambda v: v)
        for v in bad:
            with pytest.raises(ParameterError) as exc:
                le.optimizer(name, **{hp.name: wrap(v)})
            assert exc.value.name == hp.name
            assert hp.name in str(exc.value) and repr(v) in str(exc.value)
        for v in good:
            le.optimizer(name, **{hp.name: wrap(v)})


def test_range_words_match_torch_rules():
    adam = optimizer_def("adam")
    assert adam.param("betas").allowed == "a pair, each in [0, 1)"
    assert adam.param("lr").allowed == "a finite number >= 0"
    assert optimizer_def("sgd").param("momentum").allowed == "a finite number >= 0"
    assert optimizer_def("adadelta").param("rho").allowed == "in [0, 1]"
    assert optimizer_def("annealing").param("cooling").allowed == "in (0, 1]"
    assert optimizer_def("perturbed_gd").param("t_thres").allowed == "an integer >= 1"


def test_parameter_error_carries_the_name():
    for name, hp, param in [("adam", dict(betas=(0.9, 1.0)), "betas"),
                            ("sgd", dict(nesterov=True), "nesterov"),
                            ("sgd", dict(noise=-1.0), "noise"),
                            ("perturbed_gd", dict(t_thres=2.5), "t_thres")]:
        with pytest.raises(ParameterError) as exc:
            le.optimizer(name, **hp)
        assert isinstance(exc.value, ValueError) and exc.value.name == param


# ---------------------------------------------------------------------------------------------
# (2) Validation.

INVALID = [
    ("gd", "lr", -1.0), ("gd", "lr", float("nan")), ("gd", "lr", float("inf")), ("gd", "lr", "0.1"),
    ("sgd", "lr", -0.1), ("sgd", "momentum", -0.5), ("sgd", "dampening", -1.0),
    ("sgd", "weight_decay", -1e-3), ("sgd", "nesterov", 1), ("sgd", "maximize", "no"),
    ("adam", "lr", float("-inf")), ("adam", "eps", -1e-8), ("adam", "weight_decay", -0.1),
    ("adam", "betas", (1.0, 0.999)), ("adam", "betas", (0.9, -0.1)), ("adam", "betas", (0.9,)),
    ("adam", "betas", 0.9), ("adam", "betas", (0.9, float("nan"))), ("adam", "amsgrad", 0),
    ("adam", "decoupled_weight_decay", None),
    ("adamw", "weight_decay", -0.01), ("adamw", "betas", (0.9, 1.0)), ("adamw", "lr", None),
    ("adagrad", "lr_decay", -0.1), ("adagrad", "initial_accumulator_value", -1.0),
    ("adagrad", "eps", float("nan")), ("adagrad", "weight_decay", -2),
    ("rmsprop", "alpha", -0.9), ("rmsprop", "momentum", -0.1), ("rmsprop", "centered", "yes"),
    ("rmsprop", "eps", -1.0),
    ("adadelta", "rho", 1.5), ("adadelta", "rho", -0.1), ("adadelta", "eps", -1e-6),
    ("adadelta", "lr", float("nan")),
    ("adamax", "betas", (0.9, 1.2)), ("adamax", "eps", -1.0),
    ("nadam", "momentum_decay", -0.004), ("nadam", "decoupled_weight_decay", 1.0),
    ("nadam", "betas", [1.1, 0.9]),
    ("radam", "betas", (-0.1, 0.9)), ("radam", "weight_decay", float("inf")),
    ("lion", "lr", -1e-4), ("lion", "betas", (0.9, 0.99, 0.1)), ("lion", "weight_decay", -1.0),
]


@pytest.mark.parametrize("name, param, value",
                         [pytest.param(n, k, v, id=f"{n}-{k}={v!r}") for n, k, v in INVALID])
def test_invalid_hyperparameter_is_named(name, param, value):
    with pytest.raises(ValueError) as exc:
        le.optimizer(name, **{param: value})
    msg = str(exc.value)
    assert param in msg
    assert repr(value) in msg or (isinstance(value, (tuple, list))
                                  and any(repr(x) in msg for x in value))


@pytest.mark.parametrize("name", le.optimizer_names())
def test_every_numeric_hyperparameter_rejects_negative_and_nan(name):
    for hp in optimizer_def(name).params:
        if isinstance(hp.default, bool):
            with pytest.raises(ValueError, match=hp.name):
                le.optimizer(name, **{hp.name: 1})
        elif isinstance(hp.default, (int, float)):
            for bad in (-1.0, float("nan")):
                with pytest.raises(ValueError, match=hp.name):
                    le.optimizer(name, **{hp.name: bad})


@pytest.mark.parametrize("hp", [dict(nesterov=True), dict(nesterov=True, momentum=0.9,
                                                          dampening=0.1)],
                         ids=["no-momentum", "dampening"])
def test_nesterov_needs_momentum_and_no_dampening(hp):
    with pytest.raises(ValueError, match="nesterov"):
        le.optimizer("sgd", **hp)


def test_unknown_hyperparameter_lists_valid_ones():
    with pytest.raises(ValueError) as exc:
        le.optimizer("adam", beta1=0.9)
    msg = str(exc.value)
    assert "beta1" in msg
    for valid in ("lr", "betas", "eps", "weight_decay", "amsgrad", "noise", "clip", "schedule"):
        assert valid in msg


def test_unknown_optimizer_lists_valid_ones():
    with pytest.raises(ValueError) as exc:
        le.optimizer("adamm")
    for name in le.optimizer_names():
        assert name in str(exc.value)


def test_common_parameters_validated():
    with pytest.raises(ValueError, match="noise"):
        le.optimizer("sgd", noise=-1.0)
    with pytest.raises(ValueError, match="clip"):
        le.optimizer("sgd", clip=0.0)
    assert [p.name for p in COMMON_PARAMS] == ["noise", "clip", "schedule"]


def test_defaults_filled_in_and_betas_list_becomes_tuple():
    opt = le.optimizer("adam", betas=[0.8, 0.9])
    assert opt.hyperparams == dict(lr=0.001, betas=(0.8, 0.9), eps=1e-8, weight_decay=0.0,
                                   amsgrad=False, maximize=False, decoupled_weight_decay=False)
    assert le.optimizer("adamw").hyperparams["weight_decay"] == 0.01
    assert le.optimizer("sgd").lr == 0.001


# ---------------------------------------------------------------------------------------------
# (3) The numpy path and a numba loop over scalars run the same kernel bit for bit.


_SCALAR_LOOPS = {}


def _scalar_loop(kernel, n_state):
    """A numba loop calling the kernel on one coordinate at a time, its state a tuple of floats
    (compiled once per kernel)."""
    if kernel not in _SCALAR_LOOPS:
        O.prepare_numba()  # the kernels' _fma becomes numba's before they are compiled
        state = "(" + "".join(f"st[{k}, i, j], " for k in range(n_state)) + ")"
        store = "".join(f"            st[{k}, i, j] = new_st[{k}]\n" for k in range(n_state))
        source = f"""
def scalar_loop(p, g, st, sc):
    out = np.empty_like(p)
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            out[i, j], new_st = step(p[i, j], g[i, j], {state}, sc)
{store}    return out
"""
        namespace = {"np": np, "step": numba.njit(kernel)}
        exec(source, namespace)
        _SCALAR_LOOPS[kernel] = numba.njit(namespace["scalar_loop"])
    return _SCALAR_LOOPS[kernel]


@pytest.mark.parametrize("fma_impl", ["emulated", "ufunc"])
@pytest.mark.parametrize("name, hp", CONFIG_PARAMS)
def test_numpy_and_numba_kernels_bit_identical(name, hp, fma_impl, monkeypatch):
    opt = le.optimizer(name, **hp)
    scalar_loop = _scalar_loop(opt.kernel, opt.n_state)
    numpy_fma = O.fma_emulated if fma_impl == "emulated" else O.prepare_numba()

    def numpy_kernel(p, g, st, sc):
        with monkeypatch.context() as m:
            m.setattr(O, "_fma", numpy_fma)
            new, new_st = opt.defn.kernel(p, g, tuple(st), sc)
        st[:] = np.array(new_st).reshape(st.shape)
        return new

    p_np = STARTS.copy()
    st_np = opt.init(p_np).buffers.copy()
    p_nb, st_nb = p_np.copy(), st_np.copy()
    for step in range(1, 21):
        sc = opt.scalars(step, opt.lrs(step - 1, 1)[0])
        g = grad_fn(p_np)
        p_np = numpy_kernel(p_np, g, st_np, sc)
        p_nb = scalar_loop(p_nb, grad_fn(p_nb), st_nb, sc)
        assert np.array_equal(p_np, p_nb), f"step {step}"
        assert np.array_equal(st_np, st_nb), f"state, step {step}"


def _fma_cases():
    """Random triples, wide exponent ranges, cancellations and exact-midpoint (tie) cases."""
    rng = np.random.default_rng(7)
    n = 4000
    cases = [rng.standard_normal((3, n)),
             rng.standard_normal((3, n)) * 10.0 ** rng.integers(-30, 30, (3, n))]
    a, b = rng.standard_normal((2, n))
    cases.append(np.array([a, b, -(a * b) * (1 + rng.integers(-4, 5, n) * 2.0 ** -52)]))
    # Odd 27-bit integers: a * b needs 54 bits, so a small c lands on or next to midpoints.
    a = (rng.integers(2 ** 26, 2 ** 27, n) | 1) * rng.choice([-1.0, 1.0], n)
    b = (rng.integers(2 ** 26, 2 ** 27, n) | 1).astype(float)
    c = rng.integers(-16, 17, n) * rng.choice([0.25, 0.5, 1.0, 2.0], n)
    cases.append(np.array([a, b, c]))
    return np.concatenate(cases, axis=1)


def _exact_fma(a, b, c):
    from fractions import Fraction

    return np.array([float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c)])


def test_fma_emulation_rounds_once():
    a, b, c = _fma_cases()
    exact = _exact_fma(a, b, c)
    got = O.fma_emulated(a, b, c)
    assert np.array_equal(got, exact)
    assert not np.array_equal(a * b + c, exact)  # the cases do tell the two apart
    assert O.fma_emulated(2.0, 3.0, 1.0) == 7.0
    assert np.isnan(O.fma_emulated(np.inf, 0.0, 1.0)) and O.fma_emulated(1e300, 1e300, 0) == np.inf


def test_numba_fma_rounds_once():
    a, b, c = _fma_cases()
    assert np.array_equal(O.prepare_numba()(a, b, c), _exact_fma(a, b, c))


# ---------------------------------------------------------------------------------------------
# (4) update() is pure.


@pytest.mark.parametrize("name, hp", CONFIG_PARAMS)
def test_update_is_pure(name, hp):
    opt = le.optimizer(name, **hp)
    p = STARTS.copy()
    state = opt.init(p)
    p1, state1 = opt.update(grad_fn(p), state, p)
    p_before, b_before = p1.copy(), state1.buffers.copy()
    g = grad_fn(p1)
    g_before = g.copy()
    p2, state2 = opt.update(g, state1, p1)
    assert np.array_equal(p1, p_before) and np.array_equal(g, g_before)
    assert np.array_equal(state1.buffers, b_before) and state1.count == 1
    assert state2.count == 2 and state2.buffers is not state1.buffers
    # Same inputs, same outputs: nothing hidden was carried over.
    p2b, state2b = opt.update(g, state1, p1)
    assert np.array_equal(p2, p2b) and np.array_equal(state2.buffers, state2b.buffers)
    assert isinstance(state2, OptState)


def test_schedule_feeds_the_learning_rate():
    sched = le.schedule("step", step_size=1, gamma=0.5)
    opt = le.optimizer("gd", lr=0.1, schedule=sched)
    p = np.array([[1.0, 1.0]])
    g = np.array([[1.0, 1.0]])
    state = opt.init(p)
    lrs = []
    for _ in range(3):
        new, state = opt.update(g, state, p)
        lrs.append(float((p - new)[0, 0]))
    np.testing.assert_allclose(lrs, [0.1, 0.05, 0.025])
