"""The lines the commands print around their tables (``python run.py ...``): headings in Chinese or
English, the result store's line, the closing notes of a calibration, and the benchmark's report. Each
function returns text; the commands (``analysis/cli/``) print it. Words come from ``terms.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..experiments.compare import PRECISION_FIGURE
from ..experiments.decompose import MAX_EXACT
from .terms import term
from .titles import scenario_description, scenario_title


def seed_range(first: int, n: int) -> str:
    """The seeds of ``n`` replications from ``first``: ``1–10``, or ``1`` alone."""
    return f"{first}" if n == 1 else f"{first}–{first + n - 1}"


def shown_scenario(params, lang: str, name: str | None = None) -> str:
    """A scenario as a heading shows it: its title in ``lang`` and, when that differs, its name
    (``保障总年限延长至8年（cap8）``, ``Total-tenure cap of 8 years (cap8)``)."""
    name = name or params.name
    title = scenario_title(params, lang)
    if title == name:
        return title
    return f"{title}（{name}）" if lang == "zh" else f"{title} ({name})"


def run_heading(params, seeds: Sequence[int], lang: str) -> str:
    """The line above ``run``'s table: the scenario (:func:`shown_scenario`), how many replications,
    their seeds."""
    name = shown_scenario(params, lang)
    first, last = min(seeds), max(seeds)
    shown = f"{first}" if first == last else f"{first}–{last}"
    missing = sorted(set(range(first, last + 1)) - set(seeds))  # an interrupted run keeps what finished
    if missing:
        listed = ", ".join(map(str, missing[:5])) + (", …" if len(missing) > 5 else "")
        shown += f"，缺 {listed}" if lang == "zh" else f" except {listed}"
    n = len(seeds)
    reps, seed_word = term("table.replications", lang), term("table.seeds", lang)
    if lang == "zh":
        return f"{name}：{n}{reps}，{seed_word} {shown}"
    if n == 1:  # English singulars
        reps, seed_word = reps.removesuffix("s"), seed_word.removesuffix("s")
    return f"{name}: {n} {reps}, {seed_word} {shown}"


def comparison_heading(params_list, names: Sequence[str], reps: int, seed: int, lang: str) -> str:
    """The lines above ``compare``'s table: replications and seeds, common random numbers, and each
    scenario with its description and reference (else its file)."""
    seeds = f"{term('table.seeds', lang)} {seed_range(seed, reps)}"
    if lang == "zh":
        lines = [f"情景比较：每个情景{reps}{term('table.replications', lang)}，{seeds}"]
    else:
        lines = [f"Comparison: {reps} {term('table.replications', lang)} of each scenario, {seeds}"]
    lines.append(term("table.crn", lang))
    for p, name in zip(params_list, names, strict=True):
        about = "; ".join(x for x in (scenario_description(p, lang), p.reference) if x)
        shown = shown_scenario(p, lang, name)
        colon = "：" if lang == "zh" else ": "
        lines.append(f"  {shown}{colon}{about}" if about else f"  {shown} [{p.source}]")
    return "\n".join(lines)


def method_line(plan) -> str:
    """How a decomposition gets its Shapley shares: exact from every subset, or sampled."""
    if plan.method == "exact":
        return f"Shapley shares exact, from all {2**plan.k} subsets of the {plan.k} changes"
    return (
        f"Shapley shares SAMPLED: {plan.k} changes are more than {MAX_EXACT}, so each replication "
        f"draws {plan.permutations} random orders of the changes (seeded by its seed) and runs the subsets "
        "they pass through; the CIs include the sampling"
    )


def decomposition_heading(plan, names: Sequence[str], reps: int, seed: int, lang: str) -> str:
    """The lines above ``decompose``'s table: the reform against the base, replications and seeds, how
    the shares are computed, and each change with its keys."""
    seeds = f"{term('table.seeds', lang)} {seed_range(seed, reps)}"
    base, reform = (shown_scenario(p, lang, n) for p, n in zip((plan.base, plan.reform), names, strict=True))
    lines = [
        f"Decomposition of {reform} against {base}: {reps} {term('table.replications', lang)} of each "
        f"subset, {seeds}",
        term("table.crn", lang),
        method_line(plan),
    ]
    lines += [f"  {i}. {c.name}: {', '.join(c.keys)}" for i, c in enumerate(plan.changes, 1)]
    return "\n".join(lines)


def precision_line(cmp, max_reps: int) -> str | None:
    """Whether ``compare --precision`` reached its precision, with each scenario's half-width; None
    without ``--precision`` (or when it was not judged)."""
    if cmp.precision is None:
        return None
    widths = ", ".join(f"{name} {h:.1%}" for name, h in cmp.half_widths.items())
    what = f"the 95% CI half-width of {PRECISION_FIGURE} (as a share of its mean)"
    if cmp.precision_reached:
        return (
            f"precision {cmp.precision:.1%} reached after {cmp.reps} replications ({cmp.rounds} rounds): "
            f"{what}: {widths}"
        )
    if cmp.precision_reached is False:
        return f"precision {cmp.precision:.1%} not reached within --max-reps {max_reps}: {what}: {widths}"
    return None


def store_line(run, store_root: Path, total: int) -> str:
    """What the result store gave a run of ``total`` replications: reused, ran (and where), failed."""
    ran = f"ran {run.computed}" + (f" on {run.backend}" if run.computed and run.backend else "")
    parts = [f"store {store_root}: reused {run.reused} of {total} replications", ran]
    if run.failures:
        parts.append(f"{len(run.failures)} failed")
    if run.ignored:
        parts.append(f"{run.ignored} unreadable store files ignored and recomputed")
    return ", ".join(parts)


def sweep_heading(sweep, lang: str) -> str:
    """The lines above ``sweep``'s table: the file, its base, cells × replications, seeds, description."""
    cells, reps = len(sweep.cells), sweep.reps
    seeds = f"{term('table.seeds', lang)} {seed_range(sweep.seed, reps)}"
    if lang == "zh":
        line = (
            f"参数扫描 {sweep.source}：基准情景 {sweep.base.name}，{cells}{term('table.cells', lang)} × "
            f"{reps}{term('table.replications', lang)}，{seeds}"
        )
    else:
        line = (
            f"Sweep {sweep.source}: base {sweep.base.name}, {cells} {term('table.cells', lang)} × "
            f"{reps} {term('table.replications', lang)}, {seeds}"
        )
    return f"{line}\n  {sweep.description}" if sweep.description else line


