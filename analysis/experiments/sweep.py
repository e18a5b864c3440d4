"""Sweeps: a grid of rule values × replications, from a small TOML file.

    base = "baseline"                 # a scenario name (scenarios/) or a path
    reps = 20                         # replications per cell; seeds seed, seed + 1, ...
    seed = 1
    description = "..."              # optional
    [grid]
    "lease.max_total_years" = [4, 6, 8, 10]                      # a list of values
    "queue.validity_years" = {start = 1, stop = 3, step = 0.5}   # a range: 1, 1.5, 2, 2.5, 3

A range runs ``start, start + step, ...`` up to ``stop``; ``stop`` itself is included when it lands
on the grid (within 1e-9 of a step), so ``{start = 1, stop = 3, step = 0.5}`` gives 5 values and
``{start = 1, stop = 2.9, step = 0.5}`` gives 1 … 2.5. Values are rounded to 10 decimals; a range of
whole numbers gives whole numbers. The cells are every combination of the grid's values (the first
key varies slowest). Every grid value is checked by the scenario loader, as a ``--set`` would be,
before anything runs; a bad one is reported as ``<sweep file>: <key>: <problem>``.

The base may be found next to the sweep file, in the working directory, in ``scenarios/`` or from the
project's root (``base = "scenarios/baseline.toml"`` works from anywhere).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim import ScenarioError, load_scenario
from sim.parameters import SCENARIOS_DIR, describe_value, read_toml, scenario_path

from ..stats import summary_table
from .compare import figure_order
from .runner import MAX_REPS, Failure, ResultStore, Task, run_tasks, seeds_problem

SWEEP_KEYS = ("base", "reps", "seed", "grid", "description", "reference", "name")
RANGE_KEYS = ("start", "stop", "step")
MAX_VALUES = 1000  # values of one swept key
CELL_COLUMNS = ("figure", "mean", "ci_low", "ci_high", "n")
DEFAULT_FIGURES = (
    "wait_apply_to_movein_mean",
    "wait_apply_to_movein_p90",
    "waiting_mean",
    "occupancy_rate",
    "lapse_rate",
    "exits_cap",
)


#: The most cells of a sweep: each is a scenario checked and held before anything runs (a million took
#: 4 GB), and a grid of 10,000 cells × 10 replications is already days of a 2-core machine.
MAX_CELLS = 10_000


def display_path(path: Path) -> str:
    """A file as messages name it: relative to the working folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class Sweep:
    """A checked sweep file."""

    source: str  # the file, as shown in messages
    base: sim.Params
    reps: int
    seed: int
    grid: dict[str, list]  # swept key -> its values, in file order
    description: str = ""
    cells: list[tuple[dict, sim.Params]] = field(default_factory=list)  # (cell values, params)

    @property
    def keys(self) -> list[str]:
        return list(self.grid)

    def tasks(self) -> list[Task]:
        return [
            Task(params, s, label=cell_label(cell))
            for cell, params in self.cells
            for s in range(self.seed, self.seed + self.reps)
        ]


def cell_label(cell: dict) -> str:
    return ", ".join(f"{k}={show_value(v)}" for k, v in cell.items())


def show_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def is_integral(x: object) -> bool:
    return isinstance(x, float) and x.is_integer()


