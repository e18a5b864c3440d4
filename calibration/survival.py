"""Survival analysis of tenancy durations with right-censoring and left truncation.

A tenancy still running at the end of the recorded period is right-censored: we know it lasted at least
that long. A tenancy begun before the period's start is left-truncated (delayed entry): it is in the
data only because it was still running on that day, so it is at risk from then, at the duration it had
reached (its ``entry``), not from its move-in. Counting it from its move-in would over-weight the long
tenancies (those that survived to be seen); counting it as if begun on the period's start would put its
late, long-tenure exits at short durations. Ignoring either biases every duration estimate. For one exit
reason the others censor it too (cause-specific hazards, competing risks).

- :func:`constant_hazard`: the maximum-likelihood constant hazard, events / exposure (time at risk from
  entry to exit or the period's end), with its exact Poisson 95 % CI (the engine's Art. 23 exits are
  constant hazards).
- :func:`kaplan_meier`: the Kaplan-Meier survival curve with delayed entry, with Greenwood's variance and
  its 95 % pointwise band.
- :func:`weibull_check`: a Weibull fitted by maximum likelihood with delayed entry; the likelihood-ratio
  test of shape = 1 (the exponential, i.e. a constant hazard) says whether a constant hazard is adequate.

Both are written here (numpy, scipy) rather than taken from a survival library: they are short, and the
one that does both (lifelines) pins an older pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from analysis.stats import CONFIDENCE


def poisson_ci(events: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Exact (Garwood) confidence interval of a Poisson count."""
    a = 1 - confidence
    low = 0.0 if events == 0 else stats.chi2.ppf(a / 2, 2 * events) / 2
    high = stats.chi2.ppf(1 - a / 2, 2 * events + 2) / 2
    return float(low), float(high)


@dataclass
class Hazard:
    """A constant hazard per year: ``rate`` = events / exposure, with its 95 % CI."""

    rate: float
    ci_low: float
    ci_high: float
    events: int
    exposure_years: float


def constant_hazard(events: int, exposure_years: float) -> Hazard:
    low, high = poisson_ci(events)
    e = max(exposure_years, 1e-12)
    return Hazard(events / e, low / e, high / e, int(events), float(exposure_years))


def _arrays(durations, observed, entry):
    durations = np.asarray(durations, dtype=float)
    entry = np.zeros(len(durations)) if entry is None else np.asarray(entry, dtype=float)
    return durations, np.asarray(observed, dtype=bool), entry


def _z(confidence: float = CONFIDENCE) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2))


@dataclass
class KaplanMeier:
    """A Kaplan-Meier curve: at each distinct event ``time``, the ``survival`` just after it and its 95 %
    pointwise band [``low``, ``high``]; a step function, 1 before the first event and flat after the
    last."""

    times: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def _step(self, values: np.ndarray, times) -> np.ndarray:
        i = np.searchsorted(self.times, np.asarray(times, dtype=float), side="right") - 1
        return np.where(i >= 0, values[np.clip(i, 0, None)], 1.0)

    def at(self, times) -> np.ndarray:
        """The survival at ``times`` (the step at or before each)."""
        return self._step(self.survival, times)

    def band_at(self, times) -> tuple[np.ndarray, np.ndarray]:
        """The 95 % pointwise band at ``times`` (the step at or before each)."""
        return self._step(self.low, times), self._step(self.high, times)


def kaplan_meier(durations, observed, entry=None) -> KaplanMeier:
    """The Kaplan-Meier estimate S(t) = prod over event times t_j <= t of (1 - d_j / n_j), d_j the events
    at t_j and n_j the risk set: the durations with ``entry`` < t_j <= duration (``entry`` 0 when not
    given, so a left-truncated tenancy is at risk only from the duration it had reached when first seen).
    Greenwood's variance, Var log S(t) = sum d_j / (n_j (n_j - d_j)), gives the band on the log(-log S)
    scale (it stays within [0, 1])."""
    durations, observed, entry = _arrays(durations, observed, entry)
    times, deaths = np.unique(durations[observed], return_counts=True)
    at_risk = np.searchsorted(np.sort(entry), times, side="left") - np.searchsorted(
        np.sort(durations), times, side="left"
    )  # entered before t_j less ended before t_j (entry <= duration)
    left = at_risk - deaths
    survival = np.cumprod(left / at_risk)
    with np.errstate(divide="ignore"):
        greenwood = np.cumsum(np.where(left > 0, deaths / (at_risk * np.maximum(left, 1)), 0.0))
        power = np.exp(_z() * np.sqrt(greenwood) / -np.log(survival))  # 1 where survival is 0
    return KaplanMeier(times, survival, survival**power, survival ** (1 / power))


@dataclass
class WeibullCheck:
    """Weibull fit against the exponential: shape (1 = constant hazard) with its 95 % CI, scale (in the
    durations' unit), the likelihood-ratio statistic of shape = 1 and its p-value."""

    shape: float
    scale: float
    shape_low: float
    shape_high: float
    lr_statistic: float
    p_value: float


def _powers(x: np.ndarray, k: float) -> np.ndarray:
    """Sum of x^k and its first two derivatives in k: sum x^k log^j x, j = 0, 1, 2 (x > 0)."""
    log_x = np.log(x)
    return (x**k * log_x ** np.arange(3)[:, None]).sum(axis=1)


def weibull_check(durations, observed, entry=None) -> WeibullCheck:
    """Fit a Weibull, S(t) = exp(-(t / scale)^shape), to right-censored durations with delayed entry by
    maximum likelihood (durations > 0); test shape = 1 (the exponential, a constant hazard) by likelihood
    ratio (chi-square, 1 degree of freedom). A small p-value says a constant hazard is not adequate.

    The log-likelihood, sum of d_i log h(t_i) + log S(t_i) - log S(entry_i), is maximised over the scale
    in closed form for a given shape k: scale^k = A(k) / D, A(k) = sum (t_i^k - entry_i^k), D the events.
    What remains, the profile log-likelihood l(k) = D log k - D log(A(k) / D) + (k - 1) sum d_i log t_i - D,
    is maximised over log k; l(1) is the exponential's (rate D / exposure). The shape's 95 % CI is
    Wald's on log k, from the observed information -l''(k) (the profile's curvature is the full
    likelihood's information for the shape)."""
    durations, observed, entry = _arrays(durations, observed, entry)
    events = int(observed.sum())
    if events < 2:
        return WeibullCheck(*[math.nan] * 6)
    unit = durations.max()  # durations in units of the longest, so that t^k neither overflows nor vanishes
    t, late = durations / unit, entry[entry > 0] / unit
    log_events = float(np.log(t[observed]).sum())

    def exposure(k: float) -> np.ndarray:  # A(k), A'(k), A''(k)
        return _powers(t, k) - _powers(late, k)

    def profile(k: float) -> float:
        return events * (math.log(k) - math.log(exposure(k)[0] / events) - 1) + (k - 1) * log_events

    best = optimize.minimize_scalar(
        lambda log_k: -profile(math.exp(log_k)),
        bounds=(-7.0, 7.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    k = math.exp(best.x)
    a, a1, a2 = exposure(k)
    information = events / k**2 + events * (a2 * a - a1**2) / a**2  # -l''(k)
    half = _z() / (k * math.sqrt(information))  # on log k
    lr = max(0.0, 2 * (profile(k) - profile(1.0)))
    return WeibullCheck(
        k,
        float(unit * (a / events) ** (1 / k)),
        k * math.exp(-half),
        k * math.exp(half),
        lr,
        float(stats.chi2.sf(lr, 1)),
    )
