"""Tenancy: leases and renewal (Art. 17(3), 20), arrears (Art. 21, 23), exits (Art. 23) and the
transitions after a tenancy ends (Art. 24)."""

from __future__ import annotations

import math

from . import rent
from .context import Context, Process
from .eligibility import draw_circumstances, ineligibility
from .households import TENANT, TRANSITION, Household
from .rules import Rules
from .schema import FORCED_EXITS
from .supply import Unit

EPS = 1e-9
"""Days within which two times are taken as one (a lease reaching the total)."""


def total_days(m: Context, h: Household, years: float) -> float:
    """Art. 17(3): the days a household may hold PRH in total (享受公共租赁住房保障的总年限累计不超过6年)
    under a total of ``years``: as many days as from its first move-in to the same date ``years`` later
    (calendar years, ``sim/calendar.py``). Days held in every tenancy count against them; one continuous
    tenancy thus ends on the date ``years`` after it began. ``inf`` before any move-in or without a total."""
    first = h.first_moved_in
    if first != first or years == math.inf:  # NaN: never moved in
        return math.inf
    return m.cal.add_months(first, 12.0 * years) - first


def exit_hazards(m: Context, h: Household) -> tuple[float, str | None]:
    """Art. 23: the time and reason of the first hazard exit, or (inf, None).

    Every reason has a constant annual hazard, so the competing risks are drawn once for the whole
    tenancy: the first event comes at rate sum(hazards) and its reason is picked in proportion. The third
    rent arrears (Art. 23(2)(7), ``rent.arrears_limit``) and the employer leaving the district
    (Art. 23(1)(5)) compete with them.
    """
    r, s = m.r, m.streams.tenancy
    now = m.env.now
    employer = h.employer
    staff = employer is not None
    total = r.exit_total[staff]
    t = now + s.hazard_time(total)
    pick = s.u() * total
    reason = "other"
    for name, rate in r.exit_hazards[staff]:
        pick -= rate
        if pick < 0:
            reason = name
            break
    arrears = 0.0  # the time to the limit's arrears: a sum of exponential gaps
    for _ in range(max(r.arrears_limit, 1)):
        arrears += s.hazard_time(r.arrears_rate)
    if now + arrears < t:
        t, reason = now + arrears, "arrears"
    if staff and employer.relocation_day < t:
        t, reason = max(employer.relocation_day, now), "employer_relocation"
    if t == math.inf:
        reason = None
    return t, reason


def re_review(
    m: Context, h: Household, r: Rules, since: float, day: float, exempt: bool, coin: float
) -> tuple[str | None, float]:
    """Art. 17(3), 20: the renewal re-review on ``day`` (重新进行资格审核, 按照准入资格申请程序), under the
    rules ``r`` in force that day.

    ``lease.renewal_review = "eligibility"``: the tenant's circumstances may have changed since ``since``
    (its move-in, the start date, or its last re-review): with ``lease.circumstance_change_per_year`` they
    are drawn again as an applicant's (the last change counts; the new ones are declared as they are). It
    may have bought an off-plan home (期房) at ``lease.offplan_purchase_per_year``, delivered uniformly
    within ``transition.offplan_delivery_months`` of the purchase, which takes it over the area line
    (Art. 24(2): 因购买期房…不再符合准入条件). Otherwise Art. 5, 6 and 10 apply (Art. 6(3): suburban hukou
    housing left out for ``exempt``); a false declaration that passed the first review passes again until
    the circumstances change (Art. 25-26 act at the application); ``lease.renewal_residual_fail_share``
    of the rest fail for what is not modelled (``coin``, uniform). ``"share"``: the re-review passes with
    ``lease.renewal_pass_share`` whatever the circumstances.

    Returns:
        Why the re-review fails (``ineligibility``'s reasons, ``offplan_purchase``, ``not_modelled``), or
        None; and the delivery day of an off-plan home not yet delivered on ``day`` when the tenant holds
        no other housing in Shanghai (Art. 24(2): 审核时所购期房尚未交付，且承租人在本市不拥有其他产权住房或
        承租公有住房), else ``inf``.
    """
    if r.renewal_review == "share":
        return (None if coin < r.renewal_pass_share else "not_modelled"), math.inf
    s = m.streams.renewal
    if s.u() < -math.expm1(-r.circumstance_change_rate * (day - since)):
        h.circumstances = draw_circumstances(s, r)
        h.false_declaration = False
    bought = since + s.hazard_time(r.offplan_purchase_rate)
    if bought < day:
        delivery = bought + s.uniform(*r.offplan_delivery_days)
        pending = delivery > day and h.circumstances.area_per_capita == 0.0
        return "offplan_purchase", delivery if pending else math.inf
    if not h.false_declaration:
        reason = ineligibility(h.circumstances, r, exempt)
        if reason is not None:
            return reason, math.inf
    if coin >= 1.0 - r.renewal_residual_fail_share:
        return "not_modelled", math.inf
    return None, math.inf


