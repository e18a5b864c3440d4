"""Waiting, offers and moving in: Art. 3, 7, 9, 15-19.

Art. 15: allocation is continuous (常态配租: whenever a unit is free or a household qualifies) or in
batches (集中配租: every ``allocation.batch_interval_days``). Units go to households in the order of the
waiting list (``waiting_list.py``), each to the first household the unit suits (Art. 7), or, under a
mechanism that draws for each unit (``allocation.mechanism``), to one drawn among those it suits. The
applicant chooses (Art. 16): a declined offer passes to the next household; an accepted one leads to
signing (Art. 17) and moving in (Art. 18).
"""

from __future__ import annotations

import math

from .context import Context, Process
from .eligibility import draw_circumstances, ineligibility
from .households import KEY_EMPLOYER, OFFERED, SECTOR, WAITING, Household
from .rules import Choice
from .supply import Unit


class Allocator:
    """Matches free units with waiting households."""

    def __init__(self, m: Context):
        self.m = m
        self.vacant: dict[tuple, dict] = {}  # (type, living area) -> {uid: unit}, units free to offer
        self.kinds_on_line: set[tuple] = set()  # (type, living area) of every unit on line (Art. 19)
        self.n_vacant = 0
        self._suits: dict[tuple, list] = {}  # (type, area) -> waiting-list classes it suits
        self.allocated = 0  # accepted offers, for the reserved shares (Art. 3, 9)
        self.to_group = {KEY_EMPLOYER: 0, SECTOR: 0}  # of which to each favoured group's members

    def rules_changed(self) -> None:
        self._suits.clear()

    def suits(self, qclass: tuple, utype: str, area: float) -> bool:
        """Art. 7: the unit type is in the household's standard and the living area is at least
        ``allocation.min_living_area_m2_per_person`` (5 m²) a person."""
        size, frontline = qclass[0], qclass[1]
        r = self.m.r
        return utype in r.unit_types_for(size, frontline) and size * r.min_living_area <= area

    def _classes_for(self, unit: Unit) -> list:
        """The waiting-list classes a unit suits, as (class, its sorted list) pairs, cached until the rules
        or the set of classes change."""
        key = (unit.type, unit.living_area)
        classes = self.m.waiting.classes
        cached = self._suits.get(key)
        if cached is None or cached[0] != len(classes):
            suitable = [(c, lst) for c, lst in classes.items() if self.suits(c, unit.type, unit.living_area)]
            cached = self._suits[key] = (len(classes), suitable)
        return cached[1]

    # --- units becoming free -------------------------------------------------------------------
    def unit_free(self, unit: Unit) -> None:
        """A unit is ready to let: offer it at once (continuous) or keep it for the next batch."""
        unit.occupant = None
        unit.declined = set()
        self.vacant.setdefault((unit.type, unit.living_area), {})[unit.uid] = unit
        self.n_vacant += 1
        if self.m.r.mode == "continuous":
            self.offer_unit(unit)

    def unit_vacated(self, unit: Unit) -> None:
        """A tenant has left; the unit is let again after ``supply.turnaround_days`` of repairs."""
        delay = self.m.r.turnaround_days
        unit.ready_day = self.m.env.now + delay
        if delay > 0:
            self.m.env.timeout(delay).callbacks.append(lambda _ev: self.unit_free(unit))
        else:
            self.unit_free(unit)

    # --- offers --------------------------------------------------------------------------------
    def offer_unit(self, unit: Unit) -> bool:
        """Art. 15-16: offer ``unit`` down the waiting list until a household accepts it or no suitable
        household is left. Returns True when accepted.

        Under ``reserved_share`` (Art. 9 key employers' staff, then Art. 3 priority sectors): while a
        group has had fewer than its share of the accepted offers, this unit, counted in, goes first to
        the group's members in order."""
        m, r = self.m, self.m.r
        waiting = m.waiting
        classes = self._classes_for(unit)
        due = (
            [
                group
                for group, pref in ((KEY_EMPLOYER, r.key_employer), (SECTOR, r.sector))
                if pref.rule == "reserved_share"
                and self.to_group[group] < pref.reserved_share * (self.allocated + 1)
            ]
            if r.any_reserved
            else ()
        )
        if r.pool_draw:  # a fresh draw for this unit (``allocation.mechanism``)
            lottery = m.streams.lottery

            def pick(unit, classes, group=None):
                return waiting.drawn_for(unit, classes, group, r, lottery)
        else:
            pick = waiting.first_for
        while True:
            h = None
            for group in due:
                h = pick(unit, classes, group)
                if h is not None:
                    break
            if h is None:
                h = pick(unit, classes)
                if h is None:
                    return False
            if self._offer(unit, h):
                return True

    def offer_to(self, h: Household) -> bool:
        """Continuous allocation when ``h`` qualifies: offer it free units that suit it, one by one, until it
        accepts one or a decline ends its qualification (``_end_qualification``)."""
        for (utype, area), units in self.vacant.items():
            if not units or not self.suits(h.qclass, utype, area):
                continue
            for unit in list(units.values()):
                if h.unique_id not in unit.declined and self._offer(unit, h):
                    return True
                if h.ended_by is not None:
                    return False
        return False

    def _offer(self, unit: Unit, h: Household) -> bool:
        """One offer (选房通知). The applicant declines with ``allocation.decline_share``; on acceptance
        the unit is held for them and their waiting ends."""
        m = self.m
        now = m.env.now
        if h.employer is not None and h.employer.relocation_day <= now:
            # Art. 5: staff whose employer leaves the district at this very instant leave the list at the
            # same instant (``waiting``); the departure also frees its staff tenants' units, offered at
            # once: this vacancy passes them by
            unit.declined.add(h.unique_id)
            return False
        r = m.r
        h.offers += 1
        h.offered_suitable = True
        choice = r.choice
        accepted = not m.streams.offers.chance(
            r.decline_share if choice is None else decline_chance(m, choice, unit, h)
        )
        m.offer_log.append((now, h.unique_id, h.episode, h.receipt_no, unit.uid, unit.type, accepted))
        if not accepted:
            unit.declined.add(h.unique_id)
            if r.max_offers and h.offers >= r.max_offers:
                self._end_qualification(h, "offers_used")
            elif r.decline_cap and h.offers % r.decline_cap == 0:
                if r.decline_ban:
                    self._end_qualification(h, "decline_banned")
                else:
                    m.waiting.to_back(h, r, now, m.queue_entries)
                    m.queue_entries += 1
            elif r.send_back:
                m.waiting.send_to_back(h, r)
            return False
        del self.vacant[(unit.type, unit.living_area)][unit.uid]
        self.n_vacant -= 1
        unit.occupant = h
        h.unit = unit
        self.allocated += 1
        for group in self.to_group:
            self.to_group[group] += h.qclass[group]
        m.waiting.remove(h)
        h.left_queue_day = now
        m.set_state(h, OFFERED)
        if h.proc is not m.env.active_process:
            m.env.wake(h.proc)  # the household's wait (``waiting``) ends
        return True

    def _end_qualification(self, h: Household, outcome: str) -> None:
        """The household's qualification ends at this offer (``allocation.max_offers``, or
        ``allocation.decline_cap`` under the penalty ``ban``): it leaves the list now and its wait
        (``waiting``) ends with ``outcome``."""
        m = self.m
        m.waiting.remove(h)
        h.left_queue_day = m.env.now
        h.ended_by = outcome
        if h.proc is not m.env.active_process:
            m.env.wake(h.proc)

    def offer_all(self) -> None:
        """Offer every free unit, in the order of their numbers."""
        for units in list(self.vacant.values()):
            for unit in sorted(units.values(), key=lambda u: u.uid):
                self.offer_unit(unit)

    def batch(self) -> Process[None]:
        """Art. 15 集中配租: every ``allocation.batch_interval_days``, offer all free units; households
        still waiting afterwards are carried over with priority in the next batch (Art. 19)."""
        m = self.m
        while True:
            yield m.env.timeout(m.r.batch_interval_days)
            if m.r.mode != "batch":
                continue
            if m.r.ballots:
                m.waiting.draw_ballots(m.r, m.streams.lottery)
            self.offer_all()
            m.waiting.batch_done(m.queue_entries, m.r)


