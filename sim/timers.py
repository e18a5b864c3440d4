"""SimPy's environment with far-off timers kept by day until their day comes.

A run keeps one pending timer for nearly every household: a waiting household's qualification expiry, a
tenant's lease end, thousands in a district and hundreds of thousands in the city. SimPy keeps them all in
one binary heap, and every event then pays for the heap's depth: a bare SimPy loop runs at a third of its
speed with 10,000 pending timers rather than 10. Here a timer due after the current day waits in the
bucket of its day; when the clock reaches that day, the bucket is sorted once and its timers are taken in
turn, and only the events scheduled for the day while it runs go through SimPy's heap (sorting a day's
timers once costs far fewer comparisons of their entries than taking them one by one from a heap). A
process starts without SimPy's start event (``Initialize``), from a queue of its own, in the place that
event would have had.

The order of events is SimPy's to the letter: a timer takes its place number (SimPy's ``eid``) when it
is scheduled, not when it joins the heap, so events are processed in the same order (time, priority,
place) as with ``simpy.Environment`` and a seeded run gives the same results. A timer whose waiting
process has been woken (``wake``: the expiry of a household whose wait an offer ended) is dropped when
its day comes instead of being processed to no effect, and the end of a process nobody waits on is
marked processed at once instead of being queued.

This is the only module of the engine that touches SimPy's internals (its heap ``_queue``, its event
numbers ``_eid``, its clock ``_now`` and the parts of a process). ``events_processed`` counts the events
an environment has processed, on this environment or on SimPy's own. ``PlainEnvironment`` is SimPy's own
environment with the few calls the engine makes of this one; ``plain_simpy()`` makes the model run on it
(``new_environment``), to check that results do not depend on the buckets (``tests/test_timers.py``) or
to time SimPy as it comes.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from operator import attrgetter

import simpy
from simpy.core import BoundClass, EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, EventPriority

#: The callbacks of a timer whose only waiter was woken (``Environment.wake``): it is dropped when its day
#: comes, and a process that would still wait on it fails at once instead of waiting for ever.
_ABANDONED = ()

#: What a process is started with (SimPy's start event, ``Initialize``, succeeds with no value).
_START = simpy.Event(None)
_START._ok, _START._value, _START.callbacks = True, None, None


class Process(simpy.Process):
    """SimPy's process, started by its ``Environment`` without SimPy's start event (``Initialize``): the
    environment keeps its start in a queue of its own, in the start event's place in the order of events
    (``Environment.step``)."""

    def __init__(self, env: Environment, generator):
        if not hasattr(generator, "throw"):
            raise ValueError(f"{generator} is not a generator.")
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._target = None  # not started: nothing to wake it from (``Environment.wake``)
        env._starts.append((env.now, URGENT, next(env._eid), self))


class Environment(simpy.Environment):
    """``simpy.Environment`` that takes the events of one day at a time (one time unit = one day): the
    day's timers sorted (``_today``), those scheduled for it since in SimPy's heap, and the processes to
    start (``Process``)."""

    process = BoundClass(Process)

    #: The current simulation time: a plain attribute, read hundreds of thousands of times a run (SimPy's
    #: is a property over ``_now``, a Python function call each time; here ``_now`` is not kept)
    now: float = 0.0
    #: The process running now, if any: SimPy's property, without running Python code
    active_process = property(attrgetter("_active_proc"))

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self.now = self._now
        del self._now  # SimPy's own code that reads it is replaced here
        # SimPy binds ``timeout``, ``process`` and ``event`` to the instance for speed, but only those its
        # own class defines: a subclass would build a bound method on every call
        for name, attr in vars(simpy.Environment).items():
            if type(attr) is BoundClass:
                setattr(self, name, getattr(self, name))
        self._edge = math.floor(initial_time) + 1  # events before this time are in ``_today`` or the heap
        self._today: list = []  # the current day's timers, as SimPy's heap entries sorted, the first last
        self._days: dict[int, list] = {}  # day -> its timers, as SimPy's heap entries
        self._day_order: list[int] = []  # heap of the days that have a bucket
        self._never: list = []  # timers at infinite time (a qualification valid for ever)
        self.dropped = 0  # abandoned timers dropped unprocessed (SimPy had numbered them)
        self.heap_peak = 0  # most timers a day has taken in (``_today``)
        self._running = False  # within ``run``: ``step`` goes on to the end
        # processes to start, as the heap entries their start events would be (``Process``); they are all
        # due now, urgent, numbered in order: the first one comes next unless an event of the day is before
        self._starts: deque = deque()

    @property
    def pending(self) -> int:
        """Events scheduled and not yet processed or dropped."""
        return (
            len(self._queue)
            + len(self._today)
            + sum(map(len, self._days.values()))
            + len(self._never)
            + len(self._starts)
        )

    @property
    def events_processed(self) -> int:
        """Events processed so far: every event numbered, less those pending and those dropped."""
        return _numbered(self) - self.pending - self.dropped

    def schedule(self, event, priority=NORMAL, delay=0) -> None:
        if type(event) is Process and not event.callbacks and event._ok:
            # a process has ended and nobody waits on it (a household's life, nearly always): its end is
            # processed at once rather than queued to no effect; one that fails still stops the run
            event.callbacks = None
            return
        at = self.now + delay
        entry = (at, priority, next(self._eid), event)
        if at < self._edge:
            heappush(self._queue, entry)
        elif at == math.inf:
            self._never.append(entry)
        else:
            day = int(at)
            bucket = self._days.get(day)
            if bucket is None:
                self._days[day] = [entry]
                heappush(self._day_order, day)
            else:
                bucket.append(entry)

    def _next_day(self) -> bool:
        """Once the current day's events are all processed, take in the timers of the next day that has
        any (``_today``); False when there is none."""
        today = self._today
        while not today:
            if self._day_order:
                day = heappop(self._day_order)
                self._edge = day + 1
                entries = self._days.pop(day)
            elif self._never:
                self._edge = math.inf
                entries, self._never = self._never, []
            else:
                return False
            live = [entry for entry in entries if entry[3].callbacks is not _ABANDONED]
            self.dropped += len(entries) - len(live)
            live.sort(reverse=True)
            today.extend(live)
        self.heap_peak = max(self.heap_peak, len(today))
        return True

    def wake(self, process) -> None:
        """Resume ``process`` now, abandoning the event it waits on: SimPy's ``Process.interrupt``
        without the exception it throws into the process (an interrupt costs an exception, its copy and
        a traceback; a household's wait is ended this way by every offer it accepts). Like an interrupt,
        the resumption is urgent, before the events already due now; the process resumes with ``None``.
        """
        target = process._target
        if target is None:
            raise RuntimeError(f"{process} has not started and cannot be woken.")
        target.callbacks.remove(process._resume)
        if not target.callbacks:
            target.callbacks = _ABANDONED
        event = simpy.Event(self)
        event._ok, event._value = True, None
        event.callbacks.append(process._resume)
        process._target = event
        self.schedule(event, URGENT)

    def discard(self) -> None:
        """Drop every pending event unprocessed, with the callbacks that tie waiting processes to them (a
        process and the event it waits on refer to each other)."""
        for entries in (self._queue, self._today, self._never, *self._days.values()):
            for entry in entries:
                entry[3].callbacks = None
        self._queue.clear()
        self._today.clear()
        self._never.clear()
        self._days.clear()
        self._day_order.clear()
        self._starts.clear()

    def peek(self) -> float:
        if self._starts:
            return self.now
        if self._queue or self._today or self._next_day():
            return min(self._queue[:1] + self._today[-1:])[0]
        return math.inf

    def run(self, until=None):
        """SimPy's ``run``, which calls ``step`` until the run stops: here its first call goes on to the
        end (``_running``), sparing a Python call for every event."""
        self._running = True
        try:
            return super().run(until)
        finally:
            self._running = False

    def step(self) -> None:
        """SimPy's ``Environment.step``, turning to the next day when the day's events run out (written
        out in full: it runs once for every event). Within ``run`` it goes on to the next event until the
        run stops (``StopSimulation`` at its end, ``EmptySchedule`` when no event is left)."""
        queue, today, starts = self._queue, self._today, self._starts
        go_on = self._running
        while True:
            # the first, in SimPy's order (time, priority, number), of the processes to start, the day's
            # timers and the events scheduled for the day since
            if starts:
                first = starts[0]
                if (not today or first < today[-1]) and (not queue or first < queue[0]):
                    starts.popleft()[3]._resume(_START)
                    if not go_on:
                        return
                    continue
            if today and not (queue and queue[0] < today[-1]):
                self.now, _, _, event = today.pop()
            elif queue:
                self.now, _, _, event = heappop(queue)
            elif self._next_day():
                continue
            else:
                raise EmptySchedule
            callbacks, event.callbacks = event.callbacks, None
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:
                event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                self.schedule(event, EventPriority(-1))
                raise
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
            if not go_on:
                return


class PlainEnvironment(simpy.Environment):
    """SimPy's own environment, with the engine's extra calls done SimPy's way: every timer in one heap,
    nothing dropped, every process end queued."""

    wake = Environment.wake  # only SimPy's own parts of an event and a process

    def __init__(self, initial_time: float = 0):
        super().__init__(initial_time)
        self.dropped = self.heap_peak = 0

    @property
    def pending(self) -> int:
        """Events scheduled and not yet processed."""
        return len(self._queue)

    @property
    def events_processed(self) -> int:
        """Events processed so far: every event numbered, less those pending."""
        return _numbered(self) - self.pending

    def discard(self) -> None:
        """Drop every pending event unprocessed, with its callbacks (as ``Environment.discard``)."""
        for entry in self._queue:
            entry[3].callbacks = None
        self._queue.clear()


def _numbered(env: simpy.Environment) -> int:
    """How many events ``env`` has numbered (SimPy numbers each event it schedules), without using up a
    number: the counter is put back where it was."""
    n = next(env._eid)
    env._eid = itertools.count(n)
    return n


def events_processed(env: simpy.Environment) -> int:
    """Events ``env`` has processed so far: on this module's environments, their ``events_processed``; on
    a bare ``simpy.Environment`` (a yardstick that runs SimPy alone), every event numbered less those still
    in its heap."""
    if isinstance(env, Environment | PlainEnvironment):
        return env.events_processed
    return _numbered(env) - len(env._queue)


#: Whether new models run on ``PlainEnvironment`` (set by ``plain_simpy``).
_plain = False


def uses_plain_simpy() -> bool:
    """Whether new models run on ``PlainEnvironment`` (inside ``plain_simpy()``)."""
    return _plain


@contextmanager
def plain_simpy(on: bool = True) -> Iterator[None]:
    """Within the block, models built (``new_environment``) run on SimPy's own environment (``on``) or on
    ``Environment`` (not ``on``)."""
    global _plain
    before, _plain = _plain, on
    try:
        yield
    finally:
        _plain = before


def new_environment() -> Environment | PlainEnvironment:
    """The environment of a new model: ``Environment``, or ``PlainEnvironment`` when ``uses_plain_simpy``."""
    return PlainEnvironment() if uses_plain_simpy() else Environment()
