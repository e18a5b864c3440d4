"""Every chart of an output folder: read the folder (``analysis.experiments.outputs``), draw its charts,
save them as PNG (300 dpi) and SVG into ``<folder>/charts``.

    paths = draw_run("out/baseline", lang="zh")
    paths = draw_compare("out/compare/baseline-vs-cap8", lang="en")
    paths = draw_sweep("out/sweeps/cap", lang="en")
    paths = draw_any(folder, lang)                     # recognises the folder's kind

Small cells: a group of applicants that housed fewer than ``analysis.min_cell`` households in any
replication is not drawn but marked as suppressed (Art. 27).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.records import PUBLISHED_WAITS

from ...experiments.decompose import base_level
from ...experiments.outputs import (
    folder_kind,
    in_scenario_order,
    manifest_names,
    read_compare,
    read_households,
    read_robustness,
    read_run,
    read_sweep,
    scenario_infos,
    sweep_keys,
)
from ...stats import cohort_waits, yearly_exits
from ..titles import scenario_titles
from . import decompose, robustness
from .compare import (
    allocation_outcomes_chart,
    exit_reasons_chart,
    group_wait_chart,
    lapse_rate_chart,
    mean_wait_chart,
)
from .run import (
    exits_by_reason_chart,
    exits_per_year_chart,
    occupancy_chart,
    published_waits_chart,
    supply_marks,
    wait_histogram_chart,
    wait_stats_chart,
    waiting_list_chart,
)
from .style import FIGSIZE, WAIT, save, scenario_colours
from .sweep import sweep_heatmap_chart, sweep_line_chart

#: Figures a sweep folder is drawn for (those the sweep's table holds).
SWEEP_FIGURES = (
    "wait_apply_to_movein_mean",
    "wait_apply_to_movein_p90",
    "waiting_mean",
    "occupancy_rate",
    "lapse_rate",
)
HOUSEHOLD_COLUMNS = ("seed", "initial", "applied_day", "moved_in_day", "exit_day", "exit_reason")


def run_figures(run_dir, lang: str = "en", params=None, figsize=FIGSIZE) -> dict[str, Figure]:
    """Every chart of a run folder, by file name (see :func:`draw_run`)."""
    run = read_run(run_dir, params)
    info, summary, daily = run.info, run.summary, run.daily
    shown = scenario_titles({run.name: info}, [run.name], lang)
    summary, daily = _titled(summary, shown), _titled(daily, shown)
    colours = _title_colours([run.name], shown)
    figs = {
        "waiting_list": waiting_list_chart(
            daily,
            lang,
            colours,
            **supply_marks(info),
            figsize=figsize,
        ),
        "occupancy": occupancy_chart(
            daily, lang, colours, warmup_days=info.warmup_days, start_date=info.start_date, figsize=figsize
        ),
    }
    if set(PUBLISHED_WAITS) <= set(daily.columns):  # (a folder written before they were daily columns)
        figs["published_waits"] = published_waits_chart(
            daily, lang, colours, warmup_days=info.warmup_days, start_date=info.start_date, figsize=figsize
        )
    hh = read_households(run, HOUSEHOLD_COLUMNS)
    if hh is not None:
        hh = _titled(hh, shown)
        n_days = int(daily["day"].max()) + 1
        waits = cohort_waits(hh, info.warmup_days, n_days - info.cohort_margin_days)
        figs["wait_distribution"] = wait_histogram_chart(waits, lang, colours, figsize=figsize)
        figs["exits_by_reason"] = exits_by_reason_chart(
            yearly_exits(hh, n_days, info.start_date), lang, start_date=info.start_date, figsize=figsize
        )
    else:
        figs["exits_per_year"] = exits_per_year_chart(
            daily, lang, colours, start_date=info.start_date, figsize=figsize
        )
    figs["wait_stats"] = wait_stats_chart(summary, lang, colours, figsize=figsize)
    figs["mean_wait"] = mean_wait_chart(summary, lang, colours, figsize=figsize)
    figs["wait_by_group"] = group_wait_chart(summary, lang, colours, min_cell=info.min_cell, figsize=figsize)
    figs["lapse_rate"] = lapse_rate_chart(summary, lang, colours, figsize=figsize)
    return figs


def draw_run(run_dir, lang: str = "en", out_dir=None, params=None) -> list[Path]:
    """Draw every chart of a run folder (``python run.py run``) as PNG (300 dpi) and SVG.

    Charts: waiting list with supply and target, occupancy rate, the two published waits (of those
    housed in the past 12 months, and waited so far by those on the list), distribution of the wait (from
    households), mean/median/p90 of the wait, mean wait with CI, exits by reason per year, wait by group
    (small cells suppressed), lapse rate.

    Args:
        run_dir: the run's output folder.
        lang: "en" or "zh".
        out_dir: where to write (default ``run_dir/charts``).
        params: the run's ``sim.Params``, if at hand (supply target, ``min_cell``, warm-up); otherwise
            taken from the folder's ``scenarios.json``, else the defaults of a scenario known by name alone
            (``analysis.experiments.outputs.scenario_infos``).

    Returns:
        The files written.
    """
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir else run_dir / "charts"
    return _save_all(run_figures(run_dir, lang, params), out, lang)


def _titled(df, shown: Mapping[str, str]):
    """``df`` with its scenarios shown by their titles (``analysis.reporting.titles``), order kept."""
    if "scenario" not in df.columns:
        return df
    out = df.copy()
    out["scenario"] = out["scenario"].astype(str).map(lambda n: shown.get(n, n))
    return out


def _title_colours(names, shown: Mapping[str, str]) -> dict[str, str]:
    """Each scenario's colour (:func:`scenario_colours`, by name), keyed by its title."""
    return {shown.get(n, n): c for n, c in scenario_colours(names).items()}


