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

from . import allocation, leases, rent, replay, review, timers
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
from .records import DAY_END, OFFER_COLUMNS, OFFER_DTYPES, RecordTable
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
        self.projects = project_schedule(v0, self.cal.day_of)
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
                if h.employer is not None and h.employer.relocation_day <= at:
                    h.leave_employer()  # Art. 4(3), 5: it applies on its own once its employer has left
                if at < self.n_days:
                    h.circumstances = draw_circumstances(reapply, r)
                    h.false_declaration = reapply.chance(r.false_share)
                    self.env.process(review.filing(self, [h], delay=at - self.env.now))
                    return
        h.remove()  # gone for good: deregister from Mesa so it can be freed

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
        sc = self.state_counts
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

    def run(self) -> None:
        env = self.env
        self._initial_waiting()
        for proc in (
            self.initial_stock,
            self.arrivals,
            self.supply,
            self.rule_switches,
            self.recorder,
            self.alloc.batch,
        ):
            env.process(proc())
        env.run(until=self.n_days)  # the last day's events included, none of the day after the run

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
