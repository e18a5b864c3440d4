"""Charts and tables of a reform's decomposition (``python run.py decompose BASE REFORM``): what each
change of a successor rule set does to a summary figure, and who gains or loses by each.

They read the decomposition table (``decomposition.csv``, one row per figure and change: ``figure, change,
keys, alone, alone_ci_low, alone_ci_high, step_order, step, step_ci_low, step_ci_high, shapley,
shapley_ci_low, shapley_ci_high, method, reps``, plus the rows ``change == "total"``, the reform minus
the base, and ``change == "interaction"``, the total minus the changes alone) and, where a level is drawn,
the base scenario's mean of each figure (``base_level``):

- :func:`waterfall_chart`: the base's level → each change's Shapley share (``kind="shapley"``) or each
  cumulative step in ``step_order`` (``kind="steps"``, as agencies add changes one after another) → the
  reform's level. Both sum exactly to the total effect;
- :func:`group_share_table` and :func:`group_share_chart`: each change's Shapley share of the mean wait
  of each group of applicants (Art. 3, 4), groups housing fewer than ``analysis.min_cell`` suppressed
  (Art. 27).
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.records import GROUPS

from ...stats import significant
from ..fonts import SMALL_SIZE, use_fonts
from ..terms import TERMS, label, term
from .style import (
    DARK,
    FIGSIZE,
    GREY,
    MARKERS,
    PALETTE,
    chart_number,
    figure_label,
    is_share,
    join_clauses,
    legend,
    n_text,
    new_figure,
    no_data,
    percent_axis,
    reserve,
    scenario_colours,
    signed_ticks,
    thousands_axis,
    titles,
)

#: The figures a waterfall is drawn of in a briefing: the mean and 90th-percentile wait, move-ins, the
#: share of applicants housed.
MAIN_FIGURES = ("wait_apply_to_movein_mean", "wait_apply_to_movein_p90", "move_ins", "housed_share")
TOTAL, INTERACTION = "total", "interaction"  # the decomposition's rows that are no change
#: Bars of a change: diverging purple-orange (PuOr), readable with colour-blindness and distinct from the
#: scenario palette, which colours the base's and the reform's levels.
INCREASE, DECREASE = "#E08214", "#8073AC"
#: Each change's colour in the group chart: the scenario palette after the two compared scenarios (the
#: reform's colour marks the total), the orange and purple that look like ``INCREASE`` and ``DECREASE``
#: last.
CHANGE_COLOURS = (PALETTE[2], PALETTE[5], PALETTE[6], PALETTE[7], PALETTE[3], PALETTE[4])
COLUMNS = {
    "shapley": ("shapley", "shapley_ci_low", "shapley_ci_high"),
    "steps": ("step", "step_ci_low", "step_ci_high"),
}
NOTE_SIZE = SMALL_SIZE - 2  # the notes at the figure's foot
NOTE_LINE_IN = NOTE_SIZE * 1.4 / 72
LABELLED = 3  # changes up to which the group chart writes its numbers


def changes(decomposition: pd.DataFrame, kind: str = "shapley") -> list[str]:
    """The changes of a decomposition in table order (``kind="shapley"``) or in ``step_order``
    (``kind="steps"``); ``total`` and ``interaction`` left out."""
    rows = decomposition[~decomposition["change"].isin((TOTAL, INTERACTION))]
    if kind == "steps":
        rows = rows.sort_values("step_order", kind="stable")
    return list(dict.fromkeys(rows["change"].astype(str)))


def method_text(decomposition: pd.DataFrame, lang: str) -> str:
    """ "Shapley shares (exact, from all 8 subsets of the changes), 20 replications each" or the sampled
    estimate's words."""
    sampled = (decomposition["method"].astype(str) == "sampled").any()
    n = n_text(decomposition["reps"])
    k = len(changes(decomposition))
    return term("decompose.sampled" if sampled else "decompose.exact", lang).format(n=n, subsets=2**k)


def keys_note(decomposition: pd.DataFrame, lang: str) -> str:
    """``Scenario keys of each change: cap: lease.max_total_years, lease.term_years; ...``."""
    first = decomposition.drop_duplicates("change").set_index("change")
    sep, inner = ("：", "；") if lang == "zh" else (": ", "; ")
    parts = [f"{c}{sep}{', '.join(str(first.at[c, 'keys']).split(';'))}" for c in changes(decomposition)]
    return term("decompose.keys", lang) + sep + inner.join(parts)


def _row(decomposition: pd.DataFrame, figure: str, change: str):
    rows = decomposition[(decomposition["figure"] == figure) & (decomposition["change"] == change)]
    return rows.iloc[0] if len(rows) else None


