"""The files an experiment writes and the reporting reads: the replications' tables (Parquet), the
summaries (CSV), each replaced atomically.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim import SimulationResult

from ..stats import summary_frame, summary_table

TABLE_FILES = ("households", "daily", "offers")  # written as <name>.parquet


OUTPUT_FILES = (*(f"{name}.parquet" for name in TABLE_FILES), "summary.csv", "summary_ci.csv")


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


def write_outputs(results: list[SimulationResult], out_dir) -> list[Path]:
    """Write the replications to ``out_dir`` (created if need be); return the files written.

    Files: ``households.parquet``, ``daily.parquet``, ``offers.parquet`` (the replications' tables one
    under the other, a ``seed`` column first), ``summary.csv`` (one row per replication: ``seed`` then
    every figure) and ``summary_ci.csv`` (:func:`summary_table`). Each file is replaced atomically.
    """
    if not results:
        raise ValueError("no replications to write")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLE_FILES:
        df = _with_seed([(r.seed, getattr(r, name)) for r in results])
        path = out / f"{name}.parquet"
        atomic_write(path, lambda tmp, df=df: df.to_parquet(tmp, index=False))
        written.append(path)
    summary = summary_frame(results)
    for path, df in ((out / "summary.csv", summary), (out / "summary_ci.csv", summary_table(summary))):
        atomic_write(path, lambda tmp, df=df: df.to_csv(tmp, index=False))
        written.append(path)
    return written
