"""sim.timers.Environment processes events in exactly SimPy's order (time, priority, place): on small
plans against ``simpy.Environment``, and on every shipped scenario, whose results are the same on both."""

import math
from pathlib import Path

import pandas as pd
import pytest
import simpy
from helpers import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import load_scenario, simulate
from sim.timers import Environment, PlainEnvironment, events_processed, plain_simpy, uses_plain_simpy

ROOT = Path(__file__).resolve().parents[1]

# delays on a coarse grid so that many events tie in time, some far off, some never
DELAYS = st.one_of(st.integers(0, 40).map(lambda k: k / 4), st.just(math.inf))


def trace(env, plan):
    """Run ``plan`` (per process: a list of delays; a negative delay interrupts the next process)."""
    log = []
    procs = []

    def proc(i, delays):
        for k, d in enumerate(delays):
            try:
                if d < 0:
                    target = procs[(i + 1) % len(procs)]
                    if target.is_alive and target is not env.active_process:
                        target.interrupt(k)
                    yield env.timeout(0)
                else:
                    yield env.timeout(d)
                log.append((env.now, i, k))
            except simpy.Interrupt as stop:
                log.append((env.now, i, k, "interrupted by", stop.cause))

    for i, delays in enumerate(plan):
        procs.append(env.process(proc(i, delays)))
    env.run(until=50)
    return log, env.now


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.one_of(DELAYS, st.just(-1.0)), max_size=8), min_size=1, max_size=8))
def test_events_come_in_simpys_order_ties_and_interrupts_included(plan):
    assert trace(Environment(), plan) == trace(simpy.Environment(), plan)


def run_sleeper_and_waker(env):
    def sleeper():
        try:
            yield env.timeout(100.5)  # far off: kept in its day's bucket
        except simpy.Interrupt:
            yield env.timeout(0.25)

    def waker(target):
        yield env.timeout(3.0)
        target.interrupt()

    target = env.process(sleeper())
    env.process(waker(target))
    env.run(until=200)
    return events_processed(env)


def test_an_interrupted_wait_is_as_simpys_and_the_heap_holds_one_days_events():
    env, plain = Environment(), PlainEnvironment()  # PlainEnvironment schedules and steps as SimPy does
    # SimPy processes two events more: the ends of the two processes, which nobody waits on
    assert run_sleeper_and_waker(env) == run_sleeper_and_waker(plain) - 2
    assert env.dropped == 0  # an interrupt leaves the timer to be processed, to no effect, as SimPy does
    assert env.pending == plain.pending
    assert env.peek() == plain.peek() == 200  # the run's end, which SimPy keeps queued
    assert env.heap_peak <= 2


def run_offer(env, end_wait):
    """A sleeper is woken (or interrupted) at day 3 by a process whose timer ties with another's."""
    log = []

    def sleeper():
        try:
            value = yield env.timeout(100.5)
            log.append((env.now, "woken", value))
        except simpy.Interrupt:
            log.append((env.now, "woken", None))
        yield env.timeout(0)
        log.append((env.now, "after"))

    def waker(target):
        yield env.timeout(3.0)
        end_wait(target)
        log.append((env.now, "waker"))

    def bystander():
        yield env.timeout(3.0)
        log.append((env.now, "bystander"))

    target = env.process(sleeper())
    env.process(waker(target))
    env.process(bystander())
    env.run(until=200)
    return log


def test_wake_resumes_like_an_interrupt_with_no_exception():
    env = Environment()
    woken = run_offer(env, env.wake)
    assert woken == run_offer(simpy.Environment(), lambda p: p.interrupt())
    assert woken[:2] == [(3.0, "waker"), (3.0, "woken", None)]  # before the bystander's tied timer
    assert env.dropped == 1  # the 100.5-day timer the sleeper was woken from


def run_join(env):
    """A process waits on one that has ended before it asks; another fails."""
    log = []

    def quick():
        yield env.timeout(1.0)
        return "done"

    def late_joiner(other):
        yield env.timeout(2.0)
        log.append((env.now, (yield other)))  # ended at 1.0 with nobody waiting then

    def failing():
        yield env.timeout(3.0)
        raise ValueError("a rule's bug")

    env.process(late_joiner(env.process(quick())))
    env.process(failing())
    try:
        env.run(until=10)
    except ValueError as err:
        log.append((env.now, str(err)))
    return log


def test_the_end_of_a_process_nobody_waits_on_is_not_queued_but_still_seen_and_failures_still_stop():
    assert run_join(Environment()) == run_join(simpy.Environment()) == [(2.0, "done"), (3.0, "a rule's bug")]


def test_a_timer_nobody_waits_on_yet_is_kept_and_seen_by_peek():
    env = Environment()
    timer = env.timeout(123.4)
    assert env.peek() == 123.4  # its day's bucket has joined the heap; the timer was not dropped
    log = []

    def late():
        yield env.timeout(10)
        yield timer  # waits on it only now
        log.append(env.now)

    env.process(late())
    env.run(until=200)
    assert log == [123.4]
    assert Environment().peek() == math.inf


def test_events_processed_counts_alike_on_every_environment_and_uses_up_no_number():
    counts = []
    for env in (Environment(), PlainEnvironment(), simpy.Environment()):
        env.timeout(1.5)
        env.timeout(30.0)  # still pending at the end
        env.run(until=10)  # processes the first timer and the run's end
        env.timeout(0)
        counts.append((events_processed(env), events_processed(env)))
        # then the end of the first run (SimPy puts the event that stopped a run back in its heap), the
        # timer of no delay, numbered after the counts, and this run's end
        env.run(until=20)
        counts.append((events_processed(env),))
    assert counts == [(2, 2), (5,)] * 3


def test_plain_simpy_switch():
    assert not uses_plain_simpy()
    with plain_simpy():
        assert uses_plain_simpy()
        with plain_simpy(False):
            assert not uses_plain_simpy()
        assert uses_plain_simpy()
    assert not uses_plain_simpy()


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.relative_to(ROOT / "scenarios").as_posix())
def test_every_shipped_scenario_gives_the_same_results_as_on_simpys_own_environment(path):
    params = load_scenario(path).with_overrides(
        {"calendar.horizon_years": 0.05 if path.name == "shanghai.toml" else 3}
    )
    with plain_simpy(False):
        ours = simulate(params, seed=2)
    with plain_simpy():
        plain = simulate(params, seed=2)
    pd.testing.assert_frame_equal(ours.households, plain.households)
    pd.testing.assert_frame_equal(ours.daily, plain.daily)
    pd.testing.assert_frame_equal(ours.offers, plain.offers)
    assert ours.events < plain.events  # dropped timers and process ends nobody waited on
