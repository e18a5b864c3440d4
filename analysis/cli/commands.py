"""The commands of ``python run.py``, one function each: it takes the parsed arguments
(``analysis/cli/parser.py``), asks an experiment for tables, prints the text that reporting makes of them
(``analysis/reporting/console.py``, ``tables.py``), writes the outputs, and returns the exit status.

Exit status: 0 done; 1 an invariant failed (``--audit``) or some replications failed; 2 bad input
(``UserError``, ``ScenarioError``, ``RunnerError``: one line ``error: ...`` on stderr, printed by
``analysis.cli.main``); 130 interrupted. Outputs are written with Ctrl-C held off (``sigint_held_off``).
"""

from __future__ import annotations

import difflib
import errno
import math
import shlex
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.experiments import bench as benchmark
from analysis.experiments import robustness as robust
from analysis.experiments.compare import run_comparison, unique_names
from analysis.experiments.decompose import (
    DecompositionError,
    Plan,
    base_level,
    plan_decomposition,
    run_decomposition,
)
from analysis.experiments.folders import (
    folder_verdict,
    prepare_folder,
    run_record,
    safe_name,
    stored_record,
)
from analysis.experiments.outputs import (
    NotAnOutputFolder,
    folder_kind,
    write_comparison,
    write_decomposition,
    write_frame,
    write_outputs,
    write_robustness,
    write_sweep,
)
from analysis.experiments.replications import run_kept
from analysis.experiments.runner import ResultStore, default_workers, resolve_scheduler, seeds_problem
from analysis.experiments.store import scenario_hash
from analysis.experiments.sweep import DEFAULT_FIGURES, load_sweep, run_sweep
from analysis.reporting import console
from analysis.reporting.briefing import build_briefing
from analysis.reporting.charts import draw_any, draw_run
from analysis.reporting.charts.decompose import group_share_table
from analysis.reporting.tables import (
    format_cells,
    format_comparison,
    format_decomposition,
    format_robustness,
    format_table,
)
from analysis.reporting.titles import scenario_titles
from analysis.stats import summary_table
from sim import SUMMARY_FIGURES, audit, load_scenario, parse_set, state_at
from sim.capacity import estimate as memory_estimate
from sim.capacity import memory_problem
from sim.parameters import scenario_path, variant_name
from sim.schema import MECHANISMS
from sim.snapshot import FILES, write_snapshot
from sim.snapshot import load as load_snapshot

from .parser import SCALES


class UserError(Exception):
    """Bad input other than a scenario error (e.g. an output folder that cannot be written)."""


# ---------------------------------------------------------------- what the commands share


