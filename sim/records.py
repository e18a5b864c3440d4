"""Output tables of one replication and the summary figures computed from them.

``households``: one row per application episode; ``daily``: one row per day; ``offers``: one row per
offer; ``summary``: named figures (waits in days, shares in [0, 1]). Definitions of the figures:

- waits are taken over the *cohort*: episodes received from ``analysis.warmup_days`` up to
  ``analysis.cohort_margin_days`` before the horizon, so that every one of them has been decided;
  ``wait_apply_to_movein_*`` is from filing to moving in, over the cohort's households that moved in;
- ``waiting_mean`` and ``occupancy_rate`` are time averages from the end of the warm-up; the occupancy
  rate (分配入住率, Art. 29) is occupied units over units on line, a unit in transition counting as occupied;
- ``lapse_rate``: share of the cohort's qualified households whose qualification ran out (Art. 19);
- ``review_within_limit_share``: share of reviews ended within ``review.working_days`` working days
  (Art. 11), over reviews ended after the warm-up; ``reviews_over_limit``: the number of them that ended
  past it (a review backlog, when ``review.capacity_per_working_day`` is finite);
- ``wait_mean_<group>`` and ``housed_<group>``: the cohort's mean wait and number housed by kind of
  applicant (Art. 4: single, family, employer staff) and sector (Art. 3: priority sectors or not);
  tables and charts suppress a group housing fewer than ``analysis.min_cell`` households (Art. 27).

Figures that tell allocation mechanisms apart (``allocation.mechanism``). A *let* is a move-in from the end
of the warm-up on (``moved_in_day >= analysis.warmup_days``); each is NaN when it has nothing to count:

- ``wait_group_gap``: the longest less the shortest of the ``wait_mean_<group>`` (days), over the groups
  housing at least ``analysis.min_cell`` households in the replication (Art. 27; NaN with fewer than two);
- ``declines_per_let``: offers declined over offers accepted, of the offers made from the warm-up on
  (the ``offers`` table);
- ``vacancy_days_per_let``: the vacant unit-days from the warm-up on (``units_vacant`` of each day: units
  on line not occupied, so under turnaround repairs, free to let, or held for an accepted offer not yet
  moved into) over the lets: by Little's law, the mean time a unit stands empty between tenancies (or
  from coming on line) when the stock is steady; it equals (1 - occupancy rate) x units x days / lets;
- ``lets_high_need_share``: the share of lets that went to households of high need: a need score above
  the ``analysis.need_quantile`` (0.75) quantile of the scores of the episodes qualified from the warm-up
  on (ties at it are not high need, so the group holds at most a quarter of them). The score
  (``analysis.need_*``): 2 points a household member, 3 for a priority sector (Art. 3), 3 for a district
  key employer's staff (Art. 9) and 0.5 a m² that the counted housing area a person (Art. 6,
  ``area_per_capita``) lies below 15 m² (Art. 5's line); the weights of the shipped ``points`` scenario
  less the waiting time. They are analysis keys, not rules: a comparison measures every scenario by the
  base's yardstick only if its variants leave them alone;
- ``let_area_per_person_mean``: the mean living area a person of the units let (m²: the unit's living
  area over the household's size), against Art. 7's standard of ``allocation.min_living_area_m2_per_person``;
  ``lets_oversized_share``: the share of lets with more than ``analysis.oversize_factor`` (4) times that
  standard a person (a unit that would meet it for four times the household: in the baseline a single in
  any flat, a couple in a two-bed or larger);
- ``housed_within_validity_share``: the share of the cohort's qualified households that moved in within
  ``queue.validity_years`` (in force on the day they qualified) of qualifying, to the same calendar date
  (Art. 19: 2年内有效); the first certificate of the episode counts, not one re-issued after a re-review.

The ``daily`` table adds ``units_vacant`` (units on line less occupied ones), ``units_ready`` (of them,
free and ready to let: neither under repairs nor held for an accepted offer) and ``declines`` (offers
declined that day).

The two wait figures a housing bureau publishes, besides the wait of a cohort of applications (daily
columns, and the last day's value as a summary figure ``<column>_end``). They can move in opposite
directions: housing a backlog raises the first while it shortens the second.

- ``published_wait_12m``: the mean wait from application to *first* offer of the households housed
  (moved in) in the ``PUBLISHED_WAIT_DAYS`` (365) days up to and including that day (a move-in on day
  d - 365 is out of day d's window), as Hong Kong publishes its average waiting time; NaN when none was;
- ``waited_so_far``: the mean time waited so far, from application to that day's end (day d + 1), of the
  households on the waiting list (qualified and waiting, 轮候, Art. 19) at that day's end; households in
  review are not yet on it. NaN when none is.

Both count a wait from the application (filing); an episode that began before the run (the initial
waiting list, a snapshot's) from its receipt, the earliest it records (``wait_start``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import add_months
from .parameters import Params
from .schema import EXIT_REASONS

#: Stocks are sampled at the end of each day: day d covers [d, d + 1), sampled at d + DAY_END.
DAY_END = 1.0 - 1e-6

DAILY_COLUMNS = (
    "day",
    "units_total",
    "units_occupied",
    "in_review",
    "waiting",
    "in_transition",
    "tenants",
    "offered",
    "filing",
    "units_ready",
    "applications",
    "qualifications",
    "move_ins",
    "exits",
    "lapses",
)
OFFER_COLUMNS = ("day", "household_id", "episode", "receipt_no", "unit_id", "unit_type", "accepted")
OFFER_DTYPES = (float, np.int64, np.int64, np.int64, np.int64, object, bool)

#: Groups of applicants: kind (Art. 4) and sector (Art. 3).
GROUPS = ("single", "family", "employer", "priority", "other_sector")

#: The summary figures that tell allocation mechanisms apart (``allocation.mechanism``).
MECHANISM_FIGURES = (
    "wait_group_gap",
    "declines_per_let",
    "vacancy_days_per_let",
    "lets_high_need_share",
    "let_area_per_person_mean",
    "lets_oversized_share",
    "housed_within_validity_share",
)
#: The wait figures a bureau publishes (module docstring): daily columns, and summary figures at the end.
PUBLISHED_WAITS = ("published_wait_12m", "waited_so_far")
#: The window of ``published_wait_12m``: the past 12 months, in days.
PUBLISHED_WAIT_DAYS = 365
#: Summary figures, in order.
SUMMARY_FIGURES = (
    "wait_apply_to_movein_mean",
    "wait_apply_to_movein_median",
    "wait_apply_to_movein_p90",
    "wait_qualified_to_movein_mean",
    "waiting_mean",
    "waiting_end",
    "occupancy_rate",
    "lapse_rate",
    "review_within_limit_share",
    "reviews_over_limit",
    "applications",
    "qualification_rate",
    "housed_share",
    "move_ins",
    "units_end",
    *(f"exits_{reason}" for reason in EXIT_REASONS),
    # who gains and who loses: the cohort's mean wait and number housed by group
    *(f"wait_mean_{g}" for g in GROUPS),
    *(f"housed_{g}" for g in GROUPS),
    *MECHANISM_FIGURES,
    *(f"{w}_end" for w in PUBLISHED_WAITS),
)
#: Columns the ``daily`` table adds to ``DAILY_COLUMNS``, derived from them, the offers and the episodes.
DERIVED_DAILY_COLUMNS = ("units_vacant", "declines", *PUBLISHED_WAITS)

#: The need score's weights (``need_score``, ``analysis.need_*``): a household member, a priority sector
#: (Art. 3), a district key employer's staff (Art. 9), a m² of counted housing area a person below the line.
NEED_KEYS = ("per_person", "priority_sector", "key_employer", "per_m2_below_line")


class RecordTable:
    """Rows appended as tuples, kept compact: every ``chunk`` rows are turned into one numpy array per
    column, so a finished episode costs about 8 bytes a field instead of a tuple of Python objects (a city
    run records over a million episodes). Text columns stay object arrays of shared strings.

    Args:
        dtypes: one numpy dtype per column (``object`` for text).
    """

    def __init__(self, columns: tuple[str, ...], dtypes: tuple, chunk: int = 16384):
        self.columns, self.dtypes, self.chunk = columns, dtypes, chunk
        self.rows: list[tuple] = []
        self.blocks: list[list[np.ndarray]] = []

    def append(self, row: tuple) -> None:
        rows = self.rows
        rows.append(row)
        if len(rows) >= self.chunk:
            self._compact()

    def _compact(self) -> None:
        if self.rows:
            n = len(self.rows)
            cols = zip(*self.rows, strict=True)
            # numbers converted one by one as they come (``fromiter``), the same values as ``np.array``
            # gives but without its look over the whole column first
            self.blocks.append(
                [
                    np.array(c, dtype=t) if t is object else np.fromiter(c, dtype=t, count=n)
                    for c, t in zip(cols, self.dtypes, strict=True)
                ]
            )
            self.rows = []

    def __len__(self) -> int:
        return len(self.rows) + sum(len(b[0]) for b in self.blocks)

    def frame(self) -> pd.DataFrame:
        self._compact()
        data = {
            name: np.concatenate([b[i] for b in self.blocks]) if self.blocks else np.array([], dtype=t)
            for i, (name, t) in enumerate(zip(self.columns, self.dtypes, strict=True))
        }
        return pd.DataFrame(data)


def households_table(log: RecordTable) -> pd.DataFrame:
    df = log.frame()
    df = df.sort_values(["household_id", "episode"], kind="stable").reset_index(drop=True)
    for col in ("kind", "sector", "unit_type", "rejected_reason", "exit_reason", "outcome"):
        df[col] = df[col].astype("string")
    return df


def daily_table(rows: list[tuple], start_date, offers: pd.DataFrame, hh: pd.DataFrame) -> pd.DataFrame:
    """One row a day: ``DAILY_COLUMNS`` with the date and ``DERIVED_DAILY_COLUMNS``."""
    df = pd.DataFrame.from_records(rows, columns=list(DAILY_COLUMNS))
    df.insert(1, "date", pd.Timestamp(start_date) + pd.to_timedelta(df["day"], unit="D"))
    df.insert(4, "units_vacant", df["units_total"] - df["units_occupied"])
    declined = np.floor(offers["day"].to_numpy(dtype=float)[~offers["accepted"].to_numpy(dtype=bool)])
    df["declines"] = np.bincount(declined.astype(np.int64), minlength=len(df))[: len(df)]
    df["published_wait_12m"] = published_wait_12m(hh, offers, len(df))
    df["waited_so_far"] = waited_so_far(hh, len(df))
    return df


def wait_start(hh: pd.DataFrame) -> pd.Series:
    """When each episode's wait began: its application (filing), or for an episode begun before the run
    (``initial``: no application day) its receipt."""
    return hh["applied_day"].fillna(hh["receipt_day"])


def waiting_spells(hh: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each episode's spell on the waiting list (Art. 19), [entry, leave): from its first certificate
    (a re-issued one keeps the place) or, for an episode begun before the run, its certificate, never
    before day 0; to when it left the list (inf: still on it). Both NaN for an episode never on it."""
    entry = hh["certificate_day"].where(hh["qualified_day"].isna(), hh["qualified_day"])
    entry = entry.where(hh["qualified_day"].notna() | hh["initial"], np.nan).clip(lower=0.0)
    leave = hh["left_queue_day"].fillna(np.inf).where(entry.notna(), np.nan)
    return entry, leave


