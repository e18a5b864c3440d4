"""Replications of one scenario, run in this process with a progress bar.

results = run_replications(params, reps=10, seed=1)    # seeds 1 .. 10
table = analysis.stats.summary_table(results)          # figure, mean, ci_low, ci_high, sd, n
analysis.experiments.outputs.write_outputs(results, "out/baseline")
"""

from __future__ import annotations

from collections.abc import Callable

from tqdm import tqdm

from sim import Params, SimulationResult, simulate


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