@contextmanager
def sigint_held_off(out_dir: Path | str) -> Iterator[None]:
    """Write outputs into ``out_dir`` inside the block with Ctrl-C held off, so that an interrupted
    command still leaves whole files (each is replaced atomically anyway); a write that fails is bad
    input that names the folder."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    except OSError as err:
        raise UserError(f"{out_dir}: cannot write outputs: {err.strerror or err}") from None
    finally:
        signal.signal(signal.SIGINT, previous)


def _overrides(sets: list[str]) -> dict:
    """``--set KEY=VALUE`` arguments as ``{key: value}`` (checked by the loader when applied)."""
    return dict(parse_set(arg) for arg in sets)


def _load(scenario: str, sets: list[str] = ()):
    """A scenario by file or name, with ``--set KEY=VALUE`` overrides; with any, a variant named after
    them (``cap8 + lease.max_total_years=3``: ``sim.Params.variant``)."""
    params = load_scenario(scenario)
    overrides = _overrides(sets)
    params = params.variant(overrides, source="--set") if overrides else params
    if params.value("start.snapshot"):
        load_snapshot(params)  # a bad snapshot is refused, every problem listed, before anything runs
    return params


def _load_distinct(names: list[str], command: str, sets: list[str] = ()) -> list:
    """The scenarios of ``compare``, ``briefing`` or ``replay``, each file once, each with the
    ``--set`` overrides: the same file given twice (by name or path) is refused; two files that share a
    name are two scenarios, shown as ``name`` and ``name#2``
    (``analysis.experiments.compare.unique_names``)."""
    params_list = [_load(name, sets) for name in names]
    seen = set()
    for name, params in zip(names, params_list, strict=True):
        path = scenario_path(name)
        if path in seen:
            raise UserError(f"{command}: scenarios: {params.name} is given twice")
        seen.add(path)
    if sets:  # the overrides may leave two scenarios with the same rules: nothing would differ
        first_of = {}
        for name, params in zip(names, params_list, strict=True):
            other = first_of.setdefault(scenario_hash(params), name)
            if other != name:
                raise UserError(
                    f"{command}: --set: {other} and {name} have the same rules with it; nothing to compare"
                )
    return params_list


def _check_seeds(seed: int, reps: int) -> None:
    """Refuse seeds beyond the largest (``seed + reps - 1`` included) before anything runs."""
    problem = seeds_problem(seed, reps)
    if problem:
        raise UserError(f"--seed: {problem}")


def _check_memory(params_list, workers: int = 1) -> None:
    """Refuse, before anything runs, a scenario whose replications (``workers`` of them at once) need
    more memory than this machine has available (``sim/capacity.py``); none run here (0 workers) when a
    Dask scheduler runs them."""
    for params in params_list if workers else ():
        problem = memory_problem(params, workers)
        if problem:
            raise UserError(problem)


def _local_workers(args, tasks: int) -> int:
    """How many replications run at once on this machine: none with a Dask scheduler (its workers hold
    them), else ``--workers`` (default all cores), at most one per task (``runner.run_tasks``)."""
    if resolve_scheduler(getattr(args, "scheduler", None)):
        return 0
    return max(1, min(args.workers or default_workers(), tasks))


def _make_dir(out_dir: Path, what: str = "output folder") -> None:
    try:  # fail before simulating, not after
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"{out_dir}: cannot create the {what}: {err.strerror or err}") from None
    try:  # an existing folder may still refuse files (read-only): probe with a file made and removed
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-probe-"):
            pass
    except OSError as err:
        raise UserError(f"{out_dir}: cannot write into the {what}: {err.strerror or err}") from None


def _claim(out_dir: Path, record: dict, replace: bool) -> None:
    """Refuse, before anything runs, to write into a folder that holds another run's outputs
    (``analysis.experiments.folders``), unless ``--replace``; the outputs of the same scenarios with other
    rules or replications are cleared when the new ones are written."""
    verdict, holds = folder_verdict(out_dir, record)
    if verdict == "other" and not replace:
        raise UserError(
            f"{out_dir}: holds {holds}; give --replace to clear those outputs first, or another --out"
        )


def _prepare(out_dir: Path, record: dict) -> None:
    """Clear what another run left in ``out_dir`` (:func:`_claim` allowed it) before writing."""
    removed = prepare_folder(out_dir, record)
    if removed:
        print(f"note: {out_dir}: cleared {len(removed)} files of an earlier run", file=sys.stderr)


def _default_dir(*parts: str, names: list[str]) -> Path:
    """``out/<parts>/<name>`` or ``.../<first>-vs-<second>...``, as a safe folder name
    (``analysis.experiments.folders.safe_name``)."""
    return Path("out", *parts, safe_name("-vs-".join(names)))


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


# ---------------------------------------------------------------- run, compare, sweep, charts, briefing


def run(args) -> int:
    """Replications of one scenario: the summary with 95 % CIs, the outputs, the charts, the audit. Each
    replication is kept in the result store with all its tables as it finishes, so that an interrupted
    run resumes and a repeated one is read back."""
    _check_seeds(args.seed, args.reps)
    params = _load(args.scenario, args.sets)
    _check_memory([params], _local_workers(args, args.reps))
    out_dir = Path(args.out) if args.out else _default_dir(names=[params.name])
    record = run_record("run", [params], seed=args.seed, reps=args.reps)
    _make_dir(out_dir)
    _claim(out_dir, record, args.replace)
    store = _store(args)
    done, batch = run_kept(
        params,
        args.reps,
        args.seed,
        store,
        workers=args.workers,
        scheduler=_scheduler(args),
        recompute=args.recompute,
    )
    _report_failures(batch.failures)
    if not done:
        print(console.store_line(batch, store.root, args.reps), file=sys.stderr)
        return _finish(batch, store, out_dir, False, args.reps)
    print(console.run_heading(params, [r.seed for r in done], args.lang))
    print(format_table(summary_table(done), args.lang))
    with sigint_held_off(out_dir):
        _prepare(out_dir, record)
        write_outputs(done, out_dir, params, record)
    print(console.store_line(batch, store.root, args.reps))
    print(f"outputs: {out_dir}")
    if not args.no_charts and not batch.interrupted:
        print(console.charts_line(draw_run(out_dir, args.lang, params=params), out_dir))
    status = _finish(batch, store, out_dir, True, args.reps)
    if not args.audit or status:
        return status
    violations = {result.seed: audit(result, params) for result in done}
    print(console.audit_lines(violations))
    return 1 if any(violations.values()) else 0


def compare(args) -> int:
    """Scenarios on common seeds: means, and paired differences from the first, with 95 % CIs."""
    if len(args.scenarios) < 2:
        raise UserError(
            f"{args.command}: scenarios: give at least two scenarios to compare (the first is the reference)"
        )
    reps = None if args.precision else (args.reps or 10)
    _check_seeds(args.seed, reps or args.max_reps)
    params_list = _load_distinct(args.scenarios, args.command, args.sets)
    _check_memory(params_list, _local_workers(args, len(params_list) * (reps or args.max_reps)))
    names = unique_names(params_list)
    out_dir = Path(args.out) if args.out else _default_dir("compare", names=names)
    record = run_record(
        "compare",
        params_list,
        names,
        seed=args.seed,
        reps=reps,
        precision=args.precision,
        max_reps=args.max_reps if args.precision else None,
    )
    _make_dir(out_dir)
    _claim(out_dir, record, args.replace)
    store = _store(args)
    scheduler = _scheduler(args)
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
    if not len(cmp.replications):
        print(console.store_line(cmp, store.root, total), file=sys.stderr)
        return _finish(cmp, store, out_dir, False, total)
    print(console.comparison_heading(params_list, cmp.names, cmp.reps, args.seed, args.lang))
    print()
    titles = scenario_titles(dict(zip(cmp.names, params_list, strict=True)), cmp.names, args.lang)
    print(format_comparison(cmp.table, args.lang, titles))
    precision = console.precision_line(cmp, args.max_reps)
    if precision is not None:
        print(precision)
    with sigint_held_off(out_dir):
        _prepare(out_dir, record)
        write_comparison(cmp, params_list, out_dir, record)
    print(console.store_line(cmp, store.root, total))
    print(f"outputs: {out_dir}")
    return _finish(cmp, store, out_dir, True, total)


#: The figures ``decompose`` prints (every figure is written to ``decomposition.csv``).
DECOMPOSE_FIGURES = ("wait_apply_to_movein_mean", "wait_apply_to_movein_p90", "move_ins", "housed_share")


def decompose(args) -> int:
    """A reform's effect split between its changes (``analysis/experiments/decompose.py``): each change
    alone, step by step in ``--order``, and its Shapley share, with 95 % CIs, on common seeds."""
    reps = None if args.precision else (args.reps or 10)
    _check_seeds(args.seed, reps or args.max_reps)
    base, reform = _load(args.base, args.sets), _load(args.reform, args.sets)
    plan = _plan(base, reform, args.order, args.permutations)
    names = unique_names([base, reform])
    _check_memory([base, reform], _local_workers(args, 2 ** min(plan.k, 8) * (reps or args.max_reps)))
    out_dir = Path(args.out) if args.out else Path("out", "decompose", safe_name("_vs_".join(names)))
    record = run_record(
        "decompose",
        [base, reform],
        names,
        seed=args.seed,
        reps=reps,
        precision=args.precision,
        max_reps=args.max_reps if args.precision else None,
        order=",".join(c.name for c in plan.changes),
        permutations=args.permutations if plan.method == "sampled" else None,
    )
    _make_dir(out_dir)
    _claim(out_dir, record, args.replace)
    store = _store(args)
    if plan.method == "sampled":
        print(f"note: {console.method_line(plan)}", file=sys.stderr)
    dec = run_decomposition(
        plan,
        seed=args.seed,
        reps=reps,
        precision=args.precision,
        max_reps=args.max_reps,
        store=store,
        workers=args.workers,
        scheduler=_scheduler(args),
        recompute=args.recompute,
    )
    _report_failures(dec.failures)
    if not dec.seeds:
        print(console.store_line(dec, store.root, dec.total), file=sys.stderr)
        return _finish(dec, store, out_dir, False, dec.total)
    print(console.decomposition_heading(plan, names, len(dec.seeds), dec.seeds[0], args.lang))
    print()
    print(format_decomposition(dec.table, [f for f in DECOMPOSE_FIGURES if f in SUMMARY_FIGURES], args.lang))
    precision = console.precision_line(dec, args.max_reps)
    if precision is not None:
        print(precision)
    with sigint_held_off(out_dir):
        _prepare(out_dir, record)
        write_decomposition(dec, out_dir, names, record)
        groups = group_share_table(
            dec.table, base_level(dec.replications), int(base.value("analysis.min_cell"))
        )
        write_frame(groups, out_dir / "decomposition_groups.csv")
    drawn = draw_any(out_dir, args.lang)
    print(console.charts_line(drawn, out_dir))
    print(console.store_line(dec, store.root, dec.total))
    print(f"outputs: {out_dir}")
    return _finish(dec, store, out_dir, True, dec.total)


#: The figures ``robustness`` analyses unless ``--figure`` names others.
ROBUSTNESS_FIGURES = DECOMPOSE_FIGURES


def robustness(args) -> int:
    """Does VARIANT's difference from BASE keep its sign over the plausible ranges of the assumed inputs
    (``analysis/experiments/robustness.py``)? A Morris screening of every ranged input and, with
    ``--method sobol``, Sobol indices of those it keeps; the share of plausible worlds where each figure's
    difference holds its sign, with a 95 % CI; the noise floor."""
    base, variant = _load_distinct([args.base, args.variant], args.command, args.sets)
    figures = _figures(args.figures or [f for f in ROBUSTNESS_FIGURES if f in SUMMARY_FIGURES])
    try:
        ranges = robust.load_ranges(args.ranges, base)
        only = robust.named_inputs(ranges, args.only) if args.only else None
        screen = robust.plan_study(
            base, variant, ranges, "morris", _samples(args, "morris"), args.seed, args.groups, only
        )
    except robust.RobustnessError as err:
        raise UserError(f"robustness: {err}") from None
    problem = robust.check_seeds(screen, args.seed, args.reps, args.center_reps)
    if problem:
        raise UserError(f"--seed: {problem}")
    points = [p for i in range(len(screen.design)) for p in screen.scenarios(i)]
    _check_memory(
        [max(points, key=lambda p: memory_estimate(p).bytes)], _local_workers(args, len(points) * args.reps)
    )
    names = unique_names([base, variant])
    out_dir = Path(args.out) if args.out else _default_dir("robustness", names=names)
    record = run_record(
        "robustness",
        [base, variant],
        names,
        seed=args.seed,
        reps=args.reps,
        center_reps=args.center_reps,
        method=args.method,
        samples=args.samples,
        ranges=str(args.ranges),
        groups=args.groups or None,
        only=",".join(args.only) if args.only else None,
    )
    _make_dir(out_dir)
    _claim(out_dir, record, args.replace)
    store = _store(args)
    how = dict(
        seed=args.seed,
        reps=args.reps,
        figures=figures,
        center_reps=args.center_reps,
        store=store,
        workers=args.workers,
        scheduler=_scheduler(args),
        recompute=args.recompute,
    )
    print(console.robustness_plan_line(screen, args.reps, args.center_reps), file=sys.stderr)
    results = [robust.run_study(screen, **how)]
    if args.method == "sobol" and _whole_study(results[-1]):
        kept = robust.kept_inputs(results[-1], args.keep)
        try:
            stage = robust.plan_study(
                base, variant, ranges, "sobol", _samples(args, "sobol"), args.seed, only=kept
            )
        except robust.RobustnessError as err:
            raise UserError(f"robustness: {err}") from None
        print(console.robustness_plan_line(stage, args.reps, args.center_reps), file=sys.stderr)
        results.append(robust.run_study(stage, **how))
    for result in results:
        _report_failures(result.failures)
    total = sum(r.total for r in results)
    done = robust.Tally(results)
    if not results[0].clusters:
        print(console.store_line(done, store.root, total), file=sys.stderr)
        return _finish(done, store, out_dir, False, total)
    print(console.robustness_heading(results[-1], names, args.lang))
    print()
    print(format_robustness(results, args.lang))
    with sigint_held_off(out_dir):
        _prepare(out_dir, record)
        write_robustness(results, out_dir, names, record)
    drawn = draw_any(out_dir, args.lang)
    print(console.charts_line(drawn, out_dir))
    print(console.store_line(done, store.root, total))
    print(f"outputs: {out_dir}")
    return _finish(done, store, out_dir, True, total)


def _samples(args, method: str) -> int:
    return args.samples or (10 if method == "morris" else 64)


def _whole_study(result) -> bool:
    return not result.interrupted and not result.failures


def _figures(figures: list[str]) -> list[str]:
    for figure in figures:
        if figure not in SUMMARY_FIGURES:
            close = difflib.get_close_matches(figure, SUMMARY_FIGURES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UserError(f"--figure: {figure}: unknown figure{hint}")
    return list(figures)


def sweep(args) -> int:
    """A grid of rule values × replications from a sweep file: a table of each cell's figures."""
    plan = load_sweep(args.sweep, reps=args.reps, seed=args.seed, overrides=_overrides(args.sets))
    if plan.base.value("start.snapshot"):
        load_snapshot(plan.base)  # a bad snapshot is refused, every problem listed, before anything runs
    figures = _figures(args.figures or [f for f in DEFAULT_FIGURES if f in SUMMARY_FIGURES])
    _check_memory([params for _, params in plan.cells], _local_workers(args, len(plan.cells) * plan.reps))
    names = [variant_name(Path(args.sweep).stem, plan.base.overrides)]
    out_dir = Path(args.out) if args.out else _default_dir("sweeps", names=names)
    record = run_record(
        "sweep", [p for _, p in plan.cells], [plan.source, plan.base.name], seed=plan.seed, reps=plan.reps
    )
    _make_dir(out_dir)
    _claim(out_dir, record, args.replace)
    store = _store(args)
    scheduler = _scheduler(args)
    total = len(plan.cells) * plan.reps
    swept = run_sweep(plan, store, workers=args.workers, scheduler=scheduler, recompute=args.recompute)
    _report_failures(swept.failures)
    if not len(swept.replications):
        print(console.store_line(swept, store.root, total), file=sys.stderr)
        return _finish(swept, store, out_dir, False, total)
    print(console.sweep_heading(plan, args.lang))
    print()
    print(format_cells(swept.cells, plan.keys, figures, args.lang))
    print()
    with sigint_held_off(out_dir):
        _prepare(out_dir, record)
        write_sweep(swept, out_dir, record)
    print(console.store_line(swept, store.root, total))
    print(f"outputs: {out_dir}")
    return _finish(swept, store, out_dir, True, total)


