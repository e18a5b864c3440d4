"""Numbers as text: the one formatter of the text tables, the charts (labels and ticks), the briefing, the
calibration reports and the explorer.

    format_number(289.4, "days")                          # "289"     (slides: whole above 10)
    format_number(0.9693, "share")                        # "96.9"    (slides: a share in per cent)
    format_number(-0.0123, "share", sign=True)            # "-1.2"
    format_number(0.9693, "share", style="table")         # "0.969"   (terminal: a share as a fraction)
    format_number(float("nan"), "days", na="n/a", style="table")   # "n/a"
    format_number(1234.5678, digits=4, notation="general", thousands=False)   # "1235"
    format_number(8.0, notation="shortest", whole=True, thousands=False)      # "8" (as typed in TOML)

Two conventions of decimals, chosen by ``style`` when ``digits`` is not given:

- ``"slide"`` (charts, briefing): a share (``unit="share"``, a fraction) is written in per cent with one
  decimal; offers (declined a unit let) with two; any other number with one decimal under 10 and none from
  10 up;
- ``"table"`` (terminal tables): a share as a fraction, and offers, with three decimals; days, households
  and units whole; any other figure with two decimals.

A value that rounds to zero is written without a sign ("0", never "-0" or "+0") unless ``zero`` says
otherwise; a missing or infinite value is written ``na`` (``na=None``: as Python writes it, "nan").
"""

from __future__ import annotations

import math

NA = "–"  # a missing number on a slide (en dash)
MINUS = "\u2212"  # the true minus sign of axis ticks
WHOLE_UNITS = ("days", "households", "units")  # counted or measured in whole days: no decimals in tables
FINE_UNITS = ("share", "offers")  # fractions and small ratios (offers declined a let): 3 decimals


def format_number(
    x,
    unit: str | None = None,
    sign: bool = False,
    digits: int | None = None,
    *,
    na: str | None = NA,
    style: str = "slide",
    notation: str = "fixed",
    thousands: bool = True,
    minus: str = "-",
    zero: str = "unsigned",
    whole: bool = False,
) -> str:
    """``x`` as text.

    Args:
        x: a number (None counts as missing).
        unit: the figure's unit (``analysis.reporting.terms``): with ``style="slide"`` a ``"share"`` is
            multiplied by 100 (per cent; the "%" is the caller's); it chooses the decimals (see the module).
        sign: write "+" before a positive number.
        digits: decimals (``notation="fixed"``) or significant digits (``"general"``); default by ``style``
            (fixed) or Python's 6 (general).
        na: the text of a missing (NaN, None) or infinite number; ``None``: Python's own ("nan", "inf").
        style: ``"slide"`` or ``"table"``: the default decimals (see the module).
        notation: ``"fixed"`` (``1,234.5``), ``"general"`` (``{:g}``: ``1235``, ``1.2e+06``) or
            ``"shortest"`` (Python's ``repr``, the shortest text that reads back to the same float).
        thousands: group thousands with commas.
        minus: the minus sign ("-" or :data:`MINUS`).
        zero: a value that rounds to zero: ``"unsigned"`` ("0", "0.0"), ``"bare"`` ("0" whatever the
            decimals) or ``"keep"`` (as Python writes it: "-0", "+0.00").
        whole: write a float without a fractional part as an integer ("8", not "8.0"), whatever the notation.
    """
    if x is None:
        return na if na is not None else "None"
    if na is not None and not math.isfinite(x):
        return na
    if style == "slide" and unit == "share":
        x = 100.0 * x
    if whole and isinstance(x, float) and x.is_integer():
        text = format(int(x), "," if thousands else "")
    elif notation == "shortest":
        text = repr(x)
    else:
        if digits is None and notation == "fixed":
            digits = _default_digits(x, unit, style)
        spec = ("," if thousands else "") + (f".{digits}" if digits is not None else "")
        text = format(x, spec + ("f" if notation == "fixed" else "g"))
    if zero != "keep" and _is_zero(text):
        return "0" if zero == "bare" else text.removeprefix("-")
    if sign and not text.startswith("-"):
        text = "+" + text
    if minus != "-" and text.startswith("-"):
        text = minus + text[1:]
    return text


def _is_zero(text: str) -> bool:
    try:
        return float(text.replace(",", "")) == 0
    except ValueError:  # a repr that is no float literal (numpy's "np.float64(2.5)")
        return False


def _default_digits(x: float, unit: str | None, style: str) -> int:
    if style == "table":
        return 3 if unit in FINE_UNITS else 0 if unit in WHOLE_UNITS else 2
    if style != "slide":
        raise ValueError(f"style: expected 'slide' or 'table', got {style!r}")
    if unit == "offers":
        return 2
    return 1 if unit == "share" or abs(x) < 10 else 0
