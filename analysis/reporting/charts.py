"""Charts of runs, comparisons and sweeps, in Chinese or English, for slides and briefings.

Every chart function takes tidy DataFrames (one row per replication, or per replication and day, with a
``scenario`` column where scenarios are compared), a language and a scenario → colour mapping, and
returns a matplotlib ``Figure`` (10 × 5.625 in, 16:9, type ≥ 11 pt). Uncertainty comes from the
replications everywhere: a mean with a 95 % Student-t interval across seeds, drawn as a band or a bar.
Words come from ``analysis.terms``; the font from ``analysis.fonts`` (Chinese needs no system font).

    paths = draw_run("out/baseline", lang="zh")        # every chart of a run folder, PNG + SVG
    paths = draw_compare("out/compare/baseline-vs-cap8", lang="en")
    paths = draw_sweep("out/sweeps/cap", lang="en")
    paths = draw_any(folder, lang)                     # recognises the folder's kind

Figures are made without pyplot (``matplotlib.figure.Figure``), so no global state is kept and nothing
needs closing. Small cells: a group of applicants that housed fewer than ``analysis.min_cell``
households in any replication is not drawn but marked as suppressed (Art. 27).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.records import GROUPS

from ..stats import (
    CONFIDENCE,
    ci_table,
    cohort_waits,
    paired_diff_table,
    scenario_names,
    significant,
    with_scenario,
)
from .fonts import SMALL_SIZE, TITLE_SIZE, use_fonts
from .terms import TERMS, label, term

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

WAIT = "wait_apply_to_movein_mean"
WAIT_STATS = ("wait_apply_to_movein_mean", "wait_apply_to_movein_median", "wait_apply_to_movein_p90")
#: Exit reasons (``exit_reason`` / ``exits_<reason>``) grouped for charts; unknown reasons go to "other".
EXIT_GROUPS = {
    "cap": ("cap",),
    "renewal": ("not_renewed", "renewal_refused"),
    "other_housing": ("other_housing",),
    "life_change": ("job_change", "marital_change"),
    "employer": ("employer_withdrawal", "employer_relocation"),
    "forced": (
        "unreported_change",
        "nuisance",
        "subletting",
        "change_of_use",
        "damage",
        "absence",
        "violation",
        "arrears",
    ),
    "other": ("other",),
}
#: Colours of exit groups: distinct from the scenario palette, so that a colour never means two things.
EXIT_COLOURS = ("#264653", "#8ab17d", "#2a9d8f", "#e9c46a", "#f4a261", "#b5651d", "#bdbdbd")
YEAR_DAYS = 365.25
SWEEP_FIGURES = (
    "wait_apply_to_movein_mean",
    "wait_apply_to_movein_p90",
    "waiting_mean",
    "occupancy_rate",
    "lapse_rate",
)


class NotAnOutputFolder(ValueError):
    """The folder is not a run, compare or sweep output folder."""


# ---------------------------------------------------------------- scenario information


@dataclass(frozen=True)
class ScenarioInfo:
    """What charts and briefings need to know of a scenario besides its outputs."""

    name: str
    description: str = ""
    reference: str = ""
    start_date: str = "2021-10-22"
    target_units: float = 5000
    target_date: str | None = "2025-12-31"
    min_cell: int = 10
    warmup_days: float = 365
    cohort_margin_days: float = 900

    @classmethod
    def from_params(cls, params, name: str | None = None) -> ScenarioInfo:
        """From a ``sim.Params`` (values in force on day 0)."""
        return cls(
            name=name or params.name,
            description=params.description,
            reference=params.reference,
            start_date=str(params.value("calendar.start_date")),
            target_units=float(params.value("supply.target_units")),
            target_date=str(params.value("supply.target_date")),
            min_cell=int(params.value("analysis.min_cell")),
            warmup_days=float(params.value("analysis.warmup_days")),
            cohort_margin_days=float(params.value("analysis.cohort_margin_days")),
        )


SCENARIOS_FILE = "scenarios.json"


def write_scenarios_json(out_dir, params_list, names: Sequence[str] | None = None) -> Path:
    """Record the scenarios of an output folder (``scenarios.json``), so that charts and briefings drawn
    later from the folder alone know their descriptions, references, supply target and ``min_cell``."""
    names = list(names) if names else [p.name for p in params_list]
    infos = [ScenarioInfo.from_params(p, n).__dict__ for p, n in zip(params_list, names, strict=True)]
    path = Path(out_dir) / SCENARIOS_FILE
    path.write_text(json.dumps({"scenarios": infos}, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def scenario_infos(folder, names: Sequence[str], params=None) -> dict[str, ScenarioInfo]:
    """The ``ScenarioInfo`` of each name: from ``params`` (a Params or a list of them, in ``names``
    order) if given, else the folder's ``scenarios.json``, else the scenario file of that name in
    ``scenarios/``, else the baseline's values under that name."""
    if params is not None:
        plist = params if isinstance(params, list | tuple) else [params]
        return {n: ScenarioInfo.from_params(p, n) for n, p in zip(names, plist, strict=False)}
    stored = {}
    path = Path(folder) / SCENARIOS_FILE
    if path.exists():
        try:
            for entry in json.loads(path.read_text(encoding="utf-8"))["scenarios"]:
                stored[entry["name"]] = ScenarioInfo(**entry)
        except (ValueError, KeyError, TypeError):
            stored = {}
    out = {}
    for name in names:
        if name in stored:
            out[name] = stored[name]
            continue
        out[name] = _info_from_scenarios_dir(name)
    return out


