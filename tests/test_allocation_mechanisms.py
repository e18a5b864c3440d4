"""Allocation mechanisms (``allocation.mechanism``, ``sim/waiting_list.py``): receipt order, lottery (摇号),
points and a random pool, each composed with Art. 19's carry-over and the favoured groups' strict ranks.

The orders are checked on the waiting list's own code (``WaitingList.order_key``, ``draw_ballots``,
``drawn_for``) with stand-in households; the mechanisms' effect on a run on a reduced queue (no declines,
one unit type, no lapses) over replications.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from sim import audit, load_scenario, simulate
from sim.eligibility import Circumstances
from sim.rules import Rules
from sim.streams import Streams
from sim.waiting_list import WaitingList

ROOT = Path(__file__).resolve().parents[1]
QCLASS = (1, False, False, False)  # a single, not front-line, no favoured group


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def rules(baseline, carry: bool = True, **allocation) -> Rules:
    """The rules with ``queue.carry_over_priority = carry`` and the ``allocation.*`` keys given."""
    overrides = {"queue.carry_over_priority": carry, **{f"allocation.{k}": v for k, v in allocation.items()}}
    return Rules(baseline.with_overrides(overrides).resolved(0))


def household(uid, *, receipt=None, queue_entry=10, size=1, area=0.0, listed=None, priority=False):
    """A stand-in for a waiting household: what the order reads of it."""
    receipt = float(uid) if receipt is None else receipt
    return SimpleNamespace(
        unique_id=uid,
        receipt_time=receipt,
        place_time=receipt,
        receipt_no=uid,
        qclass=(size, False, priority, False),
        priority=priority,
        size=size,
        queue_entry=queue_entry,
        listed_day=receipt if listed is None else listed,
        ballot=0.0,
        circumstances=Circumstances(True, 3.0, True, area, 0.0, False, False),
    )


def waiting_list(r, households, marks=()) -> WaitingList:
    """A waiting list holding ``households`` after batches that ended at queue entries ``marks``."""
    wl = WaitingList()
    wl.batch_marks = list(marks)
    wl.carried_mark = marks[-1] if marks else 0
    for h in households:
        wl.add(h, r)
    return wl


def order(wl) -> list[int]:
    return [entry[-1].unique_id for lst in wl.classes.values() for entry in lst]


def first(r, a, b, marks=()) -> int:
    """The id of whichever of ``a`` and ``b`` is offered a unit first."""
    wl = waiting_list(r, [a, b], marks)
    return min((a, b), key=lambda h: wl.order_key(h, r)).unique_id


def unit():
    return SimpleNamespace(declined=set())


# --- lottery (摇号) --------------------------------------------------------------------------------


def positions(r, wl, batches: int, seed: int = 1) -> np.ndarray:
    """Counts[position, household] over ``batches`` ballots drawn by ``WaitingList.draw_ballots``."""
    s = Streams(seed).lottery
    n = wl.n
    counts = np.zeros((n, n), dtype=int)
    for _ in range(batches):
        wl.draw_ballots(r, s)
        for pos, uid in enumerate(order(wl)):
            counts[pos, uid] += 1
    return counts


def uniformity_p(counts: np.ndarray) -> float:
    """Chi-square p-value of "every household is equally likely at every position" (rows and columns sum to
    the batches: (n - 1)² degrees of freedom)."""
    n = counts.shape[0]
    expected = counts.sum() / n**2
    return float(stats.chi2.sf(((counts - expected) ** 2 / expected).sum(), (n - 1) ** 2))


LOTTERY = {"mode": "batch", "mechanism": "lottery", "lottery_draw": "batch"}


def test_a_batch_lottery_draws_every_order_of_choosing_alike(baseline):
    """摇号: in a batch of n households each position is equally likely for each of them (chi-square over
    4,000 batches of 5); with ballots weighted by failed batches the same test tells the order is not even."""
    r = rules(baseline, **LOTTERY)
    wl = waiting_list(r, [household(i) for i in range(5)])
    assert uniformity_p(positions(r, wl, 4000)) > 0.001
    weighted = rules(baseline, **LOTTERY, lottery_weight_per_failure=1.0)
    hh = [household(i, queue_entry=5 if i == 0 else 25) for i in range(5)]  # 0 through 3 batches, the rest 1
    wl = waiting_list(weighted, hh, [10, 20, 30])
    assert uniformity_p(positions(weighted, wl, 4000)) < 0.001


def within_3_se(hits: int, n: int, p: float) -> bool:
    return abs(hits / n - p) <= 3 * math.sqrt(p * (1 - p) / n)


def test_a_weighted_ballot_comes_first_in_proportion_to_its_weight(baseline):
    """Ballots weigh 1 + ``lottery_weight_per_failure`` × failed batches: with weight 1 a failure, households
    through 1, 2 and 4 batches (weights 2, 3, 5) come first 2/10, 3/10 and 5/10 of the time, in the batch
    order (``draw_ballots``) and in a fresh draw for one unit (``drawn_for``)."""
    r = rules(baseline, **LOTTERY, lottery_weight_per_failure=1.0)
    marks = [10, 20, 30, 40]
    hh = [household(0, queue_entry=35), household(1, queue_entry=25), household(2, queue_entry=5)]
    wl = waiting_list(r, hh, marks)
    assert [wl.failures(h) for h in hh] == [1, 2, 4]
    n = 6000
    firsts = positions(r, wl, n)[0]
    s = Streams(2).lottery
    drawn = np.bincount([wl.drawn_for(unit(), wl.classes.items(), None, r, s).unique_id for _ in range(n)])
    for counts in (firsts, drawn):
        for uid, p in enumerate((0.2, 0.3, 0.5)):
            assert within_3_se(int(counts[uid]), n, p), (counts, uid)


@pytest.mark.parametrize("keeps", [True, False])
def test_a_household_that_declines_keeps_its_place_only_if_the_scenario_says_so(baseline, keeps):
    """Art. 16 (the applicant chooses), under a per-batch lottery: a household that declines keeps its
    ballot's place for the batch's next units (``lottery_decline_keeps_place``), or goes to the back."""
    r = rules(baseline, **LOTTERY, lottery_decline_keeps_place=keeps)
    assert r.send_back is not keeps
    hh = [household(i) for i in range(4)]
    for i, h in enumerate(hh):
        h.ballot = 0.1 * (i + 1)
    wl = waiting_list(r, hh)
    if r.send_back:
        wl.send_to_back(hh[0], r)
        wl.send_to_back(hh[1], r)
    assert order(wl) == ([0, 1, 2, 3] if keeps else [2, 3, 0, 1])


@pytest.mark.parametrize("declines", [1, 3])
def test_a_random_pool_draws_evenly_among_the_households_the_unit_suits_and_not_those_that_declined(
    baseline, declines
):
    """``random_pool``: each unit goes to one drawn evenly among those it suits that have not declined it
    (with few declines a place is drawn again when it falls on one, with many the pool is listed)."""
    r = rules(baseline, mechanism="random_pool")
    wl = waiting_list(r, [household(i) for i in range(6)])
    u = unit()
    u.declined.update(range(6 - declines, 6))
    s = Streams(3).lottery
    n = 3000
    drawn = np.bincount(
        [wl.drawn_for(u, wl.classes.items(), None, r, s).unique_id for _ in range(n)], minlength=6
    )
    assert not drawn[6 - declines :].any()
    assert stats.chisquare(drawn[: 6 - declines]).pvalue > 0.001


# --- points ------------------------------------------------------------------------------------------


POINTS = {"mechanism": "points", "key_employer_rule": "none", "priority_rule": "none"}


@pytest.mark.parametrize(("later_by", "served"), [(72.0, "larger"), (74.0, "smaller")])
def test_points_a_larger_household_comes_first_unless_it_joined_much_later(baseline, later_by, served):
    """Points: one person more is worth 2 points, 0.2 years of waiting at 10 points a year (73 days): a
    household of 2 that joined the list 72 days after a single is served first, 74 days after is not."""
    r = rules(baseline, **POINTS)
    single, pair = household(1, receipt=100.0), household(2, receipt=100.0 + later_by, size=2)
    assert first(r, single, pair) == (2 if served == "larger" else 1)


@pytest.mark.parametrize(("later_by", "served"), [(18.0, "crowded"), (19.0, "roomier")])
def test_points_a_more_crowded_household_comes_first_unless_it_joined_much_later(baseline, later_by, served):
    """Points: each m² a person below the area line of Art. 5 (15 m²) is worth 0.5 points, 18.3 days of
    waiting: a household with 10 m² a person comes before one with 11 m² that joined 18 days earlier, not
    one that joined 19 days earlier."""
    r = rules(baseline, **POINTS)
    roomy, crowded = household(1, receipt=100.0, area=11.0), household(2, receipt=100.0 + later_by, area=10.0)
    assert first(r, roomy, crowded) == (2 if served == "crowded" else 1)


def test_points_the_longer_waiting_household_comes_first_and_ties_go_by_receipt_order(baseline):
    """Points: with all else equal the household on the list longer comes first; a tie goes by receipt."""
    r = rules(baseline, **POINTS)
    assert first(r, household(1, listed=50.0), household(2, listed=40.0)) == 2
    assert first(r, household(1, listed=40.0), household(2, listed=50.0)) == 1
    assert first(r, household(2, listed=40.0), household(1, listed=40.0)) == 1


# --- Art. 19's carry-over composes with every mechanism ---------------------------------------------


@pytest.mark.parametrize("carry", [True, False])
@pytest.mark.parametrize("mechanism", ["lottery", "points"])
def test_art19_a_carried_over_household_is_offered_first_under_lottery_and_points(baseline, mechanism, carry):
    """Art. 19: 在区运营公司配租下批次公共租赁住房房源时可优先配租. With ``queue.carry_over_priority`` a
    household left over from a batch comes before a newer one whose ballot is better or whose points are
    higher; without it, not."""
    r = rules(baseline, carry, **{**LOTTERY, **POINTS, "mechanism": mechanism})
    carried = household(1, receipt=300.0, queue_entry=5)
    newer = household(2, receipt=200.0, queue_entry=15, size=3)  # more points: larger, longer listed
    carried.ballot, newer.ballot = 2.0, 1.0
    assert first(r, carried, newer, marks=[10]) == (1 if carry else 2)


@pytest.mark.parametrize("carry", [True, False])
def test_art19_a_fresh_draw_for_a_unit_is_among_the_carried_over_households_first(baseline, carry):
    """Art. 19 with a lottery for each unit: with carry-over on, a unit is drawn for among the households
    carried over from the last batch; off, among all that it suits."""
    r = rules(baseline, carry, **{**LOTTERY, "lottery_draw": "unit"})
    assert r.pool_draw
    wl = waiting_list(r, [household(0, queue_entry=5), *(household(i, queue_entry=15) for i in (1, 2))], [10])
    s = Streams(4).lottery
    drawn = {wl.drawn_for(unit(), wl.classes.items(), None, r, s).unique_id for _ in range(200)}
    assert drawn == ({0} if carry else {0, 1, 2})


# --- on a reduced queue: throughput and the longest wait --------------------------------------------

#: No declines, sign refusals or no-shows, one unit type, no lapses or withdrawals, receipt order plain
#: (no tilt), and alike applicants (singles: a tenant's exit hazards do not depend on who is housed, as
#: those of employer staff do): a queue whose throughput is set by vacancies alone.
REDUCED = {
    "calendar.horizon_years": 2,
    "arrivals.applications_per_year": 150,
    "arrivals.kind_shares": {"single": 1.0, "family": 0.0, "employer": 0.0},
    "supply.initial_units": 100,
    "supply.target_units": 100,
    "supply.mix": {"two_bed": {"share": 1.0, "living_area_m2": 52.0}},
    "queue.initial_waiting": 30,
    "queue.validity_years": math.inf,
    "queue.withdraw_hazard_per_year": 0.0,
    "queue.change_hazard_per_year": 0.0,
    "allocation.key_employer_rule": "none",
    "allocation.decline_share": 0.0,
    "allocation.sign_refusal_share": 0.0,
    "allocation.no_show_share": 0.0,
}
MECHANISMS = ("receipt_order", "lottery", "points", "random_pool")
REPS = 8


@pytest.fixture(scope="module", params=["continuous", "batch"])
def reduced_runs(request, baseline):
    """Move-ins and the longest wait of an application of the run (receipt to leaving the list, or to the
    horizon) per replication."""
    out = {}
    for mechanism in MECHANISMS:
        params = baseline.with_overrides(
            {**REDUCED, "allocation.mode": request.param, "allocation.mechanism": mechanism}
        )
        housed, longest = [], []
        for seed in range(REPS):
            r = simulate(params, seed)
            hh = r.households
            housed.append(int(hh["moved_in_day"].notna().sum()))
            listed = hh[hh["qualified_day"].notna() & ~hh["initial"]]  # applied in the run
            longest.append(float((listed["left_queue_day"].fillna(r.n_days) - listed["receipt_day"]).max()))
        out[mechanism] = (np.array(housed), np.array(longest))
    return out


@pytest.mark.slow
def test_with_no_declines_every_mechanism_houses_as_many_households(reduced_runs):
    """Throughput is set by vacancies: with no declines and one unit type every mechanism moves in as many
    households as receipt order (paired on seeds, within 3 standard errors)."""
    base = reduced_runs["receipt_order"][0]
    for mechanism in MECHANISMS[1:]:
        d = reduced_runs[mechanism][0] - base
        assert abs(d.mean()) <= 3 * d.std(ddof=1) / math.sqrt(REPS), (mechanism, d)


@pytest.mark.slow
def test_with_no_declines_receipt_order_has_the_shortest_longest_wait(reduced_runs):
    """Serving in receipt order minimises the longest wait: every other mechanism's longest wait is longer
    (paired on seeds, by more than 3 standard errors)."""
    base = reduced_runs["receipt_order"][1]
    for mechanism in MECHANISMS[1:]:
        d = reduced_runs[mechanism][1] - base
        assert d.mean() > 3 * d.std(ddof=1) / math.sqrt(REPS), (mechanism, d)


@pytest.mark.parametrize("mechanism", ["lottery", "points"])
def test_the_audit_does_not_check_the_order_of_offers_of_other_mechanisms(baseline, mechanism):
    """``--audit``'s order of offers models receipt order only: under a lottery or points it claims no
    violation (the other invariants hold)."""
    params = baseline.with_overrides(
        {**REDUCED, "allocation.mechanism": mechanism, "allocation.decline_share": 0.1}
    )
    assert audit(simulate(params, seed=1), params) == []


# --- Arnosti & Shi (2020): lotteries and waiting lists with refusals ------------------------------

#: Arnosti & Shi (2020, Management Science 66(6), "Design of lotteries and wait-lists for affordable housing
#: allocation") assign items arriving one by one to a continuum of agents, alike ex ante, who accept an item
#: or not by their type and the item's. The premise made exact here: one cohort of 5,000 singles all
#: qualified on the start date (their receipt order is then a uniformly random order of their tastes, as a
#: lottery's), no arrivals, lapses, withdrawals or failed signings, and one batch (集中配租, day 200 of a
#: one-year horizon) offering 20 units one by one: a per-batch lottery is drawn once, as receipt order is
#: fixed (a second batch would draw the lottery again, and receipt order would not). Acceptance is
#: heterogeneous through the choice model: a taste of standard deviation 3 log-odds around even odds, so
#: that some households decline nearly every unit and others nearly none; the units are alike. Every unit is
#: let on the batch's day, so the share housed and the wait say nothing here and are not compared.
COHORT = {
    "calendar.horizon_years": 1,
    "arrivals.applications_per_year": 0,
    "arrivals.kind_shares": {"single": 1.0, "family": 0.0, "employer": 0.0},
    "supply.initial_units": 20,
    "supply.target_units": 20,
    "supply.initial_occupancy": 0.0,
    "supply.mix": {"two_bed": {"share": 1.0, "living_area_m2": 52.0}},
    "queue.initial_waiting": 5000,
    "queue.initial_certificate_age_years": {"low": 0.0, "high": 0.0},
    "queue.validity_years": math.inf,
    "queue.withdraw_hazard_per_year": 0.0,
    "queue.change_hazard_per_year": 0.0,
    "allocation.mode": "batch",
    "allocation.batch_interval_days": 200,
    "allocation.key_employer_rule": "none",
    "allocation.sign_refusal_share": 0.0,
    "allocation.no_show_share": 0.0,
    "allocation.decline_share": 0.5,
    "allocation.choice_household_sd": 3.0,
    "allocation.choice_project_sd": 0.0,
    "allocation.choice_per_area_doubling": 0.0,
    "allocation.choice_per_1000_yuan": 0.0,
}
#: The four mechanisms the theorems pair: a fresh lottery for each unit with the waiting list where a refusal
#: loses the place (to the back), one lottery for the batch with the list where a refusal keeps it.
ARNOSTI_SHI = {
    "unit_lottery": {"allocation.mechanism": "lottery", "allocation.lottery_draw": "unit"},
    "loses_place": {"allocation.decline_cap": 1, "allocation.decline_penalty": "back"},
    "batch_lottery": {
        "allocation.mechanism": "lottery",
        "allocation.lottery_draw": "batch",
        "allocation.lottery_decline_keeps_place": True,
    },
    "keeps_place": {},
}
FIGURES = ("declines per unit let", "share of lets to choosy households", "mean rank of the accepted offer")
EQUIVALENCE_REPS = 60


def cohort_figures(params, seed: int) -> list[float]:
    """``FIGURES`` of one replication: a choosy household has a taste above the median (it declines more
    than half of the offers); the rank of an accepted offer is the household's offers, that one included."""
    r = simulate(params, seed)
    accepted = r.offers[r.offers["accepted"]]
    tastes = Streams(seed).tastes  # the choice model's draw of each household (``decline_chance``)
    housed = r.households[r.households["moved_in_day"].notna()]
    return [
        len(r.offers) / len(accepted) - 1.0,
        float(np.mean([tastes[uid] > 0.0 for uid in accepted["household_id"]])),
        float(housed["offers"].mean()),
    ]


