"""Tables as plain text for a terminal, in Chinese or English: a run's summary, a comparison, a sweep's
cells. CJK characters count as two columns.
"""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from ..experiments.sweep import is_integral, show_value
from ..stats import significant
from .numbers import format_number
from .terms import label, term, unit_of


def _cell(x: float, unit: str | None, na: str, sign: bool = False) -> str:
    """A figure in a terminal table (``analysis.reporting.numbers``, ``style="table"``): shares as
    fractions with three decimals, days and counts whole, other figures with two; never "-0" or "+0"."""
    return format_number(x, unit, sign, na=na, style="table")


def _width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def format_table(table: pd.DataFrame, lang: str = "en") -> str:
    """The summary table as plain text for a terminal: label, mean, 95 % CI as ``[low, high]``.

    Days and counts are shown without decimals, shares with three; a missing value shows as n/a (无).
    """
    na = term("table.na", lang)
    ns = set(table["n"].tolist()) if "n" in table else set()
    show_n = len(ns) > 1
    head_ci = term("table.ci95", lang)
    if len(ns) == 1:
        head_ci += f" (n={next(iter(ns))})"
    header = [term("table.figure", lang), term("table.mean", lang), head_ci]
    if show_n:
        header.append(term("table.n", lang))
    rows = []
    for rec in table.itertuples(index=False):
        try:
            name = label(rec.figure, lang)
        except KeyError:
            name = rec.figure
        unit = unit_of(rec.figure)
        if math.isfinite(rec.ci_low) and math.isfinite(rec.ci_high):
            ci = f"[{_cell(rec.ci_low, unit, na)}, {_cell(rec.ci_high, unit, na)}]"
        else:
            ci = na
        row = [name, _cell(rec.mean, unit, na), ci]
        if show_n:
            row.append(str(rec.n))
        rows.append(row)
    return render_table(header, rows)


