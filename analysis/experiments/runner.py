"""Run many replications (scenario × seed) on this machine's cores or on a Dask cluster, keeping each result.

    tasks = [Task(params, seed, label="cap8") for seed in range(1, 21)]
    batch = run_tasks(tasks, ResultStore("out/.store"), workers=None)     # all cores
    batch = run_tasks(tasks, store, scheduler="tcp://10.0.0.5:8786")      # a Dask cluster
    summary, daily = batch.get(tasks[0])

One replication is ``sim.simulate(params, seed)``; a worker returns only its summary figures and daily
table. Every result is put in the store as soon as it arrives, so an interrupted, failed or killed run
keeps what finished, and running the same tasks again reuses it (``batch.reused``). Results do not depend
on where or in which order replications ran: the engine's output depends on (params, seed) only.

Failures never stop the other replications: a replication that raises, or whose worker process dies
(killed, out of memory), is reported in ``batch.failures`` (label, seed, message) and is not stored. After
a process dies the replications that were in flight are run again one at a time, so that only the one
that kills its worker is reported. Ctrl-C stops the run (``batch.interrupted``) with every finished
result stored; worker processes ignore SIGINT and are ended by the run itself.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import pandas as pd
from tqdm import tqdm

import sim
from sim.parameters import describe_value

from .store import TABLES, ResultStore, engine_id, result_key, scenario_hash

SCHEDULER_ENV = "PRH_SCHEDULER"
DIED = "the worker process died while running it (killed, or out of memory?)"
#: The largest seed of a replication: every table of replications (``outputs.py``, ``compare.py``,
#: ``sweep.py``) keeps the seed as an int64. numpy's ``SeedSequence`` and the store would take any whole
#: number of 0 or more.
MAX_SEED = 2**63 - 1
#: The most replications a command or study file runs of one scenario: a 95 % interval is already tight
#: at a few hundred, and a typing slip (``--reps 1000000``, ``reps = 1e9`` in a sweep file) would
#: otherwise run for days or fill the memory with tasks.
MAX_REPS = 10_000


class RunnerError(Exception):
    """A user error in how to run (e.g. a scheduler that cannot be reached). str(err) is one line."""


def seeds_problem(seed: object, reps: int = 1) -> str | None:
    """What is wrong with the seeds ``seed, seed + 1, ..., seed + reps - 1`` of ``reps`` replications
    (``MAX_SEED``), or None; the caller names the option or the file and key."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        shown = seed if isinstance(seed, int) and not isinstance(seed, bool) else describe_value(seed)
        return f"must be a whole number from 0 to {MAX_SEED}, got {shown}"
    if seed + reps - 1 > MAX_SEED:
        return (
            f"must be at most {MAX_SEED - reps + 1} with {reps} replications (seeds up to {MAX_SEED}), "
            f"got {seed}"
        )
    return None


@dataclass(frozen=True)
class Task:
    """One replication to run: ``sim.simulate(params, seed)``; ``label`` names it in messages; with
    ``tables`` its other tables are kept too (``Batch.tables``, the store's ``TABLES``)."""

    params: sim.Params
    seed: int
    label: str = ""
    tables: bool = False
    key: str = field(default="", compare=False)

    def __post_init__(self):
        if not self.key:
            object.__setattr__(self, "key", result_key(self.params, self.seed))


@dataclass(frozen=True)
class Failure:
    label: str
    seed: int
    message: str

    def line(self) -> str:
        where = f"{self.label}, seed {self.seed}" if self.label else f"seed {self.seed}"
        return f"failed: {where}: {self.message}"


@dataclass
class Batch:
    """What a run of tasks gave: the results by store key, and what was reused, run, failed."""

    results: dict[str, tuple[dict[str, float], pd.DataFrame]]
    total: int  # distinct replications asked for
    #: the other tables and the length in days of the tasks that asked for them (``Task.tables``)
    tables: dict[str, tuple[dict[str, pd.DataFrame], int]] = field(default_factory=dict)
    reused: int = 0
    computed: int = 0
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    ignored: int = 0  # unreadable store files met (their replications were run again)
    backend: str = ""
    store_error: str = ""  # set when the store could not be written (results of this run kept in memory)
    busy_seconds: float = 0.0  # wall time of the replications run, summed over workers

    def get(self, task: Task) -> tuple[dict[str, float], pd.DataFrame] | None:
        return self.results.get(task.key)

    @property
    def complete(self) -> bool:
        return len(self.results) == self.total

    def store_line(self, store: ResultStore | None) -> str:
        """One line for the user: how many replications were reused, run, failed or left."""
        where = f"store {store.root}: " if store is not None else ""
        parts = [f"{where}reused {self.reused} of {self.total} replications", f"ran {self.computed}"]
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        missing = self.total - len(self.results) - len(self.failures)
        if missing > 0:
            parts.append(f"{missing} not run")
        if self.ignored:
            parts.append(f"{self.ignored} unreadable store files ignored and recomputed")
        return ", ".join(parts)