def tenancy(
    m: Context,
    h: Household,
    started: float | None = None,
    lease_start: float | None = None,
    lease_end: float | None = None,
) -> Process[None]:
    """Art. 17(3): a lease runs 2 years; to stay on, the tenant applies 3 months before it ends
    (Art. 20: 租赁合同期满前3个月), is re-reviewed (``re_review``), and may renew; the total held over all
    tenancies of a household is at most ``lease.max_total_years`` (6 years, ``total_days``). A lease never
    runs past that total. Art. 20: a tenant who does not apply in time gives up the renewal
    (视为承租人放弃续租). Art. 21: each lease, new or renewed, pays the rent published on the day it begins,
    for its whole term. Art. 6(3): a tenant who qualified before
    ``eligibility.suburban_exempt_qualified_before`` with suburban hukou housing keeps it left out at every
    re-review (the stock's tenants qualified before they moved in, before the start date). Years and months
    are calendar ones: a lease ends on the same date 2 years after it began.

    Each rule is read on the day it applies: the renewal on the rules in force on the day it is decided;
    a lease that was to be the last one under the total in force then is decided again on the day it ends
    if the total in force that day leaves time (a higher total from a dated value, Art. 30), by the same
    application and re-review.

    Args:
        started: when this tenancy began (earlier than now for a tenant already there on the start date);
            None for a household moving in now.
        lease_start: when the current lease began (same).
        lease_end: when the current lease ends, as recorded in the operators' snapshot (signed under the
            rules before its date, it runs to its end as a lease running when a rule changes does);
            None: 2 years after it began, or at the total if that comes first.
    """
    env = m.env
    now = env.now
    moving_in = started is None
    started = now if moving_in else started
    lease_start = now if lease_start is None else lease_start
    unit = h.unit
    h.moved_in_day = started
    if h.first_moved_in != h.first_moved_in:  # NaN: the household's first tenancy in the run
        h.first_moved_in = started - h.used_days  # days held before a snapshot's date count back from it
    m.set_state(h, TENANT)
    m.units_occupied += 1
    if moving_in:
        m.count_flow("move_ins")
    t_exit, hazard_reason = exit_hazards(m, h)
    s = m.streams.tenancy
    qualified = h.first_moved_in if math.isnan(h.qualified_day) else h.qualified_day
    exempt = qualified < m.suburban_exempt_day and h.circumstances.suburban_area_per_capita > 0.0
    # the circumstances are known to have met the rules as of now; for a snapshot's tenant, as of its
    # lease's start, or of its renewal re-review 3 months before (Art. 20) when it held PRH before
    reviewed = now
    if lease_end is not None:
        renewed = h.used_days > 0
        reviewed = m.cal.add_months(lease_start, -m.r.renewal_notice_months) if renewed else lease_start
    refusal, delivery = None, math.inf  # why a re-review failed; an off-plan home's delivery (Art. 24(2))

    def total_reached(r: Rules) -> float:  # when this tenancy reaches the total in force under ``r``
        return started - h.used_days + total_days(m, h, r.max_total_years)

    def outcome(r: Rules, day: float) -> str | None:
        """How the lease ends, decided on ``day`` under the rules ``r``: at the total (``cap``), with no
        application in time (``not_renewed``), with the re-review failed (``renewal_refused``), or renewed
        (None), from the lease's two uniform draws ``applies`` and ``passes``."""
        nonlocal reviewed, refusal, delivery
        if lease_end >= limit - EPS:
            return "cap"
        if applies >= r.renewal_apply_share:
            return "not_renewed"
        refusal, delivery = re_review(m, h, r, reviewed, day, exempt, passes)
        reviewed = day
        return None if refusal is None else "renewal_refused"

    r = m.r
    limit = total_reached(r)
    reason = None
    while reason is None:
        if m.r is not r:
            r = m.r
            limit = total_reached(r)
        if lease_end is None:
            lease_end = min(m.cal.add_months(lease_start, r.term_months), limit)
        h.lease_start, h.lease_end = lease_start, lease_end
        if lease_end - lease_start <= EPS:  # a lower cap came into force: no further lease
            reason = "cap"
            break
        h.leases += 1
        rent.sign_lease(m, h, lease_start)
        decide = max(m.cal.add_months(lease_end, -r.renewal_notice_months), env.now)
        applies, passes = s.u(), s.u()
        if t_exit <= decide:
            yield env.timeout(t_exit - env.now)
            reason = hazard_reason
            break
        if decide >= m.rules_until:  # decide on the rules in force then
            yield env.timeout(decide - env.now)
            r = m.r
            limit = total_reached(r)
        ends = outcome(r, decide)
        if t_exit <= lease_end:
            yield env.timeout(t_exit - env.now)
            reason = hazard_reason
            delivery = math.inf
            break
        yield env.timeout(lease_end - env.now)
        if ends == "cap" and m.r is not r:  # the total in force today may leave time
            r = m.r
            limit = total_reached(r)
            ends = outcome(r, lease_end)
        reason = ends
        lease_start, lease_end = lease_end, None
    if reason == "renewal_refused":
        h.rejected_reason = "renewal_" + refusal
    yield from leave(m, h, unit, started, reason, delivery)


