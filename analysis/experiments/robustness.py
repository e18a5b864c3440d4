"""Robustness of a comparison to what the scenario had to assume: BASE and VARIANT run on common seeds
at points sampled over the plausible ranges of the assumed inputs (a ranges file, ``studies/ranges.toml``),
and the paired difference of each figure is screened (Morris) and decomposed (Sobol).

A ranges file names, section by section as a scenario does, a range for each assumed key: ``low``,
``high`` and a distribution (``uniform``, ``loguniform``, ``triangular`` with ``mode``), or a list of
``values``; an entry of a table-valued key (``"kind_shares.single"``, ``"mix.two_bed.share"``) is ranged on
its own, the other shares of its table rescaled so that they still add up to 1. ``when`` makes a range
apply only where the rules let the key matter (``{"allocation.mechanism" = ["points"]}``). Every other
assumed key, a key the two scenarios set differently (a policy lever, not an assumption), and a dated key
are held at each scenario's value and listed as held (:attr:`Study.held`).

Designs and indices are SALib's: the inputs live on the unit cube and a sample maps to each range by its
distribution, so a Morris elementary effect is the change of a figure when the input moves across its whole
plausible range. Replication noise is kept from posing as sensitivity by one more input, the noise input:
it enters no rule but moves the seeds. At each of its levels every point runs the same seeds (common random
numbers across the design), so an input that does not enter the model has effects of exactly 0, while the
noise input's indices are what a difference of seeds alone produces: the noise floor every input is read
against.

    study = plan_study(base, variant, load_ranges("studies/ranges.toml"), method="morris", samples=10)
    result = run_study(study, seed=1, reps=1, store=ResultStore())
    result.indices      # INDEX_COLUMNS
    result.holds        # HOLD_COLUMNS: the share of plausible worlds where the conclusion holds
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import sim
from sim import ScenarioError
from sim.parameters import SECTIONS, describe_value, read_toml
from sim.schema import FAMILY_SIZES, KEYS, SHARE_TABLE, UNIT_MIX

from ..stats import t_interval
from .outputs import assumed_inputs
from .runner import MAX_SEED, Failure, ResultStore, Task, run_tasks
from .sweep import show_value

RANGES_FILE = Path("studies/ranges.toml")
HELD_NOTE = re.compile(
    r"^# held: ([\w.]+): (.+(?:\n#  +.+)*)", re.MULTILINE
)  # an assumed key left unranged, and why
NOISE = "noise"  # the noise input's name in every table
METHODS = ("morris", "sobol")
DISTS = ("uniform", "loguniform", "triangular")
LEVELS = 4  # Morris grid levels: the unit interval at 0, 1/3, 2/3, 1
NOISE_BLOCKS = {"morris": LEVELS, "sobol": 1024}  # seed blocks the noise input chooses between
MEASURES = ("difference", "base", "variant")
RANGE_FIELDS = ("low", "high", "dist", "mode", "values", "reason", "settled_by", "group", "when")
INDEX_COLUMNS = (
    "figure",
    "measure",
    "method",
    "input",
    "rank",
    "mu_star",
    "mu_star_ci_low",
    "mu_star_ci_high",
    "mu",
    "sigma",
    "S1",
    "S1_ci_low",
    "S1_ci_high",
    "ST",
    "ST_ci_low",
    "ST_ci_high",
    "noise_floor",
    "above_noise",
)
HOLD_COLUMNS = (
    "figure",
    "method",
    "center_difference",
    "center_ci_low",
    "center_ci_high",
    "center_significant",
    "sign",
    "share",
    "share_ci_low",
    "share_ci_high",
    "points",
    "clusters",
    "difference_min",
    "difference_p05",
    "difference_median",
    "difference_p95",
    "difference_max",
)


class RobustnessError(ValueError):
    """A study that cannot run as asked (nothing to range, a bad option). One line."""


# ---------------------------------------------------------------- the ranges file


@dataclass(frozen=True)
class Range:
    """The plausible range of one assumed input: a key, or an entry of a table-valued key."""

    name: str  # as the file names it: "arrivals.kind_shares.single"
    key: str  # the scenario key: "arrivals.kind_shares"
    entry: tuple[str, ...]  # the entry within its value: ("single",), ("two_bed", "share"), or ()
    reason: str
    settled_by: str
    low: float | None = None
    high: float | None = None
    dist: str = "uniform"
    mode: float | None = None
    values: tuple = ()
    group: str = ""
    when: tuple[tuple[str, tuple, bool], ...] = ()  # (key, values, negated): any scenario meeting all

    def sample(self, u: float) -> object:
        """The input's value at ``u`` in [0, 1]: the distribution's quantile, or one of ``values``."""
        if self.values:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        low, high = float(self.low), float(self.high)
        if self.dist == "loguniform":
            x = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        elif self.dist == "triangular":
            c = (float(self.mode) - low) / (high - low)
            x = float(stats.triang.ppf(u, c, loc=low, scale=high - low))
        else:
            x = low + u * (high - low)
        return round(x) if KEYS[self.key].whole else float(x)

    def applies(self, scenarios: list[sim.Params]) -> bool:
        """Whether the rules of some scenario let the input matter (``when``)."""
        return any(
            all((p.value(key) in values) != negated for key, values, negated in self.when) for p in scenarios
        )

    def condition(self) -> str:
        return " and ".join(
            f"{key} {'not in' if negated else 'in'} {list(values)}" for key, values, negated in self.when
        )

    def shown(self) -> str:
        """The range as the tables show it: ``1200–2600 (loguniform)`` or ``batch | unit``."""
        if self.values:
            return " | ".join(show_value(v) for v in self.values)
        tail = f", mode {show_value(self.mode)}" if self.dist == "triangular" else ""
        dist = "" if self.dist == "uniform" else f" ({self.dist}{tail})"
        return f"{show_value(self.low)}–{show_value(self.high)}{dist}"


@dataclass
class Ranges:
    source: str
    ranges: list[Range]
    description: str = ""
    #: ``{key: why}`` from the file's ``# held: key: why`` lines: assumed keys deliberately left unranged
    notes: dict[str, str] = field(default_factory=dict)


def _split(section: str, name: str) -> tuple[str, tuple[str, ...]]:
    """``("arrivals", "kind_shares.single")`` -> ``("arrivals.kind_shares", ("single",))``."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join([section, *parts[:n]])
        if key in KEYS:
            return key, tuple(parts[n:])
    raise KeyError(name)


