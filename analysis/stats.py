"""The statistics of replications, in one place: the Student-t interval of a mean, the paired difference
on common seeds, the interval of every figure of a summary, the wait cohort the figures are taken over,
and the tables the charts draw (by week, month or year of the run, by group of applicants, by exit
reason, by cell of a sweep).

Every interval of the project (tables, charts, comparisons, sweeps, the explorer) comes from here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim import SUMMARY_FIGURES, SimulationResult
from sim.calendar import run_days
from sim.records import GROUPS, PUBLISHED_WAITS, cohort_mask
from sim.schema import FORCED_HAZARD_EXITS

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


def shapley_exact(values) -> np.ndarray:
    """Shapley share of each of ``k`` changes, exact, from the value of every subset of them.

    Args:
        values: shape ``(2**k, ...)``; ``values[mask]`` is the value of the subset whose change ``i`` is in
            when bit ``i`` of ``mask`` is set (``values[0]``: none, the base).

    Returns:
        Shape ``(k, ...)``: ``φ_i = Σ_{S ∌ i} |S|! (k − |S| − 1)! / k! · (v(S ∪ i) − v(S))``; the shares
        sum to ``v(all) − v(none)``. Linear in the values, so it may be taken seed by seed.
    """
    values = np.asarray(values, dtype=float)
    k = values.shape[0].bit_length() - 1
    if values.shape[0] != 1 << k:
        raise ValueError(f"expected 2**k subset values, got {values.shape[0]}")
    masks = np.arange(1 << k)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)])
    out = np.empty((k, *values.shape[1:]))
    for i in range(k):
        without = masks[(masks >> i) & 1 == 0]
        out[i] = np.tensordot(weights[sizes[without]], values[without | (1 << i)] - values[without], axes=1)
    return out


def permutation_subsets(order: Sequence[int]) -> list[int]:
    """The subsets (bit masks) met adding the changes in ``order`` one after another, none first."""
    masks = [0]
    for i in order:
        masks.append(masks[-1] | (1 << i))
    return masks


def shapley_sampled(values, orders: Sequence[Sequence[int]]) -> np.ndarray:
    """Shapley share of each change estimated from permutations of the changes: the mean, over
    ``orders``, of what each change adds when it joins those before it (Castro, Gómez and Tejada 2009).

    Args:
        values: ``{mask: value}`` holding every subset of :func:`permutation_subsets` of each order.
        orders: permutations of ``range(k)``.

    Returns:
        Shape ``(k, ...)``; the shares sum to ``v(all) − v(none)`` exactly, whatever the orders.
    """
    k = len(orders[0])
    total = None
    for order in orders:
        masks = permutation_subsets(order)
        part = np.stack([np.asarray(values[masks[j + 1]], float) - values[masks[j]] for j in range(k)])
        part = part[np.argsort(order)]  # row j is change order[j]: back to change order
        total = part if total is None else total + part
    return total / len(orders)


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


def rent_roll_table(rent_roll: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """The rent roll (Art. 21; ``sim/rent.py``): the rent due to each operator in each calendar year, in
    yuan, as the mean and Student-t interval over the replications of a ``rent_roll`` table (one row per
    seed, operator and year; the run's first and last years are partial)."""
    return ci_table(rent_roll, ["operator", "year"], "rent_yuan", confidence)


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
    mask = cohort_mask(hh.astype({"initial": bool}), warmup_days, end_day) & hh["moved_in_day"].notna()
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


# ---------------------------------------------------------------- tables the charts draw

#: Exit reasons (``exit_reason`` / ``exits_<reason>``) grouped for charts (Art. 17, 20, 23); a reason not
#: listed goes to "other".
EXIT_GROUPS = {
    "cap": ("cap",),
    "renewal": ("not_renewed", "renewal_refused"),
    "other_housing": ("other_housing",),
    "life_change": ("job_change", "marital_change"),
    "employer": ("employer_withdrawal", "employer_relocation"),
    "forced": (*FORCED_HAZARD_EXITS, "arrears"),
    "other": ("other",),
}


def exit_group(reason: str) -> str:
    """The group of :data:`EXIT_GROUPS` an exit reason belongs to ("other" if none)."""
    for group, reasons in EXIT_GROUPS.items():
        if reason in reasons:
            return group
    return "other"


def run_year_starts(start_date, n_days: int) -> np.ndarray:
    """The first day of each year of a run of ``n_days`` days from ``start_date``, the last year possibly
    short: year ``k`` begins on the same date ``k`` years after the start (calendar years,
    ``sim.calendar.run_days``)."""
    start = pd.Timestamp(start_date).date()
    starts = [0]
    while (day := run_days(start, len(starts))) < n_days:
        starts.append(day)
    return np.array(starts)


def _run_year(days, starts: np.ndarray) -> np.ndarray:
    """The year of the run (:func:`run_year_starts`) each of ``days`` falls in."""
    return np.searchsorted(starts, np.asarray(days, dtype=float), side="right") - 1


def yearly_exits(households: pd.DataFrame, n_days: int, start_date) -> pd.DataFrame:
    """Exits per year of the run (:func:`run_year_starts`) by exit group.

    Returns ``scenario, seed, year, group, count``, every combination present (zeros included).
    """
    hh = with_scenario(households)
    left = hh[hh["exit_day"].notna() & hh["exit_reason"].notna()]
    starts = run_year_starts(start_date, n_days)
    years = len(starts)
    part = pd.DataFrame(
        {
            "scenario": left["scenario"].astype(str).to_numpy(),
            "seed": left["seed"].to_numpy(),
            "year": np.maximum(_run_year(left["exit_day"], starts), 0),
            "group": [exit_group(str(r)) for r in left["exit_reason"]],
        }
    )
    counts = part.groupby(["scenario", "seed", "year", "group"]).size().rename("count")
    seeds = hh[["scenario", "seed"]].drop_duplicates()
    full = pd.MultiIndex.from_tuples(
        [
            (s, seed, y, g)
            for s, seed in seeds.itertuples(index=False)
            for y in range(years)
            for g in EXIT_GROUPS
        ],
        names=["scenario", "seed", "year", "group"],
    )
    return counts.reindex(full, fill_value=0).reset_index()


def exit_group_means(exits: pd.DataFrame, scenario: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Of one scenario of :func:`yearly_exits`: the mean count across seeds per year (rows) and exit
    group (columns, in :data:`EXIT_GROUPS` order, zeros where none), and the mean and interval of each
    year's total (``mean, ci_low, ci_high, n`` indexed by year)."""
    part = exits[exits["scenario"] == scenario]
    mean = part.groupby(["year", "group"])["count"].mean().unstack("group").reindex(columns=list(EXIT_GROUPS))
    mean = mean.fillna(0.0)
    totals = ci_table(part.groupby(["seed", "year"])["count"].sum().reset_index(), ["year"], "count")
    return mean, totals.set_index("year").reindex(mean.index)


def yearly_exit_totals(daily: pd.DataFrame, start_date) -> tuple[pd.DataFrame, int]:
    """Exits per year of the run (:func:`run_year_starts`) from the daily table (``scenario, seed, day,
    exits``): the mean and interval across seeds per ``scenario, year``, and the number of years of the
    run."""
    starts = run_year_starts(start_date, int(daily["day"].max()) + 1)
    d = daily[["scenario", "seed", "day", "exits"]].copy()
    d["year"] = _run_year(d["day"], starts)
    per = d.groupby(["scenario", "seed", "year"], sort=False)["exits"].sum().reset_index()
    return ci_table(per, ["scenario", "year"], "exits"), len(starts)


def exit_group_table(replications: pd.DataFrame) -> pd.DataFrame:
    """Exits over the whole run by exit group, from the summary figures ``exits_<reason>``: the mean and
    interval across seeds per ``scenario, group`` (groups without any such figure left out)."""
    reps = with_scenario(replications)
    rows = []
    for group, reasons in EXIT_GROUPS.items():
        cols = [f"exits_{r}" for r in reasons if f"exits_{r}" in reps]
        if not cols:
            continue
        part = reps[["scenario", "seed"]].copy()
        part["count"] = reps[cols].sum(axis=1, min_count=1)
        t = ci_table(part, ["scenario"], "count")
        t.insert(1, "group", group)
        rows.append(t)
    if not rows:
        return pd.DataFrame(columns=["scenario", "group", "mean", "ci_low", "ci_high", "n"])
    return pd.concat(rows, ignore_index=True)


def weekly_waiting(daily: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Of every 7th day of ``daily`` (``scenario, seed, day, date, waiting, units_total``): households on
    the waiting list, mean and interval across seeds per ``scenario, date``; and the rental units on
    line, mean across seeds per ``scenario, date``."""
    weekly = daily[daily["day"] % 7 == 0]
    band = ci_table(weekly, ["scenario", "date"], "waiting")
    supply = weekly.groupby(["scenario", "date"], sort=False)["units_total"].mean().reset_index()
    return band, supply


def weekly_published_waits(daily: pd.DataFrame) -> pd.DataFrame:
    """Of every 7th day of ``daily`` (``scenario, seed, day, date`` and ``PUBLISHED_WAITS``): each of the
    wait figures a bureau publishes, mean and interval across seeds per ``figure, scenario, date`` (a
    seed with none housed or waiting that day left out)."""
    weekly = daily[daily["day"] % 7 == 0]
    bands = [ci_table(weekly, ["scenario", "date"], f).assign(figure=f) for f in PUBLISHED_WAITS]
    band = pd.concat(bands, ignore_index=True)
    return band[band["n"] > 0].reset_index(drop=True)


def monthly_occupancy(daily: pd.DataFrame) -> pd.DataFrame:
    """Allocation occupancy rate (Art. 29) in per cent: occupied units over units on line, the mean of
    each seed's calendar month (dated on its 15th), then mean and interval across seeds per
    ``scenario, month``. ``daily``: ``scenario, seed, date, units_occupied, units_total``."""
    d = daily[["scenario", "seed", "units_occupied", "units_total"]].copy()
    d["month"] = daily["date"].dt.to_period("M").dt.to_timestamp() + pd.Timedelta(days=14)
    d["occ"] = 100.0 * d["units_occupied"] / d["units_total"].where(d["units_total"] > 0)
    monthly = d.groupby(["scenario", "seed", "month"], sort=False)["occ"].mean().reset_index()
    return ci_table(monthly, ["scenario", "month"], "occ")


def wait_distribution(waits: pd.DataFrame, bin_days: int) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """The distribution of the waits of :func:`cohort_waits` in bins of ``bin_days`` from 0.

    Returns:
        The bin edges; the share of each seed's waits per bin in per cent, mean and interval across
        seeds per ``scenario, bin``; the median wait, mean and interval across seeds, indexed by scenario.
    """
    top = float(waits["wait"].max())
    edges = np.arange(0, math.ceil(max(top, 1) / bin_days) * bin_days + bin_days, bin_days, dtype=float)
    rows = []
    for (name, seed), part in waits.groupby(["scenario", "seed"], sort=False):
        counts, _ = np.histogram(part["wait"].to_numpy(), edges)
        share = 100.0 * counts / max(len(part), 1)
        rows += [(name, seed, i, s) for i, s in enumerate(share)]
    per = pd.DataFrame(rows, columns=["scenario", "seed", "bin", "share"])
    band = ci_table(per, ["scenario", "bin"], "share")
    medians = waits.groupby(["scenario", "seed"], sort=False)["wait"].median().reset_index()
    return edges, band, ci_table(medians, ["scenario"], "wait").set_index("scenario")


GROUP_TABLE_COLUMNS = (
    "scenario",
    "group",
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "housed_min",
    "suppressed",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
)


def group_wait_table(
    replications: pd.DataFrame, min_cell: int, reference: str | None = None, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """Mean wait by group of applicants (``sim.records.GROUPS``), per scenario.

    A group of a scenario is ``suppressed`` when it housed fewer than ``min_cell`` households in any
    replication (Art. 27); its mean and interval are then blanked (NaN). The paired difference from the
    reference is blanked when either side is suppressed.

    Returns ``scenario, group, mean, ci_low, ci_high, n, housed_min, suppressed, diff_mean,
    diff_ci_low, diff_ci_high``.
    """
    reps = with_scenario(replications)
    names = scenario_names(reps)
    reference = reference or names[0]
    rows = []
    for g in GROUPS:
        wait_col, housed_col = f"wait_mean_{g}", f"housed_{g}"
        if wait_col not in reps:
            continue
        level = ci_table(reps, ["scenario"], wait_col, confidence).set_index("scenario")
        housed = reps.groupby("scenario", sort=False)[housed_col].min() if housed_col in reps else None
        diffs = paired_diff_table(reps, wait_col, reference, confidence).set_index("scenario")
        small = {}
        for name in names:
            hmin = float(housed[name]) if housed is not None else math.nan
            small[name] = not (hmin >= min_cell)  # NaN (unknown) counts as small
        for name in names:
            rec = level.loc[name]
            suppressed = small[name]
            d = diffs.loc[name] if name in diffs.index else None
            diff_ok = d is not None and not suppressed and not small[reference]
            rows.append(
                {
                    "scenario": name,
                    "group": g,
                    "mean": math.nan if suppressed else rec["mean"],
                    "ci_low": math.nan if suppressed else rec["ci_low"],
                    "ci_high": math.nan if suppressed else rec["ci_high"],
                    "n": int(rec["n"]),
                    "housed_min": float(housed[name]) if housed is not None else math.nan,
                    "suppressed": suppressed,
                    "diff_mean": d["mean"] if diff_ok else math.nan,
                    "diff_ci_low": d["ci_low"] if diff_ok else math.nan,
                    "diff_ci_high": d["ci_high"] if diff_ok else math.nan,
                }
            )
    return pd.DataFrame(rows, columns=GROUP_TABLE_COLUMNS)


def sweep_means(replications: pd.DataFrame, keys: Sequence[str], figure: str) -> pd.DataFrame:
    """Of a sweep's replications: per seed and cell of ``keys``, the figure averaged over any other
    swept key."""
    return replications.groupby([*keys, "seed"], sort=False, dropna=False)[figure].mean().reset_index()


def sweep_line_table(
    replications: pd.DataFrame, keys: Sequence[str], figure: str, scale: float = 1.0
) -> pd.DataFrame:
    """Mean and interval across seeds of ``figure`` times ``scale`` (100 for a share in per cent) per
    cell of ``keys`` (other swept keys averaged): the data behind a sweep's line chart."""
    per = sweep_means(replications, keys, figure)
    per[figure] = per[figure] * scale
    return ci_table(per, keys, figure)


def sweep_heatmap_table(
    replications: pd.DataFrame, keys: Sequence[str], figure: str = "wait_apply_to_movein_mean"
) -> pd.DataFrame:
    """Mean and interval across seeds of ``figure`` per cell of two swept keys: the data behind a
    sweep's heat map."""
    return ci_table(sweep_means(replications, list(keys), figure), list(keys), figure)
