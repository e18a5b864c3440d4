"""Command line of the Jing'an public rental housing (公共租赁住房) simulator.

    python run.py        # = run scenarios/baseline.toml --reps 10 --seed 1 --out out/baseline
    python run.py run SCENARIO [--reps N] [--seed S] [--set KEY=VALUE ...] [--out DIR] [--audit]
                               [--lang en|zh]
    python run.py compare A B [C ...] [--reps N | --precision P [--max-reps N]] [--seed S] [--out DIR]
                               [--workers N | --scheduler tcp://HOST:PORT] [--store DIR] [--lang en|zh]
    python run.py sweep SWEEP.toml [--reps N] [--seed S] [--out DIR] [--figure NAME ...]
                               [--workers N | --scheduler tcp://HOST:PORT] [--store DIR] [--lang en|zh]
    python run.py charts DIR [--lang en|zh]
    python run.py briefing A B [C ...] [--reps N] [--seed S] [--lang en|zh] [--out DIR] [compare's options]
    python run.py calibrate TARGETS.toml [--out DIR] [--budget MINUTES] [--reps N] [--seed S] [--workers N]
    python run.py fit-inputs APPLICATIONS.csv TENANCIES.csv [--out DIR] [--base SCENARIO] [--from D]
                               [--until D] [--no-charts] [--lang en|zh]
    python run.py replay SCENARIO [VARIANT ...] [--reps N] [--seed S] [--out DIR] [--lang en|zh]
    python run.py bench [--seed S] [--scale district|city | --scenario SCENARIO]
    python run.py bench --sweep [--reps 20] [--workers 2] [--scenario SCENARIO]
    python run.py explore [--port N] [--scenarios-dir DIR] [--base NAME] [--reps N] [--lang en|zh]

compare and sweep run replications in parallel (all cores by default; on a Dask cluster with
--scheduler or the PRH_SCHEDULER environment variable) and keep each finished replication in a result
store (out/.store/), so a rerun of the same command reuses them and an interrupted one resumes.

Exit status: 0 done; 1 an invariant failed (--audit) or some replications failed (the others are kept);
2 bad input (one line ``error: ...`` on stderr); 130 interrupted (finished replications are kept).
"""

from __future__ import annotations

import sys

try:
    import argparse
    import difflib
    import math
    import os
    import platform
    import resource
    import signal
    import time
    from pathlib import Path

    import mesa
    import simpy

    from analysis.experiments.bench import bare_simpy_loop, plain_queue_simpy
    from analysis.experiments.compare import PRECISION_FIGURE, run_comparison
    from analysis.experiments.outputs import write_frame, write_outputs
    from analysis.experiments.replications import run_replications
    from analysis.experiments.runner import (
        ResultStore,
        RunnerError,
        Task,
        default_workers,
        resolve_scheduler,
        run_tasks,
    )
    from analysis.experiments.store import DEFAULT_STORE
    from analysis.experiments.sweep import DEFAULT_FIGURES, load_sweep, run_sweep
    from analysis.reporting.briefing import build_briefing
    from analysis.reporting.charts import NotAnOutputFolder, draw_any, draw_run, write_scenarios_json
    from analysis.reporting.tables import format_cells, format_comparison, format_table
    from analysis.reporting.terms import term
    from analysis.stats import summary_table
    from sim import SUMMARY_FIGURES, ScenarioError, audit, load_scenario, parse_set, simulate
except KeyboardInterrupt:  # Ctrl-C while the libraries load
    print("interrupted: no replication run", file=sys.stderr)
    sys.exit(130)

ROOT = Path(__file__).resolve().parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SCALES = {"district": BASELINE, "city": ROOT / "scenarios" / "shanghai.toml"}  # bench --scale
DEFAULT_ARGS = ["run", str(BASELINE), "--reps", "10", "--seed", "1", "--out", "out/baseline"]


