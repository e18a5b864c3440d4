"""The operators' snapshot (sim/snapshot.py, docs/snapshot-data.md): the shipped test example reads; every
check of a row, of the files against each other and against the scenario's rules refuses one bad case
with its exact message (file, line, column); all problems come at once; a written snapshot reads back.

The example is ``tests/data/snapshot/`` (taken on 2024-06-30); each case edits a copy of it.
"""

from __future__ import annotations

import csv
import datetime
import math
import shutil

import pandas as pd
import pytest
from helpers import ROOT

from sim import load_scenario
from sim.snapshot import (
    COLUMNS,
    SNAPSHOT_FILES,
    Snapshot,
    SnapshotError,
    check_against,
    read_snapshot,
    schema_table,
    write_snapshot,
)

EXAMPLE = ROOT / "tests" / "data" / "snapshot"
D = datetime.date(2024, 6, 30)  # the example's date


@pytest.fixture
def folder(tmp_path):
    """A copy of the example to edit."""
    return shutil.copytree(EXAMPLE, tmp_path / "snapshot")


@pytest.fixture(scope="module")
def rules():
    """The baseline's rules with the run starting on the snapshot's date."""
    return load_scenario("baseline").with_overrides({"calendar.start_date": D.isoformat()})


def edit(folder, name: str, line: int, **fields) -> None:
    """Set ``fields`` on line ``line`` of ``name`` (line 2 is the first row); a line past the end is a copy
    of the last row."""
    with open(folder / name, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if line - 2 == len(rows):
        rows.append(dict(rows[-1]))
    rows[line - 2].update({k: str(v) for k, v in fields.items()})
    with open(folder / name, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        out.writeheader()
        out.writerows(rows)


def problems(folder) -> list[str]:
    with pytest.raises(SnapshotError) as err:
        read_snapshot(folder)
    return err.value.problems


def against(folder, rules) -> list[str]:
    return check_against(read_snapshot(folder), rules)


# ---------------------------------------------------------------- the example


def test_the_example_snapshot_reads():
    s = read_snapshot(EXAMPLE)
    assert isinstance(s, Snapshot) and s.date == D and s.written_by == ""
    assert s.description.startswith("Hand-made for the tests")
    assert (len(s.units), len(s.tenancies), len(s.waiting)) == (6, 3, 3)
    assert s.units["status"].tolist() == ["let", "let", "vacant", "let", "under_repair", "not_delivered"]
    assert s.units["living_area_m2"].tolist() == [35.0, 52.0, 52.0, 12.0, 62.0, 52.0]
    transition = s.tenancies[s.tenancies["transition_until"].notna()]
    assert transition["household_id"].tolist() == [103] and transition["transition_reason"].tolist() == [
        "other"
    ]
    # an employer's block of 2 waits, and the same employer has a tenant
    assert s.waiting["employer_id"].tolist()[1:] == [7, 7] and pd.isna(s.waiting["employer_id"].iloc[0])
    assert s.tenancies["line"].tolist() == [2, 3, 4]


def test_the_example_meets_the_baseline_rules_on_its_date(rules):
    assert check_against(read_snapshot(EXAMPLE), rules) == []


def test_a_folder_is_read_once_per_version_of_its_files(folder):
    first = read_snapshot(folder)
    assert read_snapshot(folder) is first
    edit(folder, "waiting.csv", 2, size=3)
    second = read_snapshot(folder)
    assert second is not first and second.waiting["size"].iloc[0] == 3


# ---------------------------------------------------------------- fields (sim/replay.py: float, text)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("abc", 'living_area_m2: "abc" is not a number'),
        ("0", "living_area_m2: must be more than 0, got 0"),
        ("-3.5", "living_area_m2: must be more than 0, got -3.5"),
        ("inf", 'living_area_m2: "inf" is not a finite number'),
        ("nan", 'living_area_m2: "nan" is not a finite number'),
        ("", "living_area_m2: missing value"),
    ],
)
def test_a_living_area_is_a_finite_number_above_0(folder, value, problem):
    edit(folder, "units.csv", 3, living_area_m2=value)
    assert problems(folder) == [f"units.csv: line 3: {problem}"]


