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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
)


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


def daily_table(rows: list[tuple], start_date) -> pd.DataFrame:
    df = pd.DataFrame.from_records(rows, columns=list(DAILY_COLUMNS))
    df.insert(1, "date", pd.Timestamp(start_date) + pd.to_timedelta(df["day"], unit="D"))
    df.insert(4, "units_vacant", df["units_total"] - df["units_occupied"])
    return df


def offers_table(log: RecordTable) -> pd.DataFrame:
    return log.frame()


def cohort_mask(hh: pd.DataFrame, warmup: float, end: float) -> pd.Series:
    return (~hh["initial"]) & (hh["applied_day"] >= warmup) & (hh["applied_day"] < end)


def summarise(
    hh: pd.DataFrame, daily: pd.DataFrame, exit_counts: dict, n_days: int, warmup: float, margin: float
) -> dict[str, float]:
    """The summary figures of one replication (see the module docstring for definitions)."""
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
    return {k: out[k] for k in SUMMARY_FIGURES}


def _stat(fn, a: np.ndarray) -> float:
    return float(fn(a)) if len(a) else np.nan


def _share(flags: pd.Series, where: pd.Series | None = None) -> float:
    if where is not None:
        flags = flags[where]
    return float(flags.mean()) if len(flags) else np.nan
