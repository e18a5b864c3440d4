"""The files an experiment writes and the reporting reads: the replications' tables (Parquet), the
summaries (CSV), each replaced atomically; the folder's manifest of scenarios (``scenarios.json``); and
reading a run, compare or sweep folder back.

    write_scenarios_json("out/compare/baseline-vs-cap8", [base, cap8])
    kind = folder_kind("out/compare/baseline-vs-cap8")     # "run", "compare" or "sweep"
    data = read_compare("out/compare/baseline-vs-cap8")     # CompareData: names, tables, ScenarioInfo
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import SimulationResult
from sim.parameters import setting_text
from sim.schema import KEYS
from sim.supply import target_stock

from ..stats import rent_roll_table, scenario_names, summary_frame, summary_table

TABLE_FILES = ("households", "daily", "offers", "rent_roll")  # written as <name>.parquet


OUTPUT_FILES = (
    *(f"{name}.parquet" for name in TABLE_FILES),
    "summary.csv",
    "summary_ci.csv",
    "rent_roll.csv",
)


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it into place."""
    tmp = str(path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"))
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_frame(df: pd.DataFrame, path) -> Path:
    """Write ``df`` atomically as Parquet or CSV (by the file's suffix), without the index."""
    path = Path(path)
    if path.suffix == ".parquet":
        atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
    else:
        atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))
    return path


def _with_seed(frames: list[tuple[int, pd.DataFrame]]) -> pd.DataFrame:
    parts = []
    for seed, df in frames:
        df = df.copy()
        df.insert(0, "seed", np.int64(seed))
        parts.append(df)
    parts = [p for p in parts if len(p)] or parts[:1]  # keep one empty frame for the columns
    return pd.concat(parts, ignore_index=True)


def write_outputs(
    results: list[SimulationResult], out_dir, params=None, run: dict | None = None
) -> list[Path]:
    """Write the replications to ``out_dir`` (created if need be); return the files written.

    Files: ``households.parquet``, ``daily.parquet``, ``offers.parquet``, ``rent_roll.parquet`` (the
    replications' tables one under the other, a ``seed`` column first), ``summary.csv`` (one row per
    replication: ``seed`` then every figure), ``summary_ci.csv`` (:func:`summary_table`) and
    ``rent_roll.csv`` (the rent due per operator and calendar year, :func:`rent_roll_table`); with
    ``params`` (the scenario that ran), the manifest ``scenarios.json`` too (with ``run``, the record of
    the run: ``analysis.experiments.folders.run_record``), so that a folder never holds tables without it,
    even when the run was cut short. Each file is replaced atomically.
    """
    if not results:
        raise ValueError("no replications to write")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = {}
    for name in TABLE_FILES:
        df = tables[name] = _with_seed([(r.seed, getattr(r, name)) for r in results])
        path = out / f"{name}.parquet"
        atomic_write(path, lambda tmp, df=df: df.to_parquet(tmp, index=False))
        written.append(path)
    summary = summary_frame(results)
    for path, df in (
        (out / "summary.csv", summary),
        (out / "summary_ci.csv", summary_table(summary)),
        (out / "rent_roll.csv", rent_roll_table(tables["rent_roll"])),
    ):
        atomic_write(path, lambda tmp, df=df: df.to_csv(tmp, index=False))
        written.append(path)
    if params is not None:
        written.append(write_scenarios_json(out, [params], run=run))
    return written


def write_comparison(cmp, params_list, out_dir, run: dict | None = None) -> Path:
    """The folder of a comparison (``run.py compare``, the explorer's runs): ``comparison.csv``,
    ``replications.parquet``, ``daily.parquet`` and the manifest, each written atomically; what
    ``run.py charts`` and the briefing read. ``cmp`` is an ``analysis.experiments.compare.Comparison``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_frame(cmp.table, out / "comparison.csv")
    write_frame(cmp.replications, out / "replications.parquet")
    write_frame(cmp.daily, out / "daily.parquet")
    write_scenarios_json(out, params_list, cmp.names, run=run)
    return out


def write_sweep(swept, out_dir, run: dict | None = None) -> Path:
    """The folder of a sweep (``run.py sweep``): ``replications.parquet``, ``cells.csv`` and
    ``daily.parquet``, and the manifest of its base scenario, each written atomically. ``swept`` is an
    ``analysis.experiments.sweep.SweepRun``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_frame(swept.replications, out / "replications.parquet")
    write_frame(swept.cells, out / "cells.csv")
    write_frame(swept.daily, out / "daily.parquet")
    write_scenarios_json(out, [swept.sweep.base], run=run)
    return out


