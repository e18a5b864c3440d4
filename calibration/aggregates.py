"""Fit behavioural inputs to observed aggregates (``python run.py calibrate TARGETS.toml``).

The simulator is noisy and each point costs replications, so the fit works in four steps, every
point run on the same seeds (common random numbers: two points differ by their inputs, not by luck):

1. **Design**: a scrambled Sobol sample of the box ``[low, high]`` of every parameter, plus the base.
2. **Focus**: a quadratic response surface (surrogate) per target, fitted on the design, rules out the
   part of the box where some target is missed by more than 3 of its sds (history matching); a second
   Sobol sample fills what is left, where a quadratic surface is a good local description.
3. **Refine**: Nelder-Mead (scipy.optimize) on the simulated standardised distance
   ``sum(((simulated mean - observed) / sd) ** 2)``, over the identified parameters, from the
   surrogate's best point, on the same seeds, until it converges or the time budget runs out.
4. **Uncertainty**: a posterior of the parameters on the local surrogate (uniform prior on the box,
   Gaussian errors of variance sd^2 plus the surrogate's residual variance, which holds the
   simulation noise), by importance sampling around its Laplace approximation; 95 % intervals are
   its 2.5 % and 97.5 % quantiles.

A parameter is *not identified* when moving it across its whole range changes no target by more than
one sd (``sensitivity`` < 1: the observation's sd widened by the design surface's own error, so that a
wiggle of the surface is not taken for an effect), or when its 95 % interval spans more than half its
range.
The fitted scenario keeps the base value of such a parameter, and says so.

Every replication goes through :func:`analysis.experiments.runner.run_tasks` and its result store, so a
rerun of the same command reuses every finished replication and an interrupted calibration resumes.
"""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.stats import qmc
from tqdm import tqdm

import sim
from analysis.experiments.outputs import write_frame
from analysis.experiments.runner import Failure, ResultStore, Task, run_tasks
from analysis.stats import CONFIDENCE, t_half_width
from sim.parameters import base_reference, delta_toml

from .targets import Targets

#: A parameter is identified when some target moves by at least this many sds across its range ...
MIN_SENSITIVITY = 1.0
#: ... and its 95 % interval covers at most this share of its range.
MAX_INTERVAL_SHARE = 0.5
IMPLAUSIBLE = 3.0  # sds: the focus step drops points missing a target by more than this
DENSE_POINTS = 2**13  # surrogate evaluations for the focus step
POSTERIOR_DRAWS = 20_000
MIN_ESS = 200  # importance samples below which the Laplace interval is used instead
DESIGN_SHARE = 0.6  # design and focus start no new points after this share of the budget
CHUNK_POINTS = 4  # points run together (one pool run) between checks of the budget


class CalibrationError(Exception):
    """The calibration cannot go on (e.g. the budget ended before enough points ran). One line."""


class Interrupted(Exception):
    """Ctrl-C: finished replications are in the store."""


@dataclass
class Point:
    """One evaluated point: parameter values, the targets' simulated means and sds over the seeds."""

    phase: str
    values: dict[str, float]
    u: np.ndarray  # the values scaled to [0, 1] within each parameter's range
    means: np.ndarray
    sds: np.ndarray
    n: np.ndarray  # replications giving each target
    chi2: float  # sum of squared standardised errors of the means


@dataclass
class ParameterFit:
    key: str
    low: float
    high: float
    base_value: float
    estimate: float
    interval_low: float
    interval_high: float
    sensitivity: float  # largest change of a target across the range, in sds (observation + surface error)
    identified: bool
    note: str = ""

    @property
    def interval_share(self) -> float:
        return (self.interval_high - self.interval_low) / (self.high - self.low)


@dataclass
class Calibration:
    """What a calibration gave."""

    targets: Targets
    fitted: dict[str, float]  # identified parameters: their estimates (the fitted scenario's delta)
    parameters: list[ParameterFit]
    fit: pd.DataFrame  # one row per target (see FIT_COLUMNS)
    points: pd.DataFrame  # every point run
    reps: int
    seeds: list[int]
    phases: dict[str, int]  # points run per phase
    budget_reached: str = ""  # "" or where the budget stopped the fit
    method: str = ""  # how the intervals were computed
    failures: list[Failure] = field(default_factory=list)
    reused: int = 0
    computed: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