class UserError(Exception):
    """Bad input other than a scenario error (e.g. an output folder that cannot be written)."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {value}")
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.05, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (0.05 = 5 %), got {text}")
    return value


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that run many replications: where they run and where results are kept."""
    parser.add_argument(
        "--workers",
        type=_positive_int,
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
    parser.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the table (default en)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Simulate Jing'an District public rental housing (公共租赁住房) rules. "
        "Without arguments: run the baseline, 10 replications, seed 1, into out/baseline.",
    )
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="{run,compare,sweep,charts,briefing,calibrate,fit-inputs,replay,bench,explore}",
    )

    run = sub.add_parser("run", help="run replications of a scenario and print the summary with 95%% CIs")
    run.add_argument("scenario", help="scenario file or name (e.g. scenarios/baseline.toml, baseline)")
    run.add_argument("--reps", type=_positive_int, default=10, help="replications (default 10)")
    run.add_argument("--seed", type=_seed, default=1, help="seed of the first replication (default 1)")
    run.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="replace one key's value for this run (repeatable), e.g. --set lease.max_total_years=8",
    )
    run.add_argument("--out", help="output folder (default out/<scenario name>)")
    run.add_argument("--audit", action="store_true", help="check every invariant on every replication")
    run.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the table and charts (default en)"
    )
    run.add_argument("--no-charts", action="store_true", help="write the tables only, not the charts")
    run.set_defaults(func=cmd_run)

    compare = sub.add_parser(
        "compare",
        help="compare scenarios on the same seeds: means, and paired differences from the first, "
        "with 95%% CIs",
    )
    compare.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios; the first is the reference"
    )
    how_many = compare.add_mutually_exclusive_group()
    how_many.add_argument("--reps", type=_positive_int, help="replications of each scenario (default 10)")
    how_many.add_argument(
        "--precision",
        type=_share,
        metavar="P",
        help="instead of --reps: add replications until every scenario's mean wait (application to "
        "move-in) has a 95%% CI half-width within P of its mean, e.g. 0.05",
    )
    compare.add_argument(
        "--max-reps", type=_positive_int, default=200, help="most replications with --precision (default 200)"
    )
    compare.add_argument("--seed", type=_seed, default=1, help="seed of the first replication (default 1)")
    compare.add_argument("--out", help="output folder (default out/compare/<first>-vs-<second>...)")
    _add_run_options(compare)
    compare.set_defaults(func=cmd_compare)

    sweep = sub.add_parser("sweep", help="run a grid of rule values x replications from a sweep file")
    sweep.add_argument("sweep", metavar="SWEEP.toml", help="sweep file, e.g. scenarios/sweeps/cap.toml")
    sweep.add_argument("--reps", type=_positive_int, help="replications per cell (default: the file's reps)")
    sweep.add_argument("--seed", type=_seed, help="seed of the first replication (default: the file's seed)")
    sweep.add_argument("--out", help="output folder (default out/sweeps/<sweep file name>)")
    sweep.add_argument(
        "--figure",
        dest="figures",
        action="append",
        metavar="NAME",
        help="figure to print (repeatable; default the mean and 90th percentile wait, waiting list, "
        "occupancy, lapses and capped exits); every figure is written to the files",
    )
    _add_run_options(sweep)
    sweep.set_defaults(func=cmd_sweep)

    charts = sub.add_parser(
        "charts", help="redraw the charts of a run, compare or sweep folder, without simulating"
    )
    charts.add_argument("directory", metavar="DIR", help="an output folder of run, compare or sweep")
    charts.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the charts (default en)"
    )
    charts.set_defaults(func=cmd_charts)

    briefing = sub.add_parser(
        "briefing",
        help="compare scenarios (or reuse stored results) and write the briefing pack (PDF, charts, tables)",
    )
    briefing.add_argument(
        "scenarios", nargs="+", metavar="SCENARIO", help="two or more scenarios; the first is the reference"
    )
    briefing.add_argument(
        "--reps", type=_positive_int, default=10, help="replications of each scenario (default 10)"
    )
    briefing.add_argument("--seed", type=_seed, default=1, help="seed of the first replication (default 1)")
    briefing.add_argument("--out", help="output folder (default out/briefing/<first>-vs-<second>...)")
    _add_run_options(briefing)
    briefing.set_defaults(func=cmd_briefing, precision=None, max_reps=200)

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
        "--reps", type=_positive_int, help="replications per point (default: the file's reps, else 5)"
    )
    calibrate.add_argument(
        "--seed", type=_seed, help="seed of the first replication (default: the file's, else 1)"
    )
    _add_run_options(calibrate)
    calibrate.set_defaults(func=cmd_calibrate)

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
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="first day of the recorded period (YYYY-MM-DD; default the first application)",
    )
    fit.add_argument(
        "--until",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="day after the recorded period (default the day after the latest date in the files)",
    )
    fit.add_argument("--no-charts", action="store_true", help="do not draw the charts")
    fit.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the table (default en)")
    fit.set_defaults(func=cmd_fit_inputs)

    replay = sub.add_parser(
        "replay", help="replay recorded applications (arrivals.replay) and compare with what was recorded"
    )
    replay.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="replaying scenario(s); the first is the reference of the paired differences",
    )
    replay.add_argument("--reps", type=_positive_int, default=10, help="replications (default 10)")
    replay.add_argument("--seed", type=_seed, default=1, help="seed of the first replication (default 1)")
    replay.add_argument("--out", help="output folder (default out/replay/<first scenario>)")
    replay.add_argument(
        "--lang", choices=("en", "zh"), default="en", help="language of the table (default en)"
    )
    replay.set_defaults(func=cmd_replay)

    bench = sub.add_parser("bench", help="time one replication against a bare SimPy loop, or a sweep")
    bench.add_argument("--seed", type=_seed, default=1, help="seed (default 1)")
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
    bench.add_argument("--reps", type=_positive_int, default=20, help="replications of --sweep (default 20)")
    bench.add_argument(
        "--workers", type=_positive_int, default=2, help="parallel workers of --sweep (default 2)"
    )
    bench.set_defaults(func=cmd_bench)

    explore = sub.add_parser("explore", help="start the policy explorer, a local web page (Solara)")
    explore.add_argument("--port", type=_positive_int, default=8765, help="port to listen on (default 8765)")
    explore.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    explore.add_argument(
        "--scenarios-dir",
        default=str(ROOT / "scenarios"),
        help="folder whose scenarios are offered as bases (with the project's) and where variants are saved "
        "(default scenarios/)",
    )
    explore.add_argument("--base", default="baseline", help="base scenario shown first (default baseline)")
    explore.add_argument("--reps", type=_positive_int, default=10, help="replications of a run (default 10)")
    explore.add_argument("--seed", type=_seed, default=1, help="seed of the first replication (default 1)")
    explore.add_argument(
        "--workers", type=_positive_int, help=f"worker processes (default all cores: {default_workers()})"
    )
    explore.add_argument("--store", default=str(DEFAULT_STORE), help=f"result store ({DEFAULT_STORE})")
    explore.add_argument(
        "--out", default=str(Path("out") / "explore"), help="folder of the runs' outputs and briefings"
    )
    explore.add_argument("--lang", choices=("en", "zh"), default="en", help="first language (default en)")
    explore.set_defaults(func=cmd_explore)
    return parser


