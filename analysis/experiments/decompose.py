"""Decompose a reform's effect between its changes: each change alone, the changes added one after
another, and each change's Shapley share of the total, on common seeds.

A change is a key REFORM resolves differently from BASE (a dated value counts as a change, dates and
all), or a group of such keys the reform file names in its ``[changes]`` table
(``sim.parameters.CHANGES``). A subset ``S`` of the changes is BASE with the keys of ``S`` set to REFORM's
values; the subset of every change resolves to REFORM's rules, so its replications are REFORM's in the
result store. Every subset runs on the seeds ``seed, seed + 1, ...``, so the differences between subsets
are paired seed by seed, as in ``compare``.

With ``k`` changes, up to :data:`MAX_EXACT` of them, every one of the ``2**k`` subsets runs and the
Shapley shares are exact (``analysis.stats.shapley_exact``); with more, each replication draws
``permutations`` random orders of the changes (seeded by the replication's seed) and runs the subsets
they pass through (``analysis.stats.shapley_sampled``). Either way the shares are computed seed by seed,
sum to the seed's total effect, and their 95 % CIs are Student's t across seeds.

    plan = plan_decomposition(base, reform, order=["review.working_days"])
    dec = run_decomposition(plan, seed=1, reps=20, store=ResultStore())
    dec.table          # decomposition.csv: DECOMPOSITION_COLUMNS
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import sim
from sim import ScenarioError
from sim.parameters import DATA_KEYS, data_path

from ..stats import permutation_subsets, shapley_exact, shapley_sampled, t_interval
from .compare import PRECISION_FIGURE, figure_order, in_rounds
from .runner import Failure, ResultStore, Task

MAX_EXACT = 8  # changes up to which every subset runs (2**8 = 256 subsets)
PERMUTATIONS = 10  # random orders of the changes per replication when sampled
PERMUTATION_SALT = 0x5A4C  # mixed with a replication's seed to draw its orders (numpy SeedSequence)
TOTAL, INTERACTION = "total", "interaction"
DECOMPOSITION_COLUMNS = (
    "figure",
    "change",
    "keys",
    "alone",
    "alone_ci_low",
    "alone_ci_high",
    "step_order",
    "step",
    "step_ci_low",
    "step_ci_high",
    "shapley",
    "shapley_ci_low",
    "shapley_ci_high",
    "method",
    "reps",
)


class DecompositionError(ValueError):
    """A reform that cannot be decomposed as asked (no changes, a bad ``--order``). One line."""


@dataclass(frozen=True)
class Change:
    """One change of a reform: its name (the key's, or the ``[changes]`` group's) and its keys."""

    name: str
    keys: tuple[str, ...]


def find_changes(base: sim.Params, reform: sim.Params) -> list[Change]:
    """The changes from ``base`` to ``reform``, in the reform file's order of keys (keys it does not
    state, inherited from its own bases, after, by name): each key whose value differs, dates
    included (``Params.setting``), alone or in the ``[changes]`` group of ``reform`` that names it (a
    group at its first key; its keys that do not differ from ``base`` left out)."""
    differ = {k for k in reform.keys() if base.setting(k) != reform.setting(k)}
    ordered = [k for k in reform.stated if k in differ] + sorted(differ - set(reform.stated))
    group_of = {k: name for name, keys in reform.changes.items() for k in keys}
    changes, seen = [], set()
    for key in ordered:
        name = group_of.get(key, key)
        if name not in seen:
            seen.add(name)
            keys = reform.changes[name] if name in reform.changes else (key,)
            changes.append(Change(name, tuple(k for k in keys if k in differ)))
    return changes


@dataclass
class Plan:
    """The checked decomposition: the changes in the order of the steps, and each subset's scenario."""

    base: sim.Params
    reform: sim.Params
    changes: list[Change]
    permutations: int = PERMUTATIONS
    _scenarios: dict[int, sim.Params] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return len(self.changes)

    @property
    def full(self) -> int:
        return (1 << self.k) - 1

    @property
    def method(self) -> str:
        return "exact" if self.k <= MAX_EXACT else "sampled"

    def name(self, mask: int) -> str:
        """A subset's name: ``base``, ``base + cap + validity`` (changes in step order)."""
        return " + ".join(["base", *(c.name for i, c in enumerate(self.changes) if mask >> i & 1)])

    def scenario(self, mask: int) -> sim.Params:
        """BASE with the keys of the subset's changes set to REFORM's values, named :meth:`name`."""
        if mask not in self._scenarios:
            keys = [k for i, c in enumerate(self.changes) if mask >> i & 1 for k in c.keys]
            settings = {k: self.reform.setting(k) for k in keys}
            for k in set(DATA_KEYS) & set(keys):  # a path relative to the reform's file, made absolute
                if self.reform.value(k):
                    settings[k] = str(data_path(self.reform, k))
            try:
                params = self.base.with_overrides(settings, source=self.reform.source)
            except ScenarioError as err:
                raise DecompositionError(
                    f"{err} (in the subset {self.name(mask)}: give the keys that must change together "
                    f"one change in the reform's [changes] table)"
                ) from None
            params.name = self.name(mask)
            self._scenarios[mask] = params
        return self._scenarios[mask]

    def steps(self) -> list[int]:
        """The cumulative subsets: none, the first change, the first two, ... every change."""
        return permutation_subsets(range(self.k))

    def orders(self, seed: int) -> list[list[int]]:
        """The random orders of the changes a replication samples (:data:`PERMUTATION_SALT`, its seed)."""
        rng = np.random.default_rng([PERMUTATION_SALT, seed])
        return [list(rng.permutation(self.k)) for _ in range(self.permutations)]

    def subsets(self, seed: int) -> list[int]:
        """Every subset a replication needs, each once: all ``2**k`` (exact), or the base, each change
        alone, the steps and the subsets of the sampled orders."""
        if self.method == "exact":
            return list(range(1 << self.k))
        masks = [0, *(1 << i for i in range(self.k)), *self.steps()]
        masks += [m for order in self.orders(seed) for m in permutation_subsets(order)]
        return list(dict.fromkeys(masks))


