"""The policy explorer's logic, without the page: its controls, their checks, the variant as a scenario delta,
the runs on common seeds, the charts and the briefing. ``analysis.explorer`` draws the page on top of this.

    base = sim.load_scenario("baseline")
    value, error = check_text(base, "lease.max_total_years", "8")      # (8, "") or (None, CLI's message)
    variant = build_variant(base, {"lease.max_total_years": 8})  # named "baseline + lease.max_total_years=8"
    path = save_variant(base, base_path, {"lease.max_total_years": 8}, "scenarios", "cap8_try")
    cmp = run_variant(base, variant, reps=10, seed=1, store_root="out/.store", workers=2)
    images = chart_images(cmp, base, "zh")                              # {chart name: PNG bytes}

Every value goes through the scenario loader (``sim.parse_set`` then ``Params.with_overrides`` with the
source ``--set``), so a value the page refuses gets the very message ``run.py run ... --set KEY=VALUE``
prints. The page refuses a little more than the loader, each with a message naming the key: a typed number
too large to be one (TOML reads ``1e400`` as infinity) and the values of ``POSITIVE``. A run is labelled by
the rules that ran (:func:`run_label`); the save box names only the saved file. A saved variant is a
delta like ``scenarios/cap8.toml`` (``base`` plus the changed keys only), which ``load_scenario`` reads
back to the same values.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import multiprocessing
import os
import re
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import sim
from sim import Params, ScenarioError, load_scenario, parse_set
from sim.parameters import SCENARIOS_DIR, base_reference, delta_toml, setting_text, variant_name
from sim.schema import CHOICE, KEYS, Key

from ..experiments.compare import Comparison, run_comparison
from ..experiments.folders import safe_name
from ..experiments.outputs import ScenarioInfo, atomic_write
from ..experiments.runner import ResultStore, Task, _init_worker, run_tasks
from ..reporting.charts import (
    group_wait_chart,
    mean_wait_chart,
    scenario_colours,
    supply_marks,
    wait_stats_chart,
    waiting_list_chart,
)
from ..reporting.fonts import font_path

SOURCE = "--set"  # the origin named in messages: the same as the command line's, so messages match it


@dataclass(frozen=True)
class Control:
    """One rule value the page lets the user change: its dotted key. What input it takes (a choice or a
    typed TOML value, as after ``--set KEY=``), its unit and its article come from the scenario schema
    (``sim/schema.py``), like the loader's checks of the value typed."""

    key: str

    @property
    def spec(self) -> Key:
        return KEYS[self.key]

    @property
    def kind(self) -> str:
        return "select" if self.spec.type == CHOICE else "text"

    @property
    def choices(self) -> tuple[str, ...]:
        return self.spec.choices


#: The controls, in the order of the measures' articles (each key's article: ``Control.spec.citation``); their
#: words are ``explore.key.<key>`` in terms.
CONTROLS = tuple(
    Control(key)
    for key in (
        "lease.max_total_years",
        "queue.validity_years",
        "review.working_days",
        "allocation.mode",
        "allocation.batch_interval_days",
        "allocation.priority_rule",
        "allocation.priority_reserved_share",
        "allocation.key_employer_rule",
        "allocation.mechanism",
        "allocation.decline_share",
        "allocation.max_offers",
        "eligibility.max_area_per_capita_m2",
        "supply.target_units",
        "supply.target_date",
        "arrivals.applications_per_year",
    )
)
CONTROL_KEYS = tuple(c.key for c in CONTROLS)
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]*")
MAX_NAME = 64  # characters of a saved scenario's name: its file name stays safe on every file system
MAX_REPS = 1000  # replications of one run from the page
#: Keys whose value the page wants positive though the loader takes 0 (the schema's bound is ``low=0``),
#: with the reason.
POSITIVE = {
    "lease.max_total_years": (
        "a cap of 0 years would house nobody; Art. 17 of the measures gives at most 6 years"
    ),
}
CHARTS = ("waiting_list", "wait_stats", "mean_wait", "wait_by_group")
CHART_DPI = 96