def _info_from_scenarios_dir(name: str) -> ScenarioInfo:
    from sim import ScenarioError, load_scenario

    for candidate in (name.split("#")[0], REFERENCE_NAME):
        try:
            info = ScenarioInfo.from_params(load_scenario(candidate), name)
        except (ScenarioError, OSError, KeyError, ValueError):
            continue
        if candidate != name.split("#")[0]:  # baseline's values, but no claim about the description
            info = ScenarioInfo(**{**info.__dict__, "description": "", "reference": ""})
        return info
    return ScenarioInfo(name=name)


# ---------------------------------------------------------------- statistics








# ---------------------------------------------------------------- data behind the charts






def scenario_colours(names: Sequence[str]) -> dict[str, str]:
    """A colour per scenario: ``baseline`` always ``PALETTE[0]``, the others in order of appearance."""
    out, free = {}, list(PALETTE)
    if REFERENCE_NAME in names:
        out[REFERENCE_NAME] = free.pop(0)
    for name in names:
        if name not in out:
            out[name] = free.pop(0) if free else PALETTE[len(out) % len(PALETTE)]
    return out




def exit_group(reason: str) -> str:
    for group, reasons in EXIT_GROUPS.items():
        if reason in reasons:
            return group
    return "other"


def yearly_exits(households: pd.DataFrame, n_days: int) -> pd.DataFrame:
    """Exits per year of the run (year ``k`` = days ``[k·365.25, (k+1)·365.25)``) by exit group.

    Returns ``scenario, seed, year, group, count``, every combination present (zeros included).
    """
    hh = with_scenario(households)
    left = hh[hh["exit_day"].notna() & hh["exit_reason"].notna()]
    years = int(math.ceil(n_days / YEAR_DAYS - 1e-9))
    part = pd.DataFrame(
        {
            "scenario": left["scenario"].astype(str).to_numpy(),
            "seed": left["seed"].to_numpy(),
            "year": np.minimum((left["exit_day"].to_numpy(dtype=float) // YEAR_DAYS).astype(int), years - 1),
            "group": [exit_group(str(r)) for r in left["exit_reason"]],
        }
    )
    counts = part.groupby(["scenario", "seed", "year", "group"]).size().rename("count")
    seeds = hh[["scenario", "seed"]].drop_duplicates()
    full = pd.MultiIndex.from_tuples(
        [
            (s, seed, y, g)
            for s, seed in seeds.itertuples(index=False)
            for y in range(years)
            for g in EXIT_GROUPS
        ],
        names=["scenario", "seed", "year", "group"],
    )
    return counts.reindex(full, fill_value=0).reset_index()


GROUP_TABLE_COLUMNS = (
    "scenario",
    "group",
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "housed_min",
    "suppressed",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
)


def group_wait_table(
    replications: pd.DataFrame, min_cell: int, reference: str | None = None, confidence: float = CONFIDENCE
) -> pd.DataFrame:
    """The data behind :func:`group_wait_chart`: mean wait by group of applicants, per scenario.

    A group of a scenario is ``suppressed`` when it housed fewer than ``min_cell`` households in any
    replication (Art. 27); its mean and interval are then blanked (NaN). The paired difference from the
    reference is blanked when either side is suppressed.

    Returns ``scenario, group, mean, ci_low, ci_high, n, housed_min, suppressed, diff_mean,
    diff_ci_low, diff_ci_high``.
    """
    reps = with_scenario(replications)
    names = scenario_names(reps)
    reference = reference or names[0]
    rows = []
    for g in GROUPS:
        wait_col, housed_col = f"wait_mean_{g}", f"housed_{g}"
        if wait_col not in reps:
            continue
        level = ci_table(reps, ["scenario"], wait_col, confidence).set_index("scenario")
        housed = reps.groupby("scenario", sort=False)[housed_col].min() if housed_col in reps else None
        diffs = paired_diff_table(reps, wait_col, reference, confidence).set_index("scenario")
        small = {}
        for name in names:
            hmin = float(housed[name]) if housed is not None else math.nan
            small[name] = not (hmin >= min_cell)  # NaN (unknown) counts as small
        for name in names:
            rec = level.loc[name]
            suppressed = small[name]
            d = diffs.loc[name] if name in diffs.index else None
            diff_ok = d is not None and not suppressed and not small[reference]
            rows.append(
                {
                    "scenario": name,
                    "group": g,
                    "mean": math.nan if suppressed else rec["mean"],
                    "ci_low": math.nan if suppressed else rec["ci_low"],
                    "ci_high": math.nan if suppressed else rec["ci_high"],
                    "n": int(rec["n"]),
                    "housed_min": float(housed[name]) if housed is not None else math.nan,
                    "suppressed": suppressed,
                    "diff_mean": d["mean"] if diff_ok else math.nan,
                    "diff_ci_low": d["ci_low"] if diff_ok else math.nan,
                    "diff_ci_high": d["ci_high"] if diff_ok else math.nan,
                }
            )
    return pd.DataFrame(rows, columns=GROUP_TABLE_COLUMNS)


# ---------------------------------------------------------------- drawing helpers


def _new(figsize=FIGSIZE, ncols: int = 1, **kw) -> tuple[Figure, list]:
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False, **kw)[0].tolist()
    _reserve(fig)
    return fig, axes


def _reserve(fig: Figure, bottom_in: float = 0.0, top_in: float = TITLE_BAND_IN) -> None:
    """Keep the top ``top_in`` inches (title band) and bottom ``bottom_in`` out of the layout."""
    h = fig.get_figheight()
    fig.get_layout_engine().set(rect=(0, bottom_in / h, 1, 1 - top_in / h), h_pad=0.06, w_pad=0.08)


def _titles(fig: Figure, title: str, subtitle: str = "") -> None:
    w, h = fig.get_size_inches()
    x = MARGIN_IN / w
    fig.text(x, 1 - 0.14 / h, title, ha="left", va="top", fontsize=TITLE_SIZE, color="#111111")
    if subtitle:
        fig.text(x, 1 - 0.52 / h, subtitle, ha="left", va="top", fontsize=SMALL_SIZE, color="#555555")


def _legend(fig: Figure, handles, labels, ncol: int | None = None, title: str | None = None) -> None:
    if not handles:
        return
    ncol = ncol or min(len(handles), 4)
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=ncol,
        title=title,
        handlelength=1.8,
        columnspacing=1.6,
    )


