"""Running optimizers over surfaces: ``simulate`` for whole runs, ``Stepper`` for live stepping.

Every particle takes exactly the requested number of steps unless a step would take it to a
non-finite point or beyond ``DIVERGENCE_LIMIT``: then it stays at its last finite point and is
marked diverged. On a surface with an undefined region (``Surface.domain_limited``: a typed
log(x) left of zero) a step that lands where f is undefined is refused the same way, and the
particle is also marked as having left the domain (``left_domain``); such surfaces run on the
numpy engine, which checks every new point's value. Nothing non-finite ever leaves this module and no numpy warning is printed.

Two engines compute the same thing, around one step driver (driver.py: clipping, the divergence
check):

- the numpy engine steps all particles at once with the optimizer's elementwise kernel (or its
  whole-array ``step``), and is the only one with gradient noise;
- the fused engine (fused.py, numba) compiles the surface's gradient formula and the optimizer's
  kernel into one loop over blocks of particles, vectorized across them, in parallel over
  blocks. It is used for large noise-free batches. While its loop compiles (in a background
  thread, the first time a surface and optimizer meet, when the disk cache has none), steps run
  on the numpy engine, and the run switches to the fused loop once it is ready: the same
  result, so nobody waits for the compiler. Analysis may ask for the fast engine instead
  (``Engine(..., fast=True)``; fast.py), whose sin, cos and exp are within a few ulps of libm's.

On a surface made from data, ``batch_size`` makes every step follow the exact gradient of a
minibatch (minibatch.py: which rows, seeded per particle); those runs use the numpy engine, all
particles at once with each its own batch. Losses, statuses and verdicts stay the full-batch
surface's.

Both take the gradient from the same numba-compiled formula (``fused.gradient``), so they call
the same elementary functions and agree bit for bit on every CPU (tests check every optimizer
on every surface). Without numba, or with the environment variable LANDSCAPE_EXPLORER_NO_NUMBA
set, the numpy engine does all the work with the surface's own numpy gradient, whose exp, sin...
may differ from libm's in the last bit on some CPUs.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from . import fused
from .driver import DIVERGENCE_LIMIT, accepted, clip_factor
from .critical import scales_of
from .minibatch import Minibatches, check_batch_size
from .optimizers import Optimizer, optimizer as make_optimizer
from .surfaces import Surface, surface as get_surface
from .validation import ParameterError, check_int, memory_budget

if TYPE_CHECKING:
    from .verdicts import Verdict

# Converged, relative to the surface's own scales (critical.scales_of): a gradient below this x
# its largest gradient in the bounds, a last step below this x the bounds' span, and a Newton
# step to the nearest stationary point below CONVERGED_DIST x span. The last test tells a minimum
# from a plateau, where the gradient is as small but the curvature is smaller still.
CONVERGED_GRAD_REL = 1e-5
CONVERGED_STEP_REL = 1e-6
CONVERGED_DIST_REL = 1e-3
# Steps run in one piece: learning rates, scalar tables and recording plans are made per chunk,
# so the memory of a run does not grow with its length.
RUN_CHUNK = 65_536
# Below this many particle-steps in one call the numpy engine is as quick as the fused loop's
# call overhead. Nobody waits for the compile (it runs in the background while the numpy
# engine steps), so work just above this (a sweep cell of 1,000 starts x 500 steps, a
# 100,000-particle cloud stepped one step per frame) takes the fused loop as soon as it exists.
FUSED_MIN_WORK = 100_000

STATUSES = ("converged", "moving", "diverged")


@dataclass(frozen=True)
class SimulationResult:
    """What ``simulate`` returns: recorded paths and losses, and each particle's outcome."""

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
    # (N,) bool: of the diverged, those stopped because the next step left f's domain
    left_domain: np.ndarray | None = None

    @property
    def final(self) -> np.ndarray:
        """(N, 2) the end points."""
        return self.path[-1]

    @property
    def final_loss(self) -> np.ndarray:
        """(N,) the loss at the end points."""
        return self.loss[-1]

    @property
    def verdicts(self) -> list["Verdict"]:
        """One verdict per particle (reached the global minimum, stuck in a local one, ...)."""
        from .verdicts import verdicts

        return verdicts(self)