# ---------------------------------------------------------------- the worker side


def replicate(params: sim.Params, seed: int, tables: bool = False) -> dict:
    """Run one replication; return only what is stored (or the error, as one line): the summary and the
    daily table, and with ``tables`` the other tables (``TABLES``) and the run's length in days.

    ``sim.simulate`` is looked up at call time, so that tests can replace it.
    """
    try:
        result = sim.simulate(params, seed)
    except Exception as err:  # reported, not raised: the other replications go on
        return {"error": _one_line(err)}
    outcome = {
        "summary": dict(result.summary),
        "daily": result.daily,
        "engine": engine_id(),
        "seconds": result.wall_seconds,
    }
    if tables:
        outcome["tables"] = ({name: getattr(result, name) for name in TABLES}, result.n_days)
    return outcome


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


_SCENARIOS: dict[str, sim.Params] = {}  # a pool worker's scenarios, by id (set by _init_worker)


def _init_worker(parent: int, scenarios: dict[str, sim.Params]) -> None:
    """Pool workers: take the scenarios once (tasks then carry only an id and a seed, so the pool's
    pipes never fill up), leave Ctrl-C to the parent, and exit when the parent is gone (kill -9)."""
    _SCENARIOS.clear()
    _SCENARIOS.update(scenarios)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _replicate_in_pool(scenario: str, seed: int, tables: bool) -> dict:
    return replicate(_SCENARIOS[scenario], seed, tables)


# ---------------------------------------------------------------- backends: yield (task, outcome)


def _in_process(pending: list[Task]) -> Iterator[tuple[Task, dict]]:
    for task in pending:
        yield task, replicate(task.params, task.seed, task.tables)


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    """End the pool's processes now, replications in flight included (Ctrl-C, or a broken pool).

    A worker killed while it sends a result leaves half a message in the result pipe, and the pool's
    manager thread waits for the rest; since this process holds the pipe's write end too, the rest
    never comes and the interpreter hangs at exit joining that thread. Closing our write end once the
    workers are dead turns the wait into end-of-file, which the pool handles as a broken pool.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    with contextlib.suppress(Exception):
        pool._result_queue._writer.close()
    with contextlib.suppress(Exception):
        pool.shutdown(wait=False, cancel_futures=True)


def _pool(pending: list[Task], workers: int) -> Iterator[tuple[Task, dict]]:
    """A process pool with at most ``2 * workers`` replications in flight.

    When a worker process dies the pool breaks and every replication in flight fails with it; those
    are run again one at a time on a fresh pool, and one that breaks the pool alone is reported.
    """
    # fork on Linux: workers start at once with everything imported; elsewhere the platform's default
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    queue, suspects = deque(pending), deque()
    inflight: dict = {}  # future -> (task, alone)
    pool = None
    ids, scenarios = {}, {}  # id(params) -> scenario id; scenario id -> params
    for task in pending:
        if id(task.params) not in ids:
            ids[id(task.params)] = scenario_hash(task.params)
            scenarios[ids[id(task.params)]] = task.params

    def submit(task: Task):
        return pool.submit(_replicate_in_pool, ids[id(task.params)], task.seed, task.tables)

    try:
        while queue or suspects or inflight:
            if pool is None:
                pool = ProcessPoolExecutor(
                    workers, mp_context=context, initializer=_init_worker, initargs=(os.getpid(), scenarios)
                )
            broken = False
            source = suspects if suspects else queue
            limit = 1 if suspects else 2 * workers
            while source and len(inflight) < limit:
                task = source.popleft()
                try:
                    inflight[submit(task)] = (task, source is suspects)
                except BrokenProcessPool:
                    source.appendleft(task)
                    broken = True
                    break
            if inflight and not broken:
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for future in done:
                    task, alone = inflight.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken = True
                        if alone:
                            yield task, {"error": DIED}
                        else:
                            suspects.append(task)
                        continue
                    except Exception as err:  # e.g. a result that cannot be sent back
                        outcome = {"error": _one_line(err)}
                    yield task, outcome
            if broken:
                for task, alone in inflight.values():
                    if alone:
                        yield task, {"error": DIED}
                    else:
                        suspects.append(task)
                inflight.clear()
                _kill_pool(pool)
                pool = None
    finally:
        if pool is not None:
            if inflight or queue or suspects:
                _kill_pool(pool)
            else:
                pool.shutdown(wait=True)


def connect(address: str, timeout: str = "10s", source: str = "--scheduler"):
    """A Dask ``distributed.Client`` of the scheduler at ``address``; RunnerError if it cannot be reached.

    ``source`` names where the address came from in the message (``--scheduler`` or ``PRH_SCHEDULER``).
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - a dependency of the project
        raise RunnerError(
            f"{source}: {address}: needs dask[distributed]: pip install 'dask[distributed]'"
        ) from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        text = " ".join(str(err).split()) or type(err).__name__
        raise RunnerError(f"{source}: {address}: cannot reach the Dask scheduler ({text})") from None