def _entry_value(value: object, entry: tuple[str, ...]) -> object:
    """The entry of a table-valued key's value (:func:`_key_of` each part). Raises KeyError naming the
    part that is missing."""
    for part in entry:
        if not isinstance(value, dict) or not any(str(k) == part for k in value):
            raise KeyError(part)
        value = value[_key_of(value, part)]
    return value


def load_ranges(path: str | Path, reference: sim.Params | None = None) -> Ranges:
    """Read and check a ranges file: each range's fields, and each end and value set on ``reference``
    (default the baseline) by the scenario loader itself.

    Raises:
        ScenarioError: one line ``<file>: <section.key>: <problem>``.
    """
    path = Path(path)
    source = str(path)
    doc = read_toml(path, source, kind="ranges")
    reference = reference or sim.load_scenario("baseline")
    out = []
    for section, table in doc.items():
        if section == "description":
            continue
        if section != "ranges" or not isinstance(table, dict):
            raise ScenarioError(
                f"{source}: {section}: unknown key (a ranges file holds description and [ranges.<section>] "
                "tables)"
            )
        for sect, entries in table.items():
            if sect not in SECTIONS or not isinstance(entries, dict):
                raise ScenarioError(f"{source}: ranges.{sect}: not a section of a scenario")
            for name, spec in entries.items():
                out.append(_range(source, sect, name, spec, reference))
    names = [r.name for r in out]
    for r in out:
        if _is_share(r) and sum(o.key == r.key and _is_share(o) for o in out) > 1:
            raise ScenarioError(
                f"{source}: {r.name}: range one share of {r.key} at most (the others are rescaled)"
            )
        if not r.entry and any(o.key == r.key and o.entry for o in out):
            raise ScenarioError(f"{source}: {r.name}: ranged both whole and by its entries")
    if len(set(names)) != len(names):
        raise ScenarioError(f"{source}: a key is ranged twice")
    if not out:
        raise ScenarioError(f"{source}: no ranges")
    notes = {k: " ".join(v.replace("#", " ").split()) for k, v in HELD_NOTE.findall(path.read_text("utf-8"))}
    return Ranges(source, out, str(doc.get("description", "")), notes)