def charts_line(charts: Sequence[Path], folder) -> str:
    """Where the charts went (``folder`` when none were drawn)."""
    return f"charts: {len(charts)} files in {charts[0].parent if charts else folder}"


def audit_lines(violations: dict[int, list[str]]) -> str:
    """``run --audit``: each violated invariant by seed, then how many replications hold them all."""
    lines = [f"audit: seed {seed}: {v}" for seed, found in violations.items() for v in found]
    failed = sum(bool(found) for found in violations.values())
    if failed:
        lines.append(f"audit: invariants violated in {failed} of {len(violations)} replications")
    else:
        lines.append(f"audit: every invariant holds in {len(violations)} replications")
    return "\n".join(lines)


def calibration_heading(targets, budget: float) -> str:
    """The line ``calibrate`` prints before it searches."""
    n = targets.reps
    return (
        f"Calibrate {targets.source}: base {targets.base.name}, {len(targets.targets)} targets, "
        f"{len(targets.parameters)} parameters, {n} replications per point (seeds "
        f"{seed_range(targets.seed, n)}), budget {budget:g} min"
    )


def calibration_notes(cal, store_root: Path) -> str:
    """The lines under the calibration's tables: parameters the targets do not identify, warnings, the
    points run, the budget, the store."""
    lines = [f"{f.key}: {f.note}" for f in cal.parameters if not f.identified]
    lines += [f"warning: {warning}" for warning in cal.warnings]
    phases = ", ".join(f"{k} {v}" for k, v in cal.phases.items())
    lines.append(f"points run: {phases}; intervals: {cal.method}")
    if cal.budget_reached:
        lines.append(f"budget: {cal.budget_reached}")
    minutes = cal.seconds / 60
    lines.append(
        f"store {store_root}: reused {cal.reused} replications, ran {cal.computed}; {minutes:.1f} min"
    )
    return "\n".join(lines)


def replay_heading(reps: int, seed: int, end_day: float) -> str:
    return (
        f"replay of the recorded first applications: {reps} replications, seeds "
        f"{seed_range(seed, reps)}, over the recorded period ({end_day:,.0f} days)"
    )


# ---------------------------------------------------------------- the benchmark (English only)


def machine_line(m) -> str:
    """``m``: ``analysis.experiments.bench.Machine``."""
    return (
        f"machine: {m.processor}, {m.cpus} CPUs, {m.system} {m.release}, "
        f"Python {m.python} ({m.implementation}), SimPy {m.simpy}, Mesa {m.mesa}"
    )


def engine_line(name: str, seed: int, r) -> str:
    """One replication ``r`` of the engine: days, wall time, SimPy events and their rate."""
    return (
        f"engine: {name}, seed {seed}, {r.n_days:,} days: {r.wall_seconds:.2f} s wall, "
        f"{r.events:,} SimPy events, {r.events / r.wall_seconds:,.0f} events/s"
    )


def mechanisms_heading(repeat: int) -> str:
    return f"one replication under each mechanism, best of {repeat} runs taken in turn:"


def mechanism_line(name: str, seconds: float, receipt_order_seconds: float) -> str:
    """One replication of ``bench --mechanisms``: its wall time and its ratio to receipt order's."""
    return f"  {name:<22} {seconds:6.2f} s wall, {seconds / receipt_order_seconds:.2f} × receipt_order"


