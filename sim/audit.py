"""The SPEC's invariants, checked over the outputs of one replication.

``audit(result, params)`` returns a list of violations (empty when every invariant holds). It reads only
the output tables and the scenario, never the engine's internals, so it checks the engine from outside.
"""

from __future__ import annotations

import math
from bisect import bisect_left, insort
from collections import defaultdict

import numpy as np
import pandas as pd

from .calendar import MONTH_DAYS, WorkCalendar, add_months, run_days
from .households import OUTCOMES
from .records import DAY_END, waiting_spells
from .rules import Rules
from .schema import FORCED_EXITS

_EPS = 1e-6

#: The invariants, in the order they are checked (their names appear in violation messages).
INVARIANTS = (
    "cap",
    "validity",
    "review_time",
    "bans",
    "forced_exit_ban",
    "employer_gone",
    "rent_below_market",
    "transition_length",
    "order_of_offers",
    "one_state",
    "one_household_per_unit",
    "occupied_within_total",
    "daily_reconciles",
    "run_dates",
)


def audit(result, params) -> list[str]:
    """Check every invariant of the SPEC on one replication; return the violations found."""
    hh, daily, n = result.households, result.daily, result.n_days
    lim = result.limits
    out: list[str] = []

    # Art. 17(3): no household holds PRH longer than the cap in total (transitions excluded): as many days
    # as from its first move-in to the same date that many years later (calendar years).
    start = params.start_date
    last = hh.groupby("household_id")["episode"].transform("max") == hh["episode"]
    still = (hh["outcome"] == "ongoing") & hh["moved_in_day"].notna() & hh["exit_day"].isna()
    held = hh["total_tenure_days"] + np.where(still, n - hh["moved_in_day"], 0.0)
    # the first move-in: the earliest recorded, less the days held before it (a snapshot's households)
    before = hh["total_tenure_days"] - np.where(hh["exit_day"].notna(), hh["tenure_days"], 0.0)
    first_row = hh[hh["moved_in_day"].notna()].sort_values("moved_in_day").groupby("household_id").head(1)
    anchor = (first_row["moved_in_day"] - before[first_row.index]).groupby(first_row["household_id"]).min()
    first = hh["household_id"].map(anchor)
    cap_days = _later(start, first, lim["max_total_years"]) - first
    over = hh[last & (held > cap_days + _EPS)]
    _report(out, "cap", over, f"held PRH longer than {lim['max_total_years']} years in total")

    # Art. 19: no one waits past the validity of the qualification (calendar years from the certificate).
    left = hh["left_queue_day"].fillna(float(n))
    expiry = _later(start, hh["certificate_day"], lim["validity_years"])
    waited = hh[hh["certificate_day"].notna() & (left > np.maximum(expiry, 0.0) + _EPS)]  # 0: a snapshot's
    _report(out, "validity", waited, f"waited past the {lim['validity_years']}-year validity")

    # Art. 11: reviews end within the working-day limit unless review capacity is limited; with it
    # limited, no working day sees more reviews end than the staff can do (the overruns are figures).
    rev = hh[hh["review_day"].notna()]
    ends = np.floor(rev["review_day"])
    crowded = rev[ends.map(ends.value_counts()) > lim["most_reviews_a_day"]]
    _report(out, "review_time", crowded, f"ended on a day with over {lim['most_reviews_a_day']:g} reviews")
    if lim["review_capacity"] == math.inf:
        v0 = params.resolved(0)
        cal = WorkCalendar(params.start_date, n, v0["calendar.holidays"], v0["calendar.makeup_workdays"])
        wd = [
            cal.working_days_between(a, b) for a, b in zip(rev["receipt_day"], rev["review_day"], strict=True)
        ]
        late = rev[np.asarray(wd, dtype=float) > lim["review_working_days"]]
        _report(
            out, "review_time", late, f"review took more than {lim['review_working_days']:g} working days"
        )

    # Art. 17-19, 26: no banned household applies before its ban ends.
    nxt = hh.groupby("household_id")["applied_day"].shift(-1)
    early = hh[nxt.notna() & hh["banned_until_day"].notna() & (nxt < hh["banned_until_day"] - _EPS)]
    _report(out, "bans", early, "applied again before its ban ended")

    # Art. 23(2), Order No. 11 Art. 36: no household whose lease the operator ended applies again within
    # the ban, counted from the day it handed the unit back to the same date that many calendar years later
    # (checked from the exit, not the ban recorded).
    forced = hh["exit_reason"].isin(FORCED_EXITS) & (hh["outcome"] == "exited") & nxt.notna()
    handed_back = hh["transition_end_day"].fillna(hh["exit_day"]).where(forced)
    soon = hh[forced & (nxt < _later(start, handed_back, lim["forced_exit_ban_years"]) - _EPS)]
    _report(out, "forced_exit_ban", soon, "applied again within the ban after a forced exit (Art. 23(2))")

    # Art. 5, 23(1)(5): no tenancy of staff begins once their employer has left the district.
    late = hh[hh["moved_in_day"].notna() & (hh["moved_in_day"] >= hh["employer_left_day"] - _EPS)]
    _report(out, "employer_gone", late, "moved in after their employer left the district (Art. 5)")

    # Art. 21: every tenant pays a lease rent, never above the unit's market rent of the day it was signed.
    housed = hh[hh["moved_in_day"].notna()]
    dear = housed[~(housed["rent"] <= housed["market_rent"])]  # a missing rent fails too
    _report(out, "rent_below_market", dear, "had no lease rent or one above market rent (Art. 21)")

    # Art. 24: a stay after the lease lasts at most 6 months (24(3)) or the market-rent stay (24(4)), or,
    # for a tenant whose renewal re-review failed for an off-plan purchase not yet delivered, until 3 months
    # after the delivery, which comes within transition.offplan_delivery_months of the purchase (24(2)).
    staying = (hh["outcome"] == "ongoing") & hh["exit_day"].notna()  # still there at the horizon
    stay = hh["transition_end_day"].where(~staying, float(n)) - hh["exit_day"]
    # (months are calendar ones; the delivery is drawn in mean months from the purchase, before the exit)
    offplan = hh["rejected_reason"].isin(["renewal_offplan_purchase"]).to_numpy()
    start, exit_day = params.start_date, hh["exit_day"].to_numpy()
    latest = _later(start, exit_day, months=lim["stay_months"])
    delivered = exit_day + lim["offplan_delivery_months"] * MONTH_DAYS
    after = _later(start, delivered, months=lim["after_delivery_months"])
    latest = np.where(offplan, np.maximum(latest, after), latest)
    long = hh[(stay.to_numpy() > latest - exit_day + _EPS) & (exit_day >= 0)]  # not a snapshot's
    _report(out, "transition_length", long, "stayed after the lease longer than Art. 24 allows")

    # Art. 9, 15: offers follow the order of the waiting list.
    out += _order_of_offers(hh, result.offers, params, lim)

    # Every household is in exactly one state: one record per episode, only the last one open.
    bad_outcome = hh[~hh["outcome"].isin(OUTCOMES)]
    _report(out, "one_state", bad_outcome, "has an unknown outcome")
    open_not_last = hh[(hh["outcome"] == "ongoing") & ~last]
    _report(out, "one_state", open_not_last, "has an open episode that is not its last")
    numbering = hh.groupby("household_id")["episode"].agg(lambda e: list(e) == list(range(len(e))))
    if not numbering.all():
        out.append(f"one_state: {int((~numbering).sum())} households have episodes missing or repeated")

    # No unit holds two households at once (from accepting the offer until it is vacated).
    out += _one_household_per_unit(hh, n)

    # Occupied units never exceed the units on line.
    if (daily["units_occupied"] > daily["units_total"]).any() or (daily["units_occupied"] < 0).any():
        out.append("occupied_within_total: occupied units outside [0, units on line] on some day")

    out += _daily_reconciles(hh, daily, n)
    out += _run_dates(hh, daily, result.offers, params, n)
    return out