def charts(args) -> int:
    """Redraw the charts of a run, compare or sweep folder, without simulating."""
    try:
        drawn = draw_any(args.directory, args.lang)
    except NotAnOutputFolder as err:
        raise UserError(str(err)) from None
    print(console.charts_line(drawn, args.directory))
    return 0


def briefing(args) -> int:
    """The comparison of ``compare``, then the briefing pack drawn from its folder
    (``analysis/reporting/briefing.py``)."""
    if args.decompose and len(args.scenarios) != 2:
        raise UserError(f"{args.command}: --decompose: give two scenarios, the base and the reform")
    if args.robustness:
        _check_robustness_folder(args)
    if not args.out:
        names = unique_names(_load_distinct(args.scenarios, args.command, args.sets))
        args.out = str(_default_dir("briefing", names=names))
    status = compare(args)  # which refuses, before it makes the folder, what cannot run
    if not (Path(args.out) / "comparison.csv").exists():
        return status
    params_list = [_load(name, args.sets) for name in args.scenarios]
    decomposition = _briefing_decomposition(args, params_list) if args.decompose else None
    pdf = build_briefing(
        args.out,
        args.lang,
        args.out,
        params=params_list,
        decomposition=decomposition,
        robustness=args.robustness,
    )
    print(f"briefing: {pdf}")
    return status


