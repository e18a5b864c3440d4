"""Working-day calendar for the measures' time limits (Art. 11, 12, 14 and 18).

The measures count their time limits in working days (工作日): Monday to Friday, less the State
Council's public holidays (放假日), plus the weekend days declared working days (调休上班).
The dates come from the scenario (``calendar.holidays`` and ``calendar.makeup_workdays`` in
``scenarios/baseline.toml``).

Simulated time is a float: one day = 1.0 (a year is ``YEAR_DAYS`` days), and day 0 is the start date,
so time ``t`` falls on calendar day ``floor(t)``. ``WorkCalendar.add_working_days`` moves a time forward
by whole working days and keeps its fractional part, so events keep their order.

The calendar holds a table for days ``0 .. n_days - 1`` plus a margin (two years by default), so
deadlines set near the horizon still resolve. Holidays outside that table are ignored; past it the
calendar is Monday to Friday only. Times handed to ``add_working_days`` and
``working_days_between`` must lie in the table; results may fall past it.
"""

from __future__ import annotations

import datetime
import math
import operator
from collections.abc import Iterable

import numpy as np

__all__ = ["MONTH_DAYS", "YEAR_DAYS", "WorkCalendar"]

#: Days in a year, for every duration given in years (scenario files, rules, outputs): the Julian year,
#: so that a span of years has one length wherever it starts.
YEAR_DAYS = 365.25
#: Days in a month, for every duration given in months (Art. 20, 24).
MONTH_DAYS = YEAR_DAYS / 12

DateLike = datetime.date | str


