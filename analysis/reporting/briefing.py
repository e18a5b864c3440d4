"""The briefing pack of a comparison: a PDF of a few slides, its tables as CSV and Markdown, its charts.

    build_briefing("out/compare/baseline-vs-cap8", lang="zh", out_dir="out/briefing")

writes into ``out_dir`` (every file in words named with its language, so that a pack in the other
language written into the same folder keeps its own files):

- ``briefing.zh.pdf``: 16:9 pages: the scenarios compared (name, description, reference) and the method;
  key findings written from the numbers; the comparison table (one page per variant); one chart a page;
  fonts embedded as TrueType (:mod:`analysis.reporting.fonts`);
- ``briefing_table.zh.csv``: the table's numbers (long: one row per figure and scenario), with labels;
- ``comparison.zh.md``: the findings and the table in Markdown;
- ``charts/``: every chart of the comparison as ``<name>.zh.png`` (300 dpi) and ``<name>.zh.svg``
  (:func:`analysis.reporting.charts.draw_compare`).

The compare folder's own files (``comparison.csv``, the Parquet tables, ``scenarios.json``) hold no words
and are shared by both languages.

Numbers come from the compare folder (``comparison.csv``: means, paired differences and their 95 %
Student-t intervals); group waits of groups that housed fewer than ``analysis.min_cell`` households in
any replication are suppressed (Art. 27).
"""

from __future__ import annotations

import datetime
import math
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.records import GROUPS, MECHANISM_FIGURES, PUBLISHED_WAITS, SUMMARY_FIGURES

from ..experiments.outputs import CompareData, RobustnessData, read_compare, read_robustness
from ..stats import group_wait_table, significant
from .charts import FIGSIZE, compare_figures, decompose, save, scenario_colours
from .charts import robustness as robust_charts
from .charts.style import WAIT
from .fonts import SMALL_SIZE, TITLE_SIZE, use_fonts
from .numbers import format_number
from .terms import TERMS, label, term
from .titles import scenario_description, scenario_titles

#: Figures of the briefing table, in order: waits, waiting list, occupancy, lapses, group waits, then the
#: outcomes that tell allocation mechanisms apart.
TABLE_FIGURES = (
    "wait_apply_to_movein_mean",
    "wait_apply_to_movein_median",
    "wait_apply_to_movein_p90",
    "wait_qualified_to_movein_mean",
    "waiting_mean",
    "waiting_end",
    "occupancy_rate",
    "lapse_rate",
    "housed_share",
    "exits_cap",
    *(f"wait_mean_{g}" for g in GROUPS),
    *MECHANISM_FIGURES,
    *(f"{w}_end" for w in PUBLISHED_WAITS),
)
#: Figures the findings text speaks of, in order.
FINDING_FIGURES = (
    "wait_apply_to_movein_median",
    "wait_apply_to_movein_mean",
    "wait_apply_to_movein_p90",
    "waiting_mean",
    "occupancy_rate",
    "lapse_rate",
)
#: Figures the mechanism sentence reads (exits at the cap, move-ins, the waiting list).
MECHANISM_FIGURES = ("exits_cap", "move_ins", "waiting_mean")
#: What each chart of a compare folder draws: ("replications" or "daily", its columns). A chart whose
#: columns are zero in every scenario and replication has nothing to show and is left out of the pack.
CHART_FIGURES = {
    "mean_wait": ("replications", ("wait_apply_to_movein_mean",)),
    "wait_stats": (
        "replications",
        ("wait_apply_to_movein_mean", "wait_apply_to_movein_median", "wait_apply_to_movein_p90"),
    ),
    "wait_by_group": ("replications", tuple(f"wait_mean_{g}" for g in GROUPS)),
    "waiting_list": ("daily", ("waiting",)),
    "occupancy": ("daily", ("units_occupied",)),
    "lapse_rate": ("replications", ("lapse_rate",)),
    "exits_per_year": ("daily", ("exits",)),
    "exit_reasons": ("replications", tuple(f for f in SUMMARY_FIGURES if f.startswith("exits_"))),
    "allocation_outcomes": ("replications", MECHANISM_FIGURES),
}
#: Each chart's name in words: the title it is drawn with.
CHART_TITLES = {
    "mean_wait": "chart.mean_wait.title",
    "wait_stats": "chart.wait_stats.title",
    "wait_by_group": "chart.groups.title",
    "waiting_list": "chart.waiting_list.title",
    "occupancy": "chart.occupancy.title",
    "lapse_rate": "chart.lapse.title",
    "exits_per_year": "chart.exits_total.title",
    "exit_reasons": "chart.exit_reasons.title",
    "allocation_outcomes": "chart.mechanisms.title",
}
# the wait figures a bureau publishes (``sim.records.PUBLISHED_WAITS``): a chart over time
CHART_FIGURES["published_waits"] = ("daily", PUBLISHED_WAITS)
CHART_TITLES["published_waits"] = "chart.published_waits.title"
#: The pack's files in words, named with their language (``lang``: "en" or "zh"); charts are
#: ``charts/<name>.<lang>.png`` and ``.svg`` (:func:`analysis.reporting.charts.save`).
PDF_FILE = "briefing.{lang}.pdf"
TABLE_FILE = "briefing_table.{lang}.csv"
MARKDOWN_FILE = "comparison.{lang}.md"
PAGE_IN = FIGSIZE  # 16:9 pages, the charts' own size
LEFT_IN = 0.45


# ---------------------------------------------------------------- numbers → words


def _unit(figure: str) -> str | None:
    return TERMS[figure].unit if figure in TERMS else None


def _with_unit_word(text: str, unit: str | None, lang: str, diff: bool) -> str:
    """``text`` followed by its unit: "+55 days", "+55天", "+1.2 percentage points", "92.3%", "36 m²"."""
    if unit == "share":
        if not diff:
            return text + "%"
        word = term("unit.pp", lang)
    elif unit in ("days", "households", "units", "offers", "m2"):
        word = term(f"unit.{unit}", lang)
    else:
        return text
    return f"{text}{word}" if lang == "zh" else f"{text} {word}"


def _figure_words(figure: str, lang: str) -> str:
    """The name of a figure inside a sentence ("the median wait, ..." in English)."""
    name = term(figure, lang) if figure in TERMS else figure
    if lang == "zh":
        return name
    return "the " + name[0].lower() + name[1:]


def _direction(figure: str, diff: float, lang: str) -> str:
    """ "longer"/"shorter" of a wait, "higher"/"lower" of anything else."""
    if _unit(figure) == "days":
        return term("briefing.longer" if diff > 0 else "briefing.shorter", lang)
    return term("briefing.higher" if diff > 0 else "briefing.lower", lang)


def finding_sentence(row, base: str, lang: str, base_mean: float | None = None, more: str = "") -> str:
    """One sentence on a variant's difference from the reference, with its 95 % CI and verdict, its
    direction and, with ``base_mean``, its size relative to the reference's mean.

    Args:
        row: a mapping with ``figure, scenario, diff_mean, diff_ci_low, diff_ci_high``.
        base: the reference's name as shown (its title).
        base_mean: the reference's mean of the figure (None or 0: no relative size).
        more: a clause added before the full stop (who gains or loses most).
    """
    figure, unit = row["figure"], _unit(row["figure"])
    low, high, diff = row["diff_ci_low"], row["diff_ci_high"], row["diff_mean"]
    words = _figure_words(figure, lang)
    if diff == 0 and low == 0 and high == 0:
        return term("briefing.same", lang).format(scenario=row["scenario"], figure=words, base=base)
    verdict = term("briefing.significant" if significant(low, high) else "briefing.not_significant", lang)
    digits = None  # more decimals when the interval would otherwise print as one number
    for digits in (None, 1, 2, 3):  # noqa: B007 (the value found is used below)
        if format_number(low, unit, True, digits) != format_number(high, unit, True, digits):
            break
    direction = _direction(figure, diff, lang)
    if base_mean is not None and math.isfinite(base_mean) and base_mean != 0 and diff != 0:
        rel = format_number(abs(diff) / abs(base_mean), "share") + "%"
        what = term("briefing.relative", lang).format(direction=direction, rel=rel, base=base)
    else:
        what = term("briefing.direction", lang).format(direction=direction) if diff != 0 else ""
    return term("briefing.finding", lang).format(
        more=what + more,
        scenario=row["scenario"],
        figure=words,
        base=base,
        diff=_with_unit_word(format_number(diff, unit, True, digits), unit, lang, diff=True),
        low=format_number(low, unit, True, digits),
        high=format_number(high, unit, True, digits),
        verdict=verdict,
    )


