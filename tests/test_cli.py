"""The command line (run.py) and the replication outputs (analysis/): bad input, files, CIs, labels.

The command is run as a user runs it (``sys.executable run.py ...`` from the repository root) on a small
variant of the baseline, so the whole file takes a few seconds.
"""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, ROOT, SMALL, default_ctrl_c, main
from scipy import stats

from analysis.cli.parser import DEFAULT_ARGS, build_parser
from analysis.experiments.bench import MECHANISM_VARIANTS
from analysis.experiments.outputs import OUTPUT_FILES
from analysis.reporting.tables import format_table
from analysis.reporting.terms import TERMS, label
from analysis.stats import summary_table
from sim import SUMMARY_FIGURES, ScenarioError, load_scenario, parse_set
from sim.schema import MECHANISMS


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def loader_message(fn) -> str:
    with pytest.raises(ScenarioError) as info:
        fn()
    return str(info.value)


def assert_user_error(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [f"error: {message}"]
    assert proc.stdout == ""


# ---------------------------------------------------------------- bad input: one line, exit 2


@pytest.mark.slow
def test_bad_scenario_file_unknown_key(tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'base = "{BASELINE.as_posix()}"\n[lease]\nmax_totl_years = 8\n', encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the loader names the file relative to the working directory
    message = loader_message(lambda: load_scenario(bad))
    assert "lease.max_totl_years: unknown key" in message
    assert_user_error(cli("run", str(bad), "--reps", "1"), message)


@pytest.mark.slow
def test_missing_scenario_file(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere.toml"
    monkeypatch.chdir(ROOT)
    message = loader_message(lambda: load_scenario(missing))
    assert_user_error(cli("run", str(missing)), message)


@pytest.mark.parametrize(
    "arg",
    ["lease.max_total_years", "lease.max_totl_years=8", "lease.max_total_years=-1"],
    ids=["no equals sign", "unknown key", "negative value"],
)
@pytest.mark.slow
def test_bad_set(small, arg, monkeypatch):
    monkeypatch.chdir(ROOT)

    def apply():
        load_scenario(small).with_overrides(dict([parse_set(arg)]), source="--set")

    message = loader_message(apply)
    assert message.startswith("--set: ")
    assert_user_error(cli("run", str(small), "--reps", "1", "--set", arg), message)


@pytest.mark.slow
def test_argparse_errors_are_usage_errors(small):
    proc = cli("run", str(small), "--reps", "0")
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr


LARGEST_SEED = 2**63 - 1  # seeds are kept as int64 in every table of replications
HUGE = "99999999999999999999"  # numpy's SeedSequence takes it; the int64 seed columns do not


@pytest.fixture
def seed_args(small, tmp_path) -> dict[str, list[str]]:
    """Each command that takes ``--seed`` with its other arguments; everything goes to ``tmp_path/out``
    and ``tmp_path/store``, so a command that ran would leave ``tmp_path/out`` behind."""
    variant = tmp_path / "cap4.toml"
    variant.write_text(f'base = "{small.as_posix()}"\nname = "cap4"\n[lease]\nmax_total_years = 4\n')
    out, store = ["--out", str(tmp_path / "out")], ["--workers", "1", "--store", str(tmp_path / "store")]
    return {
        "run": ["run", str(small), "--no-charts", *out, *store],
        "compare": ["compare", str(small), str(variant), *out, *store],
        "briefing": ["briefing", str(small), str(variant), *out, *store],
        "replay": ["replay", str(ROOT / "calibration" / "synthetic" / "replay_truth.toml"), *out],
        "bench": ["bench", "--sweep", "--workers", "1", "--scenario", str(small)],
    }


@pytest.mark.parametrize("command", ["run", "compare", "briefing", "replay", "bench"])
def test_a_seed_beyond_the_largest_is_refused_before_anything_runs(seed_args, command, tmp_path, capsys):
    args = seed_args[command]
    status, out, err = main(capsys, *args, "--seed", HUGE, "--reps", "1")
    assert (status, out, err) == (
        2,
        "",
        f"error: --seed: must be a whole number from 0 to {LARGEST_SEED}, got {HUGE}\n",
    )
    status, out, err = main(capsys, *args, "--seed", "-1", "--reps", "1")
    assert (status, err) == (2, f"error: --seed: must be a whole number from 0 to {LARGEST_SEED}, got -1\n")
    # the last replication's seed, seed + reps - 1, must be within the limit too
    status, out, err = main(capsys, *args, "--seed", str(LARGEST_SEED - 1), "--reps", "3")
    assert (status, err) == (
        2,
        f"error: --seed: must be at most {LARGEST_SEED - 2} with 3 replications (seeds up to "
        f"{LARGEST_SEED}), got {LARGEST_SEED - 1}\n",
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


def test_compare_with_precision_keeps_its_most_replications_within_the_largest_seed(seed_args, capsys):
    args = [*seed_args["compare"], "--precision", "0.05", "--max-reps", "50"]
    status, out, err = main(capsys, *args, "--seed", str(LARGEST_SEED - 10))
    assert (status, err) == (
        2,
        f"error: --seed: must be at most {LARGEST_SEED - 49} with 50 replications (seeds up to "
        f"{LARGEST_SEED}), got {LARGEST_SEED - 10}\n",
    )


def test_the_largest_seed_runs_and_is_written(small, tmp_path, capsys):
    out = tmp_path / "out"
    args = [
        "run",
        str(small),
        "--reps",
        "1",
        "--no-charts",
        "--out",
        str(out),
        "--store",
        str(tmp_path / "store"),
    ]
    status, _, err = main(capsys, *args, "--seed", str(LARGEST_SEED))
    assert status == 0, err
    assert list(pd.read_csv(out / "summary.csv")["seed"]) == [LARGEST_SEED]


def test_a_sweep_or_targets_file_given_as_a_scenario_says_what_it_is(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, err = main(capsys, "run", "studies/sweeps/cap.toml")
    assert (status, out) == (2, "")
    assert err == (
        "error: studies/sweeps/cap.toml: a sweep file, not a scenario file "
        "(a scenario file has sections of keys such as [lease])\n"
    )
    status, out, err = main(capsys, "compare", "baseline", "calibration/synthetic/targets.toml")
    assert (status, out) == (2, "")
    assert err == (
        "error: calibration/synthetic/targets.toml: a targets file, not a scenario file "
        "(a scenario file has sections of keys such as [lease])\n"
    )


# ---------------------------------------------------------------- a small run: files, seeds, CIs


@pytest.fixture(scope="module")
def small_run(small, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "run"
    store = out.parent / "store"
    proc = cli(
        "run", str(small), "--reps", "2", "--seed", "7", "--out", str(out), "--store", str(store), "--audit"
    )
    return proc, out


@pytest.mark.slow
def test_run_writes_outputs_and_audits(small_run):
    proc, out = small_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "audit: every invariant holds in 2 replications" in proc.stdout
    assert "small: 2 replications, seeds 7–8" in proc.stdout
    for figure in SUMMARY_FIGURES:
        assert label(figure, "en") in proc.stdout
    # the tables, the scenario record and the charts, and no temporary file left behind
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUT_FILES, "scenarios.json", "charts"])
    charts = sorted(p.suffix for p in (out / "charts").iterdir())
    assert charts and set(charts) == {".png", ".svg"} and charts.count(".png") == charts.count(".svg")
    for name in ("households.parquet", "daily.parquet", "offers.parquet", "rent_roll.parquet", "summary.csv"):
        df = pd.read_parquet(out / name) if name.endswith(".parquet") else pd.read_csv(out / name)
        assert df.columns[0] == "seed"
        assert set(df["seed"]) == {7, 8}, name
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["seed", *SUMMARY_FIGURES]
    assert len(summary) == 2
    # Art. 21: the rent due per operator and calendar year, over the two replications
    roll = pd.read_csv(out / "rent_roll.csv")
    assert list(roll.columns) == ["operator", "year", "mean", "ci_low", "ci_high", "n"]
    assert (roll["n"] == 2).all() and (roll["mean"] > 0).all()
    assert len(roll) == len(pd.read_parquet(out / "rent_roll.parquet")) / 2


@pytest.mark.slow
def test_summary_ci_is_student_t(small_run):
    proc, out = small_run
    summary = pd.read_csv(out / "summary.csv")
    ci = pd.read_csv(out / "summary_ci.csv")
    assert list(ci.columns) == ["figure", "mean", "ci_low", "ci_high", "sd", "n"]
    assert list(ci["figure"]) == list(SUMMARY_FIGURES)
    for row in ci.itertuples(index=False):
        values = summary[row.figure].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        assert row.n == len(values)
        if not len(values):
            continue
        assert row.mean == pytest.approx(values.mean(), rel=1e-12, abs=1e-12)
        if len(values) < 2:
            assert math.isnan(row.ci_low) and math.isnan(row.ci_high)
            continue
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
        assert row.ci_low <= row.mean <= row.ci_high
        assert row.ci_high - row.mean == pytest.approx(half, rel=1e-9, abs=1e-9)
        assert row.mean - row.ci_low == pytest.approx(half, rel=1e-9, abs=1e-9)
        assert row.sd == pytest.approx(values.std(ddof=1), rel=1e-9, abs=1e-12)


def test_summary_table_skips_nan_and_single_replication():
    df = pd.DataFrame(
        {"seed": [1, 2, 3], "a": [1.0, np.nan, 3.0], "b": [np.nan, np.nan, 5.0], "c": [4.0] * 3}
    )
    table = summary_table(df).set_index("figure")
    assert list(table.index) == ["a", "b", "c"]
    assert table.loc["a", "n"] == 2 and table.loc["a", "mean"] == 2.0
    half = stats.t.ppf(0.975, 1) * stats.sem([1.0, 3.0])
    assert table.loc["a", "ci_high"] == pytest.approx(2.0 + half)
    assert table.loc["b", "n"] == 1 and table.loc["b", "mean"] == 5.0
    assert math.isnan(table.loc["b", "ci_low"]) and math.isnan(table.loc["b", "ci_high"])
    assert (table.loc["c", "ci_low"], table.loc["c", "ci_high"]) == (4.0, 4.0)  # zero spread, not NaN


@pytest.mark.slow
def test_an_interrupted_run_keeps_what_finished_and_resumes(small, tmp_path):
    out, store = tmp_path / "int", tmp_path / "store"
    command = [sys.executable, "run.py", "run", str(small), "--out", str(out), "--store", str(store)]
    proc = subprocess.Popen(
        [*command, "--reps", "10000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_ctrl_c,
    )
    time.sleep(8)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    # "interrupted: N of 10000 replications finished and kept in ..."; 0 when the signal came early
    kept = int(stderr.split("interrupted: ")[1].split(" of ")[0]) if "interrupted: " in stderr else 0
    if not kept:
        assert not (out / "summary.csv").exists()
        return
    seeds = sorted(pd.read_csv(out / "summary.csv")["seed"])  # the finished ones, in whatever order
    assert len(seeds) == kept and set(pd.read_parquet(out / "daily.parquet")["seed"]) == set(seeds)
    assert set(pd.read_parquet(out / "households.parquet")["seed"]) == set(seeds)
    # the same run again, up to the last seed that finished, reads every finished one back
    again = subprocess.run(
        [*command, "--reps", str(seeds[-1]), "--no-charts"], cwd=ROOT, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert f"reused {kept} of {seeds[-1]} replications, ran {seeds[-1] - kept}" in again.stdout


@pytest.mark.slow
def test_bench(small):
    proc = cli("bench", "--scenario", str(small), "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    for text in ("machine:", "events/s", "bare SimPy", "engine / bare", "peak resident memory"):
        assert text in proc.stdout


@pytest.mark.slow
def test_bench_mechanisms_times_every_mechanism_and_shipped_variant_against_receipt_order(small):
    proc = cli("bench", "--mechanisms", "--repeat", "1", "--scenario", str(small))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()[2:]
    names = [*MECHANISMS, *(f"{v}.toml" for v in MECHANISM_VARIANTS)]
    assert [line.split()[0] for line in lines] == names
    assert lines[0].endswith("1.00 × receipt_order")


@pytest.mark.slow
def test_output_piped_to_a_reader_that_stops_ends_quietly(small):
    """`python run.py bench | head -1`: the rest of the output has nowhere to go; no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "run.py", "bench", "--scenario", str(small)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().startswith("machine:")
    proc.stdout.close()  # the bare SimPy loops still have to print, a second later
    assert proc.wait(timeout=120) == 141
    assert proc.stderr.read() == ""


def test_no_arguments_means_the_baseline_run():
    args = build_parser().parse_args(DEFAULT_ARGS)
    assert (args.command, Path(args.scenario), args.reps, args.seed, args.out) == (
        "run",
        BASELINE,
        10,
        1,
        "out/baseline",
    )


# ---------------------------------------------------------------- labels and the printed table


def test_every_summary_figure_has_both_labels_with_unit():
    units = {"days": ("天", "days"), "share": ("比例", "share"), "households": ("户", "households")}
    units["units"] = ("套", "units")
    units |= {"offers": ("次", "offers"), "m2": ("平方米", "m²")}
    for figure in SUMMARY_FIGURES:
        assert figure in TERMS, figure
        zh_unit, en_unit = units[TERMS[figure].unit]
        zh, en = label(figure, "zh"), label(figure, "en")
        assert zh.endswith(f"（{zh_unit}）") and len(zh) > len(zh_unit) + 2, zh
        assert en.endswith(f"({en_unit})") and len(en) > len(en_unit) + 3, en
    assert len({label(f, "zh") for f in SUMMARY_FIGURES}) == len(SUMMARY_FIGURES)
    assert len({label(f, "en") for f in SUMMARY_FIGURES}) == len(SUMMARY_FIGURES)
    assert label("occupancy_rate", "zh") == "分配入住率（比例）"
    with pytest.raises(ValueError):
        label("occupancy_rate", "fr")


def test_format_table_rounding():
    table = pd.DataFrame(
        [
            ("wait_apply_to_movein_mean", 301.6, 280.2, 323.0, 10.0, 3),
            ("occupancy_rate", 0.96444, 0.95012, 0.97876, 0.01, 3),
            ("move_ins", 1234.4, -0.2, 2468.9, 5.0, 3),
        ],
        columns=["figure", "mean", "ci_low", "ci_high", "sd", "n"],
    )
    en = format_table(table, "en").splitlines()
    assert en[2].split() == [
        "Mean",
        "wait,",
        "application",
        "to",
        "move-in",
        "(days)",
        "302",
        "[280,",
        "323]",
    ]
    assert en[3].split()[-3:] == ["0.964", "[0.950,", "0.979]"]
    assert en[4].split()[-3:] == ["1,234", "[0,", "2,469]"]  # counts without decimals, never "-0"
    zh = format_table(table, "zh")
    assert "分配入住率（比例）" in zh and "95%置信区间" in zh


@pytest.mark.slow
def test_charts_of_a_folder_that_is_no_output_is_a_user_error(tmp_path):
    proc = cli("charts", str(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_charts_redraws_a_run_folder_without_simulating(small_run, tmp_path):
    _, out = small_run
    proc = cli("charts", str(out), "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert list((out / "charts").glob("*.zh.png"))


@pytest.mark.slow
def test_briefing_writes_the_pack(small, tmp_path):
    """``briefing A B`` runs the comparison and writes the PDF, charts and tables."""
    variant = tmp_path / "cap4.toml"
    variant.write_text(
        f'base = "{small.as_posix()}"\nname = "cap4"\ndescription = "cap 4"\nreference = "test"\n'
        "[lease]\nmax_total_years = 4\n",
        encoding="utf-8",
    )
    out = tmp_path / "brief"
    store = tmp_path / "store"
    proc = cli(
        "briefing",
        str(small),
        str(variant),
        "--reps",
        "2",
        "--workers",
        "1",
        "--out",
        str(out),
        "--store",
        str(store),
        "--lang",
        "zh",
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "briefing.zh.pdf").stat().st_size > 10_000
    assert (out / "comparison.zh.md").exists() and (out / "comparison.csv").exists()
    assert list((out / "charts").glob("*.zh.png"))


# ---------------------------------------------------------------- too big for the machine, or a slip


def test_a_count_beyond_its_bound_is_refused_at_once_naming_the_bound(small, tmp_path, capsys):
    for value, shown in (("10000000", "10000000"), ("1e30", "1e+30")):
        started = time.perf_counter()
        args = ("run", str(small), "--set", f"supply.target_units={value}", "--out", str(tmp_path / "out"))
        status, out, err = main(capsys, *args)
        assert (status, out) == (2, "")
        assert err == f"error: --set: supply.target_units: must be at most 2000000, got {shown}\n"
        assert time.perf_counter() - started < 5
    assert not (tmp_path / "out").exists()


def test_reps_beyond_the_most_is_a_usage_error(small, capsys):
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["run", str(small), "--reps", "10001"])
    assert info.value.code == 2
    assert "argument --reps: must be at most 10000, got 10001" in capsys.readouterr().err
    assert build_parser().parse_args(["run", str(small), "--reps", "10000"]).reps == 10000


@pytest.fixture
def little_memory(monkeypatch):
    """A machine with 200 MiB available: less than a replication of the small scenario needs (0.3 GiB)."""
    import sim.capacity

    monkeypatch.setattr(sim.capacity, "available_bytes", lambda: 200 * 2**20)


def test_a_scenario_too_big_for_the_memory_available_is_refused_before_it_starts(
    small, tmp_path, little_memory, capsys, monkeypatch
):
    monkeypatch.chdir(small.parent)
    status, out, err = main(capsys, "run", small.name, "--out", str(tmp_path / "out"), "--workers", "1")
    assert (status, out) == (2, "")
    assert err == (
        "error: small.toml: needs about 0.3 GiB (400 units, 300 filings a year over 2 years), "
        "more than the 0.2 GiB available\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "command",
    ["run", "compare", "briefing", "replay", "bench", "bench --sweep", "sweep", "calibrate", "explore"],
)
def test_every_command_that_simulates_checks_the_memory_first(
    seed_args, command, tmp_path, little_memory, capsys
):
    out, store = ["--out", str(tmp_path / "out")], ["--workers", "2", "--store", str(tmp_path / "store")]
    args = {
        **seed_args,
        "bench": ["bench", "--scenario", seed_args["run"][1]],
        "bench --sweep": ["bench", "--sweep", "--workers", "2", "--scenario", seed_args["run"][1]],
        "sweep": ["sweep", str(ROOT / "studies" / "sweeps" / "cap.toml"), *out, *store],
        "calibrate": ["calibrate", str(ROOT / "calibration" / "synthetic" / "targets.toml"), *out, *store],
        "explore": ["explore", "--port", "18765", "--workers", "2", *out, "--store", str(tmp_path / "store")],
    }[command]
    status, stdout, err = main(capsys, *args)
    assert (status, stdout) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert (
        " GiB (" in err and "filings a year over" in err and err.endswith("more than the 0.2 GiB available\n")
    )
    two_at_once = command in ("bench --sweep", "sweep", "calibrate", "explore")  # --workers 2, not 1
    assert ("2 replications at once" in err) == two_at_once
    assert not (tmp_path / "out").exists()


def test_run_refuses_an_output_folder_it_cannot_write_into_before_simulating(
    small, tmp_path, capsys, monkeypatch
):
    import analysis.cli.commands as commands

    def no_simulation(*args, **kwargs):
        raise AssertionError("simulated")

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(commands, "run_kept", no_simulation)
    monkeypatch.setattr(commands.tempfile, "NamedTemporaryFile", read_only)
    folder = tmp_path / "read-only"
    folder.mkdir()
    status, out, err = main(capsys, "run", str(small), "--out", str(folder))
    assert (status, out) == (2, "")
    assert err == f"error: {folder}: cannot write into the output folder: Permission denied\n"


def test_run_refuses_an_output_folder_under_a_file(small, tmp_path, capsys):
    (tmp_path / "some_file").write_text("", encoding="utf-8")
    status, out, err = main(capsys, "run", str(small), "--out", str(tmp_path / "some_file" / "out"))
    assert (status, out) == (2, "")
    assert (
        err == f"error: {tmp_path / 'some_file' / 'out'}: cannot create the output folder: Not a directory\n"
    )


def test_the_write_probe_leaves_nothing_behind(small, tmp_path, capsys, monkeypatch):
    import analysis.cli.commands as commands

    folder = tmp_path / "out"
    commands._make_dir(folder)
    assert folder.is_dir() and list(folder.iterdir()) == []
