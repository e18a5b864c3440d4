"""The rules in force on one day, converted once into the engine's units.

Scenario files keep each value in its own unit (years, months, working days, rates per year); the engine
works in days and per-day rates. ``Rules`` does that conversion in one place, each time a dated value
switches (``Params.change_days``), so the event loop only reads plain attributes. A rule's duration in
years or months becomes calendar months, counted in calendar dates from the day it starts
(``WorkCalendar.add_months``); rates per year and means become days with ``YEAR_DAYS``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from .calendar import MONTH_DAYS, YEAR_DAYS
from .rent import demand_factor
from .schema import HAZARD_EXITS, KINDS, UNIT_TYPES


@dataclass(frozen=True, slots=True)
class Preference:
    """How one group of applicants is favoured in the order of service: the priority sectors (Art. 3:
    适当倾斜) or the staff of district key employers (Art. 9: 区重点单位可优先申请房源).

    ``rule``: ``none``, receipt order alone; ``tilt``, a member ranks as if it had filed ``weight_days``
    earlier (a seniority credit); ``reserved_share``, at least ``reserved_share`` of accepted offers go to
    members while one that the unit suits is waiting (``Allocator.offer_unit``); ``strict``, members are
    served before everyone else (precedence).
    """

    rule: str
    weight_days: float
    reserved_share: float

    @classmethod
    def of(cls, v: dict, prefix: str) -> Preference:
        """The group's keys ``<prefix>_rule``, ``<prefix>_weight`` and ``<prefix>_reserved_share``."""
        return cls(v[f"{prefix}_rule"], v[f"{prefix}_weight"], v[f"{prefix}_reserved_share"])

    def rank(self, member: bool) -> int:
        """0 for a member under ``strict`` (served first), else 1."""
        return 0 if member and self.rule == "strict" else 1

    def credit(self, member: bool) -> float:
        """Days of seniority credited to a member under ``tilt``, else 0."""
        return self.weight_days if member and self.rule == "tilt" else 0.0


@dataclass(frozen=True, slots=True)
class Points:
    """The points of ``allocation.mechanism = "points"``: a household's score is the sum of
    ``per_year_waiting`` a year since the certificate it joined the list with, ``per_person`` a member,
    ``priority_sector`` for a priority-sector household (Art. 3), ``key_employer`` for a district key
    employer's staff (Art. 9) and ``per_m2_below_line`` a square metre its counted area a person
    (Art. 6) is below the area line (Art. 5: 低于15平方米); the higher score is offered first."""

    per_year_waiting: float
    per_person: float
    priority_sector: float
    key_employer: float
    per_m2_below_line: float

    @classmethod
    def of(cls, v: dict) -> Points:
        return cls(*(v[f"allocation.points_{name}"] for name in cls.__slots__))


@dataclass(frozen=True, slots=True)
class Choice:
    """Art. 16: the applicant chooses among the units offered. A household declines a unit with the
    probability whose log-odds are ``base`` (logit of ``allocation.decline_share``) plus its taste
    (``household_sd`` × its normal draw), the project's appeal (``project_sd`` × the project's normal
    draw), ``per_doubling`` × log2(the unit's living area a person / the reference), ``per_yuan`` × (the
    unit's published rent − ``ref_rent``, yuan a month) and the unit type's term (``types``)."""

    base: float
    household_sd: float
    project_sd: float
    per_doubling: float
    log2_ref: float
    per_yuan: float
    ref_rent: float
    types: dict

    @classmethod
    def of(cls, v: dict) -> Choice | None:
        """The choice model of the ``allocation.choice_*`` keys; None when every term is 0 and each offer
        is declined with ``allocation.decline_share`` alone."""
        p = v["allocation.decline_share"]
        a = "allocation.choice_"
        types = {t: float(v[f"{a}type_{t}"]) for t in UNIT_TYPES}
        terms = tuple(v[a + k] for k in ("household_sd", "project_sd", "per_area_doubling", "per_1000_yuan"))
        if not any(terms) and not any(types.values()):
            return None
        base = -math.inf if p == 0 else math.inf if p == 1 else math.log(p / (1.0 - p))
        return cls(
            base,
            *terms[:3],
            math.log2(v[a + "reference_m2_per_person"]),
            terms[3] / 1000.0,
            v[a + "reference_rent"],
            types,
        )