def _to_date(value: DateLike) -> datetime.date:
    """A ``datetime.date`` from a date (a datetime gives its date) or an ISO string."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not an ISO date (YYYY-MM-DD): {value!r}") from None
    raise TypeError(f"expected a datetime.date or an ISO date string, got {type(value).__name__}: {value!r}")


class WorkCalendar:
    """Working days from ``start_date`` (day 0) over ``n_days`` days plus a margin.

    ``add_working_days`` and ``working_days_between`` are O(1) pure-Python look-ups in two lists
    built once with numpy: ``_count_upto[d]`` (working days in ``0 .. d``) and ``_wd_index[k]``
    (the day of the k-th working day, counting from 0).
    """

    MARGIN_DAYS = 731
    """Days covered beyond ``n_days`` by default: two years."""

    def __init__(
        self,
        start_date: DateLike,
        n_days: int,
        holidays: Iterable[DateLike] = (),
        makeup_workdays: Iterable[DateLike] = (),
        *,
        margin_days: int | None = None,
    ) -> None:
        self.start_date = _to_date(start_date)
        n_days = operator.index(n_days)
        if n_days <= 0:
            raise ValueError(f"n_days must be positive, got {n_days}")
        margin = self.MARGIN_DAYS if margin_days is None else operator.index(margin_days)
        if margin < 0:
            raise ValueError(f"margin_days must be >= 0, got {margin}")
        self.n_days = n_days
        self.covered_days = n_days + margin
        """Days ``0 .. covered_days - 1`` use the holiday table; later days are Monday to Friday only."""

        if isinstance(holidays, str | datetime.date) or isinstance(makeup_workdays, str | datetime.date):
            raise TypeError("holidays and makeup_workdays must be collections of dates, not a single date")
        holiday_set = {_to_date(d) for d in holidays}
        makeup_set = {_to_date(d) for d in makeup_workdays}
        both = holiday_set & makeup_set
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates listed both as holidays and as makeup workdays: {listed}")

        self._weekday0 = self.start_date.weekday()  # 0 = Monday
        n = self.covered_days
        days = np.arange(n)
        is_wd = (days + self._weekday0) % 7 < 5
        for dates, value in ((holiday_set, False), (makeup_set, True)):
            idx = [k for k in (self._raw_day(d) for d in dates) if 0 <= k < n]
            if idx:
                is_wd[np.asarray(idx)] = value
        self._is_wd: list[bool] = is_wd.tolist()
        self._count_upto: list[int] = np.cumsum(is_wd).tolist()
        self._wd_index: list[int] = np.flatnonzero(is_wd).tolist()
        self._limit = float(n)

    # ------------------------------------------------------------------ dates

    def _raw_day(self, d: datetime.date) -> int:
        return (d - self.start_date).days

    def date_of(self, day: float) -> datetime.date:
        """The calendar date of simulated time ``day``: ``floor(day)`` days after the start date."""
        return self.start_date + datetime.timedelta(days=self._floor_day(day, "day"))

    def day_of(self, d: DateLike) -> int:
        """The day number of date ``d`` (a date or an ISO string); the start date is day 0."""
        date = _to_date(d)
        k = self._raw_day(date)
        if k < 0:
            raise ValueError(
                f"{date.isoformat()} is before the calendar's start date {self.start_date.isoformat()}"
            )
        return k

    @property
    def end_date(self) -> datetime.date:
        """The last date of the holiday table (day ``covered_days - 1``)."""
        return self.start_date + datetime.timedelta(days=self.covered_days - 1)

    # ----------------------------------------------------------- working days

    def is_working_day(self, day: float) -> bool:
        """Whether day ``floor(day)`` is a working day: Monday to Friday not a holiday, or a makeup day.

        Past the holiday table, Monday to Friday.
        """
        k = self._floor_day(day, "day")
        if k < self.covered_days:
            return self._is_wd[k]
        return (k + self._weekday0) % 7 < 5

    def add_working_days(self, t: float, n: int) -> float:
        """The time ``n`` working days after ``t``.

        That is the ``n``-th working day strictly after day ``floor(t)``, plus the fractional part of
        ``t`` (so the order of times is never reversed); ``n == 0`` returns ``t`` unchanged.
        ``t`` must be finite and not negative; past the holiday table working days are Monday to Friday
        (a long review backlog can push deadlines there).
        """
        if n.__class__ is not int:
            n = operator.index(n)
        if n <= 0:
            if n == 0:
                return float(t)
            raise ValueError(f"n must be a non-negative number of working days, got {n}")
        if 0.0 <= t < self._limit:
            d = int(t)
            k = self._count_upto[d] + n - 1  # index of the target working day in _wd_index
            wd_index = self._wd_index
            if k < len(wd_index):
                w = wd_index[k]
            else:
                w = self._nth_weekday_after(self.covered_days - 1, k + 1 - len(wd_index))
        elif self._limit <= t < math.inf:  # past the holiday table: Monday to Friday
            d = int(t)
            w = self._nth_weekday_after(d, n)
        else:  # negative, infinite or NaN
            raise self._out_of_range("t", t)
        r = float(w + (t - d))
        if r >= w + 1:  # a fraction within rounding of 1 must not carry over into the next day
            r = math.nextafter(w + 1.0, 0.0)
        return r

    def working_days_between(self, t0: float, t1: float) -> int:
        """The number of working days ``d`` with ``floor(t0) < d <= floor(t1)`` (0 if ``t1 <= t0``).

        Both times must lie in ``[0, covered_days)``. For ``t`` in range and ``n >= 0``,
        ``working_days_between(t, add_working_days(t, n)) == n`` whenever the result is in range.
        """
        if not 0.0 <= t0 < self._limit:
            raise self._out_of_range("t0", t0)
        if not 0.0 <= t1 < self._limit:
            raise self._out_of_range("t1", t1)
        c = self._count_upto[int(t1)] - self._count_upto[int(t0)]
        return c if c > 0 else 0

    # ---------------------------------------------------------------- helpers

    def _floor_day(self, day: float, name: str) -> int:
        try:
            k = math.floor(day)
        except (ValueError, OverflowError, TypeError):
            raise ValueError(f"{name} must be a finite number of days, got {day!r}") from None
        if k < 0:
            raise ValueError(f"{name} = {day!r} is before day 0 ({self.start_date.isoformat()})")
        return k

    def _out_of_range(self, name: str, value: float) -> ValueError:
        return ValueError(
            f"{name} = {value!r} is outside the calendar's covered range [0, {self.covered_days}) "
            f"({self.start_date.isoformat()} to {self.end_date.isoformat()})"
        )

    def _nth_weekday_after(self, base: int, m: int) -> int:
        """The day of the ``m``-th (m >= 1) Monday-to-Friday day strictly after day ``base``."""
        # Absolute positions count from the Monday of the start date's week (position 0).
        a = base + self._weekday0
        done = 5 * (a // 7) + min(a % 7, 4) + 1  # weekdays at positions 0 .. a
        q, r = divmod(done + m - 1, 5)
        return 7 * q + r - self._weekday0

    def __repr__(self) -> str:
        return (
            f"WorkCalendar(start_date={self.start_date.isoformat()}, n_days={self.n_days}, "
            f"covered to {self.end_date.isoformat()})"
        )
