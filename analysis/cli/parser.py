"""The arguments of ``python run.py``: one subcommand per command of ``analysis/cli/commands.py``, and
the types that check a value as it is parsed (a bad value is a usage error, exit status 2).
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from analysis.experiments.runner import MAX_REPS, default_workers
from analysis.experiments.store import DEFAULT_STORE
from sim.parameters import BASELINE_PATH, SCENARIOS_DIR

BASELINE = BASELINE_PATH
SCALES = {"district": BASELINE, "city": SCENARIOS_DIR / "shanghai.toml"}  # bench --scale
#: ``python run.py`` without arguments
DEFAULT_ARGS = ["run", str(BASELINE), "--reps", "10", "--seed", "1", "--out", "out/baseline"]


def whole_number(text: str) -> int:
    """A whole number whose range the command checks (``--port``), so that a value out of range is one
    line ``error: ...`` rather than a usage message."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def seed(text: str) -> int:
    """The seed of the first replication: a whole number. Its range (0 to ``MAX_SEED``, the last
    replication's seed included) is checked with the replications, by the command or the sweep or
    targets file's reader (``analysis.experiments.runner.seeds_problem``)."""
    return whole_number(text)


def positive_int(text: str) -> int:
    """A count: replications, workers."""
    value = whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def reps_count(text: str) -> int:
    """A number of replications: 1 to ``MAX_REPS``."""
    value = positive_int(text)
    if value > MAX_REPS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_REPS}, got {value}")
    return value


