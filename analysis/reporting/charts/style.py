"""The charts' house style, shared by every chart (runs, comparisons, sweeps, calibration): the slide
size and resolution, the colours (one per scenario, the same in every chart), a new figure with its title
band, the title and subtitle, the legend below the axes, the axis labels and tick formats, and ``save``.

    fig, (ax,) = new_figure()             # 10 × 5.625 in (16:9), the top 0.82 in kept for the titles
    titles(fig, "Households waiting", "mean and 95% band across 10 seeds")
    legend(fig, handles, labels)
    paths = save(fig, "out/baseline/charts", "waiting_list", "zh")    # .zh.png (300 dpi) and .zh.svg

Figures are made without pyplot (``matplotlib.figure.Figure``), so no global state is kept and nothing
needs closing. Numbers on ticks and labels come from ``analysis.reporting.numbers``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib import ticker
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure

from ..fonts import SMALL_SIZE, TITLE_SIZE
from ..numbers import MINUS, format_number
from ..terms import TERMS, label, term

FIGSIZE = (10.0, 5.625)  # inches, 16:9 slide
DPI = 300  # PNG
TITLE_BAND_IN = 0.82  # inches above the axes for the title and subtitle
MARGIN_IN = 0.15

#: Okabe–Ito colours (distinguishable with colour-blindness), yellow left out (unreadable on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B")
REFERENCE_NAME = "baseline"  # always drawn in PALETTE[0], in every folder
GREY = "#777777"
MARKERS = ("o", "s", "D", "^", "v", "P", "X")
DARK = "#333333"
#: Colours of exit groups (``analysis.stats.EXIT_GROUPS``, in order): distinct from the scenario palette,
#: so that a colour never means two things.
EXIT_COLOURS = ("#264653", "#8ab17d", "#2a9d8f", "#e9c46a", "#f4a261", "#b5651d", "#bdbdbd")

#: The summary figures the charts speak of most: the wait from application to move-in, and its statistics.
WAIT = "wait_apply_to_movein_mean"
WAIT_STATS = ("wait_apply_to_movein_mean", "wait_apply_to_movein_median", "wait_apply_to_movein_p90")


# ---------------------------------------------------------------- colours


def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per scenario: ``baseline`` always ``PALETTE[0]``, the others in order of appearance."""
    out, free = {}, list(PALETTE)
    if REFERENCE_NAME in names:
        out[REFERENCE_NAME] = free.pop(0)
    for name in names:
        if name not in out:
            out[name] = free.pop(0) if free else PALETTE[len(out) % len(PALETTE)]
    return out


def colours_for(names, colours) -> dict[str, str]:
    """``colours`` if given, else :func:`scenario_colours` of ``names``."""
    return dict(colours) if colours else scenario_colours(names)


# ---------------------------------------------------------------- figure, titles, legend