def published_wait_12m(hh: pd.DataFrame, offers: pd.DataFrame, n_days: int) -> np.ndarray:
    """For each of days 0 .. n_days - 1: the mean wait from application (``wait_start``) to first offer of
    the episodes that moved in on that day or the ``PUBLISHED_WAIT_DAYS`` - 1 days before; NaN with none.
    A tenancy the run started with (no offer in the run) is not counted."""
    first = offers.groupby(["household_id", "episode"], sort=False)["day"].min()
    moved = hh[hh["moved_in_day"] >= 0.0]
    offered = first.reindex(pd.MultiIndex.from_frame(moved[["household_id", "episode"]])).to_numpy(
        dtype=float
    )
    wait = offered - wait_start(moved).to_numpy(dtype=float)
    day = np.floor(moved["moved_in_day"].to_numpy(dtype=float))
    keep = ~np.isnan(wait) & (day < n_days)
    day = day[keep].astype(np.int64)
    total = np.cumsum(np.bincount(day, weights=wait[keep], minlength=n_days))
    count = np.cumsum(np.bincount(day, minlength=n_days))
    lag = PUBLISHED_WAIT_DAYS
    total[lag:] = total[lag:] - total[:-lag]
    count[lag:] = count[lag:] - count[:-lag]
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def waited_so_far(hh: pd.DataFrame, n_days: int) -> np.ndarray:
    """For each of days 0 .. n_days - 1: the mean time from application (``wait_start``) to the day's end
    (d + 1) of the episodes on the waiting list at its end (``waiting_spells`` covering d + ``DAY_END``,
    the instant the daily stocks are sampled); NaN with none."""
    entry, leave = waiting_spells(hh)
    on = entry.notna().to_numpy()
    start = wait_start(hh).to_numpy(dtype=float)[on]
    t = np.arange(n_days) + DAY_END
    first = np.searchsorted(t, entry.to_numpy(dtype=float)[on], side="left")  # first day with t >= entry
    after = np.searchsorted(t, leave.to_numpy(dtype=float)[on], side="left")  # first day with t >= leave

    def covering(weights=None):
        return np.cumsum(
            np.bincount(first, weights, minlength=n_days + 1)
            - np.bincount(after, weights, minlength=n_days + 1)
        )[:n_days]

    count = covering()
    starts = covering(start)
    return np.where(count > 0, np.arange(1, n_days + 1) - starts / np.maximum(count, 1), np.nan)


