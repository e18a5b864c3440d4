"""The operators' snapshot: the state of the district's PRH on one date, to start a forecast from.

A snapshot is a folder (``docs/snapshot-data.md``):

- ``snapshot.toml``: ``date`` (ISO 8601, the day it was taken: the run starts on it), ``description``
  and, when the engine wrote it, ``written_by`` (the command);
- ``units.csv`` (``UNIT_COLUMNS``): every unit, with its status on the date;
- ``tenancies.csv`` (``TENANCY_COLUMNS``): every running tenancy, transition periods included;
- ``waiting.csv`` (``WAITING_COLUMNS``): every qualified household on the waiting list (轮候, Art. 19) and
  every application in review (no certificate yet);
- ``former.csv`` (``FORMER_COLUMNS``, may be left out): the households that have left and may apply
  again.

Household numbers are pseudonymous (Art. 27).

:func:`read_snapshot` reads and checks a folder (every problem listed at once, :class:`SnapshotError`);
:func:`check_against` checks it against the rules it arose under; :func:`load` does both for a scenario
(``start.snapshot``); :func:`snapshot_date` gives its date (the run's day 0); :func:`write_snapshot`
writes one; :func:`schema_table` renders a file's columns for the docs.
"""

from __future__ import annotations

import csv
import datetime
import functools
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import tomli_w

from .calendar import add_months, add_years
from .parameters import ScenarioError, chain_of_bases, data_path, load_scenario
from .replay import Column, MicroDataError, _line_of, _unique, read_records, size_problems
from .schema import EXIT_REASONS, KINDS, SECTORS, UNIT_TYPES

#: Statuses of a unit on the snapshot's date.
UNIT_STATUSES = ("let", "vacant", "under_repair", "not_delivered")

#: The tables of a snapshot, beside ``snapshot.toml``; the last, ``former.csv``, may be left out.
SNAPSHOT_FILES = ("units.csv", "tenancies.csv", "waiting.csv", "former.csv")

UNIT_COLUMNS = (
    Column("unit_id", "int", low=1, doc="unique number of the unit"),
    Column("project", "text", doc="the project (楼盘) the unit belongs to"),
    Column(
        "operator",
        "text",
        doc="the operating company (区运营机构, Art. 2, 9): a name of supply.operator_shares",
    ),
    Column(
        "type",
        "enum",
        allowed=UNIT_TYPES,
        doc="unit type (Art. 7): one-bed, two-bed, multi-bed (多居室), a room of a split suite (拆套); "
        "in supply.mix",
    ),
    Column("living_area_m2", "float", doc="living area in m2 (居住面积, Art. 7(3))"),
    Column(
        "status",
        "enum",
        allowed=UNIT_STATUSES,
        doc="on the date: let (one tenancy of tenancies.csv is on it, a transition period's too), "
        "vacant (ready to let), under_repair, not_delivered (not yet on line)",
    ),
    Column(
        "available_date",
        "date",
        required=False,
        doc="under_repair: the day it can be let again; not_delivered: the day it comes on line; after the "
        "snapshot's date; empty for let and vacant",
    ),
)

_HOUSEHOLD = (
    Column(
        "household_id",
        "int",
        low=1,
        doc="pseudonymous number of the household (Art. 27), unique; a household is a tenant or waits, "
        "not both",
    ),
    Column("kind", "enum", allowed=KINDS, doc="applicant kind (Art. 4: 单身, 家庭, 单位申请的职工)"),
    Column("size", "int", low=1, doc="persons in the household: a single is 1, a family at least 2"),
    Column("sector", "enum", allowed=SECTORS, doc="sector of the applicant's employer (Art. 3)"),
    Column(
        "employer_id",
        "int",
        required=False,
        low=1,
        doc="pseudonymous number of the employer (Art. 4(3)); given for employer, empty otherwise; "
        "one employer has one sector and key_employer in every row of both files",
    ),
    Column(
        "key_employer",
        "bool",
        doc="staff of a district key employer (区重点单位, Art. 9); true only for employer",
    ),
    Column(
        "frontline",
        "bool",
        doc="front-line public-service staff (Art. 7(3)); true only for employer in public_service",
    ),
    Column(
        "held_before_days",
        "int",
        doc="days of PRH held in all before (a tenant: before its current lease), towards Art. 17(3)'s total "
        "(lease.max_total_years); 0 if none",
    ),
)