def test_a_text_is_stripped_and_not_empty(folder):
    edit(folder, "units.csv", 2, project="  Project Z ")
    assert read_snapshot(folder).units["project"].iloc[0] == "Project Z"
    edit(folder, "units.csv", 2, project="   ")
    assert problems(folder) == ["units.csv: line 2: project: missing value"]


# ---------------------------------------------------------------- snapshot.toml


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('description = "d"\n', "snapshot.toml: date: missing value"),
        (
            'date = "2024-02-30"\ndescription = "d"\n',
            'snapshot.toml: date: "2024-02-30" is not a date (YYYY-MM-DD)',
        ),
        (
            "date = 2024-06-30T12:00:00\ndescription = 'd'\n",
            'snapshot.toml: date: "2024-06-30 12:00:00" is not a date (YYYY-MM-DD)',
        ),
        ("date = 2024-06-30\n", "snapshot.toml: description: missing value"),
        (
            'date = 2024-06-30\ndescription = "d"\nwritten_by = 3\n',
            "snapshot.toml: written_by: 3 is not text",
        ),
        ('date = 2024-06-30\ndescription = "d"\nauthor = "x"\n', 'snapshot.toml: unknown key "author"'),
        ("date = \n", "snapshot.toml: not valid TOML: Invalid value (at line 1, column 8)"),
    ],
)
def test_snapshot_toml_needs_a_date_and_a_description(folder, text, problem):
    (folder / "snapshot.toml").write_text(text, encoding="utf-8")
    assert problems(folder) == [problem]


def test_a_date_may_be_iso_text(folder):
    (folder / "snapshot.toml").write_text('date = "2024-06-30"\ndescription = "d"\nwritten_by = "me"\n')
    s = read_snapshot(folder)
    assert (s.date, s.description, s.written_by) == (D, "d", "me")


def test_missing_files_are_named(tmp_path):
    assert problems(tmp_path) == [
        "snapshot.toml: no such file",
        "units.csv: no such file",
        "tenancies.csv: no such file",
        "waiting.csv: no such file",
    ]


# ---------------------------------------------------------------- rows


def test_ids_are_unique_in_each_file(folder):
    edit(folder, "units.csv", 8, status="vacant", available_date="")  # unit 6 again
    edit(folder, "tenancies.csv", 3, household_id=101)
    edit(folder, "waiting.csv", 3, household_id=201, receipt_no=1001)
    assert problems(folder) == [
        "units.csv: line 8: unit_id: 6 is a duplicate of line 7",
        "tenancies.csv: line 3: household_id: 101 is a duplicate of line 2",
        "waiting.csv: line 3: household_id: 201 is a duplicate of line 2",
        "waiting.csv: line 3: receipt_no: 1001 is a duplicate of line 2",
    ]


@pytest.mark.parametrize(
    ("line", "fields", "problem"),
    [
        (6, {"available_date": ""}, "available_date: missing value (status is under_repair)"),
        (7, {"available_date": ""}, "available_date: missing value (status is not_delivered)"),
        (
            4,
            {"available_date": "2024-07-01"},
            "available_date: given for a vacant unit (only under_repair and not_delivered have one)",
        ),
        (
            6,
            {"available_date": "2024-06-30"},
            "available_date: 2024-06-30 is not after the snapshot's date 2024-06-30",
        ),
        (6, {"status": "repair"}, 'status: "repair" is not one of let, vacant, under_repair, not_delivered'),
    ],
)
def test_a_unit_under_repair_or_not_delivered_says_when_it_is_available_after_the_date(
    folder, line, fields, problem
):
    edit(folder, "units.csv", line, **fields)
    assert problems(folder) == [f"units.csv: line {line}: {problem}"]


@pytest.mark.parametrize(
    ("name", "line", "fields", "problem"),
    [
        ("tenancies.csv", 2, {"size": 2}, "size: a single applicant is 1 person, got 2"),
        ("waiting.csv", 2, {"size": 1}, "size: a family has at least 2 persons, got 1"),
        ("tenancies.csv", 4, {"employer_id": ""}, "employer_id: missing value (kind is employer)"),
        (
            "waiting.csv",
            2,
            {"employer_id": 9},
            "employer_id: given for a family household (employer staff only)",
        ),
        ("tenancies.csv", 2, {"key_employer": "true"}, "key_employer: only employer staff can be true"),
        (
            "waiting.csv",
            2,
            {"frontline": "true"},
            "frontline: only public_service employer staff can be true",
        ),
        ("tenancies.csv", 2, {"held_before_days": -1}, "held_before_days: must be at least 0, got -1"),
    ],
)
def test_art4_art7_art9_a_household_s_columns_agree(folder, name, line, fields, problem):
    edit(folder, name, line, **fields)
    assert problems(folder) == [f"{name}: line {line}: {problem}"]


