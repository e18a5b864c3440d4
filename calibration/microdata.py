"""Fit the behavioural inputs from micro data (the two files of docs/calibration-data.md).

    python run.py fit-inputs APPLICATIONS.csv TENANCIES.csv --out DIR

From ``applications.csv`` (first filings only; re-applications come from ``arrivals.reapply_share``):

- ``arrivals.applications_per_year``: first filings / years observed, each day weighted by its month's
  fitted factor (the engine multiplies the rate by them: a period of no whole years must not count the
  busy months twice), exact Poisson 95 % CI; checked by a chi-square test of the monthly counts against
  the fitted (seasonal) rate;
- ``arrivals.monthly_factors``: each calendar month's filing rate / the overall rate, exact Poisson CI;
  a chi-square test of a constant rate decides: factors are written only when seasonality is
  significant at 5 %, otherwise they stay 1 (and the file says so);
- ``arrivals.kind_shares``, ``arrivals.family_size``, ``arrivals.priority_sector_share``,
  ``arrivals.key_employer_share``, ``arrivals.frontline_share``: shares with Wilson 95 % CIs;
- ``arrivals.employer_block``: mean staff households per employer filing (t CI; chi-square test of the
  block sizes against the engine's 1 + Poisson form) and the share of staff households with family.

From ``tenancies.csv``: each Art. 23 exit hazard ``exits.<reason>_per_year`` = events / exposure with
right-censoring and left truncation (survival.py: a tenancy begun before the period counts from the
period's start), a Kaplan-Meier curve and a Weibull likelihood-ratio check of the constant hazard, both
with the same delayed entry.

Outputs: ``fitted.toml`` (a scenario delta on the base, each value with a reference to its file),
``goodness_of_fit.csv`` and charts (``charts/*.{en,zh}.{png,svg}``). No individual record is written
(Art. 27): only estimates and aggregates. An estimate on a count below ``analysis.min_cell`` (a share's
count or complement, a month's filings, a reason's exits) is blanked with its CI and exposure, a second
entry of its table with it when it is the only one, and ``fitted.toml`` keeps the base's value.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.experiments.outputs import atomic_write, write_frame
from analysis.reporting.numbers import format_number
from analysis.reporting.tables import render_table
from analysis.reporting.terms import term
from analysis.stats import CONFIDENCE, t_interval
from sim import load_scenario
from sim.calendar import MONTH_DAYS, YEAR_DAYS
from sim.parameters import base_reference, delta_toml
from sim.replay import MicroDataError, read_applications, read_tenancies, recorded_end
from sim.schema import HAZARD_EXITS, KINDS

from .survival import constant_hazard, kaplan_meier, poisson_ci, weibull_check

GOF_COLUMNS = (
    "estimate",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "test",
    "statistic",
    "p_value",
    "source",
    "note",
)
SEASONALITY_ALPHA = 0.05
MIN_EVENTS_FOR_SHAPE = 20  # Weibull checks of reasons with fewer events are not attempted


@dataclass
class Estimate:
    """One row of ``goodness_of_fit.csv``."""

    estimate: str
    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    n: float = math.nan
    test: str = ""
    statistic: float = math.nan
    p_value: float = math.nan
    source: str = ""
    note: str = ""


@dataclass
class Fit:
    """What ``fit`` found: the estimates, the scenario values and what the charts draw."""

    estimates: list[Estimate]
    values: dict  # {dotted key: (value, reference)}
    start: datetime.date
    until: datetime.date
    min_cell: int
    files: tuple[str, str]
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)  # month, days, filings, expected
    survival: dict = field(default_factory=dict)  # panel name -> (entry, durations, observed, rate, weibull)
    n_tenancies: int = 0
    n_censored: int = 0
    n_truncated: int = 0  # tenancies begun before the period: at risk from its start (left-truncated)
    n_filings: int = 0


# ---------------------------------------------------------------- reading


def load(apps_path, tens_path, start: datetime.date | None = None, until: datetime.date | None = None):
    """Read and check both files; rows outside the recorded period are bad rows too, except a tenancy
    begun before it and still running on its first day (left-truncated: it counts from that day).

    Returns:
        (applications, tenancies, start, until): the period is [start, until).

    Raises:
        MicroDataError: every problem of both files, each with its line number.
    """
    problems, frames = [], []
    for path, reader in ((apps_path, read_applications), (tens_path, read_tenancies)):
        try:
            frames.append(reader(path, str(path)))
        except MicroDataError as err:
            problems += err.problems
            frames.append(None)
    if problems:
        raise MicroDataError(problems)
    apps, tens = frames
    start = start or apps["applied_date"].min().date()
    until = until or max(recorded_end(apps), recorded_end(tens, ("start_date", "end_date")))
    lo, hi = pd.Timestamp(start), pd.Timestamp(until)
    for df, path, cols in (
        (apps, apps_path, ("applied_date", "qualified_date", "moved_in_date")),
        (tens, tens_path, ("start_date", "end_date")),
    ):
        for col in cols:
            first = pd.Timestamp.min if col == "start_date" else lo  # a tenancy may begin before the period
            for line, d in zip(df["line"], df[col], strict=True):
                if pd.notna(d) and not first <= d < hi:
                    problems.append(
                        f"{path}: line {line}: {col}: {d.date()} is outside the recorded period "
                        f"{start} to {until - datetime.timedelta(days=1)}"
                    )
    if problems:
        raise MicroDataError(problems)
    return apps, tens, start, until


# ---------------------------------------------------------------- estimating


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(CONFIDENCE, method="wilson")
    return float(ci.low), float(ci.high)


def _share_values(counts: pd.Series, digits: int = 4) -> dict:
    """Shares rounded so that they sum to 1 exactly (the loader checks the sum)."""
    shares = (counts / counts.sum()).round(digits)
    biggest = shares.idxmax()
    shares[biggest] = round(1 - (shares.sum() - shares[biggest]), digits)
    return {str(k): float(v) for k, v in shares.items()}


def _sig(x: float, digits: int = 4) -> float:
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - math.floor(math.log10(abs(x)))))


def _suppressed_ref(base, key: str, source: str, min_cell: int) -> tuple:
    """The base's value of ``key``, kept because an estimate rests on a count below ``min_cell``."""
    return (
        base.value(key),
        f"base value kept: the estimate from {source} rests on a count of fewer than {min_cell} "
        "and is suppressed (Art. 27)",
    )


