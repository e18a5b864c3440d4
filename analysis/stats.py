"""The statistics of replications, in one place: the Student-t interval of a mean, the paired difference
on common seeds, the interval of every figure of a summary, and the wait cohort the figures are taken over.

Every interval of the project (tables, charts, comparisons, sweeps, the explorer) comes from here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim import SUMMARY_FIGURES, SimulationResult

CONFIDENCE = 0.95


SUMMARY_COLUMNS = ("figure", "mean", "ci_low", "ci_high", "sd", "n")


def summary_table(results_or_summary_df, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean and Student-t confidence interval of every figure across replications.

    Args:
        results_or_summary_df: a list of ``SimulationResult`` or a per-replication summary frame (as in
            ``summary.csv``; a ``seed`` column is ignored).

    Returns:
        One row per figure: ``figure, mean, ci_low, ci_high, sd, n``. NaN replications of a figure are
        left out (``n`` counts the others); with ``n == 1`` the CI and ``sd`` are NaN; with ``n == 0``
        everything but ``n`` is NaN.
    """
    if isinstance(results_or_summary_df, pd.DataFrame):
        df = results_or_summary_df
    else:
        df = summary_frame(results_or_summary_df)
    figures = [c for c in df.columns if c != "seed"]
    rows = []
    for fig in figures:
        values = pd.to_numeric(df[fig], errors="coerce").to_numpy(dtype=float)
        rows.append((fig, *t_interval(values, confidence)))
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out["n"] = out["n"].astype("int64")
    return out


def t_half_width(sd, n, confidence: float = CONFIDENCE):
    """Half the width of the Student-t interval of a mean of ``n`` values of spread ``sd``: the one
    formula every interval of the project uses. NaN where ``n < 2``; zero where ``sd == 0`` (scipy's
    ``t.interval`` gives NaN for a zero scale). Works on numbers and on arrays."""
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
        return np.where(n >= 2, q * np.asarray(sd, dtype=float) / np.sqrt(n), np.nan)


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float, float, int]:
    """Mean and Student-t confidence interval of ``values`` (NaN left out).

    Returns:
        ``(mean, ci_low, ci_high, sd, n)``; with ``n == 1`` the interval and ``sd`` are NaN, with
        ``n == 0`` everything but ``n``; ``sd == 0`` gives a zero-width interval.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    sd = low = high = math.nan
    if n >= 2:
        sd = float(values.std(ddof=1))
        half = float(t_half_width(sd, n, confidence))
        low, high = mean - half, mean + half
    return mean, low, high, sd, n


def paired_difference(reference, variant, confidence: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """Mean of ``variant - reference`` (aligned arrays, one entry per seed) and its Student-t interval.

    Seeds where either value is NaN are left out. Returns ``(mean, ci_low, ci_high, n)``.
    """
    diff = np.asarray(variant, dtype=float) - np.asarray(reference, dtype=float)
    mean, low, high, _, n = t_interval(diff, confidence)
    return mean, low, high, n


def ci_table(df: pd.DataFrame, by: Sequence[str], value: str, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean and Student-t interval of ``value`` across the rows of each ``by`` group (the seeds).

    Returns ``by`` columns then ``mean, ci_low, ci_high, n``; NaN values are left out; ``n < 2`` gives a
    NaN interval; a zero spread gives a zero-width one.
    """
    by = list(by)
    g = df.groupby(by, sort=False, observed=True)[value]
    out = g.agg(["mean", "std", "count"]).reset_index()
    half = t_half_width(out["std"].to_numpy(dtype=float), out["count"].to_numpy(dtype=float), confidence)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    out = out.rename(columns={"count": "n"}).drop(columns="std")
    out["n"] = out["n"].astype("int64")
    return out[[*by, "mean", "ci_low", "ci_high", "n"]]


def paired_diff_table(
    replications: pd.DataFrame, figure: str, reference: str, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Per scenario, the mean of ``figure`` (variant − reference) over common seeds and its t interval."""
    wide = replications.pivot_table(index="seed", columns="scenario", values=figure, aggfunc="mean")
    rows = []
    for name in scenario_names(replications):
        if name == reference or name not in wide or reference not in wide:
            continue
        diff = (wide[name] - wide[reference]).dropna()
        part = pd.DataFrame({"scenario": name, "diff": diff.to_numpy()})
        if len(part):
            rows.append(ci_table(part, ["scenario"], "diff", confidence))
    if not rows:
        return pd.DataFrame(columns=["scenario", "mean", "ci_low", "ci_high", "n"])
    return pd.concat(rows, ignore_index=True)


def significant(low: float, high: float) -> bool:
    """Whether an interval excludes zero."""
    return (math.isfinite(low) and low > 0) or (math.isfinite(high) and high < 0)


def cohort_waits(households: pd.DataFrame, warmup_days: float, end_day: float) -> pd.DataFrame:
    """Waits from application to move-in of the summary's cohort (``sim.records``): episodes received
    from ``warmup_days`` up to ``end_day`` (horizon − ``analysis.cohort_margin_days``) that moved in.

    Returns ``scenario, seed, wait`` (days).
    """
    hh = with_scenario(households)
    mask = (
        ~hh["initial"].astype(bool)
        & (hh["applied_day"] >= warmup_days)
        & (hh["applied_day"] < end_day)
        & hh["moved_in_day"].notna()
    )
    part = hh.loc[mask, ["scenario", "seed"]].copy()
    part["wait"] = (hh.loc[mask, "moved_in_day"] - hh.loc[mask, "applied_day"]).astype(float)
    return part.reset_index(drop=True)


def summary_frame(results: Iterable[SimulationResult]) -> pd.DataFrame:
    """One row per replication: ``seed`` then every summary figure (in ``SUMMARY_FIGURES`` order)."""
    rows = []
    for res in results:
        extra = [k for k in res.summary if k not in SUMMARY_FIGURES]
        rows.append({"seed": res.seed, **{k: res.summary.get(k, np.nan) for k in (*SUMMARY_FIGURES, *extra)}})
    if not rows:
        return pd.DataFrame(columns=["seed", *SUMMARY_FIGURES])
    df = pd.DataFrame(rows)
    df["seed"] = df["seed"].astype("int64")
    return df


def scenario_names(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["scenario"].astype(str))) if "scenario" in df else [""]


def with_scenario(df: pd.DataFrame, name: str = "") -> pd.DataFrame:
    if "scenario" in df:
        return df
    df = df.copy()
    df.insert(0, "scenario", name)
    return df