FIT_COLUMNS = (
    "target",
    "figure",
    "at",
    "observed",
    "sd",
    "base_mean",
    "simulated_mean",
    "ci_low",
    "ci_high",
    "n",
    "standardised_error",
)
PARAMETER_COLUMNS = (
    "key",
    "low",
    "high",
    "base_value",
    "estimate",
    "interval_low",
    "interval_high",
    "interval_share_of_range",
    "sensitivity_sd",
    "identified",
    "note",
)


# ---------------------------------------------------------------- running points


class Evaluator:
    """Runs points (parameter values × the seeds) through the runner; keeps every point run."""

    def __init__(self, targets: Targets, store, workers, scheduler, recompute, reps, seed, progress):
        self.t = targets
        self.store, self.workers, self.scheduler, self.recompute = store, workers, scheduler, recompute
        self.seeds = list(range(seed, seed + reps))
        self.progress = progress
        self.points: list[Point] = []
        self.failures: list[Failure] = []
        self.reused = self.computed = 0
        self.obs = np.array([t.value for t in targets.targets])
        self.sd = np.array([t.sd for t in targets.targets])
        start = targets.base.start_date
        self.days = [
            None if t.at is None else (datetime.date.fromisoformat(t.at) - start).days
            for t in targets.targets
        ]
        self._memo: dict[tuple, Point] = {}

    # values <-> unit cube
    def values(self, u) -> dict[str, float]:
        return {
            p.key: p.clip(p.low + float(x) * (p.high - p.low))
            for p, x in zip(self.t.parameters, u, strict=True)
        }

    def unit(self, values: dict) -> np.ndarray:
        return np.array([(values[p.key] - p.low) / (p.high - p.low) for p in self.t.parameters])

    def params(self, values: dict) -> sim.Params:
        return self.t.base.with_overrides(values, source=f"{self.t.source} (fit)")

    def _observe(self, summary: dict, daily: pd.DataFrame) -> np.ndarray:
        out = np.full(len(self.t.targets), np.nan)
        for j, (t, day) in enumerate(zip(self.t.targets, self.days, strict=True)):
            if day is None:
                out[j] = float(summary.get(t.figure, np.nan))
            else:
                row = daily.loc[daily["day"] == day, t.figure]
                out[j] = float(row.iloc[0]) if len(row) else np.nan
        return out

    def run(self, batch: list[tuple[str, dict]], bar=None) -> list[Point]:
        """Run the points ``(phase, values)`` on every seed; return them (memoised)."""
        todo, tasks, params = [], [], {}
        for phase, values in batch:
            key = tuple(round(values[k], 12) for k in self.t.keys)
            if key in self._memo or key in params:
                continue
            params[key] = self.params(values)
            todo.append((key, phase, values))
            tasks += [Task(params[key], s, label=_label(values)) for s in self.seeds]
        if tasks:
            result = run_tasks(
                tasks, self.store, self.workers, self.scheduler, progress=False, recompute=self.recompute
            )
            self.failures += result.failures
            self.reused += result.reused
            self.computed += result.computed
            if result.interrupted:
                raise Interrupted
            for key, phase, values in todo:
                rows = []
                for s in self.seeds:
                    got = result.results.get(Task(params[key], s).key)
                    if got is not None:
                        rows.append(self._observe(*got))
                obs = np.array(rows) if rows else np.full((1, len(self.obs)), np.nan)
                n = np.sum(~np.isnan(obs), axis=0)
                cols = range(obs.shape[1])
                means = np.array([np.nanmean(obs[:, j]) if n[j] else np.nan for j in cols])
                sds = np.array([np.nanstd(obs[:, j], ddof=1) if n[j] > 1 else np.nan for j in cols])
                chi2 = float(np.sum(((means - self.obs) / self.sd) ** 2)) if np.all(n > 0) else math.inf
                point = Point(phase, values, self.unit(values), means, sds, n, chi2)
                self._memo[key] = point
                self.points.append(point)
                if bar is not None:
                    bar.update()
        return [self._memo[tuple(round(v[k], 12) for k in self.t.keys)] for _, v in batch]

    def best(self, phases=None) -> Point | None:
        pts = [p for p in self.points if (phases is None or p.phase in phases) and math.isfinite(p.chi2)]
        return min(pts, key=lambda p: p.chi2) if pts else None


def _label(values: dict) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())


def _fmt(x: float) -> str:
    return f"{x:.6g}"


# ---------------------------------------------------------------- the surrogate


