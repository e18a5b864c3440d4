"""The scenario schema: every dotted key a scenario may state, with its type, unit, bounds and citation.

One row per key of ``scenarios/baseline.toml``, in the file's order. The loader (``sim.parameters``)
checks every value against its row, and ``document()`` renders the table as Markdown for
``docs/scenario-keys.md``. The baseline file gives each key's value and the full text of its
reference; here ``citation`` is the head of that reference (the article, ``ASSUMED`` for a
behavioural input, or ``SETTING`` for a choice of how the study measures), and ``tests/test_schema.py``
holds the two together.

Bounds are closed unless ``low_open``: ``low=0`` means "not negative", ``low=0, low_open=True`` means
"positive". A share is a number within [0, 1]. ``inf`` is refused unless ``inf_ok`` (it then means "no
limit"). A value may be dated (in force from a date on) unless ``dated`` is false: the calendar is read
once, and so are the keys the engine reads only at day 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .calendar import YEAR_DAYS

#: Unit types (Art. 7): one-bed, two-bed, larger, and a room of a split suite (拆套).
UNIT_TYPES = ("one_bed", "two_bed", "multi_bed", "shared_room")
#: Applicant kinds (Art. 4): single, family, an employer's staff.
KINDS = ("single", "family", "employer")
#: Sectors (Art. 3): the two priority sectors (public-welfare institutions, basic public services),
#: then the rest.
SECTORS = ("public_welfare", "public_service", "other")
#: Art. 23(2): the forced exits (限期收回) drawn as annual hazards; arrears (Art. 21, 23) are counted apart.
FORCED_HAZARD_EXITS = (
    "unreported_change",
    "nuisance",
    "subletting",
    "change_of_use",
    "damage",
    "absence",
    "violation",
)
#: Art. 23(2): every lease the operator ends (the hazards above and 3 rent arrears, Art. 23(2)(7)); the
#: tenant hands the unit back within a time limit and is barred from applying again (Order No. 11, Art. 36).
FORCED_EXITS = (*FORCED_HAZARD_EXITS, "arrears")
#: Art. 23 exit reasons drawn as annual hazards, in the order of ``exits.*_per_year`` keys: the voluntary
#: ones (Art. 23(1)), then the forced ones.
HAZARD_EXITS = (
    "other_housing",
    "marital_change",
    "job_change",
    "employer_withdrawal",
    "other",
    *FORCED_HAZARD_EXITS,
)
#: Every exit reason a tenancy can end with.
EXIT_REASONS = HAZARD_EXITS + ("employer_relocation", "arrears", "cap", "not_renewed", "renewal_refused")
#: The refusals a review can end with: a condition of Art. 5 or 10 failed (``sim/eligibility.py``), an upheld
#: tip-off (Art. 12-13), a caught false declaration (Art. 25-26), an employer gone from the district (Art. 5).
REFUSALS = (
    "residence_status",
    "contract_years",
    "social_insurance",
    "housing_area",
    "other_benefit",
    "simultaneous_application",
    "tipoff_upheld",
    "false_declaration",
    "employer_left_district",
)

# Plausibility bounds of the counts that drive a run's memory (``sim/capacity.py``): ten times the whole
# city (``scenarios/shanghai.toml``: 200,000 units, 68,000 filings a year, 24,000 waiting), so that a
# typing slip (``target_units=10000000``, ``1e30``) is refused at once rather than run out of memory.
#: units of the stock, at the start or by the target, and of one project: ten times the city's 200,000
MAX_UNITS = 2_000_000
#: filings a year: ten times the city's 68,000, rounded up
MAX_FILINGS_PER_YEAR = 1_000_000
#: households waiting on the start date: ten times the city's 24,000, rounded up to a year of the most filings
MAX_WAITING = 1_000_000
#: staff households in one employer's filing (Art. 4(3)); the baseline's largest block is 30
MAX_BLOCK_STAFF = 10_000
#: years simulated: a century (the baseline plans 10); the daily table and the filings grow with it
MAX_HORIZON_YEARS = 100

# Types of value. The first four are plain values; the others are tables or lists of a fixed shape.
NUMBER = "number"
SHARE = "share"  # a number within [0, 1]
FLAG = "flag"
TEXT = "text"
CHOICE = "choice"  # one of ``choices``
DATE = "date"  # an ISO date, YYYY-MM-DD
DATE_LIST = "date list"
UNIT_TYPE_LIST = "unit type list"  # some of ``choices``
NAME_LIST = "name list"  # some of ``choices``, which ``unit`` names
MONTHLY_FACTORS = "monthly factors"
SHARE_TABLE = "share table"  # {name = share}; the names are ``entries`` when given
FAMILY_SIZES = "family size shares"
EMPLOYER_BLOCK = "employer block"
CONTRACT_LENGTHS = "contract lengths"
RANGE = "range"  # numbers ≥ 0 named by ``entries``, each at least the one before
SHARE_RANGE = "share range"  # a range within [0, 1]
UNIT_MIX = "unit mix"
PROJECT_LIST = "project list"

#: How a value of each type is written in TOML.
TOML_FORM = {
    NUMBER: "number",
    SHARE: "number",
    FLAG: "boolean",
    TEXT: "string",
    CHOICE: "string",
    DATE: "date",
    DATE_LIST: "list",
    UNIT_TYPE_LIST: "list",
    NAME_LIST: "list",
    MONTHLY_FACTORS: "list",
    PROJECT_LIST: "list",
    SHARE_TABLE: "table",
    FAMILY_SIZES: "table",
    EMPLOYER_BLOCK: "table",
    CONTRACT_LENGTHS: "table",
    RANGE: "table",
    SHARE_RANGE: "table",
    UNIT_MIX: "table",
}

#: What a table or list of each type must satisfy (the bounds column of the Markdown table).
SHAPES = {
    DATE: "an ISO date",
    DATE_LIST: "each an ISO date",
    UNIT_TYPE_LIST: "each a unit type",
    MONTHLY_FACTORS: "12 numbers ≥ 0 averaging 1",
    PROJECT_LIST: f"each {{date, units in [0, {MAX_UNITS}] whole, operator of supply.operator_shares}}",
    SHARE_TABLE: "shares in [0, 1] summing to 1",
    FAMILY_SIZES: "persons (2 or more) = share; shares summing to 1",
    EMPLOYER_BLOCK: (
        f"mean_staff in [1, {MAX_BLOCK_STAFF}], max_staff in [mean_staff, {MAX_BLOCK_STAFF}] whole, "
        "family_share in [0, 1]"
    ),
    CONTRACT_LENGTHS: "years ≥ 0; shares of the same length summing to 1",
    UNIT_MIX: "unit type = {share, living_area_m2 > 0}; shares summing to 1",
}


@dataclass(frozen=True, slots=True)
class Key:
    """One scenario key.

    Attributes:
        name: the dotted key, ``section.name``.
        type: one of the types above.
        unit: the unit the value is written in (the baseline states the same).
        citation: the article the value rests on, ``ASSUMED`` for a behavioural input, or ``SETTING``
            for a study setting (horizon, warm-up, the yardsticks of the analysis).
        low, high: bounds of a number or share (None: none).
        low_open: ``low`` itself is refused.
        inf_ok: ``inf`` is allowed (a number; it means "no limit").
        whole: a whole number (``inf`` aside); kept as an int.
        choices: the values a choice may take, or the unit types a unit type list or mix may name.
        entries: the names a table must have (or each table of a list).
        dated: the value may be dated.
    """

    name: str
    type: str
    unit: str
    citation: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    inf_ok: bool = False
    whole: bool = False
    choices: tuple[str, ...] = ()
    entries: tuple[str, ...] = ()
    dated: bool = True

    def __post_init__(self):
        if self.type not in TOML_FORM:
            raise ValueError(f"{self.name}: unknown type {self.type!r}")
        if (self.type == SHARE) != ((self.low, self.high) == (0, 1)):
            raise ValueError(f"{self.name}: a share, and only a share, is bounded by [0, 1]")
        if (self.low is not None or self.high is not None or self.inf_ok or self.whole) and TOML_FORM[
            self.type
        ] != "number":
            raise ValueError(f"{self.name}: bounds apply to numbers only")

    @property
    def section(self) -> str:
        return self.name.split(".", 1)[0]

    def bounds(self) -> str:
        """The bounds as the documentation writes them: ``≥ 0``, ``> 0``, ``[0, 1]``, ``one of ...``."""
        if self.type == CHOICE:
            return "one of " + ", ".join(self.choices)
        if self.type == RANGE:
            return " ≤ ".join(("0", *self.entries))
        if self.type == SHARE_RANGE:
            return " ≤ ".join(("0", *self.entries, "1"))
        if self.type == NAME_LIST:
            return "each one of " + ", ".join(self.choices)
        if self.type in SHAPES:
            return SHAPES[self.type]
        if self.low is not None and self.high is not None:
            return f"{'(' if self.low_open else '['}{_show(self.low)}, {_show(self.high)}]"
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '≥'} {_show(self.low)}")
        if self.high is not None:
            parts.append(f"≤ {_show(self.high)}")
        return ", ".join(parts)


def _show(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


# Shorthands for the rows below.
_NN = {"low": 0}  # not negative
_POS = {"low": 0, "low_open": True}  # positive
_01 = {"low": 0, "high": 1}  # a share's bounds

#: How a favoured group is served (``sim.rules.Preference``): receipt order, a seniority credit, a reserved
#: share of vacancies, or precedence.
PREFERENCE_RULES = ("none", "tilt", "reserved_share", "strict")
#: How the next household to be offered a unit is picked (``sim/waiting_list.py``): receipt order, a
#: lottery (摇号), a points score, or a fresh uniform draw among those the unit suits.
MECHANISMS = ("receipt_order", "lottery", "points", "random_pool")


def _preference(prefix: str, citation: str) -> tuple[Key, ...]:
    """The keys of one favoured group (Art. 3 priority sectors, Art. 9 key employers): its rule
    (``<prefix>_rule``), the days credited under ``tilt`` (``<prefix>_weight``) and the share of vacancies
    reserved under ``reserved_share`` (``<prefix>_reserved_share``)."""
    return (
        Key(f"{prefix}_rule", CHOICE, "|".join(PREFERENCE_RULES), citation, choices=PREFERENCE_RULES),
        Key(f"{prefix}_weight", NUMBER, "day of seniority credit", "ASSUMED", **_NN),
        Key(f"{prefix}_reserved_share", SHARE, "share of vacancies", "ASSUMED", **_01),
    )


SCHEMA: tuple[Key, ...] = (
    # calendar: read once, at day 0
    Key("calendar.start_date", DATE, "date", "Art. 30(3)", dated=False),
    Key("calendar.horizon_years", NUMBER, "year", "SETTING", **_POS, high=MAX_HORIZON_YEARS, dated=False),
    Key("calendar.holidays", DATE_LIST, "date", "国务院办公厅关于节假日安排的通知", dated=False),
    Key("calendar.makeup_workdays", DATE_LIST, "date", "国务院办公厅关于节假日安排的通知", dated=False),
    # arrivals (Art. 4, 9)
    Key("arrivals.applications_per_year", NUMBER, "filing/year", "ASSUMED", **_NN, high=MAX_FILINGS_PER_YEAR),
    Key("arrivals.kind_shares", SHARE_TABLE, "share of filings", "ASSUMED", entries=KINDS),
    Key("arrivals.family_size", FAMILY_SIZES, "share of family households by persons", "ASSUMED"),
    Key(
        "arrivals.employer_block",
        EMPLOYER_BLOCK,
        "staff households per block filing",
        "ASSUMED",
        entries=("mean_staff", "max_staff", "family_share"),
    ),
    Key("arrivals.priority_sector_share", SHARE, "share", "ASSUMED", **_01),
    Key(
        "arrivals.priority_sector_split",
        SHARE_TABLE,
        "share of priority-sector households",
        "ASSUMED",
        entries=SECTORS[:2],
    ),
    Key("arrivals.frontline_share", SHARE, "share of priority-sector employer staff", "ASSUMED", **_01),
    Key("arrivals.key_employer_share", SHARE, "share of employer filings", "ASSUMED", **_01),
    Key("arrivals.incomplete_share", SHARE, "share", "ASSUMED", **_01),
    Key("arrivals.resubmit_days", NUMBER, "day", "ASSUMED", **_NN),
    Key("arrivals.abandon_incomplete_share", SHARE, "share", "ASSUMED", **_01),
    Key("arrivals.reapply_share", SHARE, "share", "ASSUMED", **_01),
    Key("arrivals.reapply_delay_days", NUMBER, "day", "ASSUMED", **_NN),
    Key("arrivals.reapply_barred_exits", NAME_LIST, "exit reasons", "ASSUMED", choices=EXIT_REASONS),
    Key("arrivals.rent_elasticity", NUMBER, "relative demand per unit of rent discount", "ASSUMED", **_NN),
    Key(
        "arrivals.monthly_factors",
        MONTHLY_FACTORS,
        "relative filing rate, January to December (mean 1)",
        "ASSUMED",
        dated=False,
    ),
    Key(
        "arrivals.replay",
        TEXT,
        "path of an applications.csv (docs/calibration-data.md), relative to the scenario file",
        "Off (empty)",
        dated=False,
    ),
    # households: the circumstances applicants declare (Art. 5, 6, 10)
    Key("households.residence_status_share", SHARE, "share", "ASSUMED", **_01),
    Key("households.contract_years", CONTRACT_LENGTHS, "year", "ASSUMED", entries=("years", "shares")),
    Key("households.social_insurance_share", SHARE, "share", "ASSUMED", **_01),
    Key("households.housed_share", SHARE, "share", "ASSUMED", **_01),
    Key("households.area_per_capita_m2", RANGE, "m2 per person, uniform", "ASSUMED", entries=("low", "high")),
    Key("households.suburban_hukou_housing_share", SHARE, "share", "ASSUMED", **_01),
    Key("households.suburban_area_per_capita_m2", NUMBER, "m2 per person", "ASSUMED", **_NN),
    Key("households.other_benefit_share", SHARE, "share", "ASSUMED", **_01),
    Key("households.simultaneous_application_share", SHARE, "share", "ASSUMED", **_01),
    # eligibility (Art. 5, 6, 10)
    Key("eligibility.max_area_per_capita_m2", NUMBER, "m2 per person", "Art. 5", **_NN),
    Key("eligibility.min_contract_years", NUMBER, "year", "Art. 5", **_NN),
    Key("eligibility.require_social_insurance", FLAG, "flag", "Art. 5"),
    Key("eligibility.require_residence_status", FLAG, "flag", "Art. 5"),
    Key("eligibility.exclude_other_benefits", FLAG, "flag", "Art. 5"),
    Key("eligibility.exclude_simultaneous_applications", FLAG, "flag", "Art. 10"),
    Key("eligibility.count_suburban_hukou_housing", FLAG, "flag", "Art. 6(3)"),
    Key("eligibility.suburban_exempt_qualified_before", DATE, "date", "Art. 6(3)", dated=False),
    # review (Art. 11-14, 25-26)
    Key("review.working_days", NUMBER, "working day", "Art. 11", **_NN, whole=True),
    Key(
        "review.duration_working_days",
        RANGE,
        "working day, triangular, rounded up, at most review.working_days",
        "ASSUMED",
        entries=("low", "mode", "high"),
    ),
    Key(
        "review.capacity_per_working_day",
        NUMBER,
        "reviews per working day",
        "ASSUMED",
        **_POS,
        inf_ok=True,
        whole=True,
    ),
    Key("review.publicity_days", NUMBER, "day", "Art. 12", **_NN),
    Key("review.tipoff_share", SHARE, "share", "ASSUMED", **_01),
    Key("review.tipoff_working_days", NUMBER, "working day", "Art. 12", **_NN, whole=True),
    Key(
        "review.tipoff_duration_working_days",
        RANGE,
        "working day, triangular, rounded up, at most review.tipoff_working_days",
        "ASSUMED",
        entries=("low", "mode", "high"),
    ),
    Key("review.tipoff_upheld_share", SHARE, "share", "ASSUMED", **_01),
    Key("review.appeal_share", SHARE, "share", "ASSUMED", **_01),
    Key("review.appeal_working_days", NUMBER, "working day", "Art. 14", **_NN, whole=True),
    Key("review.appeal_upheld_share", SHARE, "share", "ASSUMED", **_01),
    Key("review.false_share", SHARE, "share", "ASSUMED", **_01),
    Key("review.false_detect_share", SHARE, "share", "ASSUMED", **_01),
    Key("review.final_refusals", NAME_LIST, "refusals", "Art. 14, 25-26, 5", choices=REFUSALS),
    # queue: waiting (Art. 19)
    Key("queue.validity_years", NUMBER, "year", "Art. 19", **_NN, inf_ok=True),
    Key("queue.withdraw_hazard_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("queue.change_hazard_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("queue.carry_over_priority", FLAG, "flag", "Art. 19"),
    Key("queue.initial_waiting", NUMBER, "household", "ASSUMED", **_NN, high=MAX_WAITING, whole=True),
    Key(
        "queue.initial_certificate_age_years",
        RANGE,
        "year before the start, uniform, at most queue.validity_years",
        "ASSUMED",
        entries=("low", "high"),
        dated=False,
    ),
    # allocation (Art. 3, 7, 9, 15-18)
    Key("allocation.mode", CHOICE, "continuous|batch", "Art. 15", choices=("continuous", "batch")),
    Key("allocation.batch_interval_days", NUMBER, "day", "ASSUMED", low=1),  # a batch a day at most
    *_preference("allocation.priority", "Art. 3"),
    *_preference("allocation.key_employer", "Art. 9"),
    Key("allocation.mechanism", CHOICE, "|".join(MECHANISMS), "Art. 9, 15, 16, 19", choices=MECHANISMS),
    Key("allocation.lottery_draw", CHOICE, "batch|unit", "ASSUMED", choices=("batch", "unit")),
    Key("allocation.lottery_weight_per_failure", NUMBER, "ballot weight per failed batch", "ASSUMED", **_NN),
    Key("allocation.lottery_decline_keeps_place", FLAG, "flag", "Art. 16"),
    Key("allocation.points_per_year_waiting", NUMBER, "point per year", "ASSUMED", **_NN),
    Key("allocation.points_per_person", NUMBER, "point per person", "ASSUMED", **_NN),
    Key("allocation.points_priority_sector", NUMBER, "point", "Art. 3", **_NN),
    Key("allocation.points_key_employer", NUMBER, "point", "Art. 9", **_NN),
    Key("allocation.points_per_m2_below_line", NUMBER, "point per m2 per person", "ASSUMED", **_NN),
    Key("allocation.decline_share", SHARE, "share of offers", "ASSUMED", **_01),
    # the choice model (Art. 16: the applicant chooses): log-odds of declining an offered unit
    Key("allocation.choice_household_sd", NUMBER, "log-odds", "ASSUMED", **_NN),
    Key("allocation.choice_project_sd", NUMBER, "log-odds", "ASSUMED", **_NN),
    Key("allocation.choice_per_area_doubling", NUMBER, "log-odds", "ASSUMED"),
    Key("allocation.choice_reference_m2_per_person", NUMBER, "m2 per person", "ASSUMED", **_POS),
    Key("allocation.choice_per_1000_yuan", NUMBER, "log-odds", "ASSUMED"),
    Key("allocation.choice_reference_rent", NUMBER, "yuan a month", "ASSUMED", **_NN),
    *(Key(f"allocation.choice_type_{t}", NUMBER, "log-odds", "ASSUMED") for t in UNIT_TYPES),
    Key("allocation.decline_cap", NUMBER, "declines", "ASSUMED", **_NN, whole=True),
    Key("allocation.decline_penalty", CHOICE, "back|ban", "ASSUMED", choices=("back", "ban")),
    Key("allocation.max_offers", NUMBER, "offers", "ASSUMED", **_NN, whole=True),
    Key("allocation.offer_to_sign_days", NUMBER, "day", "ASSUMED", **_NN),
    Key("allocation.sign_refusal_share", SHARE, "share", "ASSUMED", **_01),
    Key("allocation.move_in_working_days", NUMBER, "working day", "Art. 18", **_NN, whole=True),
    Key(
        "allocation.move_in_window_share",
        SHARE_RANGE,
        "share of the time from signing to the Art. 18 deadline, uniform",
        "ASSUMED",
        entries=("low", "high"),
    ),
    Key("allocation.no_show_share", SHARE, "share", "ASSUMED", **_01),
    Key("allocation.min_living_area_m2_per_person", NUMBER, "m2 per person", "Art. 7(3)", **_NN),
    Key("allocation.single_unit_types", UNIT_TYPE_LIST, "unit types", "Art. 7(1)", choices=UNIT_TYPES),
    Key("allocation.family_unit_types", UNIT_TYPE_LIST, "unit types", "Art. 7(2)", choices=UNIT_TYPES),
    Key("allocation.frontline_unit_types", UNIT_TYPE_LIST, "unit types", "Art. 7(3)", choices=UNIT_TYPES),
    # penalties: bans (Art. 17-19, 26)
    Key("penalties.ban_years", NUMBER, "year", "Art. 17-19", **_NN, inf_ok=True),
    Key("penalties.lapse_ban_years", NUMBER, "year", "Art. 19", **_NN, inf_ok=True),
    Key(
        "penalties.lapse_ban_exception",
        CHOICE,
        "no_suitable_offer|no_suitable_unit",
        "Art. 19",
        choices=("no_suitable_offer", "no_suitable_unit"),
    ),
    Key("penalties.false_declaration_ban_years", NUMBER, "year", "Art. 26", **_NN, inf_ok=True),
    Key("penalties.forced_exit_ban_years", NUMBER, "year", "Art. 23(2)", **_NN, inf_ok=True),
    Key("penalties.decline_ban_years", NUMBER, "year", "ASSUMED", **_NN, inf_ok=True),
    # lease: term, total and renewal (Art. 17(3), 20)
    Key("lease.term_years", NUMBER, "year", "Art. 17(3)", **_POS, inf_ok=True),
    Key("lease.max_total_years", NUMBER, "year", "Art. 17(3)", **_NN, inf_ok=True),
    Key("lease.renewal_notice_months", NUMBER, "month", "Art. 20", **_NN),
    Key("lease.renewal_apply_share", SHARE, "share", "ASSUMED", **_01),
    Key(
        "lease.renewal_review",
        CHOICE,
        "eligibility|share",
        "Art. 17(3), 20",
        choices=("eligibility", "share"),
    ),
    Key("lease.renewal_pass_share", SHARE, "share", "ASSUMED", **_01),
    Key("lease.renewal_residual_fail_share", SHARE, "share", "ASSUMED", **_01),
    Key("lease.circumstance_change_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("lease.offplan_purchase_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    # rent and arrears (Art. 21, 23)
    Key("rent.discount_to_market", SHARE, "share below market", "Art. 21", **_01),
    # the market path: read once, at day 0 (``sim/rent.py``)
    Key(
        "rent.market_rent_m2_month",
        NUMBER,
        "yuan per m2 of living area a month",
        "ASSUMED",
        **_NN,
        dated=False,
    ),
    Key("rent.market_growth_per_year", NUMBER, "per year", "ASSUMED", low=-1, low_open=True, dated=False),
    Key("rent.appraisal_date", DATE, "date", "Art. 21", dated=False),
    Key("rent.arrears_hazard_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("rent.arrears_limit", NUMBER, "arrears", "Art. 23(2)(7)", **_NN, whole=True),
    # exits: one annual hazard per Art. 23 reason
    Key("exits.other_housing_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.marital_change_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.job_change_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.employer_withdrawal_per_year", NUMBER, "per year, employer staff", "ASSUMED", **_NN),
    Key("exits.employer_relocation_per_year", NUMBER, "per year, per employer", "ASSUMED", **_NN),
    Key("exits.other_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.unreported_change_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.nuisance_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.subletting_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.change_of_use_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.damage_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.absence_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    Key("exits.violation_per_year", NUMBER, "per year", "ASSUMED", **_NN),
    # transition after a tenancy (Art. 24)
    Key(
        "transition.offplan_delivery_months",
        RANGE,
        "month from the purchase, uniform",
        "ASSUMED",
        entries=("low", "high"),
    ),
    Key("transition.after_delivery_months", NUMBER, "month", "Art. 24(2)", **_NN),
    Key("transition.other_share", SHARE, "share of other exits", "ASSUMED", **_01),
    Key("transition.other_months", NUMBER, "month", "Art. 24(3)", **_NN),
    Key("transition.forced_exit_transition", FLAG, "flag", "ASSUMED"),
    Key("transition.capped_market_stay_share", SHARE, "share of capped tenants", "ASSUMED", **_01),
    Key("transition.capped_market_stay_months", NUMBER, "month", "ASSUMED", **_NN),
    # supply (Art. 2, 7, 8; the 14th five-year plan)
    Key("supply.initial_units", NUMBER, "unit", "ASSUMED", **_NN, high=MAX_UNITS, whole=True),
    Key("supply.initial_occupancy", SHARE, "share", "ASSUMED", **_01),
    Key(
        "supply.initial_held_share",
        SHARE_RANGE,
        "share of lease.max_total_years held before the start, uniform",
        "ASSUMED",
        entries=("low", "high"),
        dated=False,
    ),
    Key("supply.target_units", NUMBER, "unit", "十四五 land-use plan", **_NN, high=MAX_UNITS, whole=True),
    Key(
        "supply.target_counts",
        CHOICE,
        "stock|additions",
        "十四五 land-use plan",
        choices=("stock", "additions"),
        dated=False,
    ),
    Key("supply.target_date", DATE, "date", "十四五 plan"),
    Key("supply.project_interval_days", NUMBER, "day", "ASSUMED", **_POS),
    Key(
        "supply.projects",
        PROJECT_LIST,
        "list of {date, units, operator}",
        "ASSUMED",
        entries=("date", "units", "operator"),
    ),
    Key(
        "supply.mix",
        UNIT_MIX,
        "share of units; living area",
        "ASSUMED",
        choices=UNIT_TYPES,
        entries=("share", "living_area_m2"),
    ),
    Key("supply.operator_shares", SHARE_TABLE, "share of projects", "Art. 2, 9"),
    Key("supply.turnaround_days", NUMBER, "day", "ASSUMED", **_NN),
    # start: the state a run begins from (the operators' snapshot, docs/snapshot-data.md)
    Key(
        "start.snapshot",
        TEXT,
        "folder of a snapshot (docs/snapshot-data.md), relative to the scenario file",
        "Off (empty)",
        dated=False,
    ),
    Key(
        "start.supply",
        CHOICE,
        "snapshot|scenario",
        "ASSUMED",
        choices=("snapshot", "scenario"),
        dated=False,
    ),
    # analysis: how the outputs are read (Art. 27 for the smallest cell shown)
    Key("analysis.min_cell", NUMBER, "household", "Art. 27", **_NN, whole=True),
    Key("analysis.warmup_days", NUMBER, "day", "SETTING", **_NN),
    Key("analysis.cohort_margin_days", NUMBER, "day", "SETTING", **_NN),
    Key("analysis.need_per_person", NUMBER, "point per person", "SETTING", **_NN),
    Key("analysis.need_priority_sector", NUMBER, "point", "Art. 3", **_NN),
    Key("analysis.need_key_employer", NUMBER, "point", "Art. 9", **_NN),
    Key("analysis.need_per_m2_below_line", NUMBER, "point per m2 per person", "SETTING", **_NN),
    Key("analysis.need_area_line_m2", NUMBER, "m2 per person", "Art. 5", **_NN),
    Key("analysis.need_quantile", SHARE, "quantile", "SETTING", **_01),
    Key("analysis.oversize_factor", NUMBER, "times the Art. 7 standard", "SETTING", **_NN),
)

#: The rows by key.
#: Plausibility bounds of every length of time and yearly hazard without a bound of its own: beyond them
#: a value is a slip (``1e300``, ``1e-9``) that would overflow a day count or schedule events without end.
#: A length is at most a century (``MAX_HORIZON_YEARS``); a yearly hazard at most once a day.
MAX_LENGTH = {
    "year": MAX_HORIZON_YEARS,
    "day": round(YEAR_DAYS * MAX_HORIZON_YEARS),
    "month": 12 * MAX_HORIZON_YEARS,
}
MAX_HAZARD_PER_YEAR = 365
#: The shortest a period that repeats may be (a lease term, the interval between projects, the horizon):
#: shorter ones schedule events without end.
MIN_PERIOD = {"lease.term_years": 1 / 12, "supply.project_interval_days": 1.0, "calendar.horizon_years": 0.01}


def _plausible(key: Key) -> Key:
    """``key`` with the plausibility bounds above where its row sets none (``MIN_PERIOD`` always)."""
    changes: dict = {}
    if key.name in MIN_PERIOD:
        changes.update(low=MIN_PERIOD[key.name], low_open=False)
    if key.type == NUMBER and key.high is None:
        unit = key.unit.split(",")[0]
        if unit.startswith("per year"):
            changes["high"] = MAX_HAZARD_PER_YEAR
        elif unit in ("year", "day", "month", "working day"):
            changes["high"] = MAX_LENGTH[unit.replace("working ", "")]
    return dataclasses.replace(key, **changes) if changes else key


SCHEMA = tuple(_plausible(k) for k in SCHEMA)
KEYS: dict[str, Key] = {k.name: k for k in SCHEMA}


def markdown(schema: tuple[Key, ...] = SCHEMA) -> str:
    """The schema as a Markdown table: key, type, unit, bounds, inf allowed, dated, citation."""
    lines = [
        "| key | type | unit | bounds | inf allowed | may be dated | citation |",
        "|---|---|---|---|---|---|---|",
    ]
    for k in schema:
        kind = "whole number" if k.whole else k.type
        cells = (
            f"`{k.name}`",
            kind,
            k.unit,
            k.bounds(),
            "yes" if k.inf_ok else "",
            "yes" if k.dated else "no",
            k.citation,
        )
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def document() -> str:
    """``docs/scenario-keys.md``: the Markdown table with a heading saying where it comes from."""
    return (
        "# Scenario keys\n\n"
        "Generated from `sim/schema.py`; do not edit by hand, but run\n\n"
        "    python -c 'import sim.schema as s; print(s.document(), end=\"\")' > docs/scenario-keys.md\n\n"
        "Every key of `scenarios/baseline.toml`, in its order, with the type, unit and bounds the\n"
        "loader checks. The baseline states each key's value and the full text of its reference; the\n"
        "citation here is its head (the article, ASSUMED for a behavioural input, or SETTING for a\n"
        "choice of how the study measures). Values keep these units; the engine converts them in one\n"
        "place (`sim/rules.py`). A duration in years or months counts calendar dates: it ends on the\n"
        "same date that many years or months later, 29 February going to 28 February\n"
        "(`sim/calendar.py`); a rate per year or a mean in months uses the mean year of\n"
        f"{YEAR_DAYS} days and month of 1/12 year.\n\n" + markdown()
    )