TENANCY_COLUMNS = (
    *_HOUSEHOLD,
    Column("unit_id", "int", low=1, doc="the unit let (units.csv, status let); one tenancy a unit"),
    Column("lease_start", "date", doc="day the current lease began, on or before the snapshot's date"),
    Column(
        "lease_end",
        "date",
        doc="day the current lease ends, after lease_start and at most lease.term_years after it; after the "
        "snapshot's date, or on or before it in a transition period",
    ),
    Column(
        "transition_until",
        "date",
        required=False,
        doc="in a transition period (过渡期, Art. 24): the day it ends, after the snapshot's date; "
        "else empty",
    ),
    Column(
        "transition_reason",
        "enum",
        required=False,
        allowed=EXIT_REASONS,
        doc="with transition_until: why the lease ended (an exit reason; cap for Art. 24(4)'s stay at market "
        "rent); else empty",
    ),
)

WAITING_COLUMNS = (
    *_HOUSEHOLD,
    Column(
        "receipt_no",
        "int",
        low=1,
        doc="receipt number (收件单编号, Art. 9): the order of the waiting list; unique",
    ),
    Column("receipt_date", "date", doc="day the application was received (受理, Art. 9)"),
    Column(
        "certificate_date",
        "date",
        required=False,
        doc="day the qualification was confirmed (准入资格确认书): on or after receipt_date, on or "
        "before the snapshot's date, and valid on it (Art. 19: queue.validity_years); empty: received "
        "and still in review on the date (Art. 11-14)",
    ),
    Column(
        "banned_until",
        "date",
        required=False,
        doc="a ban on applying again running on the date (Art. 17-19, 26): the day it ends, after the "
        "snapshot's date; else empty",
    ),
)

FORMER_COLUMNS = (
    *_HOUSEHOLD,
    Column(
        "left_date",
        "date",
        doc="day its last application or tenancy ended, on or before the snapshot's date (the unit handed "
        "back, the qualification lapsed, given up or refused)",
    ),
    Column(
        "exit_reason",
        "enum",
        required=False,
        allowed=EXIT_REASONS,
        doc="why its last tenancy ended, if it ended one (Art. 23, 24); else empty",
    ),
    Column(
        "banned_until",
        "date",
        required=False,
        doc="a ban on applying again running on the date (Art. 17-19, 23(2), 26): the day it ends, after "
        "the snapshot's date; else empty",
    ),
)

#: The keys of ``snapshot.toml``: the date and description are required.
META_KEYS = ("date", "description", "written_by")
META_FILE = "snapshot.toml"
#: The columns of each file, by file name.
COLUMNS = dict(
    zip(SNAPSHOT_FILES, (UNIT_COLUMNS, TENANCY_COLUMNS, WAITING_COLUMNS, FORMER_COLUMNS), strict=True)
)
#: Every file of a snapshot, ``snapshot.toml`` first.
FILES = (META_FILE, *SNAPSHOT_FILES)
_FILE_ORDER = {name: i for i, name in enumerate(FILES)}