class Surrogate:
    """Per target, a quadratic (or linear, with few points) least-squares surface in the unit cube."""

    def __init__(self, U: np.ndarray, Y: np.ndarray, sd_sim: np.ndarray):
        self.d = U.shape[1]
        n_quad = 1 + 2 * self.d + self.d * (self.d - 1) // 2
        self.quadratic = len(U) >= n_quad + 2
        m = Y.shape[1]
        self.coef = np.zeros((self._features(U[:1]).shape[1], m))
        self.resid_var = np.zeros(m)
        for j in range(m):
            ok = ~np.isnan(Y[:, j])
            X = self._features(U[ok])
            y = Y[ok, j]
            if len(y) == 0:
                self.coef[:, j] = np.nan
                self.resid_var[j] = np.nan
                continue
            coef, *_ = np.linalg.lstsq(X, y, rcond=None)
            self.coef[:, j] = coef
            dof = len(y) - X.shape[1]
            rss = float(np.sum((X @ coef - y) ** 2))
            floor = float(sd_sim[j]) ** 2 if math.isfinite(sd_sim[j]) else 0.0
            self.resid_var[j] = max(rss / dof if dof > 0 else floor, floor)

    def _features(self, U: np.ndarray) -> np.ndarray:
        X = np.asarray(U, dtype=float) - 0.5
        cols = [np.ones(len(X)), *X.T]
        if getattr(self, "quadratic", False):
            cols += [X[:, i] * X[:, k] for i in range(self.d) for k in range(i, self.d)]
        return np.column_stack(cols)

    def predict(self, U: np.ndarray) -> np.ndarray:
        return self._features(np.atleast_2d(U)) @ self.coef

    def jacobian(self, u: np.ndarray, h: float = 1e-4) -> np.ndarray:
        """d(prediction)/du at ``u``: shape (targets, parameters)."""
        cols = []
        for i in range(self.d):
            e = np.zeros(self.d)
            e[i] = h
            cols.append((self.predict(u + e)[0] - self.predict(u - e)[0]) / (2 * h))
        return np.column_stack(cols)


def _pooled_sd(points: list[Point], reps: int) -> np.ndarray:
    """The simulation sd of a target's mean over ``reps`` seeds, pooled over the points."""
    sds = np.array([p.sds for p in points], dtype=float)
    with np.errstate(all="ignore"):
        var = np.nanmean(sds**2, axis=0)
    return np.sqrt(var / reps)


def _fit_surrogate(points: list[Point], reps: int) -> Surrogate:
    U = np.array([p.u for p in points])
    Y = np.array([p.means for p in points])
    return Surrogate(U, Y, _pooled_sd(points, reps))


def _loglik(sur: Surrogate, U: np.ndarray, obs, var) -> np.ndarray:
    pred = sur.predict(U)
    ok = np.isfinite(var) & np.all(np.isfinite(sur.coef), axis=0)
    return -0.5 * np.sum((obs[ok] - pred[:, ok]) ** 2 / var[ok], axis=1)


def _sobol(d: int, n: int, seed: int) -> np.ndarray:
    m = max(0, math.ceil(math.log2(max(n, 1))))
    return qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed)).random_base2(m)[:n]


# ---------------------------------------------------------------- the fit


@dataclass
class _Budget:
    """The wall time of a calibration (design, focus and refinement) and where it stopped a step."""

    minutes: float
    t0: float = field(default_factory=time.monotonic)
    note: str = ""  # "" or where the budget stopped the fit

    def left(self) -> float:
        """Seconds left before the end of the budget."""
        return self.t0 + self.minutes * 60 - time.monotonic()

    def sampling_over(self) -> bool:
        """Whether design and focus may start no new point (``DESIGN_SHARE`` of the budget is spent)."""
        return time.monotonic() - self.t0 > DESIGN_SHARE * self.minutes * 60

    def add_note(self, note: str) -> None:
        """Add where the budget stopped a step to the notes so far."""
        self.note = f"{self.note}; {note}" if self.note else note