def plain_queue_lines(events: int, seconds: float, wait: float, engine_seconds: float) -> str:
    return (
        "plain queue modelled straightforwardly in SimPy (README, Speed; none of the other rules):\n"
        f"  {seconds:.2f} s wall, {events:,} events, {events / seconds:,.0f} events/s, mean wait "
        f"{wait:,.0f} days; engine / plain queue, wall time = {engine_seconds / seconds:.2f}"
    )


BARE_HEADING = "engine / bare SimPy events per second; bare loop at SimPy's best and at the engine's load:"


def bare_line(processes: int, events: int, seconds: float, engine_rate: float) -> str:
    bare_rate = events / seconds
    return (
        f"  bare SimPy, {processes:,} processes: {events:,} events in {seconds:.2f} s, "
        f"{bare_rate:,.0f} events/s; engine / bare = {engine_rate / bare_rate:.3f}"
    )


def memory_line(kib: float) -> str:
    return f"peak resident memory: {kib / 1024:,.1f} MiB ({kib:,.0f} KiB)"


def sweep_bench_heading(name: str, reps: int, seed: int) -> str:
    return f"sweep bench: {name}, {reps} replications (seeds {seed_range(seed, reps)}), no store"


def sweep_timing_line(t) -> str:
    """``t``: ``analysis.experiments.bench.SweepTiming``."""
    word = "worker: " if t.workers == 1 else "workers:"
    return (
        f"  {t.workers} {word} {t.done} replications in {t.seconds:6.1f} s: "
        f"{t.rate:.3f} replications/s ({t.backend}; "
        f"{t.busy_seconds / max(t.done, 1):.2f} s per replication inside a worker)"
    )


def parallel_lines(workers: int, speedup: float, same: bool) -> str:
    return (
        f"  parallel efficiency with {workers} workers: {speedup / workers:.0%} (speed-up {speedup:.2f}x)\n"
        f"  results identical with 1 and {workers} workers: {'yes' if same else 'NO'}"
    )


def robustness_plan_line(study, reps: int, center_reps: int) -> str:
    """What a robustness stage runs: its design, inputs ranged and held, and replications."""
    points = len(study.design)
    what = f"{study.samples} trajectories" if study.method == "morris" else f"{study.samples} base samples"
    return (
        f"robustness ({study.method}): {len(study.inputs)} inputs ranged ({len(study.held)} held), {what}, "
        f"{points} design points × {reps} replications × 2 scenarios, and {center_reps} replications × 2 at "
        "the scenarios' own values"
    )


def robustness_heading(result, names: Sequence[str], lang: str) -> str:
    """The lines above ``robustness``'s tables: the comparison, the design, how noise is kept apart."""
    study = result.study
    base, variant = (
        shown_scenario(p, lang, n) for p, n in zip((study.base, study.variant), names, strict=True)
    )
    if lang == "zh":
        return (
            f"{variant} 相对于 {base} 的稳健性：{study.ranges.source} 中 {len(study.inputs)} "
            "项假设参数在合理区间内取样"
            f"（{study.method}，{result.clusters} 条轨迹/基础样本，每点 {result.reps} 次重复），"
            f"{len(study.held)} 项保持不变（见 inputs.csv）\n"
            "两个情景在每个取样点使用相同的随机种子；“噪声”参数只改变种子，其指数即噪声基线"
        )
    return (
        f"Robustness of {variant} against {base}: {len(study.inputs)} assumed inputs sampled over their "
        f"plausible ranges in {study.ranges.source} ({study.method}, {result.clusters} complete "
        f"{'trajectories' if study.method == 'morris' else 'base samples'}, {result.reps} replications "
        "a point); "
        f"{len(study.held)} held (inputs.csv)\n"
        "both scenarios run on the same seeds at every point; the input 'noise' only moves the seeds: its "
        "index is the noise floor"
    )


def robustness_bench_lines(result, wall: float, workers: int, one: float) -> str:
    """``bench --robustness``: the study's wall time, its replications, the time of one inside a worker,
    the parallel efficiency, the wall time as replications of the one timed in this process, and which
    inputs cleared the noise floor on the mean wait's difference."""
    done = result.computed
    inside = result.busy_seconds / max(done, 1)
    idx = result.indices
    wait = idx[(idx["figure"] == PRECISION_FIGURE) & (idx["measure"] == "difference")]
    above = ", ".join(wait[wait["above_noise"]].sort_values("rank")["input"]) or "none"
    return "\n".join(
        [
            f"  {done} replications in {wall:.0f} s ({wall / 60:.1f} min) on {workers} workers: "
            f"{done / wall:.2f} replications/s, {inside:.2f} s per replication inside a worker",
            f"  parallel efficiency: {result.busy_seconds / (wall * workers):.0%}; the study took "
            f"{wall / one:.0f} times one replication in this process ({one:.2f} s)",
            f"  {result.clusters} complete trajectories; above the noise floor on the mean wait's "
            f"difference: {above}",
        ]
    )
