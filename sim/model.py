"""The model: one replication of one scenario with one seed.

SimPy's environment is the only clock (one unit = one day, day 0 = ``calendar.start_date``). Households
and employers are Mesa agents of one ``HousingModel``; each application episode of a household is one
SimPy process (``HousingModel.life``) that runs through review, waiting, offer, tenancy and exit.
Model-level time series come from counters updated as events happen, sampled once a day.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter

import mesa
import pandas as pd

from . import allocation, leases, rent, replay, review, snapshot, timers
from .calendar import WorkCalendar, run_days
from .context import Process
from .eligibility import draw_circumstances, draw_eligible
from .households import (
    FILING,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_DTYPES,
    IDLE,
    IN_REVIEW,
    OFFERED,
    STATES,
    TENANT,
    TRANSITION,
    WAITING,
    Employer,
    Household,
)
from .parameters import Params
from .records import DAY_END, OFFER_COLUMNS, OFFER_DTYPES, RecordTable, households_table
from .rules import Rules
from .schema import EXIT_REASONS, KINDS, SECTORS
from .streams import Stream, Streams
from .supply import Project, Unit, make_units, project_schedule, split_counts
from .waiting_list import WaitingList

#: Flow counters kept per day (columns of the ``daily`` table).
FLOWS = ("applications", "qualifications", "move_ins", "exits", "lapses")


class HousingModel(mesa.Model):
    """One replication. Build it, call ``run()``, then read ``rows``, ``daily_records()`` and counters.

    Its processes see it as a ``Context`` (``sim/context.py``), which lists what they may touch.

    Args:
        params: the scenario (``sim.parameters.Params``).
        seed: the replication's seed; every random stream derives from it.
    """

    # The model's own attributes are kept in slots, Mesa's in the instance dictionary: with more than 30
    # attributes there, CPython 3.11 stops sharing the dictionary's keys with the class, and every call of
    # one of the model's methods (hundreds of thousands a run) would then look the method up the slow way
    __slots__ = (
        "params",
        "seed",
        "r",
        "n_days",
        "cal",
        "env",
        "streams",
        "waiting",
        "alloc",
        "review_desk",
        "receipt_counter",
        "queue_entries",
        "units",
        "units_occupied",
        "state_counts",
        "flows",
        "exit_counts",
        "rows",
        "daily_rows",
        "offer_log",
        "projects",
        "rents",
        "rent_roll",
        "change_days",
        "rules_until",
        "suburban_exempt_day",
        "snapshot",
    )

    def __init__(self, params: Params, seed: int):
        super().__init__(seed=seed)
        self.params = params
        self.seed = seed
        v0 = params.resolved(0)
        self.r = Rules(v0)
        start = params.start_date
        self.n_days = run_days(start, v0["calendar.horizon_years"])  # ends on the same date N years later
        self.cal = WorkCalendar(start, self.n_days, v0["calendar.holidays"], v0["calendar.makeup_workdays"])
        self.env = timers.new_environment()
        self.streams = Streams(seed)
        self.waiting = WaitingList()
        self.alloc = allocation.Allocator(self)
        self.review_desk = review.ReviewDesk(self.cal, self.streams.review_time)
        self.receipt_counter = 0
        self.queue_entries = 0
        self.units: list = []
        self.units_occupied = 0
        self.state_counts = dict.fromkeys(STATES, 0)
        self.flows = {f: [0] * (self.n_days + 1) for f in FLOWS}
        self.exit_counts = Counter({reason: 0 for reason in EXIT_REASONS})
        self.rows = RecordTable(HOUSEHOLD_COLUMNS, HOUSEHOLD_DTYPES)  # one row per finished episode
        self.daily_rows: list[tuple] = []
        self.offer_log = RecordTable(OFFER_COLUMNS, OFFER_DTYPES)
        self.snapshot = snapshot.load(params) if v0["start.snapshot"] else None
        self.projects = self._projects(v0)
        self.rents = rent.RentSchedule(
            start,
            v0["rent.appraisal_date"],
            v0["rent.market_rent_m2_month"],
            v0["rent.market_growth_per_year"],
        )
        self.rent_roll = rent.RentRoll(start, self.n_days)
        self.change_days = [d for d in params.change_days() if 0 < d < self.n_days]
        self.rules_until = self.change_days[0] if self.change_days else math.inf  # next switch of rules
        exempt_before = datetime.date.fromisoformat(v0["eligibility.suburban_exempt_qualified_before"])
        self.suburban_exempt_day = float((exempt_before - start).days)  # Art. 6(3), may be before day 0

    # --- bookkeeping -----------------------------------------------------------------------------
    # Mesa keeps, besides its registry ``_agents`` (hard references), a weak-keyed AgentSet of all agents
    # and one per type, and updates both for every agent that comes and goes: two weak references made and
    # dropped for every household, and a debug message formatted each time even with logging off. Here the
    # registry alone is kept up to date and the AgentSets are made when asked for, which the engine does
    # only once a run is over; Mesa's API (``agents``, ``agents_by_type``, ``Agent.remove``) is unchanged.
    def register_agent(self, agent) -> None:
        self._agents[agent] = None

    def deregister_agent(self, agent) -> None:
        del self._agents[agent]

    @property
    def agents(self) -> mesa.agent.AgentSet:
        return mesa.agent.AgentSet(list(self._agents), random=self.random)

    @property
    def agent_types(self) -> list[type]:
        return list(dict.fromkeys(type(a) for a in self._agents))

    @property
    def agents_by_type(self) -> dict[type, mesa.agent.AgentSet]:
        return {
            t: mesa.agent.AgentSet([a for a in self._agents if type(a) is t], random=self.random)
            for t in self.agent_types
        }

    def set_state(self, h: Household, state: str) -> None:
        self.state_counts[h.state] -= 1
        self.state_counts[state] += 1
        h.state = state

    def count_flow(self, name: str) -> None:
        day = int(self.env.now)
        if 0 <= day < self.n_days:
            self.flows[name][day] += 1

    def ban(self, h: Household, years: float) -> None:
        """Bar the household from applying again for ``years`` calendar years from now (Art. 17-19, 23(2),
        26): it may apply from the same date ``years`` later (``WorkCalendar.add_years``); 0 bars nothing."""
        h.banned_until = max(h.banned_until, self.cal.add_years(self.env.now, years))

    def begin_episode(self, h: Household) -> None:
        h.start_episode(self.env.now)
        self.count_flow("applications")

    def end_episode(self, h: Household, outcome: str) -> None:
        """Record the episode; the household may apply again later, after any ban (SPEC: re-application)
        and once the total in force leaves it time (Art. 17(3), read on the day it applies: a household
        that reached the total applies again, if at all, after a dated value has raised it)."""
        h.outcome = outcome
        self.rows.append(h.row())
        self.set_state(h, IDLE)
        h.unit = None
        h.proc = None
        r = self.r
        reapply = self.streams.reapply
        if reapply.chance(r.reapply_share) and h.exit_reason not in r.reapply_barred_exits:
            free = self.time_left_from(h)
            if free < self.n_days:
                at = max(free, h.banned_until) + reapply.exp(r.reapply_delay_days)
                if self.apply_again(h, at):
                    return
        h.remove()  # gone for good: deregister from Mesa so it can be freed

    def apply_again(self, h: Household, at: float) -> bool:
        """The household files again at ``at`` if that is within the run, declaring its circumstances
        then (the ``reapply`` stream); returns whether it does."""
        if h.employer is not None and h.employer.relocation_day <= at:
            h.leave_employer()  # Art. 4(3), 5: it applies on its own once its employer has left
        if at >= self.n_days:
            return False
        reapply, r = self.streams.reapply, self.r
        h.circumstances = draw_circumstances(reapply, r)
        h.false_declaration = reapply.chance(r.false_share)
        self.env.process(review.filing(self, [h], delay=at - self.env.now))
        return True

    def time_left_from(self, h: Household) -> float:
        """Art. 17(3): the first time from now on which the total in force (``lease.max_total_years``, dated
        values included) exceeds the days ``h`` has held; ``inf`` if none within the run."""
        now = self.env.now
        if h.used_days <= 0.0:
            return now
        for day in (now, *(d for d in self.change_days if d > now)):
            cap = self.params.value("lease.max_total_years", day)
            if h.used_days < leases.total_days(self, h, cap) - leases.EPS:
                return day
        return math.inf

    # --- the life of one application -------------------------------------------------------------
    def life(self, h: Household, certificate_day: float | None = None) -> Process[None]:
        """One application episode from receipt to its end (Art. 9-24)."""
        if certificate_day is None:
            qualified = yield from review.review(self, h)
            if not qualified:
                self.end_episode(h, "rejected")
                return
            h.qualified_day = self.env.now
            self.count_flow("qualifications")
            certificate_day = self.env.now
        accepted = yield from allocation.waiting(self, h, certificate_day)
        if not accepted:
            return
        moved_in = yield from allocation.sign_and_move_in(self, h)
        if moved_in:
            yield from leases.tenancy(self, h)

    # --- processes -------------------------------------------------------------------------------
    def arrivals(self) -> Process[None]:
        """Art. 4, 9: filings arrive as a Poisson process; all their attributes come from the
        ``arrivals`` stream in a fixed order, so rule changes leave new applications identical.
        With ``arrivals.monthly_factors`` not all 1 the gaps are drawn in operational time
        (``replay.SeasonalClock``); with ``arrivals.replay`` the recorded applications come first and
        synthetic ones follow the recorded period."""
        s = self.streams.arrivals
        if self.r.replay:
            cohort = replay.load_cohort(self.params, self.r.replay)
            self.env.process(self.replay_arrivals(cohort))
            if cohort.end_day >= self.n_days:
                return
            yield self.env.timeout(cohort.end_day)
        factors = self.r.monthly_factors
        clock = None
        if any(f != 1.0 for f in factors):
            clock = replay.SeasonalClock(self.params.start_date, self.n_days, factors)
        tau = clock.operational(self.env.now) if clock else 0.0
        while True:
            gap = s.exp(self.r.filing_gap_days)
            if clock is None:
                if self.env.now + gap >= self.n_days:
                    return
                yield self.env.timeout(gap)
            else:
                tau += gap
                at = clock.real(tau)
                if at >= self.n_days:
                    return
                yield self.env.timeout(at - self.env.now)
            self.env.process(review.filing(self, self.new_filing(s)))

    def replay_arrivals(self, cohort: replay.Cohort) -> Process[None]:
        """``arrivals.replay``: the recorded first applications (``docs/calibration-data.md``) arrive on
        their recorded dates, with their recorded attributes (``sim/replay.py``)."""
        s = self.streams.arrivals
        for day, rows in cohort.filings:
            if day >= self.n_days:
                return
            yield self.env.timeout(day - self.env.now)
            self.env.process(review.filing(self, replay.recorded_filing(self, s, rows)))

    def new_filing(self, s: Stream) -> list[Household]:
        """Draw one filing: a single applicant, a family, or an employer's block of staff (Art. 4)."""
        r = self.r
        kind = KINDS[s.pick(r.kind_cum)]
        u_sector = s.u()
        sector = _sector(u_sector, r)
        if kind != "employer":
            size = 1 if kind == "single" else r.family_sizes[s.pick(r.family_cum)]
            return [self.new_household(kind, size, sector, None, False, s)]
        key = s.chance(r.key_employer_share)
        relocation = self.env.now + self.streams.employers.hazard_time(r.employer_relocation_rate)
        employer = self.new_employer(key, sector, relocation)
        staff = min(r.block_max_staff, 1 + s.poisson(max(r.block_mean_staff - 1.0, 0.0)))
        block = []
        for _ in range(staff):
            family = s.chance(r.block_family_share)
            size = r.family_sizes[s.pick(r.family_cum)] if family else 1
            frontline = s.chance(r.frontline_share) and sector == "public_service"
            block.append(self.new_household("employer", size, sector, employer, frontline, s))
        return block

    def new_household(
        self,
        kind: str,
        size: int,
        sector: str,
        employer: Employer | None,
        frontline: bool,
        declares: Stream | None = None,
    ) -> Household:
        """A household (Art. 4) joins the model, idle; its sector decides its priority (Art. 3).

        Args:
            declares: for a new applicant, the stream its declared circumstances are drawn from
                (``draw_circumstances``, then whether the declaration is false: nine draws). None for a
                household already there on the start date: honest, its first episode begun, its
                circumstances given by ``initial_circumstances``.
        """
        h = Household(self, kind, size, sector, sector != "other", employer, frontline)
        self.state_counts[IDLE] += 1
        if declares is None:
            h.start_episode(0.0, initial=True)
        else:
            h.circumstances = draw_circumstances(declares, self.r)
            h.false_declaration = declares.chance(self.r.false_share)
        return h

    def new_employer(self, key: bool, sector: str, relocation_day: float) -> Employer:
        """An employer (Art. 4(3)) joins the model; it leaves the district on ``relocation_day``."""
        return Employer(self, key, sector, relocation_day)

    def supply(self) -> Process[None]:
        """Art. 8: projects come on line at their dates; their units are free to let at once."""
        for i, project in enumerate(self.projects, start=1):
            if project.day >= self.n_days:
                return
            yield self.env.timeout(project.day - self.env.now)
            self._add_units(project, i, occupied=0)

    def rule_switches(self) -> Process[None]:
        """Dated values: on each effective date the rules in force change for decisions from then on."""
        for i, day in enumerate(self.change_days):
            yield self.env.timeout(day - self.env.now)
            self.r = Rules(self.params.resolved(day))
            self.rules_until = self.change_days[i + 1] if i + 1 < len(self.change_days) else math.inf
            self.alloc.rules_changed()
            self.waiting.reorder(self.r)
            if self.r.mode == "continuous":  # units kept for a batch are offered at once
                self.alloc.offer_all()

    def recorder(self) -> Process[None]:
        """Samples the stocks at the end of every day (events on day d happen in [d, d + 1)). The day's
        flows are counted as events happen and joined at the end (``daily_records``)."""
        sc, alloc = self.state_counts, self.alloc
        for day in range(self.n_days):
            yield self.env.timeout(day + DAY_END - self.env.now)
            self.daily_rows.append(
                (
                    day,
                    len(self.units),
                    self.units_occupied,
                    sc[IN_REVIEW],
                    sc[WAITING],
                    sc[TRANSITION],
                    sc[TENANT],
                    sc[OFFERED],
                    sc[FILING],
                    alloc.n_vacant,
                )
            )

    def daily_records(self) -> list[tuple]:
        """One row a day: the stocks sampled at its end, then its flows."""
        flows = [self.flows[f] for f in FLOWS]
        return [row + tuple(f[row[0]] for f in flows) for row in self.daily_rows]

    # --- initial state ---------------------------------------------------------------------------
    def _add_units(self, project: Project, index: int, occupied: int) -> list:
        units = make_units(len(self.units), project, index, self.params.value("supply.mix", self.env.now))
        self.units.extend(units)
        self.alloc.kinds_on_line.update((u.type, u.living_area) for u in units)
        s = self.streams.supply
        order = sorted(range(len(units)), key=lambda _i: s.u())  # which units start occupied
        taken = set(order[:occupied])
        for i, unit in enumerate(units):
            if i in taken:
                self._initial_tenant(unit)
        for i, unit in enumerate(units):
            if i not in taken:
                self.alloc.unit_free(unit)
        return units

    def _initial_tenant(self, unit: Unit) -> None:
        """A tenant of the stock on the start date, with part of the total already held: uniform over
        ``supply.initial_held_share`` of it (Art. 17(3))."""
        r, s = self.r, self.streams.supply
        sector = _sector(s.u(), r)
        employer = None
        if unit.type in r.frontline_types:
            kind, size, sector = "employer", 1, "public_service"
            employer = self.new_employer(
                s.chance(r.key_employer_share),
                sector,
                self.streams.employers.hazard_time(r.employer_relocation_rate),
            )
        else:
            family_ok = unit.type in r.family_types
            single_ok = unit.type in r.single_types
            kind = (
                "family"
                if (family_ok and (not single_ok or s.u() < r.kind_cum[1] - r.kind_cum[0]))
                else "single"
            )
            size = r.family_sizes[s.pick(r.family_cum)] if kind == "family" else 1
            while size > 1 and size * r.min_living_area > unit.living_area:
                size -= 1
        h = self.new_household(kind, size, sector, employer, employer is not None)
        # the first move-in: drawn evenly over ``supply.initial_held_share`` of the days from which the total
        # still ends after the start date (three leases when there is no total); then the leases held since,
        # each from the end of the last
        cal, cap = self.cal, r.max_total_years
        share = self.params.value("supply.initial_held_share")
        held = share["low"] + s.u() * (share["high"] - share["low"])
        if cap < math.inf:
            earliest = math.floor(cal.add_years(0.0, -cap))
            while cal.add_years(earliest, cap) <= 0.0:  # a month's end (29-31) shortened on the way back
                earliest += 1
            started = held * earliest
        else:
            started = cal.add_months(0.0, -held * r.term_months * 3)
        self.initial_circumstances(h, qualified_day=started)  # it qualified before it moved in
        cap_end = cal.add_years(started, cap)
        h.leases, lease_start = 0, started
        while (end := min(cal.add_months(lease_start, r.term_months), cap_end)) <= 0.0:
            h.leases += 1
            lease_start = end
        unit.occupant = h
        h.unit = unit
        h.proc = self.env.process(leases.tenancy(self, h, started=started, lease_start=lease_start))

    def initial_circumstances(self, h: Household, qualified_day: float) -> None:
        """A household already there on the start date declared circumstances that met Art. 5, 6 and 10
        when it qualified: they are drawn as an applicant's are, conditioned on meeting the rules of the
        start date, with Art. 6(3)'s suburban exemption if it qualified before
        ``eligibility.suburban_exempt_qualified_before`` (the ``initial`` stream)."""
        exempt = qualified_day < self.suburban_exempt_day
        h.circumstances = draw_eligible(self.streams.initial, self.r, exempt)

    def _months_back(self, months: float) -> float:
        """The days from the same date ``months`` before the start date to it, one fewer when that date
        was shortened to a month's end (28 February for a 29 February start), so that a certificate issued
        then is still valid on the start date."""
        span = -self.cal.add_months(0.0, -months)
        if self.cal.add_months(-span, months) < 0.0:
            span -= 1.0
        return span

    def _initial_waiting(self) -> None:
        """Qualified households waiting on the start date, their certificates issued evenly over
        ``queue.initial_certificate_age_years`` before it, within their validity (Art. 19)."""
        r, s = self.r, self.streams.supply
        n = int(self.params.value("queue.initial_waiting"))
        age = self.params.value("queue.initial_certificate_age_years")
        low, high = (self._months_back(min(age[b] * 12.0, r.validity_months)) for b in ("low", "high"))
        days = sorted(-(low + s.u() * (high - low)) for _ in range(n))
        for day in days:
            kind = KINDS[s.pick(r.kind_cum)]
            sector = _sector(s.u(), r)
            employer = None
            if kind == "employer":
                employer = self.new_employer(
                    s.chance(r.key_employer_share),
                    sector,
                    self.streams.employers.hazard_time(r.employer_relocation_rate),
                )
            size = (
                1
                if kind == "single" or s.u() >= r.block_family_share and kind == "employer"
                else r.family_sizes[s.pick(r.family_cum)]
            )
            frontline = kind == "employer" and sector == "public_service" and s.chance(r.frontline_share)
            h = self.new_household(kind, size, sector, employer, frontline)
            self.initial_circumstances(h, qualified_day=day)
            self.receipt_counter += 1
            h.receipt_no = self.receipt_counter
            h.receipt_time = day
            h.qualified_day = day
            h.proc = self.env.process(self.life(h, certificate_day=day))

    # --- the operators' snapshot (start.snapshot, docs/snapshot-data.md) --------------------------
    def _projects(self, v0: dict) -> list[Project]:
        """The projects to come (Art. 8): the scenario's; from a snapshot, none (``start.supply =
        "snapshot"``: its not-yet-delivered units come instead) or the scenario's from the snapshot's
        delivered units on (``"scenario"``: they stand for ``supply.initial_units``)."""
        snap = self.snapshot
        if snap is None:
            return project_schedule(v0, self.cal.day_of)
        if v0["start.supply"] == "snapshot":
            return []
        standing = int((snap.units["status"] != "not_delivered").sum())
        return project_schedule({**v0, "supply.initial_units": standing}, self.cal.day_of)

    def _day(self, when: pd.Timestamp) -> float:
        """The simulated day of a snapshot's date."""
        return float((when.date() - self.params.start_date).days)

    def _snapshot_household(self, row, employers: dict) -> Household:
        """A household of the snapshot, with its days of PRH held before (Art. 17(3)); the staff of one
        employer share one employer, whose departure is drawn as any employer's (Art. 4(3))."""
        employer = None
        if row.kind == "employer":
            employer = employers.get(row.employer_id)
            if employer is None:
                employer = employers[row.employer_id] = self.new_employer(
                    bool(row.key_employer),
                    row.sector,
                    self.streams.employers.hazard_time(self.r.employer_relocation_rate),
                )
        h = self.new_household(row.kind, int(row.size), row.sector, employer, bool(row.frontline))
        h.used_days = float(row.held_before_days)
        return h

    def _snapshot_waiting(self, employers: dict) -> None:
        """The snapshot's waiting list joins in receipt order (Art. 19): each household with its receipt,
        its certificate (it lapses at the end of its validity unless housed), the days of PRH it held
        before (Art. 17(3): its first move-in is taken as that many days before the next) and any ban
        running on the date. An application still in review on the date (no certificate) is reviewed
        from the date, as if received then, on circumstances declared as an applicant's are (the
        ``initial`` stream): the snapshot does not say how far its review has come."""
        waiting = self.snapshot.waiting.sort_values("receipt_no", kind="stable")
        s = self.streams.initial
        for row in waiting.itertuples(index=False):
            h = self._snapshot_household(row, employers)
            h.receipt_no = int(row.receipt_no)
            if pd.isna(row.certificate_date):
                h.circumstances = draw_circumstances(s, self.r)
                h.false_declaration = s.chance(self.r.false_share)
                h.receipt_time = 0.0
                h.proc = self.env.process(self.life(h))
                continue
            certificate = self._day(row.certificate_date)
            self.initial_circumstances(h, qualified_day=certificate)
            h.receipt_time = self._day(row.receipt_date)
            h.qualified_day = certificate
            if pd.notna(row.banned_until):
                h.banned_until = self._day(row.banned_until)
            h.proc = self.env.process(self.life(h, certificate_day=certificate))
        self.receipt_counter = int(waiting["receipt_no"].max()) if len(waiting) else 0

    def _snapshot_former(self, employers: dict) -> None:
        """The snapshot's former households (``former.csv``) may apply again, as any household whose
        episode ends does (``end_episode``): with ``arrivals.reapply_share`` (none after an exit of
        ``arrivals.reapply_barred_exits``), once any ban has run and the total leaves it time (Art. 17(3)),
        after a delay of mean ``arrivals.reapply_delay_days``. That they have not applied again by the
        date is known: the chance is the one left given that (the delay has no memory, so it runs again
        from the date or the ban's end, whichever is later)."""
        r, s = self.r, self.streams.reapply
        share, mean = r.reapply_share, r.reapply_delay_days
        for row in self.snapshot.former.itertuples(index=False):
            if pd.notna(row.exit_reason) and row.exit_reason in r.reapply_barred_exits:
                continue
            h = self._snapshot_household(row, employers)
            h.episode = -1  # its episodes in the run are those it files: the first is numbered 0
            left_day = self._day(row.left_date)
            # the total's length from a first move-in as if the days held ran on to its leaving; less
            # than a day left of it is none (days are written whole). The first move-in in the run sets
            # it again (``leases.tenancy``), as for a waiting household
            h.first_moved_in = left_day - h.used_days
            h.used_days += 1.0
            free = self.time_left_from(h)
            h.used_days -= 1.0
            h.first_moved_in = math.nan
            if pd.notna(row.banned_until):
                h.banned_until = self._day(row.banned_until)
            base = max(left_day if free <= 0 else free, h.banned_until)  # free now: free when it left
            # the chance that the delay from ``base`` has not run out by the date
            later = 1.0 if base >= 0 or mean <= 0 else math.exp(base / mean)
            left = share * later / (1.0 - share + share * later) if share < 1.0 else 1.0
            applies = base < math.inf and s.chance(left)
            if not (applies and self.apply_again(h, max(base, 0.0) + s.exp(mean))):
                h.remove()

    def _snapshot_tenant(self, row, unit: Unit, employers: dict) -> None:
        """A tenancy of the snapshot: its current lease runs to its recorded end, then renews, reaches the
        total or ends by the rules (``leases.tenancy``): its first move-in is taken as the days held
        before this lease back from its start, as if they ran on to it (Art. 17(3)); a household in a
        transition stays to its recorded end (``leases.in_transition``). Its circumstances met the rules
        when it qualified, taken as its first move-in (Art. 6(3)'s exemption)."""
        h = self._snapshot_household(row, employers)
        lease_start = self._day(row.lease_start)
        h.first_moved_in = lease_start - h.used_days
        self.initial_circumstances(h, qualified_day=h.first_moved_in)
        unit.occupant = h
        h.unit = unit
        lease_end = self._day(row.lease_end)
        if pd.notna(row.transition_until):
            until = self._day(row.transition_until)
            proc = leases.in_transition(self, h, lease_start, lease_end, row.transition_reason, until)
        else:
            proc = leases.tenancy(self, h, lease_start, lease_start, lease_end)
        h.proc = self.env.process(proc)

    def _snapshot_unit(self, row, projects: dict) -> Unit:
        """A unit of the snapshot comes on line (``units`` numbers them from 0 in the order they do)."""
        index = projects.setdefault(row.project, len(projects) + 1)
        unit = Unit(len(self.units), row.type, float(row.living_area_m2), row.operator, index)
        self.units.append(unit)
        self.alloc.kinds_on_line.add((unit.type, unit.living_area))
        return unit

    def snapshot_stock(self, employers: dict) -> Process[None]:
        """The snapshot's units on its date: let ones with their tenants, vacant ones offered at once (in
        the order of the whole waiting list, which has joined), ones under repair from the day their
        repair ends, and ones not yet delivered on their delivery day (``start.supply = "snapshot"``)."""
        snap, projects, by_id = self.snapshot, {}, {}
        rows = list(snap.units.itertuples(index=False))
        for row in rows:
            if row.status != "not_delivered":
                by_id[row.unit_id] = self._snapshot_unit(row, projects)
        for row in snap.tenancies.itertuples(index=False):
            self._snapshot_tenant(row, by_id[row.unit_id], employers)
        for row in rows:
            if row.status == "vacant":
                self.alloc.unit_free(by_id[row.unit_id])
            elif row.status == "under_repair":
                unit = by_id[row.unit_id]
                unit.ready_day = self._day(row.available_date)
                self.env.timeout(unit.ready_day).callbacks.append(lambda _ev, u=unit: self.alloc.unit_free(u))
        if self.params.value("start.supply") == "snapshot":
            coming = sorted((r for r in rows if r.status == "not_delivered"), key=lambda r: r.available_date)
            self.env.process(self._deliveries(coming, projects))
        yield self.env.timeout(0)

    def _deliveries(self, rows: list, projects: dict) -> Process[None]:
        """The snapshot's units not yet delivered come on line on their delivery day (Art. 8)."""
        for row in rows:
            day = self._day(row.available_date)
            if day >= self.n_days:
                return
            if day > self.env.now:
                yield self.env.timeout(day - self.env.now)
            self.alloc.unit_free(self._snapshot_unit(row, projects))

    def state_tables(self) -> tuple[pd.DataFrame, ...]:
        """The state now as a snapshot's ``units``, ``tenancies``, ``waiting`` and ``former`` tables
        (``sim.snapshot``, ``docs/snapshot-data.md``), to start a run from. Household, employer and unit
        numbers are the run's own (units from 1). A household holding an accepted offer not yet moved in
        is written as waiting, its unit as vacant; an application in review as waiting with no
        certificate; a filing not yet received is left out. Times become
        dates: a start, a receipt or an exit on the day it fell on; an end still to come, a certificate or
        a ban on the next whole day (so that what runs on the date still runs from it)."""
        start, now = self.params.start_date, self.env.now

        def date(day: float, up: bool = False) -> datetime.date:
            return start + datetime.timedelta(days=math.ceil(day) if up else math.floor(day))

        units = []
        for u in self.units:
            holder = u.occupant.state if u.occupant is not None and u.occupant.unit is u else None
            if holder in (TENANT, TRANSITION):
                status, ready = "let", None
            elif holder == OFFERED or u.uid in self.alloc.vacant.get((u.type, u.living_area), ()):
                status, ready = "vacant", None
            else:
                status, ready = "under_repair", date(u.ready_day, up=True)
            row = (u.uid + 1, f"project-{u.project}", u.operator, u.type, u.living_area, status)
            units.append((*row, ready))
        uid = len(self.units)
        for i, project in enumerate(self.projects, start=1):
            if project.day >= now:
                for u in make_units(uid, project, i, self.params.value("supply.mix", project.day)):
                    row = (u.uid + 1, f"project-{i}", u.operator, u.type, u.living_area, "not_delivered")
                    units.append((*row, date(project.day, up=True)))
                uid += project.units
        tenancies, waiting = [], []
        for h in self._agents:
            if not isinstance(h, Household) or h.state not in (
                TENANT,
                TRANSITION,
                WAITING,
                OFFERED,
                IN_REVIEW,
            ):
                continue
            emp = h.employer
            who = (
                h.unique_id,
                h.kind,
                h.size,
                h.sector,
                None if emp is None else emp.unique_id,
                emp is not None and emp.key,
                h.frontline,
            )
            if h.state in (WAITING, OFFERED, IN_REVIEW):
                ban = date(h.banned_until, up=True) if h.banned_until > now else None
                cert = None if h.state == IN_REVIEW else date(h.certificate_day, up=True)
                row = (h.receipt_no, date(h.receipt_time), cert, ban)
                waiting.append((*who, math.floor(h.used_days + 1e-9), *row))
                continue
            # whole days: the lease keeps its length (never over the term) and, running, ends after the
            # date; the days held before it are never more than in truth, so that its first move-in (its
            # start less those days) is no earlier than in truth (Art. 17(3))
            if h.state == TENANT:
                length = round(h.lease_end - h.lease_start)
                end = max(math.floor(h.lease_start) + length, math.floor(now) + 1)
                held = max(0, math.floor(h.used_days + (end - length - h.moved_in_day) + 1e-9))
                cap = self.r.max_total_years
                if cap < math.inf:  # the total as written ends on the day it ends, as the leases do
                    total = math.floor(h.moved_in_day - h.used_days + leases.total_days(self, h, cap) + 1e-9)
                    total = max(total, end)  # (its lease ends at the total, on or after the day written)
                    near = sorted(range(max(0, held - 2), held + 3), key=lambda d: abs(d - held))
                    held = next((d for d in near if self.cal.add_years(end - length - d, cap) == total), held)
                lease = (date(end - length), date(end), None, None)
            else:  # in a transition: the exit was before the date and is counted in no flow of the run
                end = math.floor(h.exit_day)
                length = max(1, math.floor(h.exit_day - h.lease_start))
                held = h.used_days - (h.exit_day - (end - length))  # its total counts the lease already
                held = max(0, math.floor(held + 1e-9))
                lease = (date(end - length), date(end), date(h.transition_until, up=True), h.exit_reason)
            tenancies.append((*who, held, h.unit.uid + 1, *lease))
        names = [[c.name for c in cols] for cols in snapshot.COLUMNS.values()]
        frames = (units, tenancies, waiting, self._former_rows(date))
        return tuple(pd.DataFrame(rows, columns=cols) for rows, cols in zip(frames, names, strict=True))

    #: The times an episode records; the last of them is when it ended.
    _EPISODE_TIMES = (
        "applied_day",
        "receipt_day",
        "review_day",
        "certificate_day",
        "left_queue_day",
        "moved_in_day",
        "exit_day",
        "transition_end_day",
    )

    def _former_rows(self, date) -> list[tuple]:
        """The households whose last episode ended before now (``former.csv``): when it ended (its last
        recorded time), why its tenancy ended if it did, the days of PRH held and any ban running. Staff
        whose employer has left are written as applying on their own (Art. 4(3), 5)."""
        now = self.env.now
        active = {h.unique_id for h in self._agents if isinstance(h, Household) and h.state != IDLE}
        hh = households_table(self.rows)
        last = hh.groupby("household_id").tail(1)
        last = last[~last["household_id"].isin(active)]
        ended = last[list(self._EPISODE_TIMES)].max(axis=1)
        rows = []
        for r, end in zip(last.itertuples(index=False), ended, strict=True):
            staff = r.employer_id >= 0 and not r.employer_left_day <= now
            kind = r.kind if staff or r.kind != "employer" else "single" if r.size == 1 else "family"
            ban = date(r.banned_until_day, up=True) if r.banned_until_day > now else None
            reason = r.exit_reason if r.outcome == "exited" else None
            who = (r.household_id, kind, r.size, r.sector, r.employer_id if staff else None)
            who = (*who, staff and r.key_employer, staff and r.frontline)
            rows.append((*who, math.ceil(r.total_tenure_days - 1e-9), date(end), reason, ban))
        return rows

    # --- run -------------------------------------------------------------------------------------
    def initial_stock(self) -> Process[None]:
        """The stock on the start date, partly occupied. It is started after the initial waiting list has
        joined, so that free units are offered in the order of the whole list."""
        v0 = self.params.resolved(0)
        total = int(v0["supply.initial_units"])
        ops = split_counts(total, v0["supply.operator_shares"])
        occupied = split_counts(
            round(total * v0["supply.initial_occupancy"]), {o: ops[o] / max(total, 1) for o in ops}
        )
        for op in sorted(ops):
            self._add_units(Project(0.0, ops[op], op), 0, occupied[op])
        yield self.env.timeout(0)

    def run(self, until: float | None = None) -> None:
        """Run to the horizon, or to day ``until`` (the state at its start: ``state_tables``)."""
        env = self.env
        if self.snapshot is None:
            self._initial_waiting()
            env.process(self.initial_stock())
        else:
            employers: dict = {}
            self._snapshot_waiting(employers)
            self._snapshot_former(employers)
            env.process(self.snapshot_stock(employers))
        for proc in (
            self.arrivals,
            self.supply,
            self.rule_switches,
            self.recorder,
            self.alloc.batch,
        ):
            env.process(proc())
        env.run(until=self.n_days if until is None else until)  # the last day's events included

    def finish(self) -> None:
        """Record the episodes still open at the horizon and release Mesa's hold on the model."""
        for h in list(self._agents):
            if isinstance(h, Household):
                if h.state != IDLE:
                    self.rows.append(h.row())
                    rent.settle(self, h, self.n_days)  # the rent due up to the horizon
                h.proc = None  # the process's frame holds the household: a cycle (``release``)
        self._agents.clear()  # Mesa's remove_all_agents, without removing them one by one
        mesa.Agent._ids.pop(self, None)  # Mesa 3.3.1 keeps every model alive here (NOTES.md)

    def release(self) -> None:
        """Break the finished model's reference cycles, so that reference counting frees it at once
        instead of the cyclic collector tracing its hundreds of thousands of objects (a tenth of a
        district run). A process and the timer it waits on refer to each other, as do a household and the
        process whose frame holds it (``finish`` drops the household's end), and a unit and its occupant;
        with the timers' callbacks and the units' occupants dropped and the model emptied, no cycle is
        left. The model is unusable afterwards."""
        self.env.discard()
        for unit in self.units:
            unit.occupant = None
        self.__dict__.clear()  # Mesa's attributes
        for name in HousingModel.__slots__:
            delattr(self, name)


def _sector(u: float, r: Rules) -> str:
    """Art. 3: the sector of a household whose draw is ``u``: public-welfare institutions and basic public
    services share the priority sectors by ``arrivals.priority_sector_split``."""
    if u < r.public_welfare_share:
        return SECTORS[0]
    if u < r.priority_sector_share:
        return SECTORS[1]
    return SECTORS[2]
