"""Forecasts from the operators' snapshot (docs/snapshot-data.md): a run starts on the snapshot's date
from its units, tenancies, waiting list and former households (``start.snapshot``), and the engine writes
its own state as one (``sim.state_at``). Rule-text cases on hand-made snapshots; the round trip against
uninterrupted runs; the command line."""

from __future__ import annotations

import datetime
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import load_scenario, simulate, state_at
from sim.calendar import WorkCalendar, add_months, add_years, run_days
from sim.schema import HAZARD_EXITS
from sim.snapshot import COLUMNS, read_snapshot, write_snapshot
from tests.helpers import BASELINE, ROOT, main

DATE = datetime.date(2026, 3, 2)
#: No arrivals, no hazard exits, every renewal applied for and passed: only the timed rules act.
QUIET = {
    "arrivals.applications_per_year": 0,
    "lease.renewal_apply_share": 1.0,
    "lease.renewal_review": "share",
    "lease.renewal_pass_share": 1.0,
    "rent.arrears_hazard_per_year": 0.0,
    "exits.employer_relocation_per_year": 0.0,
    "transition.capped_market_stay_share": 0.0,
    "calendar.horizon_years": 3,
    **{f"exits.{k}_per_year": 0.0 for k in HAZARD_EXITS},
}

UNIT = ("project-1", "jingan", "two_bed", 52.0)
FAMILY = ("family", 3, "other", None, False, False)


def _day(date: datetime.date) -> float:
    return float((date - DATE).days)


def _start(tmp_path, units, tenancies=(), waiting=(), overrides=None, former=()):
    """A run of the quiet baseline from a hand-made snapshot dated ``DATE``."""
    folder = tmp_path / "snapshot"
    folder.mkdir(parents=True)
    tables = zip((units, tenancies, waiting, former), COLUMNS.values(), strict=True)
    frames = [pd.DataFrame(list(rows), columns=[c.name for c in cols]) for rows, cols in tables]
    write_snapshot(folder, DATE, "test", "tests/test_forecast.py", *frames)
    params = load_scenario(BASELINE).with_overrides(
        {**QUIET, "start.snapshot": str(folder), **(overrides or {})}
    )
    assert (params.start_date, params.warmup_days) == (DATE, 0.0)  # no warm-up from a snapshot
    return simulate(params, 1)


def _cap_case(tmp_path, held_years: float):
    """A tenant who has held PRH ``held_years`` before a lease begun 9 months before the date and ending
    3 months after it."""
    lease_start = add_months(DATE, 0.0, -9)
    first = add_years(DATE, lease_start, -held_years)
    held = round(lease_start - first)
    lease_end = add_months(DATE, 0.0, 3)
    as_date = lambda d: DATE + datetime.timedelta(days=d)  # noqa: E731
    tenancy = (1, *FAMILY, held, 1, as_date(lease_start), as_date(lease_end), None, None)
    r = _start(tmp_path, [(1, *UNIT, "let", None)], [tenancy])
    return r, lease_start, held, lease_end


def test_art17_3_a_tenant_with_5_years_held_leaves_at_the_total_when_its_lease_ends(tmp_path):
    """Art. 17(3): 享受公共租赁住房保障的总年限累计不超过6年. A tenant of the snapshot who held PRH 5 years
    before a lease that ends 3 months after the date (so 6 years in all then) leaves at the total on
    that day: the days held before count back from the lease's start."""
    r, lease_start, held, lease_end = _cap_case(tmp_path, 5.0)
    row = r.households.iloc[0]
    assert row["exit_reason"] == "cap"
    assert row["exit_day"] == pytest.approx(min(lease_end, add_years(DATE, lease_start - held, 6)))
    assert row["exit_day"] == pytest.approx(lease_end)
    assert row["total_tenure_days"] == pytest.approx(held + lease_end - lease_start)


