"""Charts of a robustness study (``python run.py robustness BASE VARIANT``): which assumed inputs the
paired difference of a figure depends on, and how it moves with the two that matter most.

They read the study's folder (``analysis.experiments.outputs.write_robustness``): ``indices.csv`` (one row
per figure, measure, method and input; the input ``noise`` only moves the seeds, its index is the noise
floor), ``inputs.csv`` (each input's key and range), ``points.parquet`` (each design point's mean
difference), ``design.csv`` (each point's input values) and ``holds.csv`` (the difference at the scenarios'
own values, the share of plausible worlds where it keeps its sign):

- :func:`influence_chart`: the inputs ranked by influence on the difference (Morris μ* with its 95 %
  bootstrap CI and σ, or Sobol total and first-order indices with theirs), the noise floor as a line and
  as a bar of its own, the inputs above it highlighted, at most :data:`SHOWN` of them;
- :func:`difference_chart`: each design point's mean difference against the most influential input,
  coloured by the second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..fonts import SMALL_SIZE, use_fonts
from ..numbers import format_number
from ..terms import TERMS, term
from .style import (
    DARK,
    FIGSIZE,
    GREY,
    PALETTE,
    chart_number,
    is_share,
    join_clauses,
    legend,
    new_figure,
    no_data,
    signed_ticks,
    tick_label,
    titles,
    unit_word,
    with_unit,
)

SUBTITLE_CHARS = {"en": 150, "zh": 75}  # what fits on one subtitle line of a chart
NOISE = "noise"  # the noise input's name (analysis.experiments.robustness.NOISE)
SHOWN = 12  # inputs an influence chart shows at most; the rest are summarised in a line
ABOVE, BELOW, FLOOR = PALETTE[1], "#A6BDD7", GREY  # bars above and within the noise floor, the floor
#: Each method's score, its second statistic (a marker), and their columns.
SCORES = {"morris": ("mu_star", "sigma"), "sobol": ("ST", "S1")}


def input_label(name: str, lang: str, keys: dict[str, str] | None = None, long: bool = False) -> str:
    """An input as charts and briefings name it: its term (``key.<dotted key>`` in
    ``analysis.reporting.terms``) where it has one, an entry of a table-valued key after its key's term
    (``年申请量: single``), else its own dotted name; a group of inputs (``--groups``) by its name, and
    with ``long`` what its value on an axis means. ``keys``: each input's scenario key (``inputs.csv``),
    for the entries of a table."""
    if f"key.{name}" in TERMS:
        return term(f"key.{name}", lang)
    key = (keys or {}).get(name, name)
    if key != name and f"key.{key}" in TERMS and name.startswith(key + "."):
        sep = "：" if lang == "zh" else ": "
        return term(f"key.{key}", lang) + sep + name[len(key) + 1 :]
    if "." not in name and name != NOISE:  # a group of inputs, moved together (robustness --groups)
        return term("robust.group.long" if long else "robust.group", lang).format(group=name)
    return name


def _unit_text(figure: str, lang: str) -> str:
    """The unit of a difference of ``figure``: days, households ... or percentage points of a share."""
    if is_share(figure):
        return term("unit.pp", lang)
    unit = TERMS[figure].unit if figure in TERMS else None
    return unit_word(unit, lang)


def _scale(figure: str) -> float:
    return 100.0 if is_share(figure) else 1.0


def influence_rows(indices: pd.DataFrame, figure: str, method: str) -> pd.DataFrame:
    """The rows of ``indices`` of the difference of ``figure`` by ``method``, ranked (the noise input, rank
    0, last)."""
    rows = indices[
        (indices["figure"] == figure) & (indices["measure"] == "difference") & (indices["method"] == method)
    ]
    return rows.assign(_last=rows["rank"] == 0).sort_values(["_last", "rank"]).drop(columns="_last")


def _figure_name(figure: str, lang: str) -> str:
    return term(figure, lang) if figure in TERMS else figure


def influence_chart(
    indices: pd.DataFrame,
    figure: str,
    lang: str = "en",
    *,
    method: str = "morris",
    keys: dict[str, str] | None = None,
    scenarios: Sequence[str] = ("base", "variant"),
    design: str = "",
    figsize=FIGSIZE,
) -> Figure:
    """Ranked horizontal bars of each input's influence on the paired difference of ``figure``: Morris
    μ* (``method="morris"``, in the figure's unit) or the Sobol total index (``"sobol"``), with its 95 %
    bootstrap CI, and σ or the first-order index as a second marker. The noise floor (the index of the
    input that only moves the seeds) is a dashed line and a bar of its own; inputs whose CI clears it are
    highlighted. At most :data:`SHOWN` inputs; a line under the bars says how many more and the largest of
    their indices.

    Args:
        keys: each input's scenario key (``inputs.csv``), for its label (:func:`input_label`).
        scenarios: the base's and the variant's names as shown.
        design: words of the design (trajectories, replications) for the subtitle.
    """
    use_fonts(lang)
    score, second = SCORES[method]
    title = term("robust.influence.title", lang).format(figure=_figure_name(figure, lang))
    rows = influence_rows(indices, figure, method)
    ranked, noise = rows[rows["input"] != NOISE], rows[rows["input"] == NOISE]
    if ranked.empty or noise.empty:
        return no_data(title, lang, figsize)
    scale = _scale(figure) if method == "morris" else 1.0
    shown, rest = ranked.head(SHOWN), ranked.iloc[SHOWN:]
    fig, (ax,) = new_figure(figsize)
    floor = float(noise[score].iloc[0]) * scale
    labels = [input_label(str(n), lang, keys) for n in shown["input"]]
    y = np.arange(len(shown) + 1)
    for i, rec in enumerate([*shown.itertuples(index=False), *noise.itertuples(index=False)]):
        value = getattr(rec, score) * scale
        low, high = getattr(rec, f"{score}_ci_low") * scale, getattr(rec, f"{score}_ci_high") * scale
        is_noise = rec.input == NOISE
        colour = FLOOR if is_noise else (ABOVE if bool(rec.above_noise) else BELOW)
        ax.barh(y[i], value, height=0.62, color=colour, hatch="///" if is_noise else None, lw=0, zorder=2)
        if math.isfinite(low) and math.isfinite(high):
            ax.errorbar(
                value,
                y[i],
                xerr=[[max(value - low, 0)], [max(high - value, 0)]],
                fmt="none",
                ecolor=DARK,
                elinewidth=1.1,
                capsize=3,
                zorder=3,
            )
        mark = getattr(rec, second) * scale
        if math.isfinite(mark):
            ax.plot(mark, y[i], marker="D", ms=5.5, color=DARK, mfc="white", ls="none", zorder=4)
        if method == "sobol" and math.isfinite(rec.S1_ci_low):
            ax.plot([rec.S1_ci_low, rec.S1_ci_high], [y[i], y[i]], color=DARK, lw=0.8, zorder=3)
    ax.axvline(floor, color=FLOOR, ls=(0, (4, 3)), lw=1.3, zorder=5)
    ax.axvline(0, color=DARK, lw=0.8)
    ax.set_yticks(y, [*labels, term("table.noise_floor", lang)])
    ax.set_ylim(len(shown) + 0.6, -0.6)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    unit = _unit_text(figure, lang) if method == "morris" else ""
    ax.set_xlabel(with_unit(term(f"robust.influence.x.{method}", lang), unit, lang))
    if len(rest):
        largest = float(rest[score].max()) * scale
        note = term("robust.influence.more", lang).format(n=len(rest), value=index_number(largest, method))
        ax.text(0.99, 0.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=SMALL_SIZE - 1.5)
    base, variant = scenarios
    clauses = [term("robust.difference_of", lang).format(variant=variant, base=base)]
    clauses += [term("robust.influence.note", lang), design]
    sub = join_clauses(lang, *clauses)
    if len(sub) > SUBTITLE_CHARS[lang]:  # long scenario titles: the design is in the page's own text
        sub = join_clauses(lang, *clauses[:2])
    titles(fig, title, sub)
    handles = [
        Patch(color=ABOVE),
        Patch(color=BELOW),
        Patch(facecolor=FLOOR, hatch="///", lw=0),
        Line2D([], [], color=DARK, marker="D", mfc="white", ls="none", ms=6),
    ]
    names = [
        term("robust.above_noise", lang),
        term("robust.within_noise", lang),
        term("table.noise_floor", lang),
        term(f"robust.second.{method}", lang),
    ]
    legend(fig, handles, names)
    return fig


def index_number(value: float, method: str) -> str:
    """An index as written on a chart: a Sobol index with two decimals, μ* as a chart's number."""
    return format_number(value, digits=2) if method == "sobol" else chart_number(value)


def _values(column: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """An input's values as numbers to draw, and the category names when they are words (their codes)."""
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.notna().all():
        return numbers.to_numpy(float), None
    codes, names = pd.factorize(column.astype(str), sort=True)
    return codes.astype(float), [str(n) for n in names]


def difference_chart(
    points: pd.DataFrame,
    design: pd.DataFrame,
    holds: pd.DataFrame,
    indices: pd.DataFrame,
    figure: str,
    lang: str = "en",
    *,
    keys: dict[str, str] | None = None,
    scenarios: Sequence[str] = ("base", "variant"),
    figsize=FIGSIZE,
) -> Figure:
    """Each design point's mean paired difference of ``figure`` (y) against the value of the input that
    influences it most (x), coloured by the second, with lines at 0 and at the difference at the
    scenarios' own values. The ranking and the points are those of the study's last stage (Sobol when it
    ran, else the Morris screening); the subtitle says in what share of plausible worlds the difference
    keeps its sign."""
    use_fonts(lang)
    title = term("robust.difference.title", lang).format(figure=_figure_name(figure, lang))
    method = "sobol" if (indices["method"] == "sobol").any() else "morris"
    ranked = influence_rows(indices, figure, method)
    top = [str(n) for n in ranked.loc[ranked["input"] != NOISE, "input"] if n in design.columns][:2]
    mine = points[(points["figure"] == figure) & (points["point"] >= 0) & (points["method"] == method)]
    here = design[design["method"] == method].set_index("point")
    if not top or mine.empty:
        return no_data(title, lang, figsize)
    mine = mine.join(here[top], on="point")
    scale = _scale(figure)
    fig, (ax,) = new_figure(figsize)
    x, x_names = _values(mine[top[0]])
    dy = mine["difference"].to_numpy(float) * scale
    if len(top) > 1:
        c, c_names = _values(mine[top[1]])
        cmap = colormaps["viridis"]
        dots = ax.scatter(x, dy, c=c, cmap=cmap, s=28, alpha=0.8, lw=0, zorder=3)
        bar = fig.colorbar(dots, ax=ax, pad=0.01, aspect=30)
        bar.set_label(input_label(top[1], lang, keys))
        if c_names:
            bar.set_ticks(range(len(c_names)), labels=c_names)
    else:
        ax.scatter(x, dy, color=PALETTE[0], s=28, alpha=0.8, lw=0, zorder=3)
    if x_names:
        ax.set_xticks(range(len(x_names)), x_names)
    ax.axhline(0, color=DARK, lw=0.9, zorder=2)
    hold = holds[(holds["figure"] == figure) & (holds["method"] == method)]
    handles, names = [], []
    if len(hold):
        centre = float(hold["center_difference"].iloc[0]) * scale
        ax.axhline(centre, color=PALETTE[1], lw=1.4, ls=(0, (5, 3)), zorder=2)
        handles.append(Line2D([], [], color=PALETTE[1], lw=1.4, ls=(0, (5, 3))))
        names.append(
            term("robust.at_own", lang).format(value=chart_number(centre, is_share(figure), sign=True))
        )
    ax.set_xlabel(input_label(top[0], lang, keys, long=True))
    base, variant = scenarios
    ax.set_ylabel(with_unit(term("robust.difference.y", lang), _unit_text(figure, lang), lang))
    signed_ticks(ax, 1 if is_share(figure) or np.ptp(dy) < 10 else 0, axis="y")
    n = int(mine["n"].min()) if "n" in mine else 0
    sub = [
        term("robust.difference_of", lang).format(variant=variant, base=base),
        term("robust.difference.note", lang).format(n=n, points=len(mine)),
    ]
    if len(hold) and math.isfinite(float(hold["share"].iloc[0])):
        sub.append(holds_text(hold.iloc[0], lang))
    titles(fig, title, join_clauses(lang, *sub))
    legend(fig, handles, names)
    return fig


def percent(x: float) -> str:
    """A share as a whole per cent: ``94%``."""
    return format_number(x * 100, digits=0, thousands=False) + "%"


def holds_text(row, lang: str) -> str:
    """``holds in 94% of plausible worlds [81%, 99%]`` of a row of ``holds.csv``."""
    return term("robust.holds", lang).format(
        share=percent(row["share"]), low=percent(row["share_ci_low"]), high=percent(row["share_ci_high"])
    )


def design_text(holds: pd.DataFrame, points: pd.DataFrame, method: str, lang: str) -> str:
    """``10 trajectories, 2 replications a point`` (or base samples of a Sobol stage) of ``method``."""
    rows = holds[holds["method"] == method]
    mine = points[(points["method"] == method) & (points["point"] >= 0)]
    if rows.empty or mine.empty:
        return ""
    return term(f"robust.design.{method}", lang).format(
        clusters=int(rows["clusters"].max()), reps=tick_label(float(mine["n"].min()))
    )


def influence_charts(
    data, figure: str, lang: str, scenarios: Sequence[str], figsize=FIGSIZE
) -> dict[str, Figure]:
    """The influence chart of ``figure`` for each stage a robustness folder holds (``data``:
    ``analysis.experiments.outputs.RobustnessData``): ``robustness_influence_<figure>`` (Morris) and
    ``robustness_influence_sobol_<figure>``."""
    charts = {}
    for method in [m for m in SCORES if (data.indices["method"] == m).any()]:
        suffix = "" if method == "morris" else "_sobol"
        charts[f"robustness_influence{suffix}_{figure}"] = influence_chart(
            data.indices,
            figure,
            lang,
            method=method,
            keys=data.keys,
            scenarios=scenarios,
            design=design_text(data.holds, data.points, method, lang),
            figsize=figsize,
        )
    return charts
