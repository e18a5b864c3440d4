"""Charts of a run over time and of its waits: the waiting list with the supply build-out, the
allocation occupancy rate, exits per year (by reason, or in total), the distribution of the wait and its
mean, median and 90th percentile. With a ``scenario`` column, several scenarios share a chart.

Every function takes the run's tables (``daily``, ``households`` through ``analysis.stats``, the
replications' summaries), a language and a scenario → colour mapping, and returns a ``Figure``. The
tables behind the charts come from ``analysis.stats``; uncertainty is the 95 % Student-t interval
across seeds, drawn as a band or a whisker.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.calendar import run_days
from sim.records import PUBLISHED_WAITS

from ...stats import (
    EXIT_GROUPS,
    ci_table,
    exit_group_means,
    monthly_occupancy,
    scenario_names,
    wait_distribution,
    weekly_published_waits,
    weekly_waiting,
    with_scenario,
    yearly_exit_totals,
)
from ..fonts import SMALL_SIZE, use_fonts
from ..terms import label, term
from .style import (
    DARK,
    EXIT_COLOURS,
    FIGSIZE,
    GREY,
    WAIT_STATS,
    colours_for,
    count_text,
    join_clauses,
    legend,
    n_text,
    new_figure,
    no_data,
    percent_axis,
    thousands_axis,
    titles,
    with_unit,
)


def _dates(daily: pd.DataFrame, start_date: str | None) -> pd.Series:
    """The calendar date of each row: its ``date`` column, else ``start_date`` plus its ``day``."""
    if "date" in daily:
        return pd.to_datetime(daily["date"])
    return pd.Timestamp(start_date or "2021-10-22") + pd.to_timedelta(daily["day"], unit="D")


def _date_axis(ax, lang: str) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel(term("chart.year", lang))


def _shade_warmup(ax, start: pd.Timestamp, warmup_days: float | None, lang: str) -> None:
    if not warmup_days:
        return
    end = start + pd.Timedelta(days=float(warmup_days))
    ax.axvspan(start, end, color="#f0f0f0", lw=0, zorder=0)
    ax.text(
        start + (end - start) / 2,
        0.98,
        term("chart.warmup", lang),
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="top",
        fontsize=SMALL_SIZE,
        color=GREY,
    )


def _run_year_axis(ax, start: pd.Timestamp, years, lang: str) -> None:
    """Categorical ticks for years of the run (which start on the start date, not on 1 January)."""
    labels = []
    for y in years:
        a, b = (start + pd.Timedelta(days=run_days(start.date(), k)) for k in (y, y + 1))
        labels.append(f"{a.year}–\n{b.year}")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel(term("chart.run_year", lang).format(date=f"{start:%m-%d}"))


# ---------------------------------------------------------------- over time


def supply_marks(info) -> dict:
    """What :func:`waiting_list_chart` marks from a scenario (a ``ScenarioInfo``): the supply target and its
    date, the warm-up and the start date, as its keyword arguments."""
    return {
        "target_units": info.target_units,
        "target_date": info.target_date,
        "warmup_days": info.warmup_days,
        "start_date": info.start_date,
    }


def waiting_list_chart(
    daily: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    target_units: float | None = 5000,
    target_date: str | None = None,
    warmup_days: float | None = None,
    start_date: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Households on the waiting list (轮候) over time, mean and 95 % band across seeds, per scenario;
    on a second axis the rental units on line (the supply build-out) and the supply target.

    Args:
        daily: ``[scenario,] seed, day, [date,] waiting, units_total``.
    """
    use_fonts(lang)
    daily = with_scenario(daily)
    names = scenario_names(daily)
    colours = colours_for(names, colours)
    band, supply = weekly_waiting(daily.assign(date=_dates(daily, start_date)))

    fig, (ax,) = new_figure(figsize)
    _shade_warmup(ax, band["date"].min(), warmup_days, lang)
    handles, labels = [], []
    for name in names:
        b = band[band["scenario"] == name]
        c = colours[name]
        ax.fill_between(b["date"], b["ci_low"], b["ci_high"], color=c, alpha=0.2, lw=0)
        (line,) = ax.plot(b["date"], b["mean"], color=c, lw=2.2)
        handles.append(line)
        labels.append(name)
    if len(names) == 1:  # say what the one line is
        what = with_unit(term("daily.waiting", lang), term("chart.left_axis", lang), lang)
        labels[-1] = f"{names[0]}：{what}" if lang == "zh" else f"{names[0]}: {what}"
        labels[-1] = labels[-1].lstrip(":： ")
    ax.set_ylim(bottom=0)
    ax.set_ylabel(label("daily.waiting", lang))
    thousands_axis(ax)
    _date_axis(ax, lang)

    ax2 = ax.twinx()
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    paths = [supply[supply["scenario"] == n]["units_total"].to_numpy() for n in names]
    same = all(len(p) == len(paths[0]) and np.allclose(p, paths[0]) for p in paths)
    for name in names[:1] if same else names:
        s = supply[supply["scenario"] == name]
        ax2.plot(s["date"], s["units_total"], color=GREY if same else colours[name], lw=1.6, ls="--")
    handles.append(Line2D([], [], color=GREY, lw=1.6, ls="--"))
    labels.append(with_unit(term("daily.units_total", lang), term("chart.right_axis", lang), lang))
    top = float(supply["units_total"].max())
    if target_units:
        ax2.axhline(target_units, color=DARK, lw=1.0, ls=":")
        target_text = term("chart.target", lang).format(n=count_text(target_units))
        if target_date:
            when = pd.Timestamp(target_date)
            if when >= band["date"].min():  # a date before the run (a forecast's start) is only named
                ax2.plot([when], [target_units], marker="D", ms=7, color=DARK, ls="none", zorder=5)
            target_text += f"，{when:%Y-%m-%d}" if lang == "zh" else f", {when:%Y-%m-%d}"
        handles.append(Line2D([], [], color=DARK, lw=1.0, ls=":", marker="D" if target_date else None))
        labels.append(target_text)
        top = max(top, target_units)
    ax2.set_ylim(0, top * 1.12)
    ax2.set_ylabel(label("daily.units_total", lang))
    thousands_axis(ax2)

    n = n_text(band["n"])
    titles(fig, term("chart.waiting_list.title", lang), term("chart.band", lang).format(n=n))
    legend(fig, handles, labels)
    return fig