def test_art7_3_frontline_staff_are_in_public_service(folder):
    edit(folder, "waiting.csv", 3, sector="other")
    edit(folder, "waiting.csv", 4, sector="other")  # the whole block, so the employer stays one sector
    edit(folder, "tenancies.csv", 4, sector="other", frontline="false")
    assert problems(folder) == [
        "waiting.csv: line 3: frontline: only public_service employer staff can be true"
    ]


AFTER = "is after the snapshot's date 2024-06-30"
NOT_AFTER = "is not after the snapshot's date 2024-06-30"
ENDED = "(a lease that has ended is in a transition period: give transition_until)"
FOLLOWS = "(a transition period follows the end of the lease)"


@pytest.mark.parametrize(
    ("line", "fields", "expected"),
    [
        (2, {"lease_start": "2024-07-01"}, [f"line 2: lease_start: 2024-07-01 {AFTER}"]),
        (
            2,
            {"lease_start": "2025-09-01"},
            [
                f"line 2: lease_start: 2025-09-01 {AFTER}",
                "line 2: lease_end: 2025-09-01 is not after lease_start 2025-09-01",
            ],
        ),
        (
            2,
            {"lease_end": "2024-06-30"},
            [f"line 2: lease_end: 2024-06-30 {NOT_AFTER} {ENDED}"],
        ),
        (
            2,
            {"transition_until": "2024-12-01"},
            [
                "line 2: transition_reason: missing value (transition_until is given)",
                f"line 2: lease_end: 2025-09-01 {AFTER} {FOLLOWS}",
            ],
        ),
        (
            4,
            {"transition_until": ""},
            [
                "line 4: transition_reason: given without transition_until",
                f"line 4: lease_end: 2024-03-01 {NOT_AFTER} {ENDED}",
            ],
        ),
        (
            4,
            {"lease_end": "2024-07-01"},
            [f"line 4: lease_end: 2024-07-01 {AFTER} {FOLLOWS}"],
        ),
        (4, {"transition_until": "2024-06-30"}, [f"line 4: transition_until: 2024-06-30 {NOT_AFTER}"]),
    ],
)
def test_art24_a_lease_runs_on_the_date_or_its_transition_period_does(folder, line, fields, expected):
    edit(folder, "tenancies.csv", line, **fields)
    assert problems(folder) == [f"tenancies.csv: {e}" for e in expected]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"certificate_date": "2023-03-01"},
            "certificate_date: 2023-03-01 is before receipt_date 2023-03-02",
        ),
        (
            {"receipt_date": "2024-07-01", "certificate_date": "2024-07-01"},
            "certificate_date: 2024-07-01 is after the snapshot's date 2024-06-30",
        ),
        (
            {"banned_until": "2024-06-30"},
            f"banned_until: 2024-06-30 {NOT_AFTER} (a ban that has ended is left empty)",
        ),
    ],
)
def test_art9_art19_a_waiting_household_was_received_then_qualified_by_the_date(folder, fields, problem):
    edit(folder, "waiting.csv", 2, **fields)
    assert problems(folder) == [f"waiting.csv: line 2: {problem}"]


def test_a_ban_running_past_the_date_is_read(folder):
    edit(folder, "waiting.csv", 2, banned_until="2024-07-01")
    assert read_snapshot(folder).waiting["banned_until"].iloc[0] == pd.Timestamp("2024-07-01")


# ---------------------------------------------------------------- across the files


def test_a_unit_let_to_two_households_is_refused(folder):
    edit(folder, "tenancies.csv", 3, unit_id=1)
    assert problems(folder) == [
        "units.csv: line 3: status: unit 2 is let, but no tenancy in tenancies.csv is on it",
        "tenancies.csv: line 3: unit_id: 1 is let on line 2 too",
    ]


