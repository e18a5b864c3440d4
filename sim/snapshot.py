"""The operators' snapshot: the state of the district's PRH on one date, to start a forecast from.

A snapshot is a folder (``docs/snapshot-data.md``):

- ``snapshot.toml``: ``date`` (ISO 8601, the day it was taken: the run starts on it), ``description``
  and, when the engine wrote it, ``written_by`` (the command);
- ``units.csv`` (``UNIT_COLUMNS``): every unit, with its status on the date;
- ``tenancies.csv`` (``TENANCY_COLUMNS``): every running tenancy, transition periods included;
- ``waiting.csv`` (``WAITING_COLUMNS``): every qualified household on the waiting list (轮候, Art. 19).

Household numbers are pseudonymous (Art. 27). Applications still in review on the date are not part of a
snapshot: the run's arrivals start on its date.
"""

from __future__ import annotations

from .replay import Column
from .schema import EXIT_REASONS, KINDS, SECTORS, UNIT_TYPES

#: Statuses of a unit on the snapshot's date.
UNIT_STATUSES = ("let", "vacant", "under_repair", "not_delivered")

#: The three tables of a snapshot, beside ``snapshot.toml``.
SNAPSHOT_FILES = ("units.csv", "tenancies.csv", "waiting.csv")

UNIT_COLUMNS = (
    Column("unit_id", "int", low=1, doc="unique number of the unit"),
    Column("project", "text", doc="the project (楼盘) the unit belongs to"),
    Column("operator", "text", doc="the operating company (Art. 2); one of supply.operator_shares"),
    Column("type", "enum", allowed=UNIT_TYPES, doc="unit type (Art. 7)"),
    Column("living_area_m2", "float", doc="living area in m2 (居住面积), more than 0"),
    Column("status", "enum", allowed=UNIT_STATUSES, doc="let, vacant, under_repair or not_delivered"),
    Column(
        "available_date",
        "date",
        required=False,
        doc="under_repair: day the repair ends; not_delivered: day it is delivered; else empty",
    ),
)

_HOUSEHOLD = (
    Column("household_id", "int", low=1, doc="pseudonymous number of the household"),
    Column("kind", "enum", allowed=KINDS, doc="applicant kind (Art. 4)"),
    Column("size", "int", low=1, doc="persons in the household"),
    Column("sector", "enum", allowed=SECTORS, doc="sector of the applicant's employer (Art. 3)"),
    Column(
        "employer_id",
        "int",
        required=False,
        low=1,
        doc="pseudonymous number of the employer; employer kind only, else empty",
    ),
    Column("key_employer", "bool", doc="staff of a district key employer (Art. 9); employer kind only"),
    Column("frontline", "bool", doc="front-line public-service staff (Art. 7(3)); employer kind only"),
    Column(
        "held_before_days",
        "int",
        doc="days of PRH held in all before the current lease (Art. 17(3)'s total); 0 if none",
    ),
)

TENANCY_COLUMNS = (
    *_HOUSEHOLD,
    Column("unit_id", "int", low=1, doc="the unit let (units.csv)"),
    Column("lease_start", "date", doc="day the current lease began (on or before the snapshot's date)"),
    Column("lease_end", "date", doc="day the current lease ends (or ended, for a transition)"),
    Column(
        "qualified_date",
        "date",
        required=False,
        doc="day the household first qualified, for Art. 6(3)'s exemption; empty: its first move-in",
    ),
    Column(
        "transition_until",
        "date",
        required=False,
        doc="in a transition period (Art. 24): the day it ends; else empty",
    ),
    Column(
        "transition_reason",
        "enum",
        required=False,
        allowed=EXIT_REASONS,
        doc="in a transition period: why the lease ended (an exit reason); else empty",
    ),
)

WAITING_COLUMNS = (
    *_HOUSEHOLD,
    Column("receipt_no", "int", low=1, doc="receipt number (受理号): the order of the waiting list"),
    Column("receipt_date", "date", doc="day the application was received (受理, Art. 9)"),
    Column("certificate_date", "date", doc="day the qualification was confirmed (Art. 19: valid 2 years)"),
    Column(
        "banned_until",
        "date",
        required=False,
        doc="a ban on applying again running on the date (Art. 17-19, 26): the day it ends; else empty",
    ),
)
