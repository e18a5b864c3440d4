"""Simulator of the Jing'an District public rental housing (公共租赁住房) measures.

from sim import load_scenario, simulate
params = load_scenario("scenarios/baseline.toml").with_overrides({"lease.max_total_years": 8})
r = simulate(params, seed=1)
r.households, r.daily, r.rent_roll   # pandas DataFrames
r.summary               # dict of named figures
"""

from __future__ import annotations

import datetime
import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

from .audit import audit
from .model import HousingModel
from .parameters import Params, ScenarioError, load_scenario, parse_set
from .records import SUMMARY_FIGURES, daily_table, households_table, offers_table, summarise

__all__ = [
    "Params",
    "ScenarioError",
    "SUMMARY_FIGURES",
    "SimulationResult",
    "audit",
    "load_scenario",
    "parse_set",
    "simulate",
    "state_at",
    "stored_result",
]

ENGINE_VERSION = "0.1.0"


@dataclass
class SimulationResult:
    """The outputs of one replication."""

    seed: int
    households: pd.DataFrame
    daily: pd.DataFrame
    offers: pd.DataFrame
    summary: dict[str, float]
    n_days: int
    rent_roll: pd.DataFrame | None = None  # rent due per operator and calendar year (``sim/rent.py``)
    events: int = 0  # SimPy events processed
    heap_peak: int = 0  # most timers the engine has taken in for one day (``sim.timers``)
    wall_seconds: float = 0.0
    limits: dict = field(default_factory=dict)  # rule values the audit checks against


def simulate(params: Params, seed: int = 0) -> SimulationResult:
    """Run one replication of ``params`` with ``seed``; the result depends only on these two."""
    t0 = time.perf_counter()
    with _young_collections_only():
        result = _simulate(params, seed)
    result.wall_seconds = time.perf_counter() - t0  # the model's teardown included
    return result


def stored_result(
    params: Params, seed: int, summary: dict, daily: pd.DataFrame, tables: dict, n_days: int
) -> SimulationResult:
    """A replication of ``params`` read back from its tables (``households``, ``offers``, ``rent_roll`` in
    ``tables``; the result store keeps them): what the outputs and the audit read. Events and wall time are
    not kept."""
    return SimulationResult(
        seed=seed,
        households=tables["households"],
        daily=daily,
        offers=tables["offers"],
        summary=dict(summary),
        n_days=n_days,
        rent_roll=tables["rent_roll"],
        limits=_limits(params, n_days),
    )


def _simulate(params: Params, seed: int) -> SimulationResult:
    model = HousingModel(params, seed)
    model.run()  # interrupted or failed, the model is dropped unfinished: the process ends or moves on
    model.finish()
    events = model.env.events_processed
    rows, offer_log, daily_records = model.rows, model.offer_log, model.daily_records()
    exit_counts, n_days, heap_peak = model.exit_counts, model.n_days, model.env.heap_peak
    rent_roll = model.rent_roll.frame(params.value("supply.operator_shares"))
    model.release()
    hh = households_table(rows)
    offers = offers_table(offer_log)
    daily = daily_table(daily_records, params.start_date, offers, hh)
    summary = summarise(hh, daily, offers, exit_counts, n_days, params)
    return SimulationResult(
        seed=seed,
        households=hh,
        daily=daily,
        offers=offers,
        summary=summary,
        n_days=n_days,
        rent_roll=rent_roll,
        events=events,
        heap_peak=heap_peak,
        limits=_limits(params, n_days),
    )


def state_at(params: Params, seed: int, date: datetime.date) -> tuple[pd.DataFrame, ...]:
    """Run ``params`` with ``seed`` up to ``date`` and return the state at its start as a snapshot's
    ``units``, ``tenancies``, ``waiting`` and ``former`` tables (``HousingModel.state_tables``; write them
    with ``sim.snapshot.write_snapshot``).

    Raises:
        ValueError: ``date`` is not after the run's start or is past its horizon.
    """
    model = HousingModel(params, seed)
    day = (date - params.start_date).days
    if not 0 < day <= model.n_days:
        last = params.start_date + datetime.timedelta(days=model.n_days)
        raise ValueError(f"the date must be after {params.start_date} and at most {last}, got {date}")
    with _young_collections_only():
        try:
            model.run(until=day)
            tables = model.state_tables()
        finally:
            model.finish()
            model.release()
    return tables


#: Collector thresholds during a run: a young collection every million allocations, none of the older
#: generations (Python's defaults are 700, 10, 10).
GC_THRESHOLDS = (1_000_000, 1_000_000, 1_000_000)


@contextmanager
def _young_collections_only():
    """A run holds hundreds of thousands of long-lived objects (agents, processes, pending timers, over
    three million in a city run); Python's cyclic collector at its defaults traverses them again and again,
    which took half of a city run. The engine breaks its cycles itself (a finished household drops its
    process and its unit, an offer wakes a process without an exception and its traceback, and
    ``HousingModel.release`` takes the finished model apart), so during a run only the young generation
    is collected, every million allocations: never in a district run, a few times in a city run. On
    leaving, one collection of the young and middle generations frees whatever cycles are left, so that
    no replication's garbage outlives it into the next."""
    old = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.collect(1)


def _limits(params: Params, n_days: int) -> dict:
    """The largest value in force over the run of each rule the invariants check."""
    days = [0, *[d for d in params.change_days() if d < n_days]]

    def most(key):
        return max(float(params.value(key, d)) for d in days)

    return {
        "max_total_years": most("lease.max_total_years"),
        "validity_years": most("queue.validity_years"),
        "review_working_days": most("review.working_days"),
        "review_capacity": min(float(params.value("review.capacity_per_working_day", d)) for d in days),
        "most_reviews_a_day": max(float(params.value("review.capacity_per_working_day", d)) for d in days),
        "forced_exit_ban_years": min(float(params.value("penalties.forced_exit_ban_years", d)) for d in days),
        "min_living_area": min(
            float(params.value("allocation.min_living_area_m2_per_person", d)) for d in days
        ),
        # Art. 24: the longest stays after a lease, in months: at the old rent for other reasons (24(3))
        # or at market rent (24(4)), and after an off-plan purchase (24(2): the latest delivery, in mean
        # months from the purchase, then 3 calendar months)
        "stay_months": max(
            max(
                float(params.value("transition.other_months", d)),
                float(params.value("transition.capped_market_stay_months", d)),
            )
            for d in days
        ),
        "offplan_delivery_months": max(
            float(params.value("transition.offplan_delivery_months", d)["high"]) for d in days
        ),
        "after_delivery_months": max(
            float(params.value("transition.after_delivery_months", d)) for d in days
        ),
    }