def test_art17_3_a_tenant_with_4_years_held_renews_when_its_lease_ends(tmp_path):
    """Art. 17(3), 20: the other side: 4 years held before the lease, 5 years in all when it ends; the
    lease is renewed (on the quiet scenario every renewal passes), up to the total a year later."""
    r, lease_start, held, lease_end = _cap_case(tmp_path, 4.0)
    row = r.households.iloc[0]
    assert row["exit_reason"] == "cap"
    assert row["exit_day"] == pytest.approx(add_years(DATE, lease_start - held, 6))
    assert row["exit_day"] > lease_end + 300


def _waiting_case(tmp_path, months: int, vacant: bool):
    """A household waiting with a certificate issued ``months`` before the date; one unit, vacant or
    let to a tenant who stays beyond the run."""
    as_date = lambda d: DATE + datetime.timedelta(days=d)  # noqa: E731
    cert = add_months(DATE, 0.0, -months)
    waiting = [(2, *FAMILY, 0, 1, as_date(cert - 10), as_date(cert), None)]
    if vacant:
        no_declines = {"allocation.decline_share": 0.0}
        return _start(tmp_path, [(1, *UNIT, "vacant", None)], [], waiting, no_declines), cert
    lease = (as_date(-30), as_date(add_months(DATE, -30.0, 24)), None, None)
    tenancy = (1, *FAMILY, 0, 1, *lease)
    return _start(tmp_path, [(1, *UNIT, "let", None)], [tenancy], waiting), cert


def test_art19_a_certificate_issued_23_months_before_the_date_lapses_a_month_in(tmp_path):
    """Art. 19: 其准入资格确认书在2年内有效. A household of the snapshot whose certificate was issued 23
    months before the date, with no unit free, lapses 2 years after the certificate: a month in."""
    r, cert = _waiting_case(tmp_path, 23, vacant=False)
    row = r.households.set_index("household_id").sort_values("receipt_no").iloc[-1]
    assert row["lapsed"]
    assert row["left_queue_day"] == pytest.approx(add_years(DATE, cert, 2))
    assert 28 <= row["left_queue_day"] <= 31


def test_art19_a_certificate_issued_23_months_before_the_date_is_housed_if_a_unit_is_free(tmp_path):
    """Art. 19: the other side: with a unit free on the date, the same household is offered it at once
    and does not lapse (it declines no offer here)."""
    r, _ = _waiting_case(tmp_path, 23, vacant=True)
    row = r.households.iloc[0]
    assert not row["lapsed"]
    assert row["offers"] >= 1 and row["left_queue_day"] == 0.0


# --- the round trip -----------------------------------------------------------------------------

REPS = 20
SPLIT = datetime.date(2023, 10, 22)  # 2 years in
YEARS_AFTER = 3
EXIT_GROUPS = ("cap", "not_renewed", "renewal_refused", "other_housing")


def _after(result, start: datetime.date) -> dict:
    """The figures of a run over the 3 years from ``SPLIT``: mean waiting list, move-ins, exits by reason."""
    offset = (SPLIT - start).days
    n = run_days(SPLIT, YEARS_AFTER)
    daily = result.daily[(result.daily["day"] >= offset) & (result.daily["day"] < offset + n)]
    hh = result.households
    ex = hh[(hh["exit_day"] >= offset) & (hh["exit_day"] < offset + n)]
    out = {"waiting": daily["waiting"].mean(), "move_ins": float(daily["move_ins"].sum())}
    for reason in EXIT_GROUPS:
        out[f"exits_{reason}"] = float((ex["exit_reason"] == reason).sum())
    return out


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    base = load_scenario(BASELINE)
    whole = base.with_overrides({"calendar.horizon_years": 2 + YEARS_AFTER})
    rows = {"whole": [], "restarted": [], "wrong": []}
    root = tmp_path_factory.mktemp("round_trip")
    for seed in range(1, REPS + 1):
        rows["whole"].append(_after(simulate(whole, seed), base.start_date))
        units, tenancies, waiting, former = state_at(base, seed, SPLIT)
        for kind, ten in (("restarted", tenancies), ("wrong", tenancies.assign(held_before_days=0))):
            folder = root / f"{kind}{seed}"
            folder.mkdir()
            write_snapshot(folder, SPLIT, kind, "test", units, ten, waiting, former)
            params = base.with_overrides(
                {"start.snapshot": str(folder), "calendar.horizon_years": YEARS_AFTER}
            )
            rows[kind].append(_after(simulate(params, 1000 + seed), SPLIT))
    return {k: pd.DataFrame(v) for k, v in rows.items()}