def _later(start, days, years: float = 0.0, months: float = 0.0) -> np.ndarray:
    """The time ``years`` calendar years and ``months`` calendar months after each of ``days`` (NaN stays
    NaN)."""
    return np.array(
        [add_months(start, d, 12.0 * years + months) if d == d else math.nan for d in days], dtype=float
    )


def _report(out: list, name: str, rows: pd.DataFrame, what: str) -> None:
    if len(rows):
        ids = ", ".join(str(i) for i in rows["household_id"].head(5))
        out.append(f"{name}: {len(rows)} episodes {what} (households {ids})")


#: Outcomes of a qualification ended by its declines at an offer (``Allocator._end_qualification``).
DECLINE_ENDS = ("offers_used", "decline_banned")
LEFT_AT_OFFER = 1.5  # the kind of event of such an ending in ``_order_of_offers``


def _order_of_offers(hh: pd.DataFrame, offers: pd.DataFrame, params, lim) -> list[str]:
    """Continuous allocation in receipt order without a reserved share (Art. 3, 9): every offer goes to
    the first household in the order of the waiting list that the unit suits and that has not declined it
    during this vacancy. Other mechanisms (``allocation.mechanism``) are not checked: a lottery or a
    random pool draws, and points count declared circumstances the outputs do not hold; nor is a list
    whose declines send households to its back (``allocation.decline_penalty = "back"``), a place the
    outputs do not hold."""
    days = [0, *params.change_days()]
    rules = [Rules(params.resolved(d)) for d in days]
    reserved = any(pref.rule == "reserved_share" for r in rules for pref in (r.sector, r.key_employer))
    other = any(
        r.mode != "continuous" or r.mechanism != "receipt_order" or (r.decline_cap and not r.decline_ban)
        for r in rules
    )
    if reserved or other or len(days) > 1:
        return []
    r = rules[0]
    key, sector = r.key_employer, r.sector
    ep = hh.set_index(["household_id", "episode"])
    entry = ep["certificate_day"].where(ep["qualified_day"].isna(), ep["qualified_day"]).clip(lower=0.0)
    # a re-issued certificate keeps the place in the list: the spell starts with the first one
    entry = entry.where(ep["qualified_day"].notna() | ep["initial"], np.nan)
    leave = ep["left_queue_day"].fillna(math.inf)

    def order(row) -> tuple:
        seniority = row.receipt_day - key.credit(row.key_employer) - sector.credit(row.priority)
        return (key.rank(row.key_employer), sector.rank(row.priority), seniority, row.receipt_no)

    # a qualification its declines end (``allocation.max_offers``, ``decline_cap``) leaves the list at
    # its last offer, before the offers that follow at the same moment: it sorts right after that offer
    last_offer = {who: i for i, who in enumerate(zip(offers["household_id"], offers["episode"], strict=True))}
    events = []
    spells = ep.assign(entry=entry, leave=leave)[entry.notna()].reset_index()
    for row in spells.itertuples(index=False):
        who, cls, k = (row.household_id, row.episode), (row.size, bool(row.frontline)), order(row)
        events.append((row.entry, 0, who, cls, k, 0))
        if row.outcome in DECLINE_ENDS:
            events.append((row.leave, LEFT_AT_OFFER, who, cls, k, last_offer[who] + 0.5))
        elif row.leave < math.inf:
            # staff whose employer left the district (Art. 5) are out of the list from that instant: an
            # offer made at the same moment may pass them by
            gone = (
                isinstance(row.rejected_reason, str)
                and row.rejected_reason == "changed_employer_left_district"
            )
            events.append((row.leave, 0.5 if gone else 2, who, cls, k, 0))
    unit_area = {}
    mix = params.value("supply.mix")
    for t in mix:
        unit_area[t] = float(mix[t]["living_area_m2"])
    for i, o in enumerate(offers.itertuples(index=False)):
        events.append((o.day, 1, (o.household_id, o.episode), (o.unit_id, o.unit_type), o.accepted, i))
    events.sort(key=lambda ev: (ev[0], 1 if ev[1] == LEFT_AT_OFFER else ev[1], ev[5]))

    lists: dict[tuple, list] = defaultdict(list)
    keys: dict[tuple, tuple] = {}
    declined: dict[int, set] = defaultdict(set)
    bad = []
    for ev in events:
        kind = ev[1]
        if kind == 0:
            keys[ev[2]] = ev[4]
            insort(lists[ev[3]], (ev[4], ev[2]))
        elif kind in (0.5, LEFT_AT_OFFER, 2):
            lst = lists[ev[3]]
            i = bisect_left(lst, (ev[4], ev[2]))
            if i < len(lst) and lst[i][1] == ev[2]:
                del lst[i]
        else:
            who, (unit, utype), accepted = ev[2], ev[3], ev[4]
            my_key = keys.get(who)
            if my_key is None:
                continue
            for (size, frontline), lst in lists.items():
                if (
                    utype not in r.unit_types_for(size, frontline)
                    or size * r.min_living_area > unit_area[utype]
                ):
                    continue
                for k, other in lst:
                    if k >= my_key:
                        break
                    if other not in declined[unit]:
                        bad.append((who, other))
                        break
            if accepted:  # the household leaves the list at this very offer
                declined[unit] = set()
                for cls_list in lists.values():
                    i = bisect_left(cls_list, (my_key, who))
                    if i < len(cls_list) and cls_list[i][1] == who:
                        del cls_list[i]
                        break
            else:
                declined[unit].add(who)
    if bad:
        sample = ", ".join(f"{a[0]} before {b[0]}" for a, b in bad[:3])
        return [f"order_of_offers: {len(bad)} offers skipped an earlier suitable household ({sample})"]
    return []


