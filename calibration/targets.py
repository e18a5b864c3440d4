"""Targets of a calibration: what the operators observed, and which behavioural inputs to fit to it.

A targets file is TOML:

    base = "scenarios/baseline.toml"   # the scenario the fit starts from: a path (next to this file, the
                                       # working folder or the project root) or a name in scenarios/
    description = "..."                # optional
    reference = "..."                  # optional: where the observed figures come from
    reps = 5                           # optional: replications per point (--reps overrides; default 5)
    seed = 1                           # optional: first seed (--seed overrides; default 1)

    [[target]]
    figure = "occupancy_rate"          # a summary figure (sim.SUMMARY_FIGURES) ...
    value = 0.97                       # what was observed, in the figure's units
    sd = 0.003                         # its uncertainty: the sd of one observation, same units

    [[target]]
    figure = "waiting"                 # ... or a column of the daily table, with the date it was seen
    at = 2025-10-22
    value = 120
    sd = 35

    [[parameter]]
    key = "arrivals.applications_per_year"   # a scenario key with a numeric value
    low = 1000                               # the range searched; both ends must be valid values
    high = 2400

Every problem is refused before anything runs, as one line ``<file>: <key>: <problem>``
(:class:`sim.ScenarioError`), e.g. ``targets.toml: target[1].sd: missing (...)``. Entries of the
``target`` list are numbered from 0, as elsewhere in scenario messages.
"""

from __future__ import annotations

import datetime
import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path

import sim
from analysis.experiments.runner import MAX_REPS, seeds_problem
from analysis.experiments.sweep import check_study_fields, display_path, find_base
from sim import SUMMARY_FIGURES, ScenarioError, load_scenario
from sim.calendar import run_days
from sim.parameters import describe_value, read_toml
from sim.records import DAILY_COLUMNS, DERIVED_DAILY_COLUMNS

TOP_KEYS = ("base", "description", "reference", "name", "reps", "seed", "target", "parameter")
TARGET_KEYS = ("figure", "value", "sd", "at", "reference", "description")
PARAMETER_KEYS = ("key", "low", "high", "reference", "description")
#: Columns of the daily table a target may name with a date (``at``).
DAILY_FIGURES = tuple(c for c in (*DAILY_COLUMNS, *DERIVED_DAILY_COLUMNS) if c != "day")
#: Sections whose keys set up the run rather than behaviour; they cannot be fitted.
FIXED_SECTIONS = ("calendar.", "analysis.")
DEFAULT_REPS = 5
DEFAULT_SEED = 1


@dataclass(frozen=True)
class Target:
    """One observed figure: a summary figure, or a daily figure on date ``at``."""

    figure: str
    value: float
    sd: float
    at: str | None = None  # ISO date for a daily figure
    reference: str = ""

    @property
    def name(self) -> str:
        """``figure`` or ``figure@date``: the target's name in tables."""
        return self.figure if self.at is None else f"{self.figure}@{self.at}"


@dataclass(frozen=True)
class Parameter:
    """One input to fit, searched over [low, high]."""

    key: str
    low: float
    high: float
    whole: bool = False  # the key takes whole numbers only (values are rounded)
    reference: str = ""

    def clip(self, x: float) -> float:
        x = min(max(float(x), self.low), self.high)
        return float(round(x)) if self.whole else x


@dataclass
class Targets:
    """A checked targets file."""

    source: str  # the file, as shown in messages
    path: Path
    base: sim.Params
    base_path: Path
    targets: list[Target]
    parameters: list[Parameter]
    reps: int = DEFAULT_REPS
    seed: int = DEFAULT_SEED
    description: str = ""
    reference: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _is_whole(x: object) -> bool:
    """A whole number, written as one (``5``) or as a float (``5.0``)."""
    return _is_number(x) and (isinstance(x, int) or x.is_integer())


def _number(source: str, where: str, x: object) -> float:
    if not _is_number(x):
        raise ScenarioError(f"{source}: {where}: expected a number, got {describe_value(x)}")
    if not math.isfinite(x):
        raise ScenarioError(f"{source}: {where}: must be finite, got {x}")
    return float(x)


