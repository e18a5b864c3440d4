"""Capacity: how much memory one replication of a scenario needs, and whether this machine has it.

A run keeps every household and every unit it creates until its tables are written (``sim/records.py``),
so its peak memory grows with the stock over the horizon and with the filings over the years; the rest
(Python, the libraries, the daily table of a 10-year horizon) is a fixed base. The estimate is

    MiB = BASE_MIB + KIB_PER_ITEM / 1024 × (units + households + projects)

with units the most the stock reaches (the initial stock plus the build-out, ``sim.supply.units_added``, or
the listed projects), households the initial waiting list plus the filings a year
(``arrivals.applications_per_year`` raised by the rent discount, ``sim.rent.demand_factor``) times the years
times the households a filing brings (an employer's block of ``mean_staff``), and projects those that come
on line. Each key is taken at its
largest value in force over the run, so a dated value never makes the estimate smaller.

Calibrated on two runs measured with ``python run.py bench`` (peak resident memory, 2 CPUs, Python 3.11):
the district baseline (5,000 units, 24,400 households, 10 years) at 311.7 MiB and the city
(``scenarios/shanghai.toml``: 200,000 units, 976,000 households) at 2,530.9 MiB; the formula gives
312.4 and 2,551.9 (within 1 %, on the side of refusing).
"""

from __future__ import annotations

import datetime
import math
import os
from dataclasses import dataclass

from .parameters import Params
from .rent import demand_factor
from .supply import units_added

#: Python, the libraries and a 10-year daily table: the district's peak less its items (MiB).
BASE_MIB = 255.0
#: one unit, household or project with its records, events and table rows: (2,530.9 - 311.7) MiB over
#: the 1,146,600 items the city has more than the district is 1.98 KiB, rounded up (KiB).
KIB_PER_ITEM = 2.0
GIB = 1024**3


@dataclass(frozen=True)
class Estimate:
    """The memory one replication needs, and the counts it rests on."""

    units: int  # the most units the stock reaches
    filings_per_year: float  # filings a year, with the rent discount's extra demand
    years: float  # the horizon
    households: float  # the initial list plus every household that files
    projects: float  # projects that come on line after the start
    bytes: float  # peak memory of one replication

    def line(self, scenario: str, workers: int, available: float) -> str:
        """``SCENARIO: needs about X GiB (N units, M filings a year over Y years), more than the Z GiB
        available``; ``X`` covers ``workers`` replications at once."""
        at_once = "" if workers == 1 else f", {workers} replications at once"
        return (
            f"{scenario}: needs about {_gib(self.bytes * workers)} GiB ({self.units:,} units, "
            f"{self.filings_per_year:,.0f} filings a year over {self.years:g} years{at_once}), "
            f"more than the {_gib(available)} GiB available"
        )


def _gib(n: float) -> str:
    return f"{n / GIB:,.1f}" if n < 1000 * GIB else f"{n / GIB:,.3g}"


def _largest(params: Params, key: str):
    """The largest value of ``key`` in force on any day of the run."""
    return max(params.value(key, day) for day in (0, *params.change_days()))


def estimate(params: Params) -> Estimate:
    """The peak memory of one replication of ``params`` (the module's formula), with its counts."""
    days = [0, *params.change_days()]
    years = float(params.value("calendar.horizon_years"))
    start = params.start_date

    units, projects = 0, 0.0
    for day in days:
        v = {
            k: params.value(k, day)
            for k in ("supply.initial_units", "supply.target_units", "supply.target_counts")
        }
        listed = params.value("supply.projects", day)
        if listed:
            built, n = sum(p["units"] for p in listed), len(listed)
        else:
            built = units_added(v)
            target_day = (datetime.date.fromisoformat(params.value("supply.target_date", day)) - start).days
            interval = float(params.value("supply.project_interval_days", day))
            n = math.ceil(target_day / interval) if built and target_day > 0 else 0  # sim/supply.py
        units, projects = max(units, v["supply.initial_units"] + built), max(projects, n)

    filings = max(
        params.value("arrivals.applications_per_year", day)
        * demand_factor(
            params.value("arrivals.rent_elasticity", day), params.value("rent.discount_to_market", day)
        )
        for day in days
    )
    per_filing = max(
        1.0
        + params.value("arrivals.kind_shares", day)["employer"]
        * (params.value("arrivals.employer_block", day)["mean_staff"] - 1.0)
        for day in days
    )
    households = _largest(params, "queue.initial_waiting") + filings * years * per_filing
    items = units + households + projects
    return Estimate(
        units=units,
        filings_per_year=filings,
        years=years,
        households=households,
        projects=projects,
        bytes=(BASE_MIB * 1024 + KIB_PER_ITEM * items) * 1024,
    )


def available_bytes() -> float:
    """The memory this machine can give without swapping: ``MemAvailable`` of ``/proc/meminfo``, else
    the free physical pages (``os.sysconf``); ``inf`` when neither can be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return math.inf


def memory_problem(params: Params, workers: int = 1, scenario: str | None = None) -> str | None:
    """The one line that refuses a run of ``params`` on ``workers`` processes at once when its estimate
    exceeds the memory available, or None. ``scenario`` names it (default: its source)."""
    need = estimate(params)
    available = available_bytes()
    if need.bytes * max(1, workers) <= available:
        return None
    return need.line(scenario or params.source, max(1, workers), available)