def _welch_p(a, b) -> float:
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


@pytest.mark.slow
def test_a_run_restarted_from_its_own_snapshot_agrees_with_the_uninterrupted_runs(round_trip):
    """Run the baseline to 2023-10-22, write the snapshot, start again from it: over the following 3
    years the waiting list, move-ins and exits by reason agree with the uninterrupted runs within their
    95 % CIs (20 replications each; Welch's test at 1 % per figure, Bonferroni over the figures)."""
    whole, restarted = round_trip["whole"], round_trip["restarted"]
    figures = list(whole.columns)
    for fig in figures:
        assert _welch_p(whole[fig], restarted[fig]) > 0.01 / len(figures), (
            fig,
            whole[fig].mean(),
            restarted[fig].mean(),
        )


@pytest.mark.slow
def test_a_snapshot_with_the_years_held_dropped_is_told_apart(round_trip):
    """The same snapshot with every tenant's years held before set to 0 gives far fewer exits at the
    total over the following years: the round trip can tell a wrong snapshot apart."""
    whole, wrong = round_trip["whole"], round_trip["wrong"]
    assert _welch_p(whole["exits_cap"], wrong["exits_cap"]) < 1e-6
    assert wrong["exits_cap"].mean() < 0.5 * whole["exits_cap"].mean()
    assert math.isfinite(np.mean(wrong["waiting"]))


def test_art17_3_a_total_lowered_from_the_date_ends_a_tenancy_past_it_when_its_lease_ends(tmp_path):
    """Art. 17(3), 30: a variant that lowers the total to 4 years applies to the snapshot from its date:
    the tenant who held 5 years is not refused (the snapshot arose under the 6-year total) and leaves at
    the total when its current lease, signed under the old rules, ends."""
    lease_start = add_months(DATE, 0.0, -9)
    held = round(lease_start - add_years(DATE, lease_start, -5.0))
    lease_end = add_months(DATE, 0.0, 3)
    as_date = lambda d: DATE + datetime.timedelta(days=d)  # noqa: E731
    tenancy = (1, *FAMILY, held, 1, as_date(lease_start), as_date(lease_end), None, None)
    r = _start(tmp_path, [(1, *UNIT, "let", None)], [tenancy], overrides={"lease.max_total_years": 4})
    row = r.households.iloc[0]
    assert (row["exit_reason"], row["exit_day"]) == ("cap", pytest.approx(lease_end))


def _former_case(tmp_path, reason, banned_days):
    """A household that left 30 days before the date, with every household applying again a day after
    it may (``arrivals.reapply_share`` 1, mean delay 1 day)."""
    as_date = lambda d: DATE + datetime.timedelta(days=d)  # noqa: E731
    ban = None if banned_days is None else as_date(banned_days)
    former = [(3, *FAMILY, 400, as_date(-30), reason, ban)]
    overrides = {"arrivals.reapply_share": 1.0, "arrivals.reapply_delay_days": 1.0}
    return _start(tmp_path, [(1, *UNIT, "vacant", None)], [], [], overrides=overrides, former=former)


def test_art23_2_a_former_household_applies_again_only_once_its_ban_has_run(tmp_path):
    """Order No. 11 Art. 36 (Art. 23(2)): a household of the snapshot that handed its unit back after
    arrears, banned to 100 days after the date, applies again after the ban ends, not before."""
    r = _former_case(tmp_path, "arrears", 100)
    first = r.households["applied_day"].min()
    assert 100 <= first < 130


def test_a_former_household_that_left_for_other_housing_does_not_apply_again(tmp_path):
    """``arrivals.reapply_barred_exits``: the other side: a household that left for other housing
    (Art. 23(1)(1)) is in no episode of the run, even with every other household applying again."""
    assert len(_former_case(tmp_path, "other_housing", None).households) == 0
    assert len(_former_case(tmp_path / "b", "job_change", None).households) >= 1


