"""The result store: one file per finished replication, so that nothing computed is lost or redone.

A replication's result (its summary figures and its daily table, not the households table) is kept
under a key that hashes everything it depends on: the fully resolved scenario (``params.to_dict()`` as
canonical JSON: sorted keys, no whitespace), the seed and the engine (:func:`engine_id`: the version
``sim.ENGINE_VERSION`` plus a fingerprint of the engine's source files, so that an edit to ``sim/``
that forgot to bump the version still never serves results of the old code). The scenario's name,
description and file do not enter the key: two files that resolve to the same rules share their results.

    store = ResultStore("out/.store")
    key = result_key(params, seed)
    store.put(key, summary, daily, seed=seed)      # atomic: temporary file + os.replace
    found = store.get(key)                         # None if absent, unreadable or not this key's
    store.put(key, summary, daily, seed=seed, tables={"households": hh, "offers": offers}, n_days=n)
    full = store.get_tables(key)                   # ({"households": ..., "offers": ...}, n_days) or None

Each result is one Parquet file ``<root>/<key[:2]>/<key>.parquet``: the daily table, with the summary
figures and the key in the file's metadata. A file is read as a result only if it parses whole and its
metadata names its own key, so a file cut short by a crash is ignored (and recomputed), never read.

``run`` writes every table of a replication (``analysis.experiments.outputs``), so its results keep the
households, offers and rent roll tables too (:data:`TABLES`), each in ``<key>.<table>.parquet`` beside
the result, written before it and carrying the key in its metadata as well; a result without them serves
compare and sweep, and is run again (and completed) by ``run``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import sim
from sim.parameters import DATA_KEYS, data_path
from sim.snapshot import FILES

from .outputs import atomic_write

META_KEY = b"prh_result"
#: The tables of a replication kept besides the daily table when asked (``run``'s replications).
TABLES = ("households", "offers", "rent_roll")
DEFAULT_STORE = Path("out") / ".store"


def _canonical(obj: object) -> str:
    """Canonical JSON: sorted keys, no whitespace, whole floats as integers (``2.0`` as ``2``, the same
    rule), inf as ``Infinity``."""
    return json.dumps(_normal(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def _normal(obj: object) -> object:
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 2**53:
        return int(obj)
    if isinstance(obj, dict):
        return {str(k): _normal(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_normal(v) for v in obj]
    return obj


@functools.cache
def _source_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of the engine's source files (``sim/*.py``), as loaded."""
    digest = hashlib.sha256()
    for path in sorted(Path(sim.__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


_source_fingerprint()  # at import, as close as possible to the code this process runs


def engine_id() -> str:
    """The engine a result comes from: ``<sim.ENGINE_VERSION>+<fingerprint of sim/*.py>``."""
    return f"{sim.ENGINE_VERSION}+{_source_fingerprint()}"


def scenario_hash(params: sim.Params, engine_version: str | None = None) -> str:
    """SHA-256 (hex) of the resolved scenario and the engine (default :func:`engine_id`)."""
    version = engine_id() if engine_version is None else engine_version
    data = {key: _data_digest(params, key) for key in DATA_KEYS}
    text = _canonical({"engine": version, "params": params.to_dict(), "data": data})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _data_digest(params: sim.Params, key: str) -> str:
    """SHA-256 of the data a scenario reads from files (``arrivals.replay``: the recorded applications;
    ``start.snapshot``: the snapshot's four files), or "" when it reads none: the key holds the contents,
    since a path is relative and the files may be edited."""
    if not params.value(key):
        return ""
    path = data_path(params, key)
    files = [path / name for name in FILES] if path.is_dir() else [path]
    digest = hashlib.sha256()
    try:
        for file in files:
            digest.update(file.read_bytes() + b"\0")
    except OSError:
        return f"missing:{path}"  # the run itself reports the missing file
    return digest.hexdigest()


def result_key(params: sim.Params, seed: int, engine_version: str | None = None) -> str:
    """SHA-256 (hex) of the resolved scenario, the seed and the engine version."""
    text = _canonical({"scenario": scenario_hash(params, engine_version), "seed": int(seed)})
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_number(x: object) -> object:
    """A summary value as JSON can carry it exactly (NaN and inf as strings, read back by float())."""
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def _write_parquet(path: Path, df: pd.DataFrame, meta: dict) -> None:
    """``df`` as Parquet with ``meta`` in the file's metadata, atomically."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), META_KEY: _canonical(meta)})
    atomic_write(path, lambda tmp: pq.write_table(table, tmp))


class ResultStore:
    """Finished replications on disk, one atomic file each (see the module docstring)."""

    def __init__(self, root: str | Path = DEFAULT_STORE):
        self.root = Path(root)
        self.ignored = 0  # files found but unreadable or not the key's, since this store was opened

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.parquet"

    def table_path(self, key: str, name: str) -> Path:
        return self.root / key[:2] / f"{key}.{name}.parquet"

    def put(
        self,
        key: str,
        summary: dict[str, float],
        daily: pd.DataFrame,
        seed: int,
        tables: dict[str, pd.DataFrame] | None = None,
        n_days: int | None = None,
    ) -> Path:
        """Store one replication's result under ``key`` (atomically: a reader sees all of it or nothing);
        with ``tables`` (:data:`TABLES`) and ``n_days``, its other tables too, written first."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "key": key,
            "seed": int(seed),
            "engine": engine_id(),
            "figures": list(summary),
            "summary": {k: _json_number(v) for k, v in summary.items()},
        }
        for name, df in (tables or {}).items():
            _write_parquet(self.table_path(key, name), df, {"key": key, "n_days": n_days})
        _write_parquet(path, daily, meta)
        return path

    def _read(self, path: Path, key: str) -> tuple[pd.DataFrame, dict] | None:
        """A stored file's frame and metadata; None when absent, unreadable (cut short, garbled) or
        another key's: such a result is recomputed, never read."""
        if not path.is_file():
            return None
        try:
            table = pq.read_table(path)
            meta = json.loads(table.schema.metadata[META_KEY])
            if meta["key"] != key:
                raise ValueError("not this key's result")
            return table.to_pandas(), meta
        except Exception:
            self.ignored += 1
            return None

    def get(self, key: str) -> tuple[dict[str, float], pd.DataFrame] | None:
        """The stored (summary, daily) of ``key``; None when absent, unreadable or holding another key."""
        found = self._read(self.path(key), key)
        if found is None:
            return None
        daily, meta = found
        try:
            return {k: float(meta["summary"][k]) for k in meta["figures"]}, daily
        except (KeyError, TypeError, ValueError):
            self.ignored += 1
            return None

    def get_tables(self, key: str) -> tuple[dict[str, pd.DataFrame], int] | None:
        """The stored ``({table: frame}, n_days)`` of :data:`TABLES` for ``key``; None when one is absent,
        unreadable or another key's."""
        tables, n_days = {}, 0
        for name in TABLES:
            found = self._read(self.table_path(key, name), key)
            if found is None or not isinstance(found[1].get("n_days"), int):
                return None
            tables[name], n_days = found[0], found[1]["n_days"]
        return tables, n_days

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"
