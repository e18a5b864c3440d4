"""Supply: units, projects coming on line, and the initial stock (Art. 7, 8; the 14th five-year plan target).

Projects come on line at dates with a unit mix and an operator (Art. 2, 8). Unless the scenario lists its
projects (``supply.projects``), the stock grows evenly from ``supply.initial_units`` by the units the
plan adds (``units_added``) until ``supply.target_date``, one project every ``supply.project_interval_days``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .schema import UNIT_TYPES


@dataclass(slots=True, eq=False)
class Unit:
    """One rental unit. ``occupant`` is the household living there or holding it under an accepted offer."""

    uid: int
    type: str
    living_area: float
    operator: str
    project: int
    occupant: object = None
    declined: set = field(default_factory=set)  # households that declined it during this vacancy
    ready_day: float = 0.0  # when its repairs after the last tenancy end (``Allocator.unit_vacated``)


@dataclass(slots=True)
class Project:
    day: float  # simulated day it comes on line
    units: int
    operator: str


def split_counts(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``shares`` with whole numbers that add up (largest remainder)."""
    raw = {k: total * s for k, s in shares.items()}
    counts = {k: math.floor(x) for k, x in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[:left]:
        counts[k] += 1
    return counts


def target_stock(v: dict) -> int:
    """The stock the 十四五 plan's target names for its date (完成5000套租赁住房建设和供应), by the reading
    ``supply.target_counts``: ``stock``, ``supply.target_units`` is the stock reached; ``additions``, it is
    the units built on top of ``supply.initial_units``.

    Args:
        v: the values of ``supply.initial_units``, ``supply.target_units`` and ``supply.target_counts``.
    """
    target = int(v["supply.target_units"])
    if v["supply.target_counts"] == "additions":
        return int(v["supply.initial_units"]) + target
    return target


def units_added(v: dict) -> int:
    """The units the even build-out adds by the target date: what the initial stock lacks of the target
    stock (none when it has more). ``v`` as for ``target_stock``."""
    return max(0, target_stock(v) - int(v["supply.initial_units"]))


def project_schedule(v: dict, day_of) -> list[Project]:
    """Projects that come on line after the start (day > 0), from the scenario values on day 0.

    Args:
        v: flat resolved values (``Params.resolved(0)``).
        day_of: maps an ISO date to its simulated day.
    """
    operators = v["supply.operator_shares"]
    if v["supply.projects"]:
        return sorted(
            (
                Project(max(0.0, float(day_of(p["date"]))), int(p["units"]), p["operator"])
                for p in v["supply.projects"]
            ),
            key=lambda p: p.day,
        )
    added = units_added(v)
    end = float(day_of(v["supply.target_date"]))
    if added == 0 or end <= 0:
        return []
    interval = float(v["supply.project_interval_days"])
    n = max(1, math.ceil(end / interval)) if interval > 0 else 1
    days = [end - interval * (n - 1 - i) for i in range(n)]  # the last project lands on the target date
    sizes = split_counts(added, {str(i): 1.0 / n for i in range(n)})
    # Operators take projects in turn, in proportion to their shares (Art. 2: two operators).
    names = sorted(operators)
    taken = dict.fromkeys(names, 0.0)
    projects = []
    for i, day in enumerate(days):
        op = max(names, key=lambda o: operators[o] * (i + 1) - taken[o])
        taken[op] += 1
        projects.append(Project(max(day, 0.0), sizes[str(i)], op))
    return projects


def make_units(first_uid: int, project: Project, index: int, mix: dict) -> list[Unit]:
    """The units of one project, typed by the mix (whole counts by largest remainder, not random)."""
    counts = split_counts(project.units, {t: mix[t]["share"] for t in UNIT_TYPES if t in mix})
    units, uid = [], first_uid
    for t in UNIT_TYPES:
        for _ in range(counts.get(t, 0)):
            units.append(Unit(uid, t, float(mix[t]["living_area_m2"]), project.operator, index))
            uid += 1
    return units