def _n_text(ns) -> str:
    ns = sorted({int(n) for n in ns if n == n})
    if not ns:
        return "0"
    return str(ns[0]) if ns[0] == ns[-1] else f"{ns[0]}–{ns[-1]}"


def _thousands(ax, axis: str = "y") -> None:
    fmt = ticker.FuncFormatter(lambda x, _: f"{x:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _date_axis(ax, lang: str) -> None:
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel(term("chart.year", lang))


def _unit_word(unit: str | None, lang: str) -> str:
    return term(f"unit.{unit}", lang) if unit else ""


def _with_unit(text: str, unit_text: str, lang: str) -> str:
    if not unit_text:
        return text
    return f"{text}（{unit_text}）" if lang == "zh" else f"{text} ({unit_text})"


def _figure_label(figure: str, lang: str) -> str:
    """Label of a summary figure, shares shown in per cent."""
    try:
        unit = TERMS[figure].unit
    except KeyError:
        return figure
    if unit == "share":
        return _with_unit(term(figure, lang), "%", lang)
    return label(figure, lang)


def _is_share(figure: str) -> bool:
    return figure in TERMS and TERMS[figure].unit == "share"


def _fmt_num(x: float, share: bool = False, sign: bool = False) -> str:
    """A number for a chart: shares in per cent with one decimal; days and counts whole (one decimal
    under 10); a leading + with ``sign``; no "-0"."""
    if x is None or not math.isfinite(x):
        return "–"
    digits = 1 if share or abs(x) < 10 else 0
    text = f"{x:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        text = text.removeprefix("-")
        return text
    return "+" + text if sign and not text.startswith("-") else text


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


def _dates(daily: pd.DataFrame, start_date: str | None) -> pd.Series:
    if "date" in daily:
        return pd.to_datetime(daily["date"])
    return pd.Timestamp(start_date or "2021-10-22") + pd.to_timedelta(daily["day"], unit="D")


def _signed_ticks(ax, digits: int = 0) -> None:
    """x ticks of a difference: +50, 0, −50 (a true minus sign)."""
    ax.xaxis.set_major_formatter(
        ticker.FuncFormatter(
            lambda x, _: f"{x:+,.{digits}f}".replace("-", "\u2212") if abs(x) > 1e-12 else "0"
        )
    )


class _Percent(ticker.Formatter):
    """Per-cent ticks (values already in per cent) with as few decimals as the ticks need (0 to 2)."""

    digits = 0

    def __call__(self, x, pos=None) -> str:
        text = f"{x:.{self.digits}f}"
        return ("0" if float(text) == 0 else text) + "%"

    def format_ticks(self, values):
        self.digits = next(
            (d for d in (0, 1, 2) if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 for v in values)), 2
        )
        return [self(v) for v in values]