def _as_starts(starts: Any) -> np.ndarray:
    try:
        p = np.array(starts, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("starts", f"starts must be numbers of shape (N, 2), "
                                       f"got {starts!r}") from None
    if p.ndim == 1 and p.shape == (2,):
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] == 0:
        raise ParameterError("starts", f"starts must have shape (N, 2) with N >= 1, "
                                       f"got {p.shape}")
    if not np.isfinite(p).all():
        raise ParameterError("starts", "starts must be finite numbers")
    if (np.abs(p) >= DIVERGENCE_LIMIT).any():
        # There a particle would count as diverged before its first step.
        raise ParameterError("starts", f"starts must lie within +-{DIVERGENCE_LIMIT:g} in "
                                       "both coordinates")
    return p


class Engine:
    """Particle positions, optimizer state and the stepping itself, shared by simulate, Stepper
    and basins: ``run(k)`` takes k steps on whichever engine suits the work."""

    def __init__(self, surface: Surface, opt: Optimizer, starts: np.ndarray, seed: Any,
                 batch_size: int | None = None, fast: bool = False):
        # fast: the fused loop may use the fast engine (fast.py: vectorized sin, cos, exp within
        # a few ulps of libm's), for analysis; steps on the numpy engine stay exact.
        self.fast = fast
        self.surface = surface
        self.opt = opt
        self.seed = seed
        self.p = starts.copy()
        self.buffers = opt.init(self.p).buffers
        self.count = 0  # optimizer steps taken by every non-diverged particle
        self.active = np.ones(len(self.p), dtype=bool)
        self.steps_taken = np.zeros(len(self.p), dtype=np.int64)
        self.left_domain = np.zeros(len(self.p), dtype=bool)
        if surface.domain_limited:  # a start where f is undefined never moves
            with np.errstate(all="ignore"):
                self.left_domain = ~np.isfinite(surface.value(self.p))
            self.active &= ~self.left_domain
        self.last_update = np.zeros_like(self.p)
        self.rng = np.random.default_rng(seed)
        # The gradient is taken when the first step needs it (see ``grad``), not here: a
        # typed surface's first compile takes about half a second, and the app builds its
        # runs' engines as soon as the surface changes, before it has drawn the new mesh.
        self._grad: Callable[[np.ndarray], np.ndarray] | None = None
        self._fusable = False
        self.ctx = SimpleNamespace(value=surface.value, grad=None, rng=self.rng)
        # --- minibatches (minibatch.py): batch_size is checked by the caller. A batch of all
        # n rows is the full dataset, and the full gradient computes it: the same code, so
        # batch_size = n is full-batch descent to the bit on either engine.
        self.batches: Minibatches | None = None
        if batch_size is not None and batch_size < surface.dataset.n:  # type: ignore[attr-defined]
            self.batches = Minibatches(surface.dataset.n, batch_size,  # type: ignore[attr-defined]
                                       len(self.p), seed)

    @property
    def grad(self) -> Callable[[np.ndarray], np.ndarray]:
        """The gradient both engines step with: the fused engine's compiled formula, so that
        the two agree bit for bit; numpy's own where numba is not there or cannot compile the
        surface (a Python callable, a network slice): then there is no fused engine to agree
        with. Compiled (or loaded from the disk cache) on first use."""
        if self._grad is None:
            compiled = fused.gradient(self.surface.f_grad) if self.surface.compilable else None
            self._fusable = compiled is not None
            self._grad = compiled if compiled is not None else self.surface.grad
            self.ctx.grad = self._grad
        return self._grad

    def gradient_ready(self) -> bool:
        """Whether the first step can start without waiting for numba to compile the surface's
        gradient; if not, that compile is started in the background (fused.gradient_ready)."""
        return self._grad is not None or not self.surface.compilable or \
            fused.gradient_ready(self.surface.f_grad)

    @property
    def fusable(self) -> bool:
        """Whether the fused engine can step this surface (numba compiled its gradient)."""
        self.grad  # noqa: B018  (resolves it)
        return self._fusable

    def set_optimizer(self, opt: Optimizer) -> None:
        """Step with ``opt`` from now on; the state is kept if it is the same kind."""
        if opt.name != self.opt.name or opt.n_state != self.opt.n_state:
            self.buffers = opt.init(self.p).buffers
        self.opt = opt

    def uses_fused(self, k: int) -> bool:
        """Whether ``run(k)`` goes to the fused engine: noise-free elementwise work big enough
        to repay a compile."""
        return self.fusable and self.batches is None and self.opt.noise == 0 and \
            self.opt.elementwise and not self.surface.domain_limited and \
            len(self.p) * k >= FUSED_MIN_WORK

    def run(self, k: int, record_at: Any = None, out: np.ndarray | None = None) -> None:
        """Take k steps. After the j-th of them (1-based), if record_at[j-1] >= 0, positions go
        into out[record_at[j-1]]. ``record_at`` is an array of k row numbers (-1: not recorded)
        or a function (first, count) -> such an array for steps first+1 .. first+count of this
        call, so that a long run needs no array as long as itself. The steps are taken in
        chunks of RUN_CHUNK; the engine is chosen once for all k."""
        if k <= 0:
            return
        fused_engine = self.uses_fused(k)
        for first in range(0, k, RUN_CHUNK):
            n = min(RUN_CHUNK, k - first)
            rec = None if record_at is None or out is None else \
                record_at(first, n) if callable(record_at) else record_at[first: first + n]
            self._run_chunk(n, rec, out, fused_engine)

    def _run_chunk(self, k: int, record_at: np.ndarray | None, out: np.ndarray | None,
                   fused_engine: bool) -> None:
        opt = self.opt
        if fused_engine:
            table = opt.scalar_table(self.count, k)
            if record_at is None or out is None:
                record_at = np.full(k, -1, dtype=np.int64)
                out = np.zeros((0, len(self.p), 2))
            record_at = np.asarray(record_at, dtype=np.int64)
            # Never wait for the compiler: while the fused loop compiles in the background,
            # steps go on here on the numpy engine, which computes the same thing bit for bit,
            # and the rest goes to the fused loop as soon as it is ready.
            done = 0
            while done < k and not fused.ready(self, table[done:]):
                self._numpy_steps(1, record_at[done:done + 1], out)
                done += 1
            if done < k:
                fused.run(self, table[done:], record_at[done:], out, DIVERGENCE_LIMIT)
                self.count += k - done
            return
        self._numpy_steps(k, record_at, out)

    def _numpy_steps(self, k: int, record_at: np.ndarray | None, out: np.ndarray | None) -> None:
        opt = self.opt
        lrs = opt.lrs(self.count, k)
        for j in range(k):
            self._numpy_step(opt.scalars(self.count + 1, lrs[j]))
            if record_at is not None and out is not None and record_at[j] >= 0:
                out[record_at[j]] = self.p
            self.count += 1

    def _numpy_step(self, sc: tuple) -> None:
        opt = self.opt
        with np.errstate(all="ignore"):
            if self.batches is None:
                g = self.grad(self.p)
            else:  # this step's minibatch of every particle
                g = self.surface.batch_gradient(  # type: ignore[attr-defined]
                    self.p, self.batches.rows(self.count + 1))
            if opt.noise:
                g += opt.noise * self.rng.standard_normal(self.p.shape)
            if opt.clip is not None:
                g *= clip_factor(g[:, 0], g[:, 1], opt.clip)[:, None]
            new, self.buffers = opt.apply(self.p, g, self.buffers, sc, self.ctx)
            ok = self.active & accepted(new[:, 0], new[:, 1], DIVERGENCE_LIMIT)
            if self.surface.domain_limited:
                inside = np.isfinite(self.surface.value(np.where(ok[:, None], new, self.p)))
                self.left_domain |= ok & ~inside
                ok &= inside
        self.active &= ok
        self.last_update = np.where(ok[:, None], new - self.p, 0.0)
        self.p = np.where(ok[:, None], new, self.p)
        self.steps_taken += ok

    def status(self) -> tuple[np.ndarray, np.ndarray]:
        """('converged' | 'moving' | 'diverged' per particle, gradient norms). A particle that has
        not taken a step is never converged: nothing has been tried yet."""
        sc = scales_of(self.surface)
        with np.errstate(all="ignore"):  # far out a gradient can overflow; it is inf then
            g = self.surface.grad(self.p)
            if not np.isfinite(g).all():
                g = np.nan_to_num(g, nan=np.inf)
            gnorm = np.hypot(g[:, 0], g[:, 1])
            step = np.hypot(self.last_update[:, 0], self.last_update[:, 1])
        still = self.active & (self.steps_taken > 0) & (gnorm <= CONVERGED_GRAD_REL * sc.grad) & \
            (step <= CONVERGED_STEP_REL * sc.span)
        if still.any():
            still[still] = _newton_distance(self.surface, self.p[still], g[still]) <= \
                CONVERGED_DIST_REL * sc.span
        # Filled as objects directly: strings made by np.where and converted cost more than
        # the stepping of a cheap surface.
        status = np.full(len(self.p), "moving", dtype=object)
        status[still] = "converged"
        status[~self.active] = "diverged"
        # A gradient that overflows at a finite point still must not leave the core as inf.
        return status, np.where(np.isfinite(gnorm), gnorm, np.finfo(float).max)


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