def _is_share(r: Range) -> bool:
    """Whether ``r`` ranges one share of a table of shares (the others rescaled to keep the sum at 1)."""
    if not r.entry:
        return False
    kind = KEYS[r.key].type
    return kind in (SHARE_TABLE, FAMILY_SIZES) or (kind == UNIT_MIX and r.entry[-1:] == ("share",))


def _range(source: str, section: str, name: str, spec: object, reference: sim.Params) -> Range:
    where = f"{source}: {section}.{name}"
    try:
        key, entry = _split(section, name)
    except KeyError:
        raise ScenarioError(f"{where}: not a key of the scenario") from None
    if not isinstance(spec, dict):
        raise ScenarioError(
            f"{where}: expected a table {{low, high, reason, settled_by}}, got {describe_value(spec)}"
        )
    unknown = set(spec) - set(RANGE_FIELDS)
    if unknown:
        raise ScenarioError(
            f"{where}: {sorted(unknown)[0]}: unknown field (a range has {', '.join(RANGE_FIELDS)})"
        )
    for text in ("reason", "settled_by"):
        if not isinstance(spec.get(text), str) or not spec[text].strip():
            raise ScenarioError(
                f"{where}: {text}: missing (one line: "
                f"{'why this range' if text == 'reason' else 'what data would settle it'})"
            )
    try:
        _entry_value(reference.value(key), entry)
    except KeyError as err:
        raise ScenarioError(f"{where}: {key} has no entry {err.args[0]}") from None
    when = []
    for cond_key, cond in dict(spec.get("when", {})).items():
        if cond_key not in KEYS:
            raise ScenarioError(f"{where}: when: {cond_key}: not a key of the scenario")
        negated = isinstance(cond, dict)
        values = cond.get("not") if negated else cond
        if not isinstance(values, list) or not values or (negated and set(cond) != {"not"}):
            raise ScenarioError(f"{where}: when: {cond_key}: expected a list of values or {{not = [values]}}")
        when.append((cond_key, tuple(values), negated))
    common = dict(
        name=f"{section}.{name}",
        key=key,
        entry=entry,
        reason=spec["reason"].strip(),
        settled_by=spec["settled_by"].strip(),
        group=str(spec.get("group", "")),
        when=tuple(when),
    )
    if "values" in spec:
        if set(spec) & {"low", "high", "dist", "mode"}:
            raise ScenarioError(f"{where}: give values or low and high, not both")
        values = spec["values"]
        if not isinstance(values, list) or len(values) < 2:
            raise ScenarioError(f"{where}: values: expected a list of at least two values")
        r = Range(values=tuple(values), **common)
    else:
        for end in ("low", "high"):
            if not isinstance(spec.get(end), int | float) or isinstance(spec.get(end), bool):
                raise ScenarioError(f"{where}: {end}: missing or not a number")
        low, high = float(spec["low"]), float(spec["high"])
        if not low < high:
            raise ScenarioError(
                f"{where}: low must be below high, got {show_value(spec['low'])} and "
                f"{show_value(spec['high'])}"
            )
        dist = spec.get("dist", "uniform")
        if dist not in DISTS:
            raise ScenarioError(
                f"{where}: dist: expected one of {', '.join(DISTS)}, got {describe_value(dist)}"
            )
        if dist == "loguniform" and low <= 0:
            raise ScenarioError(f"{where}: a loguniform range needs low above 0")
        mode = spec.get("mode")
        if (dist == "triangular") != (mode is not None):
            raise ScenarioError(f"{where}: mode: give it with a triangular range only")
        if mode is not None and not low <= float(mode) <= high:
            raise ScenarioError(f"{where}: mode must lie between low and high, got {show_value(mode)}")
        r = Range(low=spec["low"], high=spec["high"], dist=dist, mode=mode, **common)
    ends = r.values or (r.sample(0.0), r.sample(1.0))
    for value in ends:  # the loader's own check of each end, on the reference
        reference.with_overrides(
            {key: set_entry(reference.value(key), entry, value, _is_share(r))}, source=where
        )
    return r


