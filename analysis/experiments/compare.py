"""Compare scenarios on common random numbers: each scenario's mean, and each variant's paired difference.

Replication ``r`` of every scenario uses seed ``seed + r``, so a variant and the first scenario (the
reference) share every random draw the rule change does not touch. The difference of a figure is
taken seed by seed (variant − reference) and its 95 % confidence interval is Student's t on those
per-seed differences: much narrower than comparing two independent means.

    cmp = run_comparison([baseline, cap8], seed=1, reps=20, store=ResultStore())
    print(format_comparison(cmp.table, "en"))
    # or: keep adding replications until every mean wait is known within 5 %
    cmp = run_comparison([baseline, cap8], seed=1, precision=0.05, max_reps=200, store=store)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import sim
from sim import SUMMARY_FIGURES

from ..stats import CONFIDENCE, paired_difference, summary_table, t_interval
from .runner import Failure, ResultStore, Task, run_tasks

COMPARISON_COLUMNS = (
    "figure",
    "scenario",
    "mean",
    "ci_low",
    "ci_high",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
)
PRECISION_FIGURE = "wait_apply_to_movein_mean"  # the compared mean wait of --precision
FIRST_ROUND = 10  # replications of the first round of --precision


def figure_order(summaries) -> list[str]:
    """Every figure of the summaries: ``SUMMARY_FIGURES`` order first, then any others as met."""
    names = list(SUMMARY_FIGURES)
    for summary in summaries:
        names.extend(k for k in summary if k not in names)
    return names


def comparison_table(
    reps: pd.DataFrame, scenarios: list[str], confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """The comparison from the per-replication table (``scenario, seed`` then one column per figure).

    Returns:
        One row per figure and scenario (figures outermost): ``figure, scenario, mean, ci_low,
        ci_high`` of the scenario, and ``diff_mean, diff_ci_low, diff_ci_high`` of its paired
        difference from ``scenarios[0]`` (NaN for ``scenarios[0]`` itself).
    """
    figures = [c for c in reps.columns if c not in ("scenario", "seed")]
    by = {name: reps[reps["scenario"] == name].set_index("seed")[figures] for name in scenarios}
    tables = {
        name: summary_table(df.reset_index(drop=True), confidence).set_index("figure")
        for name, df in by.items()
    }
    ref = by[scenarios[0]]
    rows = []
    for fig in figures:
        for i, name in enumerate(scenarios):
            t = tables[name].loc[fig]
            diff = (math.nan, math.nan, math.nan)
            if i:
                common = ref.index.intersection(by[name].index)
                diff = paired_difference(ref.loc[common, fig], by[name].loc[common, fig], confidence)[:3]
            rows.append((fig, name, t["mean"], t["ci_low"], t["ci_high"], *diff))
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


# ---------------------------------------------------------------- running


@dataclass
class Comparison:
    """A finished (or interrupted) comparison."""

    names: list[str]
    seed: int
    reps: int  # replications asked for each scenario (the last round's end with --precision)
    replications: pd.DataFrame  # scenario, seed, every figure
    daily: pd.DataFrame  # scenario, seed, the daily table
    table: pd.DataFrame  # comparison_table
    total: int = 0  # distinct replications asked for
    reused: int = 0
    computed: int = 0
    ignored: int = 0
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    rounds: int = 1
    precision: float | None = None
    precision_reached: bool | None = None
    half_widths: dict[str, float] = field(default_factory=dict)  # relative, of PRECISION_FIGURE
    backend: str = ""  # where the replications ran ("2 worker processes", "Dask scheduler ...")


def unique_names(params_list: list[sim.Params]) -> list[str]:
    """Scenario names as shown: the scenario's own, with ``#2``, ``#3`` added to repeated ones."""
    names, seen = [], {}
    for p in params_list:
        seen[p.name] = seen.get(p.name, 0) + 1
        names.append(p.name if seen[p.name] == 1 else f"{p.name}#{seen[p.name]}")
    return names


def relative_half_widths(reps: pd.DataFrame, names: list[str], figure: str = PRECISION_FIGURE) -> dict:
    """Half-width of the 95 % CI of ``figure``'s mean over its mean, per scenario (inf when unknown)."""
    out = {}
    for name in names:
        mean, low, high, _, n = t_interval(reps.loc[reps["scenario"] == name, figure])
        ok = n >= 2 and math.isfinite(high) and mean != 0
        out[name] = (high - mean) / abs(mean) if ok else math.inf
    return out