def run_dates(params: sim.Params) -> tuple[datetime.date, datetime.date]:
    """First and last date of a run of ``params`` (the daily table's first and last ``date``)."""
    start = params.start_date
    days = run_days(start, float(params.value("calendar.horizon_years")))
    return start, start + datetime.timedelta(days=days - 1)


def _date(source: str, where: str, x: object) -> str:
    if type(x) is datetime.date:
        return x.isoformat()
    if isinstance(x, str):
        try:
            if len(x) == 10:
                return datetime.date.fromisoformat(x).isoformat()
        except ValueError:
            pass
        raise ScenarioError(f'{source}: {where}: not a date: "{x}" (write it as YYYY-MM-DD)')
    raise ScenarioError(f"{source}: {where}: not a date: {describe_value(x)} (write it as YYYY-MM-DD)")


def _entries(doc: dict, name: str, source: str, what: str) -> list[dict]:
    if name not in doc:
        raise ScenarioError(f"{source}: {name}: missing (list {what} as [[{name}]] tables)")
    entries = doc[name]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ScenarioError(f"{source}: {name}: expected [[{name}]] tables, got {describe_value(entries)}")
    if not entries:
        raise ScenarioError(f"{source}: {name}: empty (list {what} as [[{name}]] tables)")
    return entries