def set_entry(whole: object, entry: tuple[str, ...], value: object, rescale: bool) -> object:
    """``whole`` with ``entry`` set to ``value``. With ``rescale`` the entry is a share: the other shares of
    its table (in a unit mix, the ``share`` of each other type) are scaled to keep the sum at 1."""
    if not entry:
        return value
    whole = copy.deepcopy(whole)
    if rescale and len(entry) == 2:  # a unit mix: {type: {share, living_area_m2}}
        kind, leaf = entry
        shares = _rescaled({k: v[leaf] for k, v in whole.items()}, _key_of(whole, kind), value)
        for k, share in shares.items():
            whole[k][leaf] = share
        return whole
    node = whole
    for part in entry[:-1]:
        node = node[_key_of(node, part)]
    target = _key_of(node, entry[-1])
    node.update(_rescaled(node, target, value) if rescale else {target: value})
    return whole


def _rescaled(shares: dict, target: object, value: float) -> dict:
    """``shares`` with ``target`` at ``value`` and the others scaled in proportion to sum to 1."""
    others = [k for k in shares if k != target]
    rest = sum(shares[k] for k in others)
    out = {
        k: float(shares[k] * (1 - value) / rest if rest > 0 else (1 - value) / len(others)) for k in others
    }
    return {k: value if k == target else out[k] for k in shares}


def _key_of(table: dict, part: str) -> object:
    """The key of ``table`` written ``part`` (a family size's entries are numbers: ``3``)."""
    return next(k for k in table if str(k) == part)


# ---------------------------------------------------------------- the study


@dataclass
class Study:
    """The checked study: which inputs are ranged and which held (and why), and the design."""

    base: sim.Params
    variant: sim.Params
    ranges: Ranges
    inputs: list[Range]  # ranged, in the file's order
    held: list[tuple[str, str]]  # (key or range name, why it is held)
    method: str
    samples: int
    grouped: bool
    design: np.ndarray  # rows of the unit cube: one column per input, then the noise input
    problem: dict  # SALib's problem
    block: int  # rows per trajectory (Morris) or per base sample (Sobol)
    _points: dict[int, tuple[sim.Params, sim.Params]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.inputs] + [NOISE]

    @property
    def factors(self) -> list[str]:
        """What the indices are given for: the inputs, or their groups, then the noise input."""
        return list(dict.fromkeys(self.problem.get("groups") or self.names))

    def cluster(self, point: int) -> int:
        return point // self.block

    def values(self, point: int) -> dict[str, object]:
        """The inputs' values at a design point; in a study of groups, also each group's mean position
        in its inputs' ranges (0 every input at its low end, 1 at its high end)."""
        row = self.design[point]
        out = {r.name: r.sample(u) for r, u in zip(self.inputs, row, strict=False)}
        if self.grouped:
            groups = self.problem["groups"][:-1]
            for group in dict.fromkeys(groups):
                out[group] = float(np.mean([u for g, u in zip(groups, row, strict=False) if g == group]))
        return out

    def noise_block(self, point: int) -> int:
        blocks = NOISE_BLOCKS[self.method]
        return min(int(self.design[point, -1] * blocks), blocks - 1)

    def seeds(self, point: int, seed: int, reps: int) -> list[int]:
        """A point's seeds: its noise input's block of ``reps`` seeds (the center's is block 0)."""
        first = seed + (self.noise_block(point) * reps if point >= 0 else 0)
        return list(range(first, first + reps))

    def scenarios(self, point: int) -> tuple[sim.Params, sim.Params]:
        """BASE and VARIANT with the inputs at the point's values (the scenarios themselves at -1)."""
        if point < 0:
            return self.base, self.variant
        if point not in self._points:
            settings: dict[str, object] = {}
            for r, u in zip(self.inputs, self.design[point], strict=False):
                whole = settings.get(r.key, self.base.value(r.key))
                settings[r.key] = set_entry(whole, r.entry, r.sample(u), _is_share(r))
            pair = []
            for params in (self.base, self.variant):
                try:
                    moved = params.with_overrides(settings, source=self.ranges.source)
                except ScenarioError as err:
                    raise RobustnessError(f"{err} (at design point {point})") from None
                moved.name = params.name
                pair.append(moved)
            self._points[point] = (pair[0], pair[1])
        return self._points[point]