def _whole(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _number(source: str, where: str, x: object) -> float:
    if not isinstance(x, int | float) or isinstance(x, bool):
        raise ScenarioError(f"{source}: {where}: expected a number, got {describe_value(x)}")
    if not math.isfinite(x):
        raise ScenarioError(f"{source}: {where}: must be finite, got {x}")
    return x


def grid_range(source: str, key: str, spec: dict) -> list:
    """The values of a ``{start, stop, step}`` range (see the module docstring)."""
    for name in spec:
        if name not in RANGE_KEYS:
            raise ScenarioError(
                f'{source}: grid.{key}: unknown entry "{name}" (expected a list of values or a table '
                "{start, stop, step})"
            )
    for name in RANGE_KEYS:
        if name not in spec:
            raise ScenarioError(
                f'{source}: grid.{key}: missing entry "{name}" of the range {{start, stop, step}}'
            )
    start, stop, step = (_number(source, f"grid.{key}.{n}", spec[n]) for n in RANGE_KEYS)
    if step <= 0:
        raise ScenarioError(f"{source}: grid.{key}.step: must be positive, got {step}")
    if stop < start:
        raise ScenarioError(f"{source}: grid.{key}.stop: must be at least start ({start}), got {stop}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_VALUES:
        raise ScenarioError(f"{source}: grid.{key}: the range gives {count} values, more than {MAX_VALUES}")
    whole = all(_whole(x) for x in (start, step))
    return [start + i * step if whole else round(start + i * step, 10) for i in range(count)]


def find_base(text: str, folder: Path, source: str) -> Path:
    """The base scenario a sweep or targets file names: next to the file, in the working folder or in the
    project (a path or a scenario name)."""
    for where in (folder, Path.cwd(), SCENARIOS_DIR.parent):
        try:
            return scenario_path(text, where)
        except ScenarioError:
            continue
    raise ScenarioError(f'{source}: base: no such scenario "{text}"')


def check_study_fields(doc: dict, source: str, what: str) -> None:
    """The fields a study file (a sweep, calibration targets) shares with a scenario file: ``description``,
    ``reference`` and ``name`` are strings, and ``base`` names the scenario ``what`` starts from."""
    for key in ("description", "reference", "name"):
        if key in doc and not isinstance(doc[key], str):
            raise ScenarioError(f"{source}: {key}: expected a string, got {describe_value(doc[key])}")
    if "base" not in doc:
        raise ScenarioError(f'{source}: base: missing (the scenario {what} starts from, e.g. "baseline")')
    if not isinstance(doc["base"], str):
        raise ScenarioError(
            f"{source}: base: expected a scenario name or path, got {describe_value(doc['base'])}"
        )


def load_sweep(
    path: str | Path, reps: int | None = None, seed: int | None = None, overrides: dict | None = None
) -> Sweep:
    """Read and check a sweep file, its base and every cell, before anything runs.

    Args:
        reps, seed: replace the file's ``reps`` / ``seed`` (command-line options).
        overrides: ``--set`` values applied to the base (a variant named after them:
            ``sim.Params.variant``); a key the grid sweeps cannot be set too.

    Raises:
        ScenarioError: one line ``<file>: <key>: <problem>``.
    """
    path = Path(path)
    source = display_path(path)
    doc = read_toml(path, source, kind="sweep")

    for key in doc:
        if key not in SWEEP_KEYS:
            raise ScenarioError(
                f"{source}: {key}: unknown key (a sweep file holds base, reps, seed, description and [grid])"
            )
    check_study_fields(doc, source, "the sweep")

    reps = doc.get("reps", 10) if reps is None else reps
    if not _whole(reps) or not 1 <= reps <= MAX_REPS:
        raise ScenarioError(
            f"{source}: reps: must be a whole number from 1 to {MAX_REPS}, got {describe_value(reps)}"
        )
    where = f"{source}: seed" if seed is None else "--seed"
    seed = doc.get("seed", 1) if seed is None else seed
    problem = seeds_problem(seed, reps)
    if problem:
        raise ScenarioError(f"{where}: {problem}")

    if "grid" not in doc:
        raise ScenarioError(f"{source}: grid: missing (a table of swept keys and their values)")
    if not isinstance(doc["grid"], dict):
        raise ScenarioError(
            f"{source}: grid: expected a table of swept keys, got {describe_value(doc['grid'])}"
        )
    if not doc["grid"]:
        raise ScenarioError(f"{source}: grid: empty (name at least one key and its values)")

    base = load_scenario(find_base(doc["base"], path.parent, source))  # the base's own errors name it
    if overrides:
        base = base.variant(overrides, source="--set")
    grid = {}
    for key, spec in _flatten(doc["grid"]):
        if key not in base.keys():
            base.with_overrides({key: None}, source=source)  # raises the loader's unknown-key message
        if key in (overrides or {}):
            raise ScenarioError(f"--set: {key}: is swept by {source}; set it in the grid or leave it out")
        if isinstance(spec, dict):
            values = grid_range(source, key, spec)
        elif isinstance(spec, list):
            values = list(spec)
            if not values:
                raise ScenarioError(f"{source}: {key}: empty list of values")
        else:
            raise ScenarioError(
                f"{source}: {key}: expected a list of values or a table {{start, stop, step}}, "
                f"got {describe_value(spec)}"
            )
        seen = []
        for value in values:
            checked = base.with_overrides({key: value}, source=source)  # the loader's own message
            normal = checked.value(key) if not checked.is_dated(key) else value
            if normal in seen:
                raise ScenarioError(f"{source}: {key}: value {show_value(value)} appears twice")
            seen.append(normal)
        grid[key] = values

    cells = math.prod(len(values) for values in grid.values())
    if cells > MAX_CELLS:
        raise ScenarioError(
            f"{source}: grid: {cells:,} cells, more than the {MAX_CELLS:,} a sweep may have (sweep fewer "
            "keys, or fewer values of each)"
        )
    sweep = Sweep(source, base, reps, seed, grid, doc.get("description", ""))
    for combo in itertools.product(*grid.values()):
        cell = dict(zip(grid, combo, strict=True))
        sweep.cells.append((cell, base.with_overrides(cell, source=source)))
    return sweep


def _flatten(grid: dict, prefix: str = ""):
    """Grid entries as (dotted key, spec): ``"lease.max_total_years" = [...]`` and ``[grid.lease]
    max_total_years = [...]`` both name ``lease.max_total_years``."""
    for name, spec in grid.items():
        key = prefix + name
        if isinstance(spec, dict) and not (set(spec) & set(RANGE_KEYS)) and spec:
            yield from _flatten(spec, key + ".")
        else:
            yield key, spec


# ---------------------------------------------------------------- results


def _column(values: list) -> list:
    """A swept key's values as a table column: scalars as they are, other values as JSON text."""
    if all(isinstance(v, bool | int | float | str) for v in values):
        return list(values)
    return [show_value(v) for v in values]


@dataclass
class SweepRun:
    sweep: Sweep
    replications: pd.DataFrame  # swept keys, seed, every figure (finished replications only)
    cells: pd.DataFrame  # swept keys, figure, mean, ci_low, ci_high, n
    daily: pd.DataFrame  # swept keys, seed, the daily table
    reused: int = 0
    computed: int = 0
    total: int = 0
    ignored: int = 0
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    backend: str = ""


def run_sweep(
    sweep: Sweep,
    store: ResultStore | None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    recompute: bool = False,
) -> SweepRun:
    """Run every cell × replication not already stored; tabulate what finished."""
    name = Path(sweep.source).stem
    batch = run_tasks(
        sweep.tasks(), store, workers, scheduler, progress, desc=f"sweep {name}", recompute=recompute
    )
    keys = sweep.keys
    columns = {
        key: dict(zip(map(show_value, values), _column(values), strict=True))
        for key, values in sweep.grid.items()
    }
    per_cell = []  # (shown values of the cell, [(seed, summary, daily)])
    for cell, params in sweep.cells:
        shown = [columns[key][show_value(cell[key])] for key in keys]
        found = []
        for s in range(sweep.seed, sweep.seed + sweep.reps):
            result = batch.results.get(Task(params, s).key)
            if result is not None:
                found.append((s, *result))
        per_cell.append((shown, found))
    figures = figure_order(summary for _, found in per_cell for _, summary, _ in found)

    rows, daily, cell_rows = [], [], []
    for shown, found in per_cell:
        cell_reps = pd.DataFrame(
            [(s, *(summary.get(f, np.nan) for f in figures)) for s, summary, _ in found],
            columns=["seed", *figures],
        )
        for rec in summary_table(cell_reps).itertuples(index=False):
            cell_rows.append((*shown, rec.figure, rec.mean, rec.ci_low, rec.ci_high, rec.n))
        for s, summary, day_table in found:
            rows.append((*shown, s, *(summary.get(f, np.nan) for f in figures)))
            df = day_table.copy()
            df.insert(0, "seed", np.int64(s))
            for i, (key, value) in enumerate(zip(keys, shown, strict=True)):
                df.insert(i, key, value)
            daily.append(df)
    reps = pd.DataFrame(rows, columns=[*keys, "seed", *figures])
    reps["seed"] = reps["seed"].astype("int64")
    day = pd.concat(daily, ignore_index=True) if daily else pd.DataFrame(columns=[*keys, "seed"])
    cells = pd.DataFrame(cell_rows, columns=[*keys, *CELL_COLUMNS])
    cells["n"] = cells["n"].astype("int64")
    return SweepRun(
        sweep,
        reps,
        cells,
        day,
        reused=batch.reused,
        computed=batch.computed,
        total=batch.total,
        ignored=batch.ignored,
        failures=batch.failures,
        interrupted=batch.interrupted,
        backend=batch.backend,
    )
