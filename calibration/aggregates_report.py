"""What a calibration to aggregates shows: the fit table, the parameter table and the chart of observed
against simulated figures (Chinese and English)."""

from __future__ import annotations

import math
from pathlib import Path

from analysis.reporting.charts.calibration import draw_calibration_fit
from analysis.reporting.numbers import format_number
from analysis.reporting.tables import render_table
from analysis.reporting.terms import label, term, unit_of

from .aggregates import Calibration


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
    """A figure with a unit as in the terminal tables; one without, with four significant digits."""
    if unit is None and x is not None and math.isfinite(x):
        return _g4(x)
    return format_number(x, unit, na=term("table.na", lang), style="table")


def _g4(x: float) -> str:
    """Four significant digits, as Python's ``{:.4g}`` ("nan" for a missing value)."""
    return format_number(x, digits=4, notation="general", thousands=False, zero="keep", na=None)


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
                format_number(
                    r.standardised_error, sign=True, digits=2, thousands=False, zero="keep", na=None
                ),
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
                f"[{_g4(f.low)}, {_g4(f.high)}]",
                _g4(f.base_value),
                _g4(f.estimate),
                f"[{_g4(f.interval_low)}, {_g4(f.interval_high)}]",
                term("calib.yes" if f.identified else "calib.no", lang),
            ]
        )
    return render_table(header, rows)


def _tick_labels(cal: Calibration, lang: str) -> list[str]:
    """Per target: its label, and under it the observed value ± its sd."""
    labels = []
    for r in cal.fit.itertuples(index=False):
        unit = _unit(r.figure, r.at)
        labels.append(
            f"{target_label(r.figure, r.at, lang)}\n{term('calib.observed', lang)} "
            f"{_num(r.observed, unit, lang)} ± {_num(r.sd, unit, lang)}"
        )
    return labels


def draw_charts(cal: Calibration, out_dir: Path) -> list[Path]:
    """The chart in Chinese and English (PNG and SVG) in ``out_dir/charts``."""
    paths = []
    for lang in ("en", "zh"):
        paths += draw_calibration_fit(
            cal.fit, cal.reps, _tick_labels(cal, lang), Path(out_dir) / "charts", lang
        )
    return paths


__all__ = ["draw_charts", "format_fit", "format_parameters", "target_label"]