def held_inputs(
    base: sim.Params, variant: sim.Params, ranges: Ranges
) -> tuple[list[Range], list[tuple[str, str]]]:
    """The ranges that apply to BASE vs VARIANT, and every assumed key or range held, with why."""
    levers = {k for k in base.keys() if base.setting(k) != variant.setting(k)}
    ranged, held = [], []
    for r in ranges.ranges:
        if r.key in levers:
            held.append((r.name, f"set differently by {base.name} and {variant.name}: the policy compared"))
        elif base.is_dated(r.key) or variant.is_dated(r.key):
            held.append((r.name, "dated in the scenario: its dates are kept"))
        elif not r.applies([base, variant]):
            held.append((r.name, f"does not enter these rules (ranged only when {r.condition()})"))
        else:
            ranged.append(r)
    covered = {r.key for r in ranges.ranges}
    for key, _ in assumed_inputs(base):
        if key not in covered:
            why = ranges.notes.get(key)
            held.append((key, f"held in {ranges.source}: {why}" if why else f"no range in {ranges.source}"))
    return ranged, held


def plan_study(
    base: sim.Params,
    variant: sim.Params,
    ranges: Ranges,
    method: str = "morris",
    samples: int = 10,
    seed: int = 1,
    grouped: bool = False,
    only: list[str] | None = None,
) -> Study:
    """The design of a study of VARIANT against BASE: SALib's Morris trajectories (``samples`` of them,
    :data:`LEVELS` levels) or Sobol sequence (``samples`` base rows, first and total indices) on the
    unit cube of the ranged inputs and the noise input, each point checked as a scenario. ``only``
    restricts the ranged inputs to those names (a Sobol stage after the screening); ``grouped`` moves the
    inputs of a ``group`` together (Morris screening of groups).

    Raises:
        RobustnessError: nothing to range, a bad option, or a point the scenario loader refuses.
    """
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method not in METHODS:
        raise RobustnessError(f"--method: expected one of {', '.join(METHODS)}, got {method}")
    ranged, held = held_inputs(base, variant, ranges)
    if only is not None:
        held += [
            (r.name, "left out of this stage (--only, or not kept by the screening)")
            for r in ranged
            if r.name not in only
        ]
        ranged = [r for r in ranged if r.name in only]
    if not ranged:
        raise RobustnessError(f"{ranges.source}: no range applies to {base.name} vs {variant.name}")
    names = [r.name for r in ranged] + [NOISE]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if grouped:
        problem["groups"] = [r.group or r.name for r in ranged] + [NOISE]
    factors = len(set(problem.get("groups") or names))
    if method == "morris":
        if samples < 2:
            raise RobustnessError("--samples: Morris needs at least 2 trajectories")
        design = morris_sample.sample(problem, samples, num_levels=LEVELS, seed=seed)
        block = factors + 1
    else:
        if samples < 2 or samples & (samples - 1):
            raise RobustnessError(f"--samples: Sobol needs a power of 2 of at least 2, got {samples}")
        design = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
        block = factors + 2
    study = Study(
        base, variant, ranges, ranged, held, method, samples, grouped, np.asarray(design), problem, block
    )
    for point in range(len(study.design)):
        study.scenarios(point)  # every point checked before anything runs
    return study


# ---------------------------------------------------------------- running and the indices


