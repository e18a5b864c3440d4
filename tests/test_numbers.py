"""The one number formatter (analysis/reporting/numbers.py) writes what each formatter it replaced wrote.

Every expected text below was computed by running the old formatter (terminal tables, briefing, chart
labels and ticks, calibration report, explorer) on the value, before it was removed; each case gives the
arguments its callers now pass to ``format_number``. A change of output here changes a table, a chart or
a file: it must be deliberate.
"""

from __future__ import annotations

import math

import pytest
from matplotlib.figure import Figure

from analysis.reporting.charts.style import Percent, chart_number, signed_ticks, thousands_axis, tick_label
from analysis.reporting.numbers import MINUS, format_number
from sim.parameters import setting_text as format_value

NAN, INF = math.nan, math.inf
TABLE = dict(style="table", na="n/a")  # a terminal table: shares as fractions, "n/a" for a missing value
WHOLE = dict(digits=0, zero="keep", na=None)  # Python's {:,.0f}
G4 = dict(digits=4, notation="general", thousands=False, zero="keep", na=None)  # Python's {:.4g}
Z2 = dict(sign=True, digits=2, thousands=False, zero="keep", na=None)  # Python's {:+.2f}

CASES = [
    # analysis/reporting/tables.py (was tables.format_value(x, unit, na, sign))
    ("tables", 0.0, dict(unit="share", **TABLE), "0.000"),
    ("tables", 0.0, dict(unit="share", sign=True, **TABLE), "0.000"),
    ("tables", 0.0, dict(unit="days", **TABLE), "0"),
    ("tables", 0.0, dict(unit="days", sign=True, **TABLE), "0"),
    ("tables", 0.0, dict(unit="rate", **TABLE), "0.00"),
    ("tables", -0.0, dict(unit="share", **TABLE), "0.000"),
    ("tables", -0.0, dict(unit="share", sign=True, **TABLE), "0.000"),
    ("tables", -0.0, dict(unit="days", **TABLE), "0"),
    ("tables", -0.0, dict(unit="days", sign=True, **TABLE), "0"),
    ("tables", -0.0, dict(unit="rate", **TABLE), "0.00"),
    ("tables", -0.0004, dict(unit="share", **TABLE), "0.000"),
    ("tables", -0.0004, dict(unit="share", sign=True, **TABLE), "0.000"),
    ("tables", -0.0004, dict(unit="days", **TABLE), "0"),
    ("tables", -0.0004, dict(unit="days", sign=True, **TABLE), "0"),
    ("tables", -0.0004, dict(unit="rate", **TABLE), "0.00"),
    ("tables", 0.004, dict(unit="share", **TABLE), "0.004"),
    ("tables", 0.004, dict(unit="share", sign=True, **TABLE), "+0.004"),
    ("tables", 0.004, dict(unit="days", **TABLE), "0"),
    ("tables", 0.004, dict(unit="days", sign=True, **TABLE), "0"),
    ("tables", 0.004, dict(unit="rate", **TABLE), "0.00"),
    ("tables", -0.05, dict(unit="share", **TABLE), "-0.050"),
    ("tables", -0.05, dict(unit="share", sign=True, **TABLE), "-0.050"),
    ("tables", -0.05, dict(unit="days", **TABLE), "0"),
    ("tables", -0.05, dict(unit="days", sign=True, **TABLE), "0"),
    ("tables", -0.05, dict(unit="rate", **TABLE), "-0.05"),
    ("tables", 0.96934, dict(unit="share", **TABLE), "0.969"),
    ("tables", 0.96934, dict(unit="share", sign=True, **TABLE), "+0.969"),
    ("tables", 0.96934, dict(unit="days", **TABLE), "1"),
    ("tables", 0.96934, dict(unit="days", sign=True, **TABLE), "+1"),
    ("tables", 0.96934, dict(unit="rate", **TABLE), "0.97"),
    ("tables", 0.1134, dict(unit="offers", **TABLE), "0.113"),  # offers declined a let
    ("slides", 0.1134, dict(unit="offers", style="slide"), "0.11"),
    ("tables", 9.96, dict(unit="share", **TABLE), "9.960"),
    ("tables", 9.96, dict(unit="share", sign=True, **TABLE), "+9.960"),
    ("tables", 9.96, dict(unit="days", **TABLE), "10"),
    ("tables", 9.96, dict(unit="days", sign=True, **TABLE), "+10"),
    ("tables", 9.96, dict(unit="rate", **TABLE), "9.96"),
    ("tables", -12.5, dict(unit="share", **TABLE), "-12.500"),
    ("tables", -12.5, dict(unit="share", sign=True, **TABLE), "-12.500"),
    ("tables", -12.5, dict(unit="days", **TABLE), "-12"),
    ("tables", -12.5, dict(unit="days", sign=True, **TABLE), "-12"),
    ("tables", -12.5, dict(unit="rate", **TABLE), "-12.50"),
    ("tables", 1234.5, dict(unit="share", **TABLE), "1,234.500"),
    ("tables", 1234.5, dict(unit="share", sign=True, **TABLE), "+1,234.500"),
    ("tables", 1234.5, dict(unit="days", **TABLE), "1,234"),
    ("tables", 1234.5, dict(unit="days", sign=True, **TABLE), "+1,234"),
    ("tables", 1234.5, dict(unit="rate", **TABLE), "1,234.50"),
    ("tables", 1234567.891, dict(unit="share", **TABLE), "1,234,567.891"),
    ("tables", 1234567.891, dict(unit="share", sign=True, **TABLE), "+1,234,567.891"),
    ("tables", 1234567.891, dict(unit="days", **TABLE), "1,234,568"),
    ("tables", 1234567.891, dict(unit="days", sign=True, **TABLE), "+1,234,568"),
    ("tables", 1234567.891, dict(unit="rate", **TABLE), "1,234,567.89"),
    ("tables", NAN, dict(unit="share", **TABLE), "n/a"),
    ("tables", NAN, dict(unit="share", sign=True, **TABLE), "n/a"),
    ("tables", NAN, dict(unit="days", **TABLE), "n/a"),
    ("tables", NAN, dict(unit="days", sign=True, **TABLE), "n/a"),
    ("tables", NAN, dict(unit="rate", **TABLE), "n/a"),
    ("tables", INF, dict(unit="share", **TABLE), "n/a"),
    ("tables", INF, dict(unit="share", sign=True, **TABLE), "n/a"),
    ("tables", INF, dict(unit="days", **TABLE), "n/a"),
    ("tables", INF, dict(unit="days", sign=True, **TABLE), "n/a"),
    ("tables", INF, dict(unit="rate", **TABLE), "n/a"),
    # analysis/reporting/briefing.py (was briefing.format_number(x, unit, sign, digits))
    ("briefing", 0.0, dict(unit="share"), "0.0"),
    ("briefing", 0.0, dict(unit="share", sign=True), "0.0"),
    ("briefing", 0.0, dict(unit="share", sign=True, digits=2), "0.00"),
    ("briefing", 0.0, dict(unit="days"), "0.0"),
    ("briefing", 0.0, dict(unit="days", sign=True), "0.0"),
    ("briefing", 0.0, dict(unit=None), "0.0"),
    ("briefing", 0.0, dict(unit=None, sign=True), "0.0"),
    ("briefing", 0.0, dict(unit=None, sign=True, digits=2), "0.00"),
    ("briefing", -0.0, dict(unit="share"), "0.0"),
    ("briefing", -0.0, dict(unit="share", sign=True), "0.0"),
    ("briefing", -0.0, dict(unit="share", sign=True, digits=2), "0.00"),
    ("briefing", -0.0, dict(unit="days"), "0.0"),
    ("briefing", -0.0, dict(unit="days", sign=True), "0.0"),
    ("briefing", -0.0, dict(unit=None), "0.0"),
    ("briefing", -0.0, dict(unit=None, sign=True), "0.0"),
    ("briefing", -0.0, dict(unit=None, sign=True, digits=2), "0.00"),
    ("briefing", -0.0004, dict(unit="share"), "0.0"),
    ("briefing", -0.0004, dict(unit="share", sign=True), "0.0"),
    ("briefing", -0.0004, dict(unit="share", sign=True, digits=2), "-0.04"),
    ("briefing", -0.0004, dict(unit="days"), "0.0"),
    ("briefing", -0.0004, dict(unit="days", sign=True), "0.0"),
    ("briefing", -0.0004, dict(unit=None), "0.0"),
    ("briefing", -0.0004, dict(unit=None, sign=True), "0.0"),
    ("briefing", -0.0004, dict(unit=None, sign=True, digits=2), "0.00"),
    ("briefing", 0.004, dict(unit="share"), "0.4"),
    ("briefing", 0.004, dict(unit="share", sign=True), "+0.4"),
    ("briefing", 0.004, dict(unit="share", sign=True, digits=2), "+0.40"),
    ("briefing", 0.004, dict(unit="days"), "0.0"),
    ("briefing", 0.004, dict(unit="days", sign=True), "0.0"),
    ("briefing", 0.004, dict(unit=None), "0.0"),
    ("briefing", 0.004, dict(unit=None, sign=True), "0.0"),
    ("briefing", 0.004, dict(unit=None, sign=True, digits=2), "0.00"),
    ("briefing", -0.05, dict(unit="share"), "-5.0"),
    ("briefing", -0.05, dict(unit="share", sign=True), "-5.0"),
    ("briefing", -0.05, dict(unit="share", sign=True, digits=2), "-5.00"),
    ("briefing", -0.05, dict(unit="days"), "-0.1"),
    ("briefing", -0.05, dict(unit="days", sign=True), "-0.1"),
    ("briefing", -0.05, dict(unit=None), "-0.1"),
    ("briefing", -0.05, dict(unit=None, sign=True), "-0.1"),
    ("briefing", -0.05, dict(unit=None, sign=True, digits=2), "-0.05"),
    ("briefing", 0.96934, dict(unit="share"), "96.9"),
    ("briefing", 0.96934, dict(unit="share", sign=True), "+96.9"),
    ("briefing", 0.96934, dict(unit="share", sign=True, digits=2), "+96.93"),
    ("briefing", 0.96934, dict(unit="days"), "1.0"),
    ("briefing", 0.96934, dict(unit="days", sign=True), "+1.0"),
    ("briefing", 0.96934, dict(unit=None), "1.0"),
    ("briefing", 0.96934, dict(unit=None, sign=True), "+1.0"),
    ("briefing", 0.96934, dict(unit=None, sign=True, digits=2), "+0.97"),
    ("briefing", 9.96, dict(unit="share"), "996.0"),
    ("briefing", 9.96, dict(unit="share", sign=True), "+996.0"),
    ("briefing", 9.96, dict(unit="share", sign=True, digits=2), "+996.00"),
    ("briefing", 9.96, dict(unit="days"), "10.0"),
    ("briefing", 9.96, dict(unit="days", sign=True), "+10.0"),
    ("briefing", 9.96, dict(unit=None), "10.0"),
    ("briefing", 9.96, dict(unit=None, sign=True), "+10.0"),
    ("briefing", 9.96, dict(unit=None, sign=True, digits=2), "+9.96"),
    ("briefing", -12.5, dict(unit="share"), "-1,250.0"),
    ("briefing", -12.5, dict(unit="share", sign=True), "-1,250.0"),
    ("briefing", -12.5, dict(unit="share", sign=True, digits=2), "-1,250.00"),
    ("briefing", -12.5, dict(unit="days"), "-12"),
    ("briefing", -12.5, dict(unit="days", sign=True), "-12"),
    ("briefing", -12.5, dict(unit=None), "-12"),
    ("briefing", -12.5, dict(unit=None, sign=True), "-12"),
    ("briefing", -12.5, dict(unit=None, sign=True, digits=2), "-12.50"),
    ("briefing", 1234.5, dict(unit="share"), "123,450.0"),
    ("briefing", 1234.5, dict(unit="share", sign=True), "+123,450.0"),
    ("briefing", 1234.5, dict(unit="share", sign=True, digits=2), "+123,450.00"),
    ("briefing", 1234.5, dict(unit="days"), "1,234"),
    ("briefing", 1234.5, dict(unit="days", sign=True), "+1,234"),
    ("briefing", 1234.5, dict(unit=None), "1,234"),
    ("briefing", 1234.5, dict(unit=None, sign=True), "+1,234"),
    ("briefing", 1234.5, dict(unit=None, sign=True, digits=2), "+1,234.50"),
    ("briefing", 1234567.891, dict(unit="share"), "123,456,789.1"),
    ("briefing", 1234567.891, dict(unit="share", sign=True), "+123,456,789.1"),
    ("briefing", 1234567.891, dict(unit="share", sign=True, digits=2), "+123,456,789.10"),
    ("briefing", 1234567.891, dict(unit="days"), "1,234,568"),
    ("briefing", 1234567.891, dict(unit="days", sign=True), "+1,234,568"),
    ("briefing", 1234567.891, dict(unit=None), "1,234,568"),
    ("briefing", 1234567.891, dict(unit=None, sign=True), "+1,234,568"),
    ("briefing", 1234567.891, dict(unit=None, sign=True, digits=2), "+1,234,567.89"),
    ("briefing", NAN, dict(unit="share"), "–"),
    ("briefing", NAN, dict(unit="share", sign=True), "–"),
    ("briefing", NAN, dict(unit="share", sign=True, digits=2), "–"),
    ("briefing", NAN, dict(unit="days"), "–"),
    ("briefing", NAN, dict(unit="days", sign=True), "–"),
    ("briefing", NAN, dict(unit=None), "–"),
    ("briefing", NAN, dict(unit=None, sign=True), "–"),
    ("briefing", NAN, dict(unit=None, sign=True, digits=2), "–"),
    ("briefing", INF, dict(unit="share"), "–"),
    ("briefing", INF, dict(unit="share", sign=True), "–"),
    ("briefing", INF, dict(unit="share", sign=True, digits=2), "–"),
    ("briefing", INF, dict(unit="days"), "–"),
    ("briefing", INF, dict(unit="days", sign=True), "–"),
    ("briefing", INF, dict(unit=None), "–"),
    ("briefing", INF, dict(unit=None, sign=True), "–"),
    ("briefing", INF, dict(unit=None, sign=True, digits=2), "–"),
    # charts' labels (was charts._fmt_num(x, share, sign); now charts.style.chart_number)
    ("charts", 0.0, dict(), "0.0"),
    ("charts", 0.0, dict(sign=True), "0.0"),
    ("charts", 0.0, dict(digits=1), "0.0"),
    ("charts", 0.0, dict(digits=1, sign=True), "0.0"),
    ("charts", -0.0, dict(), "0.0"),
    ("charts", -0.0, dict(sign=True), "0.0"),
    ("charts", -0.0, dict(digits=1), "0.0"),
    ("charts", -0.0, dict(digits=1, sign=True), "0.0"),
    ("charts", -0.0004, dict(), "0.0"),
    ("charts", -0.0004, dict(sign=True), "0.0"),
    ("charts", -0.0004, dict(digits=1), "0.0"),
    ("charts", -0.0004, dict(digits=1, sign=True), "0.0"),
    ("charts", 0.004, dict(), "0.0"),
    ("charts", 0.004, dict(sign=True), "0.0"),
    ("charts", 0.004, dict(digits=1), "0.0"),
    ("charts", 0.004, dict(digits=1, sign=True), "0.0"),
    ("charts", -0.05, dict(), "-0.1"),
    ("charts", -0.05, dict(sign=True), "-0.1"),
    ("charts", -0.05, dict(digits=1), "-0.1"),
    ("charts", -0.05, dict(digits=1, sign=True), "-0.1"),
    ("charts", 0.96934, dict(), "1.0"),
    ("charts", 0.96934, dict(sign=True), "+1.0"),
    ("charts", 0.96934, dict(digits=1), "1.0"),
    ("charts", 0.96934, dict(digits=1, sign=True), "+1.0"),
    ("charts", 9.96, dict(), "10.0"),
    ("charts", 9.96, dict(sign=True), "+10.0"),
    ("charts", 9.96, dict(digits=1), "10.0"),
    ("charts", 9.96, dict(digits=1, sign=True), "+10.0"),
    ("charts", -12.5, dict(), "-12"),
    ("charts", -12.5, dict(sign=True), "-12"),
    ("charts", -12.5, dict(digits=1), "-12.5"),
    ("charts", -12.5, dict(digits=1, sign=True), "-12.5"),
    ("charts", 1234.5, dict(), "1,234"),
    ("charts", 1234.5, dict(sign=True), "+1,234"),
    ("charts", 1234.5, dict(digits=1), "1,234.5"),
    ("charts", 1234.5, dict(digits=1, sign=True), "+1,234.5"),
    ("charts", 1234567.891, dict(), "1,234,568"),
    ("charts", 1234567.891, dict(sign=True), "+1,234,568"),
    ("charts", 1234567.891, dict(digits=1), "1,234,567.9"),
    ("charts", 1234567.891, dict(digits=1, sign=True), "+1,234,567.9"),
    ("charts", NAN, dict(), "–"),
    ("charts", NAN, dict(sign=True), "–"),
    ("charts", NAN, dict(digits=1), "–"),
    ("charts", NAN, dict(digits=1, sign=True), "–"),
    ("charts", INF, dict(), "–"),
    ("charts", INF, dict(sign=True), "–"),
    ("charts", INF, dict(digits=1), "–"),
    ("charts", INF, dict(digits=1, sign=True), "–"),
    # charts' whole numbers (was f"{x:,.0f}"; now charts.style.count_text and the thousands ticks)
    ("charts", 0.0, WHOLE, "0"),
    ("charts", -0.0, WHOLE, "-0"),
    ("charts", -0.0004, WHOLE, "-0"),
    ("charts", 0.004, WHOLE, "0"),
    ("charts", -0.05, WHOLE, "-0"),
    ("charts", 0.96934, WHOLE, "1"),
    ("charts", 9.96, WHOLE, "10"),
    ("charts", -12.5, WHOLE, "-12"),
    ("charts", 1234.5, WHOLE, "1,234"),
    ("charts", 1234567.891, WHOLE, "1,234,568"),
    ("charts", NAN, WHOLE, "nan"),
    ("charts", INF, WHOLE, "inf"),
    # calibration/aggregates_report.py (was f"{x:.4g}" and f"{x:+.2f}")
    ("calibration", 0.0, G4, "0"),
    ("calibration", 0.0, Z2, "+0.00"),
    ("calibration", -0.0, G4, "-0"),
    ("calibration", -0.0, Z2, "-0.00"),
    ("calibration", -0.0004, G4, "-0.0004"),
    ("calibration", -0.0004, Z2, "-0.00"),
    ("calibration", 0.004, G4, "0.004"),
    ("calibration", 0.004, Z2, "+0.00"),
    ("calibration", -0.05, G4, "-0.05"),
    ("calibration", -0.05, Z2, "-0.05"),
    ("calibration", 0.96934, G4, "0.9693"),
    ("calibration", 0.96934, Z2, "+0.97"),
    ("calibration", 9.96, G4, "9.96"),
    ("calibration", 9.96, Z2, "+9.96"),
    ("calibration", -12.5, G4, "-12.5"),
    ("calibration", -12.5, Z2, "-12.50"),
    ("calibration", 1234.5, G4, "1234"),
    ("calibration", 1234.5, Z2, "+1234.50"),
    ("calibration", 1234567.891, G4, "1.235e+06"),
    ("calibration", 1234567.891, Z2, "+1234567.89"),
    ("calibration", NAN, G4, "nan"),
    ("calibration", NAN, Z2, "+nan"),
    ("calibration", INF, G4, "inf"),
    ("calibration", INF, Z2, "+inf"),
    # the calibration chart's base off the axis (was f"{x:+.0f}".replace("-", "\u2212"))
    ("calibration", 0.0, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "+0"),
    ("calibration", -0.0, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "−0"),
    ("calibration", -0.0004, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "−0"),
    ("calibration", 0.004, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "+0"),
    ("calibration", -0.05, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "−0"),
    ("calibration", 0.96934, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "+1"),
    ("calibration", 9.96, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "+10"),
    ("calibration", -12.5, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "−12"),
    ("calibration", 1234.5, dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS), "+1234"),
    (
        "calibration",
        1234567.891,
        dict(sign=True, digits=0, thousands=False, zero="keep", minus=MINUS),
        "+1234568",
    ),
]