def _load(scenario: str, sets: list[str] = ()):
    params = load_scenario(scenario)
    overrides = dict(parse_set(arg) for arg in sets)
    if overrides:
        params = params.with_overrides(overrides, source="--set")
    return params


def _write(results, out_dir) -> str:
    """Write the results with Ctrl-C held off (files are replaced atomically anyway)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        write_outputs(results, out_dir)
    except OSError as err:
        raise UserError(f"{out_dir}: cannot write outputs: {err.strerror or err}") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    return str(out_dir)


def _write_frames(frames: dict, out_dir: Path) -> str:
    """Write ``{file name: DataFrame}`` into ``out_dir`` atomically, with Ctrl-C held off."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, df in frames.items():
            write_frame(df, out_dir / name)
    except OSError as err:
        raise UserError(f"{out_dir}: cannot write outputs: {err.strerror or err}") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    return str(out_dir)


def _make_dir(out_dir: Path, what: str = "output folder") -> None:
    try:  # fail before simulating, not after
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"{out_dir}: cannot create the {what}: {err.strerror or err}") from None


def _store(args) -> ResultStore:
    store = ResultStore(args.store)
    _make_dir(store.root, "result store")
    return store


def _scheduler(args) -> str | None:
    address = resolve_scheduler(args.scheduler)
    if address and args.workers:
        print(
            f"note: --workers is ignored: replications run on the Dask scheduler {address}", file=sys.stderr
        )
    return address