def _check_robustness_folder(args) -> None:
    """``briefing BASE VARIANT --robustness DIR``: DIR must be a robustness folder of the same two
    scenarios (the same resolved rules), so that the page speaks of the comparison the pack makes."""
    where = f"{args.command}: --robustness: {args.robustness}"
    if len(args.scenarios) != 2:
        raise UserError(f"{args.command}: --robustness: give two scenarios, the base and the variant")
    try:
        kind = folder_kind(args.robustness)
    except NotAnOutputFolder as err:
        raise UserError(f"{args.command}: --robustness: {err}") from None
    if kind != "robustness":
        raise UserError(f"{where}: a {kind} folder, not one of `run.py robustness`")
    pair = _load_distinct(args.scenarios, args.command, args.sets)
    expected = run_record("robustness", pair)["rules"]
    if (stored_record(args.robustness) or {}).get("rules") != expected:
        raise UserError(
            f"{where}: not a study of {' vs '.join(args.scenarios)} with these rules; run "
            f"`python run.py robustness {' '.join(args.scenarios)} --out {args.robustness}` first"
        )


def _plan(*args) -> Plan:
    """``plan_decomposition(*args)``, its refusal as a user error."""
    try:
        return plan_decomposition(*args)
    except DecompositionError as err:
        raise UserError(str(err)) from None


