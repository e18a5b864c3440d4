"""Households and employers: the Mesa agents whose lives the SimPy processes run.

A household applies (an application *episode*), may qualify, wait, be offered a unit, hold it for one or
more leases, leave, and apply again later. One row of the ``households`` table records one episode.
"""

from __future__ import annotations

import math

import mesa

from .eligibility import Circumstances, counted_area

NAN = math.nan

# Household states: every household is in exactly one (SPEC, invariants).
FILING = "filing"  # filed, file incomplete, not yet received (Art. 9)
IN_REVIEW = "in_review"  # received; review, publicity, tip-off check or appeal (Art. 11-14)
WAITING = "waiting"  # qualified, on the waiting list (轮候, Art. 19)
OFFERED = "offered"  # chose a unit; signing and move-in pending (Art. 16-18)
TENANT = "tenant"  # holds a lease (Art. 17, 20)
TRANSITION = "transition"  # lease over, staying on under Art. 24 (过渡期 or market-rent stay)
IDLE = "idle"  # between episodes: banned, or not (yet) applying again
STATES = (FILING, IN_REVIEW, WAITING, OFFERED, TENANT, TRANSITION, IDLE)

#: Positions in ``Household.qclass`` of the flags of the two favoured groups (``rules.Preference``): the
#: priority sectors (Art. 3) and the staff of district key employers (Art. 9).
SECTOR, KEY_EMPLOYER = 2, 3

#: How an episode ended (column ``outcome``).
OUTCOMES = (
    "abandoned_incomplete",
    "rejected",
    "withdrawn",
    "lapsed",
    "changed_ineligible",
    "sign_refused",
    "no_show",
    "offers_used",
    "decline_banned",
    "exited",
    "ongoing",
)

#: Columns of the ``households`` table and their types, in order (SPEC, "What a run produces", then our
#: additions).
_SCHEMA = (
    ("household_id", int),
    ("episode", int),
    ("kind", str),
    ("size", int),
    ("sector", str),
    ("priority", bool),
    ("employer_id", int),
    ("applied_day", float),
    ("receipt_no", int),
    ("qualified_day", float),
    ("rejected_reason", str),
    ("offers", int),
    ("moved_in_day", float),
    ("unit_id", int),
    ("unit_type", str),
    ("leases", int),
    ("tenure_days", float),
    ("exit_day", float),
    ("exit_reason", str),
    ("transition_end_day", float),
    ("banned_until_day", float),
    ("lapsed", bool),
    # additions: the path's other milestones, for audit and analysis
    ("initial", bool),
    ("key_employer", bool),
    ("frontline", bool),
    ("receipt_day", float),
    ("review_day", float),
    ("review_deadline_day", float),
    ("certificate_day", float),
    ("left_queue_day", float),
    ("capped_stay", bool),
    ("total_tenure_days", float),
    ("employer_left_day", float),
    ("outcome", str),
    # rent (Art. 21, 24), yuan a month: the current or last lease's, the unit's market rent on the day
    # that lease began, and the capped tenant's market-rent stay
    ("rent", float),
    ("market_rent", float),
    ("stay_rent", float),
    # outcomes of an allocation (``sim/records.py``): the counted housing area a person of the household's
    # latest declared circumstances (Art. 6, under the rules in force when the row is written), and the
    # living area of the unit let (Art. 7), m²
    ("area_per_capita", float),
    ("unit_living_area", float),
)
HOUSEHOLD_COLUMNS = tuple(name for name, _ in _SCHEMA)
#: numpy dtype of each column (text is kept as ``object``; the table turns it into pandas strings).
HOUSEHOLD_DTYPES = tuple({int: "int64", float: "float64", bool: "bool", str: object}[t] for _, t in _SCHEMA)


#: Mesa's own attributes of an agent, kept in slots with ours: an agent then has no ``__dict__`` at all,
#: which makes it smaller and its attributes faster to reach (a city run holds hundreds of thousands).
_MESA_SLOTS = ("model", "unique_id", "pos")


class Employer(mesa.Agent):
    """An employer (单位申请人, Art. 4(3)) that files a block application for several of its staff.

    Attributes:
        key: a district key employer (区重点单位), which may be served first (Art. 9).
        sector: the employer's sector (Art. 3).
        relocation_day: when the employer leaves the district; its staff's tenancies end (Art. 23(1)(5)).
    """

    __slots__ = (*_MESA_SLOTS, "key", "sector", "relocation_day", "staff")

    def __init__(self, model, key: bool, sector: str, relocation_day: float):
        super().__init__(model)
        self.key = key
        self.sector = sector
        self.relocation_day = relocation_day
        self.staff = 0  # its staff households still known to the model; it leaves with the last of them