# --- the command line -------------------------------------------------------------------------

EXAMPLE = ROOT / "tests" / "data" / "snapshot"


def test_a_bad_snapshot_is_refused_with_every_problem_before_anything_runs(tmp_path, capsys):
    """A snapshot with two bad files: every problem on its own line, file and line named, exit 2, no
    output folder made."""
    bad = tmp_path / "snap"
    shutil.copytree(EXAMPLE, bad)
    (bad / "tenancies.csv").write_text(
        (bad / "tenancies.csv").read_text(encoding="utf-8").replace(",1,2023-09-01,", ",99,2023-09-01,"),
        encoding="utf-8",
    )
    (bad / "former.csv").write_text(
        (bad / "former.csv").read_text(encoding="utf-8").replace("2024-05-20", "2024-07-20"), encoding="utf-8"
    )
    out = tmp_path / "out"
    status, _, err = main(capsys, "run", "baseline", "--snapshot", str(bad), "--reps", "1", "--out", str(out))
    assert status == 2
    assert err.splitlines() == [
        "error: the snapshot has 3 problem(s); nothing was run:",
        f"{bad}/units.csv: line 2: status: unit 1 is let, but no tenancy in tenancies.csv is on it",
        f"{bad}/tenancies.csv: line 2: unit_id: 99 is not in units.csv",
        f"{bad}/former.csv: line 3: left_date: 2024-07-20 is after the snapshot's date 2024-06-30",
    ]
    assert not out.exists()


def test_the_snapshot_command_writes_a_snapshot_a_run_starts_from(tmp_path, capsys):
    """``snapshot`` writes the state of a replication on a date (the command in ``written_by``), refuses
    to overwrite one without ``--replace``, and a run starts from what it wrote on its date."""
    out = tmp_path / "snap"
    args = (
        "snapshot",
        str(ROOT / "tests" / "data" / "small.toml"),
        "--date",
        "2022-10-22",
        "--out",
        str(out),
    )
    status, printed, _ = main(capsys, *args)
    assert status == 0 and printed.startswith("snapshot of small on 2022-10-22: ")
    snap = read_snapshot(out)
    assert snap.date == datetime.date(2022, 10, 22)
    assert snap.written_by.startswith("python run.py snapshot ") and "--date 2022-10-22" in snap.written_by
    status, _, err = main(capsys, *args)
    assert status == 2 and err.startswith(f"error: {out}: holds a snapshot already (snapshot.toml, ")
    assert main(capsys, *args, "--replace")[0] == 0
    params = load_scenario(BASELINE).with_overrides({"start.snapshot": str(out), "calendar.horizon_years": 1})
    r = simulate(params, 3)
    assert r.daily["date"].iloc[0] == pd.Timestamp("2022-10-22")
    tenants, day0 = int(snap.tenancies["transition_until"].isna().sum()), r.daily.iloc[0]
    assert day0["tenants"] <= tenants <= day0["tenants"] + day0["exits"]  # the leases on the date


def test_art11_an_application_in_review_on_the_date_is_reviewed_within_8_working_days_from_it(tmp_path):
    """Art. 11: 整个审核流程应在8个工作日内完成. An application the snapshot holds in review (no certificate)
    is reviewed from the date, as if received then (the snapshot does not say how far it had come): its
    review ends after the date and within 8 working days of it."""
    as_date = lambda d: DATE + datetime.timedelta(days=d)  # noqa: E731
    waiting = [(2, *FAMILY, 0, 1, as_date(-3), None, None)]
    r = _start(tmp_path, [(1, *UNIT, "vacant", None)], [], waiting)
    row = r.households.iloc[0]
    params = load_scenario(BASELINE)
    v = params.resolved(0)
    cal = WorkCalendar(DATE, 400, v["calendar.holidays"], v["calendar.makeup_workdays"])
    assert 0.0 < row["review_day"] <= cal.add_working_days(0.0, 8)
    assert row["receipt_day"] == 0.0 and row["initial"]