@dataclass
class StudyResult:
    study: Study
    seed: int
    reps: int
    center_reps: int
    figures: list[str]
    replications: pd.DataFrame  # point, scenario (base|variant), seed, every figure
    points: pd.DataFrame  # point, cluster, figure, base, variant, difference, n
    indices: pd.DataFrame  # INDEX_COLUMNS
    holds: pd.DataFrame  # HOLD_COLUMNS
    clusters: int = 0  # complete trajectories / base rows analysed
    total: int = 0
    reused: int = 0
    computed: int = 0
    ignored: int = 0
    busy_seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    backend: str = ""

    def inputs_table(self) -> pd.DataFrame:
        """Every range and held key: ``input, key, status, range, reason, settled_by, group``."""
        rows = [
            (r.name, r.key, "ranged", r.shown(), r.reason, r.settled_by, r.group) for r in self.study.inputs
        ]
        by_name = {r.name: r for r in self.study.ranges.ranges}
        for name, why in self.study.held:
            r = by_name.get(name)
            rows.append(
                (
                    name,
                    r.key if r else name,
                    "held",
                    r.shown() if r else "",
                    why,
                    r.settled_by if r else "",
                    r.group if r else "",
                )
            )
        return pd.DataFrame(
            rows, columns=["input", "key", "status", "range", "reason", "settled_by", "group"]
        )


def study_tasks(
    study: Study, seed: int, reps: int, center_reps: int
) -> dict[tuple[int, int], tuple[Task, Task]]:
    """``{(point, seed): (BASE's task, VARIANT's)}``: the scenarios' own values are point -1."""
    tasks = {}
    for point in [-1, *range(len(study.design))]:
        pair = study.scenarios(point)
        where = "the scenarios' own values" if point < 0 else f"design point {point}"
        for s in study.seeds(point, seed, center_reps if point < 0 else reps):
            tasks[point, s] = tuple(Task(p, s, label=f"{p.name} at {where}") for p in pair)
    return tasks


def check_seeds(study: Study, seed: int, reps: int, center_reps: int) -> str | None:
    last = seed + max(NOISE_BLOCKS[study.method] * reps, center_reps) - 1
    return (
        None
        if last <= MAX_SEED
        else f"must be at most {MAX_SEED - last + seed} (this study's seeds reach {last - seed} above it)"
    )


def run_study(
    study: Study,
    seed: int = 1,
    reps: int = 1,
    figures: list[str] | None = None,
    center_reps: int = 10,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    recompute: bool = False,
) -> StudyResult:
    """Run BASE and VARIANT at the scenarios' own values (``center_reps`` seeds) and at every design point
    (``reps`` seeds, chosen by the noise input), each pair on the same seeds; then the indices and the
    share of points where each figure's difference keeps the sign it has at the scenarios' own values."""
    tasks = study_tasks(study, seed, reps, center_reps)
    batch = run_tasks(
        [t for pair in tasks.values() for t in pair],
        store,
        workers,
        scheduler,
        progress,
        desc=f"robustness ({study.method})",
        recompute=recompute,
    )
    figures = list(figures or [])
    result = StudyResult(
        study,
        seed,
        reps,
        center_reps,
        figures,
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame(),
        total=batch.total,
        reused=batch.reused,
        computed=batch.computed,
        ignored=batch.ignored,
        busy_seconds=batch.busy_seconds,
        failures=batch.failures,
        interrupted=batch.interrupted,
        backend=batch.backend,
    )
    _assemble(result, tasks, batch.results)
    return result