def _seeds(first: int, n: int) -> str:
    return f"{first}" if n == 1 else f"{first}–{first + n - 1}"


def _report_failures(failures) -> None:
    for failure in failures:
        print(failure.line(), file=sys.stderr)


def _finish(batch_like, store, out_dir, wrote: bool, total: int) -> int:
    """The closing lines of compare and sweep; the exit status."""
    if batch_like.interrupted:
        finished = batch_like.reused + batch_like.computed
        where = f"; partial outputs written to {out_dir}" if wrote else ""
        print(
            f"interrupted: {finished} of {total} replications finished and kept in {store.root}{where}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    if batch_like.failures:
        print(
            f"{len(batch_like.failures)} of {total} replications failed "
            f"(the others are kept in {store.root}); run the same command again to retry them",
            file=sys.stderr,
        )
        return 1
    return 0


def _heading(params, results, lang: str) -> str:
    first, last = results[0].seed, results[-1].seed
    seeds = f"{first}" if first == last else f"{first}–{last}"
    n = len(results)
    reps, seed_word = term("table.replications", lang), term("table.seeds", lang)
    if lang == "zh":
        return f"{params.name}：{n}{reps}，{seed_word} {seeds}"
    if n == 1:  # English singulars
        reps, seed_word = reps.removesuffix("s"), seed_word.removesuffix("s")
    return f"{params.name}: {n} {reps}, {seed_word} {seeds}"


def cmd_run(args) -> int:
    params = _load(args.scenario, args.sets)
    out_dir = Path(args.out) if args.out else Path("out") / params.name
    try:  # fail before simulating, not after
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"{out_dir}: cannot create the output folder: {err.strerror or err}") from None
    done = []
    try:
        run_replications(params, args.reps, args.seed, on_result=done.append)
    except KeyboardInterrupt:
        kept = f"kept {len(done)} of {args.reps} replications"
        if done:
            print(_heading(params, done, args.lang))
            print(format_table(summary_table(done), args.lang))
            where = _write(done, out_dir)
            print(f"interrupted: {kept}, written to {where}", file=sys.stderr)
        else:
            print(f"interrupted: {kept}; nothing written", file=sys.stderr)
        return 130
    except Exception:
        seed = args.seed + len(done)
        if done:
            where = _write(done, out_dir)
            print(f"replication seed {seed} failed: kept {len(done)}, written to {where}", file=sys.stderr)
        else:
            print(f"replication seed {seed} failed: nothing written", file=sys.stderr)
        raise

    print(_heading(params, done, args.lang))
    print(format_table(summary_table(done), args.lang))
    where = _write(done, out_dir)
    write_scenarios_json(out_dir, [params])
    print(f"outputs: {where}")
    if not args.no_charts:
        charts = draw_run(out_dir, args.lang, params=params)
        print(f"charts: {len(charts)} files in {charts[0].parent if charts else out_dir}")

    if not args.audit:
        return 0
    failed = 0
    for result in done:
        violations = audit(result, params)
        failed += bool(violations)
        for violation in violations:
            print(f"audit: seed {result.seed}: {violation}")
    if failed:
        print(f"audit: invariants violated in {failed} of {len(done)} replications")
        return 1
    print(f"audit: every invariant holds in {len(done)} replications")
    return 0


