"""Fit from micro data (calibration/microdata.py): parameter recovery on the shipped synthetic data,
censoring and left truncation (known-answer cases), bad rows, and seasonal arrivals
(``arrivals.monthly_factors``).

Tolerances come from the data: an estimate recovers the truth when the truth is within 3 standard errors
(s.e. = the 95 % CI's half-width / 1.96).
"""

from __future__ import annotations

import datetime
import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, main
from scipy import stats

from calibration import microdata
from calibration.survival import constant_hazard, kaplan_meier, weibull_check
from calibration.synthetic.micro import micro_tables
from sim import ScenarioError, load_scenario, simulate
from sim.replay import SeasonalClock

SYNTH = ROOT / "calibration" / "synthetic"
APPS, TENS, TRUTH = SYNTH / "applications.csv", SYNTH / "tenancies.csv", SYNTH / "truth.toml"
Z = 3.0  # standard errors


def se(e) -> float:
    return (e.ci_high - e.ci_low) / (2 * 1.96)


@pytest.fixture(scope="module")
def shipped():
    truth = load_scenario(TRUTH)
    apps, tens, start, until = microdata.load(APPS, TENS)
    return (
        truth,
        apps,
        tens,
        microdata.fit(apps, tens, start, until, truth, ("applications.csv", "tenancies.csv")),
    )


def test_the_shipped_micro_data_is_small_and_in_the_schema():
    assert APPS.stat().st_size + TENS.stat().st_size < 5_000_000
    apps, tens, start, until = microdata.load(APPS, TENS)  # raises on any bad row
    assert start == datetime.date(2021, 10, 22) and len(apps) > 5000 and tens["end_date"].isna().any()


def test_estimates_recover_the_true_inputs_of_truth_toml(shipped):
    truth, _, _, fit = shipped
    est = {e.estimate: e for e in fit.estimates}
    checked = [
        "arrivals.applications_per_year",
        *(f"arrivals.kind_shares.{k}" for k in ("single", "family", "employer")),
        *(f"arrivals.family_size.{k}" for k in ("2", "3", "4", "5")),
        "arrivals.employer_block.mean_staff",
        "arrivals.employer_block.family_share",
        "arrivals.priority_sector_share",
        "exits.other_housing_per_year",
        "exits.job_change_per_year",
        "exits.marital_change_per_year",
        "exits.other_per_year",
        "exits.employer_withdrawal_per_year",
    ]
    for name in checked:
        e, true = est[name], microdata.base_value(truth, name)
        assert abs(e.value - true) <= Z * se(e), f"{name}: {e.value:.4g} vs truth {true} (s.e. {se(e):.3g})"
    # the inputs truth.toml moved away from the baseline are told apart from the baseline's values
    baseline = load_scenario("baseline")
    for name in (
        "arrivals.applications_per_year",
        "arrivals.kind_shares.family",
        "exits.other_housing_per_year",
    ):
        e = est[name]
        assert abs(e.value - microdata.base_value(baseline, name)) > Z * se(e), name
    # a constant hazard is adequate for the reasons the engine draws as constant hazards
    for name in ("exits.other_housing_per_year", "exits.any_art23_hazard_per_year"):
        assert est[name].p_value > 0.001, est[name]


def test_censoring_and_truncation_are_taken_into_account(shipped):
    """Tenancies still running at the end are right-censored: dropping them (the naive estimate) biases
    the hazard up and the survival curve down. Tenancies begun before the period are left-truncated:
    counting their time before it (from move-in) biases the hazard down. The estimates that do both are
    right."""
    truth, _, tens, fit = shipped
    entry, days, ended = microdata.tenancy_durations(tens, fit.start, fit.until)
    assert (entry > 0).sum() > 1000  # the shipped data has tenancies begun before the period
    other = (tens["exit_reason"] == "other_housing").to_numpy()
    true = truth.value("exits.other_housing_per_year")
    at_risk = days - entry
    right = constant_hazard(int(other.sum()), at_risk.sum() / 365.25)
    naive = constant_hazard(int(other.sum()), at_risk[ended].sum() / 365.25)  # running tenancies dropped
    from_move_in = constant_hazard(int(other.sum()), days.sum() / 365.25)  # time before the period counted
    s = (right.ci_high - right.ci_low) / (2 * 1.96)
    assert abs(right.rate - true) <= Z * s
    assert naive.rate - true > 10 * s
    assert true - from_move_in.rate > 10 * s
    # survival at one year: Kaplan-Meier against the naive share of completed tenancies lasting a year
    hazard = tens["exit_reason"].isin(list(truth_hazards(truth))).to_numpy()
    km = kaplan_meier(days, hazard, entry)
    total = sum(truth_hazards(truth).values())
    low, high = km.band_at([365.25])
    half = float(high[0] - low[0]) / 2
    assert abs(float(km.at(365.25)) - math.exp(-total)) <= 1.5 * half
    naive_km = float(np.mean(days[ended & hazard & (entry == 0)] > 365.25))
    assert math.exp(-total) - naive_km > 10 * half