def new_figure(figsize=FIGSIZE, ncols: int = 1, **kw) -> tuple[Figure, list]:
    """A figure of ``ncols`` axes in a row (``kw``: ``sharey=True`` ...), its title band kept free."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False, **kw)[0].tolist()
    reserve(fig)
    return fig, axes


def reserve(fig: Figure, bottom_in: float = 0.0, top_in: float = TITLE_BAND_IN) -> None:
    """Keep the top ``top_in`` inches (title band) and bottom ``bottom_in`` out of the layout."""
    h = fig.get_figheight()
    # rect: left, bottom, width, height
    rect = (0, bottom_in / h, 1, 1 - (top_in + bottom_in) / h)
    fig.get_layout_engine().set(rect=rect, h_pad=0.06, w_pad=0.08)


def titles(fig: Figure, title: str, subtitle: str = "") -> None:
    """The title and, under it in smaller grey type, the subtitle, left-aligned in the title band."""
    w, h = fig.get_size_inches()
    x = MARGIN_IN / w
    fig.text(x, 1 - 0.14 / h, title, ha="left", va="top", fontsize=TITLE_SIZE, color="#111111")
    if subtitle:
        fig.text(x, 1 - 0.52 / h, subtitle, ha="left", va="top", fontsize=SMALL_SIZE, color="#555555")


def legend(fig: Figure, handles, labels, ncol: int | None = None, title: str | None = None) -> None:
    """The figure's legend below the axes, in up to four columns (``ncol``), or in fewer columns (more
    rows) where that many would be wider than the figure within its margins (long labels, as "baseline:
    Households on the waiting list (left axis)"); nothing without handles."""
    if not handles:
        return
    ncol = ncol or min(len(handles), 4)
    # legends scale with the figure at any dpi, so one measure at the figure's own serves every file
    renderer = RendererAgg(int(fig.bbox.width), int(fig.bbox.height), fig.dpi)
    room = fig.bbox.width - 2 * MARGIN_IN * fig.dpi
    while True:
        leg = fig.legend(
            handles,
            labels,
            loc="outside lower center",
            ncol=ncol,
            title=title,
            handlelength=1.8,
            columnspacing=1.6,
        )
        if ncol == 1 or leg.get_window_extent(renderer).width <= room:
            return
        leg.remove()
        ncol -= 1


def join_clauses(lang: str, *parts: str) -> str:
    """Clauses of a subtitle: "；" in Chinese; "; " in English, later clauses starting lower-case."""
    parts = [p.strip().rstrip(";；") for p in parts if p and p.strip()]
    if lang == "zh":
        return "；".join(parts)
    return "; ".join([parts[0], *(p[0].lower() + p[1:] for p in parts[1:])]) if parts else ""


def n_text(ns) -> str:
    """The replications behind a chart: "10", or "8–10" when they differ (NaN left out)."""
    ns = sorted({int(n) for n in ns if n == n})
    if not ns:
        return "0"
    first, last = (format_number(n, digits=0, thousands=False) for n in (ns[0], ns[-1]))
    return first if ns[0] == ns[-1] else f"{first}–{last}"


def no_data(title: str, lang: str, figsize) -> Figure:
    """A titled, empty chart that says there is nothing to show (rather than failing)."""
    fig, (ax,) = new_figure(figsize)
    ax.set_axis_off()
    ax.text(
        0.5, 0.5, term("chart.no_data", lang), ha="center", va="center", color=GREY, transform=ax.transAxes
    )
    titles(fig, title)
    return fig


# ---------------------------------------------------------------- words of axes


def unit_word(unit: str | None, lang: str) -> str:
    return term(f"unit.{unit}", lang) if unit else ""


def with_unit(text: str, unit_text: str, lang: str) -> str:
    """``text (unit)``, ``text（unit）`` in Chinese; ``text`` alone without a unit."""
    if not unit_text:
        return text
    return f"{text}（{unit_text}）" if lang == "zh" else f"{text} ({unit_text})"


def figure_label(figure: str, lang: str) -> str:
    """Label of a summary figure, shares shown in per cent."""
    try:
        unit = TERMS[figure].unit
    except KeyError:
        return figure
    if unit == "share":
        return with_unit(term(figure, lang), "%", lang)
    return label(figure, lang)


def is_share(figure: str) -> bool:
    return figure in TERMS and TERMS[figure].unit == "share"


# ---------------------------------------------------------------- numbers on charts


def chart_number(x: float, share: bool = False, sign: bool = False) -> str:
    """A number on a chart: shares (already in per cent) with one decimal; days and counts whole (one
    decimal under 10); a leading + with ``sign``; no "-0"; a missing number "–"."""
    return format_number(x, sign=sign, digits=1 if share else None)


def count_text(x: float) -> str:
    """A whole number with thousands separators, as Python writes ``{:,.0f}`` ("1,234", "-0", "nan")."""
    return format_number(x, digits=0, zero="keep", na=None)


def tick_label(value) -> str:
    """A swept value as a tick label: 8.0 as "8", 2.5 as "2.5", a word as itself."""
    if isinstance(value, float):
        return format_number(value, notation="general", whole=True, thousands=False, na=None, zero="keep")
    return str(value)


def thousands_axis(ax, axis: str = "y") -> None:
    """Ticks as whole numbers with thousands separators."""
    fmt = ticker.FuncFormatter(lambda x, _: count_text(x))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def signed_ticks(ax, digits: int = 0, axis: str = "x") -> None:
    """Ticks of a difference (x ticks unless ``axis="y"``): +50, 0, −50 (a true minus sign)."""
    fmt = ticker.FuncFormatter(lambda x, _: _signed(x, digits))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _signed(x: float, digits: int) -> str:
    if abs(x) <= 1e-12:
        return "0"
    return format_number(x, sign=True, digits=digits, zero="keep", minus=MINUS)


class Percent(ticker.Formatter):
    """Per-cent ticks (values already in per cent) with as few decimals as the ticks need (0 to 2)."""

    digits = 0

    def __call__(self, x, pos=None) -> str:
        return format_number(x, digits=self.digits, thousands=False, zero="bare") + "%"

    def format_ticks(self, values):
        self.digits = next(
            (d for d in (0, 1, 2) if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in values)), 2
        )
        return [self(v) for v in values]


def percent_axis(ax, axis: str = "y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(Percent())


# ---------------------------------------------------------------- files


def save(fig: Figure, out_dir, name: str, lang: str, dpi: int | None = None) -> list[Path]:
    """Write ``fig`` as ``<name>.<lang>.png`` (``dpi``, default ``DPI``) and ``.svg`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.{lang}.png", out / f"{name}.{lang}.svg"]
    fig.savefig(paths[0], dpi=dpi or DPI)
    fig.savefig(paths[1])
    return paths