def _save_all(figs: Mapping[str, Figure], out: Path, lang: str) -> list[Path]:
    paths = []
    for name, fig in figs.items():
        paths += save(fig, out, name, lang)
    return paths


def compare_figures(
    compare_dir, lang: str = "en", params=None, figsize=FIGSIZE, data=None
) -> dict[str, Figure]:
    """Every chart of a compare folder, by file name (see :func:`draw_compare`)."""
    data = data or read_compare(compare_dir, params)
    names = data.names
    shown = scenario_titles(data.infos, names, lang)
    colours = _title_colours(names, shown)
    reps = _titled(in_scenario_order(data.replications, names), shown)
    ref = data.infos[names[0]]
    figs = {
        "mean_wait": mean_wait_chart(reps, lang, colours, figsize=figsize),
        "wait_stats": wait_stats_chart(reps, lang, colours, figsize=figsize),
        "wait_by_group": group_wait_chart(reps, lang, colours, min_cell=ref.min_cell, figsize=figsize),
    }
    if data.daily is not None and len(data.daily):
        daily = _titled(in_scenario_order(data.daily, names), shown)
        figs["waiting_list"] = waiting_list_chart(
            daily,
            lang,
            colours,
            **supply_marks(ref),
            figsize=figsize,
        )
        figs["occupancy"] = occupancy_chart(
            daily, lang, colours, warmup_days=ref.warmup_days, start_date=ref.start_date, figsize=figsize
        )
        if set(PUBLISHED_WAITS) <= set(daily.columns):
            figs["published_waits"] = published_waits_chart(
                daily, lang, colours, warmup_days=ref.warmup_days, start_date=ref.start_date, figsize=figsize
            )
    figs["lapse_rate"] = lapse_rate_chart(reps, lang, colours, figsize=figsize)
    if data.daily is not None and len(data.daily):
        figs["exits_per_year"] = exits_per_year_chart(
            daily, lang, colours, start_date=ref.start_date, figsize=figsize
        )
    figs["exit_reasons"] = exit_reasons_chart(reps, lang, colours, figsize=figsize)
    figs["allocation_outcomes"] = allocation_outcomes_chart(reps, lang, colours, figsize=figsize)
    return figs


def draw_compare(compare_dir, lang: str = "en", out_dir=None, params=None) -> list[Path]:
    """Draw every chart of a compare folder as PNG (300 dpi) and SVG into ``out_dir`` (default
    ``compare_dir/charts``): mean wait with CI and paired differences, mean/median/p90 of the wait per
    seed, wait by group (who gains, who loses), waiting list with supply, occupancy rate, the two published
    waits, lapse rate,
    exits per year, exits by reason and the outcomes that tell allocation mechanisms apart. The first
    scenario is the reference. ``params``: the scenarios'
    ``sim.Params`` in order, if at hand."""
    compare_dir = Path(compare_dir)
    out = Path(out_dir) if out_dir else compare_dir / "charts"
    return _save_all(compare_figures(compare_dir, lang, params), out, lang)


def sweep_figures(sweep_dir, lang: str = "en", figsize=FIGSIZE) -> dict[str, Figure]:
    """Every chart of a sweep folder, by file name (see :func:`draw_sweep`)."""
    reps = read_sweep(sweep_dir)
    keys = sweep_keys(reps)
    figures = [f for f in SWEEP_FIGURES if f in reps]
    figs = {}
    if len(keys) >= 2:
        pair = keys[:2]
        for f in figures:
            figs[f"sweep_heatmap_{f}"] = sweep_heatmap_chart(
                reps, pair, f, lang, all_keys=keys, figsize=figsize
            )
        figs[f"sweep_{WAIT}_by_{pair[1]}"] = sweep_line_chart(
            reps, pair[0], WAIT, lang, by=pair[1], keys=keys, figsize=figsize
        )
    for key in keys:
        for f in figures if len(keys) == 1 else [WAIT]:
            figs[f"sweep_{f}_vs_{key}"] = sweep_line_chart(reps, key, f, lang, keys=keys, figsize=figsize)
    return figs