def share(text: str) -> float:
    """A share strictly between 0 and 1 (``--precision 0.05``: 5 %)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.05, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (0.05 = 5 %), got {text}")
    return value


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _add_set(parser: argparse.ArgumentParser, whose: str) -> None:
    """``--set KEY=VALUE`` (repeatable): a variant of ``whose`` scenario(s), named after its overrides."""
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"replace one key's value in {whose} (repeatable), e.g. --set lease.max_total_years=8; "
        "the run is named after it (cap8 + lease.max_total_years=3) and gets its own default folder",
    )


class _Snapshot(argparse.Action):
    """``--snapshot DIR``: the run starts from the operators' snapshot in DIR (``start.snapshot``), an
    override like ``--set start.snapshot="DIR"``."""

    def __call__(self, parser, namespace, value, option_string=None):
        namespace.sets = [*namespace.sets, f"start.snapshot={json.dumps(value, ensure_ascii=False)}"]


def _add_snapshot(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--snapshot",
        metavar="DIR",
        action=_Snapshot,
        help="start from the operators' snapshot in DIR (docs/snapshot-data.md) on its date, with no "
        "warm-up; the same as --set start.snapshot=DIR",
    )


def _add_replace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--replace",
        action="store_true",
        help="write into an output folder that holds another run's outputs, clearing them first "
        "(by default such a folder is refused)",
    )


def _add_run_options(parser: argparse.ArgumentParser, lang_help: str = "language of the table") -> None:
    """Options of the commands that run many replications: where they run and where results are kept."""
    parser.add_argument(
        "--workers",
        type=positive_int,
        help=f"worker processes on this machine (default all cores, here {default_workers()}); "
        "1 runs in this process",
    )
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on this Dask scheduler's workers instead (default: the PRH_SCHEDULER environment variable)",
    )
    parser.add_argument(
        "--store",
        default=str(DEFAULT_STORE),
        help=f"folder of finished replications, reused by reruns (default {DEFAULT_STORE})",
    )
    parser.add_argument(
        "--recompute", action="store_true", help="run every replication again even if it is in the store"
    )
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help=f"{lang_help} (default en)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``run.py``; ``args.command`` names the command (``fit-inputs`` with its hyphen)."""
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Simulate Jing'an District public rental housing (公共租赁住房) rules. "
        "Without arguments: run the baseline, 10 replications, seed 1, into out/baseline.",
    )
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{run,compare,decompose,robustness,sweep,charts,briefing,snapshot,calibrate,fit-inputs,replay,bench,explore}",
    )

    run = sub.add_parser("run", help="run replications of a scenario and print the summary with 95%% CIs")
    run.add_argument("scenario", help="scenario file or name (e.g. scenarios/baseline.toml, baseline)")
    run.add_argument("--reps", type=reps_count, default=10, help="replications (default 10)")
    run.add_argument("--seed", type=seed, default=1, help="seed of the first replication (default 1)")
    _add_set(run, "the scenario")
    _add_snapshot(run)
    run.add_argument("--out", help="output folder (default out/<scenario name>)")
    _add_replace(run)
    run.add_argument("--audit", action="store_true", help="check every invariant on every replication")
    run.add_argument("--no-charts", action="store_true", help="write the tables only, not the charts")
    _add_run_options(run, "language of the table and charts")

    compare = sub.add_parser(
        "compare",
        help="compare scenarios on the same seeds: means, and paired differences from the first, "
        "with 95%% CIs",
    )
    compare.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios; the first is the reference"
    )
    how_many = compare.add_mutually_exclusive_group()
    how_many.add_argument("--reps", type=reps_count, help="replications of each scenario (default 10)")
    how_many.add_argument(
        "--precision",
        type=share,
        metavar="P",
        help="instead of --reps: add replications until every scenario's mean wait (application to "
        "move-in) has a 95%% CI half-width within P of its mean, e.g. 0.05",
    )
    compare.add_argument(
        "--max-reps", type=reps_count, default=200, help="most replications with --precision (default 200)"
    )
    compare.add_argument("--seed", type=seed, default=1, help="seed of the first replication (default 1)")
    _add_set(compare, "every scenario compared")
    _add_snapshot(compare)
    compare.add_argument("--out", help="output folder (default out/compare/<first>-vs-<second>...)")
    _add_replace(compare)
    _add_run_options(compare)

    decompose = sub.add_parser(
        "decompose",
        help="split a reform's effect between its changes: each alone, step by step, and Shapley shares, "
        "with 95%% CIs",
    )
    decompose.add_argument("base", metavar="BASE", help="the scenario the reform changes, e.g. baseline")
    decompose.add_argument(
        "reform",
        metavar="REFORM",
        help="the reform: its changes are the keys it sets differently from BASE, or the groups of keys "
        "its [changes] table names",
    )
    how_many = decompose.add_mutually_exclusive_group()
    how_many.add_argument("--reps", type=reps_count, help="replications of each subset (default 10)")
    how_many.add_argument(
        "--precision",
        type=share,
        metavar="P",
        help="instead of --reps: add replications until the total effect on the mean wait (application "
        "to move-in) has a 95%% CI half-width within P of the effect, e.g. 0.05",
    )
    decompose.add_argument(
        "--max-reps", type=reps_count, default=200, help="most replications with --precision (default 200)"
    )
    decompose.add_argument(
        "--order",
        type=lambda text: [name.strip() for name in text.split(",")],
        metavar="C1,C2,...",
        help="the order in which the steps add the changes (default: the reform file's order of keys); "
        "changes not named follow in that order",
    )
    decompose.add_argument(
        "--permutations",
        type=positive_int,
        default=10,
        help="random orders of the changes per replication when the shares are sampled (more than 8 "
        "changes; default 10)",
    )
    decompose.add_argument("--seed", type=seed, default=1, help="seed of the first replication (default 1)")
    _add_set(decompose, "both scenarios")
    _add_snapshot(decompose)
    decompose.add_argument("--out", help="output folder (default out/decompose/<base>_vs_<reform>)")
    _add_replace(decompose)
    _add_run_options(decompose)

    robustness = sub.add_parser(
        "robustness",
        help="does a comparison's conclusion survive the assumed inputs? BASE and VARIANT at points sampled "
        "over the plausible ranges of a ranges file: the share of plausible worlds where the difference "
        "keeps its sign, and the inputs ranked by influence (Morris, Sobol)",
    )
    robustness.add_argument("base", metavar="BASE", help="the reference scenario, e.g. baseline")
    robustness.add_argument("variant", metavar="VARIANT", help="the scenario compared with it, e.g. cap8")
    robustness.add_argument(
        "--ranges", default="studies/ranges.toml", help="the ranges file (default studies/ranges.toml)"
    )
    robustness.add_argument(
        "--method",
        choices=("morris", "sobol"),
        default="morris",
        help="morris: screen every ranged input (default); sobol: the screening, then first and total "
        "Sobol indices of the inputs it keeps",
    )
    robustness.add_argument(
        "--samples",
        type=positive_int,
        help="Morris trajectories (default 10); with --method sobol, the Sobol base samples, a power of 2 "
        "(default 64)",
    )
    robustness.add_argument(
        "--reps", type=reps_count, default=1, help="replications at each design point (default 1)"
    )
    robustness.add_argument(
        "--center-reps",
        type=reps_count,
        default=10,
        help="replications at the scenarios' own values, which give the conclusion's sign (default 10)",
    )
    robustness.add_argument(
        "--keep",
        type=positive_int,
        default=6,
        help="with --method sobol: the most inputs the screening keeps (those above the noise floor; "
        "default 6)",
    )
    robustness.add_argument(
        "--groups", action="store_true", help="screen the ranges file's groups of inputs, each moved together"
    )
    robustness.add_argument(
        "--only",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        metavar="NAME,...",
        help="range only these inputs or groups (e.g. the groups a --groups screening ranked first: "
        '--only "demand,voluntary exits"); the others are held',
    )
    robustness.add_argument(
        "--figure",
        dest="figures",
        action="append",
        metavar="NAME",
        help="a summary figure to analyse (repeatable; default the mean and p90 wait, move-ins, "
        "housed share)",
    )
    robustness.add_argument(
        "--seed", type=seed, default=1, help="seed of the design and the first replication"
    )
    _add_set(robustness, "both scenarios")
    robustness.add_argument("--out", help="output folder (default out/robustness/<base>-vs-<variant>)")
    _add_replace(robustness)
    _add_run_options(robustness, "language of the table and charts")

    sweep = sub.add_parser("sweep", help="run a grid of rule values x replications from a sweep file")
    sweep.add_argument("sweep", metavar="SWEEP.toml", help="sweep file, e.g. studies/sweeps/cap.toml")
    sweep.add_argument("--reps", type=reps_count, help="replications per cell (default: the file's reps)")
    sweep.add_argument("--seed", type=seed, help="seed of the first replication (default: the file's seed)")
    _add_set(sweep, "the sweep's base scenario")
    _add_snapshot(sweep)
    sweep.add_argument("--out", help="output folder (default out/sweeps/<sweep file name>)")
    _add_replace(sweep)
    sweep.add_argument(
        "--figure",
        dest="figures",
        action="append",
        metavar="NAME",
        help="figure to print (repeatable; default the mean and 90th percentile wait, waiting list, "
        "occupancy, lapses and capped exits); every figure is written to the files",
    )
    _add_run_options(sweep)

    charts = sub.add_parser(
        "charts", help="redraw the charts of a run, compare or sweep folder, without simulating"
    )
    charts.add_argument("directory", metavar="DIR", help="an output folder of run, compare or sweep")
    charts.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the charts (default en)"
    )

    briefing = sub.add_parser(
        "briefing",
        help="compare scenarios (or reuse stored results) and write the briefing pack (PDF, charts, tables)",
    )
    briefing.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios; the first is the reference"
    )
    briefing.add_argument(
        "--reps", type=reps_count, default=10, help="replications of each scenario (default 10)"
    )
    briefing.add_argument("--seed", type=seed, default=1, help="seed of the first replication (default 1)")
    _add_set(briefing, "every scenario compared")
    _add_snapshot(briefing)
    briefing.add_argument(
        "--decompose",
        action="store_true",
        help="with two scenarios, the base and a reform: add the reform's decomposition (as decompose: "
        "each change's share of the effect, waterfalls, who gains by each change)",
    )
    briefing.add_argument(
        "--robustness",
        metavar="DIR",
        help="with two scenarios, the base and a variant: add a page on whether the conclusion survives "
        "the assumed inputs, from the folder of `run.py robustness BASE VARIANT` on the same scenarios",
    )
    briefing.add_argument("--out", help="output folder (default out/briefing/<first>-vs-<second>...)")
    _add_replace(briefing)
    _add_run_options(briefing, "language of the table and the pack")
    briefing.set_defaults(precision=None, max_reps=200)  # compare's, which briefing runs

    snap = sub.add_parser(
        "snapshot",
        help="run a scenario to a date and write its state as an operators' snapshot (docs/snapshot-data.md)",
    )
    snap.add_argument("scenario", help="scenario file or name (e.g. baseline)")
    snap.add_argument("--date", type=iso_date, required=True, help="the snapshot's date, YYYY-MM-DD")
    snap.add_argument("--seed", type=seed, default=1, help="seed of the replication (default 1)")
    _add_set(snap, "the scenario")
    snap.add_argument("--out", required=True, help="folder to write the snapshot into")
    _add_replace(snap)

    calibrate = sub.add_parser(
        "calibrate", help="fit behavioural inputs of a scenario to observed figures (a targets file)"
    )
    calibrate.add_argument(
        "targets", metavar="TARGETS.toml", help="targets file, e.g. calibration/synthetic/targets.toml"
    )
    calibrate.add_argument("--out", help="output folder (default out/calibration/<targets file name>)")
    calibrate.add_argument(
        "--budget",
        type=float,
        default=20.0,
        metavar="MINUTES",
        help="wall time for the search (default 20); the best point reached is reported",
    )
    calibrate.add_argument(
        "--reps", type=reps_count, help="replications per point (default: the file's reps, else 5)"
    )
    calibrate.add_argument(
        "--seed", type=seed, help="seed of the first replication (default: the file's, else 1)"
    )
    _add_run_options(calibrate)

    fit = sub.add_parser(
        "fit-inputs", help="estimate arrivals, household mix and exit hazards from micro data (CSV files)"
    )
    fit.add_argument("applications", metavar="APPLICATIONS.csv", help="recorded applications")
    fit.add_argument("tenancies", metavar="TENANCIES.csv", help="recorded tenancies")
    fit.add_argument(
        "--out", default=str(Path("out") / "fit-inputs"), help="output folder (default out/fit-inputs)"
    )
    fit.add_argument(
        "--base", default=str(BASELINE), help="scenario the fitted delta is based on (default baseline)"
    )
    fit.add_argument(
        "--from",
        dest="start",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="first day of the recorded period (YYYY-MM-DD; default the first application); tenancies begun "
        "before it count from it (left-truncated)",
    )
    fit.add_argument(
        "--until",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="day after the recorded period (default the day after the latest date in the files)",
    )
    fit.add_argument("--no-charts", action="store_true", help="do not draw the charts")
    fit.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the table (default en)")

    replay = sub.add_parser(
        "replay", help="replay recorded applications (arrivals.replay) and compare with what was recorded"
    )
    replay.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="replaying scenario(s); the first is the reference of the paired differences",
    )
    replay.add_argument("--reps", type=reps_count, default=10, help="replications (default 10)")
    replay.add_argument("--seed", type=seed, default=1, help="seed of the first replication (default 1)")
    replay.add_argument("--out", help="output folder (default out/replay/<first scenario>)")
    replay.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the table (default en)"
    )

    bench = sub.add_parser("bench", help="time one replication against a bare SimPy loop, or a sweep")
    bench.add_argument("--seed", type=seed, default=1, help="seed (default 1)")
    bench.add_argument(
        "--scale",
        choices=tuple(SCALES),
        default="district",
        help="district: the baseline (default); city: scenarios/shanghai.toml, 200,000 units",
    )
    bench.add_argument("--scenario", help="scenario to time instead of --scale's")
    bench.add_argument(
        "--sweep",
        action="store_true",
        help="instead: replications per second of a sweep of --reps replications "
        "with 1 and with --workers workers",
    )
    bench.add_argument(
        "--mechanisms",
        action="store_true",
        help="instead: one replication under each allocation mechanism (allocation.mechanism) and each "
        "shipped variant of a mechanism, timed against receipt order",
    )
    bench.add_argument(
        "--repeat",
        type=positive_int,
        default=3,
        help="runs of each configuration of --mechanisms, best kept (default 3)",
    )
    bench.add_argument(
        "--robustness",
        action="store_true",
        help="instead: the Morris screening of baseline vs cap8 over studies/ranges.toml (robustness), run "
        "from scratch with no store on --workers workers, timed against one replication in this process",
    )
    bench.add_argument(
        "--samples", type=positive_int, default=16, help="Morris trajectories of --robustness (default 16)"
    )
    bench.add_argument(
        "--ungrouped",
        action="store_true",
        help="with --robustness: screen every input on its own instead of the ranges file's groups",
    )
    bench.add_argument("--reps", type=reps_count, default=20, help="replications of --sweep (default 20)")
    bench.add_argument(
        "--workers", type=positive_int, default=2, help="parallel workers of --sweep (default 2)"
    )

    explore = sub.add_parser("explore", help="start the policy explorer, a local web page (Solara)")
    explore.add_argument("--port", type=whole_number, default=8765, help="port to listen on (default 8765)")
    explore.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    explore.add_argument(
        "--scenarios-dir",
        default=str(SCENARIOS_DIR),
        help="folder whose scenarios are offered as bases (with the project's) and where variants are saved "
        "(default scenarios/)",
    )
    explore.add_argument("--base", default="baseline", help="base scenario shown first (default baseline)")
    explore.add_argument("--reps", type=reps_count, default=10, help="replications of a run (default 10)")
    explore.add_argument("--seed", type=seed, default=1, help="seed of the first replication (default 1)")
    explore.add_argument(
        "--workers", type=positive_int, help=f"worker processes (default all cores: {default_workers()})"
    )
    explore.add_argument("--store", default=str(DEFAULT_STORE), help=f"result store ({DEFAULT_STORE})")
    explore.add_argument(
        "--out", default=str(Path("out") / "explore"), help="folder of the runs' outputs and briefings"
    )
    explore.add_argument("--lang", choices=("en", "zh"), default="en", help="first language (default en)")
    return parser