def _pct(ax, axis: str = "y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(_Percent())


def _text_colour(rgb) -> str:
    r, g, b = to_rgb(rgb)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "#111111"


def _colours(names, colours):
    return dict(colours) if colours else scenario_colours(names)


def _no_data(title: str, lang: str, figsize) -> Figure:
    """A titled, empty chart that says there is nothing to show (rather than failing)."""
    fig, (ax,) = _new(figsize)
    ax.set_axis_off()
    ax.text(
        0.5, 0.5, term("chart.no_data", lang), ha="center", va="center", color=GREY, transform=ax.transAxes
    )
    _titles(fig, title)
    return fig


# ---------------------------------------------------------------- time charts


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
    colours = _colours(names, colours)
    weekly = daily[daily["day"] % 7 == 0].copy()
    weekly["date"] = _dates(weekly, start_date)
    band = ci_table(weekly, ["scenario", "date"], "waiting")
    supply = weekly.groupby(["scenario", "date"], sort=False)["units_total"].mean().reset_index()

    fig, (ax,) = _new(figsize)
    _shade_warmup(ax, weekly["date"].min(), warmup_days, lang)
    handles, labels = [], []
    for name in names:
        b = band[band["scenario"] == name]
        c = colours[name]
        ax.fill_between(b["date"], b["ci_low"], b["ci_high"], color=c, alpha=0.2, lw=0)
        (line,) = ax.plot(b["date"], b["mean"], color=c, lw=2.2)
        handles.append(line)
        labels.append(name)
    if len(names) == 1:  # say what the one line is
        what = _with_unit(term("daily.waiting", lang), term("chart.left_axis", lang), lang)
        labels[-1] = f"{names[0]}：{what}" if lang == "zh" else f"{names[0]}: {what}"
        labels[-1] = labels[-1].lstrip(":： ")
    ax.set_ylim(bottom=0)
    ax.set_ylabel(label("daily.waiting", lang))
    _thousands(ax)
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
    labels.append(_with_unit(term("daily.units_total", lang), term("chart.right_axis", lang), lang))
    top = float(supply["units_total"].max())
    if target_units:
        ax2.axhline(target_units, color=DARK, lw=1.0, ls=":")
        target_text = term("chart.target", lang).format(n=f"{target_units:,.0f}")
        if target_date:
            when = pd.Timestamp(target_date)
            ax2.plot([when], [target_units], marker="D", ms=7, color=DARK, ls="none", zorder=5)
            target_text += f"，{when:%Y-%m-%d}" if lang == "zh" else f", {when:%Y-%m-%d}"
        handles.append(Line2D([], [], color=DARK, lw=1.0, ls=":", marker="D" if target_date else None))
        labels.append(target_text)
        top = max(top, target_units)
    ax2.set_ylim(0, top * 1.12)
    ax2.set_ylabel(label("daily.units_total", lang))
    _thousands(ax2)

    n = _n_text(band["n"])
    _titles(fig, term("chart.waiting_list.title", lang), term("chart.band", lang).format(n=n))
    _legend(fig, handles, labels)
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
    per seed, then mean and 95 % band across seeds, per scenario."""
    use_fonts(lang)
    daily = with_scenario(daily)
    names = scenario_names(daily)
    colours = _colours(names, colours)
    d = daily[["scenario", "seed", "units_occupied", "units_total"]].copy()
    dates = _dates(daily, start_date)
    d["month"] = dates.dt.to_period("M").dt.to_timestamp() + pd.Timedelta(days=14)
    d["occ"] = 100.0 * d["units_occupied"] / d["units_total"].where(d["units_total"] > 0)
    monthly = d.groupby(["scenario", "seed", "month"], sort=False)["occ"].mean().reset_index()
    band = ci_table(monthly, ["scenario", "month"], "occ")

    fig, (ax,) = _new(figsize)
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
    ax.set_ylabel(_with_unit(term("chart.occupancy.axis", lang), "%", lang))
    _pct(ax)
    _date_axis(ax, lang)
    n = _n_text(band["n"])
    sub = _join(lang, term("chart.occupancy.note", lang), term("chart.band", lang).format(n=n))
    _titles(fig, term("chart.occupancy.title", lang), sub)
    if len(names) > 1 or names[0]:
        _legend(fig, handles, labels)
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
        exits: :func:`yearly_exits` (``scenario, seed, year, group, count``).
    """
    use_fonts(lang)
    exits = with_scenario(exits)
    name = scenario if scenario is not None else scenario_names(exits)[0]
    part = exits[exits["scenario"] == name]
    mean = part.groupby(["year", "group"])["count"].mean().unstack("group").reindex(columns=list(EXIT_GROUPS))
    mean = mean.fillna(0.0)
    totals = ci_table(part.groupby(["seed", "year"])["count"].sum().reset_index(), ["year"], "count")
    totals = totals.set_index("year").reindex(mean.index)
    start = pd.Timestamp(start_date)
    x = np.arange(len(mean))

    fig, (ax,) = _new(figsize)
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
    _thousands(ax)
    _run_year_axis(ax, start, mean.index, lang)
    ax.grid(axis="x", visible=False)
    n = _n_text(totals["n"])
    title = term("chart.exits.title", lang)
    if name:
        title += f"：{name}" if lang == "zh" else f": {name}"
    _titles(fig, title, term("chart.exits.note", lang).format(n=n, start=f"{start:%Y-%m-%d}"))
    # legend top-down in the order of the stack, beside it
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", handlelength=1.2)
    return fig


def _run_year_axis(ax, start: pd.Timestamp, years, lang: str) -> None:
    """Categorical ticks for years of the run (which start on the start date, not on 1 January)."""
    labels = []
    for y in years:
        a = start + pd.Timedelta(days=y * YEAR_DAYS)
        b = start + pd.Timedelta(days=(y + 1) * YEAR_DAYS)
        labels.append(f"{a.year}–\n{b.year}")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel(term("chart.run_year", lang).format(date=f"{start:%m-%d}"))


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
    colours = _colours(names, colours)
    n_days = int(daily["day"].max()) + 1
    years = int(math.ceil(n_days / YEAR_DAYS - 1e-9))
    d = daily[["scenario", "seed", "day", "exits"]].copy()
    d["year"] = np.minimum((d["day"] // YEAR_DAYS).astype(int), years - 1)
    per = d.groupby(["scenario", "seed", "year"], sort=False)["exits"].sum().reset_index()
    band = ci_table(per, ["scenario", "year"], "exits")
    start = _dates(daily.iloc[:1], start_date).iloc[0]

    fig, (ax,) = _new(figsize)
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
    _thousands(ax)
    _run_year_axis(ax, start, range(years), lang)
    ax.grid(axis="x", visible=False)
    n = _n_text(band["n"])
    sub = term("chart.exits.note", lang).format(n=n, start=f"{start:%Y-%m-%d}")
    _titles(fig, term("chart.exits_total.title", lang), sub)
    _legend(fig, handles, labels)
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
        waits: :func:`cohort_waits` (``scenario, seed, wait``).
    """
    use_fonts(lang)
    waits = with_scenario(waits)
    if waits.empty:
        return _no_data(term("chart.wait_hist.title", lang), lang, figsize)
    names = scenario_names(waits)
    colours = _colours(names, colours)
    top = float(waits["wait"].max())
    edges = np.arange(0, math.ceil(max(top, 1) / bin_days) * bin_days + bin_days, bin_days, dtype=float)
    rows = []
    for (name, seed), part in waits.groupby(["scenario", "seed"], sort=False):
        counts, _ = np.histogram(part["wait"].to_numpy(), edges)
        share = 100.0 * counts / max(len(part), 1)
        rows += [(name, seed, i, s) for i, s in enumerate(share)]
    per = pd.DataFrame(rows, columns=["scenario", "seed", "bin", "share"])
    band = ci_table(per, ["scenario", "bin"], "share")
    medians = waits.groupby(["scenario", "seed"], sort=False)["wait"].median().reset_index()
    med = ci_table(medians, ["scenario"], "wait").set_index("scenario")

    fig, (ax,) = _new(figsize)
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
            text = f"{word} {m:,.0f}{term('unit.days', lang)}" if lang == "zh" else f"{word} {m:,.0f} days"
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
    ax.set_ylabel(_with_unit(term("chart.wait_hist.y", lang), "%", lang))
    _pct(ax)
    _thousands(ax, "x")
    n = _n_text(band["n"])
    _titles(
        fig, term("chart.wait_hist.title", lang), term("chart.wait_hist.note", lang).format(bin=bin_days, n=n)
    )
    if len(names) > 1 or names[0]:
        _legend(fig, handles, labels)
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
        return _no_data(term("chart.wait_stats.title", lang), lang, figsize)
    names = scenario_names(reps)
    colours = _colours(names, colours)
    fig, (ax,) = _new(figsize)
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
                f" {rec['mean']:,.0f}",
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
    _thousands(ax)
    _titles(
        fig, term("chart.wait_stats.title", lang), term("chart.wait_stats.note", lang).format(n=_n_text(ns))
    )
    _legend(fig, [Line2D([], [], color=colours[n], marker="o", ls="none", ms=8) for n in names], names)
    return fig


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
        title = term("chart.mean_wait.title", lang) if figure == WAIT else _figure_label(figure, lang)
    if figure not in reps or reps[figure].isna().all():
        return _no_data(title, lang, figsize)
    names = scenario_names(reps)
    colours = _colours(names, colours)
    reference = reference or names[0]
    share = _is_share(figure)
    scale = 100.0 if share else 1.0
    level = ci_table(reps, ["scenario"], figure).set_index("scenario")
    diffs = paired_diff_table(reps, figure, reference).set_index("scenario")
    two = len(names) > 1
    fig, axes = _new(figsize, ncols=2 if two else 1, sharey=True)
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
        ci = f"[{_fmt_num(rec['ci_low'], share)}, {_fmt_num(rec['ci_high'], share)}]" if ok else ""
        ax.annotate(
            f"{_fmt_num(rec['mean'], share)}{'%' if share else ''}  {ci}",
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
    ax.set_xlabel(_figure_label(figure, lang))
    if share:
        _pct(ax, "x")
    else:
        _thousands(ax, "x")
    if two:
        ax.set_title(term("chart.level_panel", lang), loc="left", fontsize=SMALL_SIZE, color=DARK)
        _diff_panel(axes[1], names, diffs, reference, colours, lang, scale, share)
        unit = "pp" if share else (TERMS[figure].unit if figure in TERMS else None)
        axes[1].set_xlabel(
            _with_unit(term("table.difference", lang).format(base=reference), _unit_word(unit, lang), lang)
        )
    n = _n_text(level["n"])
    _titles(fig, title, term("chart.dots", lang).format(n=n) + _significance_note(two, lang))
    return fig


def _significance_note(two: bool, lang: str) -> str:
    return ("；" if lang == "zh" else "; ") + term("table.significant", lang) if two else ""


def _join(lang: str, *parts: str) -> str:
    """Clauses of a subtitle: "；" in Chinese; "; " in English, later clauses starting lower-case."""
    parts = [p.strip().rstrip(";；") for p in parts if p and p.strip()]
    if lang == "zh":
        return "；".join(parts)
    return "; ".join([parts[0], *(p[0].lower() + p[1:] for p in parts[1:])]) if parts else ""


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
        ci = f"  [{_fmt_num(d['ci_low'], share, True)}, {_fmt_num(d['ci_high'], share, True)}]" if ok else ""
        ax.annotate(
            f"{_fmt_num(d['mean'], share, True)}{ci}{star}",
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
    _signed_ticks(ax, digits=1 if share else 0)


def mean_wait_chart(replications, lang="en", colours=None, *, reference=None, figsize=FIGSIZE) -> Figure:
    """Mean wait from application to move-in per scenario with 95 % CI, and paired differences."""
    return figure_ci_chart(replications, WAIT, lang, colours, reference=reference, figsize=figsize)


def lapse_rate_chart(replications, lang="en", colours=None, *, reference=None, figsize=FIGSIZE) -> Figure:
    """Share of qualifications that lapsed (Art. 19) per scenario with 95 % CI, and paired differences."""
    title = term("chart.lapse.title", lang)
    return figure_ci_chart(
        replications, "lapse_rate", lang, colours, title=title, reference=reference, figsize=figsize
    )


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
    (shorter wait) and who loses. Groups below ``min_cell`` are suppressed (:func:`group_wait_table`)."""
    use_fonts(lang)
    reps = with_scenario(replications)
    names = scenario_names(reps)
    colours = _colours(names, colours)
    reference = reference or names[0]
    table = group_wait_table(reps, min_cell, reference)
    if table.empty:  # an output folder written before the group figures existed
        return _no_data(term("chart.groups.title", lang), lang, figsize)
    groups = [g for g in GROUPS if g in set(table["group"])]
    # kinds of applicant (Art. 4), a gap, then sectors (Art. 3)
    ypos = {g: i + (0.6 if g in ("priority", "other_sector") else 0) for i, g in enumerate(groups)}
    k = len(names)
    step = 0.62 / max(k, 1)
    two = k > 1
    fig, axes = _new(figsize, ncols=2 if two else 1, sharey=True)
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
        ax.annotate(
            f"{rec.mean:,.0f}",
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
    _thousands(ax, "x")
    if two:
        ax.set_title(term("chart.level_panel", lang), loc="left", fontsize=SMALL_SIZE, color=DARK)
        ax2 = axes[1]
        ax2.axvline(0, color=DARK, lw=1)
        ax2.set_title(
            term("chart.diff_panel", lang).format(base=reference), loc="left", fontsize=SMALL_SIZE, color=DARK
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
            star = " *" if ok and significant(lo, hi) else ""
            ax2.annotate(
                f"{_fmt_num(rec.diff_mean, sign=True)}{star}",
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
        _signed_ticks(ax2)
        ax2.set_xlabel(term("chart.gains", lang) + "    " + term("chart.loses", lang))
    n = _n_text(table["n"]) if len(table) else "0"
    sub = term("chart.groups.note", lang).format(n=n, min_cell=min_cell)
    _titles(fig, term("chart.groups.title", lang), sub)
    if two:
        _legend(fig, [Line2D([], [], color=colours[n_], marker="o", ls="none", ms=8) for n_ in names], names)
    return fig


def exit_reasons_chart(
    replications: pd.DataFrame,
    lang: str = "en",
    colours: Mapping[str, str] | None = None,
    *,
    figsize=FIGSIZE,
) -> Figure:
    """Exits over the whole run by reason group (Art. 17, 20, 23) per scenario, mean and 95 % CI
    across seeds, from the summary figures ``exits_<reason>``."""
    use_fonts(lang)
    reps = with_scenario(replications)
    names = scenario_names(reps)
    colours = _colours(names, colours)
    rows = []
    for group, reasons in EXIT_GROUPS.items():
        cols = [f"exits_{r}" for r in reasons if f"exits_{r}" in reps]
        if not cols:
            continue
        part = reps[["scenario", "seed"]].copy()
        part["count"] = reps[cols].sum(axis=1, min_count=1)
        t = ci_table(part, ["scenario"], "count")
        t.insert(1, "group", group)
        rows.append(t)
    if not rows:
        return _no_data(term("chart.exit_reasons.title", lang), lang, figsize)
    table = pd.concat(rows, ignore_index=True)
    groups = list(dict.fromkeys(table["group"]))
    k = len(names)
    height = 0.78 / k
    fig, (ax,) = _new(figsize)
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
    _thousands(ax, "x")
    n = _n_text(table["n"])
    _titles(fig, term("chart.exit_reasons.title", lang), term("chart.bars", lang).format(n=n))
    _legend(fig, [Patch(color=colours[n_]) for n_ in names], names)
    return fig


# ---------------------------------------------------------------- sweeps


def key_label(key: str, lang: str) -> str:
    """Label of a swept dotted key, from ``analysis.terms`` (``key.<dotted>``) or the key itself."""
    k = f"key.{key}"
    if k in TERMS:
        unit = TERMS[k].unit
        return _with_unit(term(k, lang), "%" if unit == "share" else _unit_word(unit, lang), lang)
    return key


def _sweep_means(reps: pd.DataFrame, keys: Sequence[str], figure: str) -> pd.DataFrame:
    """Per seed and cell of ``keys``, the figure averaged over any other swept key."""
    return reps.groupby([*keys, "seed"], sort=False, dropna=False)[figure].mean().reset_index()


def _numeric(values) -> bool:
    try:
        np.asarray(list(values), dtype=float)
    except (TypeError, ValueError):
        return False
    return True


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
    per = _sweep_means(replications, cell, figure)
    scale = 100.0 if _is_share(figure) else 1.0
    per[figure] = per[figure] * scale
    band = ci_table(per, cell, figure)
    xs = list(dict.fromkeys(replications[key]))
    numeric = _numeric(xs)
    if numeric:
        xs = sorted(xs, key=float)
        band["x"] = band[key].astype(float)
    else:
        band["x"] = band[key].map({v: i for i, v in enumerate(xs)})
    fig, (ax,) = _new(figsize)
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
            labels.append(_show(line_value))
    if numeric:
        ax.set_xticks([float(x) for x in xs], [_show(x) for x in xs]) if len(xs) <= 15 else None
    else:
        ax.set_xticks(range(len(xs)), [_show(x) for x in xs])
    ax.set_xlabel(key_label(key, lang))
    ax.set_ylabel(_figure_label(figure, lang))
    if scale != 1.0:
        _pct(ax)
    else:
        _thousands(ax)
    lo = float(np.nanmin(band["ci_low"].fillna(band["mean"])))
    if lo >= 0 and scale == 1.0:
        ax.set_ylim(bottom=0)
    name = term(figure, lang) if figure in TERMS else figure
    key_words = _short(key, lang)
    if lang == "en" and f"key.{key}" in TERMS:
        key_words = "the " + key_words[0].lower() + key_words[1:]
    title = term("chart.sweep_line.title", lang).format(figure=name, key=key_words)
    others = [k for k in keys if k not in cell]
    sub = term("chart.band", lang).format(n=_n_text(band["n"]))
    if others:
        sub += ("；" if lang == "zh" else "; ") + term("chart.sweep.averaged", lang)
    _titles(fig, title, sub)
    if by:
        _legend(fig, handles, labels, ncol=min(len(handles), 6), title=key_label(by, lang))
    return fig


def _seq_colours(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(0.1 + 0.75 * i / max(n - 1, 1)) for i in range(n)]


def _show(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def sweep_heatmap_table(replications: pd.DataFrame, keys: Sequence[str], figure: str = WAIT) -> pd.DataFrame:
    """The data behind :func:`sweep_heatmap_chart`: mean and CI of ``figure`` per cell of two keys."""
    return ci_table(_sweep_means(replications, list(keys), figure), list(keys), figure)


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
    scale = 100.0 if _is_share(figure) else 1.0
    xs = sorted(dict.fromkeys(table[kx]), key=lambda v: float(v) if _numeric([v]) else str(v))
    ys = sorted(dict.fromkeys(table[ky]), key=lambda v: float(v) if _numeric([v]) else str(v))
    grid = np.full((len(ys), len(xs)), np.nan)
    half = np.full_like(grid, np.nan)
    for rec in table.itertuples(index=False):
        i, j = ys.index(rec[1]), xs.index(rec[0])
        grid[i, j] = rec.mean * scale
        half[i, j] = (rec.ci_high - rec.mean) * scale
    fig, (ax,) = _new(figsize)
    cmap = (
        "YlOrRd"
        if figure.startswith("wait") or figure.startswith("waiting") or figure == "lapse_rate"
        else "YlGnBu"
    )
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap)
    norm = im.norm
    from matplotlib import colormaps

    cm = colormaps[cmap]
    small = len(xs) * len(ys) > 40
    for i in range(len(ys)):
        for j in range(len(xs)):
            v = grid[i, j]
            if not math.isfinite(v):
                continue
            text = _fmt_num(v, scale != 1.0)
            if math.isfinite(half[i, j]) and not small:
                text += f"\n±{_fmt_num(half[i, j], scale != 1.0)}"
            ax.text(
                j, i, text, ha="center", va="center", fontsize=SMALL_SIZE, color=_text_colour(cm(norm(v)))
            )
    ax.set_xticks(range(len(xs)), [_show(x) for x in xs])
    ax.set_yticks(range(len(ys)), [_show(y) for y in ys])
    ax.set_xlabel(key_label(kx, lang))
    ax.set_ylabel(key_label(ky, lang))
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    bar = fig.colorbar(im, ax=ax, pad=0.02)
    bar.set_label(_figure_label(figure, lang))
    bar.outline.set_visible(False)
    name = term(figure, lang) if figure in TERMS else figure
    title = (
        f"{name}：{_short(kx, lang)} × {_short(ky, lang)}"
        if lang == "zh"
        else f"{name}: {_short(kx, lang)} × {_short(ky, lang)}"
    )
    sub = term("chart.sweep_heat.note", lang).format(n=_n_text(table["n"]))
    others = [k for k in (all_keys or keys) if k not in keys]
    if others:
        sub += ("；" if lang == "zh" else "; ") + term("chart.sweep.averaged", lang)
    _titles(fig, title, sub)
    return fig


def _short(key: str, lang: str) -> str:
    k = f"key.{key}"
    return term(k, lang) if k in TERMS else key


# ---------------------------------------------------------------- folders


def folder_kind(directory) -> str:
    """``"run"``, ``"compare"`` or ``"sweep"``, from the files in the folder.

    Raises:
        NotAnOutputFolder: none of the three.
    """
    d = Path(directory)
    if not d.is_dir():
        raise NotAnOutputFolder(f"{d}: no such folder")
    if (d / "comparison.csv").exists() and (d / "replications.parquet").exists():
        return "compare"
    if (d / "cells.csv").exists() and (d / "replications.parquet").exists():
        return "sweep"
    if (d / "summary.csv").exists() and (d / "daily.parquet").exists():
        return "run"
    raise NotAnOutputFolder(
        f"{d}: not a run, compare or sweep output folder (expected summary.csv and daily.parquet, "
        "comparison.csv and replications.parquet, or cells.csv and replications.parquet)"
    )


def sweep_keys(replications: pd.DataFrame) -> list[str]:
    """The swept keys of a sweep's replications table: the columns before ``seed``."""
    cols = list(replications.columns)
    return cols[: cols.index("seed")] if "seed" in cols else []


def save(fig: Figure, out_dir, name: str, lang: str, dpi: int | None = None) -> list[Path]:
    """Write ``fig`` as ``<name>.<lang>.png`` (``dpi``, default ``DPI``) and ``.svg`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.{lang}.png", out / f"{name}.{lang}.svg"]
    fig.savefig(paths[0], dpi=dpi or DPI)
    fig.savefig(paths[1])
    return paths


def _read_run(run_dir: Path, params=None):
    summary = pd.read_csv(run_dir / "summary.csv")
    daily = pd.read_parquet(run_dir / "daily.parquet")
    hh_path = run_dir / "households.parquet"
    name = params.name if params is not None else run_dir.resolve().name
    info = scenario_infos(run_dir, [name], params)[name]
    summary.insert(0, "scenario", name)
    daily.insert(0, "scenario", name)
    return name, info, summary, daily, hh_path


def run_figures(run_dir, lang: str = "en", params=None, figsize=FIGSIZE) -> dict[str, Figure]:
    """Every chart of a run folder, by file name (see :func:`draw_run`)."""
    run_dir = Path(run_dir)
    name, info, summary, daily, hh_path = _read_run(run_dir, params)
    colours = scenario_colours([name])
    figs = {
        "waiting_list": waiting_list_chart(
            daily,
            lang,
            colours,
            target_units=info.target_units,
            target_date=info.target_date,
            warmup_days=info.warmup_days,
            start_date=info.start_date,
            figsize=figsize,
        ),
        "occupancy": occupancy_chart(
            daily, lang, colours, warmup_days=info.warmup_days, start_date=info.start_date, figsize=figsize
        ),
    }
    if hh_path.exists():
        cols = ["seed", "initial", "applied_day", "moved_in_day", "exit_day", "exit_reason"]
        hh = pd.read_parquet(hh_path, columns=cols)
        hh.insert(0, "scenario", name)
        n_days = int(daily["day"].max()) + 1
        waits = cohort_waits(hh, info.warmup_days, n_days - info.cohort_margin_days)
        figs["wait_distribution"] = wait_histogram_chart(waits, lang, colours, figsize=figsize)
        figs["exits_by_reason"] = exits_by_reason_chart(
            yearly_exits(hh, n_days), lang, start_date=info.start_date, figsize=figsize
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

    Charts: waiting list with supply and target, occupancy rate, distribution of the wait (from
    households), mean/median/p90 of the wait, mean wait with CI, exits by reason per year, wait by group
    (small cells suppressed), lapse rate.

    Args:
        run_dir: the run's output folder.
        lang: "en" or "zh".
        out_dir: where to write (default ``run_dir/charts``).
        params: the run's ``sim.Params``, if at hand (supply target, ``min_cell``, warm-up); otherwise
            taken from the folder's ``scenarios.json`` or the scenario file named like the folder.

    Returns:
        The files written.
    """
    run_dir = Path(run_dir)
    out = Path(out_dir) if out_dir else run_dir / "charts"
    return _save_all(run_figures(run_dir, lang, params), out, lang)


def _save_all(figs: Mapping[str, Figure], out: Path, lang: str) -> list[Path]:
    paths = []
    for name, fig in figs.items():
        paths += save(fig, out, name, lang)
    return paths


@dataclass
class CompareData:
    """A compare folder, read."""

    names: list[str]
    comparison: pd.DataFrame
    replications: pd.DataFrame
    daily: pd.DataFrame | None
    infos: dict[str, ScenarioInfo]


def read_compare(compare_dir, params=None) -> CompareData:
    """Read a compare folder (``comparison.csv``, ``replications.parquet``, ``daily.parquet``)."""
    d = Path(compare_dir)
    comparison = pd.read_csv(d / "comparison.csv")
    reps = pd.read_parquet(d / "replications.parquet")
    reps["scenario"] = reps["scenario"].astype(str)
    names = list(dict.fromkeys(comparison["scenario"].astype(str)))
    for name in scenario_names(reps):
        if name not in names:
            names.append(name)
    daily = None
    if (d / "daily.parquet").exists():
        daily = pd.read_parquet(d / "daily.parquet")
        daily["scenario"] = daily["scenario"].astype(str)
    return CompareData(names, comparison, reps, daily, scenario_infos(d, names, params))


def compare_figures(
    compare_dir, lang: str = "en", params=None, figsize=FIGSIZE, data=None
) -> dict[str, Figure]:
    """Every chart of a compare folder, by file name (see :func:`draw_compare`)."""
    data = data or read_compare(compare_dir, params)
    names = data.names
    colours = scenario_colours(names)
    reps = _ordered(data.replications, names)
    ref = data.infos[names[0]]
    figs = {
        "mean_wait": mean_wait_chart(reps, lang, colours, figsize=figsize),
        "wait_stats": wait_stats_chart(reps, lang, colours, figsize=figsize),
        "wait_by_group": group_wait_chart(reps, lang, colours, min_cell=ref.min_cell, figsize=figsize),
    }
    if data.daily is not None and len(data.daily):
        daily = _ordered(data.daily, names)
        figs["waiting_list"] = waiting_list_chart(
            daily,
            lang,
            colours,
            target_units=ref.target_units,
            target_date=ref.target_date,
            warmup_days=ref.warmup_days,
            start_date=ref.start_date,
            figsize=figsize,
        )
        figs["occupancy"] = occupancy_chart(
            daily, lang, colours, warmup_days=ref.warmup_days, start_date=ref.start_date, figsize=figsize
        )
    figs["lapse_rate"] = lapse_rate_chart(reps, lang, colours, figsize=figsize)
    if data.daily is not None and len(data.daily):
        figs["exits_per_year"] = exits_per_year_chart(
            daily, lang, colours, start_date=ref.start_date, figsize=figsize
        )
    figs["exit_reasons"] = exit_reasons_chart(reps, lang, colours, figsize=figsize)
    return figs


def _ordered(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Rows in scenario order (so that colours, legends and panels follow the comparison)."""
    order = {n: i for i, n in enumerate(names)}
    return df.iloc[np.argsort(df["scenario"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)


def draw_compare(compare_dir, lang: str = "en", out_dir=None, params=None) -> list[Path]:
    """Draw every chart of a compare folder as PNG (300 dpi) and SVG into ``out_dir`` (default
    ``compare_dir/charts``): mean wait with CI and paired differences, mean/median/p90 of the wait per
    seed, wait by group (who gains, who loses), waiting list with supply, occupancy rate, lapse rate,
    exits per year and exits by reason. The first scenario is the reference. ``params``: the scenarios'
    ``sim.Params`` in order, if at hand."""
    compare_dir = Path(compare_dir)
    out = Path(out_dir) if out_dir else compare_dir / "charts"
    return _save_all(compare_figures(compare_dir, lang, params), out, lang)


def sweep_figures(sweep_dir, lang: str = "en", figsize=FIGSIZE) -> dict[str, Figure]:
    """Every chart of a sweep folder, by file name (see :func:`draw_sweep`)."""
    reps = pd.read_parquet(Path(sweep_dir) / "replications.parquet")
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


def draw_any(directory, lang: str = "en", out_dir=None) -> list[Path]:
    """Redraw the charts of any run, compare or sweep output folder without simulating.

    Raises:
        NotAnOutputFolder: the folder is none of the three (the message names it and what is missing).
    """
    kind = folder_kind(directory)
    draw = {"run": draw_run, "compare": draw_compare, "sweep": draw_sweep}[kind]
    return draw(directory, lang, out_dir)