@dataclass(frozen=True, slots=True)
class WorkingDays:
    """A duration in whole working days (Art. 11, 12): a triangular draw on [``low``, ``high``] with its
    mode at ``mode``, rounded up to a whole working day, and never more than the time ``limit`` the
    measures set (the operator meets its limit when its staff allow)."""

    low: float
    mode: float
    high: float
    limit: int

    def draw(self, u: float) -> int:
        """The duration for a uniform draw ``u`` in [0, 1) (the triangular distribution's inverse)."""
        low, mode, high = self.low, self.mode, self.high
        span = high - low
        if u * span < mode - low:
            x = low + math.sqrt(u * span * (mode - low))
        else:
            x = high - math.sqrt((1.0 - u) * span * (high - mode))
        return min(math.ceil(x), self.limit)


def _cumulative(shares) -> list[float]:
    cum = list(itertools.accumulate(float(s) for s in shares))
    cum[-1] = 1.0
    return cum


def _per_day(per_year: float) -> float:
    return per_year / YEAR_DAYS


class Rules:
    """Every parameter in force on one day, in days and per-day rates.

    Args:
        v: the flat ``{dotted key: value}`` mapping of ``Params.resolved(day)``.
    """

    def __init__(self, v: dict):
        # Arrivals (Art. 4, 9): filing rate, applicant kinds and their circumstances.
        # Art. 21: demand responds to the rent published relative to the market rent appraised
        demand = v["arrivals.applications_per_year"] * demand_factor(
            v["arrivals.rent_elasticity"], v["rent.discount_to_market"]
        )
        self.filing_gap_days = YEAR_DAYS / demand if demand > 0 else math.inf
        self.kind_cum = _cumulative(v["arrivals.kind_shares"][k] for k in KINDS)
        fam = sorted(v["arrivals.family_size"].items(), key=lambda kv: int(kv[0]))
        self.family_sizes = [int(k) for k, _ in fam]
        self.family_cum = _cumulative(s for _, s in fam)
        block = v["arrivals.employer_block"]
        self.block_mean_staff = float(block["mean_staff"])
        self.block_max_staff = int(block["max_staff"])
        self.block_family_share = float(block["family_share"])
        self.priority_sector_share = v["arrivals.priority_sector_share"]
        # below this draw a household is public-welfare, below the share public-service (Art. 3)
        self.public_welfare_share = (
            self.priority_sector_share * v["arrivals.priority_sector_split"]["public_welfare"]
        )
        self.frontline_share = v["arrivals.frontline_share"]
        self.key_employer_share = v["arrivals.key_employer_share"]
        self.incomplete_share = v["arrivals.incomplete_share"]
        self.resubmit_days = v["arrivals.resubmit_days"]
        self.abandon_incomplete_share = v["arrivals.abandon_incomplete_share"]
        self.reapply_share = v["arrivals.reapply_share"]
        self.reapply_delay_days = v["arrivals.reapply_delay_days"]
        self.reapply_barred_exits = frozenset(v["arrivals.reapply_barred_exits"])
        self.monthly_factors = [float(f) for f in v["arrivals.monthly_factors"]]
        self.replay = v["arrivals.replay"]

        # Circumstances declared by applicants (Art. 5, 6, 10).
        self.residence_status_share = v["households.residence_status_share"]
        cy = v["households.contract_years"]
        self.contract_years = [float(y) for y in cy["years"]]
        self.contract_cum = _cumulative(cy["shares"])
        self.social_insurance_share = v["households.social_insurance_share"]
        self.housed_share = v["households.housed_share"]
        area = v["households.area_per_capita_m2"]
        self.area_low, self.area_high = float(area["low"]), float(area["high"])
        self.suburban_share = v["households.suburban_hukou_housing_share"]
        self.suburban_area = v["households.suburban_area_per_capita_m2"]
        self.other_benefit_share = v["households.other_benefit_share"]
        self.simultaneous_share = v["households.simultaneous_application_share"]

        # Eligibility (Art. 5, 6, 10).
        self.max_area = v["eligibility.max_area_per_capita_m2"]
        self.min_contract_years = v["eligibility.min_contract_years"]
        self.require_social_insurance = v["eligibility.require_social_insurance"]
        self.require_residence_status = v["eligibility.require_residence_status"]
        self.exclude_other_benefits = v["eligibility.exclude_other_benefits"]
        self.exclude_simultaneous = v["eligibility.exclude_simultaneous_applications"]
        self.count_suburban = v["eligibility.count_suburban_hukou_housing"]

        # Review, publicity, tip-offs, appeals, false declarations (Art. 11-14, 25-26).
        self.review_wd = int(v["review.working_days"])
        self.review_time = WorkingDays(**v["review.duration_working_days"], limit=self.review_wd)
        self.review_capacity = v["review.capacity_per_working_day"]
        self.publicity_days = v["review.publicity_days"]
        self.tipoff_share = v["review.tipoff_share"]
        self.tipoff_wd = int(v["review.tipoff_working_days"])
        self.tipoff_time = WorkingDays(**v["review.tipoff_duration_working_days"], limit=self.tipoff_wd)
        self.tipoff_upheld_share = v["review.tipoff_upheld_share"]
        self.appeal_share = v["review.appeal_share"]
        self.appeal_wd = int(v["review.appeal_working_days"])
        self.appeal_upheld_share = v["review.appeal_upheld_share"]
        self.false_share = v["review.false_share"]
        self.false_detect_share = v["review.false_detect_share"]
        self.final_refusals = frozenset(v["review.final_refusals"])

        # Waiting (Art. 19).
        self.validity_months = 12.0 * v["queue.validity_years"]  # calendar months (``WorkCalendar``)
        self.withdraw_rate = _per_day(v["queue.withdraw_hazard_per_year"])
        self.change_rate = _per_day(v["queue.change_hazard_per_year"])
        self.carry_over = v["queue.carry_over_priority"]

        # Allocation (Art. 3, 7, 9, 15-18).
        self.mode = v["allocation.mode"]
        self.batch_interval_days = v["allocation.batch_interval_days"]
        self.sector = Preference.of(v, "allocation.priority")
        self.key_employer = Preference.of(v, "allocation.key_employer")
        # whether a group has a reserved share of offers to check at each offer (``Allocator.offer_unit``)
        self.any_reserved = "reserved_share" in (self.key_employer.rule, self.sector.rule)
        # Art. 9, 15, 16, 19: how the next household to be offered a unit is picked (``waiting_list.py``)
        self.mechanism = v["allocation.mechanism"]
        lottery = self.mechanism == "lottery"
        # a lottery drawn once per batch orders the list by ballots (``WaitingList.draw_ballots``); any
        # other lottery, and the random pool, draws afresh for each unit among those it suits
        self.ballots = lottery and self.mode == "batch" and v["allocation.lottery_draw"] == "batch"
        self.pool_draw = self.mechanism == "random_pool" or (lottery and not self.ballots)
        # ballot weight 1 + this × failed batches (a random pool draws evenly)
        self.weight_per_failure = v["allocation.lottery_weight_per_failure"] if lottery else 0.0
        # a household that declines under a per-batch lottery goes to the back of the batch's order
        self.send_back = self.ballots and not v["allocation.lottery_decline_keeps_place"]
        self.points = Points.of(v) if self.mechanism == "points" else None
        self.decline_share = v["allocation.decline_share"]
        self.choice = Choice.of(v)
        self.decline_cap = int(v["allocation.decline_cap"])
        self.decline_ban = v["allocation.decline_penalty"] == "ban"
        self.max_offers = int(v["allocation.max_offers"])
        self.offer_to_sign_days = v["allocation.offer_to_sign_days"]
        self.sign_refusal_share = v["allocation.sign_refusal_share"]
        self.move_in_wd = int(v["allocation.move_in_working_days"])
        window = v["allocation.move_in_window_share"]
        self.move_in_low, self.move_in_span = window["low"], window["high"] - window["low"]
        self.no_show_share = v["allocation.no_show_share"]
        self.min_living_area = v["allocation.min_living_area_m2_per_person"]
        self.single_types = frozenset(v["allocation.single_unit_types"])
        self.family_types = frozenset(v["allocation.family_unit_types"])
        self.frontline_types = frozenset(v["allocation.frontline_unit_types"])

        # Bans (Art. 17-19, 23(2), 26), in calendar years (``WorkCalendar.add_years``).
        self.ban_years = v["penalties.ban_years"]
        self.lapse_ban_years = v["penalties.lapse_ban_years"]
        self.lapse_ban_exception = v["penalties.lapse_ban_exception"]
        self.false_ban_years = v["penalties.false_declaration_ban_years"]
        self.forced_exit_ban_years = v["penalties.forced_exit_ban_years"]
        self.decline_ban_years = v["penalties.decline_ban_years"]

        # Leases and renewal (Art. 17, 20).
        self.term_months = 12.0 * v["lease.term_years"]
        self.max_total_years = v["lease.max_total_years"]
        self.renewal_notice_months = v["lease.renewal_notice_months"]
        self.renewal_apply_share = v["lease.renewal_apply_share"]
        self.renewal_review = v["lease.renewal_review"]
        self.renewal_pass_share = v["lease.renewal_pass_share"]
        self.renewal_residual_fail_share = v["lease.renewal_residual_fail_share"]
        self.circumstance_change_rate = _per_day(v["lease.circumstance_change_per_year"])
        self.offplan_purchase_rate = _per_day(v["lease.offplan_purchase_per_year"])

        # Rent and arrears (Art. 21, 23).
        self.discount = v["rent.discount_to_market"]
        self.arrears_rate = _per_day(v["rent.arrears_hazard_per_year"])
        self.arrears_limit = int(v["rent.arrears_limit"])

        # Exit hazards (Art. 23), per day; employer relocation is drawn per employer.
        # the competing hazards of a tenant, by whether it is an employer's staff (only staff can lose the
        # home to the employer's withdrawal), with their total rate
        rates = {r: _per_day(v[f"exits.{r}_per_year"]) for r in HAZARD_EXITS}
        total = sum(rates.values())
        self.exit_total = {True: total, False: total - rates["employer_withdrawal"]}
        self.exit_hazards = {
            staff: tuple((r, x) for r, x in rates.items() if staff or r != "employer_withdrawal")
            for staff in (True, False)
        }
        self.employer_relocation_rate = _per_day(v["exits.employer_relocation_per_year"])

        # Transitions (Art. 24).
        delivery = v["transition.offplan_delivery_months"]  # uniform from the purchase
        self.offplan_delivery_days = tuple(float(delivery[b]) * MONTH_DAYS for b in ("low", "high"))
        self.after_delivery_months = v["transition.after_delivery_months"]
        self.other_transition_share = v["transition.other_share"]
        self.other_transition_months = v["transition.other_months"]
        self.forced_exit_transition = bool(v["transition.forced_exit_transition"])
        self.capped_stay_share = v["transition.capped_market_stay_share"]
        self.capped_stay_months = v["transition.capped_market_stay_months"]

        # Supply (Art. 7, 8).
        mix = v["supply.mix"]
        self.living_area = {t: float(mix[t]["living_area_m2"]) for t in mix}
        self.turnaround_days = v["supply.turnaround_days"]

    def unit_types_for(self, size: int, frontline: bool) -> frozenset:
        """Art. 7: singles take a one- or two-bed unit, families a one-bed or larger; employer staff follow
        the same standard, and front-line public-service staff may also take a room of a split suite."""
        types = self.single_types if size == 1 else self.family_types
        return types | self.frontline_types if frontline else types
