"""The engine as a whole: reproducibility, common random numbers, no state shared between replications,
and the audit of the SPEC's invariants on every shipped scenario (and that the audit can fail)."""

from __future__ import annotations

import datetime
import gc
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS

from sim import audit, load_scenario, simulate
from sim.calendar import MONTH_DAYS
from sim.context import Context
from sim.households import Employer, Household
from sim.model import HousingModel
from sim.records import RecordTable
from sim.streams import INDEXED, STREAM_NAMES, Normals, Stream, Streams

ROOT = Path(__file__).resolve().parents[1]
SHORT = {"calendar.horizon_years": 4}

#: What describes a new application, independent of everything that happens to it afterwards.
ARRIVAL_COLUMNS = [
    "household_id",
    "applied_day",
    "kind",
    "size",
    "sector",
    "priority",
    "frontline",
    "key_employer",
]


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


@pytest.fixture(scope="module")
def baseline_run(baseline):
    return simulate(baseline, seed=1)


def new_applications(result) -> pd.DataFrame:
    hh = result.households
    return hh[(hh["episode"] == 0) & ~hh["initial"]][ARRIVAL_COLUMNS].reset_index(drop=True)


@pytest.mark.slow
def test_same_scenario_and_seed_give_identical_output(baseline):
    params = baseline.with_overrides(SHORT)
    a = simulate(params, seed=7)
    simulate(params, seed=8)  # another replication in between shares nothing with the next
    b = simulate(params, seed=7)
    pd.testing.assert_frame_equal(a.households, b.households)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    assert a.summary == pytest.approx(b.summary, nan_ok=True)


def test_different_seeds_differ(baseline):
    params = baseline.with_overrides(SHORT)
    assert not simulate(params, seed=1).daily.equals(simulate(params, seed=2).daily)


def test_a_cap_change_leaves_the_stream_of_new_applications_identical(baseline):
    """Common random numbers: the baseline and lease.max_total_years = 8 with one seed receive the very
    same applications (times, kinds, sizes, sectors), while their outcomes differ."""
    base = simulate(baseline.with_overrides(SHORT), seed=3)
    cap8 = simulate(baseline.with_overrides({**SHORT, "lease.max_total_years": 8}), seed=3)
    pd.testing.assert_frame_equal(new_applications(base), new_applications(cap8))
    assert base.summary["exits_cap"] != cap8.summary["exits_cap"]


def test_replications_do_not_keep_models_alive(baseline):
    """Mesa 3.3.1 keeps every model in ``Agent._ids`` (NOTES.md): the engine must release it."""
    params = baseline.with_overrides({"calendar.horizon_years": 1})
    for seed in range(3):
        simulate(params, seed=seed)
    gc.collect()
    assert not [m for m in mesa.Agent._ids if isinstance(m, HousingModel)]
    assert not [o for o in gc.get_objects() if isinstance(o, HousingModel)]


#: Scenarios too large to run in full in the test suite, shortened for the invariants (the city's first
#: quarter still has over 150,000 households).
SHORTENED = {"shanghai.toml": {"calendar.horizon_years": 0.25}}


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.relative_to(ROOT / "scenarios").as_posix())
def test_every_shipped_scenario_satisfies_the_invariants(path, baseline_run, baseline):
    params = load_scenario(path).with_overrides(SHORTENED.get(path.name, {}))
    result = baseline_run if path.name == "baseline.toml" else simulate(params, seed=1)
    assert audit(result, params) == []


def test_daily_table_columns(baseline_run):
    """SPEC, "What a run produces": the daily table's columns."""
    expected = [
        "day",
        "date",
        "units_total",
        "units_occupied",
        "units_vacant",
        "in_review",
        "waiting",
        "in_transition",
        "applications",
        "qualifications",
        "move_ins",
        "exits",
        "lapses",
    ]
    assert set(expected) <= set(baseline_run.daily.columns)
    assert len(baseline_run.daily) == baseline_run.n_days