def _assemble(result: StudyResult, tasks: dict, results: dict) -> None:
    study, rows = result.study, []
    for (point, s), pair in tasks.items():
        found = [results.get(task.key) for task in pair]
        if all(f is not None for f in found):
            for scenario, (summary, _) in zip(("base", "variant"), found, strict=True):
                rows.append({"point": point, "scenario": scenario, "seed": s, **summary})
    reps = pd.DataFrame(rows)
    if reps.empty:
        return
    reps["seed"] = reps["seed"].astype("int64")
    result.replications = reps
    figures = result.figures or [c for c in reps.columns if c not in ("point", "scenario", "seed")]
    result.figures = figures
    pairs = reps[reps["scenario"] == "base"].merge(
        reps[reps["scenario"] == "variant"], on=["point", "seed"], suffixes=("", "@variant")
    )
    rows = []
    for figure in figures:
        b, v = pairs[figure].astype(float), pairs[f"{figure}@variant"].astype(float)
        per_point = pd.DataFrame({"point": pairs["point"], "base": b, "variant": v, "difference": v - b})
        table = per_point.groupby("point").mean()
        table["n"] = per_point.groupby("point").size()
        table.insert(0, "figure", figure)
        rows.append(table.reset_index())
    points = pd.concat(rows, ignore_index=True)
    expected = {p: result.reps for p in range(len(study.design))}
    complete = points[points["point"] >= 0].groupby("point")["n"].min()
    full_points = {p for p, n in complete.items() if n >= expected[p]}
    clusters = sorted(
        c
        for c in {study.cluster(p) for p in range(len(study.design))}
        if all(p in full_points for p in range(c * study.block, (c + 1) * study.block))
    )
    points.insert(1, "cluster", [study.cluster(p) if p >= 0 else -1 for p in points["point"]])
    result.points = points
    result.clusters = len(clusters)
    center = reps[reps["point"] == -1]
    keep = (
        np.concatenate([np.arange(c * study.block, (c + 1) * study.block) for c in clusters])
        if clusters
        else np.array([], int)
    )
    index_rows, hold_rows = [], []
    for figure in figures:
        mine = points[(points["figure"] == figure) & (points["point"] >= 0)].set_index("point")
        c_diff = (
            center[center["scenario"] == "variant"].set_index("seed")[figure]
            - center[center["scenario"] == "base"].set_index("seed")[figure]
        ).dropna()
        hold_rows.append(hold_row(figure, study, c_diff.to_numpy(float), mine, keep))
        if len(clusters) < 2:
            continue
        for measure in MEASURES:
            y = mine.loc[keep, measure].to_numpy(float)
            index_rows += index_rows_of(study, figure, measure, keep, y)
    result.holds = pd.DataFrame(hold_rows, columns=list(HOLD_COLUMNS))
    result.indices = pd.DataFrame(index_rows, columns=list(INDEX_COLUMNS))


def hold_row(figure: str, study: Study, center: np.ndarray, mine: pd.DataFrame, keep: np.ndarray) -> tuple:
    """Does the conclusion hold? The difference at the scenarios' own values (mean, 95 % CI), its sign,
    and the share of analysed points where the mean difference has that sign: a 95 % Clopper–Pearson
    interval counting each trajectory (base row) as one draw, since the points of one are not
    independent."""
    mean, low, high, _, _ = t_interval(center) if len(center) else (math.nan,) * 5
    sign = float(np.sign(mean)) if np.isfinite(mean) else math.nan
    d = mine.loc[keep, "difference"].to_numpy(float) if len(keep) else np.array([])
    clusters = len(keep) // study.block if len(keep) else 0
    if len(d) and sign != 0 and np.isfinite(sign):
        share = float(np.mean(np.sign(d) == sign))
        x = share * clusters
        share_low = float(stats.beta.ppf(0.025, x, clusters - x + 1)) if x > 0 else 0.0
        share_high = float(stats.beta.ppf(0.975, x + 1, clusters - x)) if x < clusters else 1.0
    else:
        share = share_low = share_high = math.nan
    q = np.percentile(d, [0, 5, 50, 95, 100]) if len(d) else [math.nan] * 5
    significant = bool(np.isfinite(low) and (low > 0 or high < 0))
    return (
        figure,
        study.method,
        mean,
        low,
        high,
        significant,
        sign,
        share,
        share_low,
        share_high,
        len(d),
        clusters,
        *q,
    )