def cmd_compare(args) -> int:
    if len(args.scenarios) < 2:
        raise UserError(
            "compare: scenarios: give at least two scenarios to compare (the first is the reference)"
        )
    params_list = [_load(name) for name in args.scenarios]
    names = [p.name for p in params_list]
    out_dir = Path(args.out) if args.out else Path("out") / "compare" / "-vs-".join(names)
    _make_dir(out_dir)
    store = _store(args)
    scheduler = _scheduler(args)
    reps = None if args.precision else (args.reps or 10)
    cmp = run_comparison(
        params_list,
        seed=args.seed,
        reps=reps,
        precision=args.precision,
        max_reps=args.max_reps,
        store=store,
        workers=args.workers,
        scheduler=scheduler,
        recompute=args.recompute,
    )
    total = len(params_list) * cmp.reps
    _report_failures(cmp.failures)
    wrote = False
    if len(cmp.replications):
        n, lang = cmp.reps, args.lang
        if lang == "zh":
            print(
                f"情景比较：每个情景{n}{term('table.replications', lang)}，"
                f"{term('table.seeds', lang)} {_seeds(args.seed, n)}"
            )
        else:
            print(
                f"Comparison: {n} {term('table.replications', lang)} of each scenario, "
                f"{term('table.seeds', lang)} {_seeds(args.seed, n)}"
            )
        print(term("table.crn", lang))
        for p, name in zip(params_list, cmp.names, strict=True):
            about = "; ".join(x for x in (p.description, p.reference) if x)
            print(f"  {name}: {about}" if about else f"  {name} ({p.source})")
        print()
        print(format_comparison(cmp.table, lang))
        if cmp.precision is not None:
            widths = ", ".join(f"{name} {h:.1%}" for name, h in cmp.half_widths.items())
            what = f"the 95% CI half-width of {PRECISION_FIGURE} (as a share of its mean)"
            if cmp.precision_reached:
                print(
                    f"precision {cmp.precision:.1%} reached after {n} replications ({cmp.rounds} rounds): "
                    f"{what}: {widths}"
                )
            elif cmp.precision_reached is False:
                print(
                    f"precision {cmp.precision:.1%} not reached within --max-reps {args.max_reps}: "
                    f"{what}: {widths}"
                )
        frames = {
            "comparison.csv": cmp.table,
            "replications.parquet": cmp.replications,
            "daily.parquet": cmp.daily,
        }
        where = _write_frames(frames, out_dir)
        write_scenarios_json(out_dir, params_list, cmp.names)
        wrote = True
        print(_store_line(cmp, store, total))
        print(f"outputs: {where}")
    else:
        print(_store_line(cmp, store, total), file=sys.stderr)
    return _finish(cmp, store, out_dir, wrote, total)


def _store_line(run, store, total: int) -> str:
    ran = f"ran {run.computed}" + (f" on {run.backend}" if run.computed and run.backend else "")
    parts = [f"store {store.root}: reused {run.reused} of {total} replications", ran]
    if run.failures:
        parts.append(f"{len(run.failures)} failed")
    if run.ignored:
        parts.append(f"{run.ignored} unreadable store files ignored and recomputed")
    return ", ".join(parts)