def level_sentence(row, lang: str) -> str:
    figure, unit = row["figure"], _unit(row["figure"])
    return term("briefing.level", lang).format(
        base=row["scenario"],
        figure=_figure_words(figure, lang),
        mean=_with_unit_word(format_number(row["mean"], unit), unit, lang, diff=False),
        low=format_number(row["ci_low"], unit),
        high=format_number(row["ci_high"], unit),
    )


def _diff_words(row, unit: str | None, lang: str) -> str:
    return _with_unit_word(format_number(row["diff_mean"], unit, sign=True), unit, lang, diff=True)


def _most_affected(by: dict, name: str, lang: str) -> str:
    """``; Family applicants lose most (+35 days)``: the group whose mean wait changes most under
    ``name`` (suppressed groups left out), '' when there is none."""
    rows = [by.get((f"wait_mean_{g}", name)) for g in GROUPS]
    rows = [r for r in rows if r is not None and not r["suppressed"] and math.isfinite(r["diff_mean"])]
    rows = [r for r in rows if r["diff_mean"] != 0]
    if not rows:
        return ""
    row = max(rows, key=lambda r: abs(r["diff_mean"]))
    group = term(f"group.{row['figure'].removeprefix('wait_mean_')}", lang)
    key = "briefing.loses_most" if row["diff_mean"] > 0 else "briefing.gains_most"
    return term(key, lang).format(group=group, diff=_diff_words(row, "days", lang))


def mechanism_sentence(by: dict, name: str, shown: str, lang: str) -> str | None:
    """What the records show of why: the change in exits at the cap and in move-ins (vacancies let)
    under ``name``, with the waiting list's direction; None unless the paired CIs of both exits at the
    cap and move-ins exclude zero (the waiting list is named only when its CI excludes zero too).

    Args:
        by: the briefing table's rows by ``(figure, scenario)``.
        shown: the scenario's name as shown (its title).
    """
    exits, moves, waiting = (by.get((f, name)) for f in MECHANISM_FIGURES)
    if exits is None or moves is None:
        return None
    if not (significant(exits["diff_ci_low"], exits["diff_ci_high"])):
        return None
    if not (significant(moves["diff_ci_low"], moves["diff_ci_high"])):
        return None
    more_or_fewer = lambda d: term("briefing.more" if d > 0 else "briefing.fewer", lang)  # noqa: E731
    tail = ""
    if waiting is not None and significant(waiting["diff_ci_low"], waiting["diff_ci_high"]):
        tail = term("briefing.mechanism_waiting", lang).format(
            direction=term("briefing.grows" if waiting["diff_mean"] > 0 else "briefing.shrinks", lang),
            diff=_diff_words(waiting, "households", lang),
        )
    same = (exits["diff_mean"] > 0) == (moves["diff_mean"] > 0)
    return term("briefing.mechanism" if same else "briefing.mechanism_mixed", lang).format(
        scenario=shown,
        exits=more_or_fewer(exits["diff_mean"]),
        d_exits=_diff_words(exits, "households", lang),
        vacancies=more_or_fewer(exits["diff_mean"]),
        moves=more_or_fewer(moves["diff_mean"]),
        d_moves=_diff_words(moves, "households", lang),
        waiting=tail,
    )


def findings(
    table: pd.DataFrame, names: Sequence[str], lang: str, titles: dict[str, str] | None = None
) -> list[str]:
    """Key findings from the briefing table (:func:`briefing_table`): the reference's median wait,
    then for each variant its change in waits, waiting list, occupancy and lapses (each with its
    direction and its size relative to the reference's mean; the mean wait with the group that gains or
    loses most), what the records show of the mechanism (:func:`mechanism_sentence`), and who gains and
    who loses among the groups of applicants (suppressed groups left out).

    Args:
        titles: each scenario's name as shown (:func:`analysis.reporting.titles.scenario_titles`);
            default the names.
    """
    titles = {n: n for n in names} | dict(titles or {})
    base = titles[names[0]]
    out = []
    by = {(r["figure"], r["scenario"]): r for r in table.to_dict("records")}
    first = by.get((FINDING_FIGURES[0], names[0]))
    if first is not None and math.isfinite(first["mean"]):
        out.append(level_sentence({**first, "scenario": base}, lang))
    for name in names[1:]:
        for figure in FINDING_FIGURES:
            row = by.get((figure, name))
            if row is not None and math.isfinite(row["diff_mean"]):
                ref = by.get((figure, names[0]))
                more = _most_affected(by, name, lang) if figure == "wait_apply_to_movein_mean" else ""
                out.append(
                    finding_sentence(
                        {**row, "scenario": titles[name]},
                        base,
                        lang,
                        base_mean=ref["mean"] if ref is not None else None,
                        more=more,
                    )
                )
        why = mechanism_sentence(by, name, titles[name], lang)
        if why:
            out.append(why)
        parts = []
        for g in GROUPS:
            row = by.get((f"wait_mean_{g}", name))
            if row is None or row["suppressed"] or not math.isfinite(row["diff_mean"]):
                continue
            mark = term("briefing.significant" if row["significant"] else "briefing.not_significant", lang)
            mark = mark.split("（")[0].split(" (")[0]
            d = _with_unit_word(format_number(row["diff_mean"], "days", sign=True), "days", lang, diff=True)
            lo, hi = (format_number(row[c], "days", sign=True) for c in ("diff_ci_low", "diff_ci_high"))
            ci = f"{lo}, {hi}"
            who = term(f"group.{g}", lang)
            parts.append(f"{who} {d}（{ci}，{mark}）" if lang == "zh" else f"{who} {d} ({ci}, {mark})")
        if parts:
            head = term("briefing.groups", lang)
            lead = f"{titles[name]}：" if lang == "zh" else f"under {titles[name]}, "
            out.append(head + lead + ("；".join(parts) + "。" if lang == "zh" else "; ".join(parts) + "."))
    return out


def published_wait_sentences(
    table: pd.DataFrame, names: Sequence[str], lang: str, titles: dict[str, str] | None = None
) -> list[str]:
    """The wait figures a bureau publishes at the end (``sim.records.PUBLISHED_WAITS``), one sentence a
    scenario with both, then the one that says which is which and that they can move in opposite
    directions; none when the folder does not hold them."""
    titles = {n: n for n in names} | dict(titles or {})
    by = {(r["figure"], r["scenario"]): r for r in table.to_dict("records")}
    out = []
    for name in names:
        rows = [by.get((f"{w}_end", name)) for w in PUBLISHED_WAITS]
        if any(r is None for r in rows):
            continue
        housed, so_far = (
            _with_unit_word(format_number(r["mean"], "days"), "days", lang, diff=False) for r in rows
        )
        words = term("briefing.published_waits", lang)
        out.append(words.format(scenario=titles[name], housed=housed, so_far=so_far))
    if out:
        out.append(term("briefing.published_waits.which", lang))
    return out