def _dask(pending: list[Task], address: str) -> Iterator[tuple[Task, dict]]:
    from distributed import as_completed

    client = connect(address, source=scheduler_source(address))
    futures: dict = {}
    try:
        if not client.scheduler_info().get("workers"):
            tqdm.write(f"{address}: the scheduler has no workers yet; replications wait for one to join")
        for task in pending:
            future = client.submit(replicate, task.params, task.seed, task.tables, pure=False)
            futures[future] = task
        for future in as_completed(list(futures)):
            task = futures.pop(future)
            try:
                outcome = future.result()
            except Exception as err:  # KilledWorker, a worker without the project installed, ...
                outcome = {"error": _one_line(err)}
            future.release()
            yield task, outcome
    finally:
        with contextlib.suppress(Exception):
            if futures:
                client.cancel(list(futures))
        with contextlib.suppress(Exception):
            client.close()


def resolve_scheduler(scheduler: str | None) -> str | None:
    """The scheduler address from ``--scheduler`` or else the PRH_SCHEDULER environment variable."""
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


def scheduler_source(address: str) -> str:
    """Where ``address`` came from, for messages."""
    return SCHEDULER_ENV if address == os.environ.get(SCHEDULER_ENV) else "--scheduler"


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------- the driver


def run_tasks(
    tasks: Iterable[Task],
    store: ResultStore | None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    desc: str = "replications",
    recompute: bool = False,
) -> Batch:
    """Run every task not already in ``store``; store each result as it arrives.

    Args:
        store: where results are kept and looked up; None keeps nothing (benchmarks).
        workers: local worker processes (default all cores); 1 runs in this process. Ignored with
            ``scheduler``.
        scheduler: address of a Dask scheduler (``tcp://host:8786``) to run on instead.
        progress: a progress bar with an ETA on stderr (shown only on a terminal).
        recompute: run every task again even when its result is stored (and replace it).

    Returns:
        A :class:`Batch`. Never raises for a failing replication; Ctrl-C ends the run early with
        ``interrupted`` set. RunnerError: the scheduler cannot be reached.
    """
    unique: dict[str, Task] = {}
    for task in tasks:
        unique.setdefault(task.key, task)
    batch = Batch(results={}, total=len(unique))
    pending = []
    for key, task in unique.items():
        found = None if (store is None or recompute) else store.get(key)
        full = store.get_tables(key) if found is not None and task.tables else None
        if found is None or (task.tables and full is None):
            pending.append(task)
        else:
            batch.results[key] = found
            if full is not None:
                batch.tables[key] = full
            batch.reused += 1
    if store is not None:
        batch.ignored = store.ignored
    if not pending:
        batch.backend = "store"
        return batch

    workers = min(default_workers() if workers is None else workers, len(pending))
    if scheduler:
        source, batch.backend = _dask(pending, scheduler), f"Dask scheduler {scheduler}"
    elif workers <= 1:
        source, batch.backend = _in_process(pending), "1 process"
    else:
        source, batch.backend = _pool(pending, workers), f"{workers} worker processes"

    bar = tqdm(
        total=len(pending), desc=desc, unit="rep", disable=None if progress else True, dynamic_ncols=True
    )
    try:
        with contextlib.closing(source):
            for task, outcome in source:
                error = outcome.get("error")
                if error is None and outcome.get("engine") != engine_id():
                    error = f"the worker runs engine {outcome.get('engine')}, this machine {engine_id()}"
                if error is not None:
                    batch.failures.append(Failure(task.label, task.seed, error))
                    bar.set_postfix_str(f"{len(batch.failures)} failed", refresh=False)
                else:
                    summary, daily = outcome["summary"], outcome["daily"]
                    tables, n_days = outcome.get("tables", (None, None))
                    if store is not None and not batch.store_error:
                        try:
                            store.put(task.key, summary, daily, seed=task.seed, tables=tables, n_days=n_days)
                        except OSError as err:  # keep going: the result is still used in this run
                            batch.store_error = f"{store.root}: cannot store results: {err.strerror or err}"
                            tqdm.write(f"warning: {batch.store_error}")
                    batch.results[task.key] = (summary, daily)
                    if tables is not None:
                        batch.tables[task.key] = (tables, n_days)
                    batch.computed += 1
                    batch.busy_seconds += float(outcome.get("seconds", 0.0))
                bar.update()
    except KeyboardInterrupt:
        batch.interrupted = True
    finally:
        bar.close()
    return batch