def _one_household_per_unit(hh: pd.DataFrame, n: int) -> list[str]:
    held = hh[hh["unit_id"] >= 0].copy()
    start = held["left_queue_day"].where(held["left_queue_day"].notna(), held["moved_in_day"])
    end = held["transition_end_day"].where(held["transition_end_day"].notna(), held["exit_day"])
    held = held.assign(start=start, end=end.fillna(float(n) + 1.0)).sort_values(["unit_id", "start"])
    prev_end = held.groupby("unit_id")["end"].shift(1)
    clash = held[prev_end.notna() & (held["start"] < prev_end - _EPS)]
    out: list[str] = []
    _report(out, "one_household_per_unit", clash, "moved into a unit still held by another household")
    return out


def _daily_reconciles(hh: pd.DataFrame, daily: pd.DataFrame, n: int) -> list[str]:
    """On every day of the run, the daily table agrees with ``households``: each day's flows (filings,
    qualifications, move-ins, exits, lapses) are the events the episodes record on that day, and each
    day's stocks sampled at its end (tenants, households in transition, occupied units, waiting households)
    are the episodes whose spell covers that instant."""
    out = []
    if len(daily) != n or not np.array_equal(daily["day"].to_numpy(), np.arange(n)):
        return [f"daily_reconciles: the daily table does not have one row for each day 0 .. {n - 1}"]

    def per_day(col, mask=None):
        x = (hh[col] if mask is None else hh.loc[mask, col]).to_numpy(dtype=float)
        x = x[(x >= 0) & (x < n)]
        return np.bincount(np.floor(x).astype(int), minlength=n)

    fresh = ~hh["initial"]
    flows = {
        "applications": per_day("applied_day", fresh),
        # (an application a snapshot holds in review is reviewed in the run)
        "qualifications": per_day("qualified_day", fresh | hh["review_day"].notna()),
        "move_ins": per_day("moved_in_day"),
        "exits": per_day("exit_day"),
        "lapses": per_day("left_queue_day", hh["lapsed"]),
    }
    for col, expect in flows.items():
        _first_difference(out, col, daily[col].to_numpy(), expect)

    def covering(begin, end):
        """How many spells [begin, end) cover the end of each day."""
        t = np.arange(n) + DAY_END
        b = np.sort(begin[~np.isnan(begin)])
        e = np.sort(end[~np.isnan(end)])
        return np.searchsorted(b, t, side="right") - np.searchsorted(e, t, side="right")

    moved = hh["moved_in_day"].notna()
    exit_day = hh["exit_day"].where(moved, np.nan).fillna(math.inf)
    # a transition ends on its recorded day, or after the horizon if still running; else there is none
    in_transition = hh["transition_end_day"].notna() | ((hh["outcome"] == "ongoing") & hh["exit_day"].notna())
    trans_end = hh["transition_end_day"].fillna(math.inf).where(in_transition, exit_day)
    mi = hh["moved_in_day"].to_numpy(dtype=float)
    tenants = covering(mi, exit_day.where(moved, np.nan).to_numpy(dtype=float))
    transition = covering(
        exit_day.where(moved & (exit_day < math.inf), np.nan).to_numpy(dtype=float),
        trans_end.where(moved & (exit_day < math.inf), np.nan).to_numpy(dtype=float),
    )
    _first_difference(out, "tenants", daily["tenants"].to_numpy(), tenants)
    _first_difference(out, "in_transition", daily["in_transition"].to_numpy(), transition)
    _first_difference(out, "units_occupied", daily["units_occupied"].to_numpy(), tenants + transition)

    entry, leave = waiting_spells(hh)
    waiting = covering(entry.to_numpy(dtype=float), leave.to_numpy(dtype=float))
    _first_difference(out, "waiting", daily["waiting"].to_numpy(), waiting)
    return out