def occupancy_chart(
    daily: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    warmup_days: float | None = None,
    start_date: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Allocation occupancy rate (分配入住率, Art. 29): occupied units over units on line, monthly mean
    per seed, then mean and 95 % band across seeds, per scenario (``analysis.stats.monthly_occupancy``)."""
    use_fonts(lang)
    daily = with_scenario(daily)
    names = scenario_names(daily)
    colours = colours_for(names, colours)
    dates = _dates(daily, start_date)
    band = monthly_occupancy(daily.assign(date=dates))

    fig, (ax,) = new_figure(figsize)
    _shade_warmup(ax, dates.min(), warmup_days, lang)
    handles, labels = [], []
    for name in names:
        b = band[band["scenario"] == name]
        c = colours[name]
        ax.fill_between(b["month"], b["ci_low"], b["ci_high"], color=c, alpha=0.2, lw=0)
        (line,) = ax.plot(b["month"], b["mean"], color=c, lw=2.2)
        handles.append(line)
        labels.append(name)
    low = float(np.nanmin(band["ci_low"].fillna(band["mean"])))
    ax.set_ylim(max(0.0, math.floor(low / 5) * 5 - 5), 100.5)
    ax.set_ylabel(with_unit(term("chart.occupancy.axis", lang), "%", lang))
    percent_axis(ax)
    _date_axis(ax, lang)
    n = n_text(band["n"])
    sub = join_clauses(lang, term("chart.occupancy.note", lang), term("chart.band", lang).format(n=n))
    titles(fig, term("chart.occupancy.title", lang), sub)
    if len(names) > 1 or names[0]:
        legend(fig, handles, labels)
    return fig


def published_waits_chart(
    daily: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    warmup_days: float | None = None,
    start_date: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """The two waits a bureau publishes over time, mean and 95 % band across seeds, per scenario
    (``analysis.stats.weekly_published_waits``): solid, the mean wait from application to first offer of
    the households housed in the past 12 months; dashed, the mean time waited so far by the households
    on the waiting list.

    Args:
        daily: ``[scenario,] seed, day, [date,] published_wait_12m, waited_so_far``.
    """
    use_fonts(lang)
    daily = with_scenario(daily)
    names = scenario_names(daily)
    colours = colours_for(names, colours)
    dates = _dates(daily, start_date)
    band = weekly_published_waits(daily.assign(date=dates))

    fig, (ax,) = new_figure(figsize)
    _shade_warmup(ax, dates.min(), warmup_days, lang)
    for name in names:
        for figure, style in zip(PUBLISHED_WAITS, ("-", "--"), strict=True):
            b = band[(band["scenario"] == name) & (band["figure"] == figure)]
            c = colours[name]
            ax.fill_between(b["date"], b["ci_low"], b["ci_high"], color=c, alpha=0.15, lw=0)
            ax.plot(b["date"], b["mean"], color=c, lw=2.0, ls=style)
    handles = [Line2D([], [], color=DARK, lw=2.0, ls=style) for style in ("-", "--")]
    labels = [term(f"chart.published_waits.{k}", lang) for k in ("housed", "waiting")]
    if len(names) > 1 or names[0]:
        handles += [Patch(color=colours[n]) for n in names]
        labels += list(names)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(label("chart.wait_days", lang))
    thousands_axis(ax)
    _date_axis(ax, lang)
    n = n_text(band["n"])
    sub = join_clauses(lang, term("chart.published_waits.note", lang), term("chart.band", lang).format(n=n))
    titles(fig, term("chart.published_waits.title", lang), sub)
    legend(fig, handles, labels, ncol=2)
    return fig


def exits_by_reason_chart(
    exits: pd.DataFrame,
    lang: str = "en",
    *,
    start_date: str = "2021-10-22",
    scenario: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Exits per year of the run by reason (grouped, Art. 17, 20, 23), stacked, mean across seeds;
    whiskers: 95 % CI of each year's total. One scenario (``scenario``, default the first).

    Args:
        exits: ``analysis.stats.yearly_exits`` (``scenario, seed, year, group, count``).
    """
    use_fonts(lang)
    exits = with_scenario(exits)
    name = scenario if scenario is not None else scenario_names(exits)[0]
    mean, totals = exit_group_means(exits, name)
    start = pd.Timestamp(start_date)
    x = np.arange(len(mean))

    fig, (ax,) = new_figure(figsize)
    bottom = np.zeros(len(mean))
    handles, labels = [], []
    for group, colour in zip(EXIT_GROUPS, EXIT_COLOURS, strict=True):
        values = mean[group].to_numpy()
        ax.bar(x, values, width=0.8, bottom=bottom, color=colour, lw=0)
        bottom = bottom + values
        handles.append(Patch(color=colour))
        labels.append(term(f"exit_group.{group}", lang))
    err = np.vstack(
        [
            (totals["mean"] - totals["ci_low"]).fillna(0).to_numpy(),
            (totals["ci_high"] - totals["mean"]).fillna(0).to_numpy(),
        ]
    )
    ax.errorbar(x, totals["mean"], yerr=err, fmt="none", ecolor=DARK, elinewidth=1.2, capsize=4)
    ax.set_ylim(0, float(np.nanmax(totals["ci_high"].fillna(totals["mean"]))) * 1.08)
    ax.set_ylabel(term("chart.exits.y", lang))
    thousands_axis(ax)
    _run_year_axis(ax, start, mean.index, lang)
    ax.grid(axis="x", visible=False)
    n = n_text(totals["n"])
    title = term("chart.exits.title", lang)
    if name:
        title += f"：{name}" if lang == "zh" else f": {name}"
    titles(fig, title, term("chart.exits.note", lang).format(n=n, start=f"{start:%Y-%m-%d}"))
    # legend top-down in the order of the stack, beside it
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", handlelength=1.2)
    return fig


def exits_per_year_chart(
    daily: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    start_date: str | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Total exits per year of the run per scenario (from the daily table), mean and 95 % CI across
    seeds. For compare folders, which keep no households table."""
    use_fonts(lang)
    daily = with_scenario(daily)
    names = scenario_names(daily)
    colours = colours_for(names, colours)
    start = _dates(daily.iloc[:1], start_date).iloc[0]
    band, years = yearly_exit_totals(daily, start)

    fig, (ax,) = new_figure(figsize)
    handles, labels = [], []
    k = len(names)
    for j, name in enumerate(names):
        b = band[band["scenario"] == name]
        x = b["year"].to_numpy() + (j - (k - 1) / 2) * 0.12  # so that the whiskers do not overlap
        err = np.vstack([(b["mean"] - b["ci_low"]).fillna(0), (b["ci_high"] - b["mean"]).fillna(0)])
        c = colours[name]
        ax.errorbar(x, b["mean"], yerr=err, color=c, lw=2, marker="o", ms=6, capsize=3, elinewidth=1.3)
        handles.append(Line2D([], [], color=c, lw=2, marker="o"))
        labels.append(name)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(term("chart.exits.y", lang))
    thousands_axis(ax)
    _run_year_axis(ax, start, range(years), lang)
    ax.grid(axis="x", visible=False)
    n = n_text(band["n"])
    sub = term("chart.exits.note", lang).format(n=n, start=f"{start:%Y-%m-%d}")
    titles(fig, term("chart.exits_total.title", lang), sub)
    legend(fig, handles, labels)
    return fig


# ---------------------------------------------------------------- waits


def wait_histogram_chart(
    waits: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    bin_days: int = 30,
    figsize=FIGSIZE,
) -> Figure:
    """Distribution of the wait from application to move-in: share of housed households per bin of
    ``bin_days``, mean across seeds with 95 % CI; the median marked. Bars for one scenario, steps with
    bands for several.

    Args:
        waits: ``analysis.stats.cohort_waits`` (``scenario, seed, wait``).
    """
    use_fonts(lang)
    waits = with_scenario(waits)
    if waits.empty:
        return no_data(term("chart.wait_hist.title", lang), lang, figsize)
    names = scenario_names(waits)
    colours = colours_for(names, colours)
    edges, band, med = wait_distribution(waits, bin_days)

    fig, (ax,) = new_figure(figsize)
    handles, labels = [], []
    mids = (edges[:-1] + edges[1:]) / 2
    for name in names:
        b = band[band["scenario"] == name].set_index("bin").reindex(range(len(mids)))
        c = colours[name]
        if len(names) == 1:
            err = np.vstack([(b["mean"] - b["ci_low"]).fillna(0), (b["ci_high"] - b["mean"]).fillna(0)])
            ax.bar(mids, b["mean"], width=bin_days * 0.92, color=c, alpha=0.85, lw=0)
            ax.errorbar(mids, b["mean"], yerr=err, fmt="none", ecolor=DARK, elinewidth=1, capsize=2)
        else:
            ax.stairs(b["mean"].fillna(0), edges, color=c, lw=2)
            ax.stairs(
                b["ci_high"].fillna(0), edges, baseline=b["ci_low"].fillna(0), fill=True, color=c, alpha=0.2
            )
        handles.append(Patch(color=c) if len(names) == 1 else Line2D([], [], color=c, lw=2))
        labels.append(name)
        if name in med.index and math.isfinite(med.loc[name, "mean"]):
            m = med.loc[name, "mean"]
            ax.axvline(m, color=c if len(names) > 1 else DARK, lw=1.3, ls="--")
            word = term("stat.median", lang)
            days = count_text(m)
            text = f"{word} {days}{term('unit.days', lang)}" if lang == "zh" else f"{word} {days} days"
            ax.text(
                m,
                0.97 - 0.07 * names.index(name),
                " " + text,
                transform=ax.get_xaxis_transform(),
                ha="left",
                va="top",
                fontsize=SMALL_SIZE,
                color=c if len(names) > 1 else DARK,
            )
    ax.set_xlim(0, edges[-1])
    ax.set_ylim(bottom=0)
    ax.set_xlabel(label("chart.wait_hist.x", lang))
    ax.set_ylabel(with_unit(term("chart.wait_hist.y", lang), "%", lang))
    percent_axis(ax)
    thousands_axis(ax, "x")
    n = n_text(band["n"])
    titles(
        fig, term("chart.wait_hist.title", lang), term("chart.wait_hist.note", lang).format(bin=bin_days, n=n)
    )
    if len(names) > 1 or names[0]:
        legend(fig, handles, labels)
    return fig


def wait_stats_chart(
    replications: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    figsize=FIGSIZE,
) -> Figure:
    """Distribution of the wait from the summaries alone: each replication's mean, median and 90th
    percentile (small dots) and their mean with 95 % CI (large dot and bar), per scenario."""
    use_fonts(lang)
    reps = with_scenario(replications)
    if any(f not in reps for f in WAIT_STATS):
        return no_data(term("chart.wait_stats.title", lang), lang, figsize)
    names = scenario_names(reps)
    colours = colours_for(names, colours)
    fig, (ax,) = new_figure(figsize)
    k = len(names)
    width = 0.7 / k
    rng = np.random.default_rng(0)  # jitter only
    ns = []
    for i, figure in enumerate(WAIT_STATS):
        table = ci_table(reps, ["scenario"], figure).set_index("scenario")
        for j, name in enumerate(names):
            x = i + (j - (k - 1) / 2) * width
            c = colours[name]
            values = reps.loc[reps["scenario"] == name, figure].to_numpy(dtype=float)
            jitter = rng.uniform(-width * 0.18, width * 0.18, len(values))
            ax.scatter(x + jitter - width * 0.22, values, s=16, color=c, alpha=0.45, lw=0)
            rec = table.loc[name]
            ns.append(rec["n"])
            if math.isfinite(rec["ci_low"]):
                ax.errorbar(
                    x + width * 0.12,
                    rec["mean"],
                    yerr=[[rec["mean"] - rec["ci_low"]], [rec["ci_high"] - rec["mean"]]],
                    fmt="o",
                    color=c,
                    ms=8,
                    capsize=4,
                    elinewidth=1.8,
                )
            else:
                ax.plot(x + width * 0.12, rec["mean"], "o", color=c, ms=8)
            ax.text(
                x + width * 0.12 + 0.03,
                rec["mean"],
                " " + count_text(rec["mean"]),
                va="center",
                ha="left",
                fontsize=SMALL_SIZE,
                color=c,
            )
    ax.set_xticks(range(len(WAIT_STATS)), [term(s, lang) for s in ("stat.mean", "stat.median", "stat.p90")])
    ax.set_xlim(-0.6, len(WAIT_STATS) - 0.4)
    ax.grid(axis="x", visible=False)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(label("chart.wait_days", lang))
    thousands_axis(ax)
    titles(
        fig, term("chart.wait_stats.title", lang), term("chart.wait_stats.note", lang).format(n=n_text(ns))
    )
    legend(fig, [Line2D([], [], color=colours[n], marker="o", ls="none", ms=8) for n in names], names)
    return fig
