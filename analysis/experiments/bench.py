"""The yardsticks the engine's speed is stated against (``python run.py bench``): bare SimPy, and the
plain queue modelled the straightforward way in SimPy, both timed in the same process as the engine.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import simpy


def bare_simpy_loop(processes: int = 10, events: int = 500_000, seed: int = 0) -> tuple[int, float]:
    """A bare SimPy loop: ``processes`` processes yielding timeouts of random length, ``events`` in all.

    With many processes the event queue is as long as a model's with as many pending timers, which is
    what costs SimPy most per event; with 10 it is SimPy's best case.

    Returns:
        (events processed, wall seconds).
    """
    env = simpy.Environment()
    steps = max(events // processes, 1)
    delays = np.random.default_rng(seed).exponential(1.0, size=steps).tolist()

    def tick(env, offset):
        for i in range(steps):
            yield env.timeout(delays[(i + offset) % steps])

    for p in range(processes):
        env.process(tick(env, p))
    t0 = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - t0
    return next(env._eid) - len(env._queue), seconds


def plain_queue_simpy(
    units: int = 5_000,
    applications_per_year: float = 3_000.0,
    tenancy_years: float = 2.9,
    validity_years: float = 2.0,
    years: float = 10.0,
    seed: int = 0,
) -> tuple[int, float, float]:
    """The plain district-size queue with none of the measures' other rules, modelled the straightforward
    way in SimPy (issue 6's yardstick): units are a ``simpy.Resource``; an applicant requests one and
    waits for it or for its qualification to run out (``request | timeout``), then holds it for an
    exponential tenancy. Each applicant's wait is recorded, and the table and its mean made at the end,
    so that it is timed like the engine, from start to results. Poisson arrivals; a year is 365.25 days;
    the stock starts empty. The tenancy lasts 2.9 years on average, as the baseline's do once its stock
    is complete (Little's law, seed 1: 4,613 tenants over 1,593 move-ins a year, with 3,012 applications
    a year); the load is then 1.74, so a list forms and qualifications run out, as in the baseline.

    Returns:
        (events processed, wall seconds, mean wait of the housed in days).
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    stock = simpy.Resource(env, capacity=units)
    end, validity = years * 365.25, validity_years * 365.25
    gap, tenancy = 365.25 / applications_per_year, tenancy_years * 365.25
    records = []  # (applied, housed or lapsed, housed?)

    def applicant():
        applied = env.now
        with stock.request() as request:
            got = yield request | env.timeout(validity)
            housed = request in got
            records.append((applied, env.now, housed))
            if housed:
                yield env.timeout(rng.exponential(tenancy))

    def arrivals():
        while True:
            yield env.timeout(rng.exponential(gap))
            env.process(applicant())

    env.process(arrivals())
    env.run(until=end)
    table = pd.DataFrame.from_records(records, columns=["applied_day", "left_queue_day", "housed"])
    wait = (table["left_queue_day"] - table["applied_day"])[table["housed"]].mean()
    seconds = time.perf_counter() - t0
    return next(env._eid) - len(env._queue), seconds, float(wait)
