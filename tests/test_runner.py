"""The runner and its result store: keys, atomic files, pool = in-process = Dask cluster, failures kept apart.

Everything runs a small variant of the baseline (two simulated years, a few hundred units), so a
replication takes about a tenth of a second.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, SMALL

import sim
from analysis.experiments import store as store_module
from analysis.experiments.runner import DIED, RunnerError, Task, _kill_pool, connect, run_tasks
from analysis.experiments.store import ResultStore, engine_id, result_key, scenario_hash
from sim import load_scenario

FORK = sys.platform.startswith("linux")  # the pool forks its workers there (they inherit test patches)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> sim.Params:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return load_scenario(path)


def tasks_of(params: sim.Params, seeds, label="small") -> list[Task]:
    return [Task(params, s, label=label) for s in seeds]


def assert_same_results(a, b) -> None:
    assert a.keys() == b.keys()
    for key in a:
        (sa, da), (sb, db) = a[key], b[key]
        assert list(sa) == list(sb)
        for figure in sa:
            assert sa[figure] == sb[figure] or (math.isnan(sa[figure]) and math.isnan(sb[figure])), figure
        pd.testing.assert_frame_equal(da, db)


def store_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.parquet") if not p.name.startswith("."))


# ---------------------------------------------------------------- keys


def test_key_depends_on_resolved_scenario_seed_and_engine(small, tmp_path, monkeypatch):
    key = result_key(small, 1)
    assert key == result_key(small, 1) and len(key) == 64
    assert key != result_key(small, 2)
    assert key != result_key(small.with_overrides({"lease.max_total_years": 8}), 1)
    # setting a key to the value it has changes nothing: the key is of the resolved rules
    assert key == result_key(small.with_overrides({"lease.max_total_years": 6}), 1)
    # nor do the name, description or file: only what the engine sees
    twin = tmp_path / "twin.toml"
    twin.write_text(
        SMALL.replace('name = "small"', 'name = "twin"').replace("A small district", "same rules"), "utf-8"
    )
    assert result_key(load_scenario(twin), 1) == key
    monkeypatch.setattr(store_module, "_source_fingerprint", lambda: "edited-engine")  # sim/ edited
    assert result_key(small, 1) != key and engine_id() == f"{sim.ENGINE_VERSION}+edited-engine"
    monkeypatch.undo()
    assert result_key(small, 1) == key
    monkeypatch.setattr(sim, "ENGINE_VERSION", sim.ENGINE_VERSION + "-next")
    assert result_key(small, 1) != key
    assert scenario_hash(small) != scenario_hash(small, engine_version="0.0.0")


# ---------------------------------------------------------------- the store


def test_store_round_trip_atomic_and_corrupt_files_ignored(small, tmp_path):
    result = sim.simulate(small, 5)
    summary = {**result.summary, "lapse_rate": float("nan"), "extra_inf": float("inf")}
    store = ResultStore(tmp_path / "store")
    key = result_key(small, 5)
    assert store.get(key) is None
    path = store.put(key, summary, result.daily, seed=5)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    got_summary, got_daily = store.get(key)
    assert list(got_summary) == list(summary)
    for figure, value in summary.items():
        assert got_summary[figure] == value or (math.isnan(value) and math.isnan(got_summary[figure]))
    pd.testing.assert_frame_equal(got_daily, result.daily)

    good = path.read_bytes()
    for broken in (good[: len(good) // 2], b"", b"PAR1 not really parquet"):
        path.write_bytes(broken)
        assert store.get(key) is None
    # a whole, valid file that holds another key's result is not this key's result either
    other = result_key(small, 6)
    store.put(other, summary, result.daily, seed=6)
    path.write_bytes(store.path(other).read_bytes())
    assert store.get(key) is None
    assert store.ignored == 4
    # a temporary file left by a crash is never read as a result
    path.unlink()
    (path.parent / f".{path.name}.123.abcd.tmp").write_bytes(good)
    assert store.get(key) is None


def test_interrupted_write_leaves_no_result(small, tmp_path, monkeypatch):
    store = ResultStore(tmp_path / "store")
    result = sim.simulate(small, 1)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    # the store writes through analysis.experiments.outputs.atomic_write
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        store.put(result_key(small, 1), result.summary, result.daily, seed=1)
    assert list((tmp_path / "store").rglob("*")) == [store.path(result_key(small, 1)).parent]


def test_corrupt_store_file_is_recomputed(small, tmp_path):
    store = ResultStore(tmp_path / "store")
    tasks = tasks_of(small, range(1, 4))
    first = run_tasks(tasks, store, workers=1, progress=False)
    assert (first.reused, first.computed) == (0, 3)
    store.path(tasks[1].key).write_bytes(b"half a file")
    again = run_tasks(tasks, ResultStore(tmp_path / "store"), workers=1, progress=False)
    assert (again.reused, again.computed, again.ignored) == (2, 1, 1)
    assert_same_results(first.results, again.results)


# ---------------------------------------------------------------- backends give the same results


def test_pool_equals_in_process_and_rerun_reuses(small, tmp_path):
    cap8 = small.with_overrides({"lease.max_total_years": 8})
    tasks = tasks_of(small, range(1, 4)) + tasks_of(cap8, range(1, 4), label="cap8")
    alone = run_tasks(tasks, ResultStore(tmp_path / "a"), workers=1, progress=False)
    pooled = run_tasks(tasks, ResultStore(tmp_path / "b"), workers=2, progress=False)
    assert (alone.computed, pooled.computed, pooled.failures) == (6, 6, [])
    assert pooled.backend == "2 worker processes"
    assert_same_results(alone.results, pooled.results)
    assert len(store_files(tmp_path / "b")) == 6
    again = run_tasks(tasks, ResultStore(tmp_path / "b"), workers=2, progress=False)
    assert (again.reused, again.computed, again.backend) == (6, 0, "store")
    assert_same_results(alone.results, again.results)
    assert "reused 6 of 6 replications, ran 0" in again.store_line(None)


@pytest.mark.slow
def test_dask_cluster_equals_local_run(small, tmp_path):
    distributed = pytest.importorskip("distributed")
    tasks = tasks_of(small, range(1, 5))
    local = run_tasks(tasks, None, workers=1, progress=False)
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "small.toml"\nreps = 2\n[grid]\n"lease.max_total_years" = [4, 8]\n', "utf-8")
    cli = [sys.executable, "run.py", "sweep", str(sweep), "--store", str(tmp_path / "cli_store")]
    here = subprocess.run(
        [*cli, "--workers", "1", "--out", str(tmp_path / "here")], cwd=ROOT, capture_output=True
    )
    assert here.returncode == 0, here.stderr
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run_tasks(
            tasks, ResultStore(tmp_path / "s"), scheduler=cluster.scheduler_address, progress=False
        )
        # the command line, pointed at the cluster by the environment variable
        env = {**os.environ, "PRH_SCHEDULER": cluster.scheduler_address}
        there = subprocess.run(
            [*cli, "--recompute", "--out", str(tmp_path / "there")], cwd=ROOT, capture_output=True, env=env
        )
    assert remote.backend.startswith("Dask scheduler tcp://")
    assert (remote.computed, remote.failures) == (4, [])
    assert_same_results(local.results, remote.results)
    assert len(store_files(tmp_path / "s")) == 4  # stored by this process as results came back
    assert there.returncode == 0, there.stderr
    assert (
        f"reused 0 of 4 replications, ran 4 on Dask scheduler {cluster.scheduler_address}".encode()
        in there.stdout
    )
    for name in ("replications.parquet", "daily.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "here" / name), pd.read_parquet(tmp_path / "there" / name)
        )
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "here" / "cells.csv"), pd.read_csv(tmp_path / "there" / "cells.csv")
    )


def test_unreachable_scheduler_is_one_line():
    pytest.importorskip("distributed")
    with pytest.raises(RunnerError) as info:
        connect("tcp://127.0.0.1:9", timeout="0.5s")
    message = str(info.value)
    assert message.startswith("--scheduler: tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert "\n" not in message


# ---------------------------------------------------------------- failures keep the others


def failing_on(seeds, real=sim.simulate):
    def simulate(params, seed=0):
        if seed in seeds:
            raise ValueError(f"injected failure\nat seed {seed}")
        return real(params, seed)

    return simulate


@pytest.mark.parametrize(
    "workers", [1, pytest.param(2, marks=pytest.mark.skipif(not FORK, reason="needs fork"))]
)
def test_failing_replication_keeps_the_others(small, tmp_path, monkeypatch, workers):
    # with fork the pool's workers inherit the replaced sim.simulate
    monkeypatch.setattr(sim, "simulate", failing_on({2}))
    tasks = tasks_of(small, range(1, 5))
    store = ResultStore(tmp_path / "s")
    batch = run_tasks(tasks, store, workers=workers, progress=False)
    assert [f.line() for f in batch.failures] == [
        "failed: small, seed 2: ValueError: injected failure at seed 2"
    ]
    assert batch.computed == 3 and len(store_files(tmp_path / "s")) == 3
    assert "1 failed" in batch.store_line(store)
    monkeypatch.undo()
    again = run_tasks(tasks, store, workers=workers, progress=False)
    assert (again.reused, again.computed, again.failures) == (3, 1, [])


@pytest.mark.slow
@pytest.mark.skipif(not FORK, reason="needs fork to inject the kill into the pool's workers")
def test_killed_worker_is_retried_and_a_killer_is_reported(small, tmp_path, monkeypatch):
    """Seed 3 kills its worker every time (reported, once); seed 8 kills it only the first time (run
    again and kept); the replications in flight with them are run again and kept."""
    real, parent, once = sim.simulate, os.getpid(), tmp_path / "killed-once"

    def simulate(params, seed=0):
        if os.getpid() != parent:
            if seed == 3:
                os.kill(os.getpid(), signal.SIGKILL)
            if seed == 8 and not once.exists():
                once.touch()
                os.kill(os.getpid(), signal.SIGKILL)
        return real(params, seed)

    monkeypatch.setattr(sim, "simulate", simulate)
    tasks = tasks_of(small, range(1, 9))
    batch = run_tasks(tasks, ResultStore(tmp_path / "s"), workers=2, progress=False)
    assert [(f.seed, f.message) for f in batch.failures] == [(3, DIED)]
    assert batch.computed == 7 and not batch.interrupted
    assert once.exists()  # seed 8 did kill its first worker
    monkeypatch.undo()
    clean = run_tasks([t for t in tasks if t.seed != 3], None, workers=1, progress=False)
    assert_same_results(clean.results, batch.results)


_HALF_SENT = None  # the pool's result queue, for the worker below (inherited through fork)


def _send_half_a_result_and_hang() -> None:
    """Write a result header promising 1,000 bytes, send 3 of them, and hang: a worker killed mid-send."""
    os.write(_HALF_SENT._writer.fileno(), struct.pack("!i", 1000) + b"abc")
    time.sleep(60)


@pytest.mark.skipif(not FORK, reason="the worker reaches the pool's result pipe through fork")
def test_a_worker_killed_while_sending_its_result_does_not_hang_the_exit():
    """Ctrl-C kills the workers; one killed halfway through sending a result left the pool's manager
    thread waiting for the rest forever, and the interpreter hung at exit joining it (seen in CI)."""
    global _HALF_SENT
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    _HALF_SENT = pool._result_queue
    pool.submit(_send_half_a_result_and_hang)
    time.sleep(1)  # the header and 3 bytes are in the pipe; the manager thread waits for 997 more
    manager = pool._executor_manager_thread
    _kill_pool(pool)
    manager.join(timeout=10)
    assert not manager.is_alive()


def test_duplicate_tasks_run_once(small):
    tasks = tasks_of(small, [1, 1, 2])
    batch = run_tasks(tasks, None, workers=1, progress=False)
    assert (batch.total, batch.computed) == (2, 2)
    summary, daily = batch.get(tasks[0])
    assert np.isfinite(summary["wait_apply_to_movein_mean"]) and len(daily) == 730


def test_a_replayed_file_enters_the_result_key(tmp_path):
    """Editing the recorded applications a scenario replays must not serve the old results."""
    shutil.copy(ROOT / "calibration" / "synthetic" / "applications.csv", tmp_path / "applications.csv")
    scenario = tmp_path / "replaying.toml"
    base = (ROOT / "scenarios" / "baseline.toml").as_posix()
    scenario.write_text(f'base = "{base}"\n[arrivals]\nreplay = "applications.csv"\n', encoding="utf-8")
    before = result_key(load_scenario(scenario), 1)
    lines = (tmp_path / "applications.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "applications.csv").write_text("".join(lines[:-1]), encoding="utf-8")  # one record fewer
    assert result_key(load_scenario(scenario), 1) != before