def test_tenancies_begun_before_the_period_give_the_survival_to_the_art17_six_year_total(shipped):
    """Art. 17(3): at most 6 years in all (租赁总期限最长不超过6年). A record of the tenancies begun in a
    4-year period sees none held that long; with the tenancies running on its first day (left-truncated),
    the Kaplan-Meier survival to the 6-year total is estimated, and it agrees with the true hazards."""
    truth, _, tens, fit = shipped
    entry, days, _ = microdata.tenancy_durations(tens, fit.start, fit.until)
    years = truth.value("lease.max_total_years")
    total = years * 365.25
    assert days[entry == 0].max() < total  # without them, nothing to estimate at the total
    hazard = tens["exit_reason"].isin(list(truth_hazards(truth))).to_numpy()
    km = kaplan_meier(days, hazard, entry)
    low, high = km.band_at([total])
    true = math.exp(-sum(truth_hazards(truth).values()) * years)
    assert abs(float(km.at(total)) - true) <= Z * float(high[0] - low[0]) / (2 * 1.96)


def test_a_late_entrant_is_at_risk_only_after_its_entry():
    """Kaplan-Meier by hand: durations 2, 3, 5 (censored), 6 entered at 0, 2, 0, 4. At 2 the risk set
    is the two entered at 0 (the second is at risk only after 2): S = 1/2; at 3, the one entered at 2
    and the censored one: S = 1/4; at 6 only the one entered at 4: S = 0. Greenwood at 2: 1 / (2 * 1)."""
    km = kaplan_meier([2.0, 3.0, 5.0, 6.0], [True, True, False, True], [0.0, 2.0, 0.0, 4.0])
    assert km.times.tolist() == [2.0, 3.0, 6.0]
    assert km.at([1.0, 2.0, 2.9, 3.0, 5.9, 6.0, 9.0]).tolist() == [1, 0.5, 0.5, 0.25, 0.25, 0, 0]
    low, high = km.band_at([2.0])
    z, log_s = stats.norm.ppf(0.975), math.log(0.5)
    assert low[0] == pytest.approx(0.5 ** math.exp(z * math.sqrt(0.5) / -log_s))
    assert high[0] == pytest.approx(0.5 ** math.exp(-z * math.sqrt(0.5) / -log_s))


def test_the_weibull_fit_maximises_the_delayed_entry_likelihood():
    """The shape and scale maximise sum d log h(t) + log S(t) - log S(entry) over both parameters, and
    the likelihood-ratio statistic is twice its gain over the exponential at rate events / exposure."""
    from scipy import optimize

    rng = np.random.default_rng(3)
    entry, years, ended = window(rng, 400, 5.0 * rng.weibull(1.5, 400))

    def loglik(shape: float, scale: float) -> float:
        def log_s(t):
            return -((t / scale) ** shape)

        log_h = np.log(shape / scale) + (shape - 1) * np.log(years / scale)
        return float((ended * log_h + log_s(years) - log_s(entry)).sum())

    direct = optimize.minimize(
        lambda x: -loglik(*np.exp(x)),
        [0.0, 1.0],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-12},
    )
    w = weibull_check(years, ended, entry)
    assert (w.shape, w.scale) == pytest.approx(tuple(np.exp(direct.x)), rel=1e-5)
    rate = ended.sum() / (years - entry).sum()
    assert w.lr_statistic == pytest.approx(2 * (loglik(w.shape, w.scale) - loglik(1.0, 1 / rate)))
    assert w.shape_low < w.shape < w.shape_high


