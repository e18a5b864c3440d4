"""Command line of the Jing'an public rental housing (公共租赁住房) simulator.

    python run.py        # = run scenarios/baseline.toml --reps 10 --seed 1 --out out/baseline
    python run.py run SCENARIO [--reps N] [--seed S] [--set KEY=VALUE ...] [--out DIR] [--audit]
                               [--lang en|zh]
    python run.py bench [--seed S] [--scenario SCENARIO]

Exit status: 0 done; 1 an invariant failed (--audit); 2 bad input (one line ``error: ...`` on stderr);
130 interrupted (finished replications are kept and written).
"""

from __future__ import annotations

import sys

try:
    import argparse
    import os
    import platform
    import resource
    import signal
    from pathlib import Path

    import mesa
    import simpy

    from analysis import bare_simpy_loop, format_table, run_replications, summary_table, term, write_outputs
    from sim import ScenarioError, audit, load_scenario, parse_set, simulate
except KeyboardInterrupt:  # Ctrl-C while the libraries load
    print("interrupted: no replication run", file=sys.stderr)
    sys.exit(130)

ROOT = Path(__file__).resolve().parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="Simulate Jing'an District public rental housing (公共租赁住房) rules. "
        "Without arguments: run the baseline, 10 replications, seed 1, into out/baseline.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{run,bench}")

    run = sub.add_parser("run", help="run replications of a scenario and print the summary with 95%% CIs")
    run.add_argument("scenario", help="scenario file or name (e.g. scenarios/baseline.toml, baseline)")
    run.add_argument("--reps", type=_positive_int, default=10, help="replications (default 10)")
    run.add_argument("--seed", type=int, default=1, help="seed of the first replication (default 1)")
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
    run.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the table (default en)")
    run.set_defaults(func=cmd_run)

    bench = sub.add_parser("bench", help="time one replication against a bare SimPy loop")
    bench.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    bench.add_argument("--scenario", default=str(BASELINE), help="scenario to time (default the baseline)")
    bench.set_defaults(func=cmd_bench)
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
    print(f"outputs: {where}")

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


def _peak_rss_kib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux


def cmd_bench(args) -> int:
    params = _load(args.scenario)
    processor = platform.processor() or platform.machine()
    print(
        f"machine: {processor}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"SimPy {simpy.__version__}, Mesa {mesa.__version__}"
    )
    r = simulate(params, args.seed)
    engine_rate = r.events / r.wall_seconds
    print(
        f"engine: {params.name}, seed {args.seed}, {r.n_days:,} days: {r.wall_seconds:.2f} s wall, "
        f"{r.events:,} SimPy events, {engine_rate:,.0f} events/s"
    )
    print("engine / bare SimPy events per second; bare loop at SimPy's best and at the engine's load:")
    for processes in (10, r.pending_peak):
        events, seconds = bare_simpy_loop(processes)
        bare_rate = events / seconds
        print(
            f"  bare SimPy, {processes:,} processes: {events:,} events in {seconds:.2f} s, "
            f"{bare_rate:,.0f} events/s; engine / bare = {engine_rate / bare_rate:.3f}"
        )
    kib = _peak_rss_kib()
    print(f"peak resident memory: {kib / 1024:,.1f} MiB ({kib:,.0f} KiB)")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv or DEFAULT_ARGS)
    try:
        return args.func(args)
    except (ScenarioError, UserError) as err:
        message = " ".join(str(err).splitlines())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
