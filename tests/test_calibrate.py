"""Calibration to aggregates (calibration/aggregates.py): parameter recovery, identifiability, outputs,
bad targets files.

Recovery is checked on the small district (tests/data/small.toml): targets are generated in the test from
known inputs (the engine's means over 10 seeds that the fit never uses, with the between-replication sd),
and the fit must find the known values within its own 95 % intervals, intervals that must themselves be
informative (at most half the range searched), so that a wrong fit fails.
"""

from __future__ import annotations

import math
import re
import tomllib

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, SMALL, main

import sim
from analysis.experiments.runner import ResultStore
from calibration.aggregates import calibrate, write_outputs
from calibration.aggregates_report import draw_charts, format_fit, format_parameters
from calibration.targets import load_targets

TRUTH = {"arrivals.applications_per_year": 380, "exits.other_housing_per_year": 0.14}
RANGES = {
    "arrivals.applications_per_year": (200, 500),
    "exits.other_housing_per_year": (0.03, 0.25),
    "rent.discount_to_market": (0.05, 0.4),  # rent enters nothing while rent_elasticity = 0
}
FIGURES = ("applications", "move_ins", "exits_other_housing", "waiting_mean")
TRUTH_SEEDS = range(101, 111)


def _targets_text(rows, reps: int = 3) -> str:
    lines = ['base = "small.toml"', f"reps = {reps}", "seed = 1"]
    for figure, value, sd in rows:
        lines += ["[[target]]", f'figure = "{figure}"', f"value = {value!r}", f"sd = {sd!r}"]
    for key, (low, high) in RANGES.items():
        lines += ["[[parameter]]", f'key = "{key}"', f"low = {low!r}", f"high = {high!r}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """Targets made from TRUTH on the small district, and its store, in a folder of their own."""
    folder = tmp_path_factory.mktemp("calibrate")
    (folder / "small.toml").write_text(SMALL, encoding="utf-8")
    truth = sim.load_scenario(folder / "small.toml").with_overrides(TRUTH, source="test truth")
    runs = [sim.simulate(truth, s).summary for s in TRUTH_SEEDS]
    rows = []
    for figure in FIGURES:
        values = np.array([r[figure] for r in runs])
        rows.append((figure, float(values.mean()), float(values.std(ddof=1))))
    targets = folder / "targets.toml"
    targets.write_text(_targets_text(rows), encoding="utf-8")
    return folder, targets


@pytest.fixture(scope="module")
def cli_run(calibrated):
    """The calibration of the small district, run once (in this process, its store kept for a rerun),
    and written out as ``run.py calibrate`` does."""
    folder, targets = calibrated
    cal = calibrate(
        load_targets(targets),
        ResultStore(folder / "store"),
        budget_minutes=10,  # wall time: generous, so that a busy machine does not cut the fit short
        workers=2,
        progress=False,
        max_refine=12,
    )
    out = folder / "out"
    write_outputs(cal, out)
    draw_charts(cal, out)
    stdout = format_fit(cal) + "\n" + format_parameters(cal)
    return cal, stdout, out, targets


@pytest.mark.slow
def test_calibration_recovers_known_inputs_within_its_own_interval(cli_run):
    cal, _, out, _ = cli_run
    assert not cal.failures
    table = pd.read_csv(out / "parameters.csv")
    for key, true in TRUTH.items():
        row = table[table["key"] == key].iloc[0]
        low, high = RANGES[key]
        assert bool(row["identified"]), row["note"]
        # the interval is informative: a fit that found nothing could not pass
        assert row["interval_share_of_range"] <= 0.5
        assert row["interval_low"] <= true <= row["interval_high"], (key, row.to_dict())
        # and the estimate itself is within one interval width of the truth
        assert abs(row["estimate"] - true) <= row["interval_high"] - row["interval_low"]
        # far from where it started (the small district's own value) when the truth is far from it
    base = table.set_index("key")["base_value"]
    assert base["arrivals.applications_per_year"] == 300


@pytest.mark.slow
def test_the_fitted_scenario_reproduces_the_targets(cli_run):
    """Each target's simulated mean under the fitted scenario is within 3 observation sds."""
    _, _, out, _ = cli_run
    fit = pd.read_csv(out / "fit.csv")
    assert list(fit["target"]) == list(FIGURES)
    assert set(fit.columns) >= {"observed", "sd", "simulated_mean", "ci_low", "ci_high", "standardised_error"}
    assert (fit["standardised_error"].abs() < 3).all(), fit
    assert (fit["ci_low"] <= fit["simulated_mean"]).all() and (fit["simulated_mean"] <= fit["ci_high"]).all()


@pytest.mark.slow
def test_a_parameter_the_targets_cannot_identify_is_reported_as_such(cli_run):
    cal, stdout, out, _ = cli_run
    table = pd.read_csv(out / "parameters.csv").set_index("key")
    row = table.loc["rent.discount_to_market"]
    assert not bool(row["identified"])
    assert row["note"].startswith("not identified: the targets barely change across its range")
    assert row["sensitivity_sd"] < 1
    assert "NO (base value kept)" in stdout
    # the fitted scenario keeps the base value of a parameter it could not identify
    fitted = sim.load_scenario(out / "fitted.toml")
    assert fitted.value("rent.discount_to_market") == sim.load_scenario("baseline").value(
        "rent.discount_to_market"
    )


@pytest.mark.slow
def test_fitted_toml_loads_and_round_trips(cli_run):
    _, _, out, targets = cli_run
    table = pd.read_csv(out / "parameters.csv").set_index("key")
    fitted = sim.load_scenario(out / "fitted.toml")
    small = sim.load_scenario(targets.parent / "small.toml")
    for key in TRUTH:
        assert math.isclose(fitted.value(key), table.loc[key, "estimate"], rel_tol=1e-5)
        meta = fitted.meta(key)
        assert meta["reference"].startswith("CALIBRATED on ")
        assert targets.name in meta["reference"] and "applications" in meta["reference"]
    for key in small.keys():  # every other key is the base's
        if key not in TRUTH:
            assert fitted.value(key) == small.value(key), key
    doc = tomllib.loads((out / "fitted.toml").read_text(encoding="utf-8"))
    assert set(doc["arrivals"]) == {"applications_per_year"} and set(doc) >= {"base", "reference"}
    # round trip: the fitted values, set on the base, give the same scenario
    again = small.with_overrides({k: fitted.value(k) for k in TRUTH})
    assert again.resolved() == fitted.resolved()


@pytest.mark.slow
def test_outputs_and_chart_in_both_languages(cli_run):
    _, stdout, out, _ = cli_run
    for name in ("fit.csv", "parameters.csv", "points.csv", "fitted.toml"):
        assert (out / name).is_file(), name
    for lang in ("en", "zh"):
        assert (out / "charts" / f"calibration_fit.{lang}.png").stat().st_size > 10_000
    points = pd.read_csv(out / "points.csv")
    assert {"base", "design", "focus", "refine"} <= set(points["phase"])
    assert points["fitted"].sum() == 1
    assert "Std. error" in stdout and "95% interval" in stdout


@pytest.mark.slow
def test_a_rerun_reuses_the_store_and_a_tiny_budget_stops_early(calibrated, cli_run, capsys):
    folder, targets = calibrated
    out = folder / "short"
    status, stdout, _ = main(
        capsys,
        "calibrate",
        str(targets),
        "--out",
        str(out),
        "--workers",
        "1",
        "--store",
        str(folder / "store"),
        "--budget",
        "0.0001",  # 6 ms: spent before the first chunk of design points is back, however fast
    )
    assert status == 0
    note = "budget reached in the design step after 4 of 16 points; budget reached before the refine step"
    assert f"budget: {note}" in stdout
    points = pd.read_csv(out / "points.csv")
    assert "refine" not in set(points["phase"]) and "focus" not in set(points["phase"])
    reused = int(re.search(r"reused (\d+) replications", stdout).group(1))
    assert reused >= 5 * 3  # the base and the first 4 design points came from the first run's store


# ---------------------------------------------------------------- bad targets files

GOOD_TARGET = '[[target]]\nfigure = "waiting_mean"\nvalue = 150\nsd = 20\n'
GOOD_PARAMETER = '[[parameter]]\nkey = "arrivals.applications_per_year"\nlow = 200\nhigh = 500\n'


def _bad(tmp_path, capsys, text: str) -> str:
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    path = tmp_path / "t.toml"
    path.write_text('base = "small.toml"\n' + text, encoding="utf-8")
    status, out, err = main(capsys, "calibrate", str(path), "--out", str(tmp_path / "out"))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    return err.strip().replace(str(path), "FILE")


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[[target]]\nfigure = "occupancy"\nvalue = 0.9\nsd = 0.01\n' + GOOD_PARAMETER,
            'FILE: target[0].figure: unknown figure "occupancy" (did you mean occupancy_rate?)',
        ),
        (
            GOOD_TARGET + '[[parameter]]\nkey = "arrivals.applications_per_yer"\nlow = 1\nhigh = 2\n',
            "FILE: arrivals.applications_per_yer: unknown key (did you mean arrivals.applications_per_year?)",
        ),
        (
            GOOD_TARGET + '[[parameter]]\nkey = "arrivals.applications_per_year"\nlow = 500\nhigh = 200\n',
            "FILE: arrivals.applications_per_year: low (500) must be below high (200)",
        ),
        (
            GOOD_TARGET + '[[parameter]]\nkey = "exits.other_housing_per_year"\nlow = -0.1\nhigh = 0.2\n',
            "FILE: exits.other_housing_per_year: low: must not be negative, got -0.1",
        ),
        (
            GOOD_TARGET + '[[parameter]]\nkey = "arrivals.incomplete_share"\nlow = 0.1\nhigh = 1.5\n',
            "FILE: arrivals.incomplete_share: high: share must be within [0, 1], got 1.5",
        ),
        (
            GOOD_TARGET + '[[parameter]]\nkey = "allocation.mode"\nlow = 0\nhigh = 1\n',
            'FILE: allocation.mode: not a number in the base (string "continuous"); '
            "only numbers can be fitted",
        ),
        (
            '[[target]]\nfigure = "waiting_mean"\nvalue = 150\n' + GOOD_PARAMETER,
            "FILE: target[0].sd: missing (the uncertainty of the observed value, in the figure's units)",
        ),
        (
            '[[target]]\nfigure = "waiting_mean"\nvalue = 150\nsd = 0\n' + GOOD_PARAMETER,
            "FILE: target[0].sd: must be positive, got 0",
        ),
        (
            GOOD_TARGET
            + '[[target]]\nfigure = "waiting"\nat = "2022-13-01"\nvalue = 150\nsd = 20\n'
            + GOOD_PARAMETER,
            'FILE: target[1].at: not a date: "2022-13-01" (write it as YYYY-MM-DD)',
        ),
        (
            '[[target]]\nfigure = "waiting"\nat = 2030-01-01\nvalue = 150\nsd = 20\n' + GOOD_PARAMETER,
            "FILE: target[0].at: 2030-01-01 is outside the run of the base (2021-10-22 to 2023-10-21)",
        ),
        (
            '[[target]]\nfigure = "waiting"\nvalue = 150\nsd = 20\n' + GOOD_PARAMETER,
            "FILE: target[0].at: missing (waiting is a daily figure: give the date it was observed)",
        ),
        (
            GOOD_PARAMETER,
            "FILE: target: missing (list the observed figures as [[target]] tables)",
        ),
    ],
    ids=[
        "unknown-figure",
        "unknown-key",
        "low-not-below-high",
        "negative-low",
        "share-above-one",
        "not-a-number",
        "missing-sd",
        "zero-sd",
        "bad-date",
        "date-outside-run",
        "daily-without-date",
        "no-targets",
    ],
)
def test_bad_targets_file_is_refused_in_one_line(tmp_path, capsys, text, message):
    assert _bad(tmp_path, capsys, text) == f"error: {message}"