def window(rng, n: int, life: np.ndarray, years: float = 4.0, before: float = 10.0):
    """(entry, duration, ended?) in years since move-in of tenancies begun evenly over the ``before``
    years before a recorded window of ``years`` and in it, lasting ``life``: those ended before the
    window are never seen; those begun before it are seen from its start (entry), those running at its
    end are censored."""
    start = rng.uniform(-before, years, n)
    seen = start + life >= 0
    start, life = start[seen], life[seen]
    return np.maximum(0.0, -start), np.minimum(life, years - start), life < years - start


def km_error(km, t: float, true: float) -> float:
    """(Kaplan-Meier at ``t`` − ``true``) in standard errors (the 95 % band's half-width / 1.96)."""
    low, high = km.band_at([t])
    return (float(km.at(t)) - true) / (float(high[0] - low[0]) / (2 * 1.96))


def shape_error(w, true: float) -> float:
    return (w.shape - true) / ((w.shape_high - w.shape_low) / (2 * 1.96))


def test_left_truncated_exponential_tenancies_give_back_their_rate():
    """Known answer: exponential tenancies (rate 0.25 a year) seen in a 4-year window, half of them begun
    up to 10 years before it. Events / time at risk from entry, the Kaplan-Meier curve (beyond the
    window's length too) and the Weibull shape (1) agree with the truth within 3 standard errors."""
    rng, rate = np.random.default_rng(15), 0.25
    entry, years, ended = window(rng, 8000, rng.exponential(1 / rate, 8000))
    assert (entry > 0).sum() > 0.4 * len(entry)
    h = constant_hazard(int(ended.sum()), float((years - entry).sum()))
    assert abs(h.rate - rate) <= Z * (h.ci_high - h.ci_low) / (2 * 1.96)
    km = kaplan_meier(years, ended, entry)
    for t in (1.0, 2.0, 4.0, 6.0, 8.0):
        assert abs(km_error(km, t, math.exp(-rate * t))) <= Z, t
    w = weibull_check(years, ended, entry)
    assert abs(shape_error(w, 1.0)) <= Z and w.p_value > 0.001


def test_left_truncated_weibull_tenancies_give_back_their_shape_and_the_naive_fits_do_not():
    """Known answer: Weibull tenancies (shape 1.5, scale 5 years: the hazard grows with the years held)
    in the same window. With delayed entry the shape and the survival curve are recovered within 3
    standard errors. Counting a tenancy begun before the window as if begun at its start puts its late,
    high-hazard exits at short durations (shape and survival biased down); counting it from its move-in
    with no delayed entry over-weights the long tenancies (shape biased up); dropping it leaves no
    duration past the window's length."""
    rng, shape, scale = np.random.default_rng(17), 1.5, 5.0
    entry, years, ended = window(rng, 12000, scale * rng.weibull(shape, 12000))

    def true(t: float) -> float:
        return math.exp(-((t / scale) ** shape))

    w = weibull_check(years, ended, entry)
    assert abs(shape_error(w, shape)) <= Z and w.p_value < 1e-6  # not a constant hazard
    km = kaplan_meier(years, ended, entry)
    for t in (1.0, 2.0, 4.0, 6.0, 8.0):
        assert abs(km_error(km, t, true(t))) <= Z, t
    at_window = weibull_check(years - entry, ended)
    assert shape_error(at_window, shape) < -2 * Z
    assert km_error(kaplan_meier(years - entry, ended), 2.0, true(2.0)) < -2 * Z
    assert shape_error(weibull_check(years, ended), shape) > Z  # from move-in, no delayed entry
    assert kaplan_meier(years[entry == 0], ended[entry == 0]).times.max() < 4.0


def truth_hazards(truth) -> dict:
    from sim.schema import HAZARD_EXITS

    # employer_withdrawal applies to staff only: leave it out of the all-tenancy hazard
    return {r: truth.value(f"exits.{r}_per_year") for r in HAZARD_EXITS if r != "employer_withdrawal"}