def decline_chance(m: Context, c: Choice, unit: Unit, h: Household) -> float:
    """The chance that ``h`` declines ``unit`` under the choice model ``c`` (``rules.Choice``)."""
    x = c.base + c.types[unit.type]
    if c.household_sd:
        x += c.household_sd * m.streams.tastes[h.unique_id]
    if c.project_sd:
        x += c.project_sd * m.streams.locations[unit.project]
    if c.per_doubling:
        x += c.per_doubling * (math.log2(unit.living_area / h.size) - c.log2_ref)
    if c.per_yuan:
        rent = m.rents.published(unit.living_area, m.env.now, m.r.discount)
        x += c.per_yuan * (rent - c.ref_rent)
    if x >= 0.0:  # the logistic function, without overflow at either end
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def waiting(m: Context, h: Household, certificate_day: float) -> Process[bool]:
    """Art. 19: a qualified household waits (轮候); its qualification (准入资格确认书) is valid for
    ``queue.validity_years`` (2 years). While waiting it may give the qualification up (1-year ban) or
    report changed circumstances, which are re-reviewed (in a review time, ``Rules.review_time``): if they
    still qualify a new certificate is
    issued (原准入资格作废, 重新出具), else the qualification ends. A qualification that runs out counts as
    given up (1-year ban), unless no suitable unit was there for it (无适配房源除外, ``lapse_barred``).
    Staff whose employer leaves the district no longer qualify and leave the list.

    Returns True when the household accepted an offer.
    """
    env, r, qs = m.env, m.r, m.streams.queue
    h.certificate_day = h.listed_day = certificate_day
    h.ballot = 0.0  # drawn at the next batch under a per-batch lottery
    expiry = m.cal.add_months(certificate_day, r.validity_months)
    h.queue_entry = m.queue_entries
    m.queue_entries += 1
    h.place_time = h.receipt_time
    h.ended_by = None
    m.waiting.add(h, r)
    m.set_state(h, WAITING)
    t_withdraw = env.now + qs.hazard_time(r.withdraw_rate)
    t_change = env.now + qs.hazard_time(r.change_rate)
    t_rereview = math.inf
    t_employer = h.employer.relocation_day if h.employer is not None else math.inf
    if r.mode == "continuous" and t_employer > env.now:  # staff of an employer gone are not offered
        m.alloc.offer_to(h)
    while h.unit is None and h.ended_by is None:
        t = min(expiry, t_withdraw, t_change, t_rereview, t_employer)
        yield env.timeout(max(t - env.now, 0.0))
        if h.unit is not None or h.ended_by is not None:  # woken by an offer (``Allocator._offer``)
            break
        now = env.now
        r = m.r
        if t == t_employer:  # Art. 19: employment changed; the employer is no longer in the district
            m.waiting.remove(h)
            h.left_queue_day = now
            h.rejected_reason = "changed_employer_left_district"
            m.end_episode(h, "changed_ineligible")
            return False
        if t == t_rereview:
            t_rereview = math.inf
            reason = ineligibility(h.circumstances, r)
            if reason is not None:
                m.waiting.remove(h)
                h.left_queue_day = now
                h.rejected_reason = "changed_" + reason
                m.end_episode(h, "changed_ineligible")
                return False
            h.certificate_day = now
            expiry = m.cal.add_months(now, r.validity_months)
            if r.points is not None:  # the points count the circumstances now reviewed
                m.waiting.remove(h)
                m.waiting.add(h, r)
            t_change = now + qs.hazard_time(r.change_rate)
        elif t == expiry:
            m.waiting.remove(h)
            h.left_queue_day = now
            h.lapsed = True
            m.count_flow("lapses")
            if lapse_barred(m, h):
                m.ban(h, r.lapse_ban_years)
            m.end_episode(h, "lapsed")
            return False
        elif t == t_withdraw:
            m.waiting.remove(h)
            h.left_queue_day = now
            m.ban(h, r.ban_years)
            m.end_episode(h, "withdrawn")
            return False
        else:  # changed circumstances reported: re-reviewed within the review time limit
            h.circumstances = draw_circumstances(m.streams.circumstances, r)
            h.false_declaration = False  # the change is declared as it is (``leases.re_review``)
            t_change = math.inf
            t_rereview = m.cal.add_working_days(now, r.review_time.draw(m.streams.review_time.u()))
    if h.ended_by is not None:  # its declines ended the qualification
        if h.ended_by == "decline_banned":
            m.ban(h, m.r.decline_ban_years)
        m.end_episode(h, h.ended_by)
        return False
    return True


