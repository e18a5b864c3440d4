"""The wait figures a bureau publishes (``sim.records``: ``published_wait_12m``, ``waited_so_far``): on small
hand-built tables with known answers, the 12-month window's both edges, NaN with nothing to count, the two
moving in opposite directions when a backlog is housed at once, and on short runs against a brute-force
count of the engine's own state each day."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario
from sim.households import HOUSEHOLD_COLUMNS, HOUSEHOLD_DTYPES, WAITING, Household
from sim.model import HousingModel
from sim.records import (
    DAY_END,
    OFFER_COLUMNS,
    PUBLISHED_WAIT_DAYS,
    PUBLISHED_WAITS,
    SUMMARY_FIGURES,
    daily_table,
    households_table,
    offers_table,
    published_wait_12m,
    waited_so_far,
)

ROOT = Path(__file__).resolve().parents[1]
N_DAYS = 600


def households(*rows: dict) -> pd.DataFrame:
    """Episodes numbered from household 1, episode 0, not initial; each row gives its days."""
    blank = {
        c: (np.nan if t == "float64" else False if t == "bool" else 0)
        for c, t in zip(HOUSEHOLD_COLUMNS, HOUSEHOLD_DTYPES, strict=True)
    }
    return pd.DataFrame(
        [blank | {"household_id": i} | r for i, r in enumerate(rows, start=1)],
        columns=list(HOUSEHOLD_COLUMNS),
    )


def offers(*rows: tuple[float, int, bool]) -> pd.DataFrame:
    """Offers ``(day, household_id, accepted)``, all of episode 0."""
    data = [(day, who, 0, 0, 0, "1b", ok) for day, who, ok in rows]
    return pd.DataFrame(data, columns=list(OFFER_COLUMNS))


def test_the_published_waits_are_daily_columns_and_their_last_day_a_summary_figure():
    assert all(f"{w}_end" in SUMMARY_FIGURES for w in PUBLISHED_WAITS)
    assert PUBLISHED_WAIT_DAYS == 365


def test_published_wait_is_application_to_first_offer_of_those_housed_in_the_past_365_days():
    """Hong Kong's average waiting time: application to the first offer (not the one accepted), of the
    households housed (moved in) in the 12 months up to and including the day. A move-in 364 days before
    the day is counted, one 365 days before is not."""
    hh = households(
        {"applied_day": 10.0, "moved_in_day": 60.0},  # first offer on day 40: waited 30
        {"applied_day": 0.0, "moved_in_day": 100.5},  # offered on day 100: waited 100
        # from the initial waiting list: no application day, counted from its receipt
        {"initial": True, "receipt_day": -200.0, "moved_in_day": 300.0},  # waited 210 to day 10
        {"initial": True, "moved_in_day": 0.0},  # a tenancy the run began with: no offer, not counted
        {"applied_day": 5.0, "moved_in_day": 250.0, "episode": 1},  # its episode 0 had the offer below
    )
    o = offers((40.0, 1, False), (50.0, 1, True), (100.0, 2, True), (10.0, 3, True), (7.0, 5, True))
    got = published_wait_12m(hh, o, N_DAYS)
    assert np.isnan(got[:60]).all()  # none housed yet
    assert got[60] == 30.0
    assert got[100] == 65.0
    assert got[300] == pytest.approx((30.0 + 100.0 + 210.0) / 3)
    assert got[60 + 364] == pytest.approx((30.0 + 100.0 + 210.0) / 3)  # 364 days after: counted
    assert got[60 + 365] == pytest.approx((100.0 + 210.0) / 2)  # 365 days after: not counted
    assert got[100 + 365] == 210.0
    assert np.isnan(got[300 + 365 :]).all()


def test_time_waited_so_far_is_from_application_to_the_days_end_of_those_on_the_waiting_list():
    """Households on the waiting list (qualified, 轮候) at the day's end, from application to d + 1;
    an application in review is not on it; an initial one counts from its receipt."""
    hh = households(
        {"applied_day": 10.0, "qualified_day": 20.0, "certificate_day": 20.0, "left_queue_day": 60.0},
        {"initial": True, "receipt_day": -100.0, "qualified_day": -50.0, "certificate_day": -50.0},
        {"applied_day": 30.0, "review_day": 45.0},  # in review, then rejected: never waiting
        # qualified on day 50, re-issued on day 80: waits from its application, on the list from day 50
        {"applied_day": 40.0, "qualified_day": 50.5, "certificate_day": 80.0},
    )
    got = waited_so_far(hh, 100)
    assert got[0] == 101.0  # only the initial household, since its receipt
    assert got[19] == 120.0
    assert got[20] == (21.0 - 10.0 + 121.0) / 2  # on the list from its certificate on day 20
    assert got[50] == pytest.approx((51.0 - 10.0 + 151.0 + 51.0 - 40.0) / 3)
    assert got[59] == pytest.approx((60.0 - 10.0 + 160.0 + 60.0 - 40.0) / 3)
    assert got[60] == pytest.approx((161.0 + 61.0 - 40.0) / 2)  # left the list on day 60
    assert got[99] == pytest.approx((200.0 + 100.0 - 40.0) / 2)


def test_with_none_housed_or_waiting_both_are_nan():
    hh = households({"applied_day": 10.0, "review_day": 20.0})
    assert np.isnan(published_wait_12m(hh, offers(), N_DAYS)).all()
    assert np.isnan(waited_so_far(hh, N_DAYS)).all()
    assert np.isnan(published_wait_12m(hh.iloc[:0], offers(), N_DAYS)).all()


def test_housing_a_backlog_raises_the_published_wait_and_shortens_the_time_waited_so_far():
    """The two figures can move in opposite directions: 20 households waiting since day 0 are housed at
    once on day 400, after a year in which newcomers were housed within 30 days."""
    backlog = [
        {"applied_day": 0.0, "qualified_day": 10.0, "certificate_day": 10.0, "left_queue_day": 400.0}
        | {"moved_in_day": 401.0}
        for _ in range(20)
    ]
    quick = [
        {"applied_day": d, "qualified_day": d + 10, "certificate_day": d + 10, "left_queue_day": d + 30}
        | {"moved_in_day": d + 31}
        for d in range(0, 500, 20)
    ]
    hh = households(*backlog, *quick)
    o = offers(*((r["left_queue_day"], i, True) for i, r in enumerate([*backlog, *quick], start=1)))
    published, so_far = published_wait_12m(hh, o, N_DAYS), waited_so_far(hh, N_DAYS)
    assert published[402] > published[399] + 100  # the backlog's long waits now count
    assert so_far[402] < so_far[399] - 100  # and no longer wait


def daily_of(params, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Run ``params``, and at every day's end (as the engine samples its stocks) count by brute force the
    households in the waiting state and the time since their application (else receipt) to the day's
    end. Returns the daily, households and offers tables, and the brute-force means."""
    model = HousingModel(params, seed)
    brute = []

    def probe():
        for day in range(model.n_days):
            yield model.env.timeout(day + DAY_END - model.env.now)
            waits = [
                day + 1.0 - (h.receipt_time if math.isnan(h.applied_day) else h.applied_day)
                for h in model._agents
                if isinstance(h, Household) and h.state == WAITING
            ]
            brute.append(np.mean(waits) if waits else np.nan)

    model.env.process(probe())
    model.run()
    model.finish()
    hh, o = households_table(model.rows), offers_table(model.offer_log)
    daily = daily_table(model.daily_records(), params.start_date, o, hh)
    return daily, hh, o, brute