def plan_decomposition(
    base: sim.Params, reform: sim.Params, order: list[str] | None = None, permutations: int = PERMUTATIONS
) -> Plan:
    """The changes from ``base`` to ``reform`` (:func:`find_changes`), those ``order`` names first in
    its order, and every subset checked as a scenario.

    Raises:
        DecompositionError: no changes; ``order`` names a change twice or one that is not a change.
    """
    changes = find_changes(base, reform)
    if not changes:
        raise DecompositionError(
            f"decompose: {reform.name} resolves to the same rules as {base.name}: no changes to decompose"
        )
    by_name = {c.name: c for c in changes}
    order = order or []
    for name in order:
        if name not in by_name:
            known = ", ".join(by_name)
            raise DecompositionError(f"--order: {name}: not a change of {reform.name} (its changes: {known})")
        if order.count(name) > 1:
            raise DecompositionError(f"--order: {name}: named twice")
    changes = [by_name[n] for n in order] + [c for c in changes if c.name not in order]
    plan = Plan(base, reform, changes, permutations)
    if plan.method == "exact":
        for mask in range(1 << plan.k):
            plan.scenario(mask)
    else:
        plan.scenario(plan.full)
    return plan


# ---------------------------------------------------------------- running


@dataclass
class Decomposition:
    """A finished (or interrupted) decomposition."""

    plan: Plan
    seed: int
    reps: int  # replications asked for (the last round's end with --precision)
    replications: pd.DataFrame  # subset, seed, every figure (finished replications)
    table: pd.DataFrame  # DECOMPOSITION_COLUMNS
    seeds: list[int] = field(default_factory=list)  # the seeds with every subset they need
    total: int = 0  # distinct replications asked for
    reused: int = 0
    computed: int = 0
    ignored: int = 0
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    rounds: int = 1
    precision: float | None = None
    precision_reached: bool | None = None
    #: relative half-width of the total effect on PRECISION_FIGURE (``console.precision_line`` shows it)
    half_widths: dict[str, float] = field(default_factory=dict)
    backend: str = ""


def run_decomposition(
    plan: Plan,
    seed: int,
    reps: int | None = None,
    precision: float | None = None,
    max_reps: int = 200,
    store: ResultStore | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    recompute: bool = False,
) -> Decomposition:
    """Run every subset the plan needs on seeds ``seed, seed + 1, ...`` and decompose.

    With ``precision`` (e.g. 0.05), replications are added in rounds, as ``compare`` does
    (``compare.next_round``), until the 95 % CI half-width of the total effect on
    ``wait_apply_to_movein_mean`` is within ``precision`` of the effect, or ``max_reps`` is reached.
    """
    dec = Decomposition(plan, seed, 0, pd.DataFrame(), pd.DataFrame(), precision=precision)

    def tasks(first: int, stop: int) -> list[Task]:
        return [
            Task(plan.scenario(m), s, label=plan.name(m)) for s in range(first, stop) for m in plan.subsets(s)
        ]

    def assemble(results: dict) -> dict[str, float]:
        mean, _, high, _, n = t_interval(_assemble(dec, results))
        ok = n >= 2 and math.isfinite(high) and mean != 0
        return {"the total effect": (high - mean) / abs(mean) if ok else math.inf}

    return in_rounds(
        dec, "decompose", tasks, assemble, reps, max_reps, store, workers, scheduler, progress, recompute
    )