def index_rows_of(study: Study, figure: str, measure: str, keep: np.ndarray, y: np.ndarray) -> list[tuple]:
    """The indices of one figure's measure over the analysed points: Morris μ*, μ, σ (μ* with its 95 %
    bootstrap CI), or Sobol first-order and total indices with their 95 % bootstrap CIs (SALib), ranked;
    the noise input's value is every factor's ``noise_floor``."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    nan = math.nan
    factors = study.factors
    if np.ptp(y) == 0:  # no point differs: every index is 0 (SALib would divide by a zero variance)
        zeros = {name: 0.0 for name in factors}
        out = dict(
            mu_star=zeros,
            mu_star_conf=zeros,
            mu=zeros,
            sigma=zeros,
            S1=zeros,
            S1_conf=zeros,
            ST=zeros,
            ST_conf=zeros,
        )
    elif study.method == "morris":
        res = morris_analyze.analyze(
            study.problem, study.design[keep], y, num_levels=LEVELS, num_resamples=1000, seed=1
        )
        out = {
            k: dict(zip(res["names"], res[k], strict=True))
            for k in ("mu_star", "mu_star_conf", "mu", "sigma")
        }
    else:
        res = sobol_analyze.analyze(study.problem, y, calc_second_order=False, num_resamples=1000, seed=1)
        out = {k: dict(zip(factors, res[k], strict=True)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    score = "mu_star" if study.method == "morris" else "ST"
    floor = float(out[score][NOISE])
    ranked = sorted(factors, key=lambda n: -abs(float(out[score][n])) if n != NOISE else math.inf)
    rows = []
    for rank, name in enumerate(ranked, start=1):

        def get(k: str, name: str = name) -> float:
            return float(out[k][name]) if k in out else nan

        conf = get("mu_star_conf") if study.method == "morris" else get("ST_conf")
        value = get(score)
        rows.append(
            (
                figure,
                measure,
                study.method,
                name,
                rank if name != NOISE else 0,
                get("mu_star"),
                max(0.0, get("mu_star") - get("mu_star_conf")),  # μ* is a mean of absolute values
                get("mu_star") + get("mu_star_conf"),
                get("mu"),
                get("sigma"),
                get("S1"),
                get("S1") - get("S1_conf"),
                get("S1") + get("S1_conf"),
                get("ST"),
                get("ST") - get("ST_conf"),
                get("ST") + get("ST_conf"),
                floor,
                bool(name != NOISE and value - conf > floor),
            )
        )
    return rows


def named_inputs(ranges: Ranges, names: list[str]) -> list[str]:
    """The ranges ``names`` means: each an input's name or a group's (all its inputs).

    Raises:
        RobustnessError: a name that is neither.
    """
    out = []
    for name in names:
        found = [r.name for r in ranges.ranges if name in (r.name, r.group)]
        if not found:
            groups = ", ".join(sorted({r.group for r in ranges.ranges if r.group}))
            raise RobustnessError(
                f"--only: {name}: neither an input of {ranges.source} nor a group ({groups})"
            )
        out += found
    return list(dict.fromkeys(out))


def kept_inputs(screening: StudyResult, keep: int) -> list[str]:
    """The inputs the screening keeps for the Sobol stage: those above the noise floor on some figure's
    difference, by their best rank, at most ``keep``; at least the top one."""
    idx = screening.indices[(screening.indices["measure"] == "difference") & (screening.indices["rank"] > 0)]
    above = idx[idx["above_noise"]].groupby("input")["rank"].min().sort_values()
    chosen = list(above.index[:keep]) or list(idx.groupby("input")["rank"].min().sort_values().index[:1])
    names = {r.name for r in screening.study.inputs}
    if screening.study.grouped:  # a kept group keeps its inputs
        return [r.name for r in screening.study.inputs if (r.group or r.name) in chosen]
    return [n for n in chosen if n in names]


@dataclass
class Tally:
    """The replications of every stage of a study together (what the closing lines report)."""

    results: list[StudyResult]

    def __getattr__(self, name: str):
        if name in ("reused", "computed", "ignored", "total"):
            return sum(getattr(r, name) for r in self.results)
        if name == "failures":
            return [f for r in self.results for f in r.failures]
        if name == "interrupted":
            return any(r.interrupted for r in self.results)
        if name == "backend":
            return self.results[-1].backend
        raise AttributeError(name)
