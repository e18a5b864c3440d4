"""Tenancy: leases and renewal (Art. 17(3), 20), arrears (Art. 21, 23), exits (Art. 23) and the
transitions after a tenancy ends (Art. 24)."""

from __future__ import annotations

import math

from . import rent
from .context import Context, Process
from .households import TENANT, TRANSITION, Household
from .schema import FORCED_EXITS
from .supply import Unit

_EPS = 1e-9


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
    household is at most ``lease.max_total_years`` (6 years). A lease never runs past that total.
    Art. 21: each lease, new or renewed, pays the rent published on the day it begins, for its whole term.
    Art. 20: a tenant who does not apply in time gives up the renewal (视为承租人放弃续租).

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
    m.set_state(h, TENANT)
    m.units_occupied += 1
    if started >= 0:
        m.count_flow("move_ins")
    t_exit, hazard_reason = exit_hazards(m, h)
    s = m.streams.tenancy
    reason = None
    while reason is None:
        r = m.r
        held_before = h.used_days + (lease_start - started)
        length = min(r.term_days, r.max_total_days - held_before)
        if length <= _EPS:  # a lower cap came into force: no further lease
            reason = "cap"
            break
        h.leases += 1
        rent.sign_lease(m, h, lease_start)
        lease_end = lease_start + length
        decide = max(lease_end - r.renewal_notice_days, env.now)
        applies, passes = s.u(), s.u()
        if t_exit <= decide:
            yield env.timeout(t_exit - env.now)
            reason = hazard_reason
            break
        if decide >= m.rules_until:  # decide on the rules in force then
            yield env.timeout(decide - env.now)
            r = m.r
        if held_before + length >= r.max_total_days - _EPS:
            outcome = "cap"
        elif applies >= r.renewal_apply_share:
            outcome = "not_renewed"
        elif passes >= r.renewal_pass_share:
            outcome = "renewal_refused"
        else:
            outcome = None
        if t_exit <= lease_end:
            yield env.timeout(t_exit - env.now)
            reason = hazard_reason
            break
        yield env.timeout(lease_end - env.now)
        reason = outcome
        lease_start = lease_end
    yield from leave(m, h, unit, started, reason)


def leave(m: Context, h: Household, unit: Unit, started: float, reason: str) -> Process[None]:
    """Art. 24: the tenant leaves when the lease ends or is ended. A tenant who bought an unfinished
    home stays until 3 months after its delivery (Art. 24(2)); one who cannot move out at once may stay
    6 months (Art. 24(3)); both at the old rent. A tenant who has held PRH for the full total gets no such
    transition but may stay on at market rent (Art. 24(4): the unit's market rent of the day the stay
    begins). A lease the operator ends (Art. 23(2): 限期收回) gets the 6-month transition only if
    ``transition.forced_exit_transition``, and bars the household from applying again for
    ``penalties.forced_exit_ban_days`` from the day it hands the unit back (Order No. 11, Art. 36). The unit
    stays occupied meanwhile; the time does not count towards the total."""
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
    stay = 0.0
    if h.used_days >= r.max_total_days - _EPS:
        if market < r.capped_stay_share:
            stay = r.capped_stay_days
            h.capped_stay = True
            rent.market_stay(m, h, now)
    elif reason == "other_housing" and offplan < r.offplan_share:
        stay = delivery + r.after_delivery_days
    elif other < r.other_transition_share and (reason not in FORCED_EXITS or r.forced_exit_transition):
        stay = r.other_transition_days
    if stay > 0:
        m.set_state(h, TRANSITION)
        yield env.timeout(stay)
        h.transition_end_day = env.now
    rent.settle(m, h, env.now)
    if reason in FORCED_EXITS:
        m.ban(h, m.r.forced_exit_ban_days)  # from the day the unit is handed back
    m.units_occupied -= 1
    m.alloc.unit_vacated(unit)
    m.end_episode(h, "exited")