def _briefing_decomposition(args, params_list):
    """``briefing BASE REFORM --decompose``: the reform's decomposition (``decompose``) on the comparison's
    seeds and replications (the base and the reform come from the result store), written to the
    briefing's folder as ``decomposition.csv``."""
    plan = _plan(*params_list)
    store = _store(args)
    dec = run_decomposition(
        plan, seed=args.seed, reps=args.reps, store=store, workers=args.workers, scheduler=_scheduler(args)
    )
    _report_failures(dec.failures)
    if not dec.seeds:
        raise UserError(f"{args.command}: --decompose: no replication of the decomposition finished")
    write_frame(dec.table, Path(args.out) / "decomposition.csv")
    print(console.store_line(dec, store.root, dec.total))
    return dec.table


# ---------------------------------------------------------------- calibrate, fit-inputs, replay


def snapshot(args) -> int:
    """Run a scenario to ``--date`` and write its state as an operators' snapshot (``sim.state_at``), to
    start forecasts from (``--snapshot``, ``start.snapshot``)."""
    params = _load(args.scenario, args.sets)
    out_dir = Path(args.out)
    there = [name for name in FILES if (out_dir / name).exists()]
    if there and not args.replace:
        raise UserError(f"{out_dir}: holds a snapshot already ({', '.join(there)}); --replace overwrites it")
    try:
        tables = state_at(params, args.seed, args.date)
    except ValueError as err:
        raise UserError(f"snapshot: --date: {err}") from None
    command = " ".join(
        [
            "python run.py snapshot",
            args.scenario,
            f"--date {args.date}",
            f"--seed {args.seed}",
            *(f"--set {shlex.quote(s)}" for s in args.sets),
            f"--out {shlex.quote(args.out)}",
        ]
    )
    description = f"{params.name}, seed {args.seed}, on {args.date}: the engine's own state (synthetic)"
    _make_dir(out_dir)
    with sigint_held_off(out_dir):
        write_snapshot(out_dir, args.date, description, command, *tables)
    units, tenancies, waiting, former = tables
    print(
        f"snapshot of {params.name} on {args.date}: {len(units):,} units, {len(tenancies):,} tenancies, "
        f"{len(waiting):,} waiting, {len(former):,} former households; written to {out_dir}"
    )
    return 0