def test_baseline_reaches_the_supply_target(baseline_run):
    """Art. 8 and the 14th five-year plan: 5,000 units on line by 2025-12-31."""
    d = baseline_run.daily
    on_target = d.loc[d["date"] == pd.Timestamp("2025-12-31"), "units_total"].iloc[0]
    before = d.loc[d["date"] == pd.Timestamp("2025-12-30"), "units_total"].iloc[0]
    assert on_target == 5000 and before < 5000


# --- the audit can fail: corrupt one output at a time ------------------------------------------


def corrupted(result, **tables):
    return type(result)(**{**result.__dict__, **tables})


def names(violations):
    return {v.split(":")[0] for v in violations}


def test_audit_catches_a_tenancy_over_the_cap(baseline_run, baseline):
    hh = baseline_run.households.copy()
    last = hh.groupby("household_id")["episode"].transform("max") == hh["episode"]
    i = hh.index[(hh["outcome"] == "exited") & last][0]
    hh.loc[i, "total_tenure_days"] = 6 * 366  # longer than any 6 calendar years
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"cap"}


def test_audit_catches_a_wait_past_validity(baseline_run, baseline):
    hh = baseline_run.households.copy()
    i = hh.index[hh["left_queue_day"].notna()][0]
    hh.loc[i, "left_queue_day"] = hh.loc[i, "certificate_day"] + 2 * 366  # longer than any 2 calendar years
    assert "validity" in names(audit(corrupted(baseline_run, households=hh), baseline))


def test_audit_catches_a_late_review(baseline_run, baseline):
    hh = baseline_run.households.copy()
    i = hh.index[hh["review_day"].notna()][0]
    hh.loc[i, "review_day"] = hh.loc[i, "receipt_day"] + 14
    assert "review_time" in names(audit(corrupted(baseline_run, households=hh), baseline))


def test_audit_catches_an_application_during_a_ban(baseline_run, baseline):
    hh = baseline_run.households.copy()
    again = hh.groupby("household_id")["episode"].transform("max") > 0
    i = hh.index[again & (hh["episode"] == 0)][0]
    hh.loc[i, "banned_until_day"] = hh.loc[i + 1, "applied_day"] + 10
    assert "bans" in names(audit(corrupted(baseline_run, households=hh), baseline))


def test_audit_catches_a_forced_exit_housed_again_within_its_ban(baseline_run, baseline):
    """Art. 23(2): a household whose lease was ended applies again a year after handing the unit back,
    with its recorded ban cleared (so only the forced-exit check can see it)."""
    hh = baseline_run.households.copy()
    nxt = hh.groupby("household_id")["applied_day"].shift(-1)
    i = hh.index[hh["exit_reason"].isin(["subletting", "absence", "arrears", "nuisance"]) & nxt.notna()][0]
    hh.loc[i, "banned_until_day"] = np.nan
    hh.loc[i, "transition_end_day"] = np.nan
    hh.loc[i, "exit_day"] = hh.loc[i + 1, "applied_day"] - 365
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"forced_exit_ban"}
    assert "forced_exit_ban" not in names(audit(baseline_run, baseline))


@pytest.mark.parametrize(("gap_days", "caught"), [(1826, True), (1827, False)])
def test_audit_counts_the_forced_exit_ban_in_calendar_years(baseline_run, baseline, gap_days, caught):
    """Order No. 11, Art. 36: 自退回公共租赁住房之日起五年内不得再次申请 (Art. 23(2)). A unit handed back on
    3 June 2019 bars its household to 3 June 2024, 1,827 days later across two 29 Februaries: applying
    again 1,826 days after the handover is caught, 1,827 days after is not."""
    hh = baseline_run.households.copy()
    nxt = hh.groupby("household_id")["applied_day"].shift(-1)
    i = hh.index[hh["exit_reason"].isin(["subletting", "absence", "arrears", "nuisance"]) & nxt.notna()][0]
    again = (datetime.date(2024, 6, 3) - baseline.start_date).days + 0.5
    hh.loc[i + 1, "applied_day"] = again
    hh.loc[i, ["banned_until_day", "transition_end_day"]] = np.nan
    hh.loc[i, "exit_day"] = again - gap_days
    assert ("forced_exit_ban" in names(audit(corrupted(baseline_run, households=hh), baseline))) is caught