def _suppress(e: Estimate, min_cell: int) -> Estimate:
    """Blank the value, CI and n of an estimate on a count below ``min_cell`` (Art. 27): a value with its
    exposure or total would give the count back."""
    e.value = e.ci_low = e.ci_high = e.n = math.nan
    e.note = "; ".join(x for x in (e.note, f"n < {min_cell} suppressed") if x)
    return e


def _month_exposure(start: datetime.date, until: datetime.date) -> pd.DataFrame:
    """One row per calendar month (instance) of the period: its first day and days observed."""
    rows, d = [], start
    while d < until:
        nxt = datetime.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        end = min(nxt, until)
        rows.append({"month": pd.Timestamp(d.year, d.month, 1), "days": (end - d).days})
        d = end
    return pd.DataFrame(rows)


def fit_arrivals(apps: pd.DataFrame, start, until, base, source: str, min_cell: int):
    """Estimates and scenario values from the first filings of ``[start, until)``.

    Returns:
        (estimates, {dotted key: (value, reference)}, the calendar months of the period with their
        filings and the fitted rate's expected filings, number of first filings).
    """
    first, filings = _first_filings(apps)
    n = len(filings)
    period = f"{start} to {until - datetime.timedelta(days=1)}"
    months, by_cal = _monthly_filings(filings, start, until)
    season = _seasonality(by_cal, n, (until - start).days, base, min_cell)
    steps = [
        _monthly_factors(season, by_cal, n, base, source, period, min_cell),
        _application_rate(months, season, n, (until - start).days, base, source, period),
        _kind_shares(first, filings, base, source, min_cell),
        _sector_shares(first, filings, base, source, min_cell),
        _employer_block(first, filings, base, source, min_cell),
    ]
    est = [e for rows, _ in steps for e in rows]
    values = {key: value for _, part in steps for key, value in part.items()}
    return est, values, months, n


