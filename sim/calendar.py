"""The calendar of a run: calendar years and months, and working days.

The measures state durations in years and months (the 2-year qualification, Art. 19; the 2-year lease
and the 6-year total, Art. 17(3); 3 months before the lease ends, Art. 20; the 6-month transition,
Art. 24(3)). They are counted in calendar dates: ``add_months`` / ``add_years`` give the time the same
number of calendar months or years later (the same date, or the month's last day when the month is
shorter: 29 February plus one year is 28 February), and a run of N years ends on the same date N years
after it starts (``run_days``).

Time limits in working days (工作日, Art. 11, 12, 14 and 18) count Monday to Friday, less the State
Council's public holidays (放假日), plus the weekend days declared working days (调休上班).
The dates come from the scenario (``calendar.holidays`` and ``calendar.makeup_workdays`` in
``scenarios/baseline.toml``).

Simulated time is a float: one day = 1.0, and day 0 is the start date, so time ``t`` falls on calendar
day ``floor(t)``. ``add_months`` and ``WorkCalendar.add_working_days`` move a time to another day and keep
its fractional part, so events keep their order.

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

__all__ = ["MONTH_DAYS", "YEAR_DAYS", "WorkCalendar", "add_months", "add_years", "run_days", "years_until"]

#: The mean length of a calendar year in days (the Julian year), for quantities given per year or as a mean
#: (hazards and rates per year, the mean of a random delay, scales of charts and estimates). Never for a
#: rule's duration in years or months: those count calendar dates (``add_years``, ``add_months``).
YEAR_DAYS = 365.25
#: The mean length of a calendar month in days, for means given in months.
MONTH_DAYS = YEAR_DAYS / 12

_MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

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


def _month_length(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_LENGTHS[month - 1]


def _shift(ordinal: int, months: int) -> int:
    """The ordinal of the same date ``months`` calendar months later (the month's last day if shorter)."""
    d = datetime.date.fromordinal(ordinal)
    y, m0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    day = d.day
    if day > 28:
        day = min(day, _month_length(y, m0 + 1))
    return datetime.date(y, m0 + 1, day).toordinal()


def add_months(start: datetime.date, t: float, months: float) -> float:
    """The time ``months`` calendar months after time ``t`` (day 0 = ``start``; negative: before).

    Whole months go to the same date of the month (31 March plus one month is 30 April, 29 February plus
    twelve is 28 February); a fraction of a month is that fraction of the next month's days (1.5 months
    after 1 January is 1 February plus half of February's 28 days). The fractional part of ``t`` is kept.
    An infinite number of months (a rule switched off) gives ``inf``.
    """
    if months == math.inf or t == math.inf:
        return math.inf
    d = math.floor(t)
    return _day_later(start, d, months) + (t - d)


def _day_later(start: datetime.date, day: int, months: float) -> float:
    """``add_months`` of a whole day."""
    base = start.toordinal()
    k = math.floor(months)
    later = _shift(base + day, k)
    frac = months - k
    if frac:
        later += frac * (_shift(base + day, k + 1) - later)
    return later - base


def add_years(start: datetime.date, t: float, years: float) -> float:
    """The time ``years`` calendar years after time ``t``: ``12 × years`` calendar months
    (``add_months``), so whole years land on the same date (29 February on 28 February)."""
    return add_months(start, t, 12.0 * years)


def run_days(start: datetime.date, years: float) -> int:
    """The days of a run of ``years`` years from ``start``: it ends on the same date ``years`` later
    (``calendar.horizon_years``; a fraction of a year counts calendar months, ``add_years``)."""
    return round(add_years(start, 0.0, years))


def years_until(start: datetime.date, day: int) -> float:
    """The number of years whose run from ``start`` lasts ``day`` days (``run_days`` inverted)."""
    base = start.toordinal()
    k = day // 31  # whole months that surely fit, then count on
    while _shift(base, k + 1) - base <= day:
        k += 1
    lo, hi = _shift(base, k) - base, _shift(base, k + 1) - base
    return (k + (day - lo) / (hi - lo)) / 12.0


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
        self._later: dict[float, list[int]] = {}  # ``_months_table`` by number of months
        self._table_from, self._table_to = float(-n), float(2 * n)  # the times ``_months_table`` covers

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

    def add_months(self, t: float, months: float) -> float:
        """The time ``months`` calendar months after ``t`` (module ``add_months``).

        A whole number of months is looked up in a table of days (``_months_table``, built on first use)
        for times in ``[-covered_days, 2 × covered_days)``; other cases are computed as the module's."""
        table = self._later.get(months)
        if table is None:
            table = self._later[months] = self._months_table(months)
        if table and self._table_from <= t < self._table_to:
            d = math.floor(t)
            return table[d + self.covered_days] + (t - d)
        return add_months(self.start_date, t, months)

    def _months_table(self, months: float) -> list[int]:
        """``_day_later`` of every day ``-covered_days .. 2 × covered_days - 1`` (index ``day +
        covered_days``) for a whole number of ``months``, in whole-day arithmetic on numpy's calendar (the
        same date ``months`` later, or that month's last day); empty for other numbers of months."""
        if not (abs(months) < math.inf and months == math.floor(months)):
            return []
        start = np.datetime64(self.start_date, "D")
        dates = start + np.arange(-self.covered_days, 2 * self.covered_days)
        month = dates.astype("datetime64[M]")
        day = (dates - month.astype("datetime64[D]")).astype(np.int64)  # day of the month, from 0
        target = month + int(months)
        length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
        later = target.astype("datetime64[D]") + np.minimum(day, length - 1)
        return (later - start).astype(np.int64).tolist()

    def add_years(self, t: float, years: float) -> float:
        """The time ``years`` calendar years after ``t`` (module ``add_years``)."""
        return self.add_months(t, 12.0 * years)

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