def test_audit_catches_more_reviews_ending_on_a_day_than_the_staff_can_do(baseline):
    """Art. 11: with ``review.capacity_per_working_day`` finite (3 here, below the files received), at
    most that many reviews end on a working day, and reviews past the limit are figures, not violations;
    a fourth review moved onto a full day is caught."""
    params = baseline.with_overrides({"calendar.horizon_years": 2, "review.capacity_per_working_day": 3})
    run = simulate(params, seed=1)
    assert run.summary["reviews_over_limit"] > 0
    assert "review_time" not in names(audit(run, params))
    hh = run.households.copy()
    ends = np.floor(hh["review_day"])
    full = ends.value_counts().index[0]
    i = hh.index[hh["review_day"].notna() & (ends != full)][0]
    hh.loc[i, "review_day"] = full + 0.5
    assert "review_time" in names(audit(corrupted(run, households=hh), params))


def test_audit_catches_staff_moving_in_after_their_employer_left(baseline_run, baseline):
    hh = baseline_run.households.copy()
    i = hh.index[hh["moved_in_day"].notna() & hh["employer_left_day"].notna()][0]
    hh.loc[i, "employer_left_day"] = hh.loc[i, "moved_in_day"] - 1
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"employer_gone"}
    assert "employer_gone" not in names(audit(baseline_run, baseline))


def test_audit_catches_a_lease_rent_above_market(baseline_run, baseline):
    """Art. 21: 租金按略低于市场评估价格的标准执行."""
    hh = baseline_run.households.copy()
    i = hh.index[hh["moved_in_day"].notna()][0]
    hh.loc[i, "rent"] = hh.loc[i, "market_rent"] + 1
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"rent_below_market"}
    assert "rent_below_market" not in names(audit(baseline_run, baseline))


def test_audit_catches_a_transition_longer_than_art24_allows(baseline_run, baseline):
    """Art. 24(2)-(3): a stay after the lease lasts 6 months, or up to 3 months after the delivery of an
    off-plan home (bounded) for a tenant whose renewal re-review failed for the purchase. A 6-month stay
    stretched by a day, an off-plan stay stretched past the latest delivery, and a stay still running at
    the horizon years after the lease ended are all caught."""
    hh = baseline_run.households.copy()
    assert "transition_length" not in names(audit(baseline_run, baseline))
    stays = hh["transition_end_day"].notna()
    offplan = hh["rejected_reason"].isin(["renewal_offplan_purchase"])
    i = hh.index[stays & ~offplan & ~hh["capped_stay"]][0]
    hh.loc[i, "transition_end_day"] += 1
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"transition_length"}
    hh = baseline_run.households.copy()
    i = hh.index[stays & offplan][0]
    hh.loc[i, "transition_end_day"] = hh.loc[i, "exit_day"] + (36 + 3) * MONTH_DAYS + 1
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"transition_length"}
    hh = baseline_run.households.copy()  # a stay that never ends: still there at the horizon
    i = hh.index[stays & ~offplan & ~hh["capped_stay"] & (hh["exit_day"] < 1000)][0]
    hh.loc[i, ["transition_end_day", "outcome"]] = (np.nan, "ongoing")
    assert names(audit(corrupted(baseline_run, households=hh), baseline)) >= {"transition_length"}


