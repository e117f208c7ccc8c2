"""The two geometric helpers of the critical-point search and the end-point matching, against
the quadratic definitions they replace: the same points kept, the same indices matched, on
clustered points with exact ties and points on the radius."""
import numpy as np
import pytest

from landscape_explorer.core.critical import _merge_greedy, nearest_within


def clustered(rng, n, scale):
    centres = rng.uniform(-5, 5, (max(1, n // 10), 2))
    return centres[rng.integers(0, len(centres), n)] + scale * rng.standard_normal((n, 2))


def merge_reference(p, radius):
    kept = []
    for q in p:
        if not kept or np.min(np.hypot(*(np.asarray(kept) - q).T)) > radius:
            kept.append(q)
    return np.asarray(kept).reshape(-1, 2)


def nearest_reference(points, known, radius):
    if len(known) == 0:
        return np.full(len(points), -1)
    d = np.hypot(points[:, None, 0] - known[None, :, 0], points[:, None, 1] - known[None, :, 1])
    j = d.argmin(1)
    return np.where(d[np.arange(len(points)), j] <= radius, j, -1)


@pytest.mark.parametrize("seed", range(6))
def test_greedy_merge_keeps_what_the_quadratic_loop_kept(seed):
    rng = np.random.default_rng(seed)
    p = clustered(rng, 400, 0.05)
    p = np.concatenate([p, p[:20], p[:5] + [0.1, 0.0]])  # exact repeats, points on the radius
    for radius in (0.01, 0.1, 0.37):
        np.testing.assert_array_equal(_merge_greedy(p, radius), merge_reference(p, radius))
    assert _merge_greedy(np.zeros((0, 2)), 0.1).shape == (0, 2)


@pytest.mark.parametrize("seed", range(6))
def test_nearest_within_matches_the_full_distance_table(seed):
    rng = np.random.default_rng(100 + seed)
    known = clustered(rng, 300, 0.3)
    known = np.concatenate([known, known[:7]])  # equal known points: the first index wins
    points = np.concatenate([clustered(rng, 2000, 0.5), known[:50],
                             known[:30] + [0.02, 0.0]])  # exactly on the radius
    for radius in (0.02, 0.2, 1.5):
        np.testing.assert_array_equal(nearest_within(points, known, radius),
                                      nearest_reference(points, known, radius))
    assert (nearest_within(points, np.zeros((0, 2)), 1.0) == -1).all()
    assert nearest_within(np.zeros((0, 2)), known, 1.0).shape == (0,)
