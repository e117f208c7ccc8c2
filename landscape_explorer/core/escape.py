"""Escape methods, as optimizers in the same registry: simulated annealing, perturbed gradient
descent (Jin et al. 2017) and stochastic gradient Langevin dynamics.

They need random numbers (and annealing and perturbed GD the loss itself), so they are not
elementwise kernels: each gives ``step(p, g, st, sc, ctx)`` (see ``OptimizerDef``), vectorized
over all particles, drawing every random number from the seeded ``ctx.rng``. Each step draws the
same amount of randomness whatever the particles do, so a seed reproduces a run bit for bit.
Like every optimizer they take ``lr``, ``noise``, ``clip`` and ``schedule`` (which scales lr).
They register themselves when ``landscape_explorer.core`` is imported (its ``__init__``).
"""
from __future__ import annotations

import math
from typing import Any, Mapping, NamedTuple

import numpy as np

from .optimizers import HyperParam, OptimizerDef, register

_COOLING_HELP = ("The temperature is multiplied by this factor after every step (1 keeps it "
                 "constant).")


def _cooling(default: float) -> HyperParam:
    return HyperParam("cooling", default, _COOLING_HELP, low=0.0, high=1.0, low_open=True,
                      typical=(0.9, 1.0))


# --- simulated annealing ------------------------------------------------------------------------
# Metropolis: propose p' = p + sigma * N(0, I); accept if it is lower, or with probability
# exp(-(f(p') - f(p)) / T) if it is higher, with T_t = temperature * cooling^(t-1). The proposal's
# std is lr (a schedule can shrink it): once cold, only improvements are accepted, so the particle
# keeps closing in on the lowest point it has found. The gradient is not used.

class AnnealingScalars(NamedTuple):
    lr: float
    temperature: float  # T_t, this step's temperature


def _annealing_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> AnnealingScalars:
    return AnnealingScalars(float(lr), float(hp["temperature"] * hp["cooling"] ** (step - 1)))


def _annealing_step(p, g, st, sc, ctx):
    rng = ctx.rng
    n = len(p)
    proposal = p + sc.lr * rng.standard_normal((n, 2))
    u = rng.random(n)
    with np.errstate(all="ignore"):
        delta = ctx.value(proposal) - ctx.value(p)
        accept = np.isfinite(delta) & ((delta <= 0) | (u < np.exp(-delta / max(sc.temperature,
                                                                                1e-300))))
    return np.where(accept[:, None], proposal, p)


register(OptimizerDef(
    name="annealing", title="Simulated annealing",
    description="Simulated annealing: random proposals accepted by the Metropolis rule, so uphill "
                "moves happen while it is hot and stop as it cools. Uses the loss, not the "
                "gradient.",
    params=(
        HyperParam("lr", 0.5, "Standard deviation of the random proposals (a schedule can "
                   "shrink it).", low=0.0, scale="log", typical=(0.01, 2.0)),
        HyperParam("temperature", 10.0, "Starting temperature: an uphill move of d is accepted "
                   "with probability exp(-d / temperature).", low=0.0, low_open=True,
                   scale="log", typical=(1e-3, 100.0)),
        _cooling(0.995),
    ),
    scalars=_annealing_scalars, kernel=None, step=_annealing_step,
    rule="θ′ = θ + η·N(0, I), accepted if f(θ′) ≤ f(θ), else with probability exp(−Δf / T)\n"
         "T ← T·cooling",
))


# --- perturbed gradient descent -----------------------------------------------------------------
# Jin, Ge, Netrapalli, Kakade, Jordan (2017), "How to Escape Saddle Points Efficiently",
# Algorithm 2 (PGD): gradient descent, and when the gradient is small (|g| <= g_thres) and no
# kick happened in the last t_thres steps, remember x~ = x and add a kick drawn uniformly from the
# ball of radius `radius`. t_thres steps after a kick, if the loss has not dropped by f_thres
# below f(x~), the paper stops and returns x~; here (revert=True) the particle goes back to x~
# and tries another kick, and stops kicking after `patience` useless kicks in a row (the paper's
# stop is patience=1), so that it ends at the best minimum it found, not halfway through a trial.
# A kicked or reverted particle takes its gradient step with the exact gradient at its new point.
# state: 0 x~ (the point before the last kick), 1 (t_noise, f(x~)), 2 (useless kicks in a row, -)

class PerturbedGDScalars(NamedTuple):
    lr: float
    g_thres: float
    t_thres: float
    radius: float
    f_thres: float
    revert: float
    t: float  # this step's number, from 0
    patience: float


def _pgd_init(p: np.ndarray, hp: Mapping[str, Any]) -> np.ndarray:
    st = np.zeros((3,) + np.shape(p))
    st[0] = p
    st[1][..., 0] = -float(hp["t_thres"]) - 1.0
    return st


def _pgd_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> PerturbedGDScalars:
    return PerturbedGDScalars._make(float(v) for v in (
        lr, hp["g_thres"], hp["t_thres"], hp["radius"], hp["f_thres"],
        1.0 if hp["revert"] else 0.0, step - 1, hp["patience"]))


