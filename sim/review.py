"""Application and review: filing (Art. 9), review (Art. 11), publicity and tip-offs (Art. 12),
confirmation (Art. 13), re-check on appeal (Art. 14) and false declarations (Art. 25-26)."""

from __future__ import annotations

import math

from .calendar import WorkCalendar
from .context import Context, Process
from .eligibility import ineligibility
from .households import FILING, IN_REVIEW, Household
from .rules import Rules
from .streams import Stream


class ReviewDesk:
    """Art. 11: the review is done within 8 working days (整个审核流程应在8个工作日内完成).

    Each review takes its own time, drawn from ``review.duration_working_days`` and at most the limit
    (``Rules.review_time``). With unlimited staff it ends then. With ``review.capacity_per_working_day``
    finite, at most that many reviews end on one working day: a review ends on the first working day,
    from the end of its own time on, that has room, so a backlog pushes reviews past the deadline; the
    overruns are reported figures (``reviews_over_limit``, ``review_within_limit_share``).
    """

    def __init__(self, calendar: WorkCalendar, stream: Stream):
        self.cal = calendar
        self.stream = stream  # the review times (``review_time``)
        self.ending: dict[int, int] = {}  # working day -> reviews ending on it
        self.later: dict[int, int] = {}  # a full working day -> a later working day to try next

    def finish(self, t: float, r: Rules) -> tuple[float, float]:
        """(time the review ends, its Art. 11 deadline) for a file received at ``t``."""
        cal = self.cal
        deadline = cal.add_working_days(t, r.review_wd)
        done = cal.add_working_days(t, r.review_time.draw(self.stream.u()))
        cap = r.review_capacity
        if cap == math.inf:
            return done, deadline
        day = first = math.floor(done)
        full = []
        while self.ending.get(day, 0) >= cap:
            full.append(day)
            day = self.later.get(day) or int(cal.add_working_days(day, 1))
        for d in full:  # the next search from any of them starts where this one ended
            self.later[d] = day
        self.ending[day] = self.ending.get(day, 0) + 1
        return day + (done - first), deadline


def filing(m: Context, households: list[Household], delay: float = 0.0) -> Process[None]:
    """Art. 9: a filing (one household, or an employer's block of staff households) is checked for
    completeness. An incomplete file is returned with a one-time notice (一次性告知) and comes back after a
    while, or never; a complete one gets receipt numbers in order of submission and goes to review."""
    env = m.env
    if delay > 0:
        yield env.timeout(delay)
    r, s = m.r, m.streams.review
    for h in households:
        m.begin_episode(h)
        m.set_state(h, FILING)
    incomplete = s.chance(r.incomplete_share)
    abandon = s.chance(r.abandon_incomplete_share)
    resubmit = s.exp(r.resubmit_days)
    if incomplete:
        if abandon:
            for h in households:
                h.rejected_reason = "incomplete"
                m.end_episode(h, "abandoned_incomplete")
            return
        yield env.timeout(resubmit)
    now = env.now
    for h in households:
        m.receipt_counter += 1
        h.receipt_no = m.receipt_counter
        h.receipt_time = now
    if len(households) == 1:  # the filing's process goes on as the household's life
        h = households[0]
        h.proc = env.active_process
        yield from m.life(h)
    else:
        for h in households:
            h.proc = env.process(m.life(h))


def review(m: Context, h: Household) -> Process[bool]:
    """Art. 11-14, 25-26 for one received application. Returns True when the household qualifies.

    Art. 11: the review applies Art. 5, 6 and 10 within 8 working days (``ReviewDesk``). Art. 25-26: a
    false declaration looks eligible; if the review catches it the application is refused and the
    household barred (MOHURD Order No. 11, Art. 36). Art. 12: an eligible applicant is publicised for 3
    days; a real-name tip-off is checked within 10 working days (``review.tipoff_duration_working_days``,
    at most the limit) and, if upheld, the application is refused (Art. 13).
    Art. 14: a refused applicant may ask for a re-check, decided within 15 working days; one that
    overturns the refusal is publicised like a first approval; the refusals in ``review.final_refusals``
    (a caught false declaration, Art. 25-26, and the employer's departure, Art. 5) stand. Staff of an
    employer that has left the district do not qualify (Art. 5: the employer must be registered in the
    district).

    The decisions are taken on the rules in force when the review ends; the process sleeps until the
    outcome is known (it wakes at the end of the review only when the rules change before it).
    """
    env, cal, s = m.env, m.cal, m.streams.review
    m.set_state(h, IN_REVIEW)
    done, deadline = m.review_desk.finish(env.now, m.r)
    u_tipoff = m.streams.review_time.u()
    h.review_deadline_day = deadline
    if done >= m.rules_until:
        yield env.timeout(done - env.now)
    r = m.r
    h.review_day = done
    reason = ineligibility(h.circumstances, r)
    caught = s.chance(r.false_detect_share)
    tipoff = s.chance(r.tipoff_share)
    upheld = s.chance(r.tipoff_upheld_share)
    appeal = s.chance(r.appeal_share)
    overturned = s.chance(r.appeal_upheld_share)
    if h.false_declaration:
        reason = "false_declaration" if caught else None
    gone = h.employer.relocation_day if h.employer is not None else math.inf
    if gone <= done and reason != "false_declaration":
        reason = "employer_left_district"  # Art. 5: 单位申请人，应为注册在本区范围内的各类企事业单位
    t = done
    if reason is None:
        t += r.publicity_days
        if tipoff:
            t = cal.add_working_days(t, r.tipoff_time.draw(u_tipoff))
            if upheld:
                reason = "tipoff_upheld"
    if reason is not None and appeal:
        t = cal.add_working_days(t, r.appeal_wd)
        if overturned and reason not in r.final_refusals:
            reason = None
            t += r.publicity_days  # Art. 13: qualified once publicised without objection
    yield env.timeout(t - env.now)
    if reason is not None:
        h.rejected_reason = reason
        if reason == "false_declaration":
            m.ban(h, r.false_ban_years)
        return False
    return True