OPTIONS_ENV = "PRH_EXPLORE_OPTIONS"


@dataclasses.dataclass(frozen=True)
class Options:
    """What ``run.py explore`` passes to the page (through the environment, as JSON)."""

    scenarios_dir: str = "scenarios"  # listed as bases (with the project's scenarios/) and saved into
    base: str = "baseline"
    reps: int = 10
    seed: int = 1
    workers: int = 2
    store: str = str(Path("out") / ".store")
    out: str = str(Path("out") / "explore")  # compare folders and briefings
    lang: str = "en"

    @classmethod
    def from_env(cls) -> Options:
        text = os.environ.get(OPTIONS_ENV)
        return cls(**json.loads(text)) if text else cls()

    def to_env(self) -> str:
        return json.dumps(dataclasses.asdict(self))


class ExplorerError(ValueError):
    """A user error on the page other than a rule value (a bad name, a file that exists). One line."""


# ---------------------------------------------------------------- values as text


def base_text(base: Params, key: str) -> str:
    """The base scenario's value of ``key`` as text; a dated value is shown as ``6 from 2021-10-22, ...``."""
    if base.is_dated(key):
        entries = base.to_dict()
        for part in key.split("."):
            entries = entries[part]
        return ", ".join(f"{setting_text(v)} ({when})" for when, v in entries["values"].items())
    return setting_text(base.value(key))


def check_text(base: Params, key: str, text: str) -> tuple[object, str]:
    """Read and check one control's text as ``--set KEY=TEXT`` would be, then as the page does
    (:func:`value_problem`).

    Returns:
        ``(value, "")`` with the value as the loader normalised it, or ``(None, message)``: the command
        line's one-line message (without its ``error: `` prefix), else the page's own.
    """
    text = (text or "").strip()
    try:
        key, raw = parse_set(f"{key}={text}")
        if _overflows(text, raw):  # before the loader, whose "must be finite" would not say why
            return None, (
                f"{key}: {text} is too large to be a number (it reads as infinity)"
                + ("; write inf for no limit" if getattr(KEYS.get(key), "inf_ok", False) else "")
            )
        checked = base.with_overrides({key: raw}, source=SOURCE)
    except ScenarioError as err:
        return None, " ".join(str(err).split())
    value = checked.value(key)
    problem = value_problem(key, value)
    return (None, problem) if problem else (value, "")


