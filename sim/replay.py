"""Recorded applications in the engine: the micro-data schema, seasonal arrivals and replay.

- ``APPLICATION_COLUMNS`` / ``TENANCY_COLUMNS`` and :func:`read_records` read and check the operators'
  micro data (``docs/calibration-data.md``). Every bad row is reported with its line number; nothing is
  dropped. ``calibration.microdata`` fits inputs from the same readers.
- :class:`SeasonalClock` maps operational time to calendar time for ``arrivals.monthly_factors``: the
  filing process is a Poisson process of rate 1 in operational time Λ(t) = ∫ f(month(s)) ds, so the
  draws of the ``arrivals`` stream are the same whatever the factors; with every factor 1 the engine
  does not use the clock at all, and arrivals are exactly those of a run without seasonality.
- :func:`load_cohort` and :func:`recorded_filing`: with ``arrivals.replay`` set, the recorded first
  applications (``reapplication = false``) arrive on their recorded dates with their recorded kind,
  size, sector, employer block, key-employer and front-line flags; circumstances and false declarations
  are drawn as for any new application. Re-applications come from the engine's own re-application rule,
  as in any run: the recorded ones are not replayed (``Cohort.reapplications`` counts them, and the
  replay report says how many). Synthetic arrivals start the day after the recorded period.
"""

from __future__ import annotations

import bisect
import csv
import datetime
import functools
import math
import os
from dataclasses import dataclass

import pandas as pd

from .context import Context
from .households import OUTCOMES, Household
from .parameters import ScenarioError, data_path
from .schema import EXIT_REASONS, KINDS, SECTORS
from .streams import Stream

TRUE_FALSE = ("true", "false")


@dataclass(frozen=True)
class Column:
    """One column of a micro-data file: ``kind`` is int, float, date, bool, text or enum (``allowed``).

    ``low`` bounds a number: an int is at least ``low``, a float (finite) is more than ``low``. A text is
    any non-empty string (surrounding spaces stripped)."""

    name: str
    kind: str
    required: bool = True
    allowed: tuple = ()
    low: int = 0
    doc: str = ""


APPLICATION_COLUMNS = (
    Column("application_id", "int", low=1, doc="unique number of the application"),
    Column(
        "household_id", "int", low=1, doc="pseudonymous number of the household (same on re-applications)"
    ),
    Column("filing_id", "int", low=1, doc="the filing: the staff households of one employer filing share it"),
    Column("reapplication", "bool", doc="true when the household had applied before"),
    Column("applied_date", "date", doc="day the filing was handed in"),
    Column("kind", "enum", allowed=KINDS, doc="applicant kind (Art. 4)"),
    Column("size", "int", low=1, doc="persons in the household"),
    Column("sector", "enum", allowed=SECTORS, doc="sector of the applicant's employer (Art. 3)"),
    Column("key_employer", "bool", doc="staff of a district key employer (Art. 9); employer filings only"),
    Column("frontline", "bool", doc="front-line public-service staff (Art. 7(3)); employer filings only"),
    Column("qualified_date", "date", required=False, doc="day the qualification was confirmed; empty if not"),
    Column("moved_in_date", "date", required=False, doc="day of moving in; empty if not (yet)"),
    Column("outcome", "enum", allowed=OUTCOMES, doc="how the application ended; ongoing if open at the end"),
)

TENANCY_COLUMNS = (
    Column("tenancy_id", "int", low=1, doc="unique number of the tenancy"),
    Column("household_id", "int", low=1, doc="pseudonymous number of the household"),
    Column("kind", "enum", allowed=KINDS, doc="applicant kind (Art. 4)"),
    Column("size", "int", low=1, doc="persons in the household"),
    Column("sector", "enum", allowed=SECTORS, doc="sector (Art. 3)"),
    Column("start_date", "date", doc="day of moving in"),
    Column("end_date", "date", required=False, doc="day the tenancy ended; empty if still running"),
    Column("exit_reason", "enum", required=False, allowed=EXIT_REASONS, doc="why it ended; empty if running"),
)