def next_round(n: int, half_widths: dict[str, float], precision: float, max_reps: int) -> int:
    """Replications to have after the next round: the CI shrinks as 1/sqrt(n), so ask for
    ``n * (worst / precision)^2`` (at least 2 more, at most ``max_reps``)."""
    worst = max(half_widths.values())
    wanted = n * (worst / precision) ** 2 if math.isfinite(worst) else 2 * n
    return min(max_reps, max(n + 2, math.ceil(wanted)))


def run_comparison(
    params_list: list[sim.Params],
    seed: int,
    reps: int | None = None,
    precision: float | None = None,
    max_reps: int = 200,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    recompute: bool = False,
) -> Comparison:
    """Run every scenario on seeds ``seed, seed + 1, ...`` and compare them with the first.

    With ``precision`` (e.g. 0.05), replications are added in rounds, to all scenarios on the same
    seeds, until the 95 % CI half-width of every scenario's ``wait_apply_to_movein_mean`` is within
    ``precision`` of its mean, or ``max_reps`` is reached. Otherwise exactly ``reps`` replications run.
    """
    names = unique_names(params_list)
    cmp = Comparison(names, seed, 0, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), precision=precision)

    def tasks(first: int, stop: int) -> list[Task]:
        return [
            Task(p, s, label=name)
            for p, name in zip(params_list, names, strict=True)
            for s in range(first, stop)
        ]

    def assemble(results: dict) -> dict[str, float]:
        _assemble(cmp, params_list, results)
        return relative_half_widths(cmp.replications, names)

    return in_rounds(
        cmp, "compare", tasks, assemble, reps, max_reps, store, workers, scheduler, progress, recompute
    )


def in_rounds(
    run, desc: str, tasks, assemble, reps, max_reps, store, workers, scheduler, progress, recompute
):
    """Run an experiment's replications on seeds ``run.seed, run.seed + 1, ...``: ``reps`` of them, or,
    with ``run.precision``, in rounds (:func:`next_round`) until every relative 95 % CI half-width
    ``assemble`` returns is within the precision, or ``max_reps`` is reached. ``tasks(first, stop)``: the
    tasks of seeds ``first`` to ``stop - 1``; ``assemble(results)`` fills ``run`` from every result so far
    and returns the half-widths. ``run`` (a ``Comparison`` or a ``Decomposition``) counts what the rounds
    reused, computed, ignored and lost, and is returned."""
    precision = run.precision
    target = reps if precision is None else min(FIRST_ROUND, max_reps)
    results: dict = {}
    done = 0
    while True:
        label = desc if run.rounds == 1 else f"{desc}, round {run.rounds}"
        batch = run_tasks(
            tasks(run.seed + done, run.seed + target),
            store,
            workers,
            scheduler,
            progress,
            desc=label,
            recompute=recompute,
        )
        results.update(batch.results)
        run.total += batch.total
        run.reused += batch.reused
        run.computed += batch.computed
        run.ignored += batch.ignored
        run.failures += batch.failures
        run.interrupted = batch.interrupted
        if batch.computed:
            run.backend = batch.backend
        run.reps, done = target, target
        half_widths = assemble(results)
        if precision is None or batch.interrupted or batch.failures:
            break
        run.half_widths = half_widths
        if all(h <= precision for h in half_widths.values()):
            run.precision_reached = True
            break
        if done >= max_reps:
            run.precision_reached = False
            break
        target = next_round(done, half_widths, precision, max_reps)
        run.rounds += 1
    return run


def _assemble(cmp: Comparison, params_list: list[sim.Params], results: dict) -> None:
    rows, daily = [], []
    found = [
        (name, s, results[key])
        for p, name in zip(params_list, cmp.names, strict=True)
        for s in range(cmp.seed, cmp.seed + cmp.reps)
        if (key := Task(p, s).key) in results
    ]
    figures = figure_order(summary for _, _, (summary, _) in found)
    for name, s, (summary, day_table) in found:
        rows.append({"scenario": name, "seed": s, **{f: summary.get(f, np.nan) for f in figures}})
        df = day_table.copy()
        df.insert(0, "seed", np.int64(s))
        df.insert(0, "scenario", name)
        daily.append(df)
    reps = pd.DataFrame(rows, columns=["scenario", "seed", *figures])
    reps["seed"] = reps["seed"].astype("int64")
    cmp.replications = reps
    cmp.daily = pd.concat(daily, ignore_index=True) if daily else pd.DataFrame(columns=["scenario", "seed"])
    cmp.table = comparison_table(reps, cmp.names)