def _overflows(text: str, raw: object) -> bool:
    """Whether ``text`` is a number written out that reads as infinity (``1e400``), not ``inf`` itself, or a
    whole number beyond any float (400 digits: TOML reads it as a Python int)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return False
    try:
        number = float(raw)
    except OverflowError:
        return True
    return math.isinf(number) and text.lower().lstrip("+-").replace("_", "") != "inf"


def value_problem(key: str, value: object) -> str:
    """What the page refuses in a value the loader accepts (``POSITIVE``), or ""."""
    if key in POSITIVE and isinstance(value, int | float) and not value > 0:
        return f"{key}: must be positive, got {setting_text(value)} ({POSITIVE[key]})"
    return ""


def changed_values(base: Params, texts: Mapping[str, str]) -> tuple[dict[str, object], dict[str, str]]:
    """The controls' texts read against the base scenario.

    Returns:
        ``(changes, errors)``: ``{key: checked value}`` of every key whose value differs from the base's
        (a dated base value counts as different once the user typed a value), and ``{key: message}``
        of every text the loader refuses.
    """
    changes, errors = {}, {}
    for key, text in texts.items():
        if text is None or text.strip() == base_text(base, key):
            continue
        value, error = check_text(base, key, text)
        if error:
            errors[key] = error
        elif base.is_dated(key) or value != base.value(key):
            changes[key] = value
    return changes, errors


def build_variant(base: Params, changes: Mapping[str, object], name: str | None = None) -> Params:
    """The base with ``changes`` applied (checked by the loader), named ``name`` (a saved file's name), or
    by default by the rules themselves (:func:`run_label`): what a run is shown and recorded as."""
    variant = base.variant(dict(changes), source=SOURCE)
    variant.name = run_label(base, changes) if name is None else name
    variant.description = describe_changes(base, changes)
    return variant


def run_label(base: Params, changes: Mapping[str, object]) -> str:
    """The name of a run's variant, from the rules that ran: ``baseline + lease.max_total_years=8, ...``
    (``sim.parameters.variant_name``), or ``baseline + no change``."""
    return variant_name(base.name, changes) if changes else f"{base.name} + no change"


def describe_changes(base: Params, changes: Mapping[str, object]) -> str:
    """``Explored from baseline: lease.max_total_years = 8 (was 6); ...`` (a saved file's description)."""
    if not changes:
        return f"Explored from {base.name}: no change"
    parts = [f"{key} = {setting_text(v)} (was {base_text(base, key)})" for key, v in changes.items()]
    return f"Explored from {base.name}: " + "; ".join(parts)


# ---------------------------------------------------------------- scenario files


def list_scenarios(folder: Path | None = None) -> dict[str, Path]:
    """Scenario files a user can start from: ``folder``'s, then the project's ``scenarios/`` (by name)."""
    found: dict[str, Path] = {}
    for where in (folder, SCENARIOS_DIR):
        if where is None or not Path(where).is_dir():
            continue
        for path in sorted(Path(where).glob("*.toml")):
            found.setdefault(path.stem, path.resolve())
    return found


def scenario_file(name_or_path: str | Path) -> Path:
    """The file of a scenario name (``"baseline"``) or path, as the loader finds it."""
    return sim.parameters.scenario_path(str(name_or_path))


def check_name(name: str) -> str:
    """A scenario name that is also a file name: letters, digits, ``_`` and ``-``, at most ``MAX_NAME``."""
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise ExplorerError(f"name: at most {MAX_NAME} characters, got {len(name)}")
    if not NAME_PATTERN.fullmatch(name):
        raise ExplorerError(
            f'name: "{name}" is not a scenario name '
            "(letters, digits, _ and -, starting with a letter or digit)"
        )
    return name


def save_variant(
    base: Params,
    base_path: Path,
    changes: Mapping[str, object],
    save_dir: Path,
    name: str,
    description: str = "",
    overwrite: bool = False,
) -> Path:
    """Write the variant as ``<save_dir>/<name>.toml`` (a delta on ``base``, read from ``base_path``),
    atomically.

    The file is read back with ``load_scenario`` before this returns: it must give the variant's values.

    Raises:
        ExplorerError: bad name, no change from the base, a value the page refuses
            (:func:`value_problem`), or the file exists and ``overwrite`` is false.
        ScenarioError: a value the loader refuses.
    """
    name = check_name(name)
    if not changes:
        raise ExplorerError("nothing to save: the variant changes no value of its base")
    variant = build_variant(base, changes, name)  # the loader's checks first, as at the controls
    for key, value in changes.items():
        if problem := value_problem(key, value):
            raise ExplorerError(problem)
    save_dir = Path(save_dir)
    save_dir.mkdir(parents=True, exist_ok=True)
    path = save_dir / f"{name}.toml"
    exists = ExplorerError(f"{path}: already exists (choose another name)")
    if path.exists() and not overwrite:
        raise exists
    if path.resolve() == Path(base_path).resolve():
        raise ExplorerError(f"{path}: is the base scenario itself (choose another name)")
    text = delta_toml(
        base_reference(base_path, save_dir),
        name,
        description or variant.description,
        "Policy explorer",
        changes,
    )
    if overwrite:
        atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    elif not _publish_new(path, text):  # another page (or person) saved this name since the check above
        raise exists
    if load_scenario(path).to_dict() != variant.to_dict():  # pragma: no cover - a loader/writer mismatch
        raise ExplorerError(f"{path}: does not read back to the variant's values")
    return path


def _publish_new(path: Path, text: str) -> bool:
    """Write ``path`` only if it does not exist, never replacing a file: the text goes to a temporary file
    that is then hard-linked as ``path`` (whole or not at all); where hard links are not supported, the
    file is created exclusively. Returns False if ``path`` exists."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system
            try:
                with open(path, "x", encoding="utf-8") as f:
                    f.write(text)
            except FileExistsError:
                return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- runs


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    """One pool of worker processes for the whole server, started by ``spawn``: the server's process has
    threads (web server, page sessions), which ``fork`` would copy in an unknown state."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(), {}),  # ignore Ctrl-C (the server handles it), end with the server
            )
        return _POOL


def shutdown_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            for process in list((getattr(_POOL, "_processes", None) or {}).values()):
                process.kill()  # replications in flight are lost, finished ones are in the store
            _POOL.shutdown(wait=True, cancel_futures=True)
            _POOL = None


def _replicate(params: Params, seed: int, store_root: str) -> list[str]:
    """Worker: one replication through the runner, into the result store; returns failure lines."""
    batch = run_tasks(
        [Task(params, seed, label=params.name)], ResultStore(store_root), workers=1, progress=False
    )
    lines = [f.line() for f in batch.failures]
    if batch.store_error:
        lines.append(batch.store_error)
    return lines


class RunFailed(Exception):
    """Some replications failed; ``str`` is one line per failure."""


def run_variant(
    base: Params,
    variant: Params,
    reps: int,
    seed: int,
    store_root: Path | str,
    workers: int = 2,
    on_progress: Callable[[int, int], None] | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> Comparison | None:
    """Run ``reps`` replications of the base and of the variant on seeds ``seed, seed + 1, ...`` (the
    same seeds for both: common random numbers) in worker processes, each kept in the result store as it
    finishes; then compare them with ``analysis.experiments.compare.run_comparison``, which finds them all
    stored.

    Args:
        workers: worker processes of the pool (shared by every run of the server, sized by the first);
            0 runs the replications in this process, one after the other.
        on_progress: called with (replications done, total) after each one.
        keep_going: polled between replications; when it returns False the run stops (what finished
            stays in the store) and None is returned.

    Raises:
        RunFailed: some replications failed (the others are stored).
    """
    store = ResultStore(store_root)
    store.root.mkdir(parents=True, exist_ok=True)
    pairs = [(p, s) for s in range(seed, seed + reps) for p in (base, variant)]
    todo = [(p, s) for p, s in pairs if store.get(Task(p, s).key) is None]
    total, done = len(pairs), len(pairs) - len(todo)
    if on_progress:
        on_progress(done, total)
    failures: list[str] = []
    if todo and workers == 0:  # in this process (tests); the page always uses worker processes
        for p, s in todo:
            failures += _replicate(p, s, str(store.root))
            done += 1
            if on_progress:
                on_progress(done, total)
            if keep_going is not None and not keep_going():
                return None
    elif todo:
        pool = _pool(workers)
        futures = {pool.submit(_replicate, p, s, str(store.root)) for p, s in todo}
        while futures:
            finished, futures = wait(futures, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                try:
                    failures += future.result()
                except Exception as err:  # a worker that died
                    failures.append(f"failed: {type(err).__name__}: {' '.join(str(err).split())}")
                done += 1
                if on_progress:
                    on_progress(done, total)
            if keep_going is not None and not keep_going():
                for future in futures:
                    future.cancel()
                return None
    if failures:
        raise RunFailed("; ".join(failures))
    return run_comparison([base, variant], seed=seed, reps=reps, store=store, workers=1, progress=False)


def run_folder(
    out_root: Path | str, names: list[str], changes: Mapping[str, object], reps: int, seed: int
) -> Path:
    """A new, empty folder for one run's comparison and briefing, made here and by no one else:
    ``<out_root>/<base>-vs-<variant>-<hash of the names, changes, reps and seeds>-<n>``, ``n`` counting the
    runs of the same inputs. Each run has its own, so that runs (of this page or of other pages) never write
    into each other's folder. The names are cut to a file name's safe characters and length (a run's label,
    :func:`run_label`, has spaces and may be long); the hash keeps folders of different runs apart."""
    what = [list(names), sorted((k, setting_text(v)) for k, v in changes.items()), reps, seed]
    digest = hashlib.sha256(json.dumps(what).encode()).hexdigest()[:8]
    root = Path(out_root)
    root.mkdir(parents=True, exist_ok=True)
    stem = f"{safe_name(names[0], 30)}-vs-{safe_name(names[1], 60)}-{digest}"
    n = len(list(root.glob(f"{stem}-*"))) + 1
    while True:
        folder = root / f"{stem}-{n}"
        try:
            folder.mkdir()  # atomic: of two runs making the same folder, one gets FileExistsError
            return folder
        except FileExistsError:
            n += 1


# ---------------------------------------------------------------- charts and briefing

_DRAW_LOCK = threading.Lock()  # matplotlib's rcParams (fonts by language) are global: one drawing at a time


def chart_figures(cmp: Comparison, base: Params, lang: str) -> dict:
    """The briefing's charts (``analysis.reporting.charts``) of the comparison: waiting list over time, waits
    (mean, median, 90th percentile per seed), mean wait with its 95 % CI and paired difference, and wait
    by group (who gains, who loses)."""
    info = ScenarioInfo.from_params(base, cmp.names[0])
    colours = scenario_colours(cmp.names)
    reps = cmp.replications
    return {
        "waiting_list": waiting_list_chart(
            cmp.daily,
            lang,
            colours,
            **supply_marks(info),
        ),
        "wait_stats": wait_stats_chart(reps, lang, colours),
        "mean_wait": mean_wait_chart(reps, lang, colours),
        "wait_by_group": group_wait_chart(reps, lang, colours, min_cell=info.min_cell),
    }


def chart_images(cmp: Comparison, base: Params, lang: str, dpi: int = CHART_DPI) -> dict[str, bytes]:
    """:func:`chart_figures` as PNG bytes."""
    with _DRAW_LOCK:
        out = {}
        for name, fig in chart_figures(cmp, base, lang).items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
            out[name] = buf.getvalue()
        return out


def make_briefing(compare_dir: Path, base: Params, variant: Params, lang: str) -> Path:
    """The briefing pack (``analysis.reporting.briefing``) of the variant against the base; returns the
    PDF."""
    from ..reporting.briefing import build_briefing

    with _DRAW_LOCK:
        return build_briefing(compare_dir, lang, compare_dir, params=[base, variant])


# ---------------------------------------------------------------- the server


def serve(options: Options, host: str = "127.0.0.1", port: int = 8765, announce=print) -> None:
    """Serve the page (``analysis.explorer``) at ``http://host:port/`` until Ctrl-C or SIGTERM, with
    uvicorn and Solara's Starlette app, as ``solara run`` does. The options reach the page through the
    environment, set before the page's module is imported."""
    os.environ[OPTIONS_ENV] = options.to_env()
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no calls home: works offline
    os.environ.setdefault("SOLARA_MODE", "production")
    os.environ["SOLARA_APP"] = "analysis.explorer.app"
    os.environ["SOLARA_ASSETS_EXTRA_LOCATIONS"] = str(font_path().parent)  # the CJK font of the page
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    import uvicorn

    # plain http on this machine: Solara falls back to samesite=lax cookies, which is right here
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)

    def announce_when_up() -> None:  # the address, once the page can be opened
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            announce(f"policy explorer: http://{host}:{port}/ (Ctrl-C to stop)")

    threading.Thread(target=announce_when_up, name="announce", daemon=True).start()
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has stopped
        pass
    finally:
        shutdown_pool()
    announce("policy explorer stopped")