class Household(mesa.Agent):
    """A single applicant, a family, or an employer's staff household (Art. 4)."""

    __slots__ = (
        *_MESA_SLOTS,
        # who they are
        "kind",
        "size",
        "sector",
        "priority",
        "employer",
        "frontline",
        "qclass",
        # across episodes
        "state",
        "episode",
        "used_days",
        "first_moved_in",
        "banned_until",
        "circumstances",
        "false_declaration",
        "proc",
        "qkey",
        "queue_entry",
        "listed_day",  # the certificate it joined the waiting list with (points count from it)
        "ballot",  # its ballot in the current batch's lottery (``WaitingList.draw_ballots``)
        "place_time",  # its place in receipt order: its receipt, or when it was sent to the back
        "ended_by",  # how its declines ended its qualification (``Allocator._end_qualification``)
        # the current episode (``start_episode``)
        "initial",
        "applied_day",
        "receipt_no",
        "receipt_time",
        "certificate_day",
        "review_day",
        "review_deadline_day",
        "qualified_day",
        "rejected_reason",
        "offers",
        "offered_suitable",
        "left_queue_day",
        "moved_in_day",
        "unit",
        "leases",
        "lease_start",
        "lease_end",
        "transition_until",
        "tenure_days",
        "exit_day",
        "exit_reason",
        "transition_end_day",
        "capped_stay",
        "lapsed",
        "outcome",
        "rent",
        "market_rent",
        "stay_rent",
        "charged",
        "charged_since",
    )

    def __init__(
        self,
        model,
        kind: str,
        size: int,
        sector: str,
        priority: bool,
        employer: Employer | None,
        frontline: bool,
    ):
        super().__init__(model)
        if employer is not None:
            employer.staff += 1
        self.kind = kind
        self.size = size
        self.sector = sector
        self.priority = priority
        self.employer = employer
        self.frontline = frontline
        # Waiting-list class: households of one class are suitable for the same units (Art. 7) and belong
        # to the same favoured groups (Art. 3, 9)
        self.qclass = (size, frontline, priority, employer is not None and employer.key)
        self.state = IDLE
        self.episode = -1
        self.used_days = 0.0  # PRH held so far, across tenancies (Art. 17(3) counts the total)
        self.first_moved_in = NAN  # when its first tenancy began: the total's years count from it
        self.banned_until = -math.inf
        self.circumstances: Circumstances | None = None
        self.false_declaration = False
        self.proc = None
        self.qkey = None

    def remove(self) -> None:
        """Deregister from the model for good (Mesa's ``Agent.remove`` without its error guard), and the
        employer with its last staff household."""
        self.model.deregister_agent(self)
        employer = self.employer
        if employer is not None:
            employer.staff -= 1
            if employer.staff == 0:
                employer.remove()

    def leave_employer(self) -> None:
        """Art. 4(3), 5: the employer has left the district, and the household with it applies again on its
        own: a single applicant or a family by its size, of the same sector; no longer front-line staff."""
        employer = self.employer
        if employer is None:
            return
        employer.staff -= 1
        if employer.staff == 0:
            employer.remove()
        self.employer = None
        self.kind = "single" if self.size == 1 else "family"
        self.frontline = False
        self.qclass = (self.size, False, self.priority, False)

    def start_episode(self, now: float, initial: bool = False) -> None:
        """Reset the record of the current application episode."""
        self.episode += 1
        self.initial = initial
        self.applied_day = NAN if initial else now
        self.receipt_no = -1
        self.receipt_time = NAN
        self.certificate_day = NAN
        self.review_day = NAN
        self.review_deadline_day = NAN
        self.qualified_day = NAN
        self.rejected_reason = None
        self.offers = 0
        self.offered_suitable = False  # had a suitable offer (Art. 19's lapse exception depends on it)
        self.left_queue_day = NAN
        self.moved_in_day = NAN
        self.unit = None
        self.leases = 0
        self.lease_start = NAN  # the current or last lease (``leases.tenancy``), for a snapshot
        self.lease_end = NAN
        self.transition_until = NAN  # when the transition after the tenancy ends (``leases.hand_back``)
        self.tenure_days = 0.0
        self.exit_day = NAN
        self.exit_reason = None
        self.transition_end_day = NAN
        self.capped_stay = False
        self.lapsed = False
        self.outcome = "ongoing"
        self.rent = NAN  # Art. 21: the current lease's rent, yuan a month (``sim/rent.py``)
        self.market_rent = NAN
        self.stay_rent = NAN
        self.charged = NAN  # the rent being paid now (NaN: none), since ``charged_since``
        self.charged_since = NAN

    def row(self) -> tuple:
        """The current episode as a row of ``HOUSEHOLD_COLUMNS``."""
        emp = self.employer
        unit = self.unit
        c = self.circumstances
        return (
            self.unique_id,
            self.episode,
            self.kind,
            self.size,
            self.sector,
            self.priority,
            -1 if emp is None else emp.unique_id,
            self.applied_day,
            self.receipt_no,
            self.qualified_day,
            self.rejected_reason,
            self.offers,
            self.moved_in_day,
            -1 if unit is None else unit.uid,
            None if unit is None else unit.type,
            self.leases,
            self.tenure_days,
            self.exit_day,
            self.exit_reason,
            self.transition_end_day,
            self.banned_until if self.banned_until > -math.inf else NAN,
            self.lapsed,
            self.initial,
            bool(emp is not None and emp.key),
            self.frontline,
            self.receipt_time,
            self.review_day,
            self.review_deadline_day,
            self.certificate_day,
            self.left_queue_day,
            self.capped_stay,
            self.used_days,
            NAN if emp is None or emp.relocation_day == math.inf else emp.relocation_day,
            self.outcome,
            self.rent,
            self.market_rent,
            self.stay_rent,
            NAN if c is None else counted_area(c, self.model.r),
            NAN if unit is None else unit.living_area,
        )