def write_decomposition(dec, out_dir, names: Sequence[str] | None = None, run: dict | None = None) -> Path:
    """The folder of a decomposition (``run.py decompose``): ``decomposition.csv``,
    ``replications.parquet`` (a ``subset`` column, ``seed``, every figure) and the manifest of the base
    and the reform (shown as ``names``), each written atomically. ``dec`` is an
    ``analysis.experiments.decompose.Decomposition``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_frame(dec.table, out / "decomposition.csv")
    write_frame(dec.replications, out / "replications.parquet")
    write_scenarios_json(out, [dec.plan.base, dec.plan.reform], names, run=run)
    return out


def write_robustness(results, out_dir, names: Sequence[str] | None = None, run: dict | None = None) -> Path:
    """The folder of a robustness study (``run.py robustness``; ``results`` is the screening and, with
    ``--method sobol``, the Sobol stage: ``analysis.experiments.robustness.StudyResult``): ``holds.csv``
    (does the conclusion hold, figure by figure), ``indices.csv`` (every input's influence),
    ``inputs.csv`` (every range, and every key held and why), ``points.parquet`` (each design point's
    mean of each figure in both scenarios and their difference), ``design.csv`` (each point's input
    values) and ``replications.parquet``; a ``method`` column tells the two stages apart."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    last = results[-1]

    def stacked(frames):
        return pd.concat(
            [f.assign(method=r.study.method) if "method" not in f else f for f, r in frames],
            ignore_index=True,
        )

    write_frame(stacked([(r.holds, r) for r in results]), out / "holds.csv")
    write_frame(stacked([(r.indices, r) for r in results]), out / "indices.csv")
    write_frame(last.inputs_table(), out / "inputs.csv")
    write_frame(stacked([(r.points, r) for r in results]), out / "points.parquet")
    design = [
        pd.DataFrame(
            [
                {"point": p, "cluster": r.study.cluster(p), **r.study.values(p)}
                for p in range(len(r.study.design))
            ]
        ).assign(method=r.study.method)
        for r in results
    ]
    write_frame(pd.concat(design, ignore_index=True).astype({"method": str}), out / "design.csv")
    write_frame(stacked([(r.replications, r) for r in results]), out / "replications.parquet")
    write_scenarios_json(out, [last.study.base, last.study.variant], names, run=run)
    return out


# ---------------------------------------------------------------- the manifest: scenarios.json

SCENARIOS_FILE = "scenarios.json"


@dataclass(frozen=True)
class ScenarioInfo:
    """What charts and briefings need to know of a scenario besides its outputs. The defaults are the
    baseline's (``scenarios/baseline.toml``): what a scenario known by its name alone is drawn with."""

    name: str
    description: str = ""
    reference: str = ""
    title: str = ""
    title_zh: str = ""
    description_zh: str = ""
    start_date: str = "2021-10-22"
    target_units: float = 5000  # the stock the supply target names (``sim.supply.target_stock``)
    target_date: str | None = "2025-12-31"
    min_cell: int = 10
    warmup_days: float = 365
    cohort_margin_days: float = 900
    #: ``{key: value as typed}`` set on top of the scenario file (``--set``, the explorer): part of its
    #: name and title (``sim.Params.variant``).
    overrides: dict[str, str] | None = None
    #: The inputs not yet calibrated: ``(key, reference)`` of every key whose reference starts with
    #: ``ASSUMED`` (:func:`assumed_inputs`); None when not recorded (a scenario known by name alone).
    assumed: tuple[tuple[str, str], ...] | None = None

    def __post_init__(self):
        if self.assumed is not None:  # read back from JSON as lists
            object.__setattr__(self, "assumed", tuple((str(k), str(r)) for k, r in self.assumed))

    @classmethod
    def from_params(cls, params, name: str | None = None) -> ScenarioInfo:
        """From a ``sim.Params`` (values in force on day 0)."""
        return cls(
            name=name or params.name,
            description=params.description,
            reference=params.reference,
            title=getattr(params, "title", ""),
            title_zh=getattr(params, "title_zh", ""),
            description_zh=getattr(params, "description_zh", ""),
            overrides={k: setting_text(v) for k, v in getattr(params, "overrides", {}).items()} or None,
            assumed=assumed_inputs(params),
            start_date=str(params.value("calendar.start_date")),
            target_units=float(target_stock(params.resolved(0))),
            target_date=str(params.value("supply.target_date")),
            min_cell=int(params.value("analysis.min_cell")),
            warmup_days=params.warmup_days,
            cohort_margin_days=float(params.value("analysis.cohort_margin_days")),
        )


#: How the reference of a behavioural input not yet calibrated begins (``scenarios/baseline.toml``); a
#: fitted scenario (``calibration/``) replaces it with ``CALIBRATED on ...`` or ``estimated from ...``.
ASSUMED_PREFIX = "ASSUMED"


def assumed_inputs(params) -> tuple[tuple[str, str], ...]:
    """``(key, reference)`` of every key of ``params`` whose resolved reference (the scenario's own, its
    bases', else the schema's citation) starts with ``ASSUMED``, in key order."""
    out = []
    for key in params.keys():
        reference = params.meta(key).get("reference", "") or (KEYS[key].citation if key in KEYS else "")
        if reference.lstrip().startswith(ASSUMED_PREFIX):
            out.append((key, reference.strip()))
    return tuple(out)


def write_scenarios_json(
    out_dir, params_list, names: Sequence[str] | None = None, run: dict | None = None
) -> Path:
    """Record the scenarios of an output folder (``scenarios.json``), so that charts and briefings drawn
    later from the folder alone know their names and titles (overrides included), descriptions,
    references, supply target, ``min_cell`` and inputs not yet calibrated (``assumed``); and ``run``, the
    run that wrote the folder (``analysis.experiments.folders``)."""
    names = list(names) if names else [p.name for p in params_list]
    infos = [ScenarioInfo.from_params(p, n).__dict__ for p, n in zip(params_list, names, strict=True)]
    path = Path(out_dir) / SCENARIOS_FILE
    doc = {"scenarios": infos, **({"run": run} if run else {})}
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return path


def manifest_names(folder) -> list[str]:
    """The names of the scenarios the folder's manifest records, in order; [] without one."""
    try:
        doc = json.loads((Path(folder) / SCENARIOS_FILE).read_text(encoding="utf-8"))
        return [str(entry["name"]) for entry in doc["scenarios"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def scenario_infos(folder, names: Sequence[str], params=None) -> dict[str, ScenarioInfo]:
    """The ``ScenarioInfo`` of each name, from the first of:

    1. ``params`` given explicitly (a ``sim.Params`` or a list of them, in ``names`` order);
    2. the folder's manifest (``scenarios.json``, written by the experiment; a manifest that cannot be
       read counts as absent);
    3. the name alone (the other fields keep :class:`ScenarioInfo`'s defaults, the baseline's values).

    No scenario file is looked up: a folder is drawn from what it holds.
    """
    if params is not None:
        plist = params if isinstance(params, list | tuple) else [params]
        return {n: ScenarioInfo.from_params(p, n) for n, p in zip(names, plist, strict=False)}
    stored = {}
    path = Path(folder) / SCENARIOS_FILE
    if path.exists():
        try:
            fields = set(ScenarioInfo.__dataclass_fields__)
            for entry in json.loads(path.read_text(encoding="utf-8"))["scenarios"]:
                # fields this version does not know (a newer manifest) are left out
                stored[entry["name"]] = ScenarioInfo(**{k: v for k, v in entry.items() if k in fields})
        except (ValueError, KeyError, TypeError):
            stored = {}
    return {name: stored.get(name) or ScenarioInfo(name=name) for name in names}


# ---------------------------------------------------------------- reading an output folder back


class NotAnOutputFolder(ValueError):
    """The folder is not a run, compare or sweep output folder."""


def folder_kind(directory) -> str:
    """``"run"``, ``"compare"``, ``"sweep"``, ``"decompose"`` or ``"robustness"``, from the files in the
    folder.

    Raises:
        NotAnOutputFolder: none of the five.
    """
    d = Path(directory)
    if not d.is_dir():
        raise NotAnOutputFolder(f"{d}: no such folder")
    if (d / "comparison.csv").exists() and (d / "replications.parquet").exists():
        return "compare"
    if (d / "cells.csv").exists() and (d / "replications.parquet").exists():
        return "sweep"
    if (d / "decomposition.csv").exists() and (d / "replications.parquet").exists():
        return "decompose"
    if (d / "holds.csv").exists() and (d / "indices.csv").exists():
        return "robustness"
    if (d / "summary.csv").exists() and (d / "daily.parquet").exists():
        return "run"
    raise NotAnOutputFolder(
        f"{d}: not a run, compare, sweep, decompose or robustness output folder (expected summary.csv and "
        "daily.parquet, comparison.csv, cells.csv or decomposition.csv, and replications.parquet, or "
        "holds.csv and indices.csv)"
    )


@dataclass
class RunData:
    """A run folder, read (its households table, the largest, is read on demand: :func:`read_households`)."""

    name: str
    info: ScenarioInfo
    summary: pd.DataFrame
    daily: pd.DataFrame
    households_path: Path


def read_run(run_dir, params=None) -> RunData:
    """Read a run folder (``summary.csv``, ``daily.parquet``); its scenario is named after ``params``
    if given, else as the folder's manifest records it, else after the folder; the tables get a
    ``scenario`` column."""
    run_dir = Path(run_dir)
    summary = pd.read_csv(run_dir / "summary.csv")
    daily = pd.read_parquet(run_dir / "daily.parquet")
    recorded = manifest_names(run_dir)
    name = params.name if params is not None else recorded[0] if recorded else run_dir.resolve().name
    info = scenario_infos(run_dir, [name], params)[name]
    summary.insert(0, "scenario", name)
    daily.insert(0, "scenario", name)
    return RunData(name, info, summary, daily, run_dir / "households.parquet")


def read_households(run: RunData, columns: Sequence[str]) -> pd.DataFrame | None:
    """``columns`` of a run's ``households.parquet`` with a ``scenario`` column first; None if the folder
    has no households table."""
    if not run.households_path.exists():
        return None
    hh = pd.read_parquet(run.households_path, columns=list(columns))
    hh.insert(0, "scenario", run.name)
    return hh


@dataclass
class CompareData:
    """A compare folder, read."""

    names: list[str]
    comparison: pd.DataFrame
    replications: pd.DataFrame
    daily: pd.DataFrame | None
    infos: dict[str, ScenarioInfo]


def read_compare(compare_dir, params=None) -> CompareData:
    """Read a compare folder (``comparison.csv``, ``replications.parquet``, ``daily.parquet``)."""
    d = Path(compare_dir)
    comparison = pd.read_csv(d / "comparison.csv")
    reps = pd.read_parquet(d / "replications.parquet")
    reps["scenario"] = reps["scenario"].astype(str)
    names = list(dict.fromkeys(comparison["scenario"].astype(str)))
    for name in scenario_names(reps):
        if name not in names:
            names.append(name)
    daily = None
    if (d / "daily.parquet").exists():
        daily = pd.read_parquet(d / "daily.parquet")
        daily["scenario"] = daily["scenario"].astype(str)
    return CompareData(names, comparison, reps, daily, scenario_infos(d, names, params))


def in_scenario_order(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Rows in scenario order (so that colours, legends and panels follow the comparison)."""
    order = {n: i for i, n in enumerate(names)}
    return df.iloc[np.argsort(df["scenario"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)


def read_sweep(sweep_dir) -> pd.DataFrame:
    """A sweep folder's ``replications.parquet``: the swept keys (:func:`sweep_keys`), ``seed``, every
    figure."""
    return pd.read_parquet(Path(sweep_dir) / "replications.parquet")


def sweep_keys(replications: pd.DataFrame) -> list[str]:
    """The swept keys of a sweep's replications table: the columns before ``seed``."""
    cols = list(replications.columns)
    return cols[: cols.index("seed")] if "seed" in cols else []


@dataclass
class RobustnessData:
    """A robustness folder, read (:func:`write_robustness`); ``run`` is its manifest's run record."""

    names: list[str]
    holds: pd.DataFrame
    indices: pd.DataFrame
    inputs: pd.DataFrame
    points: pd.DataFrame
    design: pd.DataFrame
    infos: dict[str, ScenarioInfo]
    run: dict

    @property
    def keys(self) -> dict[str, str]:
        """Each input's scenario key."""
        return dict(zip(self.inputs["input"].astype(str), self.inputs["key"].astype(str), strict=True))


def read_robustness(directory) -> RobustnessData:
    """Read a robustness folder (``holds.csv``, ``indices.csv``, ``inputs.csv``, ``points.parquet``,
    ``design.csv``, ``scenarios.json``)."""
    from .folders import stored_record

    d = Path(directory)
    names = manifest_names(d)
    inputs = pd.read_csv(d / "inputs.csv", keep_default_na=False)
    return RobustnessData(
        names,
        pd.read_csv(d / "holds.csv"),
        pd.read_csv(d / "indices.csv"),
        inputs,
        pd.read_parquet(d / "points.parquet").astype({"method": str, "figure": str}),
        pd.read_csv(d / "design.csv"),
        scenario_infos(d, names),
        stored_record(d) or {},
    )