def calibrate(
    targets: Targets,
    store: ResultStore | None,
    budget_minutes: float = 20.0,
    workers: int | None = None,
    scheduler: str | None = None,
    recompute: bool = False,
    progress: bool = True,
    design_points: int | None = None,
    max_refine: int | None = None,
) -> Calibration:
    """Fit ``targets.parameters`` to ``targets.targets`` (see the module docstring).

    Args:
        store: where replications are kept and reused (None: nothing kept).
        budget_minutes: wall time for design, focus and refinement; the check of the fitted scenario
            runs after it (usually from the store).
        design_points: Sobol points of the design and of the focus step (default: a power of two, at
            least 16 and at least 4 more than the terms of a quadratic surface in the parameters).
        max_refine: most points of the refinement (default 12 per identified parameter).

    Raises:
        CalibrationError: too few design points finished within the budget to fit anything.
        Interrupted: Ctrl-C (finished replications are in the store).
    """
    budget = _Budget(budget_minutes)
    ev = Evaluator(targets, store, workers, scheduler, recompute, targets.reps, targets.seed, progress)
    n_design = design_points or _default_design_points(len(targets.parameters))
    warnings: list[str] = []
    base_values = {p.key: float(targets.base.value(p.key)) for p in targets.parameters}

    # 1. design
    base_point, usable, glob = _design(ev, targets, budget, base_values, n_design, progress)
    var_g = ev.sd**2 + glob.resid_var
    # 2. focus
    lo, hi = _focus(ev, targets, budget, glob, var_g, n_design, progress, warnings)
    loc = _local_surrogate(ev, lo, hi, usable, targets.reps)
    var_l = ev.sd**2 + loc.resid_var
    sens, moving, fixed_u, start = _identify(ev, glob, var_g, loc, var_l, base_values, lo, hi)
    # 3. refine on common random numbers
    _refine_step(ev, start, moving, loc, var_l, max_refine, budget, progress, warnings)
    best = _estimate(ev, start, moving, fixed_u)
    loc = _local_surrogate(ev, lo, hi, usable, targets.reps)
    var_l = ev.sd**2 + loc.resid_var
    # 4. uncertainty
    intervals, method = _posterior(loc, glob, lo, hi, ev.obs, var_l, best.u, targets.seed)
    fits, fitted = _parameter_fits(targets.parameters, best, intervals, sens, base_values)
    # the fitted scenario itself (what fitted.toml holds), on the same seeds
    final = ev.run([("fitted", {**base_values, **fitted})])[0]
    return _calibration(ev, targets, budget, fits, fitted, final, base_point, method, warnings)


def _default_design_points(d: int) -> int:
    """Points of the design (and of the focus step) for ``d`` parameters: a power of two, at least 16 and
    at least 4 more than the terms of a quadratic surface."""
    n_quad = 1 + 2 * d + d * (d - 1) // 2
    return 2 ** math.ceil(math.log2(max(n_quad + 4, 16)))


def _run_phase(ev: Evaluator, budget: _Budget, phase: str, us: np.ndarray, desc: str, progress: bool) -> int:
    """Run the points ``us`` (unit cube) of a sampling phase, ``CHUNK_POINTS`` at a time, until they are
    done or ``DESIGN_SHARE`` of the budget is spent (then ``budget.note`` says where); returns the
    number run."""
    done = 0
    bar = tqdm(total=len(us), desc=desc, unit="point", disable=None if progress else True, dynamic_ncols=True)
    try:
        for i in range(0, len(us), CHUNK_POINTS):
            if budget.sampling_over() and done:
                budget.note = f"budget reached in the {phase} step after {done} of {len(us)} points"
                break
            ev.run([(phase, ev.values(u)) for u in us[i : i + CHUNK_POINTS]], bar)
            done += len(us[i : i + CHUNK_POINTS])
            best = ev.best()
            if best is not None:
                bar.set_postfix_str(f"best distance {best.chi2:.3g}", refresh=False)
    finally:
        bar.close()
    return done


def _design(
    ev: Evaluator, targets: Targets, budget: _Budget, base_values: dict, n_design: int, progress: bool
) -> tuple[Point, list[Point], Surrogate]:
    """Step 1, design: run the base (for comparison), then a scrambled Sobol sample of the whole box;
    fit the global surrogate on the points that finished.

    Returns:
        (the base point, the points the surrogate is fitted on, the global surrogate).

    Raises:
        CalibrationError: fewer than ``d + 2`` points finished within the budget.
    """
    d = len(targets.parameters)
    base_point = ev.run([("base", base_values)])[0]
    design = _sobol(d, n_design, targets.seed)
    _run_phase(ev, budget, "design", design, "calibrate: design", progress)
    usable = [
        p
        for p in ev.points
        if p.phase in ("design", "base") and math.isfinite(p.chi2) and np.all((p.u >= 0) & (p.u <= 1))
    ]
    if len(usable) < d + 2:
        raise CalibrationError(
            f"{targets.source}: only {len(usable)} points finished within the budget of {budget.minutes:g} "
            f"minutes; at least {d + 2} are needed for {d} parameters: give a longer --budget"
        )
    return base_point, usable, _fit_surrogate(usable, targets.reps)