def leave(
    m: Context, h: Household, unit: Unit, started: float, reason: str, delivery: float = math.inf
) -> Process[None]:
    """Art. 24: the tenant leaves when the lease ends or is ended. A tenant whose renewal re-review failed
    for an off-plan purchase not yet delivered (``delivery``, ``re_review``) stays until 3 months after the
    delivery (Art. 24(2): 过渡性居住期可延长至预售合同约定的房屋交付日期之后3个月); one who cannot move out at
    once may stay 6 months (Art. 24(3)); both at the old rent. A tenant who has held PRH for the full total
    gets no such transition but may stay on at market rent (Art. 24(4): the unit's market rent of the day
    the stay begins). A lease the operator ends (Art. 23(2): 限期收回) gets the 6-month transition only if
    ``transition.forced_exit_transition``, and bars the household from applying again for
    ``penalties.forced_exit_ban_years`` from the day it hands the unit back, to the same date that many years
    later (Order No. 11, Art. 36: 自退回公共租赁住房之日起五年内不得再次申请). The unit
    stays occupied meanwhile; the time does not count towards the total. Months are calendar ones."""
    env, r, s = m.env, m.r, m.streams.transition
    now = env.now
    h.tenure_days = now - started
    h.used_days += h.tenure_days
    h.exit_day = now
    h.exit_reason = reason
    m.count_flow("exits")
    m.exit_counts[reason] += 1
    other, market = s.u(), s.u()
    after_delivery = m.cal.add_months(delivery, r.after_delivery_months) if delivery < math.inf else now
    until = now
    if reason == "cap":
        if market < r.capped_stay_share:
            until = m.cal.add_months(now, r.capped_stay_months)
            h.capped_stay = True
            rent.market_stay(m, h, now)
    elif after_delivery > now:
        until = after_delivery
    elif other < r.other_transition_share and (reason not in FORCED_EXITS or r.forced_exit_transition):
        until = m.cal.add_months(now, r.other_transition_months)
    yield from hand_back(m, h, unit, reason, until)


def hand_back(m: Context, h: Household, unit: Unit, reason: str, until: float) -> Process[None]:
    """The household stays on until ``until`` (a transition, Art. 24), then hands the unit back: its rent
    is settled, a lease the operator ended bars it from applying again (``leave``), and the unit is let
    again after its repairs."""
    env = m.env
    h.transition_until = until
    if until > env.now:
        m.set_state(h, TRANSITION)
        yield env.timeout(until - env.now)
        h.transition_end_day = env.now
    rent.settle(m, h, env.now)
    if reason in FORCED_EXITS:
        m.ban(h, m.r.forced_exit_ban_years)  # from the day the unit is handed back
    m.units_occupied -= 1
    m.alloc.unit_vacated(unit)
    m.end_episode(h, "exited")


def in_transition(
    m: Context, h: Household, lease_start: float, lease_end: float, reason: str, until: float
) -> Process[None]:
    """A household in a transition period on the snapshot's date (Art. 24): its lease, begun on
    ``lease_start``, ended on ``lease_end`` for ``reason``; it stays until ``until`` at the old contract rent
    (Art. 24(2)-(3)), or at market rent for a capped tenant's stay (Art. 24(4)), then hands the unit back.
    Its exit happened before the start date and is not counted in the run's flows."""
    h.moved_in_day = lease_start
    h.leases = 1
    h.lease_start, h.lease_end = lease_start, lease_end
    h.tenure_days = lease_end - lease_start
    h.used_days += h.tenure_days
    h.exit_day = lease_end
    h.exit_reason = reason
    m.units_occupied += 1
    rent.sign_lease(m, h, lease_start)
    if reason == "cap":
        h.capped_stay = True
        rent.market_stay(m, h, lease_end)
    yield from hand_back(m, h, h.unit, reason, until)