def waterfall_steps(
    decomposition: pd.DataFrame, figure: str, base_level: Mapping[str, float], kind: str = "shapley"
) -> pd.DataFrame:
    """The bars of a waterfall of ``figure``: ``bar`` (``"base"``, a change, ``"reform"``), ``kind``
    (``"level"`` or ``"change"``), ``start``, ``end``, ``delta``, ``ci_low``, ``ci_high`` (the interval of
    ``end``: the base's level plus the running sum plus the interval of the bar's own delta; on the
    reform's bar, of the total). Changes are Shapley shares (``kind="shapley"``) or cumulative steps in
    ``step_order`` (``kind="steps"``); either way they run from the base's level to the reform's.
    """
    value, low, high = COLUMNS[kind]
    base = float(base_level[figure])
    total = _row(decomposition, figure, TOTAL)
    rows = [{"bar": "base", "kind": "level", "start": 0.0, "end": base, "delta": base}]
    running = base
    for change in changes(decomposition, kind):
        r = _row(decomposition, figure, change)
        d = float(r[value])
        rows.append(
            {
                "bar": change,
                "kind": "change",
                "start": running,
                "end": running + d,
                "delta": d,
                "ci_low": running + float(r[low]),
                "ci_high": running + float(r[high]),
            }
        )
        running += d
    t = float(total["shapley"])
    rows.append(
        {
            "bar": "reform",
            "kind": "level",
            "start": 0.0,
            "end": base + t,
            "delta": base + t,
            "ci_low": base + float(total["shapley_ci_low"]),
            "ci_high": base + float(total["shapley_ci_high"]),
        }
    )
    return pd.DataFrame(rows, columns=["bar", "kind", "start", "end", "delta", "ci_low", "ci_high"])


def interaction_note(decomposition: pd.DataFrame, figure: str, lang: str) -> str:
    """``interaction (total minus the changes alone) +12 (+3 to +21)`` of ``figure``, '' without one."""
    r = _row(decomposition, figure, INTERACTION)
    if r is None or not math.isfinite(float(r["alone"])):
        return ""
    share = is_share(figure)
    scale = 100.0 if share else 1.0
    text = {  # the total minus the changes alone: in the alone columns
        k: chart_number(float(r[c]) * scale, share, sign=True)
        for k, c in (("value", "alone"), ("low", "alone_ci_low"), ("high", "alone_ci_high"))
    }
    return term("decompose.interaction_note", lang).format(**text)