@pytest.fixture(scope="module")
def cohort(baseline):
    """``cohort(name)``: the figures of ``ARNOSTI_SHI[name]`` over ``EQUIVALENCE_REPS`` seeds, run once."""
    runs: dict[str, np.ndarray] = {}

    def figures(name: str) -> np.ndarray:
        if name not in runs:
            params = baseline.with_overrides({**COHORT, **ARNOSTI_SHI[name]})
            runs[name] = np.array([cohort_figures(params, seed) for seed in range(EQUIVALENCE_REPS)])
        return runs[name]

    return figures


def compare(cohort, a: str, b: str) -> tuple[np.ndarray, np.ndarray]:
    """Each figure's mean difference ``a`` − ``b``, paired on seeds (the same households and tastes: common
    random numbers), and whether it is within 3 standard errors of the paired differences, the replications'
    own: the one test deciding "equal" and "different"."""
    d = cohort(a) - cohort(b)
    mean, se = d.mean(axis=0), d.std(axis=0, ddof=1) / math.sqrt(len(d))
    return mean, np.abs(mean) <= 3.0 * se


@pytest.mark.slow
def test_arnosti_shi_a_lottery_for_each_unit_equals_a_list_where_a_refusal_loses_the_place(cohort):
    """Arnosti & Shi (2020), independent lotteries: a fresh lottery for each unit (``lottery_draw = "unit"``)
    gives the outcomes of a waiting list where a household that declines goes to the back
    (``decline_cap = 1``, ``decline_penalty = "back"``): each offer goes to a household drawn afresh from
    the same population. Their agents are a continuum, so a lottery never draws again one that declined, as
    the list, which puts it behind the cohort, does not reach it again; here the cohort is 5,000 and the
    batch makes some 40 offers, so a lottery draws a former decliner for about one offer in 1,000 (1 of 791
    over 20 seeds), below what the replications resolve. All ``FIGURES`` within 3 SE."""
    diff, same = compare(cohort, "unit_lottery", "loses_place")
    assert same.all(), dict(zip(FIGURES, diff, strict=True))