def calibrate(args) -> int:
    """Fit the inputs of a targets file to its observed figures (``calibration/aggregates.py``)."""
    from calibration import aggregates
    from calibration.aggregates_report import draw_charts, format_fit, format_parameters
    from calibration.targets import load_targets

    if not (args.budget > 0 and math.isfinite(args.budget)):
        raise UserError(f"--budget: must be a positive number of minutes, got {args.budget:g}")
    targets = load_targets(args.targets, reps=args.reps, seed=args.seed)
    _check_memory([targets.base], _local_workers(args, targets.reps))
    out_dir = Path(args.out) if args.out else Path("out") / "calibration" / Path(args.targets).stem
    _make_dir(out_dir)
    store = _store(args)
    scheduler = _scheduler(args)
    print(console.calibration_heading(targets, args.budget))
    try:
        cal = aggregates.calibrate(
            targets, store, args.budget, workers=args.workers, scheduler=scheduler, recompute=args.recompute
        )
    except aggregates.CalibrationError as err:
        raise UserError(str(err)) from None
    except aggregates.Interrupted:
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
    print(console.calibration_notes(cal, store.root))
    with sigint_held_off(out_dir):
        paths = aggregates.write_outputs(cal, out_dir)
        drawn = draw_charts(cal, out_dir)
    print(f"outputs: {', '.join(str(p) for p in paths.values())}")
    print(console.charts_line(drawn, out_dir))
    return 1 if cal.failures else 0


