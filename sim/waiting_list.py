"""The waiting list (轮候, Art. 19) and the order in which it is served (Art. 3, 9, 19).

Receipt numbers set the order (Art. 9: 收件单编号按申请人申请的时间先后顺序实施排序管理). Ahead of that come,
when the scenario says so: households carried over from an earlier batch (Art. 19: 下批次…可优先配租), then
the two favoured groups under their ``strict`` rule (``rules.Preference``): staff of district key
employers (Art. 9: 区重点单位可优先申请房源, ``allocation.key_employer_rule``), then priority sectors
(Art. 3, ``allocation.priority_rule``). Under ``tilt`` a member ranks as if it had applied
``allocation.key_employer_weight`` or ``allocation.priority_weight`` days earlier; a ``reserved_share``
is served by the allocator (``Allocator.offer_unit``), not by the order.

Households are kept in classes of equal suitability and groups (size, front-line, priority sector, key
employer), each sorted by
its order key, so finding the first suitable household for a unit looks at the head of a few classes,
not at the whole list. A class is a ``sortedcontainers.SortedList``: a city's classes hold tens of
thousands of households, and a plain list would move them all on every offer from its head.

``allocation.mechanism`` decides the order within the carry-over class and the strict ranks, which stay
outermost under every mechanism: ``receipt_order`` (the measures' order, tilt credits included);
``points`` (a score, ``rules.Points``; a tilt credit counts as that many days more of waiting; ties in
receipt order); ``lottery`` drawn once per batch (ballots, ``draw_ballots``); a lottery drawn for each
unit, and ``random_pool``, draw among the households a unit suits (``drawn_for``), tilt credits unused.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import accumulate, chain

from sortedcontainers import SortedList

from .calendar import YEAR_DAYS
from .eligibility import counted_area
from .households import KEY_EMPLOYER
from .rules import Rules
from .streams import Stream

#: Where a household that declines under a per-batch lottery is sent (``send_to_back``): past every
#: ballot drawn (−ln(1 − u) / weight ≤ −ln 2⁻⁵³ ≈ 36.7 for u < 1 and weight ≥ 1), in the order of declines.
BACK = 100.0


class WaitingList:
    """Qualified households waiting for an offer, in classes sorted by order key."""

    def __init__(self):
        # qclass -> sorted entries: the order key's fields (``order_key``; flat, so that comparing two
        # entries compares numbers, not nested tuples), the household id, the household
        self.classes: dict[tuple, SortedList] = {}
        self.n = 0
        self.carried_mark = 0  # households that entered before the latest batch carry over (Art. 19)
        self.batch_marks: list[int] = []  # ``carried_mark`` of every batch so far: the batches each failed
        self.sent_back = 0  # households sent to the back of a batch's order so far (``send_to_back``)

    def __len__(self) -> int:
        return self.n

    def order_key(self, h, r: Rules) -> tuple:
        """Art. 3, 9, 19: the household's place in the order of service (smaller is served first)."""
        carried = 0 if (r.carry_over and r.mode == "batch" and h.queue_entry < self.carried_mark) else 1
        key, sector = r.key_employer, r.sector
        staff, priority = h.qclass[KEY_EMPLOYER], h.priority
        if r.points is not None:
            place = _points_place(h, r, key.credit(staff) + sector.credit(priority))
        elif r.ballots:
            place = h.ballot
        else:  # seniority
            place = h.place_time - key.credit(staff) - sector.credit(priority)
        return (carried, key.rank(staff), sector.rank(priority), place, h.receipt_no)

    def failures(self, h) -> int:
        """The batches (集中配租) ``h`` has been through on the list without being housed."""
        marks = self.batch_marks
        return len(marks) - bisect_right(marks, h.queue_entry)

    def batch_done(self, queue_entries: int, r: Rules) -> None:
        """Art. 19: after a batch the households still waiting are carried over to the next."""
        self.carried_mark = queue_entries
        self.batch_marks.append(queue_entries)
        self.reorder(r)

    def draw_ballots(self, r: Rules, s: Stream) -> None:
        """A lottery (摇号) drawn once per batch: every household waiting draws a ballot that orders it
        within its carry-over class and strict ranks, with weight 1 +
        ``allocation.lottery_weight_per_failure`` × its failed batches (Efraimidis–Spirakis: a ballot
        −ln(1 − u) / weight, the smallest first, so that each household comes first with its weight's share
        of the total)."""
        w = r.weight_per_failure
        for h in self.households():
            h.ballot = -math.log1p(-s.u()) / (1.0 + w * self.failures(h))
        self.reorder(r)

    def send_to_back(self, h, r: Rules) -> None:
        """Under a per-batch lottery where a decline loses the place
        (``allocation.lottery_decline_keeps_place`` false): ``h`` goes behind every ballot drawn and every
        household sent back before it."""
        self.remove(h)
        self.sent_back += 1
        h.ballot = BACK + self.sent_back
        self.add(h, r)

    def to_back(self, h, r: Rules, now: float, entry: int) -> None:
        """``allocation.decline_penalty = "back"``: ``h`` keeps its qualification but takes its place at
        the back of the list, as if it joined it ``now`` with the entry number ``entry``: its carry-over
        priority (Art. 19) and its points for waiting go, a favoured group's credit stays; under a
        per-batch lottery it goes behind every ballot drawn (``send_to_back``)."""
        if r.ballots:
            h.queue_entry = entry
            self.send_to_back(h, r)
            return
        self.remove(h)
        h.place_time = h.listed_day = now
        h.queue_entry = entry
        self.add(h, r)

    def add(self, h, r: Rules) -> None:
        h.qkey = self.order_key(h, r)
        lst = self.classes.get(h.qclass)
        if lst is None:
            lst = self.classes[h.qclass] = SortedList()
        lst.add(h.qkey + (h.unique_id, h))
        self.n += 1

    def remove(self, h) -> None:
        # by value, not by position: positions would make the SortedList build and keep up an index of
        # its sublists' lengths, which nothing else needs (a household not in its class raises ValueError)
        self.classes[h.qclass].remove(h.qkey + (h.unique_id, h))
        self.n -= 1

    def reorder(self, r: Rules) -> None:
        """Recompute every order key (after a batch or a rule change)."""
        for lst in self.classes.values():
            entries = []
            for *_, uid, h in lst:
                h.qkey = self.order_key(h, r)
                entries.append(h.qkey + (uid, h))
            lst.clear()  # in place: the allocator keeps the classes a unit suits (``Allocator._classes_for``)
            lst.update(entries)

    def first_for(self, unit, suitable_classes, group: int | None = None):
        """The first household in order that suits ``unit`` and has not declined it, or None.

        ``suitable_classes``: the classes that suit the unit, as ``(qclass, sorted list)`` pairs;
        ``group``: only members of this favoured group (``SECTOR`` or ``KEY_EMPLOYER``).
        """
        best = None
        declined = unit.declined
        for qclass, lst in suitable_classes:
            # a SortedList keeps its items in sorted sublists (``_lists``, none when it is empty): reading
            # them directly spares SortedList's own iterator, a Python generator, for each class (this
            # runs for every offer, over every class the unit suits, and many are empty). A class whose
            # head comes after the best so far is passed over; the head is nearly always its first
            # household that has not declined the unit
            lists = lst._lists
            if not lists or (group is not None and not qclass[group]):
                continue
            head = lists[0][0]
            if best is not None and head > best:
                continue
            if head[-2] not in declined:
                best = head
                continue
            for entry in chain.from_iterable(lists):  # the head declined the unit: scan on
                if best is not None and entry > best:
                    break
                if entry[-2] not in declined:
                    best = entry
                    break
        return None if best is None else best[-1]

    def drawn_for(self, unit, suitable_classes, group: int | None, r: Rules, s: Stream):
        """A fresh draw (``random_pool``, or a lottery for each unit): a household drawn at random among
        those ``unit`` suits that have not declined it, within the first carry-over class and strict ranks
        that has any, weighted as ballots are (``draw_ballots``); None if none. ``suitable_classes`` and
        ``group`` as in ``first_for``.

        Evenly weighted, the draw picks a place among the class's entries (not scanned: a pool may hold
        thousands) and draws again when it falls on one that declined; weighted, or when declines
        fill half the pool, it lists the pool."""
        declined = unit.declined
        best, heads = None, []
        for qclass, lst in suitable_classes:
            if group is not None and not qclass[group]:
                continue
            for entry in chain.from_iterable(lst._lists):  # (as ``first_for``)
                if entry[-2] not in declined:
                    head = entry[:3]  # carry-over class and strict ranks
                    heads.append((lst, head))
                    if best is None or head < best:
                        best = head
                    break
        if best is None:
            return None
        above = (
            *best[:2],
            best[2] + 0.5,
        )  # every entry of the class ``best`` sorts below it (ranks are 0, 1)
        spans = [(lst, *_span(lst, best, above)) for lst, head in heads if head == best]
        w = r.weight_per_failure
        total = sum(hi - lo for _, lo, hi in spans)
        if w == 0.0 and total > 2 * len(declined):
            while True:
                j = int(s.u() * total)
                for lst, lo, hi in spans:
                    if j < hi - lo:
                        entry = _at(lst, lo + j)
                        break
                    j -= hi - lo
                if entry[-2] not in declined:
                    return entry[-1]
        pool = [e[-1] for lst, lo, hi in spans for e in _entries(lst, lo, hi) if e[-2] not in declined]
        u = s.u()
        if w == 0.0:
            return pool[int(u * len(pool))]
        cum = list(accumulate(1.0 + w * self.failures(h) for h in pool))
        return pool[min(bisect_right(cum, u * cum[-1]), len(pool) - 1)]

    def households(self):
        for lst in self.classes.values():
            for entry in lst:
                yield entry[-1]