# ---------------------------------------------------------------- the table


def briefing_table(data: CompareData, figures: Sequence[str] = TABLE_FIGURES) -> pd.DataFrame:
    """The comparison's rows for the briefing: ``figure, scenario, mean, ci_low, ci_high, diff_mean,
    diff_ci_low, diff_ci_high, significant, suppressed`` for each figure present, in ``figures`` order
    and scenario order. Group waits below ``analysis.min_cell`` are blanked and ``suppressed``."""
    cmp = data.comparison.copy()
    cmp["scenario"] = cmp["scenario"].astype(str)
    present = [f for f in figures if f in set(cmp["figure"])]
    min_cell = data.infos[data.names[0]].min_cell
    groups = group_wait_table(data.replications, min_cell, data.names[0])
    small = {(r.scenario, f"wait_mean_{r.group}"): r.suppressed for r in groups.itertuples(index=False)}
    rows = []
    for figure in present:
        part = cmp[cmp["figure"] == figure].set_index("scenario")
        for name in data.names:
            if name not in part.index:
                continue
            r = part.loc[name]
            suppressed = bool(small.get((name, figure), False))
            ref_small = bool(small.get((data.names[0], figure), False))
            rec = {
                "figure": figure,
                "scenario": name,
                **{
                    c: float(r[c])
                    for c in ("mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high")
                },
            }
            if suppressed:
                for c in ("mean", "ci_low", "ci_high"):
                    rec[c] = math.nan
            if suppressed or ref_small:
                for c in ("diff_mean", "diff_ci_low", "diff_ci_high"):
                    rec[c] = math.nan
            rec["significant"] = significant(rec["diff_ci_low"], rec["diff_ci_high"])
            rec["suppressed"] = suppressed
            rows.append(rec)
    return pd.DataFrame(rows)


def _label(figure: str, lang: str) -> str:
    if figure not in TERMS:
        return figure
    if TERMS[figure].unit == "share":
        text = term(figure, lang)
        return f"{text}（%）" if lang == "zh" else f"{text} (%)"
    return label(figure, lang)


def _cells(row, lang: str, min_cell: int) -> tuple[str, str]:
    """ "mean [low, high]" and "diff [low, high] *" of a table row."""
    unit = _unit(row["figure"])
    if row["suppressed"]:
        text = term("briefing.suppressed", lang).format(n=min_cell)
        return text, text
    mean, low, high = (format_number(row[c], unit) for c in ("mean", "ci_low", "ci_high"))
    mean = f"{mean} [{low}, {high}]"
    if not math.isfinite(row["diff_mean"]):
        return mean, ""
    star = " *" if row["significant"] else ""
    lo, hi = format_number(row["diff_ci_low"], unit, True), format_number(row["diff_ci_high"], unit, True)
    return mean, f"{format_number(row['diff_mean'], unit, True)} [{lo}, {hi}]{star}"