def base_level(replications: pd.DataFrame) -> dict[str, float]:
    """The base's mean of each figure over its replications (``subset == "base"``): the level a
    decomposition's waterfalls start from."""
    return replications[replications["subset"] == "base"].mean(numeric_only=True).to_dict()


def _assemble(dec: Decomposition, results: dict) -> np.ndarray:
    """Fill ``dec.replications``, ``dec.seeds`` and ``dec.table`` from the results found; return the
    total effect on ``PRECISION_FIGURE`` of each complete seed."""
    plan = dec.plan
    found = {}  # (seed, mask) -> summary
    for s in range(dec.seed, dec.seed + dec.reps):
        for mask in plan.subsets(s):
            result = results.get(Task(plan.scenario(mask), s).key)
            if result is not None:
                found[s, mask] = result[0]
    figures = figure_order(found.values())
    rows = [
        {"subset": plan.name(mask), "seed": s, **{f: summary.get(f, np.nan) for f in figures}}
        for (s, mask), summary in found.items()
    ]
    reps = pd.DataFrame(rows, columns=["subset", "seed", *figures])
    reps["seed"] = reps["seed"].astype("int64")
    dec.replications = reps
    dec.seeds = [
        s for s in range(dec.seed, dec.seed + dec.reps) if all((s, m) in found for m in plan.subsets(s))
    ]
    values = {
        s: {m: np.array([found[s, m].get(f, np.nan) for f in figures], float) for m in plan.subsets(s)}
        for s in dec.seeds
    }
    dec.table = decomposition_table(plan, values, figures)
    if PRECISION_FIGURE not in figures:
        return np.array([])
    column = figures.index(PRECISION_FIGURE)
    return np.array([v[plan.full][column] - v[0][column] for v in values.values()])


def seed_effects(plan: Plan, values: dict[int, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """One seed's effects, each of shape ``(k, figures)`` or ``(figures,)``: ``alone`` (each change on its
    own, against the base), ``step`` (each change added to those before it in the plan's order),
    ``shapley``, ``total`` (reform − base) and ``interaction`` (total − Σ alone)."""
    k, v = plan.k, values
    alone = np.stack([v[1 << i] - v[0] for i in range(k)])
    steps = plan.steps()
    step = np.stack([v[steps[j + 1]] - v[steps[j]] for j in range(k)])
    if plan.method == "exact":
        shapley = shapley_exact(np.stack([v[m] for m in range(1 << k)]))
    else:
        shapley = shapley_sampled(v, plan.orders(seed))
    total = v[plan.full] - v[0]
    return {"alone": alone, "step": step, "shapley": shapley, TOTAL: total, INTERACTION: total - alone.sum(0)}


def decomposition_table(
    plan: Plan, values: dict[int, dict[int, np.ndarray]], figures: list[str]
) -> pd.DataFrame:
    """The rows of ``decomposition.csv`` from ``{seed: {mask: figure values}}``: per figure, each change
    (``alone``, ``step`` with its ``step_order``, ``shapley``: means across seeds and 95 % CIs), then
    ``total`` (reform − base, the same in the three columns) and ``interaction`` (total − Σ alone, in the
    ``alone`` columns only: the steps and the Shapley shares add up to the total by construction)."""
    per_seed = [seed_effects(plan, v, s) for s, v in values.items()]

    def stats(what: str, i: int | None, f: int) -> tuple[float, float, float]:
        series = [e[what][f] if i is None else e[what][i, f] for e in per_seed]
        return t_interval(series)[:3]

    nan3 = (math.nan, math.nan, math.nan)
    n, method = len(per_seed), plan.method
    rows = []
    for f, figure in enumerate(figures):
        for i, change in enumerate(plan.changes):
            alone, step, shapley = (stats(w, i, f) for w in ("alone", "step", "shapley"))
            rows.append(
                (figure, change.name, ";".join(change.keys), *alone, i + 1, *step, *shapley, method, n)
            )
        total = stats(TOTAL, None, f)
        every = ";".join(k for c in plan.changes for k in c.keys)
        rows.append((figure, TOTAL, every, *total, math.nan, *total, *total, method, n))
        rows.append(
            (figure, INTERACTION, "", *stats(INTERACTION, None, f), math.nan, *nan3, *nan3, method, n)
        )
    table = pd.DataFrame(rows, columns=list(DECOMPOSITION_COLUMNS))
    table["step_order"] = table["step_order"].astype("Int64")
    return table
