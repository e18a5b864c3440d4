"""An output folder holds one run: what a run, compare or sweep writes into a folder that may hold another.

The manifest of a folder (``scenarios.json``) records the run that wrote it (:func:`run_record`): its
kind, the names of its scenarios as shown (``cap8 + lease.max_total_years=3``), a digest of their resolved
rules, and the replications asked for. Before a command simulates, :func:`folder_verdict` reads the
folder against the new run:

- ``"empty"``: no outputs there;
- ``"same"``: the outputs of this very run (same scenarios, rules and replications): they are replaced
  file by file, and files the new run does not write (the briefing in the other language, charts kept by
  ``--no-charts``) stay, for they show the same results;
- ``"stale"``: the same scenarios with other rules (a scenario file edited) or other replications:
  every output of the old run is cleared before the new one writes (:func:`clear_outputs`), so that no old
  chart or briefing stands beside the new tables;
- ``"other"``: another run's outputs (other scenarios, another kind, or outputs without a manifest): the
  command refuses unless told to replace them (``--replace``), for a chart labelled with the wrong rule is
  worse than none.

Only the files the project writes are cleared (:data:`KNOWN_FILES`, ``charts/`` of ``<name>.<lang>.png``
and ``.svg``); anything else a user put in the folder stays.

    record = run_record("compare", params_list, names, seed=1, reps=10)
    verdict, holds = folder_verdict("out/compare/baseline-vs-cap8", record)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from .outputs import OUTPUT_FILES, SCENARIOS_FILE
from .store import scenario_hash

#: The files a run, compare, sweep or briefing writes into its folder (patterns, for ``Path.glob``).
KNOWN_FILES = (
    *OUTPUT_FILES,
    SCENARIOS_FILE,
    "comparison.csv",
    "replications.parquet",
    "cells.csv",
    "decomposition.csv",
    "decomposition_groups*.csv",
    "briefing.*.pdf",
    "briefing_table.*.csv",
    "comparison.*.md",
)
CHART_FILES = ("*.png", "*.svg")  # in charts/


def safe_name(name: str, most: int = 80) -> str:
    """``name`` as a folder's name: runs of characters other than letters (any script), digits and
    ``_.=+,-`` become one ``-``; cut to ``most`` characters, with a digest of the whole name when cut
    (so that two long names stay apart)."""
    text = re.sub(r"[^\w.=+,-]+", "-", re.sub(r"\s*\+\s*", "+", name)).strip("-.") or "scenario"
    if len(text) <= most:
        return text
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{text[: most - 9].rstrip('-.')}-{digest}"


def run_record(kind: str, params_list: Sequence, names: Sequence[str] | None = None, **replications) -> dict:
    """What identifies a run in its folder's manifest: ``kind`` ("run", "compare", "sweep"), the
    scenarios' names as shown, a digest of their resolved rules (and the engine), and the replications
    asked for (``seed``, ``reps``, ``precision``, ...; None values left out)."""
    names = list(names) if names is not None else [p.name for p in params_list]
    rules = hashlib.sha256("".join(scenario_hash(p) for p in params_list).encode()).hexdigest()
    asked = {k: v for k, v in sorted(replications.items()) if v is not None}
    return {"kind": kind, "names": names, "rules": rules, "replications": asked}


def _present(folder: Path) -> list[Path]:
    """The files of ``folder`` that a run, compare, sweep or briefing wrote."""
    found = [p for pattern in KNOWN_FILES for p in folder.glob(pattern) if p.is_file()]
    charts = folder / "charts"
    if charts.is_dir():
        found += [p for pattern in CHART_FILES for p in charts.glob(pattern) if p.is_file()]
    return found


def stored_record(folder) -> dict | None:
    """The run recorded in ``folder``'s manifest, or None (no manifest, unreadable, or none recorded)."""
    try:
        record = json.loads((Path(folder) / SCENARIOS_FILE).read_text(encoding="utf-8"))["run"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if isinstance(record, dict) else None


def describe_record(record: dict | None) -> str:
    """``a compare of baseline, cap8``, for messages; ``outputs whose run is not recorded`` without one."""
    if not record:
        return "outputs whose run is not recorded"
    names = ", ".join(str(n) for n in record.get("names", []))
    return f"a {record.get('kind', 'run')} of {names}"


def folder_verdict(folder, record: dict) -> tuple[str, str]:
    """``(verdict, what the folder holds)``: verdict ``"empty"``, ``"same"``, ``"stale"`` or ``"other"``
    (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir() or not _present(folder):
        return "empty", ""
    old = stored_record(folder)
    holds = describe_record(old)
    if old is None or old.get("kind") != record["kind"] or old.get("names") != record["names"]:
        return "other", holds
    if old == record:
        return "same", holds
    return "stale", holds


def clear_outputs(folder) -> list[Path]:
    """Remove every file a run, compare, sweep or briefing wrote into ``folder`` (and ``charts/`` when it
    is left empty); return what was removed. Other files stay."""
    folder = Path(folder)
    removed = _present(folder) if folder.is_dir() else []
    for path in removed:
        path.unlink(missing_ok=True)
    charts = folder / "charts"
    if charts.is_dir() and not any(charts.iterdir()):
        charts.rmdir()
    return removed


def prepare_folder(folder, record: dict) -> list[Path]:
    """Before a run writes into ``folder``: clear the outputs of a different run (:func:`folder_verdict`
    not ``"same"``); return what was removed. The caller has refused ``"other"`` already unless told to
    replace it."""
    verdict, _ = folder_verdict(folder, record)
    return clear_outputs(folder) if verdict in ("stale", "other") else []