@pytest.mark.parametrize(
    ("where", "x", "kwargs", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_format_number_writes_what_the_old_formatter_wrote(where, x, kwargs, expected):
    assert format_number(x, **kwargs) == expected


def test_chart_labels_are_the_slide_style():
    for where, x, kwargs, expected in CASES:
        if where == "charts" and set(kwargs) <= {"digits", "sign"}:
            assert (
                chart_number(x, share=kwargs.get("digits") == 1, sign=kwargs.get("sign", False)) == expected
            )


def test_a_missing_number_and_an_unknown_style():
    assert format_number(None) == "–" and format_number(None, na="n/a", style="table") == "n/a"
    assert format_number(-INF, "days", na="无", style="table") == "无"
    with pytest.raises(ValueError, match="style"):
        format_number(1.0, style="slides")


#: Ticks of an axis of counts (was charts._thousands).
THOUSANDS = [
    (-1234.0, "-1,234"),
    (-0.4, "-0"),
    (-0.0, "-0"),
    (0.0, "0"),
    (1e-13, "0"),
    (0.4, "0"),
    (250.0, "250"),
    (1500.0, "1,500"),
    (12345.6, "12,346"),
]

#: Ticks of a difference (was charts._signed_ticks), by decimals.
SIGNED = [
    (0, -100.0, "−100"),
    (0, -2.5, "−2"),
    (0, -0.4, "−0"),
    (0, -0.04, "−0"),
    (0, -1e-13, "0"),
    (0, 0.0, "0"),
    (0, 1e-13, "0"),
    (0, 0.04, "+0"),
    (0, 0.4, "+0"),
    (0, 2.5, "+2"),
    (0, 1500.0, "+1,500"),
    (1, -100.0, "−100.0"),
    (1, -2.5, "−2.5"),
    (1, -0.4, "−0.4"),
    (1, -0.04, "−0.0"),
    (1, -1e-13, "0"),
    (1, 0.0, "0"),
    (1, 1e-13, "0"),
    (1, 0.04, "+0.0"),
    (1, 0.4, "+0.4"),
    (1, 2.5, "+2.5"),
    (1, 1500.0, "+1,500.0"),
]

#: Per-cent ticks, as few decimals as the ticks need (was charts._Percent).
PERCENT = [
    ([0.0, 20.0, 40.0, 60.0], ["0%", "20%", "40%", "60%"]),
    ([0.0, 0.5, 1.0, 1.5], ["0%", "0.5%", "1.0%", "1.5%"]),
    ([90.0, 92.5, 95.0, 97.5, 100.0], ["90.0%", "92.5%", "95.0%", "97.5%", "100.0%"]),
    ([0.0, 0.25, 0.5], ["0%", "0.25%", "0.50%"]),
    ([0.001, 0.002], ["0%", "0%"]),
    ([-0.0, 1000.0, 2000.0], ["0%", "1000%", "2000%"]),
    ([95.12345, 96.0], ["95.12%", "96.00%"]),
]

#: Swept values as tick labels (was charts._show).
TICK_LABELS = [
    (0.0, "0"),
    (-0.0, "0"),
    (0.5, "0.5"),
    (9.96, "9.96"),
    (-12.5, "-12.5"),
    (1234567.891, "1.23457e+06"),
    (0.30000000000000004, "0.3"),
    (3e16, "30000000000000000"),
    (NAN, "nan"),
    (INF, "inf"),
    (4, "4"),
    ("batch", "batch"),
    (1.5, "1.5"),
    (2.0, "2"),
    (True, "True"),
]

#: Values as typed after --set KEY= (sim.parameters.setting_text).
EXPLORER = [
    (0.0, "0"),
    (-0.0, "0"),
    (0.5, "0.5"),
    (9.96, "9.96"),
    (-12.5, "-12.5"),
    (1234567.891, "1234567.891"),
    (0.30000000000000004, "0.30000000000000004"),
    (1e-07, "1e-07"),
    (3e16, "30000000000000000"),
    (NAN, "nan"),
    (INF, "inf"),
    (-INF, "-inf"),
    (None, "None"),
    (8, "8"),
    (True, "true"),
    (False, "false"),
    ("batch", "batch"),
    (2.5, "2.5"),
    (8.0, "8"),
    (1e16, "10000000000000000"),
]


def _formatter(axis_setter, *args):
    ax = Figure().subplots()
    axis_setter(ax, *args)
    return ax


@pytest.mark.parametrize(("x", "expected"), THOUSANDS)
def test_thousands_ticks(x, expected):
    ax = _formatter(thousands_axis)
    assert ax.yaxis.get_major_formatter()(x, 0) == expected


@pytest.mark.parametrize(("digits", "x", "expected"), SIGNED)
def test_signed_ticks(digits, x, expected):
    ax = _formatter(signed_ticks, digits)
    assert ax.xaxis.get_major_formatter()(x, 0) == expected


@pytest.mark.parametrize(("values", "expected"), PERCENT)
def test_percent_ticks(values, expected):
    assert Percent().format_ticks(values) == expected


@pytest.mark.parametrize(("value", "expected"), TICK_LABELS)
def test_tick_labels(value, expected):
    assert tick_label(value) == expected


@pytest.mark.parametrize(("value", "expected"), EXPLORER)
def test_explorer_values(value, expected):
    assert format_value(value) == expected