def waterfall_chart(
    decomposition: pd.DataFrame,
    figure: str,
    base_level: Mapping[str, float],
    lang: str = "en",
    *,
    kind: str = "shapley",
    scenarios: Sequence[str] = ("base", "reform"),
    figsize=FIGSIZE,
) -> Figure:
    """Waterfall of ``figure`` (:func:`waterfall_steps`): the base's level, a floating bar per change
    (up in ``INCREASE``, down in ``DECREASE``) with its 95 % CI, the reform's level; shares in per cent.
    The subtitle says whether the shares are exact or sampled, and the replications; a note under the
    axes names each change's scenario keys.

    Args:
        kind: ``"shapley"`` (each change's Shapley share) or ``"steps"`` (changes added one after
            another in ``step_order``).
        scenarios: the base's and the reform's names as shown (their titles).
    """
    use_fonts(lang)
    key = "decompose.waterfall.title" if kind == "shapley" else "decompose.steps.title"
    name = term(figure, lang) if figure in TERMS else figure
    title = term(key, lang).format(figure=name)
    if _row(decomposition, figure, TOTAL) is None or figure not in base_level:
        return no_data(title, lang, figsize)
    bars = waterfall_steps(decomposition, figure, base_level, kind)
    share = is_share(figure)
    scale = 100.0 if share else 1.0
    fig, (ax,) = new_figure(figsize)
    inter = interaction_note(decomposition, figure, lang)
    sep = "；" if lang == "zh" else "; "
    note = [
        *_wrapped(term("decompose.total_whisker", lang) + (sep + inter if inter else ""), lang),
        *_wrapped(keys_note(decomposition, lang), lang),
    ]
    reserve(fig, bottom_in=NOTE_LINE_IN * (len(note) + 0.5))
    levels = dict(zip(("base", "reform"), scenario_colours(list(scenarios)).values(), strict=True))
    shown = {"base": scenarios[0], "reform": scenarios[1]}
    bottom = _axis_bottom(bars, scale)
    for i, rec in enumerate(bars.itertuples(index=False)):
        start, end = (rec.start * scale, rec.end * scale)
        if rec.kind == "level":
            colour, start = levels[rec.bar], bottom
        else:
            colour = INCREASE if rec.delta > 0 else DECREASE
        ax.bar(i, end - start, bottom=start, width=0.62, color=colour, lw=0, zorder=2)
        if math.isfinite(rec.ci_low):
            ax.errorbar(
                i,
                end,
                yerr=[[end - rec.ci_low * scale], [rec.ci_high * scale - end]],
                fmt="none",
                ecolor=DARK,
                elinewidth=1.2,
                capsize=4,
                zorder=3,
            )
        if i + 1 < len(bars):  # the connector to the next bar
            ax.plot([i + 0.31, i + 0.69], [end, end], color=GREY, lw=0.8, ls=(0, (2, 2)), zorder=1)
        text = chart_number(rec.delta * scale, share, sign=rec.kind == "change")
        down = rec.kind == "change" and rec.delta < 0  # a decrease is labelled under its bar
        ends = [end, *(v * scale for v in (rec.ci_low, rec.ci_high) if math.isfinite(v))]
        ax.annotate(
            text + ("%" if share and rec.kind == "level" else ""),
            (i, min(ends) if down else max(ends)),
            xytext=(0, -4 if down else 4),
            textcoords="offset points",
            ha="center",
            va="top" if down else "bottom",
            fontsize=SMALL_SIZE - 0.5,
            color=DARK,
        )
    ticks = [
        shown.get(b) or (term("decompose.step", lang).format(change=b) if kind == "steps" else b)
        for b in bars["bar"]
    ]
    ax.set_xticks(range(len(bars)), [textwrap.fill(t, 14, break_long_words=True) for t in ticks])
    top = float(bars[["end", "ci_high"]].max().max()) * scale
    ax.set_ylim(bottom, top + 0.12 * ((top - bottom) or 1))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(figure_label(figure, lang))
    if share:
        percent_axis(ax)
    else:
        thousands_axis(ax)
    head = method_text(decomposition, lang) if kind == "shapley" else _steps_text(decomposition, lang)
    titles(fig, title, join_clauses(lang, head, term("decompose.whiskers", lang)))
    h = fig.get_figheight()
    for j, line in enumerate(note):
        y = NOTE_LINE_IN * (len(note) - j - 0.3)
        fig.text(0.015, y / h, line, va="bottom", fontsize=NOTE_SIZE, color=GREY)
    handles = [Patch(color=INCREASE), Patch(color=DECREASE)]
    labels = [term("decompose.increase", lang), term("decompose.decrease", lang)]
    ax.legend(handles, labels, loc="best", frameon=False)  # the figure's foot holds the notes
    return fig


def _wrapped(text: str, lang: str) -> list[str]:
    """``text`` in lines that fit the figure's width at ``NOTE_SIZE`` (CJK characters count one em,
    others half)."""
    ems = (FIGSIZE[0] - 0.4) * 72 / NOTE_SIZE
    per_char = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.52 for ch in text) / max(
        len(text), 1
    )
    return textwrap.wrap(text, int(ems / per_char), break_long_words=False)


def _axis_bottom(bars: pd.DataFrame, scale: float) -> float:
    """Where the value axis starts: 0, unless the levels stand more than 4 times as tall as the changes
    span (a mean wait of 900 days moved by 30): then 1.5 spans below the lowest bar's end, so that the
    changes can be read; the levels' bars are then drawn from there."""
    moved = bars.loc[bars["kind"] == "change", ["start", "end", "ci_low", "ci_high"]].to_numpy(float) * scale
    low_level = float(bars.loc[bars["kind"] == "level", "end"].min()) * scale
    if not len(moved) or low_level <= 0:
        return min(0.0, low_level)
    span = float(np.nanmax(moved) - np.nanmin(moved)) or abs(low_level)
    if low_level < 4 * span:
        return 0.0
    return max(0.0, min(float(np.nanmin(moved)), low_level) - 1.5 * span)


def _steps_text(decomposition: pd.DataFrame, lang: str) -> str:
    return term("decompose.steps_method", lang).format(n=n_text(decomposition["reps"]))


# ---------------------------------------------------------------- who gains, who loses by each change


