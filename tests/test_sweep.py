"""Sweeps: the file format, bad input (one line, exit 2), outputs, and nothing lost on Ctrl-C, kill -9 or
a failing replication (the rerun reuses what was stored and ends with the results of an uninterrupted run).

A small variant of the baseline keeps a replication near a tenth of a second.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, SMALL, default_ctrl_c, main
from scipy import stats

import sim
from analysis.experiments.sweep import grid_range, load_sweep
from sim import SUMMARY_FIGURES, ScenarioError, load_scenario

SWEEP = """base = "small.toml"
reps = {reps}
seed = 3
[grid]
"lease.max_total_years" = [4, 8]
"queue.validity_years" = {{start = 0.5, stop = 1, step = 0.5}}
"""
OUTPUTS = ("replications.parquet", "cells.csv", "daily.parquet")
LARGEST_SEED = 2**63 - 1  # seeds are kept as int64 in every table of replications


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    return folder


def write_sweep(folder: Path, name: str, reps: int = 4, text: str | None = None) -> Path:
    path = folder / name
    path.write_text(SWEEP.format(reps=reps) if text is None else text, encoding="utf-8")
    return path


def stored(store: Path) -> int:
    return sum(1 for p in store.rglob("*.parquet") if not p.name.startswith("."))


def read_outputs(out: Path) -> dict[str, pd.DataFrame]:
    return {n: pd.read_parquet(out / n) if n.endswith(".parquet") else pd.read_csv(out / n) for n in OUTPUTS}


def assert_same_outputs(a: Path, b: Path) -> None:
    x, y = read_outputs(a), read_outputs(b)
    for name in OUTPUTS:
        pd.testing.assert_frame_equal(x[name], y[name], obj=name)


# ---------------------------------------------------------------- the file format


def test_ranges_include_stop_when_it_lands_on_the_grid():
    assert grid_range("f", "k", {"start": 1, "stop": 3, "step": 0.5}) == [1, 1.5, 2, 2.5, 3]
    assert grid_range("f", "k", {"start": 1, "stop": 2.9, "step": 0.5}) == [1, 1.5, 2, 2.5]
    assert grid_range("f", "k", {"start": 4, "stop": 10, "step": 2}) == [4, 6, 8, 10]
    assert all(isinstance(v, int) for v in grid_range("f", "k", {"start": 4, "stop": 10, "step": 2}))
    assert grid_range("f", "k", {"start": 0.1, "stop": 0.3, "step": 0.1}) == [
        0.1,
        0.2,
        0.3,
    ]  # not 0.30000000000000004
    assert grid_range("f", "k", {"start": 2, "stop": 2, "step": 1}) == [2]


def test_cells_are_every_combination_checked_by_the_loader(folder):
    sweep = load_sweep(write_sweep(folder, "grid.toml"))
    assert sweep.grid == {"lease.max_total_years": [4, 8], "queue.validity_years": [0.5, 1.0]}
    assert (sweep.reps, sweep.seed) == (4, 3)
    assert [cell for cell, _ in sweep.cells] == [
        {"lease.max_total_years": 4, "queue.validity_years": 0.5},
        {"lease.max_total_years": 4, "queue.validity_years": 1.0},
        {"lease.max_total_years": 8, "queue.validity_years": 0.5},
        {"lease.max_total_years": 8, "queue.validity_years": 1.0},
    ]
    for cell, params in sweep.cells:
        for key, value in cell.items():
            assert params.value(key) == value
        assert params.value("calendar.horizon_years") == 2  # the rest from the base
    assert len(sweep.tasks()) == 16
    assert load_sweep(write_sweep(folder, "grid.toml"), reps=2, seed=9).reps == 2


@pytest.mark.parametrize("name", ["cap.toml", "cap_validity.toml"])
def test_shipped_sweeps(name):
    sweep = load_sweep(ROOT / "studies" / "sweeps" / name)
    assert sweep.grid["lease.max_total_years"][0] == 4 and sweep.grid["lease.max_total_years"][-1] == 10
    assert sweep.base.name == "baseline" and sweep.description
    assert 5 <= sweep.reps <= 20 and len(sweep.cells) * sweep.reps <= 120  # minutes, not hours, on 2 cores
    if name == "cap_validity.toml":
        assert len(sweep.grid["queue.validity_years"]) >= 3


# ---------------------------------------------------------------- bad input: one line, exit 2


def loader_message(fn) -> str:
    with pytest.raises(ScenarioError) as info:
        fn()
    return str(info.value)


BAD = {
    # name: (file text, expected message after "<file>: ")
    "unknown key": ('base = "small.toml"\n[grid]\n"lease.max_totl_years" = [4, 8]\n', None),
    "wrong type": ('base = "small.toml"\n[grid]\n"lease.max_total_years" = [4, "eight"]\n', None),
    "out of range": ('base = "small.toml"\n[grid]\n"allocation.decline_share" = [0.1, 1.5]\n', None),
    "bad reps": ('base = "small.toml"\nreps = 0\n[grid]\n"lease.max_total_years" = [4]\n', "reps: must be"),
    "too many cells": (
        'base = "small.toml"\n[grid]\n"review.publicity_days" = {start = 0, stop = 999, step = 1}\n'
        '"allocation.offer_to_sign_days" = {start = 0, stop = 999, step = 1}\n',
        "grid: 1,000,000 cells, more than the 10,000 a sweep may have",
    ),
    "too many reps": (
        'base = "small.toml"\nreps = 1000000000\n[grid]\n"lease.max_total_years" = [4]\n',
        "reps: must be a whole number from 1 to 10000, got number 1000000000",
    ),
    "fractional reps": ('base = "small.toml"\nreps = 2.5\n[grid]\n"lease.max_total_years" = [4]\n', "reps: "),
    "bad seed": ('base = "small.toml"\nseed = -1\n[grid]\n"lease.max_total_years" = [4]\n', "seed: must be"),
    "seed too large": (
        'base = "small.toml"\nseed = 99999999999999999999\n[grid]\n"lease.max_total_years" = [4]\n',
        f"seed: must be a whole number from 0 to {LARGEST_SEED}, got 99999999999999999999",
    ),
    "last seed too large": (
        f'base = "small.toml"\nreps = 3\nseed = {LARGEST_SEED - 1}\n[grid]\n"lease.max_total_years" = [4]\n',
        f"seed: must be at most {LARGEST_SEED - 2} with 3 replications (seeds up to {LARGEST_SEED}), "
        f"got {LARGEST_SEED - 1}",
    ),
    "empty grid": ('base = "small.toml"\n[grid]\n', "grid: empty"),
    "no grid": ('base = "small.toml"\n', "grid: missing"),
    "empty list": (
        'base = "small.toml"\n[grid]\n"lease.max_total_years" = []\n',
        "lease.max_total_years: empty",
    ),
    "zero step": (
        'base = "small.toml"\n[grid]\n"lease.max_total_years" = {start = 4, stop = 8, step = 0}\n',
        "grid.lease.max_total_years.step: must be positive, got 0",
    ),
    "negative step": (
        'base = "small.toml"\n[grid]\n"lease.max_total_years" = {start = 4, stop = 8, step = -2}\n',
        "grid.lease.max_total_years.step: must be positive, got -2",
    ),
    "missing base": ('[grid]\n"lease.max_total_years" = [4]\n', "base: missing"),
    "base not found": (
        'base = "nowhere"\n[grid]\n"lease.max_total_years" = [4]\n',
        'base: no such scenario "nowhere"',
    ),
    "unknown top key": (
        'base = "small.toml"\nrepz = 3\n[grid]\n"lease.max_total_years" = [4]\n',
        "repz: unknown key",
    ),
    "repeated value": ('base = "small.toml"\n[grid]\n"lease.max_total_years" = [4, 4.0]\n', "appears twice"),
    "broken toml": ('base = "small.toml"\n[grid\n', "invalid TOML"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sweep_is_one_line(folder, capsys, monkeypatch, case):
    monkeypatch.chdir(folder)
    text, expected = BAD[case]
    path = write_sweep(folder, f"bad_{case.replace(' ', '_')}.toml", text=text)
    message = loader_message(lambda: load_sweep(path))
    assert message.startswith(f"{path.name}: ")
    small = load_scenario(folder / "small.toml")
    if case == "unknown key":  # the loader's own message, naming the sweep file
        with pytest.raises(ScenarioError) as info:
            small.with_overrides({"lease.max_totl_years": 4}, source=path.name)
        assert message == str(info.value) and "did you mean lease.max_total_years?" in message
    elif case == "wrong type":
        with pytest.raises(ScenarioError) as info:
            small.with_overrides({"lease.max_total_years": "eight"}, source=path.name)
        assert (
            message
            == str(info.value)
            == f'{path.name}: lease.max_total_years: expected a number, got string "eight"'
        )
    elif case == "out of range":
        assert message == f"{path.name}: allocation.decline_share: share must be within [0, 1], got 1.5"
    else:
        assert expected in message
    status, out, err = main(
        capsys, "sweep", str(path), "--out", str(folder / "never"), "--store", str(folder / "st")
    )
    assert (status, out) == (2, "")
    assert err.splitlines() == [f"error: {message}"]
    assert not (folder / "never").exists()  # refused before anything ran or was created


def test_seed_option_beyond_the_largest_is_refused(folder, capsys):
    path = write_sweep(
        folder, "one_cell.toml", text='base = "small.toml"\n[grid]\n"lease.max_total_years" = [4]\n'
    )
    where = ["--out", str(folder / "never"), "--store", str(folder / "st"), "--workers", "1"]
    with pytest.raises(ScenarioError) as info:
        load_sweep(path, reps=1, seed=10**20)
    assert str(info.value) == f"--seed: must be a whole number from 0 to {LARGEST_SEED}, got {10**20}"
    status, out, err = main(capsys, "sweep", str(path), "--reps", "1", "--seed", str(10**20), *where)
    assert (status, out, err) == (2, "", f"error: {info.value}\n")
    status, out, err = main(capsys, "sweep", str(path), "--reps", "2", "--seed", str(LARGEST_SEED), *where)
    assert (status, out) == (2, "")
    assert err == (
        f"error: --seed: must be at most {LARGEST_SEED - 1} with 2 replications "
        f"(seeds up to {LARGEST_SEED}), got {LARGEST_SEED}\n"
    )
    assert not (folder / "never").exists()


@pytest.mark.parametrize(
    "path, kind",
    [("scenarios/cap8.toml", "a scenario file"), ("calibration/synthetic/targets.toml", "a targets file")],
)
def test_a_scenario_or_targets_file_is_not_a_sweep(capsys, monkeypatch, tmp_path, path, kind):
    monkeypatch.chdir(ROOT)
    message = f"{path}: {kind}, not a sweep file (a sweep file has base and [grid])"
    with pytest.raises(ScenarioError) as info:
        load_sweep(path)
    assert str(info.value) == message
    status, out, err = main(capsys, "sweep", path, "--out", str(tmp_path / "out"), "--store", str(tmp_path))
    assert (status, out, err) == (2, "", f"error: {message}\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_bad_sweep_subprocess_has_no_traceback(folder):
    path = write_sweep(
        folder, "bad_cli.toml", text='base = "small.toml"\n[grid]\n"lease.max_totl_years" = [4]\n'
    )
    proc = cli("sweep", str(path))
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "lease.max_totl_years: unknown key" in proc.stderr
    proc = cli("sweep", str(write_sweep(folder, "ok.toml")), "--figure", "wait_mean")
    assert proc.returncode == 2 and proc.stderr.startswith("error: --figure: wait_mean: unknown figure")


# ---------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def reference(folder):
    """An uninterrupted run of the interruption tests' sweep (6 cells x 10 replications), own store."""
    path = write_sweep(folder, "long.toml", text=SWEEP.format(reps=10).replace("[4, 8]", "[4, 6, 8]"))
    out = folder / "reference"
    proc = cli("sweep", str(path), "--out", str(out), "--store", str(folder / "ref_store"), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    return path, out, proc


@pytest.mark.slow
def test_outputs_and_cell_intervals(reference):
    path, out, proc = reference
    assert "reused 0 of 60 replications, ran 60" in proc.stdout
    assert "Mean wait, application to move-in (days)" in proc.stdout
    got = read_outputs(out)
    keys = ["lease.max_total_years", "queue.validity_years"]
    reps = got["replications.parquet"]
    assert list(reps.columns) == [*keys, "seed", *SUMMARY_FIGURES]
    assert len(reps) == 6 * 10 and sorted(set(reps["seed"])) == list(range(3, 13))
    cells = got["cells.csv"]
    assert list(cells.columns) == [*keys, "figure", "mean", "ci_low", "ci_high", "n"]
    assert len(cells) == 6 * len(SUMMARY_FIGURES)
    for rec in cells.itertuples(index=False):
        cap, validity = rec[0], rec[1]
        one = reps[(reps[keys[0]] == cap) & (reps[keys[1]] == validity)][rec.figure].to_numpy(dtype=float)
        one = one[~np.isnan(one)]
        assert rec.n == len(one)
        if len(one) < 2:
            continue
        assert rec.mean == pytest.approx(one.mean(), rel=1e-12, abs=1e-12)
        if one.std() > 0:
            low, high = stats.t.interval(0.95, len(one) - 1, loc=one.mean(), scale=stats.sem(one))
            assert (rec.ci_low, rec.ci_high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
    daily = got["daily.parquet"]
    assert list(daily.columns[:3]) == [*keys, "seed"] and len(daily) == 60 * 730
    # the swept rule shows: a 4-year cap makes more capped exits than an 8-year one, cell by cell
    capped = cells[cells["figure"] == "exits_cap"].set_index(keys)["mean"]
    assert capped[(4, 0.5)] > capped[(8, 0.5)] and capped[(4, 1.0)] > capped[(8, 1.0)]


@pytest.mark.slow
def test_rerun_reuses_everything(reference, folder):
    path, out, _ = reference
    proc = cli("sweep", str(path), "--out", str(folder / "rerun"), "--store", str(folder / "ref_store"))
    assert proc.returncode == 0, proc.stderr
    assert "reused 60 of 60 replications, ran 0" in proc.stdout
    assert_same_outputs(out, folder / "rerun")


# ---------------------------------------------------------------- interrupted: nothing lost, resumed


def start_and_stop(path: Path, out: Path, store: Path, sig: int) -> tuple[int, str]:
    """Start the sweep, send ``sig`` once 10 replications are stored; return (status, stderr)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "run.py",
            "sweep",
            str(path),
            "--out",
            str(out),
            "--store",
            str(store),
            "--workers",
            "2",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the pool's workers can be checked and cleaned up
        preexec_fn=default_ctrl_c,
    )
    try:
        deadline = time.monotonic() + 90
        while stored(store) < 10 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
        # no worker process outlives its parent, even after kill -9
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            pytest.fail("worker processes outlived the interrupted sweep")
        return proc.returncode, err
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_sweep_resumes_to_the_same_results(reference, folder, sig):
    path, ref_out, _ = reference
    name = signal.Signals(sig).name
    out, store = folder / f"out_{name}", folder / f"store_{name}"
    status, err = start_and_stop(path, out, store, sig)
    kept = stored(store)
    assert 10 <= kept < 60
    if sig == signal.SIGINT:
        assert status == 130 and "Traceback" not in err
        assert f"interrupted: {kept} of 60 replications finished and kept in {store}" in err
        assert "run the same command again to resume" in err
        assert len(pd.read_parquet(out / "replications.parquet")) == kept  # partial outputs of what finished
    else:
        assert status == -signal.SIGKILL
    proc = cli("sweep", str(path), "--out", str(out), "--store", str(store), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert f"reused {kept} of 60 replications, ran {60 - kept}" in proc.stdout
    assert_same_outputs(ref_out, out)


def test_failing_replication_keeps_the_others_and_resumes(folder, capsys, monkeypatch):
    path = write_sweep(folder, "failing.toml", reps=3)
    out, store = folder / "failing_out", folder / "failing_store"
    real = sim.simulate

    def simulate(params, seed=0):
        if seed == 4 and params.value("lease.max_total_years") == 8:
            raise RuntimeError("engine fault: no unit\nfor household 17")
        return real(params, seed)

    monkeypatch.setattr(sim, "simulate", simulate)
    args = ("sweep", str(path), "--out", str(out), "--store", str(store), "--workers", "1")
    status, stdout, err = main(capsys, *args)
    assert status == 1
    assert [line for line in err.splitlines() if line.startswith("failed: ")] == [
        f"failed: lease.max_total_years=8, queue.validity_years={v}, seed 4: "
        "RuntimeError: engine fault: no unit for household 17"
        for v in (0.5, 1.0)
    ]
    assert "2 of 12 replications failed" in err and "Traceback" not in err
    assert stored(store) == 10 and len(pd.read_parquet(out / "replications.parquet")) == 10
    cells = pd.read_csv(out / "cells.csv")
    assert set(cells["n"][cells["figure"] == "move_ins"]) == {2, 3}

    monkeypatch.setattr(sim, "simulate", real)
    status, stdout, err = main(capsys, *args)
    assert status == 0, err
    assert "reused 10 of 12 replications, ran 2" in stdout
    reps = pd.read_parquet(out / "replications.parquet")
    assert len(reps) == 12 and not math.isnan(reps["wait_apply_to_movein_mean"].iloc[-1])
