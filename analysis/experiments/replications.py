"""Replications of one scenario with every table: kept in the result store and run on the worker pool
(:func:`run_kept`, what ``run.py run`` does), or run in this process (:func:`run_replications`).

results, batch = run_kept(params, reps=10, seed=1, store=ResultStore())   # seeds 1 .. 10
table = analysis.stats.summary_table(results)          # figure, mean, ci_low, ci_high, sd, n
analysis.experiments.outputs.write_outputs(results, "out/baseline")
"""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from sim import Params, SimulationResult, simulate, stored_result

from .runner import Batch, ResultStore, Task, run_tasks


def run_kept(
    params: Params,
    reps: int,
    seed: int,
    store: ResultStore,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    recompute: bool = False,
) -> tuple[list[SimulationResult], Batch]:
    """Run ``reps`` replications of ``params`` (seeds ``seed`` ...) through ``runner.run_tasks``, with
    every table kept in ``store`` as each finishes, so that an interrupted run resumes and a repeated one
    is read back.

    Returns:
        The finished replications in seed order (all of them unless ``batch.interrupted`` or
        ``batch.failures``), and the batch (what was reused, run, failed).
    """
    tasks = [Task(params, seed + r, label=params.name, tables=True) for r in range(reps)]
    batch = run_tasks(tasks, store, workers, scheduler, progress, desc=params.name, recompute=recompute)
    results = []
    for task in tasks:
        if task.key in batch.tables:
            (summary, daily), (tables, n_days) = batch.results[task.key], batch.tables[task.key]
            results.append(stored_result(params, task.seed, summary, daily, tables, n_days))
    return results, batch


def run_replications(
    params: Params,
    reps: int,
    seed: int,
    progress: bool = True,
    on_result: Callable[[SimulationResult], None] | None = None,
) -> list[SimulationResult]:
    """Run ``reps`` replications of ``params``; replication ``r`` uses seed ``seed + r``.

    Args:
        progress: show a progress bar with an ETA on stderr (hidden when stderr is not a terminal).
        on_result: called with each result as soon as it is finished. A caller that must keep the
            finished replications when the run is interrupted (Ctrl-C) or a replication fails collects
            them here: the exception propagates out of this function.

    Returns:
        The results, in seed order.
    """
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    results: list[SimulationResult] = []
    with tqdm(
        total=reps,
        desc=params.name,
        unit="rep",
        disable=None if progress else True,
        dynamic_ncols=True,
    ) as bar:
        for r in range(reps):
            result = simulate(params, seed + r)
            results.append(result)
            if on_result is not None:
                on_result(result)
            bar.set_postfix_str(f"seed {result.seed}: {result.wall_seconds:.1f} s", refresh=False)
            bar.update()
    return results