def fit_inputs(args) -> int:
    """Estimate inputs from micro data (``calibration/microdata.py``); every bad row is listed and
    nothing is fitted."""
    from calibration import microdata
    from sim.replay import MicroDataError

    _make_dir(Path(args.out))
    try:
        result, table, paths = microdata.fit_inputs(
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
    print(microdata.period_line(result))
    print(table)
    print(f"outputs: {paths[0]}, {paths[1]}" + (f"; charts in {paths[2].parent}" if len(paths) > 2 else ""))
    return 0


def replay(args) -> int:
    """Replay recorded applications and compare with what was recorded (``calibration/replay.py``)."""
    from calibration.replay import ReplayError, check_replay, format_report, run_replay, write_report

    _check_seeds(args.seed, args.reps)
    params_list = _load_distinct(args.scenarios, args.command)
    try:
        setup = check_replay(params_list)
    except ReplayError as err:
        raise UserError(str(err)) from None
    _check_memory(params_list)  # replications run one after another, in this process
    out_dir = Path(args.out) if args.out else Path("out") / "replay" / params_list[0].name
    _make_dir(out_dir)  # only once the inputs are read: a refused command leaves no folder behind
    report, suppressed, end_day = run_replay(params_list, args.reps, args.seed, setup=setup)
    print(console.replay_heading(args.reps, args.seed, end_day))
    print(format_report(report, args.lang))
    if suppressed:
        min_cell = params_list[0].value("analysis.min_cell")
        print(f"{suppressed} groups of fewer than {min_cell} households suppressed")
    paths = write_report(report, out_dir)
    print(f"outputs: {paths[0]}")
    return 0


# ---------------------------------------------------------------- bench, explore


def bench(args) -> int:
    """Time one replication against the yardsticks of ``analysis/experiments/bench.py``, or a sweep."""
    # the plain queue is a district-size one: it is the yardstick of the baseline only (README, Speed)
    yardstick = args.scenario is None and args.scale == "district"
    _check_seeds(args.seed, args.reps if args.sweep else 1)
    args.scenario = args.scenario or str(SCALES[args.scale])
    if args.sweep:
        return _bench_sweep(args)
    if args.mechanisms:
        return _bench_mechanisms(args)
    if args.robustness:
        return _bench_robustness(args)
    params = _load(args.scenario)
    _check_memory([params])
    print(console.machine_line(benchmark.machine()))
    r = benchmark.time_engine(params, args.seed)
    print(console.engine_line(params.name, args.seed, r))
    if yardstick:
        events, seconds, wait = benchmark.plain_queue_simpy()
        print(console.plain_queue_lines(events, seconds, wait, r.wall_seconds))
    print(console.BARE_HEADING)
    for processes in (10, r.heap_peak):
        events, seconds = benchmark.bare_simpy_loop(processes)
        print(console.bare_line(processes, events, seconds, r.events / r.wall_seconds))
    print(console.memory_line(benchmark.peak_rss_kib()))
    return 0


def _bench_mechanisms(args) -> int:
    """``bench --mechanisms``: one replication of the scenario under each allocation mechanism, then of the
    shipped variants of the mechanisms (on the baseline), each with its wall time as a ratio to receipt
    order's: the best of ``--repeat`` runs, taken in turn so that a slow spell of the machine falls on
    every configuration alike."""
    params = _load(args.scenario)
    _check_memory([params])
    print(console.machine_line(benchmark.machine()))
    runs = [(m, params.with_overrides({"allocation.mechanism": m})) for m in MECHANISMS]
    runs += [(f"{name}.toml", _load(name)) for name in benchmark.MECHANISM_VARIANTS]
    best = dict.fromkeys((name for name, _ in runs), math.inf)
    for _ in range(args.repeat):
        for name, p in runs:
            best[name] = min(best[name], benchmark.time_engine(p, args.seed).wall_seconds)
    print(console.mechanisms_heading(args.repeat))
    for name in best:
        print(console.mechanism_line(name, best[name], best[MECHANISMS[0]]))
    return 0


def _bench_robustness(args) -> int:
    """``bench --robustness``: the screening the README reports (baseline vs cap8, every ranged input,
    ``--samples`` trajectories, one replication a point), run with no store, its wall time against
    the replications it ran and one replication timed in this process."""
    base, variant = _load("baseline"), _load("cap8")
    ranges = robust.load_ranges(robust.RANGES_FILE, base)
    study = robust.plan_study(
        base, variant, ranges, "morris", args.samples, args.seed, grouped=not args.ungrouped
    )
    _check_memory([base], args.workers)
    print(console.machine_line(benchmark.machine()))
    print(console.robustness_plan_line(study, 1, 10))
    one = benchmark.time_engine(base, args.seed)
    started = time.perf_counter()
    result = robust.run_study(
        study, args.seed, 1, list(ROBUSTNESS_FIGURES), 10, store=None, workers=args.workers
    )
    wall = time.perf_counter() - started
    _report_failures(result.failures)
    print(console.robustness_bench_lines(result, wall, args.workers, one.wall_seconds))
    return 1 if result.failures or result.interrupted else 0


def _bench_sweep(args) -> int:
    """``bench --sweep``: replications per second with 1 and with ``--workers`` workers; 1 when the two
    runs disagree."""
    params = _load(args.scenario)
    _check_memory([params], min(args.workers, args.reps))
    print(console.machine_line(benchmark.machine()))
    print(console.sweep_bench_heading(params.name, args.reps, args.seed))
    tasks = benchmark.sweep_tasks(params, args.seed, args.reps)
    timings = {}
    for workers in dict.fromkeys((1, args.workers)):
        timings[workers] = benchmark.time_sweep(tasks, workers)
        _report_failures(timings[workers].failures)
        print(console.sweep_timing_line(timings[workers]))
    if args.workers == 1:
        return 0
    one, many = timings[1], timings[args.workers]
    same = benchmark.same_summaries(one.summaries, many.summaries)
    print(console.parallel_lines(args.workers, many.rate / one.rate, same))
    return 0 if same else 1


def explore(args) -> int:
    """The policy explorer (``analysis/explorer/``), served until Ctrl-C."""
    _check_listen(args.host, args.port)
    _check_seeds(args.seed, args.reps)
    from analysis.explorer.core import Options, list_scenarios, serve  # Solara loads only for this

    folder = Path(args.scenarios_dir)
    if not folder.is_dir():
        raise UserError(f"--scenarios-dir: {folder}: no such folder")
    bases = list_scenarios(folder)
    if args.base not in bases:
        raise UserError(f"--base: {args.base}: no such scenario in {folder} or scenarios/")
    base = load_scenario(bases[args.base])  # a broken base is refused here, with the loader's message
    _check_memory([base], min(args.workers or default_workers(), args.reps))
    _make_dir(Path(args.out))
    _store(args)
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


def _check_listen(host: str, port: int) -> None:
    """Refuse an address the explorer cannot listen on before the server starts, naming the option at
    fault: a port outside 1-65535, a host that resolves to no address or is not one of this machine's
    (``--host``), a port in use or reserved (``--port``). The probe binds as uvicorn does."""
    if not 1 <= port <= 65535:
        raise UserError(f"--port: must be a whole number from 1 to 65535, got {port}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as err:
        raise UserError(f"--host: {host}: cannot be resolved to an address ({err.strerror})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRNOTAVAIL:
                raise UserError(f"--host: {host}: not an address of this machine ({err.strerror})") from None
            raise UserError(f"--port: {port}: cannot listen on {host}: {err.strerror}") from None
