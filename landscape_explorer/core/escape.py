"""Escape methods, as optimizers in the same registry: simulated annealing, perturbed gradient
descent (Jin et al. 2017) and stochastic gradient Langevin dynamics.

They need random numbers (and annealing and perturbed GD the loss itself), so they are not
elementwise kernels: each gives ``step(p, g, st, sc, ctx)`` (see ``OptimizerDef``), vectorized
over all particles, drawing every random number from the seeded ``ctx.rng``. Each step draws the
same amount of randomness whatever the particles do, so a seed reproduces a run bit for bit.
Like every optimizer they take ``lr``, ``noise``, ``clip`` and ``schedule`` (which scales lr).
"""
from __future__ import annotations

import math

import numpy as np

from .optimizers import (HyperParam, OptimizerDef, is_real, check_bool, check_nonneg_number,
                         check_positive_number, register)


def _check_cooling(v):
    if not is_real(v) or not (0.0 < v <= 1.0):
        raise ValueError(f"invalid cooling: {v!r} (must be in (0, 1])")


def _check_steps(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"invalid {name}: {v!r} (must be an integer >= 1)")


def _no_state(p, hp):
    return np.zeros((0,) + np.shape(p))


_COOLING_HELP = ("The temperature is multiplied by this factor after every step (1 keeps it "
                 "constant).")


# --- simulated annealing ------------------------------------------------------------------------
# Metropolis: propose p' = p + sigma * N(0, I); accept if it is lower, or with probability
# exp(-(f(p') - f(p)) / T) if it is higher, with T_t = temperature * cooling^(t-1). The proposal's
# std is lr (a schedule can shrink it): once cold, only improvements are accepted, so the particle
# keeps closing in on the lowest point it has found. The gradient is not used. sc: 0 lr, 1 T_t

def _annealing_validate(lr, temperature, cooling):
    check_nonneg_number("lr", lr)
    check_positive_number("temperature", temperature)
    _check_cooling(cooling)


def _annealing_scalars(step, lr, hp):
    return (lr, hp["temperature"] * hp["cooling"] ** (step - 1))


def _annealing_step(p, g, st, sc, ctx):
    rng = ctx.rng
    n = len(p)
    proposal = p + sc[0] * rng.standard_normal((n, 2))
    u = rng.random(n)
    with np.errstate(all="ignore"):
        delta = ctx.value(proposal) - ctx.value(p)
        accept = np.isfinite(delta) & ((delta <= 0) | (u < np.exp(-delta / max(sc[1], 1e-300))))
    return np.where(accept[:, None], proposal, p)


