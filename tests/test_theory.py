"""Validation against queueing theory (SPEC, "Validation against theory").

The rules reduced to a plain queue (``scenarios/validation/mmc.toml``) make the model an M/M/c queue:
its mean wait must match the Erlang C formula; with a qualification validity it is an M/M/c queue with
deterministic patience and must match an independent simulator of that queue; Little's law must hold.
Tolerances are three standard errors computed from the replications themselves.
"""

from __future__ import annotations

import heapq
import math
from pathlib import Path

import numpy as np
import pytest

from sim import load_scenario, simulate
from sim.rules import YEAR_DAYS

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"
REPS = 30  # ~1 s each; the standard error of the mean wait is then about 4 % of it


def erlang_c_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    assert a < c, "unstable queue"
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail) / (c * mu - lam)


def within(samples, target: float) -> tuple[bool, float, float]:
    """Is the mean of the replications within three standard errors of ``target``?"""
    x = np.asarray(samples, dtype=float)
    se = x.std(ddof=1) / math.sqrt(len(x))
    return abs(x.mean() - target) <= 3 * se, float(x.mean()), float(se)


@pytest.fixture(scope="module")
def mmc():
    return load_scenario(MMC)


@pytest.fixture(scope="module")
def mmc_runs(mmc):
    return [simulate(mmc, seed=s) for s in range(REPS)]


def rates(params) -> tuple[int, float, float]:
    c = int(params.value("supply.initial_units"))
    lam = params.value("arrivals.applications_per_year") / YEAR_DAYS
    mu = params.value("exits.other_per_year") / YEAR_DAYS
    return c, lam, mu


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c(mmc, mmc_runs):
    """M/M/c: the mean wait from application to move-in equals Erlang C's mean wait in queue."""
    c, lam, mu = rates(mmc)
    theory = erlang_c_wait(c, lam, mu)
    ok, mean, se = within([r.summary["wait_apply_to_movein_mean"] for r in mmc_runs], theory)
    assert ok, f"simulated {mean:.4f} ± {se:.4f} days, Erlang C {theory:.4f} days"
    assert se < 0.1 * theory, "too few replications for a meaningful tolerance"


@pytest.mark.slow
def test_mmc_erlang_c_check_can_fail(mmc, mmc_runs):
    """The tolerance is tight enough to tell c = 10 from c = 11 (the check is not vacuous)."""
    c, lam, mu = rates(mmc)
    ok, mean, se = within(
        [r.summary["wait_apply_to_movein_mean"] for r in mmc_runs], erlang_c_wait(c + 1, lam, mu)
    )
    assert not ok


@pytest.mark.slow
def test_littles_law_on_the_mmc_waiting_list(mmc_runs):
    """Little's law, stationary form: the mean number waiting L equals the rate of entering the
    waiting list times the mean time spent on it, L = λW, within sampling error."""
    diffs, sizes = [], []
    for r in mmc_runs:
        warm, end = 365, r.n_days - 30
        d = r.daily[(r.daily["day"] >= warm) & (r.daily["day"] < end)]
        hh = r.households
        entered = hh[(hh["qualified_day"] >= warm) & (hh["qualified_day"] < end)]
        lam = len(entered) / (end - warm)
        w = (entered["left_queue_day"] - entered["qualified_day"]).mean()
        diffs.append(d["waiting"].mean() - lam * w)
        sizes.append(d["waiting"].mean())
    ok, mean, se = within(diffs, 0.0)
    assert ok, f"L - λW = {mean:.4f} ± {se:.4f} (L ≈ {np.mean(sizes):.3f})"


def test_ample_supply_means_no_wait(mmc):
    """M/M/∞ in effect: with 100 units for an offered load of 8, nobody waits."""
    params = mmc.with_overrides(
        {"supply.initial_units": 100, "supply.target_units": 100, "calendar.horizon_years": 2}
    )
    r = simulate(params, seed=1)
    assert r.summary["wait_apply_to_movein_mean"] == pytest.approx(0.0, abs=1e-9)
    assert r.summary["waiting_mean"] == 0.0


def test_more_units_never_lengthen_the_mean_wait(mmc):
    """Direction: 12 units instead of 10, on the same seeds, shorten the mean wait."""
    short = {"calendar.horizon_years": 3}
    base = mmc.with_overrides(short)
    more = mmc.with_overrides({**short, "supply.initial_units": 12, "supply.target_units": 12})
    for seed in range(3):
        w0 = simulate(base, seed=seed).summary["wait_apply_to_movein_mean"]
        w1 = simulate(more, seed=seed).summary["wait_apply_to_movein_mean"]
        assert w1 <= w0