def _span(lst: SortedList, best: tuple, above: tuple) -> tuple[int, int]:
    """Where the entries of ``lst`` from ``best`` to below ``above`` lie. Usually that is the whole class
    (in continuous allocation every household is of one carry-over class): it is then read off the ends,
    without a bisection (which would make the SortedList build an index of positions)."""
    lists = lst._lists
    lo = 0 if lists[0][0] >= best else lst.bisect_left(best)
    hi = len(lst) if lists[-1][-1] < above else lst.bisect_left(above)
    return lo, hi


def _entries(lst: SortedList, lo: int, hi: int):
    """The entries of ``lst`` from position ``lo`` to ``hi``, read directly when that is the whole class
    (``_span``)."""
    return chain.from_iterable(lst._lists) if lo == 0 and hi == len(lst) else lst.islice(lo, hi)


def _at(lst: SortedList, i: int) -> tuple:
    """The entry at position ``i`` of ``lst``, found by walking its sublists (a few in a class of
    thousands): SortedList's own indexing builds and keeps up an index of positions (``_span``)."""
    for sub in lst._lists:
        if i < len(sub):
            return sub[i]
        i -= len(sub)
    raise IndexError(i)


def _points_place(h, r: Rules, credit_days: float) -> float:
    """Minus a household's points (``rules.Points``) less the points every household gains alike as time
    passes: the waiting time counts from the certificate it joined the list with (``h.listed_day``; a
    re-issued one keeps its place, Art. 19), so the order changes only when households join or leave,
    and the list keeps a fixed key. A tilt credit counts as that many days more of waiting."""
    p = r.points
    staff = h.qclass[KEY_EMPLOYER]
    below = max(r.max_area - counted_area(h.circumstances, r), 0.0)
    rest = (
        p.per_person * h.size
        + p.priority_sector * h.priority
        + p.key_employer * staff
        + p.per_m2_below_line * below
    )
    return p.per_year_waiting * (h.listed_day - credit_days) / YEAR_DAYS - rest