register(OptimizerDef(
    name="annealing", title="Simulated annealing",
    description="Simulated annealing: random proposals accepted by the Metropolis rule, so uphill "
                "moves happen while it is hot and stop as it cools. Uses the loss, not the "
                "gradient.",
    params=(
        HyperParam("lr", 0.5, "Standard deviation of the random proposals (a schedule can "
                   "shrink it)."),
        HyperParam("temperature", 10.0, "Starting temperature: an uphill move of d is accepted "
                   "with probability exp(-d / temperature)."),
        HyperParam("cooling", 0.995, _COOLING_HELP),
    ),
    validate=_annealing_validate, n_state=0, init=_no_state, scalars=_annealing_scalars,
    kernel=None, step=_annealing_step,
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
# sc: 0 lr, 1 g_thres, 2 t_thres, 3 radius, 4 f_thres, 5 revert, 6 t (0-based step), 7 patience
# state: 0 x~ (the point before the last kick), 1 (t_noise, f(x~)), 2 (useless kicks in a row, -)

def _pgd_validate(lr, g_thres, t_thres, radius, f_thres, revert, patience):
    check_nonneg_number("lr", lr)
    check_nonneg_number("g_thres", g_thres)
    _check_steps("t_thres", t_thres)
    check_nonneg_number("radius", radius)
    check_nonneg_number("f_thres", f_thres)
    check_bool("revert", revert)
    _check_steps("patience", patience)


def _pgd_init(p, hp):
    st = np.zeros((3,) + np.shape(p))
    st[0] = p
    st[1][..., 0] = -float(hp["t_thres"]) - 1.0
    return st


def _pgd_scalars(step, lr, hp):
    return (lr, hp["g_thres"], float(hp["t_thres"]), hp["radius"], hp["f_thres"],
            1.0 if hp["revert"] else 0.0, float(step - 1), float(hp["patience"]))


def _pgd_step(p, g, st, sc, ctx):
    rng = ctx.rng
    n = len(p)
    t = sc[6]
    g = np.array(g, dtype=np.float64)  # kicked particles get a new gradient; never touch the caller's
    z = rng.standard_normal((n, 2))
    u = rng.random(n)
    with np.errstate(all="ignore"):
        gn = np.sqrt(g[:, 0] * g[:, 0] + g[:, 1] * g[:, 1])
        kick = (gn <= sc[1]) & (t - st[1][:, 0] > sc[2])
        if sc[5] != 0.0:
            kick &= st[2][:, 0] < sc[7]
        if kick.any():
            zn = np.sqrt((z * z).sum(-1, keepdims=True))
            xi = z / np.where(zn > 0, zn, 1.0) * (sc[3] * np.sqrt(u))[:, None]
            st[0][kick] = p[kick]
            st[1][kick, 0] = t
            st[1][kick, 1] = ctx.value(p[kick])
            p[kick] = p[kick] + xi[kick]
            g[kick] = ctx.grad(p[kick])
        if sc[5] != 0.0:
            due = t - st[1][:, 0] == sc[2]
            if due.any():
                back = np.zeros(n, dtype=bool)
                back[due] = ~(ctx.value(p[due]) - st[1][due, 1] <= -sc[4])
                st[2][due, 0] = np.where(back[due], st[2][due, 0] + 1.0, 0.0)
                if back.any():
                    p[back] = st[0][back]
                    g[back] = ctx.grad(p[back])
        return p - sc[0] * g


register(OptimizerDef(
    name="perturbed_gd", title="Perturbed gradient descent",
    description="Perturbed gradient descent (Jin et al. 2017): gradient descent that gives itself "
                "a random kick whenever the gradient is small, which escapes saddle points "
                "quickly; with revert it returns from kicks that did not lower the loss.",
    params=(
        HyperParam("lr", 0.01, "Learning rate of the gradient steps."),
        HyperParam("g_thres", 1e-3, "A kick happens when the gradient norm is at most this."),
        HyperParam("t_thres", 50, "Steps after a kick before the next one is allowed, and after "
                   "which the kick is judged."),
        HyperParam("radius", 0.1, "Kicks are drawn uniformly from the disc of this radius."),
        HyperParam("f_thres", 1e-3, "A kick counts as useful if the loss dropped by at least "
                   "this within t_thres steps."),
        HyperParam("revert", True, "Go back to the point before a kick that was not useful (the "
                   "paper stops there instead)."),
        HyperParam("patience", 20, "With revert, stop kicking after this many useless kicks in "
                   "a row: the particle has found the best minimum within reach."),
    ),
    validate=_pgd_validate, n_state=3, init=_pgd_init, scalars=_pgd_scalars,
    kernel=None, step=_pgd_step,
))


# --- stochastic gradient Langevin dynamics --------------------------------------------------------
# Welling & Teh (2011): p <- p - lr * g + sqrt(2 * lr * T) * N(0, I), which samples from
# exp(-f / T) for small lr. T_t = temperature * cooling^(t-1): cooling < 1 anneals the sampler into
# an optimizer. sc: 0 lr, 1 sqrt(2 lr T_t)

def _sgld_validate(lr, temperature, cooling):
    check_nonneg_number("lr", lr)
    check_nonneg_number("temperature", temperature)
    _check_cooling(cooling)


def _sgld_scalars(step, lr, hp):
    T = hp["temperature"] * hp["cooling"] ** (step - 1)
    return (lr, math.sqrt(2.0 * lr * T))


def _sgld_step(p, g, st, sc, ctx):
    xi = ctx.rng.standard_normal(p.shape)
    return p - sc[0] * g + sc[1] * xi


register(OptimizerDef(
    name="sgld", title="Langevin dynamics (SGLD)",
    description="Stochastic gradient Langevin dynamics (Welling & Teh 2011): gradient descent "
                "plus Gaussian noise scaled to a temperature, so it explores like a sampler "
                "and settles as the temperature cools.",
    params=(
        HyperParam("lr", 0.01, "Step size: the drift is lr times the gradient and the noise "
                   "has variance 2 * lr * temperature."),
        HyperParam("temperature", 1.0, "Temperature T of the sampled distribution exp(-loss / "
                   "T); 0 gives plain gradient descent."),
        HyperParam("cooling", 1.0, _COOLING_HELP),
    ),
    validate=_sgld_validate, n_state=0, init=_no_state, scalars=_sgld_scalars,
    kernel=None, step=_sgld_step,
))