def offers_table(log: RecordTable) -> pd.DataFrame:
    return log.frame()


def cohort_mask(hh: pd.DataFrame, warmup: float, end: float) -> pd.Series:
    return (~hh["initial"]) & (hh["applied_day"] >= warmup) & (hh["applied_day"] < end)


def summarise(
    hh: pd.DataFrame,
    daily: pd.DataFrame,
    offers: pd.DataFrame,
    exit_counts: dict,
    n_days: int,
    params: Params,
) -> dict[str, float]:
    """The summary figures of one replication (see the module docstring for definitions)."""
    warmup = params.warmup_days
    margin = float(params.value("analysis.cohort_margin_days"))
    cohort = hh[cohort_mask(hh, warmup, n_days - margin)]
    housed = cohort[cohort["moved_in_day"].notna()]
    wait = (housed["moved_in_day"] - housed["applied_day"]).to_numpy()
    wait_q = (housed["moved_in_day"] - housed["qualified_day"]).to_numpy()
    qualified = cohort[cohort["qualified_day"].notna()]
    after = daily[daily["day"] >= warmup]
    reviewed = hh[hh["review_day"].notna() & (hh["review_day"] >= warmup)]
    late = reviewed["review_day"] > reviewed["review_deadline_day"] + 1e-9
    out = {
        "wait_apply_to_movein_mean": _stat(np.mean, wait),
        "wait_apply_to_movein_median": _stat(np.median, wait),
        "wait_apply_to_movein_p90": _stat(lambda a: np.quantile(a, 0.9), wait),
        "wait_qualified_to_movein_mean": _stat(np.mean, wait_q),
        "waiting_mean": float(after["waiting"].mean()) if len(after) else np.nan,
        "waiting_end": float(daily["waiting"].iloc[-1]),
        "occupancy_rate": float((after["units_occupied"] / after["units_total"]).mean())
        if len(after)
        else np.nan,
        "lapse_rate": _share(qualified["lapsed"]),
        "review_within_limit_share": _share(~late),
        "reviews_over_limit": float(late.sum()),
        "applications": float(daily["applications"].sum()),
        "qualification_rate": _share(
            cohort["review_day"].notna() & cohort["qualified_day"].notna(), where=cohort["review_day"].notna()
        ),
        "housed_share": _share(cohort["moved_in_day"].notna()),
        "move_ins": float(daily["move_ins"].sum()),
        "units_end": float(daily["units_total"].iloc[-1]),
    }
    for reason in EXIT_REASONS:
        out[f"exits_{reason}"] = float(exit_counts.get(reason, 0))
    groups = {
        "single": housed["kind"] == "single",
        "family": housed["kind"] == "family",
        "employer": housed["kind"] == "employer",
        "priority": housed["priority"],
        "other_sector": ~housed["priority"],
    }
    for g, mask in groups.items():
        w = wait[mask.to_numpy(dtype=bool)]
        out[f"wait_mean_{g}"] = _stat(np.mean, w)
        out[f"housed_{g}"] = float(len(w))
    min_cell = float(params.value("analysis.min_cell"))
    shown = [out[f"wait_mean_{g}"] for g in GROUPS if out[f"housed_{g}"] >= min_cell]
    out["wait_group_gap"] = max(shown) - min(shown) if len(shown) >= 2 else np.nan
    made = offers[offers["day"] >= warmup]["accepted"].to_numpy(dtype=bool)
    out["declines_per_let"] = _ratio(float((~made).sum()), float(made.sum()))
    out["vacancy_days_per_let"] = _ratio(float(after["units_vacant"].sum()), float(after["move_ins"].sum()))
    lets = hh[hh["moved_in_day"] >= warmup]
    need = need_score(lets, params)
    qualified_after = need_score(hh[hh["qualified_day"] >= warmup], params)
    quantile = params.value("analysis.need_quantile")
    high = need > np.quantile(qualified_after, quantile) if len(qualified_after) else None
    out["lets_high_need_share"] = np.nan if high is None else _stat(np.mean, high.to_numpy())
    per_person = (lets["unit_living_area"] / lets["size"]).to_numpy()
    standard = in_force(params, "allocation.min_living_area_m2_per_person", lets["moved_in_day"].to_numpy())
    out["let_area_per_person_mean"] = _stat(np.mean, per_person)
    oversize = params.value("analysis.oversize_factor")
    out["lets_oversized_share"] = _stat(np.mean, per_person > oversize * standard)
    out["housed_within_validity_share"] = _stat(np.mean, housed_within_validity(qualified, params))
    for w in PUBLISHED_WAITS:
        out[f"{w}_end"] = float(daily[w].iloc[-1])
    return {k: out[k] for k in SUMMARY_FIGURES}


