"""Art. 16: the applicant chooses (申请人…办理选房手续). The choice model (``rules.Choice``,
``allocation.decline_chance``): the log-odds of declining an offered unit are logit(``decline_share``) plus
the household's taste, the project's appeal, and the terms of living area a person, rent and unit type.

Each term is checked on the model's own function with a stand-in household and unit, exactly; the model's
effect on a run by the declines it records.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from sim import load_scenario, simulate
from sim.allocation import decline_chance
from sim.rent import RentSchedule
from sim.rules import Rules
from sim.streams import Streams

ROOT = Path(__file__).resolve().parents[1]
TERMS = ("household_sd", "project_sd", "per_area_doubling", "per_1000_yuan")


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def rules(baseline, **choice) -> Rules:
    """The baseline's rules with every term of the choice model 0 but those given (``allocation.*``)."""
    zero = {f"allocation.choice_{k}": 0.0 for k in TERMS}
    return Rules(
        baseline.with_overrides({**zero, **{f"allocation.{k}": v for k, v in choice.items()}}).resolved(0)
    )


def chance(r: Rules, *, area=40.0, size=2, utype="two_bed", taste=0.0, appeal=0.0, market_m2=100.0):
    """The chance that a household of ``size`` with ``taste`` declines a unit of ``area`` m² of living area
    in a project of ``appeal``, the market rent being ``market_m2`` yuan a m² a month."""
    rents = RentSchedule(None, "2021-10-22", market_m2, 0.0)
    rents._by_day[0] = market_m2  # the appraisal in force on day 0
    m = SimpleNamespace(
        streams=SimpleNamespace(tastes={7: taste}, locations={3: appeal}),
        rents=rents,
        env=SimpleNamespace(now=0.0),
        r=r,
    )
    unit = SimpleNamespace(type=utype, living_area=area, project=3)
    return decline_chance(m, r.choice, unit, SimpleNamespace(unique_id=7, size=size))


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def test_art16_with_every_term_0_each_offer_is_declined_with_the_decline_share_alone(baseline):
    assert rules(baseline).choice is None  # the allocator then draws against decline_share itself
    assert rules(baseline, choice_type_shared_room=0.5).choice is not None


def test_art16_at_the_references_a_household_of_middling_taste_declines_with_the_decline_share(baseline):
    """40 m² for 2 persons is the 20 m² a person of the reference; rent 5,000 yuan a month is the
    reference rent (125 yuan a m², less the 0 discount set here)."""
    r = rules(
        baseline,
        decline_share=0.066,
        choice_household_sd=0.8,
        choice_project_sd=0.4,
        choice_per_area_doubling=-0.5,
        choice_per_1000_yuan=0.2,
    )
    r.discount = 0.0
    assert chance(r, market_m2=125.0) == pytest.approx(0.066, abs=1e-12)


@pytest.mark.parametrize(("taste", "appeal"), [(1.0, 0.0), (0.0, 1.0), (-2.0, 1.0)])
def test_art16_a_households_taste_and_a_projects_appeal_add_their_sd_times_their_draw(
    baseline, taste, appeal
):
    r = rules(baseline, decline_share=0.2, choice_household_sd=0.8, choice_project_sd=0.4)
    shift = logit(chance(r, taste=taste, appeal=appeal)) - logit(0.2)
    assert shift == pytest.approx(0.8 * taste + 0.4 * appeal, abs=1e-9)


@pytest.mark.parametrize(
    ("area", "size", "doublings"), [(40.0, 2, 0), (80.0, 2, 1), (40.0, 4, -1), (20.0, 1, 0)]
)
def test_art16_each_doubling_of_living_area_a_person_adds_its_term(baseline, area, size, doublings):
    r = rules(baseline, decline_share=0.2, choice_per_area_doubling=-0.5)
    shift = logit(chance(r, area=area, size=size)) - logit(0.2)
    assert shift == pytest.approx(-0.5 * doublings, abs=1e-9)


@pytest.mark.parametrize("market_m2", [100.0, 125.0, 150.0], ids=["below", "at", "above"])
def test_art16_rent_above_the_reference_adds_its_term_per_1000_yuan(baseline, market_m2):
    """The rent is the one published (Art. 21): 40 m² × the market rent × (1 − the discount, 0.1); the
    reference is that of 125 yuan a m², 4,500 yuan a month."""
    r = rules(baseline, decline_share=0.2, choice_per_1000_yuan=0.2, choice_reference_rent=4500.0)
    shift = logit(chance(r, market_m2=market_m2)) - logit(0.2)
    assert shift == pytest.approx(0.2 * (40 * 0.9 * market_m2 - 4500.0) / 1000.0, abs=1e-9)


def test_art16_a_unit_types_term_applies_to_that_type_only(baseline):
    r = rules(baseline, decline_share=0.2, choice_type_shared_room=1.5)
    assert logit(chance(r, utype="shared_room", area=12.0, size=1)) - logit(0.2) == pytest.approx(1.5)
    assert chance(r, utype="two_bed") == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("share", "taste", "expected"), [(0.0, 50.0, 0.0), (1.0, -50.0, 1.0), (0.5, 900.0, 1.0)]
)
def test_art16_a_certain_choice_stays_certain_and_extreme_terms_do_not_overflow(
    baseline, share, taste, expected
):
    r = rules(baseline, decline_share=share, choice_household_sd=1.0)
    assert chance(r, taste=taste) == expected
    assert chance(r, taste=-taste if share == 0.5 else taste) in (0.0, 1.0)


def test_a_households_taste_is_the_same_whatever_the_order_it_is_drawn_in():
    """Common random numbers: the draw of household 5000 does not depend on who was offered before it."""
    a, b = Streams(3), Streams(3)
    first = a.tastes[5000]
    for i in range(10):
        b.tastes[i]
    assert b.tastes[5000] == first and a.tastes[5000] == first
    assert Streams(4).tastes[5000] != first


@pytest.mark.slow
def test_art16_in_a_run_roomier_units_are_declined_less_when_the_area_term_is_negative(baseline):
    """The offers recorded follow the model: with a strong area term, offers of more than the reference
    20 m² a person are declined less often than offers of less (by more than 3 SE over the replications),
    and with the term 0 they are not (within 3 SE)."""
    gaps = {}
    for coef in (-2.0, 0.0):
        params = baseline.with_overrides(
            {
                "calendar.horizon_years": 4,
                "allocation.decline_share": 0.3,
                **{f"allocation.choice_{k}": 0.0 for k in TERMS},
                "allocation.choice_per_area_doubling": coef,
            }
        )
        diffs = []
        for seed in range(1, 5):
            r = simulate(params, seed)
            size = r.households.set_index(["household_id", "episode"])["size"]
            o = r.offers.join(size, on=["household_id", "episode"])
            area = o["unit_type"].map({t: v["living_area_m2"] for t, v in params.value("supply.mix").items()})
            roomy = area / o["size"] > 20.0
            declined = ~o["accepted"]
            diffs.append(declined[roomy].mean() - declined[~roomy].mean())
        n = len(diffs)
        mean = sum(diffs) / n
        se = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1) / n)
        gaps[coef] = (mean, se)
    mean, se = gaps[-2.0]
    assert mean < -3 * se, gaps
    mean, se = gaps[0.0]
    assert abs(mean) <= 3 * se, gaps