def draw_sweep(sweep_dir, lang: str = "en", out_dir=None) -> list[Path]:
    """Draw the charts of a sweep folder as PNG (300 dpi) and SVG into ``out_dir`` (default
    ``sweep_dir/charts``). One swept key: the mean wait, p90 wait, waiting list, occupancy and lapse
    rate against it, with 95 % bands. Two or more: heat maps of those figures over the first two keys,
    the mean wait against the first key with a line per value of the second, and the mean wait against
    each key (others averaged)."""
    sweep_dir = Path(sweep_dir)
    out = Path(out_dir) if out_dir else sweep_dir / "charts"
    return _save_all(sweep_figures(sweep_dir, lang), out, lang)


def decomposition_figures(dec_dir, lang: str = "en", figsize=FIGSIZE) -> dict[str, Figure]:
    """The charts of a decompose folder (``decomposition.csv``, ``replications.parquet``): for each main
    figure the waterfall of Shapley shares and that of the cumulative steps, from the base's level (the
    mean of its replications) to the reform's, then each change's share of each group's wait."""
    d = Path(dec_dir)
    table = pd.read_csv(d / "decomposition.csv")
    level = base_level(pd.read_parquet(d / "replications.parquet"))
    names = manifest_names(d)
    infos = scenario_infos(d, names)
    shown = scenario_titles(infos, names, lang)
    scenarios = (shown[names[0]], shown[names[1]])
    figs = {}
    for figure in [f for f in decompose.MAIN_FIGURES if f in set(table["figure"])]:
        for kind, name in (("shapley", "waterfall"), ("steps", "steps")):
            figs[f"decompose_{name}_{figure}"] = decompose.waterfall_chart(
                table, figure, level, lang, kind=kind, scenarios=scenarios, figsize=figsize
            )
    figs["decompose_groups"] = decompose.group_share_chart(
        table, level, lang, min_cell=infos[names[0]].min_cell, reform=scenarios[1], figsize=figsize
    )
    return figs


def draw_decomposition(dec_dir, lang: str = "en", out_dir=None) -> list[Path]:
    """Draw the charts of a decompose folder (:func:`decomposition_figures`) as PNG (300 dpi) and SVG into
    ``out_dir`` (default ``dec_dir/charts``)."""
    dec_dir = Path(dec_dir)
    out = Path(out_dir) if out_dir else dec_dir / "charts"
    return _save_all(decomposition_figures(dec_dir, lang), out, lang)


def robustness_figures(directory, lang: str = "en", figsize=FIGSIZE) -> dict[str, Figure]:
    """The charts of a robustness folder (``run.py robustness``), for each figure it studied: the inputs
    ranked by influence on the difference (Morris; Sobol too when that stage ran), with the noise floor,
    and the difference at each design point against the two most influential inputs."""
    data = read_robustness(directory)
    shown = scenario_titles(data.infos, data.names, lang)
    scenarios = tuple(shown[n] for n in data.names[:2])
    figs = {}
    for figure in dict.fromkeys(data.holds["figure"].astype(str)):
        figs.update(robustness.influence_charts(data, figure, lang, scenarios, figsize))
        figs[f"robustness_difference_{figure}"] = robustness.difference_chart(
            data.points,
            data.design,
            data.holds,
            data.indices,
            figure,
            lang,
            keys=data.keys,
            scenarios=scenarios,
            figsize=figsize,
        )
    return figs


def draw_robustness(directory, lang: str = "en", out_dir=None) -> list[Path]:
    """Draw the charts of a robustness folder (:func:`robustness_figures`) as PNG (300 dpi) and SVG into
    ``out_dir`` (default ``directory/charts``)."""
    directory = Path(directory)
    out = Path(out_dir) if out_dir else directory / "charts"
    return _save_all(robustness_figures(directory, lang), out, lang)


def draw_any(directory, lang: str = "en", out_dir=None) -> list[Path]:
    """Redraw the charts of any run, compare, sweep, decompose or robustness output folder without
    simulating.

    Raises:
        NotAnOutputFolder: the folder is none of the five (the message names it and what is missing).
    """
    kind = folder_kind(directory)
    draw = {
        "run": draw_run,
        "compare": draw_compare,
        "sweep": draw_sweep,
        "decompose": draw_decomposition,
        "robustness": draw_robustness,
    }[kind]
    return draw(directory, lang, out_dir)