def test_audit_catches_two_households_in_one_unit(baseline_run, baseline):
    hh = baseline_run.households.copy()
    tenants = hh.index[(hh["unit_id"] >= 0) & hh["exit_day"].notna() & (hh["moved_in_day"] > 0)]
    a, b = tenants[0], tenants[1]
    hh.loc[b, "unit_id"] = hh.loc[a, "unit_id"]
    hh.loc[b, "left_queue_day"] = hh.loc[a, "moved_in_day"] + 1
    hh.loc[b, "moved_in_day"] = hh.loc[a, "moved_in_day"] + 2
    assert "one_household_per_unit" in names(audit(corrupted(baseline_run, households=hh), baseline))


def test_audit_catches_daily_counts_that_do_not_reconcile(baseline_run, baseline):
    daily = baseline_run.daily.copy()
    daily.loc[100, "move_ins"] += 1
    daily.loc[200, "waiting"] += 1
    daily.loc[300, "units_occupied"] = daily.loc[300, "units_total"] + 1
    found = names(audit(corrupted(baseline_run, daily=daily), baseline))
    assert {"daily_reconciles", "occupied_within_total"} <= found


def daily_violations(result, params, daily) -> list[str]:
    return [v for v in audit(corrupted(result, daily=daily), params) if v.startswith("daily_reconciles")]


@pytest.mark.parametrize("column", ["tenants", "in_transition", "units_occupied", "waiting", "exits"])
def test_audit_catches_a_daily_count_off_on_any_one_day(baseline_run, baseline, column):
    """SPEC: counts in ``daily`` reconcile with ``households`` on every day of the run: one count off by
    one on a single day (not the first, not a round one) is caught, a stock and a flow alike."""
    daily = baseline_run.daily.copy()
    day = 1237
    daily.loc[day, column] += 1
    found = daily_violations(baseline_run, baseline, daily)
    assert any(f"{column} differ on 1 days; day {day}:" in v for v in found), found


def test_audit_catches_a_move_in_after_the_last_daily_row(baseline_run, baseline):
    """SPEC: a run of N years ends on the same date N years after it starts; nothing happens after the last
    row of the daily table."""
    hh = baseline_run.households.copy()
    i = hh.index[hh["moved_in_day"].notna() & hh["exit_day"].isna() & ~hh["initial"]][0]
    hh.loc[i, "moved_in_day"] = baseline_run.n_days + 0.2
    assert "run_dates" in names(audit(corrupted(baseline_run, households=hh), baseline))


def test_audit_catches_a_daily_table_that_stops_short(baseline_run, baseline):
    daily = baseline_run.daily.iloc[:-1]
    assert {"run_dates", "daily_reconciles"} <= names(audit(corrupted(baseline_run, daily=daily), baseline))


@pytest.mark.parametrize(
    ("start", "years", "last"),
    [
        ("2021-10-22", 10, "2031-10-21"),
        ("2021-10-22", 1, "2022-10-21"),
        ("2021-10-22", 0.5, "2022-04-21"),
        ("2024-02-29", 1, "2025-02-27"),  # 29 February plus a year is 28 February: the run ends that day
    ],
)
def test_a_run_of_n_years_ends_on_the_same_date_n_years_later(baseline, start, years, last):
    """SPEC: a run of N years ends on the same date N years after it starts: the daily table has one row for
    each day up to the day before, and every move-in and exit of the households table falls on one of them."""
    small = {"supply.initial_units": 100, "supply.target_units": 100, "arrivals.applications_per_year": 300}
    params = baseline.with_overrides({**small, "calendar.start_date": start, "calendar.horizon_years": years})
    r = simulate(params, seed=1)
    d = r.daily
    assert d["date"].iloc[0] == pd.Timestamp(start) and d["date"].iloc[-1] == pd.Timestamp(last)
    assert (d["day"] == np.arange(len(d))).all() and len(d) == r.n_days
    for col in ("moved_in_day", "exit_day", "applied_day", "left_queue_day", "transition_end_day"):
        assert (r.households[col].dropna() < r.n_days).all()
    assert audit(r, params) == []