@pytest.mark.parametrize(
    "scenario, overrides",
    [
        (ROOT / "tests" / "data" / "small.toml", {}),
        # from the shipped snapshot: its waiting list, applications in review and tenancies
        ("forecast", {"calendar.horizon_years": 1}),
    ],
)
def test_the_daily_figures_agree_with_the_engine_and_the_tables(scenario, overrides):
    daily, hh, o, brute = daily_of(load_scenario(scenario).with_overrides(overrides), seed=3)
    so_far = daily["waited_so_far"].to_numpy()
    np.testing.assert_allclose(so_far, brute, rtol=1e-9, atol=1e-9)  # NaN in the same places
    assert np.isfinite(so_far).all()
    # the last day's published wait, from the tables directly
    last = len(daily) - 1
    first = {}
    for r in o.itertuples(index=False):
        key = (r.household_id, r.episode)
        first[key] = min(first.get(key, math.inf), r.day)
    waits = [
        first[(r.household_id, r.episode)] - (r.receipt_day if r.initial else r.applied_day)
        for r in hh.itertuples(index=False)
        if last - PUBLISHED_WAIT_DAYS < r.moved_in_day // 1 <= last and (r.household_id, r.episode) in first
    ]
    assert waits
    assert daily["published_wait_12m"].iloc[-1] == pytest.approx(np.mean(waits), rel=1e-9)
