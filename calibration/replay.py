"""The replay report of recorded applications (the record's schema: docs/calibration-data.md).

    python run.py replay SCENARIO [VARIANT ...] --reps N --out DIR

A scenario with ``arrivals.replay = "applications.csv"`` runs the recorded first applications, with their
recorded dates and attributes, through the rules (``sim.replay``). This report runs it ``--reps`` times
over the recorded period only (the horizon is cut at its end, which is all the comparison needs) and
compares, for each group of recorded first applications (all; by kind; by kind x size x sector), what the
simulation gives with what was recorded:

- ``share_qualified``: qualified before the end of the period;
- ``share_moved_in``: moved in before the end of the period;
- ``wait_mean``, ``wait_median``: days from filing to move-in of those who moved in within the period.

Recorded and simulated figures are taken the same way (whole days, the same period end), so censoring at
the end of the period affects both alike. ``sim_mean`` and its 95 % CI are over replications; ``z`` =
(recorded - sim_mean) / (sd x sqrt(1 + 1/reps)) measures the recorded value against the spread of single
simulated histories of the same cohort: |z| above 2-3 in many groups says the model does not reproduce
what happened. A variant replayed on the same cohort (same seeds: common random numbers) answers "what
would the new rule have done to these very applicants": its rows sit next to the first scenario's,
with the paired difference of the means.

Groups of fewer than ``analysis.min_cell`` recorded households are suppressed (Art. 27), and so are
waits over fewer than ``min_cell`` housed households and a share whose count (qualified, housed) or
complement is below ``min_cell`` (the share times n would give it back). Recorded re-applications are not
replayed; the report says how many rows that leaves out (``report.attrs["not_replayed"]``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.experiments.outputs import write_frame
from analysis.experiments.replications import run_replications
from analysis.reporting.numbers import format_number
from analysis.reporting.tables import render_table
from analysis.reporting.terms import term
from analysis.stats import paired_difference, t_interval
from sim.calendar import years_until
from sim.parameters import data_path
from sim.replay import load_cohort, read_applications

FIGURES = ("share_qualified", "share_moved_in", "wait_mean", "wait_median")
COUNTS = {"share_qualified": "qualified", "share_moved_in": "housed"}  # the count behind each share
FIGURE_TERMS = {
    "share_qualified": "micro.replay_qualified",
    "share_moved_in": "micro.replay_moved_in",
    "wait_mean": "micro.replay_wait_mean",
    "wait_median": "micro.replay_wait_median",
}
NOT_REPLAYED = {
    "en": "{n} recorded re-applications not replayed (re-applications come from the engine's rule)",
    "zh": "{n} 条记录中的再次申请未回放（再次申请由模型规则生成）",
}
REPORT_COLUMNS = (
    "scenario",
    "group",
    "kind",
    "size",
    "sector",
    "n",
    "figure",
    "recorded",
    "sim_mean",
    "sim_ci_low",
    "sim_ci_high",
    "sim_sd",
    "z",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
    "reps",
)


class ReplayError(ValueError):
    """The scenario does not replay, or its record cannot be used."""


def cohort_from_record(apps: pd.DataFrame, start, end_day: float) -> pd.DataFrame:
    """One row per recorded first application: group attributes and outcomes within the period."""
    first = apps[~apps["reapplication"]]
    t0 = pd.Timestamp(start)

    def day(col):
        return (first[col] - t0).dt.days.astype(float)

    applied, qualified, moved = day("applied_date"), day("qualified_date"), day("moved_in_date")
    return pd.DataFrame(
        {
            "kind": first["kind"].to_numpy(),
            "size": first["size"].to_numpy(),
            "sector": first["sector"].to_numpy(),
            "qualified": (qualified < end_day).to_numpy(),
            "moved_in": (moved < end_day).to_numpy(),
            "wait": np.where(moved < end_day, moved - applied, np.nan),
        }
    )


def cohort_from_run(households: pd.DataFrame, end_day: float) -> pd.DataFrame:
    """The replayed households of one run (episode 0, not of the initial state, filed before the end of
    the recorded period: synthetic arrivals start after it), outcomes taken as in the record."""
    h = households[
        (households["episode"] == 0) & ~households["initial"] & (households["applied_day"] < end_day)
    ]
    applied = np.floor(h["applied_day"].to_numpy(float))
    qualified = np.floor(h["qualified_day"].to_numpy(float))
    moved = np.floor(h["moved_in_day"].to_numpy(float))
    with np.errstate(invalid="ignore"):
        housed = moved < end_day
        return pd.DataFrame(
            {
                "kind": h["kind"].to_numpy(),
                "size": h["size"].to_numpy(),
                "sector": h["sector"].to_numpy(),
                "qualified": qualified < end_day,
                "moved_in": housed,
                "wait": np.where(housed, moved - applied, np.nan),
            }
        )


def _groups(df: pd.DataFrame):
    """(group name, kind, size, sector, rows) for all, each kind, and each kind x size x sector."""
    yield "all", "", "", "", df
    for kind, g in df.groupby("kind", sort=True):
        yield kind, kind, "", "", g
    for (kind, size, sector), g in df.groupby(["kind", "size", "sector"], sort=True):
        yield f"{kind} / {size} / {sector}", kind, str(size), sector, g


def group_figures(df: pd.DataFrame) -> dict:
    """{group name: {n, housed, share_qualified, share_moved_in, wait_mean, wait_median, attrs}}."""
    out = {}
    for name, kind, size, sector, g in _groups(df):
        waits = g["wait"].dropna()
        out[name] = {
            "kind": kind,
            "size": size,
            "sector": sector,
            "n": len(g),
            "qualified": int(g["qualified"].sum()),
            "housed": int(g["moved_in"].sum()),
            "share_qualified": float(g["qualified"].mean()) if len(g) else math.nan,
            "share_moved_in": float(g["moved_in"].mean()) if len(g) else math.nan,
            "wait_mean": float(waits.mean()) if len(waits) else math.nan,
            "wait_median": float(waits.median()) if len(waits) else math.nan,
        }
    return out


def replay_setup(params):
    """(recorded cohort frame, end_day, ``sim.replay.Cohort``) of a replaying scenario."""
    value = params.value("arrivals.replay")
    if not value:
        raise ReplayError(
            f"{params.source}: arrivals.replay: is empty; the replay report needs a scenario that replays "
            'recorded applications (arrivals.replay = "applications.csv")'
        )
    cohort = load_cohort(params, value)  # ScenarioError on a bad file
    apps = read_applications(data_path(params, "arrivals.replay"), value)
    return cohort_from_record(apps, params.start_date, cohort.end_day), cohort.end_day, cohort


def check_replay(params_list):
    """The recorded cohort the scenarios replay, read and checked before anything runs: (recorded cohort
    frame, end_day, ``sim.replay.Cohort``) of the first; every scenario must replay the same record."""
    recorded, end_day, cohort = replay_setup(params_list[0])
    for p in params_list[1:]:
        if replay_setup(p)[1] != end_day:
            raise ReplayError(
                f"{p.source}: arrivals.replay: replays another record than {params_list[0].name}"
            )
    return recorded, end_day, cohort


def run_replay(params_list, reps: int, seed: int, progress: bool = True, setup=None):
    """Replications of each scenario over the recorded period; returns the report frame. ``setup``:
    what :func:`check_replay` returned for these scenarios, when the caller checked them first."""
    recorded, end_day, cohort = check_replay(params_list) if setup is None else setup
    horizon = years_until(params_list[0].start_date, math.ceil(end_day))  # a run of exactly those days
    rec = group_figures(recorded)
    min_cell = int(params_list[0].value("analysis.min_cell"))
    per_scenario = []
    for params in params_list:
        cut = params.with_overrides({"calendar.horizon_years": horizon}, source="the recorded period")
        runs = run_replications(cut, reps, seed, progress=progress)
        per_scenario.append([group_figures(cohort_from_run(r.households, end_day)) for r in runs])
    rows = []
    for params, sims in zip(params_list, per_scenario, strict=True):
        for name, r in rec.items():
            if r["n"] < min_cell:
                continue
            for fig in FIGURES:
                if fig.startswith("wait") and r["housed"] < min_cell:
                    continue
                if fig.startswith("share") and min(r[COUNTS[fig]], r["n"] - r[COUNTS[fig]]) < min_cell:
                    continue  # the share times n would give a count below min_cell back (Art. 27)
                values = [s.get(name, {}).get(fig, math.nan) for s in sims]
                mean, lo, hi, sd, n = t_interval(values)
                z = (r[fig] - mean) / (sd * math.sqrt(1 + 1 / n)) if n >= 2 and sd > 0 else math.nan
                diff = (math.nan,) * 3
                if params is not params_list[0]:
                    first = [s.get(name, {}).get(fig, math.nan) for s in per_scenario[0]]
                    diff = paired_difference(first, values)[:3]
                rows.append(
                    {
                        "scenario": params.name,
                        "group": name,
                        "kind": r["kind"],
                        "size": r["size"],
                        "sector": r["sector"],
                        "n": r["n"],
                        "figure": fig,
                        "recorded": r[fig],
                        "sim_mean": mean,
                        "sim_ci_low": lo,
                        "sim_ci_high": hi,
                        "sim_sd": sd,
                        "z": z,
                        "diff_mean": diff[0],
                        "diff_ci_low": diff[1],
                        "diff_ci_high": diff[2],
                        "reps": n,
                    }
                )
    suppressed = sum(1 for r in rec.values() if r["n"] < min_cell)
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    report.attrs["not_replayed"] = cohort.reapplications
    return report, suppressed, end_day


def _f(x: float, fig: str, sign: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    share = fig.startswith("share")
    return format_number(x, sign=sign, digits=3 if share else 0, thousands=not share, zero="keep", na=None)


def format_report(report: pd.DataFrame, lang: str = "en", groups=None) -> str:
    """The report as a table (by default the groups 'all' and each kind)."""
    groups = groups or ["all", "single", "family", "employer"]
    show = report[report["group"].isin(groups)].copy()
    scenarios = list(dict.fromkeys(report["scenario"]))
    show["_g"] = show["group"].map(groups.index)
    show["_f"] = show["figure"].map(FIGURES.index)
    show["_s"] = show["scenario"].map(scenarios.index)
    show = show.sort_values(["_g", "_f", "_s"])  # a variant's row under the first scenario's
    header = [
        term("micro.group", lang),
        term("micro.scenario", lang),
        term("micro.figure", lang),
        term("micro.n", lang),
        term("micro.recorded", lang),
        term("micro.simulated", lang),
        term("micro.ci", lang),
        term("micro.z", lang),
    ]
    with_diff = report["diff_mean"].notna().any()
    if with_diff:
        header.append(term("micro.diff", lang))
    rows = []
    for r in show.itertuples(index=False):
        rows.append(
            [
                term("micro.all", lang) if r.group == "all" else r.group,
                r.scenario,
                term(FIGURE_TERMS[r.figure], lang),
                f"{r.n:,}",
                _f(r.recorded, r.figure),
                _f(r.sim_mean, r.figure),
                f"[{_f(r.sim_ci_low, r.figure)}, {_f(r.sim_ci_high, r.figure)}]",
                "" if math.isnan(r.z) else f"{r.z:+.2f}",
            ]
        )
        if with_diff:
            rows[-1].append(
                ""
                if math.isnan(r.diff_mean)
                else f"{_f(r.diff_mean, r.figure, True)} [{_f(r.diff_ci_low, r.figure, True)}, "
                f"{_f(r.diff_ci_high, r.figure, True)}]"
            )
    table = render_table(header, rows, left=3)
    skipped = report.attrs.get("not_replayed", 0)
    if skipped:  # said in every output, so that nobody takes the record for replayed whole
        table += "\n" + NOT_REPLAYED[lang].format(n=f"{skipped:,}")
    return table


def write_report(report: pd.DataFrame, out_dir) -> list:
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_frame(report, out / "replay.csv")]