def test_audit_catches_an_offer_out_of_order(baseline, baseline_run):
    """Give a household served later the key-employer seniority credit (Art. 9: 180 days in the baseline)
    while it was already waiting and had applied less than 180 days after an ordinary household served
    before it: that earlier offer is then out of order."""
    offers = baseline_run.offers
    hh = baseline_run.households.copy()
    weight = baseline.value("allocation.key_employer_weight")
    ordinary = hh.loc[~hh["key_employer"], ["household_id", "episode", "receipt_day"]]
    accepted = offers[offers["accepted"]].merge(ordinary, on=["household_id", "episode"])
    first = accepted[accepted["day"] > 400].iloc[0]
    later = accepted[
        (accepted["day"] > first["day"] + 30)
        & (accepted["unit_type"] == first["unit_type"])
        & (accepted["receipt_day"] < first["receipt_day"] + weight)
    ].iloc[0]
    b = (hh["household_id"] == later["household_id"]) & (hh["episode"] == later["episode"])
    hh.loc[b, "qualified_day"] = first["day"] - 1
    hh.loc[b, "key_employer"] = True
    assert "order_of_offers" in names(audit(corrupted(baseline_run, households=hh), baseline))


def test_records_kept_in_compact_chunks_equal_the_rows():
    """The episode table is kept as numpy chunks (sim.records.RecordTable); however the rows fall into
    chunks, the table is the same."""
    params = load_scenario(ROOT / "tests" / "data" / "small.toml")
    whole = simulate(params, seed=4)
    original = RecordTable.__init__.__defaults__
    RecordTable.__init__.__defaults__ = (7,)  # chunks of 7 rows: many, and a partial last one
    try:
        chunked = simulate(params, seed=4)
    finally:
        RecordTable.__init__.__defaults__ = original
    assert len(whole.households) > 100
    pd.testing.assert_frame_equal(whole.households, chunked.households)
    pd.testing.assert_frame_equal(whole.offers, chunked.offers)


def test_households_gone_for_good_leave_the_model_and_so_do_their_employers():
    """A household that will not apply again is deregistered, and an employer with its last staff
    household: nothing that has left keeps objects alive in Mesa's registry (a city run has over a
    million episodes)."""
    model = HousingModel(load_scenario(ROOT / "tests" / "data" / "small.toml"), seed=2)
    model.run()
    registered = list(model._agents)
    households = [a for a in registered if isinstance(a, Household)]
    employers = [a for a in registered if isinstance(a, Employer)]
    staffed = {id(h.employer) for h in households if h.employer is not None}
    assert employers and all(id(e) in staffed for e in employers)
    assert all(e.staff == sum(h.employer is e for h in households) for e in employers)
    finished = set(model.rows.frame()["household_id"])
    assert finished - {h.unique_id for h in households}  # households gone for good are off the registry
    model.finish()
    assert not model._agents


def test_the_model_is_what_its_processes_may_touch():
    """``sim.context.Context`` lists what a process may use of the model; the model has all of it (by its
    shape: it does not inherit from it), and every random stream is declared on ``Streams``."""
    model = HousingModel(load_scenario(ROOT / "tests" / "data" / "small.toml"), seed=2)
    assert isinstance(model, Context) and Context not in type(model).__mro__
    assert tuple(Streams.__annotations__) == STREAM_NAMES
    kinds = {name: Normals if name in INDEXED else Stream for name in STREAM_NAMES}
    assert all(isinstance(getattr(model.streams, name), kind) for name, kind in kinds.items())
    model.finish()


def test_every_household_is_counted_in_one_state_from_the_start():
    """The household factory (``HousingModel.new_household``) counts each household as idle when it joins,
    so the state counts always add up to the households the model has made."""
    model = HousingModel(load_scenario(ROOT / "tests" / "data" / "small.toml"), seed=2)
    model.run()
    alive = {a.unique_id for a in model._agents if isinstance(a, Household)}
    made = alive | set(model.rows.frame()["household_id"])  # one gone for good has recorded its episodes
    assert sum(model.state_counts.values()) == len(made)
    model.finish()