def test_a_tenancy_on_an_unknown_unit_is_refused(folder):
    edit(folder, "tenancies.csv", 2, unit_id=99)
    assert problems(folder) == [
        "units.csv: line 2: status: unit 1 is let, but no tenancy in tenancies.csv is on it",
        "tenancies.csv: line 2: unit_id: 99 is not in units.csv",
    ]


def test_a_tenancy_on_a_unit_not_let_is_refused(folder):
    edit(folder, "units.csv", 2, status="vacant")
    assert problems(folder) == ["tenancies.csv: line 2: unit_id: 1 is vacant in units.csv (line 2), not let"]


def test_a_let_unit_without_a_tenancy_is_refused(folder):
    edit(folder, "units.csv", 4, status="let")
    assert problems(folder) == [
        "units.csv: line 4: status: unit 3 is let, but no tenancy in tenancies.csv is on it"
    ]


def test_a_check_that_needs_a_whole_file_waits_for_its_rows_to_read(folder):
    """A unit row that does not read is not taken for a missing unit, nor a tenancy row for a missing
    tenancy: only the fields are reported."""
    edit(folder, "units.csv", 2, type="studio")
    edit(folder, "tenancies.csv", 3, lease_end="2024-13-01")
    assert problems(folder) == [
        'units.csv: line 2: type: "studio" is not one of one_bed, two_bed, multi_bed, shared_room',
        'tenancies.csv: line 3: lease_end: "2024-13-01" is not a date (YYYY-MM-DD)',
    ]


def test_a_household_both_waiting_and_a_tenant_is_refused(folder):
    edit(folder, "waiting.csv", 2, household_id=102)
    assert problems(folder) == [
        "waiting.csv: line 2: household_id: 102 is a tenant too (tenancies.csv line 3)"
    ]


def test_an_employer_has_one_sector_and_key_employer_flag(folder):
    edit(folder, "waiting.csv", 3, key_employer="false")
    edit(folder, "waiting.csv", 4, sector="public_welfare", frontline="false", key_employer="false")
    assert problems(folder) == [
        "waiting.csv: line 3: employer_id: 7: key_employer differs from tenancies.csv line 4",
        "waiting.csv: line 4: employer_id: 7: sector and key_employer differ from tenancies.csv line 4",
    ]


def test_all_problems_are_listed_at_once_by_file_and_line(folder):
    (folder / "snapshot.toml").write_text("description = 'd'\n", encoding="utf-8")
    edit(folder, "waiting.csv", 3, size=0)
    edit(folder, "waiting.csv", 2, household_id=101, kind="single")
    edit(folder, "units.csv", 7, operator="")
    edit(folder, "tenancies.csv", 4, transition_reason="")
    # without a date, nothing is checked against it (the transition's lease_end)
    assert problems(folder) == [
        "snapshot.toml: date: missing value",
        "units.csv: line 7: operator: missing value",
        "tenancies.csv: line 4: transition_reason: missing value (transition_until is given)",
        "waiting.csv: line 2: size: a single applicant is 1 person, got 2",
        "waiting.csv: line 2: household_id: 101 is a tenant too (tenancies.csv line 2)",
        "waiting.csv: line 3: size: must be at least 1, got 0",
    ]


def test_a_bad_header_is_reported_and_the_other_files_still_checked(folder):
    text = (folder / "tenancies.csv").read_text(encoding="utf-8").replace("lease_end", "lease_ends", 1)
    (folder / "tenancies.csv").write_text(text, encoding="utf-8")
    edit(folder, "waiting.csv", 2, certificate_date="2023-03-01")
    assert problems(folder) == [
        'tenancies.csv: line 1: missing column "lease_end"',
        'tenancies.csv: line 1: unknown column "lease_ends"',
        "waiting.csv: line 2: certificate_date: 2023-03-01 is before receipt_date 2023-03-02",
    ]


# ---------------------------------------------------------------- against the rules on the date


def _held_to_reach_the_total_on_the_date(lease_start: datetime.date) -> int:
    """Days held before ``lease_start`` that make 6 calendar years on the snapshot's date."""
    return (D - datetime.date(2018, 6, 30)).days - (D - lease_start).days


