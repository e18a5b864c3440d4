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
"""

from __future__ import annotations

from itertools import chain

from sortedcontainers import SortedList

from .households import KEY_EMPLOYER
from .rules import Rules


class WaitingList:
    """Qualified households waiting for an offer, in classes sorted by order key."""

    def __init__(self):
        # qclass -> sorted entries: the order key's fields (``order_key``; flat, so that comparing two
        # entries compares numbers, not nested tuples), the household id, the household
        self.classes: dict[tuple, SortedList] = {}
        self.n = 0
        self.carried_mark = 0  # households that entered before the latest batch carry over (Art. 19)

    def __len__(self) -> int:
        return self.n

    def order_key(self, h, r: Rules) -> tuple:
        """Art. 3, 9, 19: the household's place in the order of service (smaller is served first)."""
        carried = 0 if (r.carry_over and r.mode == "batch" and h.queue_entry < self.carried_mark) else 1
        key, sector = r.key_employer, r.sector
        staff, priority = h.qclass[KEY_EMPLOYER], h.priority
        seniority = h.receipt_time - key.credit(staff) - sector.credit(priority)
        return (carried, key.rank(staff), sector.rank(priority), seniority, h.receipt_no)

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

    def households(self):
        for lst in self.classes.values():
            for entry in lst:
                yield entry[-1]
