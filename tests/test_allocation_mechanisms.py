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