def test_art17_3_a_tenancy_already_over_the_total_is_refused(folder, rules):
    held = _held_to_reach_the_total_on_the_date(datetime.date(2023, 9, 1))
    edit(folder, "tenancies.csv", 2, held_before_days=held - 1)  # reaches it the day after the date
    assert against(folder, rules) == []
    edit(folder, "tenancies.csv", 2, held_before_days=held)
    assert against(folder, rules) == [
        f"tenancies.csv: line 2: held_before_days: with {held} days held before lease_start 2023-09-01, the "
        "total reaches lease.max_total_years = 6 years on 2024-06-30, on or before the snapshot's date "
        "2024-06-30 (Art. 17(3))"
    ]


def test_art17_3_a_household_waiting_with_the_whole_total_held_is_refused(folder, rules):
    held = (D - datetime.date(2018, 6, 30)).days
    edit(folder, "waiting.csv", 2, held_before_days=held - 1)
    assert against(folder, rules) == []
    edit(folder, "waiting.csv", 2, held_before_days=held)
    assert against(folder, rules) == [
        f"waiting.csv: line 2: held_before_days: {held} days reach lease.max_total_years = 6 years: no lease "
        "is left to wait for (Art. 17(3))"
    ]


def test_art17_3_a_transition_after_the_total_is_not_refused_but_a_lease_past_it_is(folder, rules):
    """A capped tenant stays on (Art. 24(4)) from the day its total was reached: its lease ended then."""
    held = (datetime.date(2022, 3, 1) - datetime.date(2018, 3, 1)).days
    edit(folder, "tenancies.csv", 4, held_before_days=held, transition_reason="cap")
    assert against(folder, rules) == []
    edit(folder, "tenancies.csv", 4, held_before_days=held + 1)
    assert against(folder, rules) == [
        f"tenancies.csv: line 4: held_before_days: with {held + 1} days held before lease_start 2022-03-01, "
        "the total reaches lease.max_total_years = 6 years on 2024-02-28, before lease_end 2024-03-01 "
        "(Art. 17(3))"
    ]


def test_art17_3_without_a_total_no_tenancy_is_over_it(folder, rules):
    edit(folder, "tenancies.csv", 2, held_before_days=100_000)
    edit(folder, "waiting.csv", 2, held_before_days=100_000)
    assert len(against(folder, rules)) == 2
    assert against(folder, rules.with_overrides({"lease.max_total_years": math.inf})) == []


def test_art30_a_rule_changed_on_the_snapshot_s_date_applies_to_the_run_not_to_the_snapshot(rules):
    """A total of 3 years from the date on (a dated value) refuses nothing: the state on the date arose
    under the total of 6, and the run applies the new one from the date. A total of 3 stated without a date
    held before the date too: household 102 (2 years before its lease of 2022-10-22) is over it, and
    household 103's lease ran past it."""
    snapshot = read_snapshot(EXAMPLE)
    dated = {"values": {"2021-10-22": 6, D.isoformat(): 3}}
    assert check_against(snapshot, rules.with_overrides({"lease.max_total_years": dated})) == []
    total = "the total reaches lease.max_total_years = 3 years on"
    assert check_against(snapshot, rules.with_overrides({"lease.max_total_years": 3})) == [
        f"tenancies.csv: line 3: held_before_days: with 730 days held before lease_start 2022-10-22, {total} "
        "2023-10-22, on or before the snapshot's date 2024-06-30 (Art. 17(3))",
        f"tenancies.csv: line 4: held_before_days: with 400 days held before lease_start 2022-03-01, {total} "
        "2024-01-25, before lease_end 2024-03-01 (Art. 17(3))",
    ]
    # a scenario starting before the snapshot: the rules of the day before its date
    baseline = load_scenario("baseline")
    assert baseline.start_date < D and check_against(snapshot, baseline) == []
    early = {"values": {"2021-10-22": 6, "2024-06-29": 3}}
    assert len(check_against(snapshot, baseline.with_overrides({"lease.max_total_years": early}))) == 2


def test_art17_3_a_lease_longer_than_the_term_is_refused(folder, rules):
    edit(folder, "tenancies.csv", 2, lease_end="2025-09-01")  # 2 calendar years: the example's
    assert against(folder, rules) == []
    edit(folder, "tenancies.csv", 2, lease_end="2025-09-02")
    assert against(folder, rules) == [
        "tenancies.csv: line 2: lease_end: 2025-09-02 is more than lease.term_years = 2 years after "
        "lease_start 2023-09-01 (Art. 17(3))"
    ]