def group_share_table(
    decomposition: pd.DataFrame, base_level: Mapping[str, float], min_cell: int
) -> pd.DataFrame:
    """Each change's Shapley share of the mean wait of each group of applicants (``wait_mean_<group>``),
    then the total: ``change, group, shapley, ci_low, ci_high, housed, suppressed, significant``.

    A group is ``suppressed`` (its numbers blanked) when it houses fewer than ``min_cell`` households in
    the base or in the reform (Art. 27): the base's mean ``housed_<group>`` from ``base_level``, the
    reform's that plus the total of ``housed_<group>`` where the table has it; a group whose count is not
    known counts as small. The decomposition holds means across replications, so this tests the mean
    count where the comparison tests the smallest replication's."""
    names = [*changes(decomposition), TOTAL]
    rows = []
    for g in GROUPS:
        figure = f"wait_mean_{g}"
        if not (decomposition["figure"] == figure).any():
            continue
        housed = float(base_level.get(f"housed_{g}", math.nan))
        total = _row(decomposition, f"housed_{g}", TOTAL)
        reform = housed + float(total["shapley"]) if total is not None else housed
        small = not (min(housed, reform) >= min_cell)  # NaN (unknown) counts as small
        for change in names:
            r = _row(decomposition, figure, change)
            value, low, high = (math.nan if small or r is None else float(r[c]) for c in COLUMNS["shapley"])
            rows.append(
                {
                    "change": change,
                    "group": g,
                    "shapley": value,
                    "ci_low": low,
                    "ci_high": high,
                    "housed": housed,
                    "suppressed": small,
                    "significant": significant(low, high),
                }
            )
    columns = ["change", "group", "shapley", "ci_low", "ci_high", "housed", "suppressed", "significant"]
    return pd.DataFrame(rows, columns=columns)


def group_share_chart(
    decomposition: pd.DataFrame,
    base_level: Mapping[str, float],
    lang: str = "en",
    *,
    min_cell: int,
    reform: str = "reform",
    figsize=FIGSIZE,
) -> Figure:
    """Dot-and-whisker chart of :func:`group_share_table`: per group of applicants (kinds of applicant,
    Art. 4, then sectors, Art. 3), each change's Shapley share of the group's mean wait with its 95 % CI
    and the total (in the reform's colour: ``reform`` is its name as shown); numbers written for up to
    ``LABELLED`` changes; suppressed groups marked."""
    use_fonts(lang)
    title = term("decompose.groups.title", lang)
    table = group_share_table(decomposition, base_level, min_cell)
    if table.empty:
        return no_data(title, lang, figsize)
    names = [*changes(decomposition), TOTAL]
    colours = {c: CHANGE_COLOURS[i % len(CHANGE_COLOURS)] for i, c in enumerate(names[:-1])}
    colours[TOTAL] = scenario_colours(["", reform])[reform]
    shapes = [m for m in MARKERS if m != "D"]  # the total's diamond, as a difference in compare
    markers = {c: shapes[i % len(shapes)] for i, c in enumerate(names[:-1])} | {TOTAL: "D"}
    groups = list(dict.fromkeys(table["group"]))
    ypos = {g: i + (0.6 if g in ("priority", "other_sector") else 0) for i, g in enumerate(groups)}
    k = len(names)
    step = 0.8 / k
    fig, (ax,) = new_figure(figsize)
    ax.axvline(0, color=DARK, lw=1)
    extent = max(table[["ci_low", "ci_high", "shapley"]].abs().max().max(), 0) or 1.0
    labelled = k - 1 <= LABELLED
    for rec in table.itertuples(index=False):
        y = ypos[rec.group] + (names.index(rec.change) - (k - 1) / 2) * step
        if rec.suppressed:
            if rec.change == names[0]:
                ax.text(
                    0,
                    ypos[rec.group],
                    "  " + term("chart.suppressed", lang).format(n=min_cell),
                    va="center",
                    fontsize=SMALL_SIZE - 0.5,
                    color=GREY,
                    style="italic",
                )
            continue
        if not math.isfinite(rec.shapley):
            continue
        ok = math.isfinite(rec.ci_low)
        xerr = [[rec.shapley - rec.ci_low], [rec.ci_high - rec.shapley]] if ok else None
        c = colours[rec.change]
        ax.errorbar(
            rec.shapley, y, xerr=xerr, fmt=markers[rec.change], color=c, ms=6, capsize=3, elinewidth=1.6
        )
        if labelled:
            star = " *" if rec.significant else ""
            ax.annotate(
                f"{chart_number(rec.shapley, sign=True)}{star}",
                (max(rec.ci_high if ok else rec.shapley, 0), y),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=SMALL_SIZE - 1.5,
                color=c,
            )
    ax.set_xlim(-extent * 1.4, extent * 1.8)
    ax.set_yticks([ypos[g] for g in groups], [term(f"group.{g}", lang) for g in groups])
    ax.set_ylim(max(ypos.values()) + 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    signed_ticks(ax)
    ax.set_xlabel(
        label("chart.wait_days", lang)
        + "    "
        + term("chart.gains", lang)
        + "    "
        + term("chart.loses", lang)
    )
    sub = term("decompose.groups.note", lang).format(
        method=method_text(decomposition, lang), min_cell=min_cell
    )
    titles(fig, title, sub)
    handles = [Line2D([], [], color=colours[c], marker=markers[c], ls="none", ms=7) for c in names]
    shown = [*names[:-1], term("decompose.total", lang)]
    legend(fig, handles, shown)
    return fig