def _first_filings(apps: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of first applications (re-applications come from ``arrivals.reapply_share``), and one
    row per first filing (an employer's filing has a row per staff household): its kind, date, sector,
    key-employer flag and number of staff households."""
    first = apps[~apps["reapplication"]]
    filings = first.groupby("filing_id", sort=False).agg(
        kind=("kind", "first"),
        date=("applied_date", "first"),
        sector=("sector", "first"),
        key=("key_employer", "first"),
        staff=("line", "size"),
    )
    return first, filings


def _monthly_filings(filings: pd.DataFrame, start, until) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First filings per calendar month of the period (``months``: month, days, filings, cal) and per
    calendar month of the year (``by_cal``: days and filings summed over the years, index 1-12)."""
    months = _month_exposure(start, until)
    months["filings"] = (
        filings["date"].dt.to_period("M").dt.to_timestamp().value_counts().reindex(months["month"]).fillna(0)
    ).to_numpy()
    months["cal"] = months["month"].dt.month
    by_cal = months.groupby("cal")[["days", "filings"]].sum().reindex(range(1, 13), fill_value=0)
    return months, by_cal


@dataclass
class _Seasonality:
    """Calendar-month filing rates against the overall rate, and the factors the fitted rate uses."""

    overall: float  # first filings per day over the period
    scale: float  # mean of the raw factors of the months observed (the factors are divided by it)
    factors: pd.Series  # each calendar month's rate / the overall rate, mean 1 (index 1-12)
    used: pd.Series  # the factors the fitted rate uses: fitted, the base's, or all 1
    seasonal: bool  # a constant rate is rejected at SEASONALITY_ALPHA and every month was observed
    small: bool  # a calendar month has fewer than min_cell filings
    chi2: float  # chi-square of a constant rate across calendar months
    p_value: float


def _seasonality(by_cal: pd.DataFrame, n: int, days: int, base, min_cell: int) -> _Seasonality:
    """Test a constant rate across calendar months (chi-square) and choose the factors: the fitted ones
    when seasonality is significant at ``SEASONALITY_ALPHA``, otherwise all 1; when it is significant but
    a month holds fewer than ``analysis.min_cell`` filings, the base's factors (a factor would give its
    month's count back, Art. 27)."""
    overall = n / days
    expected_flat = by_cal["days"] * overall
    seen = by_cal["days"] > 0
    chi_flat, p_flat = stats.chisquare(by_cal["filings"][seen], expected_flat[seen])
    raw = (by_cal["filings"] / by_cal["days"].where(seen)) / overall
    scale = float(raw[seen].mean()) if seen.any() else 1.0
    factors = (raw / scale).fillna(1.0)
    seasonal = bool(p_flat < SEASONALITY_ALPHA and seen.all())
    small = bool((by_cal["filings"][seen] < min_cell).any())
    if seasonal and small:  # a factor would give its month's count back: keep the base's factors
        f_used = pd.Series(list(base.value("arrivals.monthly_factors")), index=factors.index, dtype=float)
        f_used /= f_used.mean()
    else:
        f_used = factors if seasonal else pd.Series(1.0, index=factors.index)
    return _Seasonality(overall, scale, factors, f_used, seasonal, small, float(chi_flat), float(p_flat))


def _monthly_factors(season: _Seasonality, by_cal, n: int, base, source: str, period: str, min_cell: int):
    """``arrivals.monthly_factors``: a row per calendar month (exact Poisson CI; a month below
    ``analysis.min_cell`` suppressed, Art. 27), a row for the chi-square test of a constant rate, and
    the value written: the fitted factors when seasonal, otherwise all 1, or the base's (Art. 27)."""
    seasonal, small, scale, overall = season.seasonal, season.small, season.scale, season.overall
    est = []
    for m in range(1, 13):
        k, d = int(by_cal.loc[m, "filings"]), float(by_cal.loc[m, "days"])
        lo, hi = poisson_ci(k)
        e = Estimate(
            f"arrivals.monthly_factors[{m}]",
            float(season.factors[m]),
            lo / d / overall / scale if d else math.nan,
            hi / d / overall / scale if d else math.nan,
            k,
            source=source,
            note=""
            if seasonal and not small
            else "not used: "
            + ("a month is below analysis.min_cell" if seasonal else "no significant seasonality"),
        )
        est.append(_suppress(e, min_cell) if k < min_cell else e)
    est.append(
        Estimate(
            "arrivals.monthly_factors",
            math.nan,
            n=n,
            test="chi-square: constant rate across calendar months",
            statistic=season.chi2,
            p_value=season.p_value,
            source=source,
            note=(
                (
                    "base factors kept: a month below analysis.min_cell"
                    if small
                    else "seasonal factors written"
                )
                if seasonal
                else "not significant at 5 %: factors kept at 1"
            ),
        )
    )
    if seasonal and small:
        value = _suppressed_ref(base, "arrivals.monthly_factors", source, min_cell)
    else:
        value = (
            [round(float(season.used[m]), 4) for m in range(1, 13)],
            f"estimated from {source} ({n:,} first filings, {period}): chi-square test of a constant rate "
            f"p = {season.p_value:.3g}"
            + (
                "; calendar-month rate / overall rate"
                if seasonal
                else "; not significant, all factors kept at 1"
            ),
        )
    return est, {"arrivals.monthly_factors": value}


def _application_rate(months: pd.DataFrame, season: _Seasonality, n: int, days: int, base, source, period):
    """``arrivals.applications_per_year``: first filings per factor-weighted year (the engine multiplies
    the rate by the monthly factors, so a period of no whole years must not count the busy months twice),
    divided by the engine's rent factor ``1 + arrivals.rent_elasticity x rent.discount_to_market``; exact
    Poisson CI; checked by a chi-square test of the month-by-month counts against the fitted rate.
    Adds those fitted counts to ``months`` (column ``expected``)."""
    seasonal, small = season.seasonal, season.small
    # the fitted rate per day in each month instance, normalised over the period
    w = months["cal"].map(season.used).to_numpy()
    rate_day = n / float((months["days"] * w).sum())
    months["expected"] = months["days"] * w * rate_day
    # dispersion of the month-by-month counts around the fitted rate
    full = months["days"] > 0
    chi_m = float(((months["filings"] - months["expected"]) ** 2 / months["expected"])[full].sum())
    dof = int(full.sum()) - 1 - (11 if seasonal and not small else 0)
    exposure = float((months["days"] * w).sum())
    rate = rate_day * YEAR_DAYS
    elastic = 1.0 + float(base.value("arrivals.rent_elasticity")) * float(
        base.value("rent.discount_to_market")
    )
    lo, hi = (x / exposure * YEAR_DAYS for x in poisson_ci(n))
    row = Estimate(
        "arrivals.applications_per_year",
        rate / elastic,
        lo / elastic,
        hi / elastic,
        n,
        "chi-square: monthly counts against the fitted rate",
        chi_m,
        float(stats.chi2.sf(chi_m, dof)) if dof > 0 else math.nan,
        source,
    )
    value = (
        _sig(rate / elastic),
        f"estimated from {source}: {n:,} first filings over {days / YEAR_DAYS:.2f} years ({period}); "
        f"95% CI [{lo / elastic:,.0f}, {hi / elastic:,.0f}]"
        + ("; per season-weighted year (monthly factors)" if seasonal else ""),
    )
    return [row], {"arrivals.applications_per_year": value}


def _shares(key: str, counts: pd.Series, what: str, base, source: str, min_cell: int):
    """A table of shares (``arrivals.kind_shares``, ``arrivals.family_size``) with Wilson CIs. An entry
    below ``analysis.min_cell`` is suppressed, and a second one with it when it is the only one (the
    total less the others would give it back); the value is then the base's (Art. 27)."""
    est = []
    total = int(counts.sum())
    small = set(counts.index[counts < min_cell])
    if len(small) == 1 and len(counts) > 1:  # the total less the others would give it back
        small.add(counts.drop(list(small)).idxmin())
    for name, k in counts.items():
        lo, hi = _wilson(int(k), total)
        e = Estimate(f"{key}.{name}", k / total, lo, hi, int(k), source=source)
        est.append(_suppress(e, min_cell) if name in small else e)
    value = (
        _suppressed_ref(base, key, source, min_cell)
        if small
        else (_share_values(counts), f"estimated from {source}: shares of {total:,} {what}")
    )
    return est, {key: value}


def _share(key: str, k: int, total: int, what: str, base, source: str, min_cell: int):
    """One share ``k / total`` with its Wilson CI; suppressed, and the base's value kept, when ``k`` or
    ``total - k`` is below ``analysis.min_cell`` (the share times n would give the count back, Art. 27)."""
    lo, hi = _wilson(k, total)
    v = k / total if total else math.nan
    e = Estimate(key, v, lo, hi, total, source=source)
    if min(k, total - k) < min_cell:  # the share times n would give a count below min_cell back
        return [_suppress(e, min_cell)], {key: _suppressed_ref(base, key, source, min_cell)}
    return [e], {
        key: (round(v, 4), f"estimated from {source}: {what}, {total:,}; 95% CI [{lo:.3f}, {hi:.3f}]")
    }


def _kind_shares(first: pd.DataFrame, filings: pd.DataFrame, base, source: str, min_cell: int):
    """``arrivals.kind_shares`` (shares of first filings) and ``arrivals.family_size`` (shares of family
    first filings by persons, when there is any)."""
    est, values = _shares(
        "arrivals.kind_shares",
        filings["kind"].value_counts().reindex(KINDS, fill_value=0),
        "first filings",
        base,
        source,
        min_cell,
    )
    fam = first.loc[first["kind"] == "family", "size"].value_counts().sort_index()
    if len(fam):
        rows, value = _shares(
            "arrivals.family_size", fam, "family first filings by persons", base, source, min_cell
        )
        est += rows
        values.update(value)
    return est, values


def _sector_shares(first: pd.DataFrame, filings: pd.DataFrame, base, source: str, min_cell: int):
    """``arrivals.priority_sector_share`` (first filings from the priority sectors, Art. 3),
    ``arrivals.key_employer_share`` (of employer filings) and ``arrivals.frontline_share`` (of
    public-service employer staff)."""
    emp = filings[filings["kind"] == "employer"]
    staff = first[first["kind"] == "employer"]
    service = staff[staff["sector"] == "public_service"]
    parts = [
        _share(
            "arrivals.priority_sector_share",
            int((filings["sector"] != "other").sum()),
            len(filings),
            "share of first filings from the priority sectors (Art. 3)",
            base,
            source,
            min_cell,
        ),
        _share(
            "arrivals.key_employer_share",
            int(emp["key"].sum()),
            len(emp),
            "share of employer filings",
            base,
            source,
            min_cell,
        ),
        _share(
            "arrivals.frontline_share",
            int(service["frontline"].sum()),
            len(service),
            "share of public-service employer staff who are front-line",
            base,
            source,
            min_cell,
        ),
    ]
    return [e for rows, _ in parts for e in rows], {k: v for _, part in parts for k, v in part.items()}


def _employer_block(first: pd.DataFrame, filings: pd.DataFrame, base, source: str, min_cell: int):
    """``arrivals.employer_block`` (with at least 2 employer filings): the mean staff households per
    employer filing (t CI; chi-square test of the block sizes against the engine's 1 + Poisson form), the
    largest block (the larger of the base's and the largest recorded) and the share of staff households
    with family (Wilson CI; the base's kept below ``analysis.min_cell``, Art. 27)."""
    emp = filings[filings["kind"] == "employer"]
    staff = first[first["kind"] == "employer"]
    if len(emp) < 2:
        return [], {}
    sizes = emp["staff"].to_numpy()
    mean, lo, hi, _, _ = t_interval(sizes)
    base_block = base.value("arrivals.employer_block")
    most = max(int(base_block["max_staff"]), int(sizes.max()))
    chi_b, p_b, dof_b = _block_test(sizes, mean, most)
    est = [
        Estimate(
            "arrivals.employer_block.mean_staff",
            mean,
            lo,
            hi,
            len(sizes),
            "chi-square: block sizes against 1 + Poisson(mean - 1)",
            chi_b,
            p_b,
            source,
            f"{dof_b} degrees of freedom",
        )
    ]
    fam_staff = int((staff["size"] > 1).sum())
    flo, fhi = _wilson(fam_staff, len(staff))
    e = Estimate(
        "arrivals.employer_block.family_share", fam_staff / len(staff), flo, fhi, len(staff), source=source
    )
    small = min(fam_staff, len(staff) - fam_staff) < min_cell
    est.append(_suppress(e, min_cell) if small else e)
    family_share = base_block["family_share"] if small else round(fam_staff / len(staff), 4)
    value = (
        {"mean_staff": _sig(mean), "max_staff": most, "family_share": family_share},
        f"estimated from {source}: {len(sizes):,} employer filings, "
        f"mean staff 95% CI [{lo:.2f}, {hi:.2f}]; "
        "max_staff = the larger of the base's and the largest recorded"
        + (f"; family_share: base value kept, fewer than {min_cell} (Art. 27)" if small else ""),
    )
    return est, {"arrivals.employer_block": value}


def _block_test(sizes: np.ndarray, mean: float, most: int):
    """Chi-square of employer block sizes against the engine's min(most, 1 + Poisson(mean - 1)), with the
    size classes pooled from the top until every expected count is at least 5."""
    ks = np.arange(1, most + 1)
    p = stats.poisson.pmf(ks - 1, max(mean - 1, 1e-9))
    p[-1] += 1 - p.sum()
    obs = np.array([(sizes == k).sum() for k in ks], dtype=float)
    obs[-1] += (sizes > most).sum()
    exp = p * len(sizes)
    o, e = [], []
    acc_o = acc_e = 0.0
    for oi, ei in zip(obs, exp, strict=True):  # pool small classes upward
        acc_o, acc_e = acc_o + oi, acc_e + ei
        if acc_e >= 5:
            o.append(acc_o)
            e.append(acc_e)
            acc_o = acc_e = 0.0
    if acc_e > 0 and e:
        o[-1] += acc_o
        e[-1] += acc_e
    dof = len(o) - 2
    if dof < 1:
        return math.nan, math.nan, max(dof, 0)
    chi = float(((np.array(o) - np.array(e)) ** 2 / np.array(e)).sum())
    return chi, float(stats.chi2.sf(chi, dof)), dof


def tenancy_durations(tens: pd.DataFrame, start, until) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(entry, days held, ended?) per tenancy, in days since its move-in. A tenancy begun before the
    period's first day ``start`` is seen from that day only (left-truncated): ``entry`` is the days it had
    been held then, 0 for one begun in the period. A running tenancy is censored at ``until``. Dates are
    whole days, so a duration is counted to the half day and always exceeds its entry."""
    end = tens["end_date"].fillna(pd.Timestamp(until))
    days = (end - tens["start_date"]).dt.days.to_numpy(dtype=float) + 0.5
    entry = (pd.Timestamp(start) - tens["start_date"]).dt.days.clip(lower=0).to_numpy(dtype=float)
    return entry, days, tens["end_date"].notna().to_numpy()


def _shape_note(w) -> str:
    return f"Weibull shape {w.shape:.3f} [{w.shape_low:.3f}, {w.shape_high:.3f}]"


def fit_exits(tens: pd.DataFrame, start, until, base, source: str, min_cell: int):
    """The Art. 23 exit hazards, each at risk from a tenancy's entry into the period to its end
    (:func:`tenancy_durations`); returns (estimates, values, survival panels, tenancies running at the
    end, tenancies begun before the period)."""
    est, values, panels = [], {}, {}
    entry, days, ended = tenancy_durations(tens, start, until)
    at_risk_days = days - entry
    reason = tens["exit_reason"].fillna("").to_numpy()
    staff = (tens["kind"] == "employer").to_numpy()
    hazard_exit = np.isin(reason, HAZARD_EXITS)
    total = constant_hazard(int(hazard_exit.sum()), at_risk_days.sum() / YEAR_DAYS)
    w = weibull_check(days, hazard_exit, entry)
    est.append(
        Estimate(
            "exits.any_art23_hazard_per_year",
            total.rate,
            total.ci_low,
            total.ci_high,
            total.events,
            "likelihood ratio: Weibull shape = 1 (constant hazard)",
            w.lr_statistic,
            w.p_value,
            source,
            f"{_shape_note(w)}; every other exit and the period end censor",
        )
    )
    if total.events < min_cell:
        _suppress(est[-1], min_cell)
        est[-1].note = f"n < {min_cell} suppressed"
    panels["any"] = (entry, days, hazard_exit, total.rate, w)
    counts = pd.Series({name: int((reason == name).sum()) for name in HAZARD_EXITS})
    hidden = set(counts.index[counts < min_cell])
    if len(hidden) == 1 and total.events >= min_cell:  # the total less the others would give it back
        hidden.add(counts.drop(list(hidden)).idxmin())
    for name in HAZARD_EXITS:
        at_risk = staff if name == "employer_withdrawal" else np.ones(len(days), bool)
        event = reason == name
        h = constant_hazard(int(event[at_risk].sum()), at_risk_days[at_risk].sum() / YEAR_DAYS)
        key = f"exits.{name}_per_year"
        small = name in hidden
        row = Estimate(
            key,
            h.rate,
            h.ci_low,
            h.ci_high,
            h.events,
            source=source,
            note="; ".join(
                x
                for x in (
                    "" if small else f"exposure {h.exposure_years:,.0f} tenancy-years",
                    "employer staff only" if name == "employer_withdrawal" else "",
                )
                if x
            ),
        )
        if small:
            est.append(_suppress(row, min_cell))
            values[key] = _suppressed_ref(base, key, source, min_cell)
            continue
        if h.events >= MIN_EVENTS_FOR_SHAPE:
            wk = weibull_check(days[at_risk], event[at_risk], entry[at_risk])
            row.test = "likelihood ratio: Weibull shape = 1 (constant hazard)"
            row.statistic, row.p_value = wk.lr_statistic, wk.p_value
            row.note += f"; {_shape_note(wk)}"
            panels[name] = (entry[at_risk], days[at_risk], event[at_risk], h.rate, wk)
        est.append(row)
        values[key] = (
            _sig(h.rate),
            f"estimated from {source}: {h.events:,} exits over {h.exposure_years:,.0f} tenancy-years, "
            f"right-censored and left-truncated; 95% CI [{_sig(h.ci_low, 3)}, {_sig(h.ci_high, 3)}]",
        )
    return est, values, panels, int((~ended).sum()), int((entry > 0).sum())


def fit(apps, tens, start, until, base, files=("applications.csv", "tenancies.csv")) -> Fit:
    min_cell = int(base.value("analysis.min_cell"))
    est_a, val_a, months, n = fit_arrivals(apps, start, until, base, files[0], min_cell)
    est_e, val_e, panels, n_censored, n_truncated = fit_exits(tens, start, until, base, files[1], min_cell)
    return Fit(
        est_a + est_e,
        {**val_a, **val_e},
        start,
        until,
        min_cell,
        files,
        months,
        panels,
        len(tens),
        n_censored,
        n_truncated,
        n,
    )


# ---------------------------------------------------------------- writing


def fitted_toml(result: Fit, base, base_ref: str) -> str:
    """The scenario delta: ``base`` plus every estimated value with its unit and reference."""
    last = result.until - datetime.timedelta(days=1)
    changes = {}
    for key in sorted(result.values, key=lambda k: (k.split(".")[0] != "arrivals", k)):
        value, reference = result.values[key]
        changes[key] = {"value": value, "unit": base.meta(key).get("unit", ""), "reference": reference}
    return delta_toml(
        base_ref,
        "fitted",
        f"Inputs estimated from {result.files[0]} and {result.files[1]}",
        f"micro data {result.start} to {last}",
        changes,
        comments=(
            "Inputs estimated from micro data by `python run.py fit-inputs`; every value names its file.",
            "Only estimates and aggregates are kept here (Art. 27): no individual record.",
        ),
    )


def gof_frame(result: Fit) -> pd.DataFrame:
    rows = [{c: getattr(e, c) for c in GOF_COLUMNS} for e in result.estimates]
    return pd.DataFrame(rows, columns=list(GOF_COLUMNS))


def write_fit(result: Fit, base, base_path: Path, out_dir: Path, langs=("en", "zh"), charts: bool = True):
    """Write ``fitted.toml``, ``goodness_of_fit.csv`` and the charts; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    text = fitted_toml(result, base, base_reference(base_path, out_dir))

    def write_text(tmp):
        Path(tmp).write_text(text, encoding="utf-8")

    paths = [out_dir / "fitted.toml", out_dir / "goodness_of_fit.csv"]
    atomic_write(paths[0], write_text)
    write_frame(gof_frame(result), paths[1])
    if charts:
        for lang in langs:
            paths += draw_fit_charts(result, out_dir / "charts", lang)
    return paths


# ---------------------------------------------------------------- printing


def _fmt(x: float) -> str:
    """An estimate as text: whole from 100 up, 3 significant digits under 10, one decimal under 100, four
    decimals under 1; empty when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if abs(x) >= 100:
        return format_number(x, digits=0, zero="keep", na=None)
    if abs(x) >= 1:
        if abs(x) < 10:
            return format_number(x, digits=3, notation="general", thousands=False, zero="keep", na=None)
        return format_number(x, digits=1, thousands=False, zero="keep", na=None)
    return format_number(x, digits=4, thousands=False, zero="keep", na=None)


def base_value(base, estimate: str):
    """The base scenario's value of an estimate's key (``arrivals.kind_shares.single`` ...), or None."""
    if estimate.startswith("arrivals.monthly_factors["):
        return base.value("arrivals.monthly_factors")[int(estimate[25:-1]) - 1]
    for key in (estimate, estimate.rsplit(".", 1)[0]):
        try:
            v = base.value(key)
        except KeyError:
            continue
        if key == estimate:
            return v if isinstance(v, int | float) else None
        entry = estimate.rsplit(".", 1)[1]
        return v.get(entry) if isinstance(v, dict) else None
    return None


def format_fit(result: Fit, base, lang: str = "en") -> str:
    """The estimates as a table: value, 95 % CI, n, the fit check's p-value, the base's value."""
    header = [
        term("micro.estimate", lang),
        term("micro.value", lang),
        term("micro.ci", lang),
        term("micro.n", lang),
        term("micro.check", lang) + " (p)",
        term("micro.base_value", lang),
        term("micro.base_in_ci", lang),
    ]
    rows = []
    for e in result.estimates:
        if math.isnan(e.value):
            continue
        b = base_value(base, e.estimate)
        inside = (
            ""
            if b is None or math.isnan(e.ci_low)
            else term("micro.yes" if e.ci_low <= b <= e.ci_high else "micro.no", lang)
        )
        rows.append(
            [
                e.estimate,
                _fmt(e.value),
                f"[{_fmt(e.ci_low)}, {_fmt(e.ci_high)}]" if not math.isnan(e.ci_low) else "",
                "" if math.isnan(e.n) else f"{int(e.n):,}",
                "" if math.isnan(e.p_value) else f"{e.p_value:.3f}",
                "" if b is None else _fmt(float(b)),
                inside,
            ]
        )
    return render_table(header, rows)


def period_line(result: Fit) -> str:
    last = result.until - datetime.timedelta(days=1)
    return (
        f"micro data {result.files[0]}, {result.files[1]}: {result.start} to {last}; "
        f"{result.n_filings:,} first filings, {result.n_tenancies:,} tenancies "
        f"({result.n_truncated:,} begun before the period: left-truncated; "
        f"{result.n_censored:,} still running: right-censored)"
    )


def fit_inputs(apps_path, tens_path, out_dir, base_path, start=None, until=None, charts=True, lang="en"):
    """The whole command: read, fit, write. Returns (Fit, printed table, paths)."""
    base = load_scenario(base_path)
    apps, tens, start, until = load(apps_path, tens_path, start, until)
    result = fit(apps, tens, start, until, base, (str(apps_path), str(tens_path)))
    paths = write_fit(result, base, Path(base_path).resolve(), Path(out_dir), charts=charts)
    return result, format_fit(result, base, lang), paths


# ---------------------------------------------------------------- charts


def draw_fit_charts(result: Fit, out_dir: Path, lang: str) -> list[Path]:
    """Kaplan-Meier against the fitted exponential and Weibull curves; monthly filings against the fitted
    seasonality. Written as ``<name>.<lang>.png`` and ``.svg``
    (``analysis.reporting.charts.calibration.draw_micro_charts``)."""
    from analysis.reporting.charts.calibration import draw_micro_charts

    return draw_micro_charts(_survival_chart(result), _arrivals_chart(result), out_dir, lang)


def _survival_chart(result: Fit):
    """The survival curves of every tenancy and of the two reasons with most exits, on a grid of years."""
    from analysis.reporting.charts.calibration import SurvivalChart, SurvivalCurves

    names = [
        "any",
        *sorted((k for k in result.survival if k != "any"), key=lambda k: -result.survival[k][1].sum()),
    ]
    panels = []
    for name in names[:3]:
        entry, days, event, rate, w = result.survival[name]
        km = kaplan_meier(days, event, entry)
        grid = np.linspace(0, days.max(), 200)
        years = grid / YEAR_DAYS
        weibull = stats.weibull_min.sf(grid, w.shape, 0, w.scale) if math.isfinite(w.shape) else None
        panels.append(
            SurvivalCurves(
                name,
                years,
                km.at(grid),
                *km.band_at(grid),
                np.exp(-rate * years),
                weibull,
            )
        )
    return SurvivalChart(panels, result.files[1], result.n_tenancies, result.n_censored, result.n_truncated)


def _arrivals_chart(result: Fit):
    """Filings per month recorded (months of at least ``min_cell`` filings), fitted and constant."""
    from analysis.reporting.charts.calibration import ArrivalsChart

    months = result.monthly
    shown = months[(months["filings"] >= result.min_cell) & (months["days"] > 0)]
    recorded = pd.DataFrame(
        {"month": shown["month"], "per_month": shown["filings"] / shown["days"] * MONTH_DAYS}
    )
    fitted = pd.DataFrame(
        {
            "month": months["month"],
            "per_month": months["expected"] / months["days"].clip(lower=1) * MONTH_DAYS,
        }
    )
    constant = result.n_filings / max(float(months["days"].sum()), 1.0) * MONTH_DAYS
    return ArrivalsChart(
        recorded,
        fitted,
        constant,
        result.files[0],
        result.n_filings,
        result.min_cell,
        months_left_out=len(shown) < len(months),
    )