def test_art19_a_certificate_older_than_its_validity_is_refused(folder, rules):
    edit(folder, "waiting.csv", 2, receipt_date="2022-06-20", certificate_date="2022-07-01")
    assert against(folder, rules) == []  # expires the day after the date
    edit(folder, "waiting.csv", 2, certificate_date="2022-06-30")
    assert against(folder, rules) == [
        "waiting.csv: line 2: certificate_date: 2022-06-30 expired on 2024-06-30 (queue.validity_years = 2), "
        "on or before the snapshot's date 2024-06-30 (Art. 19)"
    ]


def test_art7_3_a_household_with_less_than_the_minimum_living_area_each_is_refused(folder, rules):
    edit(folder, "units.csv", 3, living_area_m2=15.0)  # 3 persons x 5 m2
    assert against(folder, rules) == []
    edit(folder, "units.csv", 3, living_area_m2=14.9)
    assert against(folder, rules) == [
        "tenancies.csv: line 3: size: 3 persons in unit 2 of 14.9 m2 have less than "
        "allocation.min_living_area_m2_per_person = 5 m2 each (Art. 7(3))"
    ]


def test_art2_art7_a_unit_of_an_operator_or_type_the_scenario_lacks_is_refused(folder, rules):
    edit(folder, "units.csv", 4, operator="pudong")
    mix = {
        "one_bed": {"share": 0.3, "living_area_m2": 35.0},
        "two_bed": {"share": 0.6, "living_area_m2": 52.0},
        "multi_bed": {"share": 0.1, "living_area_m2": 62.0},
    }
    assert against(folder, rules.with_overrides({"supply.mix": mix})) == [
        'units.csv: line 4: operator: "pudong" is not one of supply.operator_shares (jingan, zhabei)',
        'units.csv: line 5: type: "shared_room" is not in supply.mix (one_bed, two_bed, multi_bed)',
    ]


# ---------------------------------------------------------------- writing, docs


def test_a_written_snapshot_reads_back_what_was_written(tmp_path):
    s = read_snapshot(EXAMPLE)
    out = write_snapshot(
        tmp_path / "out",
        s.date,
        s.description,
        "python run.py test",
        s.units,
        s.tenancies,
        s.waiting,
        s.former,
    )
    back = read_snapshot(out)
    assert (back.date, back.description, back.written_by) == (s.date, s.description, "python run.py test")
    for name in ("units", "tenancies", "waiting", "former"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(s, name))
    for name in SNAPSHOT_FILES:  # the files themselves, byte for byte
        assert (out / name).read_text(encoding="utf-8") == (EXAMPLE / name).read_text(encoding="utf-8")


def test_a_snapshot_is_written_from_plain_tables(tmp_path):
    """A Timestamp for the date, dates as datetime.date, missing values as None, ints as floats with NaN:
    written as the schema says."""
    s = read_snapshot(EXAMPLE)
    units = s.units.drop(columns="line").astype({"available_date": object})
    units["available_date"] = [
        None,
        None,
        None,
        None,
        datetime.date(2024, 7, 14),
        datetime.date(2024, 12, 31),
    ]
    waiting = s.waiting.astype({"employer_id": float})
    out = write_snapshot(tmp_path / "plain", pd.Timestamp(D), "plain", "", units, s.tenancies, waiting)
    assert (out / "snapshot.toml").read_text(encoding="utf-8") == 'date = 2024-06-30\ndescription = "plain"\n'
    back = read_snapshot(out)
    pd.testing.assert_frame_equal(back.units, s.units)
    pd.testing.assert_frame_equal(back.waiting, s.waiting)


def test_a_table_without_a_column_is_not_written(tmp_path):
    s = read_snapshot(EXAMPLE)
    with pytest.raises(ValueError, match="tenancies.csv: missing column.s. lease_end"):
        write_snapshot(tmp_path, D, "d", "", s.units, s.tenancies.drop(columns="lease_end"), s.waiting)


def test_docs_snapshot_data_shows_every_file_s_columns():
    """docs/snapshot-data.md holds the tables ``schema_table`` renders from the columns' docs: paste them
    again after changing a column."""
    doc = (ROOT / "docs" / "snapshot-data.md").read_text(encoding="utf-8")
    for columns in COLUMNS.values():
        assert schema_table(columns) in doc