def simulate(surface: Surface | str, optimizer: Optimizer | str, starts: Any, steps: int,
             seed: int = 0, record_every: int = 1, batch_size: int | None = None
             ) -> SimulationResult:
    """Run ``optimizer`` from every start for ``steps`` steps (see module docstring).

    ``batch_size`` (a surface made from data only: data_surfaces, nn_slice): each step uses the
    exact gradient of the mean loss over a minibatch of that many rows, drawn without
    replacement each epoch from particle i's own generator seeded by (``seed``, i); the last
    batch of an epoch holds the rows left over (minibatch.py says exactly how). None or the
    number of rows: full-batch descent. ``seed`` also seeds the Gaussian gradient ``noise``.
    The recorded losses, statuses and verdicts are the full-batch surface's: the loss shown is
    the loss over the whole dataset wherever a minibatch step took the particle."""
    surf = get_surface(surface)
    opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer)
    batch_size = check_batch_size(surf, batch_size)
    p0 = _as_starts(starts)
    steps = check_int("steps", steps, 0)
    record_every = check_int("record_every", record_every, 1)

    rows = steps // record_every + 1 + (steps % record_every != 0)
    need = rows * len(p0) * 3 * 8  # the path (x, y) and the loss of every recorded row
    budget = memory_budget()
    if need > budget:
        raise ParameterError("record_every", f"invalid record_every: {record_every} records "
                             f"{rows:,} rows of {len(p0):,} particles, {need / 2**20:,.0f} MiB; "
                             f"at most {budget / 2**20:,.0f} MiB fits: record less often")
    rec_steps = np.arange(0, steps + 1, record_every, dtype=np.int64)
    if rec_steps[-1] != steps:
        rec_steps = np.append(rec_steps, steps)
    path = np.empty((len(rec_steps), len(p0), 2))
    path[0] = p0

    def record_at(first: int, count: int) -> np.ndarray:
        """Rows recorded after steps first+1 .. first+count (-1: none)."""
        plan = np.full(count, -1, dtype=np.int64)
        lo, hi = np.searchsorted(rec_steps, [first + 1, first + count + 1])
        plan[rec_steps[lo:hi] - first - 1] = np.arange(lo, hi)
        return plan

    eng = Engine(surf, opt, p0, seed, batch_size)
    eng.run(steps, record_at, path)
    status, gnorm = eng.status()
    loss = _finite_loss(surf, path)
    return SimulationResult(surf, opt, steps, record_every, rec_steps, path, loss,
                            status, gnorm, eng.steps_taken.copy(), eng.left_domain.copy())