def _first_difference(out: list, col: str, got: np.ndarray, expect: np.ndarray) -> None:
    bad = np.flatnonzero(got != expect)
    if len(bad):
        d = int(bad[0])
        out.append(
            f"daily_reconciles: {col} differ on {len(bad)} days; day {d}: daily {int(got[d])}, "
            f"households record {int(expect[d])}"
        )


#: Columns of ``households`` that record when something happened (``review_day`` is left out: the day a
#: review will end is known, and recorded, when it begins).
_EVENT_DAYS = (
    "applied_day",
    "receipt_day",
    "qualified_day",
    "certificate_day",
    "left_queue_day",
    "moved_in_day",
    "exit_day",
    "transition_end_day",
)


def _run_dates(hh: pd.DataFrame, daily: pd.DataFrame, offers: pd.DataFrame, params, n: int) -> list[str]:
    """A run of N years ends on the same date N years after it starts (``calendar.horizon_years``), and
    nothing happens after the last day of the daily table."""
    out = []
    days = run_days(params.start_date, params.value("calendar.horizon_years"))
    dates = daily["date"]
    first = pd.Timestamp(params.start_date)
    if (
        n != days
        or len(dates) != days
        or dates.iloc[0] != first
        or dates.iloc[-1] != first + pd.Timedelta(days=days - 1)
    ):
        out.append(f"run_dates: the daily table does not run from {params.start_date} for {days} days")
    for col in _EVENT_DAYS:
        late = hh[hh[col] >= n]
        _report(out, "run_dates", late, f"have {col} after the last day of the run (day {n - 1})")
    if len(offers) and (offers["day"] >= n).any():
        out.append(f"run_dates: {int((offers['day'] >= n).sum())} offers made after the last day of the run")
    return out