def render_table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """Plain-text columns: the first ``left`` columns left-aligned, the others right-aligned, a rule
    under the header; CJK characters count as two columns."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for i, r in enumerate([header, *rows]):
        cells = [_pad(c, w, right=j >= left) for j, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append(
                "  ".join(("-" if h else " ") * w for h, w in zip(header, widths, strict=True)).rstrip()
            )
    return "\n".join(lines)


def _ci(low: float, high: float, unit, na: str, sign: bool = False) -> str:
    if not (math.isfinite(low) and math.isfinite(high)):
        return na
    return f"[{_cell(low, unit, na, sign)}, {_cell(high, unit, na, sign)}]"


def format_comparison(table: pd.DataFrame, lang: str = "en", titles: dict[str, str] | None = None) -> str:
    """The comparison as plain text: per figure, one line per scenario, shown by its title in ``titles``
    (``{name: title}``: ``analysis.reporting.titles.scenario_titles``) or its name; a ``*`` marks a
    difference whose 95 % CI excludes zero."""
    na = term("table.na", lang)
    titles = titles or {}
    scenarios = [titles.get(n, n) for n in dict.fromkeys(table["scenario"])]
    header = [
        term("table.figure", lang),
        term("table.scenario", lang),
        term("table.mean", lang),
        term("table.ci95", lang),
        term("table.difference", lang).format(base=scenarios[0]),
        term("table.diff_ci95", lang),
        "",
    ]
    rows = []
    for fig, group in table.groupby("figure", sort=False):
        try:
            name = label(fig, lang)
        except KeyError:
            name = fig
        unit = unit_of(fig)
        for i, rec in enumerate(group.itertuples(index=False)):
            row = [name if i == 0 else "", titles.get(rec.scenario, rec.scenario), _cell(rec.mean, unit, na)]
            row.append(_ci(rec.ci_low, rec.ci_high, unit, na))
            if i == 0:
                row += ["", "", ""]
            else:
                row.append(_cell(rec.diff_mean, unit, na, sign=True))
                row.append(_ci(rec.diff_ci_low, rec.diff_ci_high, unit, na, sign=True))
                row.append("*" if significant(rec.diff_ci_low, rec.diff_ci_high) else "")
            rows.append(row)
    return render_table(header, rows, left=2) + "\n" + term("table.significant", lang)


def format_decomposition(table: pd.DataFrame, figures, lang: str = "en") -> str:
    """A decomposition (``decomposition.csv``) as plain text: per figure, the total effect, each change's
    Shapley share and its effect alone, each with its 95 % CI, then the interaction one-at-a-time
    leaves over (in the alone column); a ``*`` marks a Shapley share (or the interaction) whose CI
    excludes zero."""
    na = term("table.na", lang)
    header = [
        term("table.figure", lang),
        term("table.change", lang),
        term("table.shapley", lang),
        term("table.ci95", lang),
        "",
        term("table.alone", lang),
        term("table.ci95", lang),
    ]
    shown = {"total": term("table.total", lang), "interaction": term("table.interaction", lang)}
    rows = []
    for fig in figures:
        part = table[table["figure"] == fig]
        unit = unit_of(fig)
        order = [*part.index[part["change"] == "total"], *part.index[~part["change"].isin(list(shown))]]
        order += list(part.index[part["change"] == "interaction"])
        for j, rec in enumerate(part.loc[order].itertuples(index=False)):
            star = rec.alone_ci_low if rec.change == "interaction" else rec.shapley_ci_low
            high = rec.alone_ci_high if rec.change == "interaction" else rec.shapley_ci_high
            rows.append(
                [
                    label(fig, lang) if j == 0 else "",
                    shown.get(rec.change, rec.change),
                    _cell(rec.shapley, unit, na, sign=True) if rec.change != "interaction" else "",
                    _ci(rec.shapley_ci_low, rec.shapley_ci_high, unit, na, sign=True)
                    if rec.change != "interaction"
                    else "",
                    "*" if significant(star, high) else "",
                    _cell(rec.alone, unit, na, sign=True),
                    _ci(rec.alone_ci_low, rec.alone_ci_high, unit, na, sign=True),
                ]
            )
    return render_table(header, rows, left=2) + "\n" + term("table.significant", lang)


def format_cells(cells: pd.DataFrame, keys: list[str], figures, lang: str = "en") -> str:
    """Per figure, one line per cell: the swept values, mean, 95 % CI and n."""
    na = term("table.na", lang)
    blocks = []
    for fig in figures:
        part = cells[cells["figure"] == fig]
        if part.empty:
            continue
        unit = unit_of(fig)
        try:
            title = label(fig, lang)
        except KeyError:
            title = fig
        header = [*keys, term("table.mean", lang), term("table.ci95", lang), term("table.n", lang)]
        rows = []
        for rec in part.itertuples(index=False):
            values = [show_value(int(v) if is_integral(v) else v) for v in rec[: len(keys)]]
            mean, low, high, n = rec[-4], rec[-3], rec[-2], rec[-1]
            ok = math.isfinite(low) and math.isfinite(high)
            ci = f"[{_cell(low, unit, na)}, {_cell(high, unit, na)}]" if ok else na
            rows.append([*values, _cell(mean, unit, na), ci, str(n)])
        blocks.append(title + "\n" + render_table(header, rows, left=0))
    return "\n\n".join(blocks)


def format_robustness(results, lang: str = "en", top: int = 5) -> str:
    """A robustness study as plain text: per figure, the difference at the scenarios' own values, the
    share of plausible worlds where it keeps its sign (95 % CI) and its range; then the inputs its size
    depends on most (Morris μ*, σ; Sobol total and first-order indices when run), with the noise floor;
    ``*`` marks an input above the noise floor."""
    na = term("table.na", lang)
    last = results[-1]
    header = [
        term("table.figure", lang),
        term("table.difference_at_own", lang),
        term("table.ci95", lang),
        term("table.holds_share", lang),
        term("table.ci95", lang),
        term("table.difference_range", lang),
    ]
    rows = []
    for rec in last.holds.itertuples(index=False):
        unit = unit_of(rec.figure)
        rows.append(
            [
                label(rec.figure, lang),
                _cell(rec.center_difference, unit, na, sign=True),
                _ci(rec.center_ci_low, rec.center_ci_high, unit, na, sign=True),
                na if rec.share != rec.share else f"{rec.share:.0%}",
                na if rec.share != rec.share else f"[{rec.share_ci_low:.0%}, {rec.share_ci_high:.0%}]",
                " … ".join(_cell(x, unit, na, sign=True) for x in (rec.difference_p05, rec.difference_p95)),
            ]
        )
    parts = [render_table(header, rows, left=1)]
    for result in results:
        sobol = result.study.method == "sobol"
        score = "ST" if sobol else "mu_star"
        header = [
            term("table.figure", lang),
            term("table.input", lang),
            term("table.sobol_total" if sobol else "table.mu_star", lang),
            term("table.ci95", lang),
            term("table.sobol_first" if sobol else "table.sigma", lang),
            "",
        ]
        rows = []
        idx = result.indices[result.indices["measure"] == "difference"]
        for figure in result.figures:
            part = idx[idx["figure"] == figure].sort_values("rank")
            unit = None if sobol else unit_of(figure)
            shown = [
                *part[part["rank"] > 0].head(top).itertuples(index=False),
                *part[part["rank"] == 0].itertuples(index=False),
            ]
            for j, rec in enumerate(shown):
                value = getattr(rec, score)
                low, high = getattr(rec, f"{score}_ci_low"), getattr(rec, f"{score}_ci_high")
                noise = rec.input == "noise"
                rows.append(
                    [
                        label(figure, lang) if j == 0 else "",
                        term("table.noise_floor", lang) if noise else rec.input,
                        _cell(value, unit, na) if not sobol else f"{value:.2f}",
                        _ci(low, high, unit, na) if not sobol else f"[{low:.2f}, {high:.2f}]",
                        (f"{rec.S1:.2f}" if sobol else _cell(rec.sigma, unit, na)),
                        "*" if rec.above_noise else "",
                    ]
                )
        parts.append(render_table(header, rows, left=2) + "\n" + term("table.above_noise", lang))
    return "\n\n".join(parts)
