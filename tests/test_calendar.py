"""Tests for sim.calendar.WorkCalendar and the holiday list of scenarios/baseline.toml."""

import datetime as dt
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calendar import WorkCalendar, add_months

HOLIDAY_FILE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def D(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


@pytest.fixture(scope="module")
def holiday_lists() -> dict:
    with HOLIDAY_FILE.open("rb") as f:
        cal = tomllib.load(f)["calendar"]
    return {"holidays": cal["holidays"]["value"], "makeup_workdays": cal["makeup_workdays"]["value"]}


@pytest.fixture(scope="module")
def cn(holiday_lists) -> WorkCalendar:
    """China's calendar from 2021-09-20 (a Monday) to the end of the holiday file."""
    start = D("2021-09-20")
    return WorkCalendar(
        start,
        (D("2032-12-31") - start).days + 1,
        holiday_lists["holidays"],
        holiday_lists["makeup_workdays"],
    )


def add_date(cal: WorkCalendar, date: str, n: int) -> dt.date:
    return cal.date_of(cal.add_working_days(cal.day_of(date), n))


# ------------------------------------------------------------------ holiday file


def test_holiday_file_shape(holiday_lists):
    assert set(holiday_lists) == {"holidays", "makeup_workdays"}
    for key in ("holidays", "makeup_workdays"):
        dates = [D(s) for s in holiday_lists[key]]
        assert dates == sorted(set(dates)), f"{key} must be sorted without duplicates"
        assert dates[-1] <= D("2032-12-31")
    holidays = {D(s) for s in holiday_lists["holidays"]}
    makeups = [D(s) for s in holiday_lists["makeup_workdays"]]
    assert not holidays & set(makeups)
    assert all(d.weekday() >= 5 for d in makeups), "makeup workdays are weekend days"
    assert {y.year for y in holidays} == set(range(2021, 2033))


def test_holiday_file_keeps_statutory_days(holiday_lists):
    """Weekdays off minus makeup days = statutory days: 11 a year to 2024, 13 from 2025 (2024 rules)."""
    net: dict[int, int] = {}
    # a New Year block that starts in late December belongs to the next year
    year_of = lambda d: d.year + (d.month == 12 and d.day >= 29)  # noqa: E731
    for s in holiday_lists["holidays"]:
        d = D(s)
        if d.weekday() < 5:
            net[year_of(d)] = net.get(year_of(d), 0) + 1
    for s in holiday_lists["makeup_workdays"]:
        net[year_of(D(s))] -= 1
    assert net[2021] == 3  # National Day only
    assert all(net[y] == 11 for y in (2022, 2023, 2024))
    assert all(net[y] == 13 for y in range(2025, 2033))


# ----------------------------------------------------------------- basic rules


def test_weekend_skipping():
    cal = WorkCalendar("2024-03-01", 60)  # a Friday, no holidays
    assert cal.add_working_days(0, 1) == 3.0  # Friday + 1 working day = Monday
    assert cal.date_of(3) == D("2024-03-04")
    assert [cal.is_working_day(k) for k in range(7)] == [True, False, False, True, True, True, True]
    assert add_date(cal, "2024-03-02", 1) == D("2024-03-04")  # from a Saturday
    assert add_date(cal, "2024-03-01", 5) == D("2024-03-08")


def test_national_day_2021(cn):
    assert add_date(cn, "2021-09-30", 1) == D("2021-10-08")
    for day in range(1, 8):
        assert not cn.is_working_day(cn.day_of(f"2021-10-0{day}"))
    assert cn.working_days_between(cn.day_of("2021-09-30"), cn.day_of("2021-10-08")) == 1


def test_makeup_saturday_is_a_working_day(cn):
    assert D("2021-10-09").weekday() == 5
    assert cn.is_working_day(cn.day_of("2021-10-09"))
    assert cn.is_working_day(cn.day_of("2021-09-26"))  # a makeup Sunday
    assert add_date(cn, "2021-10-08", 1) == D("2021-10-09")
    assert not cn.is_working_day(cn.day_of("2021-10-10"))


def test_published_notices_spot_checks(cn):
    # 2024 Spring Festival Feb 10-17, makeup Feb 4 (Sun) and Feb 18 (Sun)
    assert add_date(cn, "2024-02-09", 1) == D("2024-02-18")
    assert cn.is_working_day(cn.day_of("2024-02-04"))
    # 2025 Spring Festival Jan 28 - Feb 4, makeup Jan 26 (Sun) and Feb 8 (Sat)
    assert add_date(cn, "2025-01-24", 1) == D("2025-01-26")
    assert add_date(cn, "2025-01-27", 1) == D("2025-02-05")
    # 2025 National Day and Mid-Autumn Oct 1-8, makeup Sep 28 (Sun) and Oct 11 (Sat)
    assert add_date(cn, "2025-09-30", 1) == D("2025-10-09")


def test_art11_eight_working_days(cn):
    # Art. 11: review within 8 working days of receipt
    assert add_date(cn, "2021-10-22", 8) == D("2021-11-03")  # Friday: two plain weeks
    # across Spring Festival 2025: Jan 26 (makeup), 27, Feb 5, 6, 7, 8 (makeup), 10, 11
    assert add_date(cn, "2025-01-24", 8) == D("2025-02-11")
    t = cn.day_of("2025-01-24") + 0.25
    assert cn.working_days_between(t, cn.add_working_days(t, 8)) == 8


def test_n_zero_is_identity(cn):
    for t in (0, 0.0, 12.75, cn.day_of("2021-10-03") + 0.5, cn.covered_days - 0.5):
        assert cn.add_working_days(t, 0) == t
    assert isinstance(cn.add_working_days(3, 0), float)


def test_fractional_part_kept_and_python_float(cn):
    t = cn.day_of("2021-09-30") + 0.375
    r = cn.add_working_days(t, 1)
    assert type(r) is float
    assert math.floor(r) == cn.day_of("2021-10-08")
    assert r - math.floor(r) == pytest.approx(0.375)
    assert type(cn.add_working_days(np.float64(t), 1)) is float


def test_fraction_just_below_one_stays_on_its_day():
    cal = WorkCalendar("2024-03-01", 4000)
    t = math.nextafter(1.0, 0.0)  # day 0 (a Friday), just before midnight
    r = cal.add_working_days(t, 3000)
    assert cal.is_working_day(r)
    assert r < math.floor(r) + 1
    assert cal.working_days_between(t, r) == 3000


def test_order_preserved(cn):
    base = cn.day_of("2024-02-08")
    times = [base + f for f in (0.0, 0.1, 0.5, 0.9)] + [base + 1.2, base + 2.7]
    for n in (1, 3, 8):
        out = [cn.add_working_days(t, n) for t in times]
        assert out == sorted(out)


def test_working_days_between_basics(cn):
    fri = cn.day_of("2021-10-22")
    assert cn.working_days_between(fri, fri) == 0
    assert cn.working_days_between(fri + 0.9, fri + 3.1) == 1  # Sat, Sun, Mon: only Monday
    assert cn.working_days_between(fri + 3.1, fri) == 0  # t1 before t0: no days


def test_day_and_date_round_trip(cn):
    assert cn.day_of("2021-09-20") == 0
    assert cn.day_of(D("2021-10-01")) == 11
    assert cn.day_of(dt.datetime(2021, 10, 1, 15, 30)) == 11
    assert cn.date_of(11.99) == D("2021-10-01")
    assert cn.date_of(cn.day_of("2030-02-05")) == D("2030-02-05")


def test_beyond_the_margin_is_weekdays_only():
    cal = WorkCalendar("2024-03-01", 10, holidays=["2024-03-04"], margin_days=0)  # Fri .. Sun Mar 10
    assert cal.covered_days == 10
    assert not cal.is_working_day(3)  # the holiday, inside the table
    assert cal.is_working_day(10)  # Monday 2024-03-11, past the table
    assert not cal.is_working_day(15)  # Saturday
    # from Friday Mar 8 (day 7): Mon 11, Tue 12, Wed 13, Thu 14, Fri 15, Mon 18
    assert cal.add_working_days(7.5, 6) == 17.5
    assert cal.add_working_days(0, 1) == 4.0  # Monday is a holiday


def test_past_the_table_working_days_are_monday_to_friday():
    """A deadline from a time past the holiday table (a long review backlog) counts weekdays only."""
    cal = WorkCalendar("2024-03-01", 30)
    t = cal.covered_days + 0.25
    got = cal.add_working_days(t, 3)
    weekdays = [
        d for d in range(int(t) + 1, int(t) + 10) if (cal.start_date + dt.timedelta(days=d)).weekday() < 5
    ]
    assert got == weekdays[2] + 0.25


def test_default_margin_covers_two_years():
    cal = WorkCalendar("2021-10-22", 365)
    assert cal.covered_days >= 365 + 730
    assert cal.end_date >= D("2024-10-21")


# ------------------------------------------------------------------ bad input


def test_bad_input():
    cal = WorkCalendar("2024-03-01", 30, holidays=["2024-03-04"])
    with pytest.raises(ValueError, match="non-negative"):
        cal.add_working_days(1.0, -1)
    with pytest.raises(ValueError, match="outside"):
        cal.add_working_days(-0.5, 1)
    with pytest.raises(ValueError, match="outside"):
        cal.add_working_days(float("inf"), 1)
    with pytest.raises(ValueError, match="outside"):
        cal.add_working_days(float("nan"), 1)
    with pytest.raises(ValueError, match="outside"):
        cal.working_days_between(0, cal.covered_days + 3)
    with pytest.raises(ValueError, match="outside"):
        cal.working_days_between(-1, 3)
    with pytest.raises(TypeError):
        cal.add_working_days(1.0, 1.5)
    with pytest.raises(ValueError, match="before day 0"):
        cal.is_working_day(-1)
    with pytest.raises(ValueError, match="before day 0"):
        cal.date_of(-0.5)
    with pytest.raises(ValueError, match="finite"):
        cal.date_of(float("inf"))
    with pytest.raises(ValueError, match="before the calendar's start"):
        cal.day_of("2024-02-29")
    with pytest.raises(ValueError, match="ISO date"):
        cal.day_of("1 March 2024")
    with pytest.raises(ValueError, match="n_days"):
        WorkCalendar("2024-03-01", 0)
    with pytest.raises(ValueError, match="both"):
        WorkCalendar("2024-03-01", 30, holidays=["2024-03-09"], makeup_workdays=[D("2024-03-09")])
    with pytest.raises(TypeError):
        WorkCalendar("2024-03-01", 30, holidays="2024-03-04")
    with pytest.raises(ValueError, match="ISO date"):
        WorkCalendar("2024-03-01", 30, holidays=["2024-02-30"])


# ----------------------------------------------------- properties (hypothesis)


def reference_add(start: dt.date, hol: set, mk: set, covered: int, t: float, n: int) -> float:
    """Day-by-day walk over calendar dates, independent of the lookup tables."""
    day = math.floor(t)
    left = n
    while left:
        day += 1
        date = start + dt.timedelta(days=day)
        if day < covered:
            working = (date.weekday() < 5 and date not in hol) or date in mk
        else:
            working = date.weekday() < 5
        left -= working
    return day + (t - math.floor(t)) if n else t


@pytest.fixture(scope="module")
def small_cn(holiday_lists) -> WorkCalendar:
    """Covers 2024-01-10 .. 2026-12-24 only (1080 days), so results often run past the table."""
    return WorkCalendar(
        "2024-01-10", 600, holiday_lists["holidays"], holiday_lists["makeup_workdays"], margin_days=480
    )


@settings(max_examples=300, deadline=None)
@given(t=st.floats(min_value=0, max_value=1079.999, allow_nan=False), n=st.integers(0, 400))
def test_add_matches_day_by_day_reference(small_cn, holiday_lists, t, n):
    hol = {D(s) for s in holiday_lists["holidays"]}
    mk = {D(s) for s in holiday_lists["makeup_workdays"]}
    got = small_cn.add_working_days(t, n)
    want = reference_add(small_cn.start_date, hol, mk, small_cn.covered_days, t, n)
    assert math.floor(got) == math.floor(want)
    assert got == pytest.approx(want, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_between_inverts_add(cn, data):
    t = data.draw(st.floats(min_value=0, max_value=cn.covered_days - 400, allow_nan=False))
    n = data.draw(st.integers(0, 200))
    r = cn.add_working_days(t, n)
    assert cn.working_days_between(t, r) == n
    assert r >= t
    if n:
        assert cn.is_working_day(r)
        assert math.floor(r) > math.floor(t)
        # no working day was skipped: the day before r is not yet n working days on
        assert cn.working_days_between(t, r - 1) == n - 1
        assert r - math.floor(r) == pytest.approx(t - math.floor(t), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    t=st.floats(min_value=0, max_value=3000, allow_nan=False), a=st.integers(0, 100), b=st.integers(0, 100)
)
def test_add_composes(cn, t, a, b):
    assert cn.add_working_days(cn.add_working_days(t, a), b) == pytest.approx(cn.add_working_days(t, a + b))


@settings(max_examples=200, deadline=None)
@given(t0=st.floats(0, 4000), t1=st.floats(0, 4000))
def test_between_counts_working_days(cn, t0, t1):
    lo, hi = math.floor(t0), math.floor(t1)
    want = sum(cn.is_working_day(d) for d in range(lo + 1, hi + 1))
    assert cn.working_days_between(t0, t1) == want


@pytest.mark.parametrize("start", ["2021-01-31", "2020-02-29", "2021-12-31"])
def test_add_months_table_matches_the_date_arithmetic(start):
    """``WorkCalendar.add_months`` looks whole months up in a table built with numpy's calendar: it gives
    the module's ``add_months`` exactly (value and type) over the table and past both its ends."""
    cal = WorkCalendar(start, 400, margin_days=0)
    n = cal.covered_days
    for months in (24, -3, 72.0, 1, -13, 0, 2.5):
        for day in range(-n - 3, 2 * n + 3):
            for t in (day, day + 0.25):
                got, want = cal.add_months(t, months), add_months(cal.start_date, t, months)
                assert got == want and type(got) is type(want), (months, t)
    assert cal.add_months(math.inf, 24) == cal.add_months(10.0, math.inf) == math.inf
