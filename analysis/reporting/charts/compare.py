"""Charts that compare scenarios on common seeds: a summary figure's mean with its 95 % CI and each
variant's paired difference from the reference (the mean wait, the lapse rate), the wait by group of
applicants (who gains, who loses), the exits by reason and the outcomes that tell allocation mechanisms
apart, side by side.

Every function takes the replications' summaries (one row per scenario and seed), a language and a
scenario → colour mapping, and returns a ``Figure``; the first scenario is the reference unless
``reference`` says otherwise. The intervals come from ``analysis.stats``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.records import GROUPS, MECHANISM_FIGURES

from ...stats import (
    ci_table,
    exit_group_table,
    group_wait_table,
    paired_diff_table,
    scenario_names,
    significant,
    with_scenario,
)
from ..fonts import SMALL_SIZE, use_fonts
from ..terms import TERMS, label, term
from .style import (
    DARK,
    FIGSIZE,
    GREY,
    WAIT,
    chart_number,
    colours_for,
    count_text,
    figure_label,
    is_share,
    legend,
    n_text,
    new_figure,
    no_data,
    percent_axis,
    reserve,
    signed_ticks,
    thousands_axis,
    titles,
    unit_word,
    with_unit,
)


def figure_ci_chart(
    replications: pd.DataFrame,
    figure: str = WAIT,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    reference: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Mean-and-error plot of one summary figure: each scenario's mean with its 95 % CI and, when there
    are variants, each variant's paired difference from the reference with its 95 % CI (* when the
    interval excludes zero). Shares are shown in per cent, their differences in percentage points."""
    use_fonts(lang)
    reps = with_scenario(replications)
    if title is None:
        title = term("chart.mean_wait.title", lang) if figure == WAIT else figure_label(figure, lang)
    if figure not in reps or reps[figure].isna().all():
        return no_data(title, lang, figsize)
    names = scenario_names(reps)
    colours = colours_for(names, colours)
    reference = reference or names[0]
    share = is_share(figure)
    scale = 100.0 if share else 1.0
    level = ci_table(reps, ["scenario"], figure).set_index("scenario")
    diffs = paired_diff_table(reps, figure, reference).set_index("scenario")
    two = len(names) > 1
    fig, axes = new_figure(figsize, ncols=2 if two else 1, sharey=True)
    ax = axes[0]
    y = np.arange(len(names))
    right = 0.0
    for i, name in enumerate(names):
        rec = level.loc[name] * [scale, scale, scale, 1]
        c = colours[name]
        ok = math.isfinite(rec["ci_low"])
        xerr = [[rec["mean"] - rec["ci_low"]], [rec["ci_high"] - rec["mean"]]] if ok else None
        ax.errorbar(rec["mean"], i, xerr=xerr, fmt="o", color=c, ms=10, capsize=6, elinewidth=2.2)
        hi = rec["ci_high"] if ok else rec["mean"]
        right = max(right, hi if math.isfinite(hi) else 0)
        ci = f"[{chart_number(rec['ci_low'], share)}, {chart_number(rec['ci_high'], share)}]" if ok else ""
        ax.annotate(
            f"{chart_number(rec['mean'], share)}{'%' if share else ''}  {ci}",
            (hi, i),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=SMALL_SIZE,
            color=c,
        )
    ax.set_xlim(0, right * 1.45 if right > 0 else 1)
    ax.set_yticks(y, names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(figure_label(figure, lang))
    if share:
        percent_axis(ax, "x")
    else:
        thousands_axis(ax, "x")
    if two:
        ax.set_title(term("chart.level_panel", lang), loc="left", fontsize=SMALL_SIZE, color=DARK)
        _diff_panel(axes[1], names, diffs, reference, colours, lang, scale, share)
        unit = "pp" if share else (TERMS[figure].unit if figure in TERMS else None)
        axes[1].set_xlabel(
            with_unit(term("table.difference", lang).format(base=reference), unit_word(unit, lang), lang)
        )
    n = n_text(level["n"])
    titles(fig, title, term("chart.dots", lang).format(n=n) + _significance_note(two, lang))
    return fig


def _significance_note(two: bool, lang: str) -> str:
    return ("；" if lang == "zh" else "; ") + term("table.significant", lang) if two else ""


def _diff_panel(ax, names, diffs, reference, colours, lang, scale, share) -> None:
    ax.axvline(0, color=DARK, lw=1)
    ax.set_title(
        term("chart.diff_panel", lang).format(base=reference), loc="left", fontsize=SMALL_SIZE, color=DARK
    )
    extent = 0.0
    for i, name in enumerate(names):
        if name == reference or name not in diffs.index:
            ax.text(
                0,
                i,
                " " + term("chart.reference", lang),
                va="center",
                ha="left",
                color=GREY,
                fontsize=SMALL_SIZE,
            )
            continue
        d = diffs.loc[name] * [scale, scale, scale, 1]
        ok = math.isfinite(d["ci_low"])
        xerr = [[d["mean"] - d["ci_low"]], [d["ci_high"] - d["mean"]]] if ok else None
        c = colours[name]
        ax.errorbar(d["mean"], i, xerr=xerr, fmt="D", color=c, ms=8, capsize=6, elinewidth=2.2)
        lo, hi = (d["ci_low"], d["ci_high"]) if ok else (d["mean"], d["mean"])
        extent = max(extent, abs(lo), abs(hi))
        star = " *" if ok and significant(d["ci_low"], d["ci_high"]) else ""
        ci = (
            f"  [{chart_number(d['ci_low'], share, True)}, {chart_number(d['ci_high'], share, True)}]"
            if ok
            else ""
        )
        ax.annotate(
            f"{chart_number(d['mean'], share, True)}{ci}{star}",
            (max(hi, 0), i),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=SMALL_SIZE,
            color=c,
        )
    extent = extent or 1.0
    ax.set_xlim(-extent * 1.25, extent * 2.6)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    signed_ticks(ax, digits=1 if share else 0)


def mean_wait_chart(replications, lang="en", colours=None, *, reference=None, figsize=FIGSIZE) -> Figure:
    """Mean wait from application to move-in per scenario with 95 % CI, and paired differences."""
    return figure_ci_chart(replications, WAIT, lang, colours, reference=reference, figsize=figsize)


def lapse_rate_chart(replications, lang="en", colours=None, *, reference=None, figsize=FIGSIZE) -> Figure:
    """Share of qualifications that lapsed (Art. 19) per scenario with 95 % CI, and paired differences."""
    title = term("chart.lapse.title", lang)
    return figure_ci_chart(
        replications, "lapse_rate", lang, colours, title=title, reference=reference, figsize=figsize
    )


#: The most scenarios whose numbers the wait-by-group chart writes beside their dots.
LABELLED_SCENARIOS = 3


def group_wait_chart(
    replications: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    min_cell: int = 10,
    reference: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Mean wait by group of applicants (single, family, employer staff; priority sectors or not) per
    scenario with 95 % CI and, with variants, the paired difference from the reference: who gains
    (shorter wait) and who loses, each number written beside its dot for up to ``LABELLED_SCENARIOS``
    scenarios. Groups below ``min_cell`` are suppressed (``analysis.stats.group_wait_table``)."""
    use_fonts(lang)
    reps = with_scenario(replications)
    names = scenario_names(reps)
    colours = colours_for(names, colours)
    reference = reference or names[0]
    table = group_wait_table(reps, min_cell, reference)
    if table.empty:  # an output folder written before the group figures existed
        return no_data(term("chart.groups.title", lang), lang, figsize)
    groups = [g for g in GROUPS if g in set(table["group"])]
    # kinds of applicant (Art. 4), a gap, then sectors (Art. 3)
    ypos = {g: i + (0.6 if g in ("priority", "other_sector") else 0) for i, g in enumerate(groups)}
    k = len(names)
    step = 0.62 / max(k, 1)
    two = k > 1
    labelled = k <= LABELLED_SCENARIOS  # with more, the numbers would overlap: the axes carry them
    fig, axes = new_figure(figsize, ncols=2 if two else 1, sharey=True)
    ax = axes[0]
    suppressed_text = term("chart.suppressed", lang).format(n=min_cell)
    right = 0.0
    for rec in table.itertuples(index=False):
        if math.isfinite(rec.ci_high):
            right = max(right, rec.ci_high)
        elif math.isfinite(rec.mean):
            right = max(right, rec.mean)
    right = right or 1.0
    for rec in table.itertuples(index=False):
        j = names.index(rec.scenario)
        y = ypos[rec.group] + (j - (k - 1) / 2) * step
        c = colours[rec.scenario]
        if rec.suppressed:
            ax.text(
                right * 0.02,
                y,
                suppressed_text,
                va="center",
                ha="left",
                fontsize=SMALL_SIZE - 0.5,
                color=GREY,
                style="italic",
            )
            continue
        ok = math.isfinite(rec.ci_low)
        xerr = [[rec.mean - rec.ci_low], [rec.ci_high - rec.mean]] if ok else None
        ax.errorbar(rec.mean, y, xerr=xerr, fmt="o", color=c, ms=8, capsize=4, elinewidth=2)
        if not labelled:
            continue
        ax.annotate(
            count_text(rec.mean),
            (rec.ci_high if ok else rec.mean, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=SMALL_SIZE - 0.5,
            color=c,
        )
    ax.set_xlim(0, right * 1.25)
    ax.set_yticks([ypos[g] for g in groups], [term(f"group.{g}", lang) for g in groups])
    ax.set_ylim(max(ypos.values()) + 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(label("chart.wait_days", lang))
    thousands_axis(ax, "x")
    if two:
        ax.set_title(term("chart.level_panel", lang), loc="left", fontsize=SMALL_SIZE, color=DARK)
        ax2 = axes[1]
        ax2.axvline(0, color=DARK, lw=1)
        diff_title = term("chart.diff_panel", lang).format(base=reference)
        ax2.set_title(
            textwrap.fill(diff_title, 24 if lang == "zh" else 50), loc="left", fontsize=SMALL_SIZE, color=DARK
        )
        extent = 0.0
        for rec in table.itertuples(index=False):
            if rec.scenario == reference:
                continue
            j = names.index(rec.scenario)
            y = ypos[rec.group] + (j - (k - 1) / 2) * step
            c = colours[rec.scenario]
            if not math.isfinite(rec.diff_mean):
                ax2.text(
                    0,
                    y,
                    "  " + term("chart.suppressed", lang).format(n=min_cell).split("：")[0].split(":")[0],
                    va="center",
                    fontsize=SMALL_SIZE - 0.5,
                    color=GREY,
                    style="italic",
                )
                continue
            ok = math.isfinite(rec.diff_ci_low)
            xerr = [[rec.diff_mean - rec.diff_ci_low], [rec.diff_ci_high - rec.diff_mean]] if ok else None
            ax2.errorbar(rec.diff_mean, y, xerr=xerr, fmt="D", color=c, ms=7, capsize=4, elinewidth=2)
            lo, hi = (rec.diff_ci_low, rec.diff_ci_high) if ok else (rec.diff_mean, rec.diff_mean)
            extent = max(extent, abs(lo), abs(hi))
            if not labelled:
                continue
            star = " *" if ok and significant(lo, hi) else ""
            ax2.annotate(
                f"{chart_number(rec.diff_mean, sign=True)}{star}",
                (max(hi, 0), y),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=SMALL_SIZE - 0.5,
                color=c,
            )
        extent = extent or 1.0
        ax2.set_xlim(-extent * 1.5, extent * 1.9)
        ax2.grid(axis="y", visible=False)
        ax2.tick_params(axis="y", length=0)
        signed_ticks(ax2)
        ax2.set_xlabel(term("chart.gains", lang) + "    " + term("chart.loses", lang))
    n = n_text(table["n"]) if len(table) else "0"
    sub = term("chart.groups.note", lang).format(n=n, min_cell=min_cell)
    titles(fig, term("chart.groups.title", lang), sub)
    if two:
        legend(fig, [Line2D([], [], color=colours[n_], marker="o", ls="none", ms=8) for n_ in names], names)
    return fig


def exit_reasons_chart(
    replications: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    figsize=FIGSIZE,
) -> Figure:
    """Exits over the whole run by reason group (Art. 17, 20, 23) per scenario, mean and 95 % CI
    across seeds, from the summary figures ``exits_<reason>`` (``analysis.stats.exit_group_table``)."""
    use_fonts(lang)
    reps = with_scenario(replications)
    names = scenario_names(reps)
    colours = colours_for(names, colours)
    table = exit_group_table(reps)
    if table.empty:
        return no_data(term("chart.exit_reasons.title", lang), lang, figsize)
    groups = list(dict.fromkeys(table["group"]))
    k = len(names)
    height = 0.78 / k
    fig, (ax,) = new_figure(figsize)
    for rec in table.itertuples(index=False):
        i, j = groups.index(rec.group), names.index(rec.scenario)
        y = i + (j - (k - 1) / 2) * height
        ok = math.isfinite(rec.ci_low)
        xerr = [[rec.mean - rec.ci_low], [rec.ci_high - rec.mean]] if ok else None
        ax.barh(y, rec.mean, height=height * 0.9, color=colours[rec.scenario], lw=0)
        if xerr:
            ax.errorbar(rec.mean, y, xerr=xerr, fmt="none", ecolor=DARK, elinewidth=1.1, capsize=3)
    ax.set_yticks(range(len(groups)), [term(f"exit_group.{g}", lang) for g in groups])
    ax.set_ylim(len(groups) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(term("chart.exit_reasons.x", lang))
    thousands_axis(ax, "x")
    n = n_text(table["n"])
    titles(fig, term("chart.exit_reasons.title", lang), term("chart.bars", lang).format(n=n))
    legend(fig, [Patch(color=colours[n_]) for n_ in names], names)
    return fig


def allocation_outcomes_chart(
    replications: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    figsize=FIGSIZE,
) -> Figure:
    """The outcomes that tell allocation mechanisms apart (``sim.records.MECHANISM_FIGURES``: the gap
    between group waits, declines and vacant days per unit let, lets to the households of highest need,
    living area a person, housed within the validity), one small panel each: every scenario's mean with
    its 95 % CI across seeds, shares in per cent. The gap between group waits is a summary figure already
    suppressed for small groups (Art. 27, ``sim/records.py``)."""
    use_fonts(lang)
    reps = with_scenario(replications)
    title = term("chart.mechanisms.title", lang)
    figures = [f for f in MECHANISM_FIGURES if f in reps and reps[f].notna().any()]
    if not figures:
        return no_data(title, lang, figsize)
    names = scenario_names(reps)
    colours = colours_for(names, colours)
    fig = Figure(figsize=figsize, layout="constrained")
    ncols = 4
    axes = fig.subplots(math.ceil(len(figures) / ncols), ncols, squeeze=False).ravel()
    reserve(fig)
    width = 11 if lang == "zh" else 22  # characters a line of a panel title
    for ax, figure in zip(axes, figures, strict=False):
        share = is_share(figure)
        scale = 100.0 if share else 1.0
        level = ci_table(reps, ["scenario"], figure).set_index("scenario")
        for i, name in enumerate(names):
            if name not in level.index:
                continue
            rec = level.loc[name]
            mean, low, high = (rec[c] * scale for c in ("mean", "ci_low", "ci_high"))
            xerr = [[mean - low], [high - mean]] if math.isfinite(low) else None
            ax.errorbar(mean, i, xerr=xerr, fmt="o", color=colours[name], ms=6, capsize=3, elinewidth=1.6)
        ax.set_title(textwrap.fill(figure_label(figure, lang), width), fontsize=SMALL_SIZE - 1, loc="left")
        ax.set_yticks(range(len(names)), names if ax.get_subplotspec().is_first_col() else [])
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.margins(x=0.25)
        ax.tick_params(axis="x", labelsize=SMALL_SIZE - 1.5)
    for ax in axes[len(figures) :]:
        ax.set_axis_off()
    n = n_text(reps.groupby("scenario", sort=False)[figures[0]].count())
    titles(fig, title, term("chart.dots", lang).format(n=n))
    legend(fig, [Line2D([], [], color=colours[n_], marker="o", ls="none", ms=7) for n_ in names], names)
    return fig