def _target(source: str, i: int, entry: dict, base: sim.Params) -> Target:
    at = f"target[{i}]"
    for name in entry:
        if name not in TARGET_KEYS:
            raise ScenarioError(
                f'{source}: {at}: unknown entry "{name}" (a target holds figure, value, sd and, for a '
                "daily figure, at)"
            )
    if "figure" not in entry:
        raise ScenarioError(f"{source}: {at}.figure: missing (a summary figure such as occupancy_rate)")
    figure = entry["figure"]
    if not isinstance(figure, str):
        raise ScenarioError(f"{source}: {at}.figure: expected a figure name, got {describe_value(figure)}")
    if figure not in SUMMARY_FIGURES and figure not in DAILY_FIGURES:
        close = difflib.get_close_matches(figure, (*SUMMARY_FIGURES, *DAILY_FIGURES), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ScenarioError(f'{source}: {at}.figure: unknown figure "{figure}"{hint}')
    for name, what in (("value", "the observed value"), ("sd", "the uncertainty of the observed value")):
        if name not in entry:
            raise ScenarioError(f"{source}: {at}.{name}: missing ({what}, in the figure's units)")
    value = _number(source, f"{at}.value", entry["value"])
    sd = _number(source, f"{at}.sd", entry["sd"])
    if sd <= 0:
        raise ScenarioError(f"{source}: {at}.sd: must be positive, got {entry['sd']}")
    when = None
    if "at" in entry:  # a daily figure on one date
        if figure not in DAILY_FIGURES:
            raise ScenarioError(
                f"{source}: {at}.at: {figure} is a figure of the whole run, not of one day: remove at"
            )
        when = _date(source, f"{at}.at", entry["at"])
        first, last = run_dates(base)
        if not first <= datetime.date.fromisoformat(when) <= last:
            raise ScenarioError(
                f"{source}: {at}.at: {when} is outside the run of the base ({first} to {last})"
            )
    elif figure not in SUMMARY_FIGURES:
        raise ScenarioError(
            f"{source}: {at}.at: missing ({figure} is a daily figure: give the date it was observed)"
        )
    reference = entry.get("reference", "")
    if not isinstance(reference, str):
        raise ScenarioError(f"{source}: {at}.reference: expected a string, got {describe_value(reference)}")
    return Target(figure, value, sd, when, reference)


def _parameter(source: str, i: int, entry: dict, base: sim.Params) -> Parameter:
    at = f"parameter[{i}]"
    for name in entry:
        if name not in PARAMETER_KEYS:
            raise ScenarioError(
                f'{source}: {at}: unknown entry "{name}" (a parameter holds key, low and high)'
            )
    if "key" not in entry:
        raise ScenarioError(
            f"{source}: {at}.key: missing (a scenario key such as arrivals.applications_per_year)"
        )
    key = entry["key"]
    if not isinstance(key, str):
        raise ScenarioError(f"{source}: {at}.key: expected a scenario key, got {describe_value(key)}")
    if key not in base.keys():
        base.with_overrides({key: None}, source=source)  # raises the loader's unknown-key message
    if key.startswith(FIXED_SECTIONS):
        raise ScenarioError(f"{source}: {key}: cannot be calibrated (it sets up the run, not behaviour)")
    if base.is_dated(key):
        raise ScenarioError(
            f"{source}: {key}: has dated values in the base; only a plain value can be fitted"
        )
    like = base.value(key)
    if not _is_number(like):
        raise ScenarioError(
            f"{source}: {key}: not a number in the base ({describe_value(like)}); only numbers can be fitted"
        )
    for name in ("low", "high"):
        if name not in entry:
            raise ScenarioError(f"{source}: {key}: {name}: missing (the range searched is [low, high])")
    low = _number(source, f"{key}: low", entry["low"])
    high = _number(source, f"{key}: high", entry["high"])
    if low >= high:
        raise ScenarioError(f"{source}: {key}: low ({entry['low']}) must be below high ({entry['high']})")
    prefix = f"{source}: {key}: "
    for name, value in (("low", entry["low"]), ("high", entry["high"])):
        try:
            base.with_overrides({key: value}, source=source)
        except ScenarioError as err:  # the loader's own check of the value: range, whole number ...
            problem = str(err).removeprefix(prefix)
            raise ScenarioError(f"{prefix}{name}: {problem}") from None
    whole = False
    if isinstance(like, int):
        try:
            base.with_overrides({key: float(low) + 0.5}, source=source)
        except ScenarioError as err:
            whole = "whole number" in str(err)
    reference = entry.get("reference", "")
    if not isinstance(reference, str):
        raise ScenarioError(f"{source}: {key}: reference: expected a string, got {describe_value(reference)}")
    return Parameter(key, low, high, whole, reference)


def load_targets(path: str | Path, reps: int | None = None, seed: int | None = None) -> Targets:
    """Read and check a targets file and its base, before anything runs.

    Args:
        reps, seed: replace the file's ``reps`` / ``seed`` (command-line options).

    Raises:
        ScenarioError: one line ``<file>: <key>: <problem>``.
    """
    path = Path(path)
    source = display_path(path)
    doc = read_toml(path, source, kind="targets")
    for key in doc:
        if key not in TOP_KEYS:
            close = difflib.get_close_matches(key, TOP_KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScenarioError(f"{source}: {key}: unknown key{hint}")
    check_study_fields(doc, source, "the fit")
    where = f"{source}: reps" if reps is None else "--reps"
    reps = doc.get("reps", DEFAULT_REPS) if reps is None else reps
    if not (_is_whole(reps) and 2 <= reps <= MAX_REPS):
        problem = f"must be a whole number from 2 to {MAX_REPS} (an sd needs two replications)"
        raise ScenarioError(f"{where}: {problem}, got {describe_value(reps)}")
    where = f"{source}: seed" if seed is None else "--seed"
    seed = doc.get("seed", DEFAULT_SEED) if seed is None else seed
    problem = seeds_problem(int(seed) if _is_whole(seed) else seed, int(reps))
    if problem:
        raise ScenarioError(f"{where}: {problem}")

    base_path = find_base(doc["base"], path.parent, source)
    base = load_scenario(base_path)  # the base's own errors name it
    targets = [
        _target(source, i, e, base)
        for i, e in enumerate(_entries(doc, "target", source, "the observed figures"))
    ]
    seen = set()
    for i, t in enumerate(targets):
        if t.name in seen:
            raise ScenarioError(f"{source}: target[{i}].figure: {t.name} is observed twice")
        seen.add(t.name)
    parameters = []
    for i, e in enumerate(_entries(doc, "parameter", source, "the inputs to fit")):
        p = _parameter(source, i, e, base)
        if p.key in {q.key for q in parameters}:
            raise ScenarioError(f"{source}: {p.key}: listed twice as a parameter")
        parameters.append(p)
    return Targets(
        source=source,
        path=path,
        base=base,
        base_path=base_path,
        targets=targets,
        parameters=parameters,
        reps=int(reps),
        seed=int(seed),
        description=doc.get("description", ""),
        reference=doc.get("reference", ""),
    )