def need_score(hh: pd.DataFrame, params: Params) -> pd.Series:
    """The need score of each episode (``analysis.need_*``; module docstring): its size, priority sector,
    key employer and counted housing area a person below ``analysis.need_area_line_m2``; never its waiting
    time."""
    w = {k: params.value(f"analysis.need_{k}") for k in NEED_KEYS}
    below = (params.value("analysis.need_area_line_m2") - hh["area_per_capita"]).clip(lower=0.0)
    return (
        w["per_person"] * hh["size"]
        + w["priority_sector"] * hh["priority"]
        + w["key_employer"] * hh["key_employer"]
        + w["per_m2_below_line"] * below
    )


def housed_within_validity(qualified: pd.DataFrame, params: Params) -> np.ndarray:
    """Whether each qualified episode moved in by the same calendar date ``queue.validity_years`` (in
    force on the day it qualified) after qualifying (Art. 19; ``calendar.add_months``)."""
    day = qualified["qualified_day"].to_numpy(dtype=float)
    whole, which = np.unique(np.floor(day), return_inverse=True)  # each whole day's end computed once
    years = in_force(params, "queue.validity_years", whole)  # rules switch on whole days
    ends = [
        add_months(params.start_date, d, 12.0 * y)
        for d, y in zip(whole.tolist(), years.tolist(), strict=True)
    ]
    expiry = np.array(ends, dtype=float)[which.reshape(-1)] + (day - np.floor(day))
    return qualified["moved_in_day"].to_numpy(dtype=float) <= expiry


def in_force(params: Params, key: str, days: np.ndarray) -> np.ndarray:
    """The value of ``key`` in force on each of ``days`` (dated values switch on their day; before day 0,
    the value of day 0)."""
    starts = np.array([0.0, *params.change_days()])
    values = np.array([float(params.value(key, d)) for d in starts])
    return values[np.clip(np.searchsorted(starts, days, side="right") - 1, 0, None)]


def _stat(fn, a: np.ndarray) -> float:
    return float(fn(a)) if len(a) else np.nan


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else np.nan


def _share(flags: pd.Series, where: pd.Series | None = None) -> float:
    if where is not None:
        flags = flags[where]
    return float(flags.mean()) if len(flags) else np.nan
