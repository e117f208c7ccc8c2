"""A particle that would step into the undefined region of a typed surface stops at its last
point inside the domain, with the verdict "left the domain of f at (x, y)", distinct from
"diverged". Steps checked against gradient descent written out by hand."""
import math

import numpy as np
import pytest

import landscape_explorer as le
from landscape_explorer.core.simulate import FUSED_MIN_WORK, Stepper
from landscape_explorer.core.verdicts import VERDICT_KINDS, verdicts


def gd_by_hand(grad, p, lr, steps, inside):
    """Plain gradient descent, stopping before the first step that lands outside."""
    taken = 0
    for _ in range(steps):
        q = (p[0] - lr * grad(*p)[0], p[1] - lr * grad(*p)[1])
        if not inside(*q):
            return p, taken, q
        p, taken = q, taken + 1
    return p, taken, None


CASES = [
    ("log(x) + y**2", lambda x, y: (1 / x, 2 * y), lambda x, y: x > 0, 0.05, (1.0, 0.5)),
    ("sqrt(x) + y**2", lambda x, y: (0.5 / math.sqrt(x), 2 * y), lambda x, y: x >= 0, 0.2,
     (1.0, 0.5)),
    ("acos(x) - x + y**2", lambda x, y: (-1 / math.sqrt(1 - x * x) - 1, 2 * y),
     lambda x, y: -1 <= x <= 1, 0.3, (0.0, 0.5)),
]


@pytest.mark.parametrize("text,grad,inside,lr,start", CASES, ids=[c[0] for c in CASES])
def test_particle_stops_at_the_last_point_inside_the_domain(text, grad, inside, lr, start):
    surf = le.surface(text)
    assert surf.domain_limited
    res = le.simulate(surf, le.optimizer("gd", lr=lr), [start], 200)
    last, taken, outside = gd_by_hand(grad, start, lr, 200, inside)
    assert outside is not None and taken > 0  # the case does leave the domain
    assert not math.isfinite(float(surf.value(np.array(outside))))
    assert int(res.steps_taken[0]) == taken
    np.testing.assert_allclose(res.final[0], last, rtol=1e-12, atol=1e-15)
    assert np.isfinite(res.path).all() and np.isfinite(res.loss).all()
    assert np.isfinite(surf.value(res.path)).all()  # every recorded point is inside
    assert res.left_domain.tolist() == [True]
    v = res.verdicts[0]
    assert v.kind == "left_domain"
    assert v.detail.startswith(f"left the domain of f at ({last[0]:.4g}, {last[1]:.4g})")
    assert f"after {taken} of 200 steps" in v.detail and "nan" not in v.detail
    assert math.isfinite(v.loss)


def test_a_start_outside_the_domain_never_moves_and_says_so():
    res = le.simulate("log(x) + y**2", "adam", [[-1.0, 0.5], [1.0, 0.5]], 30)
    assert res.left_domain.tolist() == [True, False]
    assert res.steps_taken.tolist()[0] == 0
    v = res.verdicts[0]
    assert v.kind == "left_domain" and "started where f is undefined" in v.detail
    assert "pick another start" in v.detail
    assert res.verdicts[1].kind != "left_domain"


def test_left_domain_is_not_diverged_and_diverged_is_not_left_domain():
    blown = le.simulate("bowl", le.optimizer("gd", lr=1e9), [[1.0, 1.0]], 10)
    assert blown.verdicts[0].kind == "diverged" and not blown.left_domain.any()
    typed_blown = le.simulate("sqrt(x**2 + 1) + y**2", le.optimizer("gd", lr=1e12),
                              [[1.0, 1.0]], 10)  # defined everywhere: not domain limited
    assert not typed_blown.surface.domain_limited
    assert typed_blown.verdicts[0].kind == "diverged"
    assert "left_domain" in VERDICT_KINDS and "diverged" in VERDICT_KINDS


@pytest.mark.parametrize("text,limited", [
    ("log(x) + y**2", True), ("sqrt(x) + y**2", True), ("asin(x) + y**2", True),
    ("x**0.5 + y**2", True), ("log(x**2 + 1) + y**2", False), ("sqrt(x**2 + y**2 + 1)", False),
    ("cbrt(x) + y**2", False), ("x**4 - 3*x**2 + y**2", False), ("1/(x**2 + 1) + y**2", False),
    ("sqrt(abs(x)) + y**2", False),
])
def test_which_typed_surfaces_have_an_undefined_region(text, limited):
    assert le.surface(text).domain_limited is limited
    assert not le.surface("himmelblau").domain_limited


def test_large_batches_check_the_domain_too():
    # Big enough for the fused engine on any other surface; this one must still stop at the edge.
    n = FUSED_MIN_WORK // 50 + 1
    rng = np.random.default_rng(3)
    starts = np.column_stack([rng.uniform(0.05, 3, n), rng.uniform(-3, 3, n)])
    res = le.simulate("log(x) + y**2", le.optimizer("adam", lr=0.3), starts, 50, record_every=50)
    assert res.left_domain.sum() > 0
    assert np.isfinite(le.surface("log(x) + y**2").value(res.final)).all()
    kinds = {v.kind for v in res.verdicts[:200]}
    assert "left_domain" in kinds


def test_stepper_matches_simulate_and_reads_left_domain():
    st = Stepper("log(x) + y**2", le.optimizer("gd", lr=0.05), [[1.0, 0.5]])
    st.advance(200)
    res = le.simulate("log(x) + y**2", le.optimizer("gd", lr=0.05), [[1.0, 0.5]], 200)
    np.testing.assert_array_equal(st.positions, res.final)
    assert st.left_domain.tolist() == [True]
    assert verdicts(st)[0].kind == "left_domain"
    assert str(st.status[0]) == "diverged"  # stopped, as the app's views draw it
