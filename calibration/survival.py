"""Survival analysis of tenancy durations with right-censoring (scipy.stats).

A tenancy still running at the end of the recorded period is right-censored: we know it lasted at least
that long. Ignoring that (dropping those tenancies, or counting them as exits) biases every duration
estimate. For one exit reason the others censor it too (cause-specific hazards, competing risks).

- :func:`constant_hazard`: the maximum-likelihood constant hazard, events / exposure, with its exact
  Poisson 95 % CI (the engine's Art. 23 exits are constant hazards).
- :func:`kaplan_meier`: the Kaplan-Meier survival curve, ``scipy.stats.ecdf`` on
  ``scipy.stats.CensoredData``, with its 95 % pointwise band.
- :func:`weibull_check`: a Weibull fitted on the censored durations (``scipy.stats.weibull_min.fit``
  on ``CensoredData``); the likelihood-ratio test of shape = 1 (the exponential, i.e. a constant hazard)
  says whether a constant hazard is adequate.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

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


def censored(durations, observed) -> stats.CensoredData:
    """``CensoredData`` from durations and a flag per duration (True = the event was observed)."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    return stats.CensoredData(uncensored=durations[observed], right=durations[~observed])


def kaplan_meier(durations, observed):
    """The Kaplan-Meier estimate: ``scipy.stats.ecdf(...).sf`` (an ``EmpiricalDistributionFunction``)."""
    return stats.ecdf(censored(durations, observed)).sf


@dataclass
class WeibullCheck:
    """Weibull fit on censored data against the exponential: shape (1 = constant hazard), its LR test."""

    shape: float
    scale: float
    lr_statistic: float
    p_value: float


def _loglik_exponential(durations, observed) -> float:
    d, t = observed.sum(), durations.sum()
    if d == 0:
        return 0.0
    lam = d / t
    return float(d * math.log(lam) - lam * t)


def weibull_check(durations, observed) -> WeibullCheck:
    """Fit a Weibull (location 0) to right-censored durations; test shape = 1 by likelihood ratio
    (chi-square, 1 degree of freedom). A small p-value says a constant hazard is not adequate."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if observed.sum() < 2:
        return WeibullCheck(math.nan, math.nan, math.nan, math.nan)
    data = censored(durations, observed)
    scale0 = durations.sum() / observed.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        shape, _, scale = stats.weibull_min.fit(data, 1.0, floc=0, scale=scale0)
    ll_w = float(
        stats.weibull_min.logpdf(durations[observed], shape, 0, scale).sum()
        + stats.weibull_min.logsf(durations[~observed], shape, 0, scale).sum()
    )
    lr = max(0.0, 2 * (ll_w - _loglik_exponential(durations, observed)))
    return WeibullCheck(float(shape), float(scale), lr, float(stats.chi2.sf(lr, 1)))
