"""Running optimizers over surfaces: ``simulate`` for whole runs, ``Stepper`` for live stepping.

Every particle takes exactly the requested number of steps unless a step would take it to a
non-finite point or beyond ``DIVERGENCE_LIMIT``: then it stays at its last finite point and is
marked diverged. Nothing non-finite ever leaves this module and no numpy warning is printed.

Two engines compute the same thing:

- the numpy engine steps all particles at once with the optimizer's elementwise kernel;
- the fused engine (fused.py, numba) compiles the surface's gradient formula and the optimizer's
  kernel into one loop per particle, in parallel over particles. It is used for large noise-free
  batches and gives bit-identical results (tests check this); without numba, or with the
  environment variable LANDSCAPE_EXPLORER_NO_NUMBA set, the numpy engine does all the work.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from . import fused
from .critical import scales_of
from .optimizers import Optimizer, optimizer as make_optimizer
from .surfaces import Surface, surface as get_surface

DIVERGENCE_LIMIT = 1e8  # |coordinate| beyond this counts as diverged: far outside any plot
# Converged, relative to the surface's own scales (critical.scales_of): a gradient below this x
# its largest gradient in the bounds, a last step below this x the bounds' span, and a Newton
# step to the nearest stationary point below CONVERGED_DIST x span. The last test tells a minimum
# from a plateau, where the gradient is as small but the curvature is smaller still.
CONVERGED_GRAD_REL = 1e-5
CONVERGED_STEP_REL = 1e-6
CONVERGED_DIST_REL = 1e-3
# Below this many particle-steps a compile (about a second, once per surface x optimizer and
# process) costs more than it saves.
FUSED_MIN_WORK = 2_000_000

STATUSES = ("converged", "moving", "diverged")


@dataclass(frozen=True)
class SimulationResult:
    surface: Surface
    optimizer: Optimizer
    steps: int
    record_every: int
    step_index: np.ndarray  # (rows,) the step number of each recorded row
    path: np.ndarray  # (rows, N, 2), finite
    loss: np.ndarray  # (rows, N)
    status: np.ndarray  # (N,) str
    grad_norm: np.ndarray  # (N,) at the final point
    steps_taken: np.ndarray  # (N,) steps each particle took (< steps only if it diverged)

    @property
    def final(self) -> np.ndarray:
        return self.path[-1]

    @property
    def final_loss(self) -> np.ndarray:
        return self.loss[-1]

    @property
    def verdicts(self) -> list:
        """One verdict per particle (reached the global minimum, stuck in a local one, ...)."""
        from .verdicts import verdicts

        return verdicts(self)


def _as_starts(starts) -> np.ndarray:
    try:
        p = np.array(starts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"starts must be numbers of shape (N, 2), got {starts!r}") from None
    if p.ndim == 1 and p.shape == (2,):
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] == 0:
        raise ValueError(f"starts must have shape (N, 2) with N >= 1, got {p.shape}")
    if not np.isfinite(p).all():
        raise ValueError("starts must be finite numbers")
    return p


def _as_count(name, v, minimum) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"invalid {name}: {v!r} (must be an integer >= {minimum})")
    return int(v)


class Engine:
    """Particle positions, optimizer state and the stepping itself, shared by simulate and Stepper."""

    def __init__(self, surface: Surface, opt: Optimizer, starts: np.ndarray, seed):
        self.surface = surface
        self.opt = opt
        self.seed = seed
        self.p = starts.copy()
        self.buffers = opt.init(self.p).buffers
        self.count = 0  # optimizer steps taken by every non-diverged particle
        self.active = np.ones(len(self.p), dtype=bool)
        self.steps_taken = np.zeros(len(self.p), dtype=np.int64)
        self.last_update = np.zeros_like(self.p)
        self.rng = np.random.default_rng(seed)
        self.ctx = SimpleNamespace(value=surface.value, grad=surface.grad, rng=self.rng)

    def set_optimizer(self, opt: Optimizer):
        if opt.name != self.opt.name or opt.n_state != self.opt.n_state:
            self.buffers = opt.init(self.p).buffers
        self.opt = opt

    def run(self, k: int, record_at=None, out=None):
        """Take k steps. After the j-th of them (1-based), if record_at[j-1] >= 0, positions go
        into out[record_at[j-1]]."""
        if k <= 0:
            return
        opt = self.opt
        lrs = opt.lrs(self.count, k)
        if fused.available() and opt.noise == 0 and opt.kernel is not None and \
                len(self.p) * k >= FUSED_MIN_WORK:
            table = np.stack([opt.scalars(self.count + j + 1, lrs[j]) for j in range(k)]) \
                if k else np.zeros((0, 0))
            table = table.reshape(k, -1)
            if record_at is None:
                record_at = np.full(k, -1, dtype=np.int64)
                out = np.zeros((0, len(self.p), 2))
            fused.run(self, table, np.asarray(record_at, dtype=np.int64), out)
        else:
            for j in range(k):
                self._numpy_step(opt.scalars(self.count + 1, lrs[j]))
                if record_at is not None and record_at[j] >= 0:
                    out[record_at[j]] = self.p
                self.count += 1
            return
        self.count += k

    def _numpy_step(self, sc):
        opt = self.opt
        with np.errstate(all="ignore"):
            g = self.surface.grad(self.p)
            if opt.noise:
                g += opt.noise * self.rng.standard_normal(self.p.shape)
            if opt.clip is not None:
                norm = np.sqrt(g[:, 0] * g[:, 0] + g[:, 1] * g[:, 1])
                # torch.nn.utils.clip_grad_norm_: coefficient clamped to 1, applied always.
                g *= np.minimum(opt.clip / (norm + 1e-6), 1.0)[:, None]
            if opt.kernel is not None:
                new = opt.kernel(self.p, g, self.buffers, sc)
            else:
                new = opt.defn.step(self.p.copy(), g, self.buffers, sc, self.ctx)
            new = np.asarray(new, dtype=np.float64)
            ok = self.active & np.isfinite(new).all(axis=1) & \
                (np.abs(new) < DIVERGENCE_LIMIT).all(axis=1)
        self.active &= ok
        self.last_update = np.where(ok[:, None], new - self.p, 0.0)
        self.p = np.where(ok[:, None], new, self.p)
        self.steps_taken += ok

    def status(self) -> tuple[np.ndarray, np.ndarray]:
        """('converged' | 'moving' | 'diverged' per particle, gradient norms). A particle that has
        not taken a step is never converged: nothing has been tried yet."""
        sc = scales_of(self.surface)
        g = np.nan_to_num(self.surface.grad(self.p), nan=np.inf)
        gnorm = np.sqrt((g * g).sum(axis=1))
        step = np.sqrt((self.last_update ** 2).sum(axis=1))
        still = self.active & (self.steps_taken > 0) & (gnorm <= CONVERGED_GRAD_REL * sc.grad) & \
            (step <= CONVERGED_STEP_REL * sc.span)
        if still.any():
            still[still] = _newton_distance(self.surface, self.p[still], g[still]) <= \
                CONVERGED_DIST_REL * sc.span
        status = np.where(~self.active, "diverged", np.where(still, "converged", "moving"))
        # A gradient that overflows at a finite point still must not leave the core as inf.
        return status.astype(object), np.where(np.isfinite(gnorm), gnorm, np.finfo(float).max)


def _newton_distance(surf: Surface, p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Length of the Newton step |H^-1 g| from p: about the distance to the stationary point
    the particle sits by; infinite where the Hessian is singular (a flat region)."""
    with np.errstate(all="ignore"):
        H = surf.hessian(p)
        a, b, d = H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]
        det = a * d - b * b
        sx = (d * g[:, 0] - b * g[:, 1]) / det
        sy = (a * g[:, 1] - b * g[:, 0]) / det
        dist = np.hypot(sx, sy)
    # g = 0 exactly is at the point whatever the curvature (0/0 above).
    return np.where(np.all(g == 0, axis=1), 0.0, np.where(np.isfinite(dist), dist, np.inf))


