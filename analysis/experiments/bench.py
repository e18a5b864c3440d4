"""The benchmark (``python run.py bench``): the engine timed on one replication, the yardsticks its speed
is stated against (bare SimPy, and the plain queue modelled the straightforward way in SimPy, both timed
in the same process as the engine), a sweep timed with 1 and with several workers, the machine and the
peak memory. Every function returns numbers; ``analysis/reporting/console.py`` words them.
"""

from __future__ import annotations

import math
import os
import platform
import resource
import sys
import time
from dataclasses import dataclass

import mesa
import numpy as np
import pandas as pd
import simpy

import sim
from sim.calendar import YEAR_DAYS
from sim.timers import events_processed

from .runner import Failure, Task, run_tasks


@dataclass(frozen=True)
class Machine:
    """What the timings were measured on."""

    processor: str
    cpus: int | None
    system: str
    release: str
    python: str
    implementation: str
    simpy: str
    mesa: str


def machine() -> Machine:
    return Machine(
        processor=platform.processor() or platform.machine(),
        cpus=os.cpu_count(),
        system=platform.system(),
        release=platform.release(),
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        simpy=simpy.__version__,
        mesa=mesa.__version__,
    )


def peak_rss_kib() -> float:
    """The peak resident memory of this process so far, in KiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux


#: The shipped variants of the allocation mechanisms ``bench --mechanisms`` times, with batch
#: allocation in receipt order (``batch90``), the yardstick of the batch variants.
MECHANISM_VARIANTS = ("batch90", "lottery_batch", "lottery_weighted", "points", "three_offers")


def time_engine(params: sim.Params, seed: int) -> sim.SimulationResult:
    """One replication; the result carries its wall time, its SimPy events and its heap's peak."""
    return sim.simulate(params, seed)


@dataclass
class SweepTiming:
    """A sweep of replications run on ``workers`` workers, without a store."""

    workers: int
    done: int  # replications finished
    seconds: float  # wall time of the whole sweep
    backend: str
    busy_seconds: float  # wall time of the replications, summed over workers
    failures: list[Failure]
    summaries: dict[str, dict[str, float]]  # by store key

    @property
    def rate(self) -> float:
        """Replications per second."""
        return self.done / self.seconds


def sweep_tasks(params: sim.Params, seed: int, reps: int) -> list[Task]:
    """``reps`` replications of ``params``, seeds ``seed`` on."""
    return [Task(params, seed + r, label=params.name) for r in range(reps)]


def time_sweep(tasks: list[Task], workers: int) -> SweepTiming:
    """Run ``tasks`` on ``workers`` workers (no store) and time it; Ctrl-C raises KeyboardInterrupt."""
    t0 = time.perf_counter()
    batch = run_tasks(tasks, None, workers=workers, desc=f"{workers} worker{'s' * (workers > 1)}")
    seconds = time.perf_counter() - t0
    if batch.interrupted:
        raise KeyboardInterrupt
    return SweepTiming(
        workers=workers,
        done=len(batch.results),
        seconds=seconds,
        backend=batch.backend,
        busy_seconds=batch.busy_seconds,
        failures=batch.failures,
        summaries={k: summary for k, (summary, _) in batch.results.items()},
    )


def same_summaries(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]]) -> bool:
    """Whether two sweeps gave the same replications with the same figures (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if x.keys() != y.keys():
            return False
        for f in x:
            if not (x[f] == y[f] or (math.isnan(x[f]) and math.isnan(y[f]))):
                return False
    return True


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
    return events_processed(env), seconds


def plain_queue_simpy(
    units: int = 5_000,
    applications_per_year: float = 3_000.0,
    tenancy_years: float = 2.9,
    validity_years: float = 2.0,
    years: float = 10.0,
    seed: int = 0,
) -> tuple[int, float, float]:
    """The plain district-size queue with none of the measures' other rules, modelled the straightforward
    way in SimPy (the yardstick of README's Speed): units are a ``simpy.Resource``; an applicant requests
    one and waits for it or for its qualification to run out (``request | timeout``), then holds it for an
    exponential tenancy. Each applicant's wait is recorded, and the table and its mean made at the end,
    so that it is timed like the engine, from start to results. Poisson arrivals; a year of ``YEAR_DAYS``;
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
    end, validity = years * YEAR_DAYS, validity_years * YEAR_DAYS
    gap, tenancy = YEAR_DAYS / applications_per_year, tenancy_years * YEAR_DAYS
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
    return events_processed(env), seconds, float(wait)