@pytest.mark.slow
def test_arnosti_shi_a_lottery_for_the_batch_equals_a_list_where_a_refusal_keeps_the_place(cohort):
    """Arnosti & Shi (2020), a common lottery: one lottery for the batch where a household that declines
    keeps its place (``lottery_draw = "batch"``, ``lottery_decline_keeps_place``) gives the outcomes of the
    waiting list where it keeps it (receipt order, no cap): with the cohort qualified together both are a
    uniformly random order of alike households, each unit offered down it. Exact in one batch. All
    ``FIGURES`` within 3 SE."""
    diff, same = compare(cohort, "batch_lottery", "keeps_place")
    assert same.all(), dict(zip(FIGURES, diff, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("keeps", "loses"), [("keeps_place", "unit_lottery"), ("batch_lottery", "loses_place")]
)
def test_arnosti_shi_keeping_the_place_after_a_refusal_is_told_apart_from_losing_it(cohort, keeps, loses):
    """The same comparison (``compare``) tells a pair the theorems do not equate apart: where a refusal keeps
    the place, a choosy household at the head of the order is offered every unit and declines it, so the
    declines per unit let are more than 3 SE higher than under the mechanism where it loses the place."""
    diff, same = compare(cohort, keeps, loses)
    assert diff[0] > 0 and not same[0], dict(zip(FIGURES, diff, strict=True))


# --- refusals: a limit on offers, a cap on declines and its penalty (Art. 16) -----------------------

#: Households waiting on the start date for the units free then, each offer declined for certain
#: (``decline_share = 1``), nothing else ending a qualification.
REFUSALS = {
    "calendar.horizon_years": 1,
    "arrivals.applications_per_year": 0,
    "arrivals.kind_shares": {"single": 1.0, "family": 0.0, "employer": 0.0},
    "supply.initial_occupancy": 0.0,
    "supply.mix": {"two_bed": {"share": 1.0, "living_area_m2": 52.0}},
    "queue.initial_waiting": 1,
    "queue.validity_years": math.inf,
    "queue.withdraw_hazard_per_year": 0.0,
    "queue.change_hazard_per_year": 0.0,
    "allocation.key_employer_rule": "none",
    "allocation.decline_share": 1.0,
    "allocation.sign_refusal_share": 0.0,
    "allocation.no_show_share": 0.0,
}


def declining(baseline, units: int, **allocation):
    """The one household waiting after it declined each of ``units`` free units (a row of ``households``)."""
    params = baseline.with_overrides(
        {
            **REFUSALS,
            "supply.initial_units": units,
            "supply.target_units": units,
            **{f"allocation.{k}": v for k, v in allocation.items()},
        }
    )
    hh = simulate(params, seed=1).households
    (row,) = hh[hh["initial"] & hh["qualified_day"].notna()].itertuples()
    assert row.offers == min(units, allocation.get("max_offers") or units)
    return row


@pytest.mark.parametrize(("units", "max_offers", "ends"), [(2, 3, False), (3, 3, True), (3, 0, False)])
def test_art16_max_offers_the_nth_declined_offer_ends_the_qualification_without_a_ban(
    baseline, units, max_offers, ends
):
    """``allocation.max_offers`` n (Hong Kong's three offers): declining the n-th offer ends the
    qualification (outcome ``offers_used``) with no ban; after n − 1 declines, or with no limit (0), the
    household is still waiting."""
    row = declining(baseline, units, max_offers=max_offers)
    assert row.outcome == ("offers_used" if ends else "ongoing")
    assert math.isnan(row.banned_until_day)
    assert math.isnan(row.left_queue_day) is not ends


@pytest.mark.parametrize(("units", "cap", "banned"), [(1, 2, False), (2, 2, True), (2, 0, False)])
def test_art16_decline_cap_with_a_ban_ends_the_qualification_and_bars_for_decline_ban_years(
    baseline, units, cap, banned
):
    """``allocation.decline_cap`` n with ``decline_penalty = "ban"``: the n-th decline ends the qualification
    (outcome ``decline_banned``) and bars the household for ``penalties.decline_ban_years`` (2 here, not the
    1 year of ``penalties.ban_years``) to the same date; after n − 1 declines, or with no cap (0), it is
    still waiting and unbarred."""
    row = declining(
        baseline.with_overrides({"penalties.decline_ban_years": 2}),
        units,
        decline_cap=cap,
        decline_penalty="ban",
    )
    assert row.outcome == ("decline_banned" if banned else "ongoing")
    if banned:
        start = baseline.start_date
        assert row.left_queue_day == 0.0  # the free units are offered on the start date
        assert row.banned_until_day == (start.replace(year=start.year + 2) - start).days
    else:
        assert math.isnan(row.banned_until_day) and math.isnan(row.left_queue_day)


def test_art16_decline_cap_with_a_ban_of_0_years_loses_the_place_and_may_apply_again_at_once(baseline):
    """A ban of 0 years (``penalties.decline_ban_years = 0``) reads "loses its place": the qualification
    ends at the n-th decline, as under any ban, and nothing bars a new application."""
    row = declining(
        baseline.with_overrides({"penalties.decline_ban_years": 0}), 2, decline_cap=2, decline_penalty="ban"
    )
    assert row.outcome == "decline_banned" and row.left_queue_day == 0.0
    assert math.isnan(row.banned_until_day) or row.banned_until_day <= row.left_queue_day


@pytest.mark.parametrize("cap", [1, 0])
def test_art16_decline_cap_with_back_offers_the_next_unit_to_a_later_household_first(baseline, cap):
    """``allocation.decline_cap`` n with ``decline_penalty = "back"``: the n-th decline sends the household
    behind the list, qualification kept. Households 1, 2, 3 in receipt order wait for one batch of two
    units; 1 declines for certain, 2 accepts (tastes ±50 log-odds, a seed where they fall so): with a cap of
    1 the second unit is offered to 3 before 1; with no cap (0), to 1 first."""
    overrides = {
        **REFUSALS,
        "supply.initial_units": 2,
        "supply.target_units": 2,
        "queue.initial_waiting": 3,
        "allocation.mode": "batch",
        "allocation.decline_share": 0.5,
        "allocation.choice_household_sd": 50.0,
        "allocation.decline_cap": cap,
        "allocation.decline_penalty": "back",
    }
    params = baseline.with_overrides(overrides)
    ids = (
        simulate(params, seed=0)
        .households.query("initial")
        .sort_values("receipt_no")["household_id"]
        .tolist()
    )
    seed = next(s for s in range(100) if Streams(s).tastes[ids[0]] > 0.5 and Streams(s).tastes[ids[1]] < -0.5)
    offers = simulate(params, seed).offers
    units = offers["unit_id"].unique()
    assert len(units) == 2 and offers["accepted"].tolist()[:2] == [False, True]
    first_offered = offers.loc[offers["unit_id"] == units[1], "household_id"].iloc[0]
    assert first_offered == (ids[2] if cap else ids[0])


@pytest.mark.parametrize(
    ("allocation", "outcome", "offers"),
    [
        ({"max_offers": 3}, "offers_used", 3),
        ({"decline_cap": 2, "decline_penalty": "ban"}, "decline_banned", 2),
    ],
)
def test_art16_a_household_offered_the_free_units_as_it_qualifies_is_offered_none_after_its_last(
    baseline, allocation, outcome, offers
):
    """In continuous allocation a household that qualifies is offered the free units that suit it one by one
    (``Allocator.offer_to``): when a decline ends its qualification (``max_offers``, or ``decline_cap`` under
    ``ban``) it is offered no more of them (five units free, applicants arriving, none on the list)."""
    params = baseline.with_overrides(
        {
            **REFUSALS,
            "queue.initial_waiting": 0,
            "arrivals.applications_per_year": 20,
            "supply.initial_units": 5,
            "supply.target_units": 5,
            **{f"allocation.{k}": v for k, v in allocation.items()},
        }
    )
    hh = simulate(params, seed=1).households
    ended = hh[hh["qualified_day"].notna() & (hh["outcome"] == outcome)]
    assert len(ended) and (ended["offers"] == offers).all()