def lapse_barred(m: Context, h: Household) -> bool:
    """Art. 19: 轮候逾期的（无适配房源或不可抗力因素除外），视同申请人放弃准入资格. Whether a lapse bars the
    household, by the reading ``penalties.lapse_ban_exception``: ``no_suitable_offer``, only when it had
    been offered a suitable unit during the qualification; ``no_suitable_unit``, unless no unit on line is
    of its standard (Art. 7), so a household the queue never reached is barred too."""
    if m.r.lapse_ban_exception == "no_suitable_offer":
        return h.offered_suitable
    return any(m.alloc.suits(h.qclass, utype, area) for utype, area in m.alloc.kinds_on_line)


def sign_and_move_in(m: Context, h: Household) -> Process[bool]:
    """Art. 17(1): not signing after choosing voids the qualification and bars the household for a year
    (自逾期日起1年内不得申请). Art. 17(2), 18: after signing and paying, the household moves in within 10
    working days of the move-in notice, or the notice lapses and the same one-year bar follows.

    Returns True when the household moved in.
    """
    env, r, s = m.env, m.r, m.streams.offers
    refuses = s.chance(r.sign_refusal_share)
    no_show = s.chance(r.no_show_share)
    when = r.move_in_low + s.u() * r.move_in_span  # the share of the Art. 18 window taken to move in
    unit = h.unit
    signed = env.now + r.offer_to_sign_days
    deadline = m.cal.add_working_days(signed, r.move_in_wd)
    moved_in = signed + when * (deadline - signed)
    # Art. 5, 23(1)(5): staff whose employer leaves the district before the offer is signed, refused or
    # moved into never sign or move in; the offer falls through, unbarred, on the day the employer leaves
    gone = h.employer.relocation_day if h.employer is not None else math.inf
    if gone <= (signed if refuses else deadline if no_show else moved_in):
        yield env.timeout(max(gone - env.now, 0.0))
        h.rejected_reason = "changed_employer_left_district"
        return _fell_through(m, h, unit, "changed_ineligible", ban=False)
    if refuses:
        yield env.timeout(signed - env.now)
        return _fell_through(m, h, unit, "sign_refused")
    if no_show:
        yield env.timeout(deadline - env.now)
        return _fell_through(m, h, unit, "no_show")
    yield env.timeout(moved_in - env.now)
    return True


def _fell_through(m: Context, h: Household, unit: Unit, outcome: str, ban: bool = True) -> bool:
    h.unit = None
    if ban:
        m.ban(h, m.r.ban_years)
    m.alloc.unit_free(unit)
    m.end_episode(h, outcome)
    return False
