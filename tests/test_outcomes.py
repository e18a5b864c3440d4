"""The summary figures that tell allocation mechanisms apart (``sim.records.MECHANISM_FIGURES``): each on
small hand-built tables with a known answer, with nothing to count (NaN, not a crash), and on a short run,
where they must agree with the tables they come from."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import load_scenario, simulate
from sim.households import HOUSEHOLD_COLUMNS, HOUSEHOLD_DTYPES
from sim.records import (
    GROUPS,
    MECHANISM_FIGURES,
    OFFER_COLUMNS,
    PUBLISHED_WAITS,
    SUMMARY_FIGURES,
    in_force,
    need_score,
    summarise,
)

ROOT = Path(__file__).resolve().parents[1]
WARMUP = 10  # days
N_DAYS = 1000
#: The hand-built tables' rules: a 10-day warm-up, every application in the cohort, cells of 2.
RULES = {"analysis.warmup_days": WARMUP, "analysis.cohort_margin_days": 0, "analysis.min_cell": 2}


@pytest.fixture(scope="module")
def params():
    return load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(RULES)


def households(*rows: dict) -> pd.DataFrame:
    """Episodes applied on day 20 and qualified on day 30, single, other sector, with no housing; each row
    overrides what it names."""
    blank = {
        c: (np.nan if t == "float64" else False if t == "bool" else 0)
        for c, t in zip(HOUSEHOLD_COLUMNS, HOUSEHOLD_DTYPES, strict=True)
    }
    base = blank | {
        "kind": "single",
        "size": 1,
        "applied_day": 20.0,
        "qualified_day": 30.0,
        "area_per_capita": 0.0,
    }
    return pd.DataFrame([base | r for r in rows], columns=list(HOUSEHOLD_COLUMNS))


def housed(wait: float, **more) -> dict:
    """An episode that moved in ``wait`` days after applying, into a unit of 35 m²."""
    return {"moved_in_day": 20.0 + wait, "unit_living_area": 35.0, **more}


def daily(vacant=(), move_ins=()) -> pd.DataFrame:
    """``N_DAYS`` days of 100 units; ``vacant`` and ``move_ins``: (day, count) pairs (0 otherwise)."""
    d = pd.DataFrame({"day": np.arange(N_DAYS), "units_total": 100, "waiting": 0, "applications": 0})
    d["units_vacant"] = 0
    d["move_ins"] = 0
    for col, pairs in (("units_vacant", vacant), ("move_ins", move_ins)):
        for day, n in pairs:
            d.loc[day, col] = n
    d["units_occupied"] = d["units_total"] - d["units_vacant"]
    for w in PUBLISHED_WAITS:  # the published waits are tested in test_published_waits.py
        d[w] = np.nan
    return d


def offers(*pairs: tuple[float, bool]) -> pd.DataFrame:
    """Offers as (day, accepted)."""
    rows = [(day, 1, 0, 1, 1, "one_bed", accepted) for day, accepted in pairs]
    return pd.DataFrame(rows, columns=list(OFFER_COLUMNS))


def figures(params, hh, d=None, o=None) -> dict:
    return summarise(hh, daily() if d is None else d, offers() if o is None else o, {}, N_DAYS, params)


def test_the_mechanism_figures_are_summary_figures():
    assert set(MECHANISM_FIGURES) <= set(SUMMARY_FIGURES)


# ---------------------------------------------------------------- each figure, known answers


def test_wait_group_gap_is_the_longest_less_the_shortest_group_mean_over_groups_not_suppressed(params):
    hh = households(housed(100), housed(100), housed(300, kind="family"), housed(300, kind="family"))
    out = figures(params, hh)
    # single 100, family 300, other sectors 200; employer staff and priority sectors housed none
    assert out["wait_group_gap"] == pytest.approx(200.0)
    # Art. 27: with cells of 3, only the other sectors (4 housed) are shown: no gap
    assert math.isnan(figures(params.with_overrides({"analysis.min_cell": 3}), hh)["wait_group_gap"])


def test_declines_per_let_counts_the_offers_from_the_warm_up_on(params):
    o = offers(
        (5.0, False), (5.0, True), (12.0, False), (13.0, False), (14.0, False), (15.0, True), (16.0, True)
    )
    assert figures(params, households(), o=o)["declines_per_let"] == pytest.approx(3 / 2)
    assert math.isnan(figures(params, households(), o=offers((12.0, False)))["declines_per_let"])
    assert math.isnan(figures(params, households())["declines_per_let"])


def test_vacancy_days_per_let_is_vacant_unit_days_over_lets_after_the_warm_up(params):
    vacant = [(day, 5) for day in range(WARMUP + 10)]  # 5 units empty on days 0-19, 10 of them after
    d = daily(vacant=vacant, move_ins=[(3, 7), (12, 1), (15, 3)])
    out = figures(params, households(), d=d)
    assert out["vacancy_days_per_let"] == pytest.approx(5 * 10 / 4)
    # the same by the occupancy rate: (1 - occupancy) x units x days / lets
    after = d[d["day"] >= WARMUP]
    by_occupancy = (1 - (after["units_occupied"] / after["units_total"]).mean()) * 100 * len(after) / 4
    assert out["vacancy_days_per_let"] == pytest.approx(by_occupancy)
    assert math.isnan(figures(params, households(), d=daily(vacant=vacant))["vacancy_days_per_let"])


def test_need_score_counts_size_sector_key_employer_and_area_below_the_line_not_waiting(params):
    hh = households(
        {"size": 2, "priority": True, "key_employer": True, "area_per_capita": 5.0},
        {"size": 1, "area_per_capita": 20.0, "applied_day": 500.0},  # above the line: no crowding points
    )
    assert need_score(hh, params).tolist() == [2 * 2 + 3 + 3 + 0.5 * 10, 2.0]
    line16 = params.with_overrides({"analysis.need_area_line_m2": 16.0, "analysis.need_per_person": 1.0})
    assert need_score(hh, line16).tolist() == [2 + 3 + 3 + 0.5 * 11, 1.0]


def test_lets_high_need_share_is_the_share_of_lets_above_the_qualified_upper_quartile(params):
    crowded = {"size": 4, "area_per_capita": 15.0}  # score 8; the singles with 15 m² score 2
    hh = households(
        {**housed(100), "area_per_capita": 15.0},
        {"area_per_capita": 15.0},
        {"area_per_capita": 15.0},
        housed(100, **crowded),
        {**housed(100), "area_per_capita": 15.0, "qualified_day": 5.0},  # qualified in the warm-up
    )
    # upper quartile of the scores qualified after the warm-up (2, 2, 2, 8): 3.5; lets: scores 2, 8, 2
    assert figures(params, hh)["lets_high_need_share"] == pytest.approx(1 / 3)
    # ties at the quartile are not high need
    ties = households({"area_per_capita": 15.0}, housed(50, area_per_capita=15.0))
    assert figures(params, ties)["lets_high_need_share"] == 0.0
    assert math.isnan(figures(params, households(housed(50, qualified_day=5.0)))["lets_high_need_share"])


def test_living_area_a_person_of_lets_and_the_share_above_four_times_the_standard(params):
    hh = households(housed(100, unit_living_area=52.0), housed(100, size=4, unit_living_area=52.0), {})
    out = figures(params, hh)
    assert out["let_area_per_person_mean"] == pytest.approx((52 + 13) / 2)
    assert out["lets_oversized_share"] == pytest.approx(1 / 2)  # 52 > 4 x 5 m²; 13 is not
    # the standard in force on the move-in day (Art. 7): at 15 m², 52 is not above 60
    stricter = figures(params.with_overrides({"allocation.min_living_area_m2_per_person": 15.0}), hh)
    assert stricter["lets_oversized_share"] == 0.0
    none = figures(params, households({}))
    assert math.isnan(none["let_area_per_person_mean"]) and math.isnan(none["lets_oversized_share"])


def test_housed_within_validity_counts_move_ins_up_to_the_same_date_two_years_after_qualifying(params):
    # qualified on day 30 (2021-11-21): the validity runs to 2023-11-21, day 760 (730 days later)
    hh = households({"moved_in_day": 760.0}, {"moved_in_day": 760.5}, {}, {"qualified_day": np.nan})
    assert figures(params, hh)["housed_within_validity_share"] == pytest.approx(1 / 3)
    three = figures(params.with_overrides({"queue.validity_years": 3}), hh)
    assert three["housed_within_validity_share"] == pytest.approx(2 / 3)
    assert math.isnan(figures(params, households({"qualified_day": np.nan}))["housed_within_validity_share"])


def test_a_dated_value_is_in_force_from_its_day():
    successor = load_scenario(ROOT / "scenarios" / "successor_2026.toml")
    change = successor.change_days()[0]
    days = np.array([-5.0, 0.0, change - 0.5, change, change + 0.5])
    assert in_force(successor, "queue.validity_years", days).tolist() == [2, 2, 2, 3, 3]


def test_with_nothing_let_or_qualified_every_mechanism_figure_is_nan(params):
    out = figures(params, households({"qualified_day": np.nan}))
    assert all(math.isnan(out[f]) for f in MECHANISM_FIGURES), {f: out[f] for f in MECHANISM_FIGURES}
    # a household qualified but not housed counts: none within the validity
    assert figures(params, households({}))["housed_within_validity_share"] == 0.0


# ---------------------------------------------------------------- on a short run


@pytest.fixture(scope="module")
def small_run():
    params = load_scenario(ROOT / "tests" / "data" / "small.toml")
    return params, simulate(params, seed=3)


def test_a_run_summary_holds_the_mechanism_figures_and_they_agree_with_its_tables(small_run):
    params, r = small_run
    s, o, d = r.summary, r.offers, r.daily
    warmup = params.warmup_days
    assert all(f in s and math.isfinite(s[f]) for f in MECHANISM_FIGURES), s
    after = o[o["day"] >= warmup]
    assert s["declines_per_let"] == (~after["accepted"]).sum() / after["accepted"].sum()
    late = d[d["day"] >= warmup]
    assert s["vacancy_days_per_let"] == pytest.approx(
        (late["units_total"] - late["units_occupied"]).sum() / late["move_ins"].sum()
    )
    shown = [s[f"wait_mean_{g}"] for g in GROUPS if s[f"housed_{g}"] >= params.value("analysis.min_cell")]
    assert s["wait_group_gap"] == pytest.approx(max(shown) - min(shown))
    # Art. 7: every let meets the standard, so the mean does too
    assert s["let_area_per_person_mean"] >= params.value("allocation.min_living_area_m2_per_person")
    for f in ("lets_high_need_share", "lets_oversized_share", "housed_within_validity_share"):
        assert 0.0 <= s[f] <= 1.0
    # housed within the validity: no more than the cohort's qualified households that moved in at all
    assert s["housed_within_validity_share"] <= 1.0 - s["lapse_rate"]
    # the daily table: declines add up to the offers declined; units ready to let are among the vacant
    assert d["declines"].sum() == (~o["accepted"]).sum()
    assert (d["units_ready"] <= d["units_vacant"]).all() and (d["units_ready"] >= 0).all()
