"""What a process may touch: the model as the stages of an application see it.

The processes (``review.filing`` and ``review.review``, ``allocation.waiting`` and
``allocation.sign_and_move_in``, ``leases.tenancy`` and ``leases.leave``, the ``Allocator``,
``replay.recorded_filing``, the rent of a lease in ``sim/rent.py``) take the model as ``m: Context`` and
use only what ``Context`` lists here. ``HousingModel`` (``sim/model.py``) satisfies it by its shape, not by
inheriting from it, so it costs nothing at run time: a process reads ``m.env`` or ``m.r`` as it would from
the model itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import simpy

if TYPE_CHECKING:
    from .allocation import Allocator
    from .calendar import WorkCalendar
    from .households import Employer, Household
    from .records import RecordTable
    from .rent import RentRoll, RentSchedule
    from .review import ReviewDesk
    from .rules import Rules
    from .streams import Stream, Streams
    from .timers import Environment, PlainEnvironment
    from .waiting_list import WaitingList

T = TypeVar("T")
#: A process: a generator of SimPy events, resumed with their values, that ends with a result of type T.
Process = Generator[simpy.Event, Any, T]


@runtime_checkable
class Context(Protocol):
    """The model as its processes see it: the clock, the streams, the rules in force, the waiting list, the
    allocator, the counters, and the bookkeeping of a household's states and episodes.

    Attributes:
        env: the one clock (one unit = one day, day 0 = ``calendar.start_date``) and event queue.
        cal: the calendar: calendar months and years (Art. 17(3), 19, 20, 24) and working days (Art. 11,
            12, 14, 18).
        streams: the named random streams (``sim/streams.py``).
        r: the rules in force now, in days, calendar months and per-day rates (``sim/rules.py``).
        rules_until: the day the rules in force next change (``inf``: never); a decision due later waits
            for it.
        suburban_exempt_day: the day of ``eligibility.suburban_exempt_qualified_before`` (Art. 6(3)); a
            tenant who qualified before it keeps its suburban hukou housing left out at renewal.
        waiting: the waiting list (Art. 19).
        alloc: offers of free units to waiting households (Art. 15-16).
        review_desk: when each review ends (Art. 11).
        offer_log: one row per offer (``offers`` table).
        exit_counts: tenancies ended, by reason (Art. 23).
        receipt_counter: receipt numbers handed out so far (Art. 9).
        queue_entries: entries into the waiting list so far.
        units_occupied: units occupied now, a unit in transition counting as occupied.
        rents: the market rent appraised each year and the rent published from it (Art. 21).
        rent_roll: the rent due so far, by operator and calendar year.
    """

    env: Environment | PlainEnvironment
    cal: WorkCalendar
    streams: Streams
    r: Rules
    rules_until: float
    suburban_exempt_day: float
    waiting: WaitingList
    alloc: Allocator
    review_desk: ReviewDesk
    offer_log: RecordTable
    exit_counts: Counter[str]
    receipt_counter: int
    queue_entries: int
    units_occupied: int
    rents: RentSchedule
    rent_roll: RentRoll

    def set_state(self, h: Household, state: str) -> None:
        """Move ``h`` to ``state`` (``sim/households.py``), keeping the count of each state."""
        ...

    def count_flow(self, name: str) -> None:
        """Count one event of the daily flow ``name`` (``FLOWS`` in ``sim/model.py``) on today's row."""
        ...

    def ban(self, h: Household, years: float) -> None:
        """Bar ``h`` from applying again for ``years`` calendar years from now (Art. 17-19, 23(2), 26)."""
        ...

    def begin_episode(self, h: Household) -> None:
        """Start a new application episode of ``h`` now."""
        ...

    def end_episode(self, h: Household, outcome: str) -> None:
        """Record the episode of ``h`` with its outcome; it may apply again later."""
        ...

    def life(self, h: Household, certificate_day: float | None = None) -> Process[None]:
        """One application episode of ``h`` from receipt to its end (Art. 9-24)."""
        ...

    def new_household(
        self,
        kind: str,
        size: int,
        sector: str,
        employer: Employer | None,
        frontline: bool,
        declares: Stream | None = None,
    ) -> Household:
        """A household joins the model (``HousingModel.new_household``)."""
        ...

    def new_employer(self, key: bool, sector: str, relocation_day: float) -> Employer:
        """An employer joins the model (Art. 4(3))."""
        ...