def _focus(
    ev: Evaluator,
    targets: Targets,
    budget: _Budget,
    glob: Surrogate,
    var_g: np.ndarray,
    n_design: int,
    progress: bool,
    warnings: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Step 2, focus (history matching): drop the part of the box where the global surrogate misses some
    target by more than ``IMPLAUSIBLE`` sds, and run a second Sobol sample in the box around what is left
    (unless the budget already stopped the design).

    Returns:
        (lo, hi): the focus box in the unit cube.
    """
    d = len(targets.parameters)
    dense = _sobol(d, DENSE_POINTS, targets.seed + 1)
    pred = glob.predict(dense)
    impl = np.nanmax(np.abs(pred - ev.obs) / np.sqrt(var_g), axis=1)
    keep = dense[impl < IMPLAUSIBLE]
    if len(keep) == 0:
        warnings.append(
            f"no point of the box matches every target within {IMPLAUSIBLE:g} sds (by the design's "
            "surrogate): the targets may be inconsistent with the base, or the ranges too narrow; "
            "the fit is the closest point found"
        )
        keep = dense[np.argsort(impl)[: max(10, len(dense) // 100)]]
    lo = np.clip(keep.min(axis=0) - 0.05, 0, 1)
    hi = np.clip(keep.max(axis=0) + 0.05, 0, 1)
    focus = lo + _sobol(d, n_design, targets.seed + 2) * (hi - lo)
    if not budget.note:
        _run_phase(ev, budget, "focus", focus, "calibrate: focus", progress)
    return lo, hi


def _local_surrogate(ev: Evaluator, lo, hi, usable: list[Point], reps: int) -> Surrogate:
    """The surrogate fitted on the points run inside the focus box ``[lo, hi]`` (on the design's
    ``usable`` points when fewer than ``d + 2`` lie inside)."""
    inside = [
        p
        for p in ev.points
        if math.isfinite(p.chi2) and np.all(p.u >= lo - 1e-9) and np.all(p.u <= hi + 1e-9)
    ]
    return _fit_surrogate(inside if len(inside) >= len(lo) + 2 else usable, reps)


def _identify(ev: Evaluator, glob, var_g, loc, var_l, base_values: dict, lo, hi):
    """Which parameters move a target by at least ``MIN_SENSITIVITY`` sds across their whole range (on
    the global surrogate, from the best point so far), and where the refinement starts: the local
    surrogate's best point in the focus box, the other parameters held at their base values.

    Returns:
        (sensitivity per parameter, indices of the moving parameters, the base in the unit cube, start).
    """
    best_pt = ev.best()
    sens = _sensitivity(glob, best_pt.u, np.sqrt(var_g))  # a change within the surface's error is no change
    moving = [i for i in range(len(sens)) if sens[i] >= MIN_SENSITIVITY]
    fixed_u = np.clip(ev.unit(base_values), 0, 1)
    start = _surrogate_optimum(loc, ev.obs, var_l, best_pt.u, moving, fixed_u, lo, hi)
    return sens, moving, fixed_u, start


def _refine_step(ev: Evaluator, start, moving, loc, var_l, max_refine, budget: _Budget, progress, warnings):
    """Step 3, refine: Nelder-Mead on the simulated distance over the moving parameters, on the same
    seeds, at most ``max_refine`` points (default 12 per moving parameter) within what is left of the
    budget; the budget's note or ``warnings`` say when it did not run."""
    refine_max = max_refine if max_refine is not None else 12 * max(1, len(moving))
    if moving and budget.left() > 0:
        refined_note = _refine(ev, start, moving, loc, var_l, refine_max, budget.left, progress)
        if refined_note:
            budget.add_note(refined_note)
    elif moving:
        budget.add_note("budget reached before the refine step")
    elif not moving:
        warnings.append("no parameter moves any target by one sd across its range: nothing to fit")


def _estimate(ev: Evaluator, start, moving, fixed_u) -> Point:
    """The estimate: the best point on the seeds among the refinement's, whose unmoved parameters are at
    the base (the start point itself, run now, when the refinement ran none)."""
    d = len(start)
    candidates = [p for p in ev.points if p.phase in ("refine", "start")] or [
        ev.run([("start", ev.values(np.where(np.isin(np.arange(d), moving), start, fixed_u)))])[0]
    ]
    return min(candidates, key=lambda p: p.chi2)


def _parameter_fits(pars, best: Point, intervals, sens, base_values: dict) -> tuple[list, dict]:
    """Step 4, each parameter's estimate and 95 % interval (in its own units). A parameter is not
    identified, and keeps its base value, when it moves no target by ``MIN_SENSITIVITY`` sds or when its
    interval spans more than ``MAX_INTERVAL_SHARE`` of its range.

    Returns:
        (a ``ParameterFit`` per parameter, {key: estimate} of the identified ones).
    """
    fits, fitted = [], {}
    for i, p in enumerate(pars):
        est = best.values[p.key]
        low_u, high_u = intervals[i]
        lo_v = min(p.low + low_u * (p.high - p.low), est)
        hi_v = max(p.low + high_u * (p.high - p.low), est)
        share = (hi_v - lo_v) / (p.high - p.low)
        note = ""
        ok = True
        if sens[i] < MIN_SENSITIVITY:
            ok = False
            note = (
                f"not identified: the targets barely change across its range (at most {sens[i]:.2g} sd); "
                f"the base value {_fmt(base_values[p.key])} is kept"
            )
        elif share > MAX_INTERVAL_SHARE:
            ok = False
            note = (
                f"not identified: its 95 % interval spans {share:.0%} of its range; "
                f"the base value {_fmt(base_values[p.key])} is kept"
            )
        if ok:
            fitted[p.key] = est
        fits.append(
            ParameterFit(p.key, p.low, p.high, base_values[p.key], est, lo_v, hi_v, float(sens[i]), ok, note)
        )
    return fits, fitted


def _calibration(
    ev: Evaluator, targets: Targets, budget: _Budget, fits, fitted, final, base_point, method, warnings
) -> Calibration:
    """What the calibration gave: the tables of the fitted scenario ``final`` and of every point run."""
    phases: dict[str, int] = {}
    for pt in ev.points:
        phases[pt.phase] = phases.get(pt.phase, 0) + 1
    return Calibration(
        targets=targets,
        fitted=fitted,
        parameters=fits,
        fit=_fit_table(ev, targets, final, base_point),
        points=_points_table(ev, targets, final),
        reps=targets.reps,
        seeds=ev.seeds,
        phases=phases,
        budget_reached=budget.note,
        method=method,
        failures=ev.failures,
        reused=ev.reused,
        computed=ev.computed,
        seconds=time.monotonic() - budget.t0,
        warnings=warnings,
    )


def _sensitivity(sur: Surrogate, u: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Per parameter: the largest change of a target's surrogate across the parameter's range, others
    at ``u``, in units of ``sd``."""
    grid = np.linspace(0, 1, 11)
    out = []
    for i in range(len(u)):
        U = np.repeat(u[None, :], len(grid), axis=0)
        U[:, i] = grid
        pred = sur.predict(U)
        with np.errstate(all="ignore"):
            spread = (np.nanmax(pred, axis=0) - np.nanmin(pred, axis=0)) / sd
        out.append(float(np.nanmax(spread)) if np.any(np.isfinite(spread)) else 0.0)
    return np.array(out)


def _surrogate_optimum(sur, obs, var, u0, moving, fixed_u, lo, hi) -> np.ndarray:
    """The point of the focus box that minimises the surrogate's distance, over the moving parameters."""
    u = np.array(fixed_u, dtype=float)
    if not moving:
        return u
    idx = np.array(moving)

    def objective(x):
        v = u.copy()
        v[idx] = x
        return -_loglik(sur, v[None, :], obs, var)[0]

    starts = [np.clip(u0[idx], lo[idx], hi[idx]), (lo[idx] + hi[idx]) / 2]
    best = None
    for x0 in starts:
        res = optimize.minimize(
            objective, x0, method="L-BFGS-B", bounds=list(zip(lo[idx], hi[idx], strict=True))
        )
        if best is None or res.fun < best.fun:
            best = res
    u[idx] = best.x
    return u


class _OutOfTime(Exception):
    pass


def _refine(ev: Evaluator, start, moving, sur, var, max_points, left, progress) -> str:
    """Nelder-Mead on the simulated distance over the moving parameters; returns a budget note or ''."""
    idx = np.array(moving)
    count = 0
    bar = tqdm(
        total=max_points,
        desc="calibrate: refine",
        unit="point",
        disable=None if progress else True,
        dynamic_ncols=True,
    )

    def objective(x):
        nonlocal count
        if left() <= 0:
            raise _OutOfTime
        if count >= max_points:
            raise StopIteration
        u = start.copy()
        u[idx] = np.clip(x, 0, 1)
        point = ev.run([("refine", ev.values(u))], bar)[0]
        count += 1
        best = ev.best(("refine",))
        bar.set_postfix_str(f"best distance {best.chi2:.3g}", refresh=False)
        return point.chi2 if math.isfinite(point.chi2) else 1e12

    # initial simplex: steps of about the surrogate's posterior sd, pointing into the box
    H = _precision(sur, start, var)
    sd_u = np.sqrt(np.clip(np.diag(np.linalg.inv(H)), 1e-8, None))[idx]
    step = np.clip(2 * sd_u, 0.02, 0.2)
    x0 = start[idx]
    simplex = [x0]
    for k in range(len(idx)):
        e = np.zeros(len(idx))
        e[k] = step[k] if x0[k] + step[k] <= 1 else -step[k]
        simplex.append(x0 + e)
    note = ""
    try:
        optimize.minimize(
            objective,
            x0,
            method="Nelder-Mead",
            bounds=[(0, 1)] * len(idx),
            options={
                "initial_simplex": np.array(simplex),
                "xatol": 0.01,  # 1 % of the range
                "fatol": 0.5,  # distance units: half a squared sd
                "maxfev": max_points,
            },
        )
    except _OutOfTime:
        note = f"budget reached in the refine step after {count} points (the best point so far is reported)"
    except StopIteration:
        pass
    finally:
        bar.close()
    return note


def _precision(sur: Surrogate, u: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Laplace approximation: J' V^-1 J at ``u`` plus the precision of the uniform prior (12 per unit)."""
    J = sur.jacobian(u)
    ok = np.all(np.isfinite(J), axis=1) & np.isfinite(var)
    J, v = J[ok], var[ok]
    return J.T @ (J / v[:, None]) + 12 * np.eye(len(u))


def _posterior(loc: Surrogate, glob: Surrogate, lo, hi, obs, var, u_best, seed) -> tuple[list, str]:
    """``CONFIDENCE`` intervals (95 %, in the unit cube) of every parameter; and how they were computed."""
    d = len(u_best)
    tail = (1 - CONFIDENCE) / 2
    cov = np.linalg.inv(_precision(loc, u_best, var))
    rng = np.random.default_rng(seed)
    prop_cov = 2.25 * cov  # proposal: the Laplace approximation, 1.5 times wider
    draws = rng.multivariate_normal(u_best, prop_cov, size=POSTERIOR_DRAWS)
    draws = draws[np.all((draws >= 0) & (draws <= 1), axis=1)]
    if len(draws):
        inside = np.all((draws >= lo - 1e-9) & (draws <= hi + 1e-9), axis=1)
        ll = np.where(inside, _loglik(loc, draws, obs, var), _loglik(glob, draws, obs, var))
        lq = stats.multivariate_normal(u_best, prop_cov, allow_singular=True).logpdf(draws)
        lw = ll - lq
        w = np.exp(lw - lw.max())
        ess = w.sum() ** 2 / np.sum(w**2)
        if ess >= MIN_ESS:
            out = [(_wquantile(draws[:, i], w, tail), _wquantile(draws[:, i], w, 1 - tail)) for i in range(d)]
            return out, f"importance sampling on the surrogate posterior (effective sample {ess:,.0f})"
    half = stats.norm.ppf(1 - tail) * np.sqrt(np.diag(cov))
    out = [(max(0.0, u_best[i] - half[i]), min(1.0, u_best[i] + half[i])) for i in range(d)]
    return out, "Laplace approximation of the surrogate posterior"


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, q * cw[-1])])