# --- expiry: M/M/c with deterministic patience, against an independent simulator -----------------


def mmc_patience(
    c: int, lam: float, mu: float, patience: float, horizon: float, warm: float, end: float, seed: int
):
    """An independent event-driven simulator of FIFO M/M/c with deterministic patience: a customer not
    served within ``patience`` of arriving leaves. Returns (mean wait of those served, share lapsed)
    over customers arriving in [warm, end)."""
    rng = np.random.default_rng(10_000 + seed)
    t, free, queue, events = 0.0, c, [], []
    waits, lapsed, served = [], 0, 0
    t = rng.exponential(1 / lam)
    heapq.heappush(events, (t, 0))
    while events:
        t, kind = heapq.heappop(events)
        if t >= horizon:
            break
        if kind == 0:  # arrival
            queue.append(t)
            heapq.heappush(events, (t + rng.exponential(1 / lam), 0))
        else:  # a service ends
            free += 1
        while queue and queue[0] + patience < t:  # deterministic patience: drop the expired
            a = queue.pop(0)
            if warm <= a < end:
                lapsed += 1
        while free and queue:
            a = queue.pop(0)
            free -= 1
            if warm <= a < end:
                waits.append(t - a)
                served += 1
            heapq.heappush(events, (t + rng.exponential(1 / mu), 1))
    return float(np.mean(waits)), lapsed / (lapsed + served)


@pytest.mark.slow
def test_mmc_with_expiry_matches_an_independent_simulator(mmc):
    """Art. 19 validity reduced to deterministic patience: mean wait of those housed and the lapse
    share match an independent simulator of M/M/c with deterministic patience."""
    patience_days = 1.0
    params = mmc.with_overrides(
        {"queue.validity_years": patience_days / YEAR_DAYS, "calendar.horizon_years": 5}
    )
    c, lam, mu = rates(params)
    reps = 20
    eng = [simulate(params, seed=s) for s in range(reps)]
    n = eng[0].n_days
    ref = [mmc_patience(c, lam, mu, patience_days, n, 365, n - 30, s) for s in range(reps)]
    for name, e, f in (
        ("mean wait", [r.summary["wait_apply_to_movein_mean"] for r in eng], [x[0] for x in ref]),
        ("lapse share", [r.summary["lapse_rate"] for r in eng], [x[1] for x in ref]),
    ):
        e, f = np.asarray(e), np.asarray(f)
        se = math.sqrt(e.var(ddof=1) / reps + f.var(ddof=1) / reps)
        assert abs(e.mean() - f.mean()) <= 3 * se, (
            f"{name}: engine {e.mean():.4f}, reference {f.mean():.4f} ± {se:.4f}"
        )
    assert np.mean([x[1] for x in ref]) > 0.05, "patience too long to test expiry"


@pytest.mark.slow
def test_littles_law_on_the_baseline_waiting_list():
    """Little's law over a finite window, on the baseline's waiting list (轮候): the mean number waiting
    over [a, b] equals the number of waiting spells that overlap the window, per day, times their mean
    time inside it (L = λW), whatever the trend. The daily count is a sample at the end of each day, so a
    spell may be counted up to one day more or less than it lasted: the two sides may differ by at most
    λ (one day per spell), which the bookkeeping errors this guards against (a household counted as
    waiting after its offer, a lapse not removed) would exceed many times over."""
    params = load_scenario(ROOT / "scenarios" / "baseline.toml")
    for seed in range(2):
        r = simulate(params, seed=seed)
        a, b = 365.0, float(r.n_days)
        hh = r.households
        start = hh["certificate_day"].where(hh["qualified_day"].isna(), hh["qualified_day"])
        start = start.where(hh["qualified_day"].notna() | hh["initial"]).clip(lower=0.0)
        end = hh["left_queue_day"].fillna(b)
        inside = (end.clip(upper=b) - start.clip(lower=a)).clip(lower=0.0)[start.notna()]
        overlapping = inside[inside > 0]
        lam = len(overlapping) / (b - a)
        w = overlapping.mean()
        big_l = r.daily.loc[r.daily["day"] >= a, "waiting"].mean()
        assert abs(big_l - lam * w) <= lam, f"seed {seed}: L = {big_l:.2f}, λW = {lam * w:.2f}, λ = {lam:.2f}"