def simulate(surface, optimizer, starts, steps, seed=0, record_every=1) -> SimulationResult:
    """Run ``optimizer`` from every start for ``steps`` steps (see module docstring)."""
    surf = get_surface(surface)
    opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer)
    p0 = _as_starts(starts)
    steps = _as_count("steps", steps, 0)
    record_every = _as_count("record_every", record_every, 1)

    rec_steps = list(range(0, steps + 1, record_every))
    if rec_steps[-1] != steps:
        rec_steps.append(steps)
    path = np.empty((len(rec_steps), len(p0), 2))
    path[0] = p0
    record_at = np.full(steps, -1, dtype=np.int64)
    for row, s in enumerate(rec_steps[1:], start=1):
        record_at[s - 1] = row

    eng = Engine(surf, opt, p0, seed)
    eng.run(steps, record_at, path)
    status, gnorm = eng.status()
    loss = _finite_loss(surf, path)
    return SimulationResult(surf, opt, steps, record_every, np.asarray(rec_steps), path, loss,
                            status, gnorm, eng.steps_taken.copy())


def _finite_loss(surf: Surface, xy) -> np.ndarray:
    v = surf.value(xy)
    return np.nan_to_num(v, nan=np.finfo(float).max, posinf=np.finfo(float).max,
                         neginf=-np.finfo(float).max)


