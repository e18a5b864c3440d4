"""Charts of the calibration, in the house style: the fit to aggregates (observed against simulated
figures, in observation sds) and the fit to micro data (Kaplan-Meier survival of tenancies against the
fitted exponential and Weibull curves; monthly filings against the fitted seasonal rate).

``calibration/`` computes the tables and curves and passes them in; these functions draw and save:

    paths = draw_calibration_fit(fit, reps, labels, out_dir, "en")       # calibration_fit.en.png, .svg
    paths = draw_micro_charts(SurvivalChart(...), ArrivalsChart(...), out_dir, "zh")
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..fonts import use_fonts
from ..numbers import MINUS, format_number
from ..terms import term
from .style import GREY, PALETTE, legend, new_figure, save, titles

CALIBRATION_FIT = "calibration_fit"  # file name of the fit to aggregates
MICRO_SURVIVAL = "micro_survival"
MICRO_ARRIVALS = "micro_arrivals"


# ---------------------------------------------------------------- fit to aggregates


def calibration_fit_chart(fit: pd.DataFrame, reps: int, labels: Sequence[str], lang: str = "en") -> Figure:
    """Per target, the fitted (and base) simulated mean against the observed value, in observation sds.

    Args:
        fit: one row per target: ``observed, sd, base_mean, ci_low, ci_high, standardised_error``
            (``calibration.aggregates.FIT_COLUMNS``).
        reps: replications per point (said in the subtitle).
        labels: one per target, top down: the y tick labels.
    """
    use_fonts(lang)
    m = len(fit)
    fig, (ax,) = new_figure(figsize=(10, 2.2 + 0.6 * m))  # the house style: title band, slide-sized type
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
                format_number(zi, sign=True, digits=0, thousands=False, zero="keep", minus=MINUS),
                (zbi, yi),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=10,
                color="#c0504d",
            )
    ax.set_yticks(y, list(labels), fontsize=10)
    ax.set_xlim(-limit * 1.2, limit * 1.2)
    ax.set_ylim(-0.7, m - 0.3)
    ax.set_xlabel(term("calib.axis", lang))
    ax.grid(axis="y", visible=False)
    titles(fig, term("calib.title", lang), term("calib.subtitle", lang).format(n=reps))
    handles = [
        Patch(color="#d0d0d0"),
        Line2D([], [], marker="o", color="#1f5fa8", linestyle="-"),
        Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="#c0504d", linestyle="none"),
    ]
    names = [term("calib.observed_band", lang), term("calib.fitted", lang), term("calib.base", lang)]
    legend(fig, handles, names, ncol=3)
    return fig


def draw_calibration_fit(
    fit: pd.DataFrame, reps: int, labels: Sequence[str], out_dir, lang: str = "en"
) -> list[Path]:
    """:func:`calibration_fit_chart` written as ``calibration_fit.<lang>.png`` and ``.svg`` in ``out_dir``."""
    return save(calibration_fit_chart(fit, reps, labels, lang), out_dir, CALIBRATION_FIT, lang)


# ---------------------------------------------------------------- fit to micro data


@dataclass
class SurvivalCurves:
    """One panel of the survival chart, on a grid of years since move-in: the Kaplan-Meier curve of the
    tenancies ending for one exit reason (``name``; "any" for every reason) with its 95 % band, and the
    fitted exponential and (if fitted) Weibull survival curves."""

    name: str
    years: np.ndarray
    kaplan_meier: np.ndarray
    low: np.ndarray
    high: np.ndarray
    exponential: np.ndarray
    weibull: np.ndarray | None = None


@dataclass
class SurvivalChart:
    """The survival chart: up to three panels, the tenancies file, its tenancies, how many still run and
    how many began before the period (left-truncated)."""

    panels: Sequence[SurvivalCurves]
    file: str
    n_tenancies: int
    n_censored: int
    n_truncated: int


@dataclass
class ArrivalsChart:
    """The arrivals chart, in filings per month (of average length): the recorded months shown (those
    with at least ``min_cell`` filings; columns ``month, per_month``), the fitted seasonal rate of every
    month (``month, per_month``) and the constant rate; the applications file and its first filings."""

    recorded: pd.DataFrame
    fitted: pd.DataFrame
    constant_rate: float
    file: str
    n_filings: int
    min_cell: int
    months_left_out: bool = False  # months below min_cell were not drawn: the subtitle says so


def survival_chart(data: SurvivalChart, lang: str = "en") -> Figure:
    """Kaplan-Meier survival of tenancies against the fitted exponential and Weibull curves, a panel per
    exit reason."""
    panels = list(data.panels)
    fig, axes = new_figure(ncols=len(panels), sharey=True)
    for ax, p in zip(axes, panels, strict=True):
        ax.fill_between(p.years, p.low, p.high, color=PALETTE[0], alpha=0.2, lw=0)
        ax.step(p.years, p.kaplan_meier, where="post", color=PALETTE[0], label=term("micro.km", lang))
        ax.plot(p.years, p.exponential, color=PALETTE[1], label=term("micro.exponential", lang))
        if p.weibull is not None:
            ax.plot(p.years, p.weibull, color=PALETTE[2], ls="--", label=term("micro.weibull", lang))
        title = term("micro.km_any", lang) if p.name == "any" else term(f"exits_{p.name}", lang)
        ax.set_title(title)
        ax.set_xlabel(term("micro.years_in", lang))
    axes[0].set_ylabel(term("micro.not_exited", lang))
    handles, labels = axes[0].get_legend_handles_labels()
    legend(fig, handles, labels)
    titles(
        fig,
        term("micro.km_title", lang),
        term("micro.km_subtitle", lang).format(
            file=data.file,
            n=format_number(data.n_tenancies, digits=0),
            censored=format_number(data.n_censored, digits=0),
            truncated=format_number(data.n_truncated, digits=0),
        ),
    )
    return fig


def arrivals_chart(data: ArrivalsChart, lang: str = "en") -> Figure:
    """Monthly filings recorded against the fitted seasonal rate and the constant rate."""
    fig, (ax,) = new_figure()
    ax.bar(
        data.recorded["month"],
        data.recorded["per_month"],
        width=27,
        align="edge",
        color=PALETTE[5],
        label=term("micro.recorded", lang),
    )
    ax.axhline(data.constant_rate, color=GREY, ls=":", label=term("micro.constant_rate", lang))
    ax.step(
        data.fitted["month"],
        data.fitted["per_month"],
        where="post",
        color=PALETTE[1],
        label=term("micro.seasonal_rate", lang),
    )
    ax.set_ylabel(term("micro.filings_per_month", lang))
    handles, labels = ax.get_legend_handles_labels()
    legend(fig, handles, labels)
    n = format_number(data.n_filings, digits=0)
    subtitle = term("micro.arrivals_subtitle", lang).format(file=data.file, n=n)
    if data.months_left_out:
        subtitle += "; " + term("micro.suppressed_months", lang).format(n=data.min_cell)
    titles(fig, term("micro.arrivals_title", lang), subtitle)
    return fig


def draw_micro_charts(survival: SurvivalChart, arrivals: ArrivalsChart, out_dir, lang: str) -> list[Path]:
    """Both charts of the fit to micro data, written as ``micro_survival.<lang>`` and
    ``micro_arrivals.<lang>`` (PNG and SVG) in ``out_dir``."""
    use_fonts(lang)
    paths = save(survival_chart(survival, lang), out_dir, MICRO_SURVIVAL, lang)
    paths += save(arrivals_chart(arrivals, lang), out_dir, MICRO_ARRIVALS, lang)
    return paths
