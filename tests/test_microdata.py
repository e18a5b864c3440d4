"""Fit from micro data (calibration/microdata.py): parameter recovery on the shipped synthetic data,
censoring, bad rows, and seasonal arrivals (``arrivals.monthly_factors``).

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
from calibration.survival import constant_hazard, kaplan_meier
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


def test_censoring_is_taken_into_account(shipped):
    """Tenancies still running at the end are right-censored: dropping them (the naive estimate) biases
    the hazard up and the survival curve down; the censored estimates are right."""
    truth, _, tens, fit = shipped
    days, ended = microdata.tenancy_durations(tens, fit.until)
    other = (tens["exit_reason"] == "other_housing").to_numpy()
    true = truth.value("exits.other_housing_per_year")
    right = constant_hazard(int(other.sum()), days.sum() / 365.25)
    naive = constant_hazard(int(other.sum()), days[ended].sum() / 365.25)  # running tenancies dropped
    s = (right.ci_high - right.ci_low) / (2 * 1.96)
    assert abs(right.rate - true) <= Z * s
    assert naive.rate - true > 10 * s
    # survival at one year: Kaplan-Meier against the naive share of completed tenancies lasting a year
    hazard = tens["exit_reason"].isin(list(truth_hazards(truth))).to_numpy()
    km = float(kaplan_meier(days, hazard).evaluate(365.25))
    total = sum(truth_hazards(truth).values())
    band = kaplan_meier(days, hazard).confidence_interval(0.95)
    half = (float(band.high.evaluate(365.25)) - float(band.low.evaluate(365.25))) / 2
    assert abs(km - math.exp(-total)) <= 1.5 * half
    naive_km = float(np.mean(days[ended & hazard] > 365.25))
    assert math.exp(-total) - naive_km > 10 * half


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
        "changed_ineligible, sign_refused, no_show, exited, ongoing",
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