class SnapshotError(MicroDataError):
    """A bad snapshot. ``problems`` lists every problem, one line each (``<file>: line <n>: <column>:
    <problem>``; ``snapshot.toml: <key>: <problem>``), sorted by file and line."""


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A checked snapshot (:func:`read_snapshot`).

    ``units``, ``tenancies``, ``waiting`` and ``former`` are the files as
    :func:`sim.replay.read_records` reads them: one row per line with the columns of ``COLUMNS`` plus
    ``line`` (``former`` empty without its file); dates are datetime64 (NaT when empty), ``employer_id``
    is ``Int64`` (``<NA>`` when empty), other empty fields are NaN. A snapshot is shared by every run of
    its folder's version: do not change its tables.
    """

    folder: Path
    date: datetime.date
    description: str
    written_by: str
    units: pd.DataFrame
    tenancies: pd.DataFrame
    waiting: pd.DataFrame
    former: pd.DataFrame


def read_snapshot(folder) -> Snapshot:
    """The snapshot in ``folder``, every row of every file checked (read once per version of its files).

    Raises:
        SnapshotError: listing every problem: a field (``sim.replay.read_records``), a row's fields
            together, a row against the date, and the files against each other (a unit let twice or to
            an unknown unit, a tenancy on a unit not let or a let unit without one, a household both
            waiting and a tenant, an employer with two sectors or key-employer flags).
    """
    folder = Path(folder).resolve()
    return _read(folder, tuple(_stamp(folder / name) for name in FILES))


def _stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=8)
def _read(folder: Path, stamps: tuple) -> Snapshot:
    problems: list[str] = []
    date, description, written_by = _read_meta(folder / META_FILE, problems)
    frames, whole = {}, {}
    for name, columns in COLUMNS.items():
        if name == "former.csv" and not (folder / name).exists():  # none known: none apply again
            frames[name], whole[name] = pd.DataFrame(columns=["line", *(c.name for c in columns)]), True
            continue
        try:
            frames[name], bad = read_records(folder / name, columns, name)
            if name != "units.csv":  # no tenancy or no one waiting is a state, not a mistake
                bad = [p for p in bad if p != f"{name}: line 2: no data rows"]
        except MicroDataError as err:  # unreadable, or a bad header: no row can be checked
            frames[name], bad = None, err.problems
        whole[name] = not bad
        problems += bad
    day = None if date is None else pd.Timestamp(date)
    units, tenancies, waiting, former = frames.values()
    if units is not None:
        problems += _check_units(units, day)
    if tenancies is not None:
        problems += _check_tenancies(tenancies, day)
    if waiting is not None:
        problems += _check_waiting(waiting, day)
    if former is not None:
        problems += _check_former(former, day)
    problems += _check_across(units, tenancies, waiting, whole)
    problems += _check_former_across(former, tenancies, waiting)
    if problems:
        raise SnapshotError(sorted(problems, key=_order))
    return Snapshot(folder, date, description, written_by, units, tenancies, waiting, former)


def _check_former(df: pd.DataFrame, day: pd.Timestamp | None) -> list[str]:
    """A former household left on or before the date; a ban given runs past it."""
    problems = _unique(df, "household_id", "former.csv")
    for r in df.itertuples(index=False):
        at = f"former.csv: line {r.line}"
        problems += _check_household(r, at)
        if day is not None and r.left_date > day:
            problems.append(
                f"{at}: left_date: {r.left_date.date()} is after the snapshot's date {day.date()}"
            )
        problems += _ban_problems(r, at, day)
    return problems


def _check_former_across(former, tenancies, waiting) -> list[str]:
    """A former household is neither a tenant nor waiting."""
    problems = []
    if former is None:
        return problems
    for name, df in (("tenancies.csv", tenancies), ("waiting.csv", waiting)):
        if df is None:
            continue
        line = dict(zip(df["household_id"], df["line"], strict=True))
        for r in former[former["household_id"].isin(line)].itertuples(index=False):
            problems.append(
                f"former.csv: line {r.line}: household_id: {r.household_id} is in {name} too "
                f"(line {line[r.household_id]})"
            )
    return problems


def _order(message: str) -> tuple[int, int]:
    """File (``snapshot.toml``, then ``SNAPSHOT_FILES``), then line."""
    return _FILE_ORDER.get(message.split(":", 1)[0], len(_FILE_ORDER)), _line_of(message)


def _read_meta(path: Path, problems: list[str]) -> tuple:
    """``snapshot.toml``'s date, description and written_by ('' when absent); its problems go to
    ``problems`` (the date is None when missing or bad)."""
    name = META_FILE
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{name}: no such file")
        return None, "", ""
    except UnicodeDecodeError:
        problems.append(f"{name}: not UTF-8 text")
        return None, "", ""
    except tomllib.TOMLDecodeError as err:
        problems.append(f"{name}: not valid TOML: {' '.join(str(err).split())}")
        return None, "", ""
    except OSError as err:
        problems.append(f"{name}: cannot read: {err.strerror}")
        return None, "", ""
    problems += [f'{name}: unknown key "{key}"' for key in doc if key not in META_KEYS]
    date = doc.get("date")
    if isinstance(date, str) and len(date) == 10:
        try:
            date = datetime.date.fromisoformat(date)
        except ValueError:
            pass
    if date is None:
        problems.append(f"{name}: date: missing value")
    elif type(date) is not datetime.date:  # a TOML date, or its ISO text; not a date-time
        problems.append(f'{name}: date: "{date}" is not a date (YYYY-MM-DD)')
        date = None
    text = {}
    for key in ("description", "written_by"):
        value = doc.get(key, "")
        if not isinstance(value, str):
            problems.append(f"{name}: {key}: {value!r} is not text")
            value = ""
        text[key] = value.strip()
    if not text["description"]:
        problems.append(f"{name}: description: missing value")
    return date, text["description"], text["written_by"]


def _not_after(value: pd.Timestamp, day: pd.Timestamp | None) -> bool:
    return day is not None and value <= day


def _check_units(df: pd.DataFrame, day: pd.Timestamp | None) -> list[str]:
    """A unit under repair or not delivered says when it becomes available, after the date; no other does."""
    problems = _unique(df, "unit_id", "units.csv")
    for r in df.itertuples(index=False):
        at = f"units.csv: line {r.line}: available_date"
        dated = r.status in ("under_repair", "not_delivered")
        if dated and pd.isna(r.available_date):
            problems.append(f"{at}: missing value (status is {r.status})")
        elif not dated and pd.notna(r.available_date):
            problems.append(
                f"{at}: given for a {r.status} unit (only under_repair and not_delivered have one)"
            )
        elif dated and _not_after(r.available_date, day):
            problems.append(f"{at}: {r.available_date.date()} is not after the snapshot's date {day.date()}")
    return problems


def _check_household(r, at: str) -> list[str]:
    """Art. 4, 7(3), 9: the household columns of a tenancy or a waiting household."""
    problems = size_problems(r.kind, r.size, at)
    staff = r.kind == "employer"
    if staff and pd.isna(r.employer_id):
        problems.append(f"{at}: employer_id: missing value (kind is employer)")
    if not staff and pd.notna(r.employer_id):
        problems.append(f"{at}: employer_id: given for a {r.kind} household (employer staff only)")
    if not staff and r.key_employer:
        problems.append(f"{at}: key_employer: only employer staff can be true")
    if r.frontline and not (staff and r.sector == "public_service"):
        problems.append(f"{at}: frontline: only public_service employer staff can be true")
    return problems


def _check_tenancies(df: pd.DataFrame, day: pd.Timestamp | None) -> list[str]:
    """A running lease began on or before the date and ends after it; a lease that has ended is in a
    transition period (Art. 24) running past the date."""
    problems = _unique(df, "household_id", "tenancies.csv")
    first: dict = {}  # unit -> line of its first tenancy
    for r in df.itertuples(index=False):
        at = f"tenancies.csv: line {r.line}"
        problems += _check_household(r, at)
        if r.unit_id in first:
            problems.append(f"{at}: unit_id: {r.unit_id} is let on line {first[r.unit_id]} too")
        first.setdefault(r.unit_id, r.line)
        start, end, until = r.lease_start, r.lease_end, r.transition_until
        if day is not None and start > day:
            problems.append(f"{at}: lease_start: {start.date()} is after the snapshot's date {day.date()}")
        if end <= start:
            problems.append(f"{at}: lease_end: {end.date()} is not after lease_start {start.date()}")
        transition, reason = pd.notna(until), pd.notna(r.transition_reason)
        if transition and not reason:
            problems.append(f"{at}: transition_reason: missing value (transition_until is given)")
        if reason and not transition:
            problems.append(f"{at}: transition_reason: given without transition_until")
        if day is None:
            continue
        if transition and end > day:
            problems.append(
                f"{at}: lease_end: {end.date()} is after the snapshot's date {day.date()} "
                "(a transition period follows the end of the lease)"
            )
        if transition and until <= day:
            problems.append(
                f"{at}: transition_until: {until.date()} is not after the snapshot's date {day.date()}"
            )
        if not transition and end <= day:
            problems.append(
                f"{at}: lease_end: {end.date()} is not after the snapshot's date {day.date()} "
                "(a lease that has ended is in a transition period: give transition_until)"
            )
    return problems


def _check_waiting(df: pd.DataFrame, day: pd.Timestamp | None) -> list[str]:
    """Art. 9, 19: received, then qualified, on or before the date; a ban given runs past it."""
    problems = _unique(df, "household_id", "waiting.csv") + _unique(df, "receipt_no", "waiting.csv")
    for r in df.itertuples(index=False):
        at = f"waiting.csv: line {r.line}"
        problems += _check_household(r, at)
        cert = r.certificate_date
        if pd.isna(cert):  # in review
            if day is not None and r.receipt_date > day:
                problems.append(
                    f"{at}: receipt_date: {r.receipt_date.date()} is after the snapshot's date {day.date()}"
                )
        elif cert < r.receipt_date:
            problems.append(
                f"{at}: certificate_date: {cert.date()} is before receipt_date {r.receipt_date.date()}"
            )
        elif day is not None and cert > day:
            problems.append(
                f"{at}: certificate_date: {cert.date()} is after the snapshot's date {day.date()}"
            )
        problems += _ban_problems(r, at, day)
    return problems


def _ban_problems(r, at: str, day: pd.Timestamp | None) -> list[str]:
    """A ban given runs past the date (Art. 17-19, 23(2), 26)."""
    if pd.notna(r.banned_until) and _not_after(r.banned_until, day):
        return [
            f"{at}: banned_until: {r.banned_until.date()} is not after the snapshot's date {day.date()} "
            "(a ban that has ended is left empty)"
        ]
    return []


def _check_across(units, tenancies, waiting, whole: dict) -> list[str]:
    """The files against each other. A check that needs every row of a file (a unit no tenancy is on, a
    tenancy on a unit not listed) is made only when every row of that file was read."""
    problems = []
    if units is not None and tenancies is not None:
        status = dict(zip(units["unit_id"], zip(units["status"], units["line"], strict=True), strict=True))
        for r in tenancies.itertuples(index=False):
            at = f"tenancies.csv: line {r.line}: unit_id: {r.unit_id}"
            if r.unit_id not in status:
                if whole["units.csv"]:
                    problems.append(f"{at} is not in units.csv")
            elif status[r.unit_id][0] != "let":
                problems.append(
                    f"{at} is {status[r.unit_id][0]} in units.csv (line {status[r.unit_id][1]}), not let"
                )
        if whole["tenancies.csv"]:
            on = set(tenancies["unit_id"])
            for r in units[units["status"] == "let"].itertuples(index=False):
                if r.unit_id not in on:
                    problems.append(
                        f"units.csv: line {r.line}: status: unit {r.unit_id} is let, but no tenancy in "
                        "tenancies.csv is on it"
                    )
    if tenancies is not None and waiting is not None:
        tenant = dict(zip(tenancies["household_id"], tenancies["line"], strict=True))
        for r in waiting[waiting["household_id"].isin(tenant)].itertuples(index=False):
            problems.append(
                f"waiting.csv: line {r.line}: household_id: {r.household_id} is a tenant too "
                f"(tenancies.csv line {tenant[r.household_id]})"
            )
    # an employer has one sector and is a key employer or not, in every row of both files
    first: dict = {}
    for name, df in (("tenancies.csv", tenancies), ("waiting.csv", waiting)):
        if df is None:
            continue
        for r in df[df["employer_id"].notna()].itertuples(index=False):
            seen = first.setdefault(r.employer_id, (r.sector, r.key_employer, name, r.line))
            differ = [
                c
                for c, a, b in (("sector", r.sector, seen[0]), ("key_employer", r.key_employer, seen[1]))
                if a != b
            ]
            if differ:
                verb = "differs" if len(differ) == 1 else "differ"
                problems.append(
                    f"{name}: line {r.line}: employer_id: {r.employer_id}: {' and '.join(differ)} {verb} "
                    f"from {seen[2]} line {seen[3]}"
                )
    return problems


# ---------------------------------------------------------------- a run from a snapshot


def snapshot_date(folder: Path, source: str) -> datetime.date:
    """The date of the snapshot in ``folder`` (its ``snapshot.toml``): the day a run from it starts.

    Raises:
        ScenarioError: ``<scenario file>: start.snapshot: <folder>: <problem>``.
    """
    where = f"{source.split(' + ', 1)[0]}: start.snapshot"
    if not folder.is_dir():
        raise ScenarioError(f'{where}: no such folder "{folder}"')
    problems: list[str] = []
    date = _read_meta(folder / META_FILE, problems)[0]
    if date is None:
        raise ScenarioError(f"{where}: {folder}: {problems[0]} (docs/snapshot-data.md)")
    return date


def load(params) -> Snapshot:
    """The snapshot ``params`` starts from (``start.snapshot``), read and checked once per version of its
    files, and checked against the rules it arose under (:func:`check_against`): those of the scenario's
    chain of bases at its root, normally ``scenarios/baseline.toml``, the measures in force when it was
    taken; the scenario's own rules apply to it from its date, like any rule change.

    Raises:
        SnapshotError: every problem found, each line starting with the snapshot's folder.
    """
    folder = data_path(params, "start.snapshot")
    root = chain_of_bases(Path(params.source.split(" + ", 1)[0]))[-1][0]  # the file with no ``base``
    try:
        snap = read_snapshot(folder)
        problems = _problems_against(snap, root, _stamp(root))
    except SnapshotError as err:
        problems = err.problems
    if problems:
        shown = Path(os.path.relpath(folder)) if folder.is_relative_to(Path.cwd()) else folder
        raise SnapshotError([f"{shown / p}" if p.startswith(FILES) else f"{shown}: {p}" for p in problems])
    return snap


@functools.lru_cache(maxsize=8)
def _problems_against(snap: Snapshot, root: Path, stamp: tuple | None) -> tuple[str, ...]:
    """:func:`check_against` the rules of the scenario file ``root``, once per version of the snapshot
    (``read_snapshot`` returns the same object while its files are unchanged) and of that file: not again
    in every replication."""
    return tuple(check_against(snap, load_scenario(root)))


# ---------------------------------------------------------------- against the rules


def check_against(snapshot: Snapshot, params) -> list[str]:
    """What the rules of ``params`` in force the day before the snapshot's date refuse in it, sorted by
    file and line (empty: none). ``params`` are the rules the snapshot's state arose under (``load``
    passes the root of the run's chain of bases); the run's own rules apply to it from its date on.
    Refused:

    - Art. 17(3): a tenant whose total held (``held_before_days`` plus the current lease from its start)
      reaches ``lease.max_total_years`` calendar years on or before the date (its lease should have
      ended), or, in a transition period, before its lease ended; a waiting household whose
      ``held_before_days`` reach it, counted as if held up to the date (``inf``: never);
    - Art. 17(3): a lease longer than ``lease.term_years`` (calendar months from ``lease_start``);
    - Art. 19: a certificate that expired (``queue.validity_years`` after ``certificate_date``) on or
      before the date;
    - Art. 2, 7: a unit of an operator not in ``supply.operator_shares`` or a type not in ``supply.mix``;
    - Art. 7(3): a tenancy whose persons have less than ``allocation.min_living_area_m2_per_person`` of
      its unit's living area each (居住使用人的人均居住面积不得低于5平方米).

    The total held is counted from a first move-in ``held_before_days`` before ``lease_start``, as if the
    days were held in one run; the total ends the same date ``lease.max_total_years`` later
    (``sim.calendar.add_years``).
    """
    date, day0 = snapshot.date, pd.Timestamp(snapshot.date)
    v = params.resolved((date - params.start_date).days - 1)  # the rules the snapshot's state arose under
    cap, validity = float(v["lease.max_total_years"]), float(v["queue.validity_years"])
    term_months = 12.0 * float(v["lease.term_years"])
    least = float(v["allocation.min_living_area_m2_per_person"])
    operators, mix = v["supply.operator_shares"], v["supply.mix"]
    problems = []

    def on(days: float) -> datetime.date:
        return date + datetime.timedelta(days=math.floor(days))

    units = snapshot.units
    for r in units.itertuples(index=False):
        if r.operator not in operators:
            problems.append(
                f'units.csv: line {r.line}: operator: "{r.operator}" is not one of supply.operator_shares '
                f"({', '.join(sorted(operators))})"
            )
        if r.type not in mix:
            problems.append(
                f'units.csv: line {r.line}: type: "{r.type}" is not in supply.mix ({", ".join(mix)})'
            )
    area = dict(zip(units["unit_id"], units["living_area_m2"], strict=True))
    ten = snapshot.tenancies
    starts = (ten["lease_start"] - day0).dt.days.tolist()
    ends = (ten["lease_end"] - day0).dt.days.tolist()
    for r, start, end in zip(ten.itertuples(index=False), starts, ends, strict=True):
        at = f"tenancies.csv: line {r.line}"
        total_end = add_years(date, start - r.held_before_days, cap)
        if pd.notna(r.transition_until) and total_end < end:
            over = f"before lease_end {r.lease_end.date()}"
        elif pd.isna(r.transition_until) and total_end <= 0:
            over = f"on or before the snapshot's date {date}"
        else:
            over = ""
        if over:
            problems.append(
                f"{at}: held_before_days: with {r.held_before_days} days held before lease_start "
                f"{r.lease_start.date()}, the total reaches lease.max_total_years = {cap:g} years on "
                f"{on(total_end)}, {over} (Art. 17(3))"
            )
        if end > add_months(date, start, term_months):
            problems.append(
                f"{at}: lease_end: {r.lease_end.date()} is more than lease.term_years = {term_months / 12:g} "
                f"years after lease_start {r.lease_start.date()} (Art. 17(3))"
            )
        if r.size * least > area.get(r.unit_id, math.inf):
            problems.append(
                f"{at}: size: {r.size} persons in unit {r.unit_id} of {area[r.unit_id]:g} m2 have less than "
                f"allocation.min_living_area_m2_per_person = {least:g} m2 each (Art. 7(3))"
            )
    wait = snapshot.waiting
    for r, cert in zip(wait.itertuples(index=False), (wait["certificate_date"] - day0).dt.days, strict=True):
        total_end = add_years(date, -r.held_before_days, cap)
        if total_end <= 0:
            problems.append(
                f"waiting.csv: line {r.line}: held_before_days: {r.held_before_days} days reach "
                f"lease.max_total_years = {cap:g} years: no lease is left to wait for (Art. 17(3))"
            )
        expiry = add_years(date, cert, validity) if cert == cert else math.inf  # NaN: in review
        if expiry <= 0:
            problems.append(
                f"waiting.csv: line {r.line}: certificate_date: {r.certificate_date.date()} expired on "
                f"{on(expiry)} (queue.validity_years = {validity:g}), on or before the snapshot's date "
                f"{date} (Art. 19)"
            )
    return sorted(problems, key=_order)


# ---------------------------------------------------------------- writing and documenting


def write_snapshot(
    folder,
    date: datetime.date,
    description: str,
    written_by: str,
    units: pd.DataFrame,
    tenancies: pd.DataFrame,
    waiting: pd.DataFrame,
    former: pd.DataFrame | None = None,
) -> Path:
    """Write a snapshot's files into ``folder`` (made if missing; files there are replaced; without
    ``former``, no ``former.csv``).

    The tables need the columns of ``COLUMNS`` (others, such as ``line``, are left out); rows are
    written in their order, dates as ``YYYY-MM-DD``, yes-no as ``true``/``false``, a missing value (None,
    NaN, NaT, ``<NA>``) as an empty field. ``written_by`` empty leaves it out of ``snapshot.toml``.
    Returns the folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(date, datetime.datetime):  # a pandas Timestamp too: TOML would write a date-time
        date = date.date()
    meta = {"date": date, "description": description}
    if written_by:
        meta["written_by"] = written_by
    (folder / META_FILE).write_text(tomli_w.dumps(meta), encoding="utf-8")
    (folder / "former.csv").unlink(missing_ok=True)
    for (name, columns), df in zip(COLUMNS.items(), (units, tenancies, waiting, former), strict=True):
        if df is None:
            continue
        missing = [c.name for c in columns if c.name not in df.columns]
        if missing:
            raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")
        with open(folder / name, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow([c.name for c in columns])
            cells = [[_cell(c, v) for v in df[c.name].tolist()] for c in columns]
            out.writerows(zip(*cells, strict=True))
    return folder


def _cell(col: Column, value) -> str:
    """One field as ``read_records`` reads it back."""
    if value is None or pd.isna(value):
        return ""
    if col.kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if col.kind == "bool":
        return "true" if value else "false"
    if col.kind == "int":
        return str(int(value))
    if col.kind == "float":
        return repr(float(value))
    return str(value)


def schema_table(columns: tuple[Column, ...]) -> str:
    """The Markdown table of one file's columns, as ``docs/snapshot-data.md`` shows it."""
    rows = ["| column | type | empty allowed | meaning |", "|---|---|---|---|"]
    for c in columns:
        rows.append(f"| `{c.name}` | {_kind_text(c)} | {'no' if c.required else 'yes'} | {c.doc} |")
    return "\n".join(rows) + "\n"


def _kind_text(c: Column) -> str:
    if c.kind == "int":
        return f"whole number ≥ {c.low}"
    if c.kind == "float":
        return f"number > {c.low}"
    if c.kind == "bool":
        return "`true`/`false`"
    if c.kind == "enum":
        return "one of " + ", ".join(f"`{a}`" for a in c.allowed)
    return c.kind  # date, text