def test_missing_base_and_unknown_top_key(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('base = "nowhere"\n' + GOOD_TARGET + GOOD_PARAMETER, encoding="utf-8")
    status, _, err = main(capsys, "calibrate", str(path))
    assert status == 2 and err.strip() == f'error: {path}: base: no such scenario "nowhere"'
    path.write_text('base = "baseline"\nbudget = 3\n' + GOOD_TARGET + GOOD_PARAMETER, encoding="utf-8")
    status, _, err = main(capsys, "calibrate", str(path))
    assert status == 2 and err.strip() == f"error: {path}: budget: unknown key"


def test_the_shipped_synthetic_targets_load():
    t = load_targets("calibration/synthetic/targets.toml")
    assert t.base.name == "baseline"
    keys = t.keys
    assert "arrivals.applications_per_year" in keys and "rent.discount_to_market" in keys
    truth = sim.load_scenario("calibration/synthetic/truth.toml")
    moved = [k for k in keys if truth.value(k) != t.base.value(k)]
    assert "arrivals.applications_per_year" in moved and len(moved) >= 2
    for p in t.parameters:  # the truth lies inside every range searched
        assert p.low <= truth.value(p.key) <= p.high


LARGEST_SEED = 2**63 - 1  # seeds are kept as int64 in every table of replications


def test_a_seed_beyond_the_largest_is_refused_before_anything_runs(tmp_path, capsys):
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    path = tmp_path / "t.toml"
    out = ["--out", str(tmp_path / "out"), "--store", str(tmp_path / "store")]
    cases = [  # (seed line of the file, --seed option, message)
        (
            "seed = 99999999999999999999\n",
            [],
            f"{path}: seed: must be a whole number from 0 to {LARGEST_SEED}, got 99999999999999999999",
        ),
        (
            f"reps = 4\nseed = {LARGEST_SEED - 2}\n",
            [],
            f"{path}: seed: must be at most {LARGEST_SEED - 3} with 4 replications (seeds up to "
            f"{LARGEST_SEED}), got {LARGEST_SEED - 2}",
        ),
        ("", ["--seed", str(2**64)], f"--seed: must be a whole number from 0 to {LARGEST_SEED}, got {2**64}"),
    ]
    for seed_line, option, message in cases:
        path.write_text('base = "small.toml"\n' + seed_line + GOOD_TARGET + GOOD_PARAMETER, encoding="utf-8")
        with pytest.raises(sim.ScenarioError) as info:  # refused by the reader, before anything runs
            load_targets(path, seed=int(option[1]) if option else None)
        assert str(info.value) == message
        status, stdout, err = main(capsys, "calibrate", str(path), *option, *out)
        assert (status, stdout, err) == (2, "", f"error: {message}\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "path, kind",
    [("scenarios/baseline.toml", "a scenario file"), ("studies/sweeps/cap.toml", "a sweep file")],
)
def test_a_scenario_or_sweep_file_is_not_a_targets_file(capsys, monkeypatch, tmp_path, path, kind):
    monkeypatch.chdir(ROOT)
    message = f"{path}: {kind}, not a targets file (a targets file has base, [[target]] and [[parameter]])"
    with pytest.raises(sim.ScenarioError) as info:
        load_targets(path)
    assert str(info.value) == message
    status, out, err = main(capsys, "calibrate", path, "--out", str(tmp_path / "out"))
    assert (status, out, err) == (2, "", f"error: {message}\n")


def test_reps_beyond_the_most_in_a_targets_file_is_refused(tmp_path, capsys):
    text = (ROOT / "calibration" / "synthetic" / "targets.toml").read_text(encoding="utf-8")
    path = tmp_path / "targets.toml"
    path.write_text("reps = 1000000000\n" + text.replace("reps = ", "# reps = "), encoding="utf-8")
    status, _, err = main(capsys, "calibrate", str(path), "--out", str(tmp_path / "out"))
    assert status == 2
    assert err.endswith(
        "reps: must be a whole number from 2 to 10000 (an sd needs two replications), got number 1000000000\n"
    )


def test_reps_below_two_is_refused(tmp_path, capsys):
    status, _, err = main(capsys, "calibrate", "calibration/synthetic/targets.toml", "--reps", "1")
    assert status == 2
    assert (
        err.strip()
        == "error: --reps: must be a whole number from 2 to 10000 (an sd needs two replications), "
        "got number 1"
    )