def _finite_loss(surf: Surface, xy: Any) -> np.ndarray:
    v = surf.value(xy)
    return np.nan_to_num(v, nan=np.finfo(float).max, posinf=np.finfo(float).max,
                         neginf=-np.finfo(float).max)


def _record_last(k: int) -> Callable[[int, int], np.ndarray]:
    """A recording plan (see Engine.run) that records the k-th step into row 0, and no other."""

    def plan(first: int, count: int) -> np.ndarray:
        rec = np.full(count, -1, dtype=np.int64)
        if first + count == k:
            rec[-1] = 0
        return rec

    return plan


class Stepper:
    """Live, incremental stepping for the app: advance a few steps at a time, read the state.

    The history (for trails and loss curves) has a fixed capacity: once full, every other row is
    dropped and rows are recorded half as often, so a run of a million steps keeps a picture of the
    whole run in bounded memory.

    ``batch_size`` steps on minibatches as ``simulate`` does (``current_batch``, ``batch_at``
    say which rows); ``losses``, ``history`` and ``status`` are the full-batch surface's.
    """

    def __init__(self, surface: Surface | str, optimizer: Optimizer | str, starts: Any,
                 seed: int = 0, history: int = 4096, batch_size: int | None = None):
        self.surface = get_surface(surface)
        self._opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer)
        self.seed = seed
        # Minibatches as in simulate(); the losses and statuses are the full-batch surface's.
        self.batch_size = check_batch_size(self.surface, batch_size)
        self.capacity = check_int("history", history, 2)
        self._p0 = _as_starts(starts)
        self.reset()

    # -- control -------------------------------------------------------------------------------
    def reset(self, starts: Any = None) -> None:
        """Back to step 0, from ``starts`` if given, else from the last starts."""
        if starts is not None:
            self._p0 = _as_starts(starts)
        p0 = self._p0
        self._eng = Engine(self.surface, self._opt, p0, self.seed, self.batch_size)
        n = len(p0)
        self._h_steps = np.zeros(self.capacity, dtype=np.int64)
        self._h_pos = np.empty((self.capacity, n, 2))
        self._h_pos[0] = p0
        self._h_len = 1
        self._stride = 1
        self._refresh()

    def ready(self) -> bool:
        """Whether ``advance`` can start at once, without waiting for numba to compile the
        surface's gradient (a typed formula's first compile takes about half a second); if not,
        the compile is started in the background. A live view polls this rather than freeze."""
        return self._eng.gradient_ready()

    def set_optimizer(self, optimizer: Optimizer) -> None:
        """Applies from the next step; optimizer state is kept when the kind is the same."""
        self._opt = optimizer
        self._eng.set_optimizer(optimizer)

    def advance(self, k: int = 1) -> None:
        """Take k more steps (k >= 0)."""
        k = check_int("k", k, 0)
        while k > 0:
            # Steps until the next history row; run them in one go, recording that row.
            step = self._eng.count
            nxt = (step // self._stride + 1) * self._stride
            chunk = min(k, nxt - step)
            if step + chunk == nxt:
                if self._h_len == self.capacity:
                    self._compact()
                    continue
                buf = np.empty((1, len(self._eng.p), 2))
                self._eng.run(chunk, _record_last(chunk), buf)
                self._h_steps[self._h_len] = nxt
                self._h_pos[self._h_len] = buf[0]
                self._h_len += 1
            else:
                self._eng.run(chunk)
            k -= chunk
        self._refresh()

    def _compact(self) -> None:
        keep = self._h_steps[: self._h_len] % (2 * self._stride) == 0
        n = int(keep.sum())
        self._h_steps[:n] = self._h_steps[: self._h_len][keep]
        self._h_pos[:n] = self._h_pos[: self._h_len][keep]
        self._h_len = n
        self._stride *= 2

    def _refresh(self) -> None:
        # The read-outs are computed when first read after a step, not by every step: a
        # 100,000-particle cloud stepped each frame read none of them, and paid more for them
        # (a gradient, a Hessian where still, a string per particle) than for the step.
        self._status: tuple[np.ndarray, np.ndarray] | None = None
        self._losses: np.ndarray | None = None

    @property
    def status(self) -> np.ndarray:
        """('converged' | 'moving' | 'diverged') per particle, now."""
        return self._read_status()[0]

    @property
    def grad_norms(self) -> np.ndarray:
        """(N,) the full-batch gradient's norm per particle, now (finite)."""
        return self._read_status()[1]

    @property
    def losses(self) -> np.ndarray:
        """(N,) the full-batch loss per particle, now (finite)."""
        losses = self._losses
        if losses is None:
            losses = self._losses = _finite_loss(self.surface, self._eng.p)
        return losses

    def _read_status(self) -> tuple[np.ndarray, np.ndarray]:
        status = self._status
        if status is None:
            status = self._status = self._eng.status()
        return status

    # -- state -----------------------------------------------------------------------------------
    @property
    def optimizer(self) -> Optimizer:
        """The optimizer stepping now."""
        return self._opt

    @property
    def step(self) -> int:
        """Steps taken so far."""
        return self._eng.count

    @property
    def positions(self) -> np.ndarray:
        """(N, 2) where the particles are now."""
        return self._eng.p.copy()

    @property
    def starts(self) -> np.ndarray:
        """(N, 2) where the particles started (verdicts tell a run that never left its start)."""
        return self._p0.copy()

    @property
    def last_update(self) -> np.ndarray:
        """(N, 2) each particle's last step (zero for a diverged one)."""
        return self._eng.last_update.copy()

    @property
    def last_grad(self) -> np.ndarray:
        """(N, 2) the full-batch gradient where the particles are now (non-finite values as 0),
        also with ``batch_size``: the next step's minibatch gradient is
        ``surface.batch_gradient(positions, [current_batch(i) for i ...])``."""
        return np.nan_to_num(self.surface.grad(self._eng.p), nan=0.0, posinf=0.0, neginf=0.0)

    @property
    def steps_taken(self) -> np.ndarray:
        """(N,) steps each particle took (fewer than ``step`` only if it diverged)."""
        return self._eng.steps_taken.copy()

    def batch_at(self, particle: int, step: int) -> np.ndarray:
        """The dataset rows (sorted) that particle ``particle``'s step ``step`` (1-based) uses:
        its minibatch (minibatch.py), or every row without ``batch_size``. Any step, past or
        future: the batches are a function of (seed, particle, step)."""
        particle = check_int("particle", particle, 0, len(self._p0) - 1)
        step = check_int("step", step, 1)
        dataset = getattr(self.surface, "dataset", None)
        if dataset is None:
            raise ParameterError("particle", f"the surface {self.surface.name!r} is not made "
                                             "from data: it has no batches")
        if self._eng.batches is None:
            return np.arange(dataset.n)
        return self._eng.batches.rows_of(particle, step)

    def current_batch(self, particle: int) -> np.ndarray:
        """The rows of the minibatch particle ``particle`` stands on now: the batch its next
        step uses, whose loss surface (``surface.batch_surface(rows)``) has the gradient that
        step follows from where the particle is."""
        return self.batch_at(particle, self.step + 1)

    @property
    def left_domain(self) -> np.ndarray:
        """(N,) bool: particles stopped because their next step left f's domain."""
        return self._eng.left_domain.copy()

    @property
    def buffers(self) -> np.ndarray:
        """A copy of the optimizer's state, (K, N, 2): buffer k is
        ``optimizer.defn.state_names[k]`` (exp_avg, momentum_buffer, ...)."""
        return self._eng.buffers.copy()

    def history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps (L,), positions (L, N, 2), losses (L, N)) from step 0 to now, decimated."""
        steps = self._h_steps[: self._h_len]
        pos = self._h_pos[: self._h_len]
        if steps[-1] != self.step:
            steps = np.append(steps, self.step)
            pos = np.concatenate([pos, self._eng.p[None]], axis=0)
        else:
            steps, pos = steps.copy(), pos.copy()
        return steps, pos, _finite_loss(self.surface, pos)