def table_csv(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The briefing table with a label column, for ``briefing_table.<lang>.csv``."""
    out = table.copy()
    out.insert(1, "label", [_label(f, lang) for f in out["figure"]])
    return out


def markdown(
    table: pd.DataFrame,
    names: Sequence[str],
    lang: str,
    notes: Sequence[str],
    found: Sequence[str],
    min_cell: int,
    titles: dict[str, str] | None = None,
    caveat: Sequence[tuple[str, str, str]] = (),
) -> str:
    """``comparison.<lang>.md``: the caveat line (inputs not yet calibrated), findings, then one table
    with a column per scenario and per difference, then the inputs not yet calibrated
    (:func:`uncalibrated`)."""
    titles = {n: n for n in names} | dict(titles or {})
    base = titles[names[0]]
    head = [term("table.figure", lang)]
    for i, name in enumerate(names):
        head.append(f"{titles[name]}: {term('table.mean', lang)} [{term('table.ci95', lang)}]")
        if i:
            head.append(
                f"{term('table.difference', lang).format(base=base)} ({titles[name]}) "
                f"[{term('table.ci95', lang)}]"
            )
    lines = [f"# {term('briefing.title', lang)}", ""]
    if caveat:
        lines += [f"**{term('briefing.caveat.cover', lang).format(n=len(caveat))}**", ""]
    lines += [f"## {term('briefing.findings', lang)}", ""]
    lines += [f"- {s}" for s in found]
    lines += ["", f"## {term('briefing.table', lang)}", ""]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|")
    by = {(r["figure"], r["scenario"]): r for r in table.to_dict("records")}
    for figure in dict.fromkeys(table["figure"]):
        cells = [_label(figure, lang)]
        for i, name in enumerate(names):
            row = by.get((figure, name))
            mean, diff = _cells(row, lang, min_cell) if row is not None else ("", "")
            cells.append(mean)
            if i:
                cells.append(diff)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [""] + [f"{n}" for n in notes] + [""]
    if caveat:
        lines += [f"## {term('briefing.caveat.title', lang)}", "", term("briefing.caveat.intro", lang), ""]
        lines += [f"- {text}" for text in caveat_lines(caveat, lang)] + [""]
    return "\n".join(lines)


# ---------------------------------------------------------------- pages


def _width(text: str) -> float:
    """Width of ``text`` in ems, roughly: CJK characters 1, others 0.5 (the face's Latin averages 0.48)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def wrap(text: str, width_in: float, size_pt: float) -> list[str]:
    """Lines of ``text`` that fit ``width_in`` inches at ``size_pt``: breaks at spaces between Latin
    words, anywhere between CJK characters."""
    ems = width_in * 72 / size_pt
    if not any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        return textwrap.wrap(text, width=max(10, int(ems / 0.5))) or [""]
    lines, line = [], ""
    for token in _tokens(text):
        if line and _width(line + token) > ems:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line:
        lines.append(line.rstrip())
    return lines


CLOSING = tuple("，。；：、）》”％")
OPENING = tuple("（《“")


def _tokens(text: str) -> list[str]:
    """CJK characters one by one; Latin words with their following space; closing punctuation stays
    with what precedes it."""
    out, word = [], ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WF"
        if wide:
            if word and not word.endswith(OPENING):
                out.append(word)
                word = ""
            if out and not word and ch in CLOSING:
                out[-1] += ch
            elif ch in OPENING:
                word += ch  # kept with what follows
            else:
                out.append(word + ch)
                word = ""
        else:
            word += ch
            if ch == " ":
                out.append(word)
                word = ""
    if word:
        out.append(word)
    return out


def _page(title: str, page: int, pages: int, lang: str) -> Figure:
    fig = Figure(figsize=PAGE_IN)
    w, h = PAGE_IN
    fig.text(LEFT_IN / w, 1 - 0.3 / h, title, ha="left", va="top", fontsize=TITLE_SIZE, color="#111111")
    _page_number(fig, page, pages, lang)
    return fig


def _page_number(fig: Figure, page: int, pages: int, lang: str) -> None:
    w, h = fig.get_size_inches()
    text = term("briefing.page", lang).format(page=page, pages=pages)
    fig.text(
        1 - 0.15 / w, 1 - 0.12 / h, text, ha="right", va="top", fontsize=SMALL_SIZE - 0.5, color="#888888"
    )


def _lines(fig: Figure, lines: Sequence[tuple[str, dict]], top_in: float, left_in: float = LEFT_IN) -> float:
    """Write lines (text, text keywords incl. ``fontsize`` and optional ``gap``) downwards from
    ``top_in``; returns the inches used."""
    w, h = fig.get_size_inches()
    y = top_in
    for text, kw in lines:
        kw = dict(kw)
        size = kw.pop("fontsize", SMALL_SIZE)
        gap = kw.pop("gap", 0.0)
        indent = kw.pop("indent", 0.0)
        y += gap
        fig.text((left_in + indent) / w, 1 - y / h, text, ha="left", va="top", fontsize=size, **kw)
        y += size * 1.45 / 72
    return y - top_in


def title_page(
    data: CompareData,
    lang: str,
    n: int,
    seeds: str,
    pages: int,
    titles: dict[str, str] | None = None,
    n_assumed: int = 0,
) -> Figure:
    """The cover: title, date, the scenarios (title, description, reference in ``lang``), the method;
    with ``n_assumed`` inputs not yet calibrated, a line saying to quote differences, not levels."""
    titles = {n_: n_ for n_ in data.names} | dict(titles or {})
    fig = Figure(figsize=PAGE_IN)
    w, h = PAGE_IN
    colours = scenario_colours(data.names)
    _page_number(fig, 1, pages, lang)
    sep = "：" if lang == "zh" else ": "
    generated = f"{term('briefing.generated', lang)}{sep}{datetime.date.today():%Y-%m-%d}"
    y = 0.45
    y += _lines(fig, [(term("briefing.title", lang), {"fontsize": 24, "color": "#111111"})], y)
    y += _lines(
        fig,
        [
            (term("briefing.subtitle", lang), {"fontsize": 13.5, "color": "#444444"}),
            (generated, {"fontsize": SMALL_SIZE, "color": "#666666"}),
        ],
        y + 0.05,
    )
    if n_assumed:
        caveat = term("briefing.caveat.cover", lang).format(n=n_assumed)
        y += (
            _lines(
                fig,
                [
                    (line, {"fontsize": SMALL_SIZE, "color": "#B22222"})
                    for line in wrap(caveat, w - 2 * LEFT_IN, SMALL_SIZE)
                ],
                y + 0.08,
            )
            + 0.08
        )
    y += 0.25
    y += _lines(fig, [(term("briefing.scenarios", lang), {"fontsize": 15, "color": "#111111"})], y)
    text_w = w - LEFT_IN - 0.8
    for i, name in enumerate(data.names):
        info = data.infos[name]
        first = (
            titles[name]
            + (
                f"（{term('chart.reference', lang)}）"
                if lang == "zh"
                else f" ({term('chart.reference', lang)})"
            )
            if i == 0
            else titles[name]
        )
        fig.patches.append(
            Rectangle(
                ((LEFT_IN) / w, 1 - (y + 0.2) / h),
                0.16 / w,
                0.16 / h,
                transform=fig.transFigure,
                color=colours[name],
                figure=fig,
            )
        )
        lines = [(first, {"fontsize": 13, "color": colours[name], "indent": 0.3, "gap": 0.05})]
        described = scenario_description(info, lang)
        for key, text in (("briefing.description", described), ("briefing.reference", info.reference)):
            if not text:
                continue
            sep = "：" if lang == "zh" else ": "
            for j, line in enumerate(wrap(term(key, lang) + sep + text, text_w, SMALL_SIZE)):
                lines.append(
                    (
                        line,
                        {
                            "fontsize": SMALL_SIZE,
                            "color": "#333333" if key.endswith("description") else "#666666",
                            "indent": 0.3 + (0.25 if j else 0),
                        },
                    )
                )
        y += _lines(fig, lines, y) + 0.05
    method = term("briefing.method", lang).format(n=n, seeds=seeds)
    notes = [
        (line, {"fontsize": SMALL_SIZE, "color": "#555555"})
        for line in wrap(method, w - 2 * LEFT_IN, SMALL_SIZE)
    ]
    notes += [
        (line, {"fontsize": SMALL_SIZE, "color": "#555555"})
        for line in wrap(term("briefing.synthetic", lang), w - 2 * LEFT_IN, SMALL_SIZE)
    ]
    bottom = h - 0.35 - len(notes) * SMALL_SIZE * 1.45 / 72
    _lines(fig, notes, max(bottom, y + 0.2))
    return fig


BODY_TOP_IN = 0.9
BODY_BOTTOM_IN = 0.25
LINE_SPACING = 1.4  # line height / type size
FINDING_GAP_IN = 0.09
BULLET_IN = 0.25
FINDING_SIZE = SMALL_SIZE


def findings_pages(found: Sequence[str]) -> list[list[list[str]]]:
    """The findings split into pages: each page a list of bullets, each bullet its wrapped lines."""
    w, h = PAGE_IN
    line_in, gap_in = FINDING_SIZE * LINE_SPACING / 72, FINDING_GAP_IN
    room = h - BODY_TOP_IN - BODY_BOTTOM_IN
    pages, page, used = [], [], 0.0
    for sentence in found:
        lines = wrap(sentence, w - 2 * LEFT_IN - BULLET_IN, FINDING_SIZE)
        need = gap_in + len(lines) * line_in
        if page and used + need > room:
            pages.append(page)
            page, used = [], 0.0
        page.append(lines)
        used += need
    pages.append(page)
    return pages


def findings_page(
    bullets: Sequence[Sequence[str]], lang: str, page: int, pages: int, title: str | None = None
) -> Figure:
    fig = _page(title or term("briefing.findings", lang), page, pages, lang)
    w, h = PAGE_IN
    y = BODY_TOP_IN
    for lines in bullets:
        y += FINDING_GAP_IN
        fig.text(LEFT_IN / w, 1 - (y + 0.035) / h, "■", ha="left", va="top", fontsize=7, color="#0072B2")
        for line in lines:
            fig.text((LEFT_IN + BULLET_IN) / w, 1 - y / h, line, ha="left", va="top", fontsize=FINDING_SIZE)
            y += FINDING_SIZE * LINE_SPACING / 72
    return fig


def table_page(
    table: pd.DataFrame,
    base: str,
    variant: str,
    lang: str,
    page: int,
    pages: int,
    note: str,
    min_cell: int,
    titles: dict[str, str] | None = None,
) -> Figure:
    """The comparison table for one variant: figure, reference mean [CI], variant mean [CI], difference
    [CI] with * when significant (in black; not significant in grey). ``base`` and ``variant`` are
    names; ``titles`` how they are shown (default the names)."""
    titles = {base: base, variant: variant} | dict(titles or {})
    sep = "：" if lang == "zh" else ": "
    fig = _page(f"{term('briefing.table', lang)}{sep}{titles[base]} / {titles[variant]}", page, pages, lang)
    w, h = PAGE_IN
    colours = scenario_colours(list(dict.fromkeys(table["scenario"])))
    by = {(r["figure"], r["scenario"]): r for r in table.to_dict("records")}
    figures = list(dict.fromkeys(table["figure"]))
    rows = []
    for figure in figures:
        ref, var = by.get((figure, base)), by.get((figure, variant))
        ref_text = _cells(ref, lang, min_cell)[0] if ref else ""
        var_text, diff_text = _cells(var, lang, min_cell) if var else ("", "")
        strong = var is not None and bool(var["significant"])
        rows.append((_label(figure, lang), ref_text, var_text, diff_text, strong))
    mean_ci = f"{term('table.mean', lang)} [{term('table.ci95', lang)}]"
    head = [
        (term("table.figure", lang), ""),
        (titles[base], mean_ci),
        (titles[variant], mean_ci),
        (term("table.difference", lang).format(base=titles[base]), f"[{term('table.ci95', lang)}]"),
    ]
    head_colours = {titles[base]: colours.get(base), titles[variant]: colours.get(variant)}
    size = SMALL_SIZE - 0.5
    right = w - 0.3
    gap = 0.3
    # column widths from their widest text; the figure column takes what is left
    widths = [max(_width_in(t, size) for t in [*(r[c] for r in rows), *head[c]]) for c in range(1, 4)]
    label_w = right - LEFT_IN - sum(widths) - 3 * gap
    label_size = min(size, size * label_w / max(_width_in(r[0], size) for r in rows))
    edges = [
        right - widths[2] - widths[1] - widths[0] - 2 * gap,
        right - widths[2] - widths[1] - gap,
        right - widths[2],
    ]
    ends = [edges[1] - gap, edges[2] - gap, right]  # right edges of the number columns
    y = BODY_TOP_IN
    for c, (top, bottom) in enumerate(head):
        x, ha = (LEFT_IN, "left") if c == 0 else (ends[c - 1], "right")
        fig.text(
            x / w, 1 - y / h, top, ha=ha, va="top", fontsize=size, color=head_colours.get(top) or "#333333"
        )
        if bottom:
            fig.text(x / w, 1 - (y + 0.2) / h, bottom, ha=ha, va="top", fontsize=size, color="#555555")
    y += 0.5
    fig.add_artist(_rule(fig, y - 0.06, LEFT_IN, right, "#555555"))
    room = h - y - 0.75
    row_h = min(0.27, room / max(len(rows), 1))
    for i, (name, ref_text, var_text, diff_text, strong) in enumerate(rows):
        if i % 2 == 0:
            fig.patches.append(
                Rectangle(
                    (LEFT_IN / w, 1 - (y + row_h - 0.04) / h),
                    (right - LEFT_IN) / w,
                    row_h / h,
                    transform=fig.transFigure,
                    color="#f3f3f3",
                    lw=0,
                    figure=fig,
                    zorder=0,
                )
            )
        fig.text(LEFT_IN / w, 1 - y / h, name, ha="left", va="top", fontsize=max(label_size, 9.5))
        fig.text(
            ends[0] / w, 1 - y / h, ref_text, ha="right", va="top", fontsize=size, color=colours.get(base)
        )
        fig.text(
            ends[1] / w, 1 - y / h, var_text, ha="right", va="top", fontsize=size, color=colours.get(variant)
        )
        fig.text(
            ends[2] / w,
            1 - y / h,
            diff_text,
            ha="right",
            va="top",
            fontsize=size,
            color="#111111" if strong else "#888888",
        )
        y += row_h
    fig.add_artist(_rule(fig, y - 0.04, LEFT_IN, right, "#555555"))
    y += 0.04
    for line in wrap(note, w - 2 * LEFT_IN, size):
        fig.text(LEFT_IN / w, 1 - y / h, line, ha="left", va="top", fontsize=size, color="#555555")
        y += size * 1.4 / 72
    return fig


def _width_in(text: str, size: float) -> float:
    return _width(text) * size / 72


def _rule(fig: Figure, y_in: float, x0_in: float, x1_in: float, colour: str):
    from matplotlib.lines import Line2D

    w, h = fig.get_size_inches()
    return Line2D([x0_in / w, x1_in / w], [1 - y_in / h] * 2, transform=fig.transFigure, color=colour, lw=0.8)


# ---------------------------------------------------------------- inputs not yet calibrated


def uncalibrated(data: CompareData, titles: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """The inputs not yet calibrated in any scenario of the comparison (``ScenarioInfo.assumed``: keys
    whose reference starts with ``ASSUMED``), in key order: ``(key, reason, only)`` where ``reason`` is
    the reference after ``ASSUMED:`` and ``only`` names the scenarios (by ``titles``) it holds for when
    not all ('' when all). Scenarios whose manifest does not record them count for nothing."""
    titles = titles or {}
    known = [n for n in data.names if data.infos[n].assumed is not None]
    by_key: dict[str, tuple[str, list[str]]] = {}
    for name in known:
        for key, reference in data.infos[name].assumed:
            reason = reference.strip().removeprefix("ASSUMED").lstrip(":;, ").strip()
            by_key.setdefault(key, (reason, []))[1].append(name)
    out = []
    for key in sorted(by_key):
        reason, where = by_key[key]
        only = "" if len(where) == len(known) else "、".join(titles.get(n, n) for n in where)
        out.append((key, reason, only))
    return out


def caveat_lines(caveat: Sequence[tuple[str, str, str]], lang: str) -> list[str]:
    """One line an input: ``key (label): reason``, with the scenarios it holds for when not all."""
    sep = "：" if lang == "zh" else ": "
    out = []
    for key, reason, only in caveat:
        name = f"key.{key}"
        shown = f"{key}（{term(name, lang)}）" if lang == "zh" and name in TERMS else key
        if lang == "en" and name in TERMS:
            shown = f"{key} ({term(name, lang)})"
        where = term("briefing.caveat.only", lang).format(scenarios=only) if only else ""
        out.append(f"{shown}{where}{sep}{reason}")
    return out


CAVEAT_SIZE = SMALL_SIZE - 2.5  # a long list of keys: the smallest type of the pack


def caveat_pages(caveat: Sequence[tuple[str, str, str]], lang: str) -> list[list[str]]:
    """The caveat's lines split into pages (the first page also holds the introduction); each line cut
    to the page's width."""
    if not caveat:
        return []
    w, h = PAGE_IN
    width = w - 2 * LEFT_IN
    line_in = CAVEAT_SIZE * LINE_SPACING / 72
    intro_in = len(wrap(term("briefing.caveat.intro", lang), width, SMALL_SIZE)) * SMALL_SIZE * 1.45 / 72
    pages, page = [], []
    room = h - BODY_TOP_IN - BODY_BOTTOM_IN - intro_in - 0.15
    for text in caveat_lines(caveat, lang):
        lines = wrap(text, width, CAVEAT_SIZE)
        line = lines[0] if len(lines) == 1 else lines[0].rstrip(" ,;，；") + "…"
        if page and (len(page) + 1) * line_in > room:
            pages.append(page)
            page, room = [], h - BODY_TOP_IN - BODY_BOTTOM_IN
        page.append(line)
    pages.append(page)
    return pages


def caveat_page(lines: Sequence[str], lang: str, first: bool, page: int, pages: int) -> Figure:
    fig = _page(term("briefing.caveat.title", lang), page, pages, lang)
    w, h = PAGE_IN
    y = BODY_TOP_IN
    if first:
        intro = wrap(term("briefing.caveat.intro", lang), w - 2 * LEFT_IN, SMALL_SIZE)
        y += _lines(fig, [(line, {"fontsize": SMALL_SIZE, "color": "#B22222"}) for line in intro], y) + 0.15
    for line in lines:
        fig.text(LEFT_IN / w, 1 - y / h, line, ha="left", va="top", fontsize=CAVEAT_SIZE, color="#333333")
        y += CAVEAT_SIZE * LINE_SPACING / 72
    return fig


# ---------------------------------------------------------------- charts with nothing to show


def empty_charts(data: CompareData, charts: Sequence[str]) -> list[str]:
    """The charts among ``charts`` whose figures (``CHART_FIGURES``) are zero in every scenario and
    replication (or day): pages with nothing to show. Charts not in ``CHART_FIGURES``, and figures the
    folder does not hold, are kept."""
    out = []
    for chart in charts:
        if chart not in CHART_FIGURES:
            continue
        source, columns = CHART_FIGURES[chart]
        df = data.replications if source == "replications" else data.daily
        if df is None:
            continue
        present = [c for c in columns if c in df.columns]
        if present and len(df) and bool((df[present].fillna(0).to_numpy(dtype=float) == 0).all()):
            out.append(chart)
    return out


def not_shown_sentence(charts: Sequence[str], lang: str) -> str:
    """The one line naming the charts left out for having nothing to show."""
    sep = "、" if lang == "zh" else "; "
    names = sep.join(term(CHART_TITLES[c], lang) if c in CHART_TITLES else c for c in charts)
    return term("briefing.not_shown", lang).format(charts=names)


# ---------------------------------------------------------------- the pack


def _seeds_text(reps: pd.DataFrame) -> tuple[int, str]:
    seeds = sorted(set(reps["seed"].astype(int)))
    per = reps.groupby("scenario")["seed"].nunique()
    n = int(per.min()) if len(per) else 0
    if not seeds:
        return 0, ""
    text = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}–{seeds[-1]}"
    return n, text


def page_count(n_scenarios: int, n_charts: int, findings_pages: int = 1, caveat_pages: int = 0) -> int:
    """Pages of a briefing: title, findings (one page unless they are long), one table page per
    variant, one page per chart with something to show, the inputs not yet calibrated (none once
    calibration has replaced them all)."""
    return 1 + findings_pages + max(n_scenarios - 1, 1) + n_charts + caveat_pages


def build_briefing(
    compare_dir,
    lang: str = "en",
    out_dir=None,
    params=None,
    decomposition=None,
    base_level=None,
    robustness=None,
) -> Path:
    """Write the briefing pack of a compare folder in ``lang`` (see the module docstring); return the
    PDF's path, ``out_dir/briefing.<lang>.pdf``.

    Args:
        compare_dir: a compare output folder (``comparison.csv``, ``replications.parquet``,
            ``daily.parquet``); its first scenario is the reference.
        lang: "en" or "zh".
        out_dir: where to write (default ``compare_dir``).
        params: the scenarios' ``sim.Params`` in order, if at hand (for descriptions, references,
            supply target and ``min_cell``); otherwise from the folder's ``scenarios.json`` or the
            scenario files of the same names.
        decomposition: the reform's decomposition (``decomposition.csv`` or its path) against the
            folder's reference; adds :func:`decomposition_section` after the charts.
        base_level: the reference's mean of each figure (default the folder's ``comparison.csv``).
        robustness: a robustness folder (``run.py robustness``) of the folder's reference and first
            variant; adds :func:`robustness_section` (a page of sentences, the influence charts).
    """
    use_fonts(lang)
    compare_dir = Path(compare_dir)
    out = Path(out_dir) if out_dir else compare_dir
    out.mkdir(parents=True, exist_ok=True)
    data = read_compare(compare_dir, params)
    names = data.names
    min_cell = data.infos[names[0]].min_cell
    titles = scenario_titles(data.infos, names, lang)
    n, seeds = _seeds_text(data.replications)
    table = briefing_table(data)
    extra = [f for f in MECHANISM_FIGURES if f not in TABLE_FIGURES]
    found = findings(briefing_table(data, (*TABLE_FIGURES, *extra)), names, lang, titles)
    found += published_wait_sentences(table, names, lang, titles)
    note = term("briefing.method", lang).format(n=n, seeds=seeds)
    caveat = uncalibrated(data, titles)

    figs = compare_figures(compare_dir, lang, params, data=data)
    empty = empty_charts(data, list(figs))
    figs = {name: fig for name, fig in figs.items() if name not in empty}
    if empty:
        found.append(not_shown_sentence(empty, lang))

    section = None
    if decomposition is not None:
        section = _decomposition(data, decomposition, base_level, titles, lang, min_cell)
        section.groups.to_csv(out / DECOMPOSE_GROUPS_FILE.format(lang=lang), index=False)
    robust = robustness_section(robustness, [titles[n] for n in names[:2]], lang) if robustness else None
    text = markdown(table, names, lang, [note], found, min_cell, titles, caveat)
    extra_md = "".join(f"\n{part.markdown}" for part in (section, robust) if part)
    (out / MARKDOWN_FILE.format(lang=lang)).write_text(text + extra_md, encoding="utf-8")
    table_csv(table, lang).to_csv(out / TABLE_FILE.format(lang=lang), index=False)
    robust_figs = robust.charts if robust else {}
    for name, fig in (figs | (section.charts if section else {}) | robust_figs).items():
        save(fig, out / "charts", name, lang)
    bullets = findings_pages(found)
    caveats = caveat_pages(caveat, lang)
    section_bullets = findings_pages(section.sentences) if section else []
    extra_pages = len(section_bullets) + 1 + len(section.charts) if section else 0
    robust_bullets = findings_pages(robust.sentences) if robust else []
    extra_pages += len(robust_bullets) + len(robust_figs)
    pages = page_count(len(names), len(figs), len(bullets), len(caveats)) + extra_pages
    pdf_path = out / PDF_FILE.format(lang=lang)
    tmp = out / f".{pdf_path.name}.tmp"
    with PdfPages(tmp, metadata={"Title": term("briefing.title", lang), "Creator": "prh-sim"}) as pdf:
        pdf.savefig(title_page(data, lang, n, seeds, pages, titles, len(caveat)))
        page = 2
        for part in bullets:
            pdf.savefig(findings_page(part, lang, page, pages))
            page += 1
        for variant in names[1:] or names[:1]:
            pdf.savefig(table_page(table, names[0], variant, lang, page, pages, note, min_cell, titles))
            page += 1
        for fig in figs.values():
            _page_number(fig, page, pages, lang)
            pdf.savefig(fig)
            page += 1
        if section:
            heading = term("briefing.decompose.title", lang)
            for part in section_bullets:
                pdf.savefig(findings_page(part, lang, page, pages, heading))
                page += 1
            pdf.savefig(group_share_page(section.cells, section.notes, lang, page, pages))
            page += 1
            for fig in section.charts.values():
                _page_number(fig, page, pages, lang)
                pdf.savefig(fig)
                page += 1
        for part in robust_bullets:
            pdf.savefig(findings_page(part, lang, page, pages, term("briefing.robust.title", lang)))
            page += 1
        for fig in robust_figs.values():
            _page_number(fig, page, pages, lang)
            pdf.savefig(fig)
            page += 1
        for i, lines in enumerate(caveats):
            pdf.savefig(caveat_page(lines, lang, i == 0, page, pages))
            page += 1
    tmp.replace(pdf_path)
    return pdf_path


# ---------------------------------------------------------------- the decomposition of a reform


#: The decomposition's table of shares by group, in words: ``decomposition_groups.<lang>.csv``.
DECOMPOSE_GROUPS_FILE = "decomposition_groups.{lang}.csv"


@dataclass
class DecompositionSection:
    """What ``briefing BASE REFORM --decompose`` adds to the pack: the sentences (a page of their own),
    the table of shares by group (its rows, its page's cells, its Markdown) and the charts (waterfalls of
    each main figure, Shapley shares then cumulative steps, and the shares by group)."""

    sentences: list[str]
    groups: pd.DataFrame  # decompose.group_share_table with a label column
    cells: list[list[str]]  # the group table as shown: a header row, then a row per group
    notes: list[str]  # under the table: what * marks, each change's scenario keys
    charts: dict[str, Figure]
    markdown: str


def decomposition_sentence(decomposition: pd.DataFrame, figure: str, base: str, reform: str, lang: str):
    """One sentence on what the reform does to ``figure`` and why: its total effect with the 95 % CI,
    the change whose Shapley share is largest (and the largest one working the other way, when its CI
    excludes zero), and whether the changes reinforce each other (the interaction, the total minus the
    changes alone, has the sign of their sum), cancel (the opposite sign) or act as if independent (its
    CI includes zero). None when the table lacks the figure."""
    rows = decomposition[decomposition["figure"] == figure].set_index("change")
    if decompose.TOTAL not in rows.index:
        return None
    unit = _unit(figure)
    total, inter = rows.loc[decompose.TOTAL], rows.loc[decompose.INTERACTION]
    shares = rows.drop([decompose.TOTAL, decompose.INTERACTION])
    signed = lambda x: format_number(float(x), unit, sign=True)  # noqa: E731
    largest = shares["shapley"].abs().idxmax()
    top = shares.loc[largest]
    against = ""
    opposite = shares[(shares["shapley"] * float(total["shapley"]) < 0)]
    opposite = opposite[[significant(r.shapley_ci_low, r.shapley_ci_high) for r in opposite.itertuples()]]
    opposite = opposite.drop(largest, errors="ignore")
    if len(opposite):
        other = opposite["shapley"].abs().idxmax()
        against = term("briefing.decompose.against", lang).format(
            change=other, share=_with_unit_word(signed(opposite.at[other, "shapley"]), unit, lang, diff=True)
        )
    alone = float(total["shapley"]) - float(inter["alone"])
    if not significant(inter["alone_ci_low"], inter["alone_ci_high"]):
        key = "briefing.decompose.independent"
    elif float(inter["alone"]) * alone > 0:
        key = "briefing.decompose.reinforce"
    else:
        key = "briefing.decompose.cancel"
    interaction = term(key, lang).format(
        value=_with_unit_word(signed(inter["alone"]), unit, lang, diff=True),
        low=signed(inter["alone_ci_low"]),
        high=signed(inter["alone_ci_high"]),
    )
    name = term(figure, lang) if figure in TERMS else figure
    return term("briefing.decompose.figure", lang).format(
        figure=name,
        reform=reform,
        base=base,
        total=_with_unit_word(signed(total["shapley"]), unit, lang, diff=True),
        low=signed(total["shapley_ci_low"]),
        high=signed(total["shapley_ci_high"]),
        change=largest,
        share=_with_unit_word(signed(top["shapley"]), unit, lang, diff=True),
        share_low=signed(top["shapley_ci_low"]),
        share_high=signed(top["shapley_ci_high"]),
        against=against,
        interaction=interaction,
    )


def decomposition_findings(
    decomposition: pd.DataFrame,
    scenarios: Sequence[str],
    lang: str,
    figures: Sequence[str] = decompose.MAIN_FIGURES,
) -> list[str]:
    """The method (how many changes; exact or sampled Shapley shares; replications), then
    :func:`decomposition_sentence` of each of ``figures`` the table holds. ``scenarios``: the base's and
    the reform's names as shown."""
    base, reform = scenarios
    method = decompose.method_text(decomposition, lang)
    method = method if lang == "zh" else method[0].lower() + method[1:]  # inside a sentence
    k = len(decompose.changes(decomposition))
    out = [term("briefing.decompose.method", lang).format(reform=reform, base=base, k=k, method=method)]
    for figure in figures:
        sentence = decomposition_sentence(decomposition, figure, base, reform, lang)
        if sentence:
            out.append(sentence)
    return out


def group_share_cells(groups: pd.DataFrame, lang: str, min_cell: int) -> list[list[str]]:
    """The table of shares by group as text: a header (group, each change, the total), then per group
    ``share [low, high]`` in days (``*`` when the CI excludes zero) or the suppression mark."""
    names = list(dict.fromkeys(groups["change"]))
    head = [term("decompose.group", lang), *names[:-1], term("decompose.total", lang)]
    rows = [head]
    for g, part in groups.groupby("group", sort=False):
        row = [term(f"group.{g}", lang)]
        for rec in part.itertuples(index=False):
            if rec.suppressed:
                row.append(term("briefing.suppressed", lang).format(n=min_cell))
                continue
            low, high = (format_number(x, "days", sign=True) for x in (rec.ci_low, rec.ci_high))
            star = " *" if rec.significant else ""
            row.append(f"{format_number(rec.shapley, 'days', sign=True)} [{low}, {high}]{star}")
        rows.append(row)
    return rows


def decomposition_section(
    decomposition: pd.DataFrame,
    base_level: dict[str, float],
    scenarios: Sequence[str],
    lang: str,
    min_cell: int,
) -> DecompositionSection:
    """The pack's decomposition section (:class:`DecompositionSection`) from the decomposition table
    (``decomposition.csv``), the base's mean of each figure, the base's and the reform's names as shown
    (``scenarios``), ``lang`` and ``analysis.min_cell`` (groups housing fewer are suppressed, Art. 27)."""
    use_fonts(lang)
    found = decomposition_findings(decomposition, scenarios, lang)
    groups = decompose.group_share_table(decomposition, base_level, min_cell)
    groups.insert(2, "label", [term(f"group.{g}", lang) for g in groups["group"]])
    cells = group_share_cells(groups, lang, min_cell)
    figs = {}
    for figure in decompose.MAIN_FIGURES:
        if not (decomposition["figure"] == figure).any():
            continue
        for kind, name in (("shapley", "decompose_waterfall"), ("steps", "decompose_steps")):
            figs[f"{name}_{figure}"] = decompose.waterfall_chart(
                decomposition, figure, base_level, lang, kind=kind, scenarios=scenarios
            )
    figs["decompose_groups"] = decompose.group_share_chart(
        decomposition, base_level, lang, min_cell=min_cell, reform=scenarios[1]
    )
    md = [f"## {term('briefing.decompose.title', lang)}", "", *(f"- {s}" for s in found), ""]
    md += [f"### {term('briefing.decompose.table', lang)}", ""]
    md.append("| " + " | ".join(cells[0]) + " |")
    md.append("|" + "|".join([":---"] + ["---:"] * (len(cells[0]) - 1)) + "|")
    md += ["| " + " | ".join(row) + " |" for row in cells[1:]]
    notes = [term("table.significant", lang), decompose.keys_note(decomposition, lang)]
    md += ["", *(line for n in notes for line in (n, "")), ""]
    return DecompositionSection(found, groups, cells, notes, figs, "\n".join(md))


def group_share_page(
    cells: Sequence[Sequence[str]], notes: Sequence[str], lang: str, page: int, pages: int
) -> Figure:
    """The table of shares by group on a page: group names left, each change's share right-aligned
    in its column, the type made smaller when the columns would not fit the page."""
    fig = _page(term("briefing.decompose.table", lang), page, pages, lang)
    w, h = PAGE_IN
    right = w - 0.3
    gap = 0.3
    size = SMALL_SIZE - 0.5
    widths = [max(_width_in(row[c], size) for row in cells) for c in range(len(cells[0]))]
    size *= min(1.0, (right - LEFT_IN - gap * (len(widths) - 1)) / sum(widths))
    widths = [max(_width_in(row[c], size) for row in cells) for c in range(len(cells[0]))]
    ends = [right - sum(widths[c + 1 :]) - gap * (len(widths) - 1 - c) for c in range(len(widths))]
    y = BODY_TOP_IN
    for i, row in enumerate(cells):
        for c, text in enumerate(row):
            x, ha = (LEFT_IN, "left") if c == 0 else (ends[c], "right")
            colour = "#555555" if i == 0 else ("#111111" if text.endswith("*") or c == 0 else "#888888")
            fig.text(x / w, 1 - y / h, text, ha=ha, va="top", fontsize=size, color=colour)
        y += 0.4 if i == 0 else 0.3
        if i == 0:
            fig.add_artist(_rule(fig, y - 0.12, LEFT_IN, right, "#555555"))
    fig.add_artist(_rule(fig, y - 0.04, LEFT_IN, right, "#555555"))
    y += 0.08
    for line in (line for note in notes for line in wrap(note, w - 2 * LEFT_IN, size)):
        fig.text(LEFT_IN / w, 1 - y / h, line, ha="left", va="top", fontsize=size, color="#555555")
        y += size * 1.4 / 72
    return fig


def _decomposition(data: CompareData, decomposition, base_level, titles, lang: str, min_cell: int):
    """:func:`decomposition_section` of a compare folder's reference and first variant."""
    if not isinstance(decomposition, pd.DataFrame):
        decomposition = pd.read_csv(decomposition)
    if base_level is None:
        ref = data.comparison[data.comparison["scenario"].astype(str) == data.names[0]]
        base_level = dict(zip(ref["figure"], ref["mean"].astype(float), strict=True))
    shown = [titles[n] for n in data.names[:2]]
    return decomposition_section(decomposition, base_level, shown, lang, min_cell)


# ---------------------------------------------------------------- robustness to the assumed inputs


@dataclass
class RobustnessSection:
    """What ``briefing BASE VARIANT --robustness DIR`` adds to the pack: the sentences (a page of their
    own: the conclusion, the share of plausible worlds where it holds, the assumptions it depends on most
    and what data would settle them) and the influence charts of the main figure."""

    sentences: list[str]
    charts: dict[str, Figure]
    markdown: str


def _main_figure(holds: pd.DataFrame) -> str:
    """The mean wait if the study analysed it, else its first figure."""
    figures = list(dict.fromkeys(holds["figure"].astype(str)))
    return WAIT if WAIT in figures else figures[0]


def robustness_findings(data: RobustnessData, scenarios: Sequence[str], lang: str) -> list[str]:
    """The sentences of the robustness page, of the study's last stage (Sobol when it ran, else the
    Morris screening): the main figure's difference at the scenarios' own values (:func:`_main_figure`);
    the share of plausible worlds where it keeps its sign, with its 95 % CI, and its range; the (at most
    three) assumptions above the noise floor it depends on most, each with its range and the data that
    would settle it (``settled_by``), or how many are above the floor when fewer; the method; then each
    other figure's share in one sentence. ``scenarios``: the base's and the variant's names as shown."""
    base, variant = scenarios
    method = "sobol" if (data.indices["method"] == "sobol").any() else "morris"
    holds = data.holds[data.holds["method"] == method].set_index("figure")
    figure = _main_figure(holds.reset_index())
    row = holds.loc[figure]
    unit = _unit(figure)
    signed = lambda x: format_number(float(x), unit, sign=True)  # noqa: E731
    diff = float(row["center_difference"])
    n = int(data.points.loc[(data.points["point"] < 0) & (data.points["figure"] == figure), "n"].max())
    out = []
    if diff == 0 or not math.isfinite(diff):
        out.append(
            term("briefing.robust.no_difference", lang).format(
                variant=variant, base=base, figure=_figure_words(figure, lang)
            )
        )
    else:
        out.append(
            term("briefing.robust.conclusion", lang).format(
                variant=variant,
                base=base,
                figure=_figure_words(figure, lang),
                direction=_direction(figure, diff, lang),
                size=_with_unit_word(format_number(abs(diff), unit), unit, lang, diff=True),
                low=signed(row["center_ci_low"]),
                high=signed(row["center_ci_high"]),
                n=n,
                caveat="" if row["center_significant"] else term("briefing.robust.not_significant", lang),
            )
        )
        out.append(
            term("briefing.robust.holds", lang).format(
                holds=robust_charts.holds_text(row, lang),
                points=int(row["points"]),
                design=robust_charts.design_text(data.holds, data.points, method, lang),
                p05=_with_unit_word(signed(row["difference_p05"]), unit, lang, diff=True),
                p95=_with_unit_word(signed(row["difference_p95"]), unit, lang, diff=True),
            )
        )
    out += _depends_sentences(data, figure, method, lang)
    out.append(_robustness_method(data, lang))
    for other, rec in holds.drop(figure).iterrows():
        if math.isfinite(float(rec["share"])):
            out.append(
                term("briefing.robust.other", lang).format(
                    figure=term(other, lang) if other in TERMS else other,
                    diff=_with_unit_word(
                        format_number(float(rec["center_difference"]), _unit(other), sign=True),
                        _unit(other),
                        lang,
                        diff=True,
                    ),
                    holds=robust_charts.holds_text(rec, lang),
                )
            )
    return out


def _first(items: list[str], n: int) -> str:
    """The first ``n`` of ``items``, and ``…`` when there are more."""
    return "; ".join(items[:n]) + ("; …" if len(items) > n else "")


def _depends_sentences(data: RobustnessData, figure: str, method: str, lang: str) -> list[str]:
    """The (at most three) inputs above the noise floor the difference of ``figure`` depends on most, a
    sentence each, after one that says how many there are."""
    score = robust_charts.SCORES[method][0]
    rows = robust_charts.influence_rows(data.indices, figure, method)
    ranked = rows[rows["input"] != robust_charts.NOISE]
    if ranked.empty:
        return []
    unit = _unit(figure) if method == "morris" else None

    def number(x: float) -> str:
        return format_number(float(x), unit) if method == "morris" else format_number(float(x), digits=2)

    floor = number(rows.loc[rows["input"] == robust_charts.NOISE, score].iloc[0])
    score_name = term(f"briefing.robust.score.{method}", lang)
    above = ranked[ranked["above_noise"].astype(bool)].head(3)
    out = []
    if len(above) < 3:
        out.append(
            term("briefing.robust.fewer" if len(above) else "briefing.robust.none", lang).format(
                n=len(ranked), k=len(above), floor=floor, score=score_name
            )
        )
    if len(above):
        out.append(term("briefing.robust.depends", lang).format(k=len(above), score=score_name, floor=floor))
    inputs = data.inputs.set_index("input")
    for rec in above.itertuples(index=False):
        name = str(rec.input)
        known = name in inputs.index
        if not known:  # a group of inputs (robustness --groups): its ranged inputs and their data
            mine = data.inputs[(data.inputs["group"] == name) & (data.inputs["status"] == "ranged")]
            settled, shown = (
                _first(list(dict.fromkeys(mine[c].astype(str))), 3) for c in ("settled_by", "input")
            )
            in_group = term("briefing.robust.group", lang).format(n=len(mine), inputs=shown)
        out.append(
            term("briefing.robust.input", lang).format(
                label=robust_charts.input_label(name, lang, data.keys),
                name=name,
                range=inputs.at[name, "range"] if known else in_group,
                score=score_name,
                value=number(getattr(rec, score)),
                low=number(getattr(rec, f"{score}_ci_low")),
                high=number(getattr(rec, f"{score}_ci_high")),
                settled_by=inputs.at[name, "settled_by"] if known else settled,
            )
        )
    return out


def _robustness_method(data: RobustnessData, lang: str) -> str:
    """How the study ran: inputs ranged and held, the ranges file, the design of each stage."""
    status = data.inputs["status"].astype(str)
    design = robust_charts.design_text(data.holds, data.points, "morris", lang)
    if (data.indices["method"] == "sobol").any():
        kept = data.indices.loc[(data.indices["method"] == "sobol") & (data.indices["rank"] > 0), "input"]
        design += term("briefing.robust.sobol", lang).format(
            k=kept.nunique(), design=robust_charts.design_text(data.holds, data.points, "sobol", lang)
        )
    screened = status.eq("held") & data.inputs["reason"].astype(str).str.startswith("screened out")
    return term("briefing.robust.method", lang).format(
        ranged=int(status.eq("ranged").sum() + screened.sum()),
        source=data.run.get("replications", {}).get("ranges", "?"),
        design=design,
        held=int(status.eq("held").sum() - screened.sum()),
    )


def robustness_section(directory, scenarios: Sequence[str], lang: str) -> RobustnessSection:
    """The pack's robustness section (:class:`RobustnessSection`) of a robustness folder (``run.py
    robustness``), the base's and the variant's names as shown (``scenarios``)."""
    use_fonts(lang)
    data = read_robustness(directory)
    found = robustness_findings(data, scenarios, lang)
    figure = _main_figure(data.holds)
    charts = robust_charts.influence_charts(data, figure, lang, scenarios)
    md = [f"## {term('briefing.robust.title', lang)}", "", *(f"- {s}" for s in found), ""]
    return RobustnessSection(found, charts, "\n".join(md))