def cmd_sweep(args) -> int:
    sweep = load_sweep(args.sweep, reps=args.reps, seed=args.seed)
    figures = args.figures or [f for f in DEFAULT_FIGURES if f in SUMMARY_FIGURES]
    for figure in figures:
        if figure not in SUMMARY_FIGURES:
            close = difflib.get_close_matches(figure, SUMMARY_FIGURES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UserError(f"--figure: {figure}: unknown figure{hint}")
    out_dir = Path(args.out) if args.out else Path("out") / "sweeps" / Path(args.sweep).stem
    _make_dir(out_dir)
    store = _store(args)
    scheduler = _scheduler(args)
    lang = args.lang
    cells, reps = len(sweep.cells), sweep.reps
    total = cells * reps
    sweep_run = run_sweep(sweep, store, workers=args.workers, scheduler=scheduler, recompute=args.recompute)
    _report_failures(sweep_run.failures)
    wrote = False
    if len(sweep_run.replications):
        seeds = f"{term('table.seeds', lang)} {_seeds(sweep.seed, reps)}"
        if lang == "zh":
            print(
                f"参数扫描 {sweep.source}：基准情景 {sweep.base.name}，{cells}{term('table.cells', lang)} × "
                f"{reps}{term('table.replications', lang)}，{seeds}"
            )
        else:
            print(
                f"Sweep {sweep.source}: base {sweep.base.name}, {cells} {term('table.cells', lang)} × "
                f"{reps} {term('table.replications', lang)}, {seeds}"
            )
        if sweep.description:
            print(f"  {sweep.description}")
        print()
        print(format_cells(sweep_run.cells, sweep.keys, figures, lang))
        print()
        where = _write_frames(
            {
                "replications.parquet": sweep_run.replications,
                "cells.csv": sweep_run.cells,
                "daily.parquet": sweep_run.daily,
            },
            out_dir,
        )
        wrote = True
        print(_store_line(sweep_run, store, total))
        print(f"outputs: {where}")
    else:
        print(_store_line(sweep_run, store, total), file=sys.stderr)
    return _finish(sweep_run, store, out_dir, wrote, total)


def cmd_calibrate(args) -> int:
    """Issue 5: fit the inputs of a targets file to its observed figures (calibration/aggregates.py)."""
    from calibration.aggregates import CalibrationError, Interrupted, calibrate, write_outputs
    from calibration.aggregates_report import draw_charts, format_fit, format_parameters
    from calibration.targets import load_targets

    if not (args.budget > 0 and math.isfinite(args.budget)):
        raise UserError(f"--budget: must be a positive number of minutes, got {args.budget:g}")
    targets = load_targets(args.targets, reps=args.reps, seed=args.seed)
    out_dir = Path(args.out) if args.out else Path("out") / "calibration" / Path(args.targets).stem
    _make_dir(out_dir)
    store = _store(args)
    scheduler = _scheduler(args)
    n = targets.reps
    print(
        f"Calibrate {targets.source}: base {targets.base.name}, {len(targets.targets)} targets, "
        f"{len(targets.parameters)} parameters, {n} replications per point (seeds "
        f"{_seeds(targets.seed, n)}), budget {args.budget:g} min"
    )
    try:
        cal = calibrate(
            targets, store, args.budget, workers=args.workers, scheduler=scheduler, recompute=args.recompute
        )
    except CalibrationError as err:
        raise UserError(str(err)) from None
    except Interrupted:
        print(
            f"interrupted: every finished replication is kept in {store.root}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    _report_failures(cal.failures)
    print()
    print(format_fit(cal, args.lang))
    print()
    print(format_parameters(cal, args.lang))
    for f in cal.parameters:
        if not f.identified:
            print(f"{f.key}: {f.note}")
    for warning in cal.warnings:
        print(f"warning: {warning}")
    phases = ", ".join(f"{k} {v}" for k, v in cal.phases.items())
    print(f"points run: {phases}; intervals: {cal.method}")
    if cal.budget_reached:
        print(f"budget: {cal.budget_reached}")
    minutes = cal.seconds / 60
    print(f"store {store.root}: reused {cal.reused} replications, ran {cal.computed}; {minutes:.1f} min")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        paths = write_outputs(cal, out_dir)
        charts = draw_charts(cal, out_dir)
    except OSError as err:
        raise UserError(f"{out_dir}: cannot write outputs: {err.strerror or err}") from None
    finally:
        signal.signal(signal.SIGINT, previous)
    print(f"outputs: {', '.join(str(p) for p in paths.values())}")
    print(f"charts: {len(charts)} files in {charts[0].parent}")
    return 1 if cal.failures else 0


def _machine_line() -> str:
    processor = platform.processor() or platform.machine()
    return (
        f"machine: {processor}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SimPy {simpy.__version__}, Mesa {mesa.__version__}"
    )


def bench_sweep(args) -> int:
    params = _load(args.scenario)
    print(_machine_line())
    print(
        f"sweep bench: {params.name}, {args.reps} replications "
        f"(seeds {_seeds(args.seed, args.reps)}), no store"
    )
    tasks = [Task(params, args.seed + r, label=params.name) for r in range(args.reps)]
    rates, outcomes = {}, {}
    for workers in dict.fromkeys((1, args.workers)):
        t0 = time.perf_counter()
        batch = run_tasks(tasks, None, workers=workers, desc=f"{workers} worker{'s' * (workers > 1)}")
        seconds = time.perf_counter() - t0
        if batch.interrupted:
            raise KeyboardInterrupt
        for failure in batch.failures:
            print(failure.line(), file=sys.stderr)
        done = len(batch.results)
        rates[workers] = done / seconds
        outcomes[workers] = {k: summary for k, (summary, _) in batch.results.items()}
        word = "worker: " if workers == 1 else "workers:"
        print(
            f"  {workers} {word} {done} replications in {seconds:6.1f} s: "
            f"{rates[workers]:.3f} replications/s ({batch.backend}; "
            f"{batch.busy_seconds / max(done, 1):.2f} s per replication inside a worker)"
        )
    if args.workers > 1:
        speedup = rates[args.workers] / rates[1]
        print(
            f"  parallel efficiency with {args.workers} workers: {speedup / args.workers:.0%} "
            f"(speed-up {speedup:.2f}x)"
        )
        same = _same_summaries(outcomes[1], outcomes[args.workers])
        print(f"  results identical with 1 and {args.workers} workers: {'yes' if same else 'NO'}")
        if not same:
            return 1
    return 0


def _same_summaries(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if x.keys() != y.keys():
            return False
        for f in x:
            if not (x[f] == y[f] or (math.isnan(x[f]) and math.isnan(y[f]))):
                return False
    return True


def _peak_rss_kib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux


def cmd_charts(args) -> int:
    try:
        charts = draw_any(args.directory, args.lang)
    except NotAnOutputFolder as err:
        raise UserError(str(err)) from None
    print(f"charts: {len(charts)} files in {charts[0].parent if charts else args.directory}")
    return 0


def cmd_briefing(args) -> int:
    """Issue 4: the comparison of ``compare``, then the briefing pack drawn from its folder."""
    if not args.out:
        names = [_load(name).name for name in args.scenarios]
        args.out = str(Path("out") / "briefing" / "-vs-".join(names))
    status = cmd_compare(args)
    if not (Path(args.out) / "comparison.csv").exists():
        return status
    params_list = [_load(name) for name in args.scenarios]
    pdf = build_briefing(args.out, args.lang, args.out, params=params_list)
    print(f"briefing: {pdf}")
    return status


def _iso_date(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def cmd_fit_inputs(args) -> int:
    """Issue 5: estimate inputs from micro data; every bad row is listed and nothing is fitted."""
    from calibration.microdata import fit_inputs, period_line
    from sim.replay import MicroDataError

    _make_dir(Path(args.out))
    try:
        result, table, paths = fit_inputs(
            args.applications,
            args.tenancies,
            Path(args.out),
            args.base,
            args.start,
            args.until,
            charts=not args.no_charts,
            lang=args.lang,
        )
    except MicroDataError as err:
        n = len(err.problems)
        lines = "\n".join(f"  {p}" for p in err.problems)
        print(
            f"error: {n} {'problem' if n == 1 else 'problems'} in the micro data; "
            f"nothing was fitted:\n{lines}",
            file=sys.stderr,
        )
        return 2
    print(period_line(result))
    print(table)
    print(f"outputs: {paths[0]}, {paths[1]}" + (f"; charts in {paths[2].parent}" if len(paths) > 2 else ""))
    return 0


def cmd_replay(args) -> int:
    """Issue 5: the replay report (calibration/replay.py)."""
    from calibration.replay import ReplayError, format_report, run_replay, write_report

    params_list = [_load(name) for name in args.scenarios]
    out_dir = Path(args.out) if args.out else Path("out") / "replay" / params_list[0].name
    _make_dir(out_dir)
    try:
        report, suppressed, end_day = run_replay(params_list, args.reps, args.seed)
    except ReplayError as err:
        raise UserError(str(err)) from None
    print(
        f"replay of the recorded first applications: {args.reps} replications, seeds "
        f"{_seeds(args.seed, args.reps)}, over the recorded period ({end_day:,.0f} days)"
    )
    print(format_report(report, args.lang))
    if suppressed:
        min_cell = params_list[0].value("analysis.min_cell")
        print(f"{suppressed} groups of fewer than {min_cell} households suppressed")
    paths = write_report(report, out_dir)
    print(f"outputs: {paths[0]}")
    return 0


def cmd_bench(args) -> int:
    yardstick = args.scenario is None and args.scale == "district"  # issue 6's: a district-size queue
    args.scenario = args.scenario or str(SCALES[args.scale])
    if args.sweep:
        return bench_sweep(args)
    params = _load(args.scenario)
    print(_machine_line())
    r = simulate(params, args.seed)
    engine_rate = r.events / r.wall_seconds
    print(
        f"engine: {params.name}, seed {args.seed}, {r.n_days:,} days: {r.wall_seconds:.2f} s wall, "
        f"{r.events:,} SimPy events, {engine_rate:,.0f} events/s"
    )
    if yardstick:
        events, seconds, wait = plain_queue_simpy()
        print(
            "plain queue modelled straightforwardly in SimPy (README, Speed; none of the other rules):\n"
            f"  {seconds:.2f} s wall, {events:,} events, {events / seconds:,.0f} events/s, mean wait "
            f"{wait:,.0f} days; engine / plain queue, wall time = {r.wall_seconds / seconds:.2f}"
        )
    print("engine / bare SimPy events per second; bare loop at SimPy's best and at the engine's load:")
    for processes in (10, r.heap_peak):
        events, seconds = bare_simpy_loop(processes)
        bare_rate = events / seconds
        print(
            f"  bare SimPy, {processes:,} processes: {events:,} events in {seconds:.2f} s, "
            f"{bare_rate:,.0f} events/s; engine / bare = {engine_rate / bare_rate:.3f}"
        )
    kib = _peak_rss_kib()
    print(f"peak resident memory: {kib / 1024:,.1f} MiB ({kib:,.0f} KiB)")
    return 0


def cmd_explore(args) -> int:
    """Issue 7: the policy explorer, served until Ctrl-C."""
    import socket

    from analysis.explorer.core import Options, list_scenarios, serve

    folder = Path(args.scenarios_dir)
    if not folder.is_dir():
        raise UserError(f"--scenarios-dir: {folder}: no such folder")
    bases = list_scenarios(folder)
    if args.base not in bases:
        raise UserError(f"--base: {args.base}: no such scenario in {folder} or scenarios/")
    load_scenario(bases[args.base])  # a broken base is refused here, with the loader's message
    _make_dir(Path(args.out))
    _store(args)
    with socket.socket() as probe:
        try:
            probe.bind((args.host, args.port))
        except OSError as err:
            raise UserError(f"--port: {args.port}: cannot listen on {args.host}: {err.strerror}") from None
    options = Options(
        scenarios_dir=str(folder),
        base=args.base,
        reps=args.reps,
        seed=args.seed,
        workers=args.workers or default_workers(),
        store=args.store,
        out=args.out,
        lang=args.lang,
    )
    serve(options, args.host, args.port, announce=lambda line: print(line, flush=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv or DEFAULT_ARGS)
    try:
        return args.func(args)
    except (ScenarioError, UserError, RunnerError) as err:
        message = " ".join(str(err).splitlines())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a reader that stopped (``| head``): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own advice
        return 141


if __name__ == "__main__":
    sys.exit(main())