class Stepper:
    """Live, incremental stepping for the app: advance a few steps at a time, read the state.

    The history (for trails and loss curves) has a fixed capacity: once full, every other row is
    dropped and rows are recorded half as often, so a run of a million steps keeps a picture of the
    whole run in bounded memory.
    """

    def __init__(self, surface, optimizer, starts, seed=0, history=4096):
        self.surface = get_surface(surface)
        self._opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer)
        self.seed = seed
        self.capacity = _as_count("history", history, 2)
        self.reset(starts)

    # -- control -------------------------------------------------------------------------------
    def reset(self, starts=None):
        p0 = self._eng.p0 if starts is None else _as_starts(starts)
        self._eng = Engine(self.surface, self._opt, p0, self.seed)
        self._eng.p0 = p0
        n = len(p0)
        self._h_steps = np.zeros(self.capacity, dtype=np.int64)
        self._h_pos = np.empty((self.capacity, n, 2))
        self._h_pos[0] = p0
        self._h_len = 1
        self._stride = 1
        self._refresh()

    def set_optimizer(self, optimizer: Optimizer):
        """Applies from the next step; optimizer state is kept when the kind is the same."""
        self._opt = optimizer
        self._eng.set_optimizer(optimizer)

    def advance(self, k: int = 1):
        k = _as_count("k", k, 0)
        while k > 0:
            # Steps until the next history row; run them in one go, recording that row.
            step = self._eng.count
            nxt = (step // self._stride + 1) * self._stride
            chunk = min(k, nxt - step)
            if step + chunk == nxt:
                if self._h_len == self.capacity:
                    self._compact()
                    continue
                record = np.full(chunk, -1, dtype=np.int64)
                record[-1] = 0
                buf = np.empty((1, len(self._eng.p), 2))
                self._eng.run(chunk, record, buf)
                self._h_steps[self._h_len] = nxt
                self._h_pos[self._h_len] = buf[0]
                self._h_len += 1
            else:
                self._eng.run(chunk)
            k -= chunk
        self._refresh()

    def _compact(self):
        keep = self._h_steps[: self._h_len] % (2 * self._stride) == 0
        n = int(keep.sum())
        self._h_steps[:n] = self._h_steps[: self._h_len][keep]
        self._h_pos[:n] = self._h_pos[: self._h_len][keep]
        self._h_len = n
        self._stride *= 2

    def _refresh(self):
        self.status, self.grad_norms = self._eng.status()
        self.losses = _finite_loss(self.surface, self._eng.p)

    # -- state -----------------------------------------------------------------------------------
    @property
    def optimizer(self) -> Optimizer:
        return self._opt

    @property
    def step(self) -> int:
        return self._eng.count

    @property
    def positions(self) -> np.ndarray:
        return self._eng.p.copy()

    @property
    def starts(self) -> np.ndarray:
        """(N, 2) where the particles started (verdicts tell a run that never left its start)."""
        return self._eng.p0.copy()

    @property
    def last_update(self) -> np.ndarray:
        return self._eng.last_update.copy()

    @property
    def last_grad(self) -> np.ndarray:
        return np.nan_to_num(self.surface.grad(self._eng.p), nan=0.0, posinf=0.0, neginf=0.0)

    @property
    def steps_taken(self) -> np.ndarray:
        return self._eng.steps_taken.copy()

    @property
    def buffers(self) -> np.ndarray:
        """A copy of the optimizer's state, (K, N, 2): buffer k is
        ``optimizer.defn.state_names[k]`` (exp_avg, momentum_buffer, ...)."""
        return self._eng.buffers.copy()

    def history(self):
        """(steps (L,), positions (L, N, 2), losses (L, N)) from step 0 to now, decimated."""
        steps = self._h_steps[: self._h_len]
        pos = self._h_pos[: self._h_len]
        if steps[-1] != self.step:
            steps = np.append(steps, self.step)
            pos = np.concatenate([pos, self._eng.p[None]], axis=0)
        else:
            steps, pos = steps.copy(), pos.copy()
        return steps, pos, _finite_loss(self.surface, pos)