def test_fit_inputs_writes_a_scenario_delta_and_goodness_of_fit(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "fit"
    status, stdout, _ = main(
        capsys, "fit-inputs", str(APPS), str(TENS), "--out", str(out), "--base", str(TRUTH), "--no-charts"
    )
    assert status == 0
    assert "arrivals.applications_per_year" in stdout and "right-censored" in stdout
    fitted = load_scenario(out / "fitted.toml")  # a valid scenario on its base
    doc = tomllib.loads((out / "fitted.toml").read_text(encoding="utf-8"))
    assert "applications.csv" in doc["arrivals"]["applications_per_year"]["reference"]
    assert "tenancies.csv" in doc["exits"]["other_housing_per_year"]["reference"]
    assert fitted.value("arrivals.monthly_factors") == [1.0] * 12  # no significant seasonality here
    gof = pd.read_csv(out / "goodness_of_fit.csv")
    assert list(gof.columns) == list(microdata.GOF_COLUMNS)
    assert (gof["ci_low"].dropna() <= gof.loc[gof["ci_low"].notna(), "value"]).all()
    # Art. 27: no individual record, and counts below min_cell are suppressed
    assert not {"household_id", "application_id", "tenancy_id"} & set(gof.columns)
    assert gof["n"].dropna().min() >= truth_min_cell()


def truth_min_cell() -> int:
    return int(load_scenario(TRUTH).value("analysis.min_cell"))


# ---------------------------------------------------------------- bad rows

HEADER = (
    "application_id,household_id,filing_id,reapplication,applied_date,kind,size,sector,key_employer,"
    "frontline,qualified_date,moved_in_date,outcome"
)
GOOD = "{i},{i},{i},false,2022-01-0{d},single,1,other,false,false,,,ongoing"
T_HEADER = "tenancy_id,household_id,kind,size,sector,start_date,end_date,exit_reason"


def write_apps(path, lines):
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")


def test_every_bad_row_is_reported_with_its_line_number_and_nothing_is_fitted(tmp_path, capsys):
    rows = [GOOD.format(i=i, d=1 + i % 9) for i in range(1, 20)]
    rows[15] = "16,16,16,false,2022-01-02,couple,1,other,false,false,,,ongoing"  # line 17
    rows[2] = "3,3,3,false,2022/01/02,single,1,other,false,false,,,ongoing"  # line 4
    rows[4] = "5,5,5,false,2022-01-02,single,2,other,false,false,,,ongoing"  # line 6
    rows[6] = "1,7,7,false,2022-01-02,single,1,other,false,false,,,ongoing"  # line 8: duplicate id
    rows[8] = "9,9,9,maybe,2022-01-02,family,1,other,false,false,2022-01-01,,waiting"  # line 10
    write_apps(tmp_path / "applications.csv", rows)
    (tmp_path / "tenancies.csv").write_text(
        f"{T_HEADER}\n1,1,single,1,other,2022-01-03,,\n2,2,single,1,other,2022-01-03,2022-01-02,cap\n"
        "3,3,single,1,other,2022-01-03,2022-01-05,\n",
        encoding="utf-8",
    )
    status, stdout, stderr = main(
        capsys, "fit-inputs", str(tmp_path / "applications.csv"), str(tmp_path / "tenancies.csv"),
        "--out", str(tmp_path / "out"),
    )  # fmt: skip
    a, t = tmp_path / "applications.csv", tmp_path / "tenancies.csv"
    expected = [
        f'{a}: line 4: applied_date: "2022/01/02" is not a date (YYYY-MM-DD)',
        f"{a}: line 6: size: a single applicant is 1 person, got 2",
        f"{a}: line 8: application_id: 1 is a duplicate of line 2",
        f'{a}: line 10: reapplication: "maybe" is not true or false',
        f'{a}: line 10: outcome: "waiting" is not one of abandoned_incomplete, rejected, withdrawn, lapsed, '
        "changed_ineligible, sign_refused, no_show, offers_used, decline_banned, exited, ongoing",
        f'{a}: line 17: kind: "couple" is not one of single, family, employer',
        f"{t}: line 3: end_date: 2022-01-02 is before start_date 2022-01-03",
        f"{t}: line 4: exit_reason: missing value (end_date is given)",
    ]
    assert status == 2
    assert stderr.splitlines() == [
        f"error: {len(expected)} problems in the micro data; nothing was fitted:",
        *(f"  {m}" for m in expected),
    ]
    assert stdout == "" and not (tmp_path / "out" / "fitted.toml").exists()


def test_missing_columns_and_dates_outside_the_period_are_reported(tmp_path):
    (tmp_path / "a.csv").write_text("application_id,kind\n1,single\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text(f"{T_HEADER}\n1,1,single,1,other,2022-01-03,,\n", encoding="utf-8")
    with pytest.raises(microdata.MicroDataError) as err:
        microdata.load(tmp_path / "a.csv", tmp_path / "t.csv")
    assert err.value.problems[:2] == [
        f'{tmp_path / "a.csv"}: line 1: missing column "household_id"',
        f'{tmp_path / "a.csv"}: line 1: missing column "filing_id"',
    ]
    write_apps(tmp_path / "a.csv", [GOOD.format(i=1, d=2), GOOD.format(i=2, d=5)])
    with pytest.raises(microdata.MicroDataError) as err:
        microdata.load(tmp_path / "a.csv", tmp_path / "t.csv", until=datetime.date(2022, 1, 4))
    assert err.value.problems == [
        f"{tmp_path / 'a.csv'}: line 3: applied_date: 2022-01-05 is outside the recorded period "
        "2022-01-02 to 2022-01-03"
    ]


def test_a_tenancy_begun_before_the_period_is_accepted_and_at_risk_from_its_start(tmp_path):
    """A tenancy running on the period's first day (``--from``) is in the data with its move-in date; it
    is at risk from that day (left-truncated). One ending before it began, one that ended before the
    period and one begun after it are still refused."""
    a, t = tmp_path / "a.csv", tmp_path / "t.csv"
    write_apps(a, [GOOD.format(i=1, d=2), GOOD.format(i=2, d=5)])
    start, until = datetime.date(2022, 1, 2), datetime.date(2022, 1, 10)

    def load(*rows):
        lines = [f"{i},{i},single,1,other,{row}" for i, row in enumerate(rows, 1)]
        t.write_text("\n".join([T_HEADER, *lines]) + "\n", encoding="utf-8")
        return microdata.load(a, t, start, until)[1]

    tens = load("2019-03-01,2022-01-04,other_housing", "2015-06-01,,", "2022-01-03,,")
    entry, days, ended = microdata.tenancy_durations(tens, start, until)
    assert entry.tolist() == [
        (start - datetime.date(2019, 3, 1)).days,
        (start - datetime.date(2015, 6, 1)).days,
        0,
    ]
    assert (days - entry).tolist() == [2.5, 8.5, 7.5]  # days at risk in the period, to the half day
    assert ended.tolist() == [True, False, False]
    with pytest.raises(microdata.MicroDataError) as err:
        load("2019-03-01,2018-12-31,other")
    assert err.value.problems == [f"{t}: line 2: end_date: 2018-12-31 is before start_date 2019-03-01"]
    with pytest.raises(microdata.MicroDataError) as err:
        load("2019-03-01,2021-12-31,other_housing", "2022-01-11,,")
    assert err.value.problems == [
        f"{t}: line 3: start_date: 2022-01-11 is outside the recorded period 2022-01-02 to 2022-01-09",
        f"{t}: line 2: end_date: 2021-12-31 is outside the recorded period 2022-01-02 to 2022-01-09",
    ]


# ---------------------------------------------------------------- seasonality

SEASON = [1.6, 1.6, 1.2, 1.0, 1.0, 0.8, 0.6, 0.6, 0.8, 1.0, 1.2, 0.6]
FAST = """base = "baseline"
name = "{name}"
[calendar]
horizon_years = 2
[arrivals]
applications_per_year = 1500
reapply_share = 0.0
monthly_factors = {factors}
[supply]
initial_units = 300
target_units = 400
[queue]
initial_waiting = 50
"""


def fast(tmp_path, factors, name="fast"):
    path = tmp_path / f"{name}.toml"
    path.write_text(FAST.format(name=name, factors=factors), encoding="utf-8")
    return load_scenario(path)


def test_with_all_factors_1_the_clock_is_the_identity():
    clock = SeasonalClock(datetime.date(2021, 10, 22), 3653, [1.0] * 12)
    for t in (0.0, 9.5, 10.0, 400.25, 3000.0):
        assert clock.operational(t) == pytest.approx(t, abs=1e-9)
        assert clock.real(t) == pytest.approx(t, abs=1e-9)
    seasonal = SeasonalClock(datetime.date(2021, 10, 22), 3653, SEASON)
    for t in (0.0, 9.5, 10.0, 400.25, 3000.0):
        assert seasonal.real(seasonal.operational(t)) == pytest.approx(t, abs=1e-9)


def test_monthly_factors_are_checked():
    base = load_scenario("baseline")
    with pytest.raises(ScenarioError, match=r"^--set: arrivals.monthly_factors: expected 12 factors"):
        base.with_overrides({"arrivals.monthly_factors": [1.0] * 11})
    with pytest.raises(ScenarioError, match=r"^--set: arrivals.monthly_factors: factors must average 1, got"):
        base.with_overrides({"arrivals.monthly_factors": [1.2] * 12})
    with pytest.raises(ScenarioError, match=r"^--set: arrivals.monthly_factors\[3\]: must not be negative"):
        base.with_overrides({"arrivals.monthly_factors": [1.5, 1.5, 1.0, -1.0] + [1.0] * 8})


@pytest.fixture(scope="module")
def seasonal_run(tmp_path_factory):
    params = fast(tmp_path_factory.mktemp("season"), SEASON)
    return params, simulate(params, seed=3)


def filings_by_calendar_month(households: pd.DataFrame, start: datetime.date) -> pd.Series:
    first = households[(households["episode"] == 0) & ~households["initial"]]
    days = first["applied_day"].drop_duplicates()  # an employer block shares its filing time
    dates = pd.Timestamp(start) + pd.to_timedelta(np.floor(days), unit="D")
    return dates.dt.month.value_counts().reindex(range(1, 13), fill_value=0)


def test_with_a_strong_seasonal_factor_the_monthly_counts_follow_it(seasonal_run):
    params, result = seasonal_run
    counts = filings_by_calendar_month(result.households, params.start_date)
    days = pd.Series(pd.date_range(params.start_date, periods=result.n_days).month).value_counts()
    days = days.reindex(range(1, 13)).to_numpy(float)
    for factors, should_fit in ((np.array(SEASON), True), (np.ones(12), False)):
        expected = days * factors
        expected *= counts.sum() / expected.sum()
        p = stats.chisquare(counts.to_numpy(), expected).pvalue
        assert (p > 0.001) if should_fit else (p < 1e-6), (factors, p)


def test_the_arrival_stream_does_not_depend_on_other_rules(tmp_path, seasonal_run):
    params, result = seasonal_run
    other = params.with_overrides({"lease.max_total_years": 8, "review.working_days": 5})
    a = result.households
    b = simulate(other, seed=3).households

    def first(h):
        f = h[(h["episode"] == 0) & ~h["initial"]]
        return f.sort_values(["applied_day", "household_id"])[["applied_day", "kind", "size", "sector"]]

    pd.testing.assert_frame_equal(first(a).reset_index(drop=True), first(b).reset_index(drop=True))


def test_fit_inputs_recovers_seasonal_factors(seasonal_run, tmp_path):
    params, result = seasonal_run
    apps, tens = micro_tables(result.households, params.start_date)
    apps.to_csv(tmp_path / "a.csv", index=False)
    tens.to_csv(tmp_path / "t.csv", index=False)
    a, t, start, until = microdata.load(tmp_path / "a.csv", tmp_path / "t.csv")
    fit = microdata.fit(a, t, start, until, params)
    est = {e.estimate: e for e in fit.estimates}
    assert est["arrivals.monthly_factors"].p_value < 1e-6  # seasonality detected, factors written
    factors = fit.values["arrivals.monthly_factors"][0]
    for m in range(1, 13):
        e = est[f"arrivals.monthly_factors[{m}]"]
        assert abs(e.value - SEASON[m - 1]) <= Z * se(e), (m, e.value, SEASON[m - 1])
        assert factors[m - 1] == pytest.approx(e.value, abs=1e-4)
    e = est["arrivals.applications_per_year"]
    assert abs(e.value - 1500) <= Z * se(e)


def test_a_period_cut_mid_year_does_not_count_the_seasonality_twice(tmp_path):
    """Eighteen months starting in January see the busy first half-year twice: the raw average over the
    period (filings / years) is then above the yearly rate the engine multiplies by the factors."""
    rate, start, until = 10_000.0, datetime.date(2022, 1, 1), datetime.date(2023, 7, 1)
    days = pd.date_range(start, until - datetime.timedelta(days=1))
    per_day = np.random.default_rng(7).poisson(rate / 365.25 * np.array(SEASON)[days.month - 1])
    dates = np.repeat(days.strftime("%Y-%m-%d").to_numpy(), per_day)
    ids = np.arange(1, len(dates) + 1)
    frame = pd.DataFrame({c: "false" for c in ("reapplication", "key_employer", "frontline")}, index=ids)
    frame = frame.assign(
        application_id=ids, household_id=ids, filing_id=ids, applied_date=dates, kind="single", size=1,
        sector="other", qualified_date="", moved_in_date="", outcome="ongoing",
    )  # fmt: skip
    frame[HEADER.split(",")].to_csv(tmp_path / "a.csv", index=False)
    (tmp_path / "t.csv").write_text(f"{T_HEADER}\n1,1,single,1,other,2022-01-03,,\n", encoding="utf-8")
    apps, _, start, until = microdata.load(tmp_path / "a.csv", tmp_path / "t.csv", start, until)
    base = load_scenario("baseline")
    est, values, _, n = microdata.fit_arrivals(apps, start, until, base, "a.csv", 10)
    est = {e.estimate: e for e in est}
    assert est["arrivals.monthly_factors"].p_value < 1e-6  # the factors are written and used
    elastic = 1 + base.value("arrivals.rent_elasticity") * base.value("rent.discount_to_market")
    e = est["arrivals.applications_per_year"]
    assert abs(e.value - rate / elastic) <= Z * se(e), (e.value, rate / elastic, se(e))
    assert values["arrivals.applications_per_year"][0] == pytest.approx(e.value, rel=1e-3)
    raw = n / ((until - start).days / 365.25) / elastic  # the old figure: seasonality counted twice
    assert raw - rate / elastic > 2 * Z * se(e)


def test_no_estimate_on_a_count_below_min_cell_is_written(tmp_path):
    """Art. 27: where n is suppressed, so are the value, its CI and its exposure (value x exposure would
    give n back), and fitted.toml keeps the base's value instead of the estimate."""
    min_cell = 150  # above a few counts of the shipped data: family size 5, key employers, rare exits
    base = load_scenario(TRUTH).with_overrides({"analysis.min_cell": min_cell})
    apps, tens, start, until = microdata.load(APPS, TENS)
    result = microdata.fit(apps, tens, start, until, base)
    microdata.write_fit(result, base, TRUTH, tmp_path, charts=False)
    gof = pd.read_csv(tmp_path / "goodness_of_fit.csv")
    hidden = gof[gof["note"].fillna("").str.contains("suppressed")]
    assert len(hidden) >= 5 and hidden["n"].isna().all()
    assert gof.loc[gof["n"].isna(), ["value", "ci_low", "ci_high"]].isna().all().all()
    assert not hidden["note"].str.contains("exposure").any()
    assert (gof["n"].dropna() >= min_cell).all()
    fitted = load_scenario(tmp_path / "fitted.toml")
    doc = tomllib.loads((tmp_path / "fitted.toml").read_text(encoding="utf-8"))
    for name in hidden["estimate"]:
        kept = microdata.base_value(fitted, name)
        assert kept == microdata.base_value(base, name), name
        section, key = name.split(".")[:2]
        if key in doc[section]:
            assert "Art. 27" in doc[section][key]["reference"], name
    # the family sizes: one below min_cell, so a second is suppressed too (the total would give it back)
    sizes = gof[gof["estimate"].str.startswith("arrivals.family_size.")]
    assert sizes["n"].isna().sum() >= 2
