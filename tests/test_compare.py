"""Comparisons: common random numbers, paired differences checked against scipy, the printed marks,
--precision, and bad input (one line, exit 2).

A small variant of the baseline and its 8-year-cap twin keep a replication near a tenth of a second.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, SMALL, main
from scipy import stats

from analysis import cli
from analysis.cli import commands
from analysis.experiments.compare import (
    COMPARISON_COLUMNS,
    next_round,
    relative_half_widths,
    unique_names,
)
from analysis.reporting.terms import label
from analysis.stats import paired_difference
from sim import SUMMARY_FIGURES, ScenarioError, load_scenario

CAP8 = """name = "cap8"
base = "small.toml"
description = "Cumulative cap of 8 years"
reference = "a proposal"
[lease]
max_total_years = 8
"""
REPS = 12


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("compare")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    (folder / "cap8.toml").write_text(CAP8, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def compared(folder):
    """``run.py compare small cap8 --reps 12`` as a user runs it."""
    out = folder / "out"
    proc = subprocess.run(
        [sys.executable, "run.py", "compare", str(folder / "small.toml"), str(folder / "cap8.toml")]
        + ["--reps", str(REPS), "--seed", "1", "--out", str(out), "--store", str(folder / "store")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    return proc, out


def by_scenario(reps: pd.DataFrame, name: str) -> pd.DataFrame:
    return reps[reps["scenario"] == name].set_index("seed").sort_index()


# ---------------------------------------------------------------- the outputs


@pytest.mark.slow
def test_outputs(compared):
    proc, out = compared
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.csv",
        "daily.parquet",
        "replications.parquet",
        "scenarios.json",
    ]
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert list(table["figure"]) == [f for f in SUMMARY_FIGURES for _ in (0, 1)]
    assert list(table["scenario"]) == ["small", "cap8"] * len(SUMMARY_FIGURES)
    first = table[table["scenario"] == "small"]
    assert first[["diff_mean", "diff_ci_low", "diff_ci_high"]].isna().all().all()  # empty for the reference
    reps = pd.read_parquet(out / "replications.parquet")
    assert list(reps.columns) == ["scenario", "seed", *SUMMARY_FIGURES]
    for name in ("small", "cap8"):  # common random numbers: the same seeds for every scenario
        assert list(by_scenario(reps, name).index) == list(range(1, REPS + 1))
    daily = pd.read_parquet(out / "daily.parquet")
    assert list(daily.columns[:4]) == ["scenario", "seed", "day", "date"]
    assert len(daily) == 2 * REPS * 730
    assert "store " in proc.stdout and f"reused 0 of {2 * REPS} replications, ran {2 * REPS}" in proc.stdout
    # the heading shows each scenario's description and reference
    assert "small: A small district" in proc.stdout
    assert "cap8: Cumulative cap of 8 years; a proposal" in proc.stdout


@pytest.mark.slow
def test_intervals_match_an_independent_computation(compared):
    _, out = compared
    table = pd.read_csv(out / "comparison.csv")
    reps = pd.read_parquet(out / "replications.parquet")
    small, cap8 = by_scenario(reps, "small"), by_scenario(reps, "cap8")
    checked = 0
    for rec in table.itertuples(index=False):
        values = by_scenario(reps, rec.scenario)[rec.figure].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        assert rec.mean == pytest.approx(values.mean(), rel=1e-12, abs=1e-12)
        if values.std() > 0:
            low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
            assert (rec.ci_low, rec.ci_high) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
        if rec.scenario == "small":
            continue
        a, b = small[rec.figure].to_numpy(dtype=float), cap8[rec.figure].to_numpy(dtype=float)
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
        assert rec.diff_mean == pytest.approx((b - a).mean(), rel=1e-12, abs=1e-12)
        if np.std(b - a) == 0:
            assert rec.diff_ci_low == rec.diff_ci_high == pytest.approx(rec.diff_mean)
            continue
        ci = stats.ttest_rel(b, a).confidence_interval(0.95)  # Student t on the per-seed differences
        assert rec.diff_ci_low == pytest.approx(ci.low, rel=1e-9, abs=1e-9)
        assert rec.diff_ci_high == pytest.approx(ci.high, rel=1e-9, abs=1e-9)
        checked += 1
    assert checked >= 20


@pytest.mark.slow
def test_common_random_numbers_make_the_paired_interval_narrower(compared):
    _, out = compared
    reps = pd.read_parquet(out / "replications.parquet")
    table = pd.read_csv(out / "comparison.csv").set_index(["figure", "scenario"])
    small, cap8 = by_scenario(reps, "small"), by_scenario(reps, "cap8")
    for figure in ("wait_apply_to_movein_mean", "waiting_mean"):
        row = table.loc[(figure, "cap8")]
        paired = (row["diff_ci_high"] - row["diff_ci_low"]) / 2
        welch = stats.ttest_ind(cap8[figure], small[figure], equal_var=False).confidence_interval(0.95)
        unpaired = (welch.high - welch.low) / 2
        assert paired < 0.8 * unpaired, figure
        assert np.corrcoef(small[figure], cap8[figure])[0, 1] > 0.3  # the seeds share their draws


@pytest.mark.slow
def test_printed_table_marks_differences_that_exclude_zero(compared):
    proc, out = compared
    table = pd.read_csv(out / "comparison.csv")
    variant = table[table["scenario"] == "cap8"]
    significant = (variant["diff_ci_low"] > 0) | (variant["diff_ci_high"] < 0)
    assert 0 < significant.sum() < len(variant)  # the cap changes some figures and not others
    lines = [line for line in proc.stdout.splitlines() if line.split()[:1] == ["cap8"] or " cap8 " in line]
    lines = [line for line in lines if "[" in line]
    assert len(lines) == len(variant)
    marked = [line.rstrip().endswith("*") for line in lines]
    assert marked == significant.tolist()
    assert "* the 95% CI of the paired difference excludes zero" in proc.stdout
    assert "Difference from small" in proc.stdout
    for figure in SUMMARY_FIGURES:
        assert label(figure, "en") in proc.stdout


@pytest.mark.slow
def test_chinese_table_from_the_store(compared, folder, capsys):
    args = ["compare", str(folder / "small.toml"), str(folder / "cap8.toml"), "--reps", str(REPS)]
    args += ["--out", str(folder / "zh"), "--store", str(folder / "store"), "--lang", "zh"]
    status, out, err = main(capsys, *args)
    assert status == 0, err
    assert f"情景比较：每个情景{REPS}次重复" in out and "与small之差" in out and "差值95%置信区间" in out
    assert label("wait_apply_to_movein_mean", "zh") in out
    assert f"reused {2 * REPS} of {2 * REPS} replications, ran 0" in out
    pd.testing.assert_frame_equal(
        pd.read_csv(folder / "zh" / "comparison.csv"), pd.read_csv(compared[1] / "comparison.csv")
    )


# ---------------------------------------------------------------- --precision


@pytest.mark.slow
def test_precision_adds_rounds_until_every_mean_wait_is_tight(folder, capsys):
    args = ["compare", str(folder / "small.toml"), str(folder / "cap8.toml"), "--precision", "0.03"]
    args += ["--max-reps", "60", "--out", str(folder / "prec"), "--store", str(folder / "store")]
    status, out, err = main(capsys, *args + ["--workers", "2"])
    assert status == 0, err
    reps = pd.read_parquet(folder / "prec" / "replications.parquet")
    n = len(by_scenario(reps, "small"))
    assert len(by_scenario(reps, "cap8")) == n and 10 < n < 60
    assert f"precision 3.0% reached after {n} replications" in out
    assert all(h <= 0.03 for h in relative_half_widths(reps, ["small", "cap8"]).values())
    first = reps[reps["seed"] < 11]  # the first round (10 replications) was not enough
    assert max(relative_half_widths(first, ["small", "cap8"]).values()) > 0.03
    assert f"reused {2 * REPS} of" in out  # the fixture's replications (seeds 1-12) came from the store

    args = ["compare", str(folder / "small.toml"), str(folder / "cap8.toml"), "--precision", "0.001"]
    args += ["--max-reps", "14", "--out", str(folder / "prec2"), "--store", str(folder / "store")]
    status, out, err = main(capsys, *args)
    assert status == 0, err
    assert "precision 0.1% not reached within --max-reps 14" in out
    assert len(pd.read_parquet(folder / "prec2" / "replications.parquet")) == 2 * 14


def test_next_round_grows_with_the_gap():
    assert next_round(10, {"a": 0.10, "b": 0.02}, 0.05, 200) == 40  # n (0.10 / 0.05)^2
    assert next_round(10, {"a": 0.051}, 0.05, 200) == 12  # at least 2 more
    assert next_round(10, {"a": math.inf}, 0.05, 200) == 20
    assert next_round(150, {"a": 0.2}, 0.05, 200) == 200


def test_paired_difference_against_scipy():
    rng = np.random.default_rng(4)
    a = rng.normal(100, 10, 15)
    b = a + rng.normal(5, 2, 15)
    mean, low, high, n = paired_difference(a, b)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert n == 15 and mean == pytest.approx(np.mean(b - a))
    assert (low, high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    a[3], b[7] = np.nan, np.nan  # a seed missing on either side is left out of the pairs
    mean, low, high, n = paired_difference(a, b)
    keep = ~(np.isnan(a) | np.isnan(b))
    ci = stats.ttest_rel(b[keep], a[keep]).confidence_interval(0.95)
    assert n == 13 and (low, high) == (pytest.approx(ci.low), pytest.approx(ci.high))


# ---------------------------------------------------------------- bad input: one line, exit 2


def loader_message(fn) -> str:
    with pytest.raises(ScenarioError) as info:
        fn()
    return str(info.value)


def test_bad_compare_input(folder, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    store = ["--store", str(folder / "bad_store"), "--out", str(folder / "bad_out")]
    status, out, err = main(capsys, "compare", "small.toml", *store)
    assert (status, out) == (2, "")
    assert err.splitlines() == [
        "error: compare: scenarios: give at least two scenarios to compare (the first is the reference)"
    ]

    missing = folder / "nowhere.toml"
    message = loader_message(lambda: load_scenario(missing))
    status, out, err = main(capsys, "compare", "small.toml", str(missing), *store)
    assert (status, out, err.splitlines()) == (2, "", [f"error: {message}"])

    bad = folder / "bad_variant.toml"
    bad.write_text(
        'base = "small.toml"\ndescription = "x"\n[lease]\nmax_total_years = -8\n', encoding="utf-8"
    )
    message = loader_message(lambda: load_scenario(bad))
    assert message == "bad_variant.toml: lease.max_total_years: must not be negative, got -8"
    status, out, err = main(capsys, "compare", "small.toml", "bad_variant.toml", *store)
    assert (status, out, err.splitlines()) == (2, "", [f"error: {message}"])
    assert not (folder / "bad_out").exists()  # refused before anything ran or was created

    for args in (
        ["--precision", "2"],
        ["--precision", "0"],
        ["--reps", "5", "--precision", "0.1"],
    ):
        with pytest.raises(SystemExit) as info:
            cli.main(["compare", "small.toml", "cap8.toml", *args, *store])
        assert info.value.code == 2
        err = capsys.readouterr().err
        assert "usage:" in err and "Traceback" not in err
    status, out, err = main(capsys, "compare", "small.toml", "cap8.toml", "--seed", "-1", *store)
    assert (status, out, err) == (
        2,
        "",
        f"error: --seed: must be a whole number from 0 to {2**63 - 1}, got -1\n",
    )


def test_overrides_that_leave_two_scenarios_with_the_same_rules_are_refused(capsys):
    status, out, err = main(capsys, "compare", "baseline", "cap8", "--set", "lease.max_total_years=3")
    assert (status, out) == (2, "")
    assert err == "error: compare: --set: baseline and cap8 have the same rules with it; nothing to compare\n"


def test_the_same_scenario_twice_is_refused(folder, capsys, monkeypatch):
    """By the same name or path, or by a name and a path to the same file; nothing runs or is created."""
    monkeypatch.chdir(folder)
    where = ["--reps", "1", "--workers", "1", "--store", str(folder / "twice_store")]
    where += ["--out", str(folder / "twice_out")]
    for names in (
        ["small.toml", "small.toml"],
        ["small", str(folder / "small.toml")],
        ["small", "cap8", "small"],
    ):
        status, out, err = main(capsys, "compare", *names, *where)
        assert (status, out, err) == (2, "", "error: compare: scenarios: small is given twice\n"), names
    monkeypatch.chdir(ROOT)
    status, out, err = main(capsys, "compare", "baseline", "scenarios/baseline.toml", *where)
    assert (status, out, err) == (2, "", "error: compare: scenarios: baseline is given twice\n")
    status, out, err = main(capsys, "briefing", "baseline", "baseline", *where)
    assert (status, out, err) == (2, "", "error: briefing: scenarios: baseline is given twice\n")
    assert not (folder / "twice_out").exists() and not (folder / "twice_store").exists()


def test_two_files_of_the_same_name_are_still_compared(folder, capsys, monkeypatch):
    """Two different files that share a name are two scenarios, shown as small and small#2."""
    other = folder / "other"
    other.mkdir(exist_ok=True)
    (other / "small.toml").write_text(SMALL, encoding="utf-8")

    class Ran(Exception):
        pass

    def run_comparison(params_list, **kwargs):
        raise Ran(unique_names(params_list))

    monkeypatch.setattr(commands, "run_comparison", run_comparison)
    where = ["--store", str(folder / "same_name_store"), "--out", str(folder / "same_name_out")]
    with pytest.raises(Ran) as info:
        cli.main(["compare", str(folder / "small.toml"), str(other / "small.toml"), *where])
    assert info.value.args == (["small", "small#2"],)
