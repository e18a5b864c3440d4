"""Charts of a sweep (a grid of rule values × replications): a summary figure against one swept key,
with a line per value of a second key, and the heat map of a figure over two keys.

Every function takes the sweep's ``replications.parquet`` (swept keys, ``seed``, every figure), the key
or keys to draw against and a figure, and returns a ``Figure``. Other swept keys are averaged; the
tables come from ``analysis.stats`` (``sweep_line_table``, ``sweep_heatmap_table``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from ...experiments.outputs import sweep_keys
from ...stats import sweep_heatmap_table, sweep_line_table
from ..fonts import SMALL_SIZE, use_fonts
from ..terms import TERMS, term
from .style import (
    FIGSIZE,
    MARKERS,
    PALETTE,
    WAIT,
    chart_number,
    figure_label,
    is_share,
    legend,
    n_text,
    new_figure,
    percent_axis,
    thousands_axis,
    tick_label,
    titles,
    unit_word,
    with_unit,
)


def key_label(key: str, lang: str) -> str:
    """Label of a swept dotted key, from ``analysis.reporting.terms`` (``key.<dotted>``) or the key itself;
    a share is ticked as swept (0 to 1), so labelled a share, not per cent."""
    k = f"key.{key}"
    if k in TERMS:
        return with_unit(term(k, lang), unit_word(TERMS[k].unit, lang), lang)
    return key


def _short(key: str, lang: str) -> str:
    k = f"key.{key}"
    return term(k, lang) if k in TERMS else key


def _numeric(values) -> bool:
    try:
        np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):
        return False
    return True


def _seq_colours(n: int) -> list:
    cmap = colormaps["viridis"]
    return [cmap(0.1 + 0.75 * i / max(n - 1, 1)) for i in range(n)]


def _text_colour(rgb) -> str:
    r, g, b = to_rgb(rgb)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "#111111"


def sweep_line_chart(
    replications: pd.DataFrame,
    key: str,
    figure: str = WAIT,
    lang: str = "en",
    *,
    by: str | None = None,
    keys: Sequence[str] | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """A summary figure (default the mean wait) against one swept key: mean and 95 % band across
    seeds; one line per value of ``by`` (a second swept key) if given. Other swept keys are averaged.

    Args:
        replications: a sweep's ``replications.parquet`` (swept keys, ``seed``, every figure).
        keys: every swept key (to say whether others were averaged); default the columns before ``seed``.
    """
    use_fonts(lang)
    keys = list(keys) if keys is not None else sweep_keys(replications)
    cell = [by, key] if by else [key]
    scale = 100.0 if is_share(figure) else 1.0
    band = sweep_line_table(replications, cell, figure, scale)
    xs = list(dict.fromkeys(replications[key]))
    numeric = _numeric(xs)
    if numeric:
        xs = sorted(xs, key=float)
        band["x"] = band[key].astype(float)
    else:
        band["x"] = band[key].map({v: i for i, v in enumerate(xs)})
    fig, (ax,) = new_figure(figsize)
    handles, labels = [], []
    lines = list(dict.fromkeys(replications[by])) if by else [None]
    if by and _numeric(lines):
        lines = sorted(lines, key=float)
    cmap = _seq_colours(len(lines))
    span = float(band["x"].max() - band["x"].min()) or 1.0
    for i, (line_value, c) in enumerate(zip(lines, cmap, strict=True)):
        b = band if by is None else band[band[by] == line_value]
        b = b.sort_values("x")
        c = PALETTE[0] if by is None else c
        # lines of a second key are shifted a little and marked differently, so that equal ones show
        x = b["x"] + (i - (len(lines) - 1) / 2) * span * 0.008
        ax.fill_between(x, b["ci_low"], b["ci_high"], color=c, alpha=0.15, lw=0)
        (h,) = ax.plot(x, b["mean"], color=c, lw=2.2, marker=MARKERS[i % len(MARKERS)], ms=7)
        if by:
            handles.append(h)
            labels.append(tick_label(line_value))
    if numeric:
        ax.set_xticks([float(x) for x in xs], [tick_label(x) for x in xs]) if len(xs) <= 15 else None
    else:
        ax.set_xticks(range(len(xs)), [tick_label(x) for x in xs])
    ax.set_xlabel(key_label(key, lang))
    ax.set_ylabel(figure_label(figure, lang))
    if scale != 1.0:
        percent_axis(ax)
    else:
        thousands_axis(ax)
    lo = float(np.nanmin(band["ci_low"].fillna(band["mean"])))
    if lo >= 0 and scale == 1.0:
        ax.set_ylim(bottom=0)
    name = term(figure, lang) if figure in TERMS else figure
    key_words = _short(key, lang)
    if lang == "en" and f"key.{key}" in TERMS:
        key_words = "the " + key_words[0].lower() + key_words[1:]
    title = term("chart.sweep_line.title", lang).format(figure=name, key=key_words)
    others = [k for k in keys if k not in cell]
    sub = term("chart.band", lang).format(n=n_text(band["n"]))
    if others:
        sub += ("；" if lang == "zh" else "; ") + term("chart.sweep.averaged", lang)
    titles(fig, title, sub)
    if by:
        legend(fig, handles, labels, ncol=min(len(handles), 6), title=key_label(by, lang))
    return fig


def sweep_heatmap_chart(
    replications: pd.DataFrame,
    keys: Sequence[str],
    figure: str = WAIT,
    lang: str = "en",
    *,
    all_keys: Sequence[str] | None = None,
    figsize=FIGSIZE,
) -> Figure:
    """Heat map of a summary figure over two swept keys (x: ``keys[0]``, y: ``keys[1]``); each cell
    shows the mean across seeds and the half-width of its 95 % CI."""
    use_fonts(lang)
    kx, ky = keys
    table = sweep_heatmap_table(replications, keys, figure)
    scale = 100.0 if is_share(figure) else 1.0
    xs = sorted(dict.fromkeys(table[kx]), key=lambda v: float(v) if _numeric([v]) else str(v))
    ys = sorted(dict.fromkeys(table[ky]), key=lambda v: float(v) if _numeric([v]) else str(v))
    grid = np.full((len(ys), len(xs)), np.nan)
    half = np.full_like(grid, np.nan)
    for rec in table.itertuples(index=False):
        i, j = ys.index(rec[1]), xs.index(rec[0])
        grid[i, j] = rec.mean * scale
        half[i, j] = (rec.ci_high - rec.mean) * scale
    fig, (ax,) = new_figure(figsize)
    cmap = (
        "YlOrRd"
        if figure.startswith("wait") or figure.startswith("waiting") or figure == "lapse_rate"
        else "YlGnBu"
    )
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap)
    norm = im.norm
    cm = colormaps[cmap]
    small = len(xs) * len(ys) > 40
    for i in range(len(ys)):
        for j in range(len(xs)):
            v = grid[i, j]
            if not math.isfinite(v):
                continue
            text = chart_number(v, scale != 1.0)
            if math.isfinite(half[i, j]) and not small:
                text += f"\n±{chart_number(half[i, j], scale != 1.0)}"
            ax.text(
                j, i, text, ha="center", va="center", fontsize=SMALL_SIZE, color=_text_colour(cm(norm(v)))
            )
    ax.set_xticks(range(len(xs)), [tick_label(x) for x in xs])
    ax.set_yticks(range(len(ys)), [tick_label(y) for y in ys])
    ax.set_xlabel(key_label(kx, lang))
    ax.set_ylabel(key_label(ky, lang))
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    bar = fig.colorbar(im, ax=ax, pad=0.02)
    bar.set_label(figure_label(figure, lang))
    bar.outline.set_visible(False)
    name = term(figure, lang) if figure in TERMS else figure
    title = (
        f"{name}：{_short(kx, lang)} × {_short(ky, lang)}"
        if lang == "zh"
        else f"{name}: {_short(kx, lang)} × {_short(ky, lang)}"
    )
    sub = term("chart.sweep_heat.note", lang).format(n=n_text(table["n"]))
    others = [k for k in (all_keys or keys) if k not in keys]
    if others:
        sub += ("；" if lang == "zh" else "; ") + term("chart.sweep.averaged", lang)
    titles(fig, title, sub)
    return fig
