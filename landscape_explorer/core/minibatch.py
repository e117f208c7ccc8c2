"""Real minibatches: which rows of the dataset each particle's step uses.

``simulate(..., batch_size=B)`` and ``Stepper(..., batch_size=B)`` on a surface made from data
(data_surfaces.DataSurface, nn_slice.SliceSurface) step each particle with the exact gradient
of the mean loss over a minibatch of B rows. The batches, exactly:

- Particle i (0-based, its row in ``starts``) has its own generator,
  ``numpy.random.Generator(PCG64(SeedSequence(seed, spawn_key=(i,))))`` — the i-th child of
  ``SeedSequence(seed).spawn(...)`` — so its batches depend on (seed, i) only, not on how many
  particles run beside it.
- Epoch e (0-based) shuffles the n rows: the e-th block of n draws of ``generator.random()``
  (draws e·n .. e·n + n − 1 of the stream) are keys, and the rows in the order
  ``argsort(keys, kind="stable")`` are the epoch's order: every row once per epoch, without
  replacement.
- The epoch is cut into consecutive batches of B rows of that order; the last holds the
  n − (⌈n/B⌉ − 1)·B rows left over (torch ``DataLoader(shuffle=True, drop_last=False)``), so
  an epoch is ⌈n/B⌉ steps. Step s (1-based) uses batch (s − 1) mod ⌈n/B⌉ of epoch
  (s − 1) div ⌈n/B⌉.
- The rows of a batch are sorted ascending: the order its losses are summed in.

Each batch's gradient is an unbiased estimate of the full gradient (a batch is a uniformly
random subset of its size), and over an epoch the batch gradients weighted by their sizes
average to the full gradient exactly (plainly averaged when B divides n).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .validation import ParameterError, is_int, memory_budget, shown

# Keys of this many (particle, row) pairs are drawn and sorted at a time: a few epochs ahead for
# few rows, one epoch for many.
_BLOCK_ELEMENTS = 1 << 20


def supports_batches(surface: Any) -> bool:
    """Whether ``surface`` is made from data rows that minibatches can be drawn from."""
    return getattr(surface, "dataset", None) is not None and \
        callable(getattr(surface, "batch_gradient", None))


def check_batch_size(surface: Any, batch_size: Any) -> int | None:
    """``batch_size`` checked against ``surface``: None (full batch) or an int in [1, n].
    ParameterError('batch_size') on a surface without data, or a bad value."""
    if batch_size is None:
        return None
    if not supports_batches(surface):
        raise ParameterError("batch_size", f"invalid batch_size: {shown(batch_size)} (the surface "
                             f"{getattr(surface, 'name', surface)!r} is a formula, not a loss "
                             "over data; use noise for a noisy gradient)")
    n = surface.dataset.n
    if not is_int(batch_size) or not 1 <= batch_size <= n:
        raise ParameterError("batch_size", f"invalid batch_size: {shown(batch_size)} (must be an "
                                           f"integer in [1, {n}], the dataset's rows, or None "
                                           "for the full batch)")
    return int(batch_size)


def particle_generator(seed: int, particle: int) -> np.random.Generator:
    """Particle ``particle``'s batch generator (module docstring)."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(int(seed), spawn_key=(int(particle),))))


class Minibatches:
    """The batches of N particles over n rows, B at a time (module docstring), drawn a block
    of epochs ahead so that stepping costs one gather per step."""

    def __init__(self, n_rows: int, batch_size: int, n_particles: int, seed: int):
        self.n = int(n_rows)
        self.batch_size = int(batch_size)
        self.particles = int(n_particles)
        self.seed = int(seed)
        self.per_epoch = -(-self.n // self.batch_size)  # ceil: the last batch may be partial
        need = self.particles * self.n * 16  # one epoch's keys and order
        if need > memory_budget():
            raise ParameterError("batch_size", f"invalid batch_size: shuffling {self.n:,} rows "
                                 f"for each of {self.particles:,} particles needs "
                                 f"{need / 2**20:,.0f} MiB: use fewer particles or rows")
        self.epochs_ahead = max(1, _BLOCK_ELEMENTS // max(1, self.particles * self.n))
        self._gens = [particle_generator(self.seed, i) for i in range(self.particles)]
        self._first_epoch = 0
        self._order = np.zeros((self.particles, 0, self.n), dtype=np.int64)  # (N, E, n)

    def _draw(self, epoch: int) -> None:
        """Make epochs epoch .. epoch + epochs_ahead - 1 the block held (epochs are drawn in
        order; a later epoch than the block's end skips the draws in between)."""
        end = self._first_epoch + self._order.shape[1]
        if epoch < self._first_epoch:  # going back: start the streams again
            self._gens = [particle_generator(self.seed, i) for i in range(self.particles)]
            end = 0
        if epoch > end:
            for g in self._gens:
                g.bit_generator.advance((epoch - end) * self.n)
        E = self.epochs_ahead
        keys = np.empty((self.particles, E, self.n))
        for i, g in enumerate(self._gens):
            keys[i] = g.random((E, self.n))
        order = np.argsort(keys, axis=2, kind="stable")
        # Sort each batch's rows: the order they are summed in.
        full = (self.n // self.batch_size) * self.batch_size
        head = order[:, :, :full].reshape(self.particles, E, -1, self.batch_size)
        head.sort(axis=3)
        order[:, :, :full] = head.reshape(self.particles, E, full)
        order[:, :, full:].sort(axis=2)
        self._order = order
        self._first_epoch = epoch

    def rows(self, step: int) -> np.ndarray:
        """(N, b) the rows each particle's step ``step`` (1-based) uses; b is B, or the rest of
        the epoch for its last batch."""
        epoch, k = divmod(int(step) - 1, self.per_epoch)
        if not self._first_epoch <= epoch < self._first_epoch + self._order.shape[1]:
            self._draw(epoch)
        lo = k * self.batch_size
        return self._order[:, epoch - self._first_epoch, lo: min(lo + self.batch_size, self.n)]

    def rows_of(self, particle: int, step: int) -> np.ndarray:
        """(b,) the rows particle ``particle``'s step ``step`` (1-based) uses, from its stream
        alone (random access: the generator jumps to the epoch's draws)."""
        epoch, k = divmod(int(step) - 1, self.per_epoch)
        g = particle_generator(self.seed, particle)
        g.bit_generator.advance(epoch * self.n)
        order = np.argsort(g.random(self.n), kind="stable")
        lo = k * self.batch_size
        return np.sort(order[lo: min(lo + self.batch_size, self.n)])