def _pgd_step(p, g, st, sc, ctx):
    rng = ctx.rng
    n = len(p)
    t = sc.t
    g = np.array(g, dtype=np.float64)  # kicked particles get a new gradient; never touch the caller's
    z = rng.standard_normal((n, 2))
    u = rng.random(n)
    with np.errstate(all="ignore"):
        gn = np.sqrt(g[:, 0] * g[:, 0] + g[:, 1] * g[:, 1])
        kick = (gn <= sc.g_thres) & (t - st[1][:, 0] > sc.t_thres)
        if sc.revert != 0.0:
            kick &= st[2][:, 0] < sc.patience
        if kick.any():
            zn = np.sqrt((z * z).sum(-1, keepdims=True))
            xi = z / np.where(zn > 0, zn, 1.0) * (sc.radius * np.sqrt(u))[:, None]
            st[0][kick] = p[kick]
            st[1][kick, 0] = t
            st[1][kick, 1] = ctx.value(p[kick])
            p[kick] = p[kick] + xi[kick]
            g[kick] = ctx.grad(p[kick])
        if sc.revert != 0.0:
            due = t - st[1][:, 0] == sc.t_thres
            if due.any():
                back = np.zeros(n, dtype=bool)
                back[due] = ~(ctx.value(p[due]) - st[1][due, 1] <= -sc.f_thres)
                st[2][due, 0] = np.where(back[due], st[2][due, 0] + 1.0, 0.0)
                if back.any():
                    p[back] = st[0][back]
                    g[back] = ctx.grad(p[back])
        return p - sc.lr * g


register(OptimizerDef(
    name="perturbed_gd", title="Perturbed gradient descent",
    description="Perturbed gradient descent (Jin et al. 2017): gradient descent that gives itself "
                "a random kick whenever the gradient is small, which escapes saddle points "
                "quickly; with revert it returns from kicks that did not lower the loss.",
    params=(
        HyperParam("lr", 0.01, "Learning rate of the gradient steps.", low=0.0, scale="log",
                   typical=(1e-4, 1.0)),
        HyperParam("g_thres", 1e-3, "A kick happens when the gradient norm is at most this.",
                   low=0.0, scale="log", typical=(1e-6, 0.1)),
        HyperParam("t_thres", 50, "Steps after a kick before the next one is allowed, and after "
                   "which the kick is judged.", kind="int", low=1, typical=(1, 500)),
        HyperParam("radius", 0.1, "Kicks are drawn uniformly from the disc of this radius.",
                   low=0.0, scale="log", typical=(1e-3, 2.0)),
        HyperParam("f_thres", 1e-3, "A kick counts as useful if the loss dropped by at least "
                   "this within t_thres steps.", low=0.0, scale="log", typical=(1e-6, 1.0)),
        HyperParam("revert", True, "Go back to the point before a kick that was not useful (the "
                   "paper stops there instead).", kind="bool"),
        HyperParam("patience", 20, "With revert, stop kicking after this many useless kicks in "
                   "a row: the particle has found the best minimum within reach.", kind="int",
                   low=1, typical=(1, 100)),
    ),
    scalars=_pgd_scalars, kernel=None, step=_pgd_step, init=_pgd_init,
    state_names=("point_before_kick", "kick_step_and_loss", "useless_kicks"),
    rule="θ ← θ − η·g;  when |g| ≤ g_thres: θ ← θ + ξ, ξ uniform in the disc of radius r\n"
         "revert: back to the kick's start if f fell by < f_thres within t_thres steps",
))


# --- stochastic gradient Langevin dynamics --------------------------------------------------------
# Welling & Teh (2011): p <- p - lr * g + sqrt(2 * lr * T) * N(0, I), which samples from
# exp(-f / T) for small lr. T_t = temperature * cooling^(t-1): cooling < 1 anneals the sampler into
# an optimizer.

class SGLDScalars(NamedTuple):
    lr: float
    noise_scale: float  # sqrt(2 lr T_t)


def _sgld_scalars(step: int, lr: float, hp: Mapping[str, Any]) -> SGLDScalars:
    T = hp["temperature"] * hp["cooling"] ** (step - 1)
    return SGLDScalars(float(lr), math.sqrt(2.0 * lr * T))


def _sgld_step(p, g, st, sc, ctx):
    xi = ctx.rng.standard_normal(p.shape)
    return p - sc.lr * g + sc.noise_scale * xi


register(OptimizerDef(
    name="sgld", title="Langevin dynamics (SGLD)",
    description="Stochastic gradient Langevin dynamics (Welling & Teh 2011): gradient descent "
                "plus Gaussian noise scaled to a temperature, so it explores like a sampler "
                "and settles as the temperature cools.",
    params=(
        HyperParam("lr", 0.01, "Step size: the drift is lr times the gradient and the noise "
                   "has variance 2 * lr * temperature.", low=0.0, scale="log",
                   typical=(1e-4, 1.0)),
        HyperParam("temperature", 1.0, "Temperature T of the sampled distribution exp(-loss / "
                   "T); 0 gives plain gradient descent.", low=0.0, typical=(0.0, 5.0)),
        _cooling(1.0),
    ),
    scalars=_sgld_scalars, kernel=None, step=_sgld_step,
    rule="θ ← θ − η·g + √(2·η·T)·N(0, I),  T ← T·cooling",
))