def _fit_table(ev: Evaluator, targets: Targets, final: Point, base: Point | None) -> pd.DataFrame:
    rows = []
    for j, t in enumerate(targets.targets):
        mean, low, high, _, n = _interval(final, j)
        rows.append(
            {
                "target": t.name,
                "figure": t.figure,
                "at": t.at or "",
                "observed": t.value,
                "sd": t.sd,
                "base_mean": base.means[j] if base is not None else np.nan,
                "simulated_mean": mean,
                "ci_low": low,
                "ci_high": high,
                "n": int(n),
                "standardised_error": (mean - t.value) / t.sd,
            }
        )
    return pd.DataFrame(rows, columns=list(FIT_COLUMNS))


def _interval(point: Point, j: int) -> tuple[float, float, float, float, int]:
    n = int(point.n[j])
    mean = float(point.means[j])
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    half = float(t_half_width(point.sds[j], n))  # the 95 % Student-t interval of every table
    return mean, mean - half, mean + half, float(point.sds[j]), n


def _points_table(ev: Evaluator, targets: Targets, final: Point) -> pd.DataFrame:
    """Every point run: its phase, parameter values, the targets' simulated means, its distance, and
    whether it is the fitted scenario (the point of fitted.toml, whichever phase ran it first)."""
    rows = []
    for i, p in enumerate(ev.points):
        row = {"point": i, "phase": p.phase, "fitted": p is final, **p.values}
        for t, m in zip(targets.targets, p.means, strict=True):
            row[t.name] = m
        row["distance"] = p.chi2
        rows.append(row)
    return pd.DataFrame(rows)


