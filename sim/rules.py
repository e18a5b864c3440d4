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

from .calendar import MONTH_DAYS, YEAR_DAYS
from .schema import KINDS

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
        demand = v["arrivals.applications_per_year"] * (
            1.0 + v["arrivals.rent_elasticity"] * v["rent.discount_to_market"]
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
        self.frontline_share = v["arrivals.frontline_share"]
        self.key_employer_share = v["arrivals.key_employer_share"]
        self.incomplete_share = v["arrivals.incomplete_share"]
        self.resubmit_days = v["arrivals.resubmit_days"]
        self.abandon_incomplete_share = v["arrivals.abandon_incomplete_share"]
        self.reapply_share = v["arrivals.reapply_share"]
        self.reapply_delay_days = v["arrivals.reapply_delay_days"]
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
        self.review_capacity = v["review.capacity_per_working_day"]
        self.publicity_days = v["review.publicity_days"]
        self.tipoff_share = v["review.tipoff_share"]
        self.tipoff_wd = int(v["review.tipoff_working_days"])
        self.tipoff_upheld_share = v["review.tipoff_upheld_share"]
        self.appeal_share = v["review.appeal_share"]
        self.appeal_wd = int(v["review.appeal_working_days"])
        self.appeal_upheld_share = v["review.appeal_upheld_share"]
        self.false_share = v["review.false_share"]
        self.false_detect_share = v["review.false_detect_share"]

        # Waiting (Art. 19).
        self.validity_months = 12.0 * v["queue.validity_years"]  # calendar months (``WorkCalendar``)
        self.withdraw_rate = _per_day(v["queue.withdraw_hazard_per_year"])
        self.change_rate = _per_day(v["queue.change_hazard_per_year"])
        self.carry_over = v["queue.carry_over_priority"]

        # Allocation (Art. 3, 7, 9, 15-18).
        self.mode = v["allocation.mode"]
        self.batch_interval_days = v["allocation.batch_interval_days"]
        self.priority_rule = v["allocation.priority_rule"]
        self.priority_weight_days = v["allocation.priority_weight"]
        self.reserved_share = v["allocation.priority_reserved_share"]
        self.key_employer_priority = v["allocation.key_employer_priority"]
        self.decline_share = v["allocation.decline_share"]
        self.offer_to_sign_days = v["allocation.offer_to_sign_days"]
        self.sign_refusal_share = v["allocation.sign_refusal_share"]
        self.move_in_wd = int(v["allocation.move_in_working_days"])
        self.no_show_share = v["allocation.no_show_share"]
        self.min_living_area = v["allocation.min_living_area_m2_per_person"]
        self.single_types = frozenset(v["allocation.single_unit_types"])
        self.family_types = frozenset(v["allocation.family_unit_types"])
        self.frontline_types = frozenset(v["allocation.frontline_unit_types"])

        # Bans (Art. 17-19, 26).
        self.ban_days = v["penalties.ban_days"]
        self.lapse_ban_days = v["penalties.lapse_ban_days"]
        self.false_ban_days = v["penalties.false_declaration_ban_days"]
        self.forced_exit_ban_days = v["penalties.forced_exit_ban_days"]

        # Leases and renewal (Art. 17, 20).
        self.term_months = 12.0 * v["lease.term_years"]
        self.max_total_years = v["lease.max_total_years"]
        self.renewal_notice_months = v["lease.renewal_notice_months"]
        self.renewal_apply_share = v["lease.renewal_apply_share"]
        self.renewal_pass_share = v["lease.renewal_pass_share"]

        # Rent and arrears (Art. 21, 23).
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
        self.offplan_share = v["transition.offplan_share"]
        self.offplan_delivery_days = v["transition.offplan_delivery_months"] * MONTH_DAYS
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