class MicroDataError(ValueError):
    """Bad micro data. ``problems`` lists every bad row, one line each (``<file>: line <n>: ...``)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _parse(col: Column, text: str):
    """The value of one field, or raise ValueError with the problem."""
    if col.kind == "int":
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f'"{text}" is not a whole number') from None
        if value < col.low:
            raise ValueError(f"must be at least {col.low}, got {value}")
        return value
    if col.kind == "date":
        try:
            if len(text) != 10:
                raise ValueError
            return datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f'"{text}" is not a date (YYYY-MM-DD)') from None
    if col.kind == "float":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f'"{text}" is not a number') from None
        if not math.isfinite(value):
            raise ValueError(f'"{text}" is not a finite number')
        if value <= col.low:
            raise ValueError(f"must be more than {col.low}, got {text}")
        return value
    if col.kind == "bool":
        if text not in TRUE_FALSE:
            raise ValueError(f'"{text}" is not true or false')
        return text == "true"
    if col.kind == "text":
        return text
    if text not in col.allowed:
        raise ValueError(f'"{text}" is not one of {", ".join(col.allowed)}')
    return text


def read_records(path, columns: tuple[Column, ...], display: str | None = None):
    """Read a micro-data CSV and check every field of every row.

    Returns:
        ``(frame, problems)``: the rows that parsed (typed columns plus ``line``, the row's line in the
        file: dates as datetime64, an int column that may be empty as ``Int64``) and one message per
        problem, ``<display>: line <n>: <column>: <problem>``.

    Raises:
        MicroDataError: the file cannot be read or its header is wrong (nothing else can be checked).
    """
    display = display or str(path)
    names = [c.name for c in columns]
    line = 0  # the last line read: a CSV error is on the next one
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise MicroDataError([f"{display}: line 1: the file is empty (expected a header)"])
            header = [h.strip() for h in header]
            bad = [f'{display}: line 1: missing column "{n}"' for n in names if n not in header]
            bad += [f'{display}: line 1: unknown column "{h}"' for h in header if h not in names]
            bad += [
                f'{display}: line 1: column "{h}" appears '
                + ("twice" if header.count(h) == 2 else f"{header.count(h)} times")
                for h in dict.fromkeys(h for i, h in enumerate(header) if h in header[:i])
            ]
            if bad:
                raise MicroDataError(bad)
            where = [header.index(n) for n in names]
            rows, problems, line = [], [], 1
            for fields in reader:
                line = reader.line_num
                if not any(x.strip() for x in fields):
                    problems.append(f"{display}: line {line}: empty row")
                    continue
                if len(fields) != len(header):
                    problems.append(
                        f"{display}: line {line}: expected {len(header)} fields, got {len(fields)}",
                    )
                    continue
                row, ok = {"line": line}, True
                for col, i in zip(columns, where, strict=True):
                    text = fields[i].strip()
                    if not text:
                        row[col.name] = None
                        if col.required:
                            problems.append(f"{display}: line {line}: {col.name}: missing value")
                            ok = False
                        continue
                    try:
                        row[col.name] = _parse(col, text)
                    except ValueError as err:
                        problems.append(f"{display}: line {line}: {col.name}: {err}")
                        ok = False
                if ok:
                    rows.append(row)
    except FileNotFoundError:
        raise MicroDataError([f"{display}: no such file"]) from None
    except UnicodeDecodeError:
        raise MicroDataError([f"{display}: not UTF-8 text"]) from None
    except csv.Error as err:
        raise MicroDataError([f"{display}: line {line + 1}: not valid CSV: {err}"]) from None
    except OSError as err:
        raise MicroDataError([f"{display}: cannot read: {err.strerror}"]) from None
    if not rows and not problems:
        problems.append(f"{display}: line 2: no data rows")
    frame = pd.DataFrame(rows, columns=["line", *names])
    for col in columns:
        if col.kind == "date":
            frame[col.name] = pd.to_datetime(frame[col.name])
        elif col.kind == "int" and not col.required:  # whole numbers with gaps, not floats
            frame[col.name] = frame[col.name].astype("Int64")
    return frame, problems


def _unique(df: pd.DataFrame, column: str, display: str) -> list[str]:
    first = df.drop_duplicates(column).set_index(column)["line"]
    dup = df[df.duplicated(column)]
    return [
        f"{display}: line {line}: {column}: {value} is a duplicate of line {first[value]}"
        for line, value in zip(dup["line"], dup[column], strict=True)
    ]


def size_problems(kind: str, size: int, at: str) -> list[str]:
    """Art. 4: a single applicant is one person, a family at least two (``at``: ``<file>: line <n>``)."""
    if kind == "single" and size != 1:
        return [f"{at}: size: a single applicant is 1 person, got {size}"]
    if kind == "family" and size < 2:
        return [f"{at}: size: a family has at least 2 persons, got {size}"]
    return []


def check_applications(df: pd.DataFrame, display: str) -> list[str]:
    """Rules that tie fields and rows of applications together (after every field parsed)."""
    problems = _unique(df, "application_id", display)
    for r in df.itertuples(index=False):
        at = f"{display}: line {r.line}"
        problems += size_problems(r.kind, r.size, at)
        if r.kind != "employer" and r.key_employer:
            problems.append(f"{at}: key_employer: only employer filings can be true")
        if r.frontline and not (r.kind == "employer" and r.sector == "public_service"):
            problems.append(f"{at}: frontline: only public_service employer staff can be true")
        if pd.notna(r.qualified_date) and r.qualified_date < r.applied_date:
            problems.append(
                f"{at}: qualified_date: {r.qualified_date.date()} is before applied_date "
                f"{r.applied_date.date()}"
            )
        if pd.notna(r.moved_in_date):
            if pd.isna(r.qualified_date):
                problems.append(f"{at}: moved_in_date: given without qualified_date")
            elif r.moved_in_date < r.qualified_date:
                problems.append(
                    f"{at}: moved_in_date: {r.moved_in_date.date()} is before qualified_date "
                    f"{r.qualified_date.date()}"
                )
    # a filing is one household, or one employer's block: its rows agree on kind, date, sector, key
    first: dict = {}
    for r in df.itertuples(index=False):
        key = (r.kind, r.applied_date, r.sector, r.key_employer, r.reapplication)
        if r.filing_id not in first:
            first[r.filing_id] = (r.line, key)
            continue
        line0, key0 = first[r.filing_id]
        at = f"{display}: line {r.line}: filing_id: {r.filing_id}"
        if r.kind != "employer" or key0[0] != "employer":
            problems.append(f"{at} is also on line {line0} (only an employer filing has several households)")
        elif key != key0:
            problems.append(
                f"{at}: its kind, applied_date, sector, key_employer and reapplication "
                f"differ from line {line0}"
            )
    return problems


def check_tenancies(df: pd.DataFrame, display: str) -> list[str]:
    problems = _unique(df, "tenancy_id", display)
    for r in df.itertuples(index=False):
        at = f"{display}: line {r.line}"
        ended, reason = pd.notna(r.end_date), r.exit_reason is not None and r.exit_reason == r.exit_reason
        if ended and r.end_date < r.start_date:
            problems.append(f"{at}: end_date: {r.end_date.date()} is before start_date {r.start_date.date()}")
        if ended and not reason:
            problems.append(f"{at}: exit_reason: missing value (end_date is given)")
        if reason and not ended:
            problems.append(f"{at}: exit_reason: given without end_date")
        problems += size_problems(r.kind, r.size, at)
    return problems


def read_applications(path, display: str | None = None) -> pd.DataFrame:
    """The checked applications; raises :class:`MicroDataError` listing every bad row."""
    display = display or str(path)
    df, problems = read_records(path, APPLICATION_COLUMNS, display)
    problems += check_applications(df, display)
    if problems:
        raise MicroDataError(sorted(problems, key=_line_of))
    return df


def read_tenancies(path, display: str | None = None) -> pd.DataFrame:
    display = display or str(path)
    df, problems = read_records(path, TENANCY_COLUMNS, display)
    problems += check_tenancies(df, display)
    if problems:
        raise MicroDataError(sorted(problems, key=_line_of))
    return df


def _line_of(message: str) -> int:
    try:
        return int(message.split(": line ", 1)[1].split(":", 1)[0])
    except (IndexError, ValueError):
        return 0


def recorded_end(df: pd.DataFrame, date_columns=("applied_date", "qualified_date", "moved_in_date")):
    """The end of the recorded period: the day after the latest date in the file."""
    latest = max(df[c].max() for c in date_columns if df[c].notna().any())
    return (latest + pd.Timedelta(days=1)).date()


# ---------------------------------------------------------------- seasonality


class SeasonalClock:
    """Operational time of a filing process whose rate is multiplied by a factor per calendar month.

    Λ(t) = ∫_0^t f(month of day s) ds is piecewise linear; ``real`` inverts it. Factors are normalised
    to mean 1 (they are checked to average 1 already).
    """

    def __init__(self, start: datetime.date, n_days: int, factors: list[float]):
        mean = sum(factors) / len(factors)
        self.bounds, self.ops, self.rates = [0.0], [0.0], []
        d, month = start, start.month
        while True:
            nxt = datetime.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
            day = float((nxt - start).days)
            rate = factors[month - 1] / mean
            self.rates.append(rate)
            self.ops.append(self.ops[-1] + rate * (day - self.bounds[-1]))
            self.bounds.append(day)
            if day > n_days:
                break
            d, month = nxt, nxt.month

    def operational(self, t: float) -> float:
        i = min(bisect.bisect_right(self.bounds, t) - 1, len(self.rates) - 1)
        return self.ops[i] + self.rates[i] * (t - self.bounds[i])

    def real(self, tau: float) -> float:
        """The calendar day at operational time ``tau`` (``inf`` past the last month)."""
        i = bisect.bisect_right(self.ops, tau) - 1
        while i < len(self.rates) and self.rates[i] <= 0:  # a month with factor 0 takes no operational time
            i += 1
        if i >= len(self.rates) or tau > self.ops[-1]:
            return math.inf
        return self.bounds[i] + (tau - self.ops[i]) / self.rates[i]


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class Cohort:
    """Recorded first applications: ``filings`` = [(day, rows)], ``end_day`` = end of the recorded period;
    ``reapplications``: rows of the file not replayed (recorded re-applications: the engine's
    re-application rule makes its own)."""

    filings: tuple
    end_day: float
    path: str
    reapplications: int = 0


def load_cohort(params, value: str) -> Cohort:
    """The cohort named by ``arrivals.replay`` (read once per file version).

    Raises:
        ScenarioError: the file is missing or has bad rows (the first one named; ``python run.py
            fit-inputs`` lists them all), or a date is before ``calendar.start_date``.
    """
    path = data_path(params, "arrivals.replay")
    source = params.source.split(" + ", 1)[0]
    try:
        st = os.stat(path)
    except OSError:
        raise ScenarioError(f'{source}: arrivals.replay: no such file "{path}"') from None
    return _cohort(str(path), st.st_mtime_ns, st.st_size, params.start_date, source, value)


@functools.lru_cache(maxsize=8)
def _cohort(path: str, mtime: int, size: int, start: datetime.date, source: str, value: str) -> Cohort:
    try:
        df = read_applications(path, value)
    except MicroDataError as err:
        more = f" ({len(err.problems)} problems in all)" if len(err.problems) > 1 else ""
        raise ScenarioError(f"{source}: arrivals.replay: {err.problems[0]}{more}") from None
    early = df[df["applied_date"] < pd.Timestamp(start)]
    if len(early):
        r = early.iloc[0]
        raise ScenarioError(
            f"{source}: arrivals.replay: {value}: line {r.line}: applied_date: {r.applied_date.date()} "
            f"is before calendar.start_date {start}"
        )
    end_day = float((recorded_end(df) - start).days)
    first = df[~df["reapplication"]].sort_values(["applied_date", "filing_id", "line"])
    days = (first["applied_date"] - pd.Timestamp(start)).dt.days.tolist()
    rows_by_filing: dict = {}  # filing id -> (day, rows), in order of date and filing
    for day, fid, kind, size, sector, key, frontline in zip(
        days,
        first["filing_id"].tolist(),
        first["kind"].tolist(),
        first["size"].tolist(),
        first["sector"].tolist(),
        first["key_employer"].tolist(),
        first["frontline"].tolist(),
        strict=True,
    ):
        rows_by_filing.setdefault(fid, (day, []))[1].append(
            (kind, int(size), sector, bool(key), bool(frontline))
        )
    per_day: dict = {}
    for day, rows in rows_by_filing.values():
        per_day.setdefault(day, []).append(tuple(rows))
    filings = []
    for day, day_filings in per_day.items():  # spread the day's filings evenly over the day
        n = len(day_filings)
        filings.extend((day + (k + 0.5) / n, rows) for k, rows in enumerate(day_filings))
    filings.sort(key=lambda f: f[0])
    return Cohort(tuple(filings), end_day, path, int(df["reapplication"].sum()))


def recorded_filing(m: Context, s: Stream, rows) -> list[Household]:
    """The engine's households for one recorded filing: recorded attributes; circumstances, false
    declarations (stream ``s``) and an employer's relocation (stream ``employers``) drawn as usual."""
    kind, _, sector, key, _ = rows[0]
    employer = None
    if kind == "employer":
        relocation = m.env.now + m.streams.employers.hazard_time(m.r.employer_relocation_rate)
        employer = m.new_employer(key, sector, relocation)
    return [
        m.new_household(kind, size, sector, employer, frontline, s)
        for kind, size, sector, _, frontline in rows
    ]