def parameter_table(cal: Calibration) -> pd.DataFrame:
    rows = [
        (
            f.key,
            f.low,
            f.high,
            f.base_value,
            f.estimate,
            f.interval_low,
            f.interval_high,
            f.interval_share,
            f.sensitivity,
            f.identified,
            f.note,
        )
        for f in cal.parameters
    ]
    return pd.DataFrame(rows, columns=list(PARAMETER_COLUMNS))


# ---------------------------------------------------------------- fitted.toml


def fitted_toml(cal: Calibration, out_dir: Path, today: datetime.date | None = None) -> str:
    """The fitted scenario: a delta on the base holding the identified parameters' estimates (6
    significant digits, whole where the key is); the others are named in its comments."""
    t = cal.targets
    today = today or datetime.date.today()
    names = ", ".join(x.name for x in t.targets)
    reference = f"CALIBRATED on {today.isoformat()} to {t.source}" + (
        f" ({t.reference})" if t.reference else ""
    )
    comments = [
        f"Calibrated by `python run.py calibrate {t.source}` on {today.isoformat()}.",
        f"Targets: {names}.",
        f"{cal.reps} replications per point (seeds {cal.seeds[0]}-{cal.seeds[-1]}); "
        "see fit.csv and parameters.csv.",
    ]
    whole = {p.key: p.whole for p in t.parameters}
    changes = {}
    for f in cal.parameters:
        if not f.identified:
            comments.append(f"{f.key} is not fitted: {f.note}")
            continue
        entry = {"value": int(round(f.estimate)) if whole[f.key] else float(f"{f.estimate:.6g}")}
        unit = t.base.meta(f.key).get("unit", "")
        if unit:
            entry["unit"] = unit
        entry["reference"] = (
            f"CALIBRATED on {today.isoformat()} to {t.source} (targets: {names}); "
            f"95 % interval [{_fmt(f.interval_low)}, {_fmt(f.interval_high)}] within the range searched "
            f"[{_fmt(f.low)}, {_fmt(f.high)}]; base value {_fmt(f.base_value)}"
        )
        changes[f.key] = entry
    return delta_toml(
        base_reference(t.base_path, out_dir),
        t.base.name + "_fitted",
        f"{t.base.name} with inputs calibrated to {t.source}",
        reference,
        changes,
        comments,
    )


def write_outputs(cal: Calibration, out_dir: Path, today: datetime.date | None = None) -> dict[str, Path]:
    """Write fitted.toml, fit.csv, parameters.csv and points.csv atomically; return them by name."""
    from analysis.experiments.outputs import atomic_write

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "fit": write_frame(cal.fit, out / "fit.csv"),
        "parameters": write_frame(parameter_table(cal), out / "parameters.csv"),
        "points": write_frame(cal.points, out / "points.csv"),
    }
    text = fitted_toml(cal, out, today)
    path = out / "fitted.toml"

    def write(tmp: str) -> None:
        Path(tmp).write_text(text, encoding="utf-8")

    atomic_write(path, write)
    paths["fitted"] = path
    return paths
