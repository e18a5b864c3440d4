"""Tenancy: leases and renewal (Art. 17(3), 20), arrears (Art. 21, 23), exits (Art. 23) and the
transitions after a tenancy ends (Art. 24)."""

from __future__ import annotations

import math

from .context import Context, Process
from .households import TENANT, TRANSITION, Household
from .rules import FORCED_EXITS, Rules
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


def tenancy(
    m: Context, h: Household, started: float | None = None, lease_start: float | None = None
) -> Process[None]:
    """Art. 17(3): a lease runs 2 years; to stay on, the tenant applies 3 months before it ends
    (Art. 20: 租赁合同期满前3个月), is re-reviewed, and may renew; the total held over all tenancies of a
    household is at most ``lease.max_total_years`` (6 years, ``total_days``). A lease never runs past that
    total. Art. 20: a tenant who does not apply in time gives up the renewal (视为承租人放弃续租).
    Years and months are calendar ones: a lease ends on the same date 2 years after it began.

    Each rule is read on the day it applies: the renewal on the rules in force on the day it is decided;
    a lease that was to be the last one under the total in force then is decided again on the day it ends
    if the total in force that day leaves time (a higher total from a dated value, Art. 30), by the same
    application and re-review.

    Args:
        started: when this tenancy began (earlier than now for a tenant of the initial stock).
        lease_start: when the current lease began (same).
    """
    env = m.env
    now = env.now
    started = now if started is None else started
    lease_start = now if lease_start is None else lease_start
    unit = h.unit
    h.moved_in_day = started
    if h.first_moved_in != h.first_moved_in:  # NaN: the household's first tenancy
        h.first_moved_in = started
    m.set_state(h, TENANT)
    m.units_occupied += 1
    if started >= 0:
        m.count_flow("move_ins")
    t_exit, hazard_reason = exit_hazards(m, h)
    s = m.streams.tenancy

    def total_reached(r: Rules) -> float:  # when this tenancy reaches the total in force under ``r``
        return started - h.used_days + total_days(m, h, r.max_total_years)

    r = m.r
    limit = total_reached(r)
    reason = None
    while reason is None:
        if m.r is not r:
            r = m.r
            limit = total_reached(r)
        lease_end = min(m.cal.add_months(lease_start, r.term_months), limit)
        if lease_end - lease_start <= EPS:  # a lower cap came into force: no further lease
            reason = "cap"
            break
        h.leases += 1
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
        outcome = _renewal(r, lease_end >= limit - EPS, applies, passes)
        if t_exit <= lease_end:
            yield env.timeout(t_exit - env.now)
            reason = hazard_reason
            break
        yield env.timeout(lease_end - env.now)
        if outcome == "cap" and m.r is not r:  # the total in force today may leave time
            r = m.r
            limit = total_reached(r)
            outcome = _renewal(r, lease_end >= limit - EPS, applies, passes)
        reason = outcome
        lease_start = lease_end
    yield from leave(m, h, unit, started, reason)


def _renewal(r: Rules, total_reached: bool, applies: float, passes: float) -> str | None:
    """Art. 17(3), 20: how a lease ends, decided on the rules ``r``: at the total (``cap``), with no
    application in time (``not_renewed``), with the re-review failed (``renewal_refused``), or renewed
    (None). ``applies`` and ``passes`` are the lease's two uniform draws."""
    if total_reached:
        return "cap"
    if applies >= r.renewal_apply_share:
        return "not_renewed"
    if passes >= r.renewal_pass_share:
        return "renewal_refused"
    return None


def leave(m: Context, h: Household, unit: Unit, started: float, reason: str) -> Process[None]:
    """Art. 24: the tenant leaves when the lease ends or is ended. A tenant who bought an unfinished
    home stays until 3 months after its delivery (Art. 24(2)); one who cannot move out at once may stay
    6 months (Art. 24(3)); both at the old rent. A tenant who has held PRH for the full total gets no such
    transition but may stay on at market rent (Art. 24(4)). A lease the operator ends (Art. 23(2): 限期收回)
    gets the 6-month transition only if ``transition.forced_exit_transition``, and bars the household from
    applying again for ``penalties.forced_exit_ban_days`` from the day it hands the unit back (Order No. 11,
    Art. 36). The unit stays occupied meanwhile; the time does not count towards the total."""
    env, r, s = m.env, m.r, m.streams.transition
    now = env.now
    h.tenure_days = now - started
    h.used_days += h.tenure_days
    h.exit_day = now
    h.exit_reason = reason
    m.count_flow("exits")
    m.exit_counts[reason] += 1
    offplan, other, market = s.u(), s.u(), s.u()
    delivery = s.exp(r.offplan_delivery_days)
    until = now
    if reason == "cap":
        if market < r.capped_stay_share:
            until = m.cal.add_months(now, r.capped_stay_months)
            h.capped_stay = True
    elif reason == "other_housing" and offplan < r.offplan_share:
        until = m.cal.add_months(now + delivery, r.after_delivery_months)
    elif other < r.other_transition_share and (reason not in FORCED_EXITS or r.forced_exit_transition):
        until = m.cal.add_months(now, r.other_transition_months)
    if until > now:
        m.set_state(h, TRANSITION)
        yield env.timeout(until - now)
        h.transition_end_day = env.now
    if reason in FORCED_EXITS:
        m.ban(h, m.r.forced_exit_ban_days)  # from the day the unit is handed back
    m.units_occupied -= 1
    m.alloc.unit_vacated(unit)
    m.end_episode(h, "exited")
