"""Replications of one scenario: run them, summarise them with confidence intervals, write them out.

results = run_replications(params, reps=10, seed=1)      # seeds 1 .. 10
table = summary_table(results)                           # figure, mean, ci_low, ci_high, sd, n
write_outputs(results, "out/baseline")
print(format_table(table, "zh"))
"""

from __future__ import annotations

import math
import os
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import simpy
from scipy import stats
from tqdm import tqdm

from sim import SUMMARY_FIGURES, Params, SimulationResult, simulate

from .terms import label, term, unit_of

CONFIDENCE = 0.95
TABLE_FILES = ("households", "daily", "offers")  # written as <name>.parquet
OUTPUT_FILES = (*(f"{name}.parquet" for name in TABLE_FILES), "summary.csv", "summary_ci.csv")
SUMMARY_COLUMNS = ("figure", "mean", "ci_low", "ci_high", "sd", "n")


# ---------------------------------------------------------------- running


def run_replications(
    params: Params,
    reps: int,
    seed: int,
    progress: bool = True,
    on_result: Callable[[SimulationResult], None] | None = None,
) -> list[SimulationResult]:
    """Run ``reps`` replications of ``params``; replication ``r`` uses seed ``seed + r``.

    Args:
        progress: show a progress bar with an ETA on stderr (hidden when stderr is not a terminal).
        on_result: called with each result as soon as it is finished. A caller that must keep the
            finished replications when the run is interrupted (Ctrl-C) or a replication fails collects
            them here: the exception propagates out of this function.

    Returns:
        The results, in seed order.
    """
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    results: list[SimulationResult] = []
    with tqdm(
        total=reps,
        desc=params.name,
        unit="rep",
        disable=None if progress else True,
        dynamic_ncols=True,
    ) as bar:
        for r in range(reps):
            result = simulate(params, seed + r)
            results.append(result)
            if on_result is not None:
                on_result(result)
            bar.set_postfix_str(f"seed {result.seed}: {result.wall_seconds:.1f} s", refresh=False)
            bar.update()
    return results


# ---------------------------------------------------------------- summarising


def summary_frame(results: Iterable[SimulationResult]) -> pd.DataFrame:
    """One row per replication: ``seed`` then every summary figure (in ``SUMMARY_FIGURES`` order)."""
    rows = []
    for res in results:
        extra = [k for k in res.summary if k not in SUMMARY_FIGURES]
        rows.append({"seed": res.seed, **{k: res.summary.get(k, np.nan) for k in (*SUMMARY_FIGURES, *extra)}})
    if not rows:
        return pd.DataFrame(columns=["seed", *SUMMARY_FIGURES])
    df = pd.DataFrame(rows)
    df["seed"] = df["seed"].astype("int64")
    return df


def summary_table(results_or_summary_df, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean and Student-t confidence interval of every figure across replications.

    Args:
        results_or_summary_df: a list of ``SimulationResult`` or a per-replication summary frame (as in
            ``summary.csv``; a ``seed`` column is ignored).

    Returns:
        One row per figure: ``figure, mean, ci_low, ci_high, sd, n``. NaN replications of a figure are
        left out (``n`` counts the others); with ``n == 1`` the CI and ``sd`` are NaN; with ``n == 0``
        everything but ``n`` is NaN.
    """
    if isinstance(results_or_summary_df, pd.DataFrame):
        df = results_or_summary_df
    else:
        df = summary_frame(results_or_summary_df)
    figures = [c for c in df.columns if c != "seed"]
    rows = []
    for fig in figures:
        values = pd.to_numeric(df[fig], errors="coerce").to_numpy(dtype=float)
        rows.append((fig, *t_interval(values, confidence)))
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out["n"] = out["n"].astype("int64")
    return out


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float, float, int]:
    """Mean and Student-t confidence interval of ``values`` (NaN left out).

    Returns:
        ``(mean, ci_low, ci_high, sd, n)``; with ``n == 1`` the interval and ``sd`` are NaN, with
        ``n == 0`` everything but ``n``; ``sd == 0`` gives a zero-width interval.
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    sd = low = high = math.nan
    if n >= 2:
        sd = float(values.std(ddof=1))
        # t.interval(confidence, n - 1, loc=mean, scale=sem), written out so that sd == 0 gives a
        # zero-width interval instead of scipy's NaN for scale 0.
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(stats.sem(values))
        low, high = mean - half, mean + half
    return mean, low, high, sd, n


# ---------------------------------------------------------------- writing


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


# ---------------------------------------------------------------- printing


def format_value(x: float, unit: str | None, na: str, sign: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return na
    digits = 3 if unit == "share" else 0 if unit in ("days", "households", "units") else 2
    text = f"{x:,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return text.removeprefix("-")  # no "-0", no "+0"
    return "+" + text if sign and not text.startswith("-") else text


def _width(text: str) -> int:
    """Terminal columns of ``text`` (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def format_table(table: pd.DataFrame, lang: str = "en") -> str:
    """The summary table as plain text for a terminal: label, mean, 95 % CI as ``[low, high]``.

    Days and counts are shown without decimals, shares with three; a missing value shows as n/a (无).
    """
    na = term("table.na", lang)
    ns = set(table["n"].tolist()) if "n" in table else set()
    show_n = len(ns) > 1
    head_ci = term("table.ci95", lang)
    if len(ns) == 1:
        head_ci += f" (n={next(iter(ns))})"
    header = [term("table.figure", lang), term("table.mean", lang), head_ci]
    if show_n:
        header.append(term("table.n", lang))
    rows = []
    for rec in table.itertuples(index=False):
        try:
            name = label(rec.figure, lang)
        except KeyError:
            name = rec.figure
        unit = unit_of(rec.figure)
        if math.isfinite(rec.ci_low) and math.isfinite(rec.ci_high):
            ci = f"[{format_value(rec.ci_low, unit, na)}, {format_value(rec.ci_high, unit, na)}]"
        else:
            ci = na
        row = [name, format_value(rec.mean, unit, na), ci]
        if show_n:
            row.append(str(rec.n))
        rows.append(row)
    return render_table(header, rows)


def render_table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    """Plain-text columns: the first ``left`` columns left-aligned, the others right-aligned, a rule
    under the header; CJK characters count as two columns."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for i, r in enumerate([header, *rows]):
        cells = [_pad(c, w, right=j >= left) for j, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append(
                "  ".join(("-" if h else " ") * w for h, w in zip(header, widths, strict=True)).rstrip()
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- benchmark


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
