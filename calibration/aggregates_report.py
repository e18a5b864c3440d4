"""What a calibration to aggregates shows: the fit table, the parameter table and the chart of observed
against simulated figures (Chinese and English)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analysis.reporting.charts import _legend, _new, _titles, save  # the charts' house style
from analysis.reporting.fonts import use_fonts
from analysis.reporting.tables import format_value, render_table
from analysis.reporting.terms import label, term, unit_of

from .aggregates import Calibration

CHART_NAME = "calibration_fit"


def target_label(figure: str, at: str, lang: str) -> str:
    """A target's label: the figure's (``daily.<figure>`` for a daily one) and its date."""
    key = f"daily.{figure}" if at else figure
    try:
        text = label(key, lang)
    except KeyError:
        text = figure
    return term("calib.at", lang).format(figure=text, date=at) if at else text


def _unit(figure: str, at: str) -> str | None:
    return unit_of(f"daily.{figure}" if at else figure)


def _num(x: float, unit: str | None, lang: str) -> str:
    na = term("table.na", lang)
    if unit is None and x is not None and math.isfinite(x):
        return f"{x:.4g}"
    return format_value(x, unit, na)


def format_fit(cal: Calibration, lang: str = "en") -> str:
    """One line per target: observed, sd, base, fitted mean with its 95 % CI, standardised error."""
    header = [
        term("calib.target", lang),
        term("calib.observed", lang),
        term("calib.sd", lang),
        term("calib.base_mean", lang),
        term("calib.simulated", lang),
        term("table.ci95", lang),
        term("calib.z", lang),
    ]
    rows = []
    for r in cal.fit.itertuples(index=False):
        unit = _unit(r.figure, r.at)
        ci = f"[{_num(r.ci_low, unit, lang)}, {_num(r.ci_high, unit, lang)}]"
        rows.append(
            [
                target_label(r.figure, r.at, lang),
                _num(r.observed, unit, lang),
                _num(r.sd, unit, lang),
                _num(r.base_mean, unit, lang),
                _num(r.simulated_mean, unit, lang),
                ci,
                f"{r.standardised_error:+.2f}",
            ]
        )
    return render_table(header, rows)


def format_parameters(cal: Calibration, lang: str = "en") -> str:
    """One line per parameter: range, base value, estimate, 95 % interval, identified or not."""
    header = [
        term("calib.parameter", lang),
        term("calib.range", lang),
        term("calib.base_mean", lang),
        term("calib.estimate", lang),
        term("calib.interval", lang),
        term("calib.identified", lang),
    ]
    rows = []
    for f in cal.parameters:
        rows.append(
            [
                f.key,
                f"[{f.low:.4g}, {f.high:.4g}]",
                f"{f.base_value:.4g}",
                f"{f.estimate:.4g}",
                f"[{f.interval_low:.4g}, {f.interval_high:.4g}]",
                term("calib.yes" if f.identified else "calib.no", lang),
            ]
        )
    return render_table(header, rows)


def fit_chart(cal: Calibration, lang: str = "en") -> Figure:
    """Per target, the fitted (and base) simulated mean against the observed value, in observation sds."""
    use_fonts(lang)
    fit = cal.fit
    m = len(fit)
    fig, (ax,) = _new(figsize=(10, 2.2 + 0.6 * m))  # the house style: title band, slide-sized type
    y = np.arange(m)[::-1]
    z = fit["standardised_error"].to_numpy(float)
    zb = ((fit["base_mean"] - fit["observed"]) / fit["sd"]).to_numpy(float)
    lo = ((fit["ci_low"] - fit["observed"]) / fit["sd"]).to_numpy(float)
    hi = ((fit["ci_high"] - fit["observed"]) / fit["sd"]).to_numpy(float)
    limit = float(np.nanmax(np.abs(np.concatenate([z, lo, hi, [3.0]]))))
    shown_base = np.clip(zb, -limit * 1.1, limit * 1.1)
    ax.axvspan(-2, 2, color="#e8e8e8", zorder=0)
    ax.axvspan(-1, 1, color="#d0d0d0", zorder=0)
    ax.axvline(0, color="#222222", linewidth=1.2, zorder=1)
    ax.errorbar(
        z,
        y,
        xerr=[np.nan_to_num(z - lo), np.nan_to_num(hi - z)],
        fmt="o",
        color="#1f5fa8",
        ecolor="#1f5fa8",
        capsize=4,
        markersize=7,
        zorder=3,
    )
    ax.scatter(shown_base, y, marker="o", facecolors="none", edgecolors="#c0504d", s=50, zorder=2)
    for yi, zi, zbi in zip(y, zb, shown_base, strict=True):
        if math.isfinite(zi) and abs(zi) > limit * 1.1:  # the base is off the chart: say how far
            ax.annotate(
                f"{zi:+.0f}".replace("-", "\u2212"),
                (zbi, yi),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=10,
                color="#c0504d",
            )
    labels = []
    for r in fit.itertuples(index=False):
        unit = _unit(r.figure, r.at)
        labels.append(
            f"{target_label(r.figure, r.at, lang)}\n{term('calib.observed', lang)} "
            f"{_num(r.observed, unit, lang)} ± {_num(r.sd, unit, lang)}"
        )
    ax.set_yticks(y, labels, fontsize=10)
    ax.set_xlim(-limit * 1.2, limit * 1.2)
    ax.set_ylim(-0.7, m - 0.3)
    ax.set_xlabel(term("calib.axis", lang))
    ax.grid(axis="y", visible=False)
    _titles(fig, term("calib.title", lang), term("calib.subtitle", lang).format(n=cal.reps))
    handles = [
        Patch(color="#d0d0d0"),
        Line2D([], [], marker="o", color="#1f5fa8", linestyle="-"),
        Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#c0504d", linestyle="none"),
    ]
    names = [term("calib.observed_band", lang), term("calib.fitted", lang), term("calib.base", lang)]
    _legend(fig, handles, names, ncol=3)
    return fig


def draw_charts(cal: Calibration, out_dir: Path) -> list[Path]:
    """The chart in Chinese and English (PNG and SVG) in ``out_dir/charts``."""
    paths = []
    for lang in ("en", "zh"):
        paths += save(fit_chart(cal, lang), Path(out_dir) / "charts", CHART_NAME, lang)
    return paths


__all__ = ["draw_charts", "fit_chart", "format_fit", "format_parameters", "target_label"]
