"""Eligibility for a qualification (准入资格), Art. 5, 6 and 10, and the circumstances it is judged on."""

from __future__ import annotations

from dataclasses import dataclass

from .parameters import ScenarioError
from .rules import Rules
from .streams import Stream


@dataclass(slots=True)
class Circumstances:
    """What an applicant declares (Art. 5, 6, 10). Areas are building area per person, m²."""

    residence_status: bool  # Shanghai hukou, Jing'an hukou or a valid residence permit
    contract_years: float  # length of the labour contract
    social_insurance: bool
    area_per_capita: float  # housing held in Shanghai, counted under Art. 6(1)-(2)
    suburban_area_per_capita: float  # housing held only at a suburban hukou address, Art. 6(3)
    other_benefit: bool  # already in low-rent or shared-ownership housing
    simultaneous: bool  # applying for other subsidised housing at the same time


def draw_circumstances(s: Stream, r: Rules) -> Circumstances:
    """Draw one applicant's circumstances; always eight draws, so the stream keeps its place."""
    residence = s.chance(r.residence_status_share)
    contract = r.contract_years[s.pick(r.contract_cum)]
    social = s.chance(r.social_insurance_share)
    housed = s.chance(r.housed_share)
    area = s.uniform(r.area_low, r.area_high)
    suburban = s.chance(r.suburban_share)
    other = s.chance(r.other_benefit_share)
    simultaneous = s.chance(r.simultaneous_share)
    return Circumstances(
        residence_status=residence,
        contract_years=contract,
        social_insurance=social,
        area_per_capita=area if housed else 0.0,
        suburban_area_per_capita=r.suburban_area if (suburban and not housed) else 0.0,
        other_benefit=other,
        simultaneous=simultaneous,
    )


#: Redraws of ``draw_eligible`` before giving up: the scenario makes eligibility too rare to draw.
_MAX_REDRAWS = 1000


def draw_eligible(s: Stream, r: Rules, suburban_exempt: bool) -> Circumstances:
    """Circumstances of a household already there on the start date (a tenant of the stock or a household
    on the waiting list): drawn as an applicant's are (``draw_circumstances``), drawn again until they meet
    Art. 5, 6 and 10 under the rules ``r`` (it qualified once; ``suburban_exempt`` as in
    ``ineligibility``)."""
    for _ in range(_MAX_REDRAWS):
        c = draw_circumstances(s, r)
        if ineligibility(c, r, suburban_exempt) is None:
            return c
    raise ScenarioError(
        f"households: fewer than 1 in {_MAX_REDRAWS} applicants meet Art. 5, 6 and 10 on the start date, "
        "so the households already there cannot be given circumstances"
    )


def counted_area(c: Circumstances, r: Rules, suburban_exempt: bool = False) -> float:
    """Art. 6: per-capita building area. Art. 6(3): housing at a suburban hukou address
    (宝山, 闵行, 嘉定, 金山, 奉贤, 松江, 青浦, 崇明, 原南汇) of which no member is the owner is not
    counted, unless the scenario says so; and never for ``suburban_exempt``, a tenant re-reviewed for
    renewal who qualified before 2021-10-22 with it left out (该处郊区户籍地住房仍可不计入)."""
    if r.count_suburban and not suburban_exempt:
        return c.area_per_capita + c.suburban_area_per_capita
    return c.area_per_capita


def ineligibility(c: Circumstances, r: Rules, suburban_exempt: bool = False) -> str | None:
    """The first condition of Art. 5 or 10 the applicant fails, or None when eligible.

    Art. 5: a Shanghai hukou or a valid residence permit, a labour contract of at least one year (含1年)
    and social insurance paid; per-capita housing area strictly below 15 m² (低于15平方米); no low-rent or
    shared-ownership housing benefit. Art. 10: no simultaneous application for other subsidised housing.
    ``suburban_exempt``: Art. 6(3)'s exemption at a renewal re-review (``counted_area``).
    """
    if r.require_residence_status and not c.residence_status:
        return "residence_status"
    if c.contract_years < r.min_contract_years:
        return "contract_years"
    if r.require_social_insurance and not c.social_insurance:
        return "social_insurance"
    if not counted_area(c, r, suburban_exempt) < r.max_area:
        return "housing_area"
    if r.exclude_other_benefits and c.other_benefit:
        return "other_benefit"
    if r.exclude_simultaneous and c.simultaneous:
        return "simultaneous_application"
    return None
