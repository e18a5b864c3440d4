"""Scenario files and --set overrides: malformed input is refused with one exact line; good input loads.

Each malformed case writes a small variant of the baseline into a temporary folder (the working
directory of the test, so messages name the file as a user would type it) and asserts the message.
"""

import math
import tomllib

import pytest
from helpers import ROOT

from sim.parameters import BASELINE_PATH, Params, ScenarioError, load_scenario, parse_set
from sim.schema import KEYS

VARIANT = 'name = "x"\nbase = "baseline"\n'


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A scratch folder made the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return name


def refused(path_or_name) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path_or_name)
    message = str(info.value)
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- malformed files, one per kind of error

MALFORMED = {
    "unknown key, with suggestion": (
        "[lease]\nmax_totl_years = 8\n",
        "x.toml: lease.max_totl_years: unknown key (did you mean lease.max_total_years?)",
    ),
    "known name in the wrong section": (
        "[lease]\nvalidity_years = 3\n",
        "x.toml: lease.validity_years: unknown key (did you mean queue.validity_years?)",
    ),
    "unknown section": (
        "[leases]\nmax_total_years = 8\n",
        "x.toml: leases.max_total_years: unknown key (did you mean lease.max_total_years?)",
    ),
    "string for a number": (
        '[lease]\nterm_years = "two"\n',
        'x.toml: lease.term_years: expected a number, got string "two"',
    ),
    "number for a flag": (
        "[eligibility]\nrequire_social_insurance = 1\n",
        "x.toml: eligibility.require_social_insurance: expected true or false, got number 1",
    ),
    "flag for a number": (
        "[lease]\nmax_total_years = true\n",
        "x.toml: lease.max_total_years: expected a number, got boolean true",
    ),
    "negative duration": (
        "[review]\nworking_days = -3\n",
        "x.toml: review.working_days: must not be negative, got -3",
    ),
    "negative duration, wrapped": (
        '[penalties]\nban_years = {value = -1, unit = "year", reference = "proposal"}\n',
        "x.toml: penalties.ban_years: must not be negative, got -1",
    ),
    "a ban still given in days": (
        "[penalties]\nforced_exit_ban_days = 1826\n",
        "x.toml: penalties.forced_exit_ban_days: unknown key (did you mean penalties.forced_exit_ban_years?)",
    ),
    "fractional working days": (
        "[allocation]\nmove_in_working_days = 2.5\n",
        "x.toml: allocation.move_in_working_days: must be a whole number, got 2.5",
    ),
    "a market rent falling by all of itself or more": (
        "[rent]\nmarket_growth_per_year = -1\n",
        "x.toml: rent.market_growth_per_year: must be above -1, got -1",
    ),
    "a dated market path": (
        "[rent]\nmarket_rent_m2_month = {values = {2021-10-22 = 120, 2023-01-01 = 130}}\n",
        "x.toml: rent.market_rent_m2_month: cannot be dated",
    ),
    "share above 1": (
        "[arrivals]\nincomplete_share = 1.5\n",
        "x.toml: arrivals.incomplete_share: share must be within [0, 1], got 1.5",
    ),
    "shares not summing to 1": (
        "[arrivals]\nkind_shares = {single = 0.6, family = 0.45, employer = 0.05}\n",
        "x.toml: arrivals.kind_shares: shares must sum to 1, got 1.1",
    ),
    "share table with a missing kind": (
        "[arrivals]\nkind_shares = {single = 0.6, family = 0.4}\n",
        'x.toml: arrivals.kind_shares: missing entry "employer"',
    ),
    "element share above 1": (
        "[supply]\noperator_shares = {jingan = 1.5, zhabei = -0.5}\n",
        "x.toml: supply.operator_shares.jingan: share must be within [0, 1], got 1.5",
    ),
    "unit mix with an unknown unit type": (
        "[supply]\nmix = {penthouse = {share = 1.0, living_area_m2 = 200.0}}\n",
        'x.toml: supply.mix: "penthouse" is not a unit type (one_bed, two_bed, multi_bed, shared_room)',
    ),
    "family size below 2": (
        "[arrivals]\nfamily_size = {1 = 0.5, 2 = 0.5}\n",
        'x.toml: arrivals.family_size: "1" is not a household size of 2 or more persons',
    ),
    "contract years and shares of different lengths": (
        "[households]\ncontract_years = {years = [1.0, 2.0], shares = [1.0]}\n",
        "x.toml: households.contract_years: years and shares must have the same length, got 2 and 1",
    ),
    "employer block max below mean": (
        "[arrivals]\nemployer_block = {mean_staff = 6, max_staff = 3, family_share = 0.25}\n",
        "x.toml: arrivals.employer_block.max_staff: must be at least mean_staff (6), got 3",
    ),
    "bad enum": (
        '[allocation]\nmode = "fifo"\n',
        'x.toml: allocation.mode: must be one of continuous, batch, got "fifo"',
    ),
    "unit type list with an unknown type": (
        '[allocation]\nsingle_unit_types = ["one_bed", "loft"]\n',
        'x.toml: allocation.single_unit_types[1]: "loft" is not a unit type '
        "(one_bed, two_bed, multi_bed, shared_room)",
    ),
    "exit reason list with an unknown reason": (
        '[arrivals]\nreapply_barred_exits = ["other_housing", "moved_abroad"]\n',
        'x.toml: arrivals.reapply_barred_exits[1]: "moved_abroad" is not one of the exit reasons '
        "(other_housing, marital_change, job_change, employer_withdrawal, other, unreported_change, "
        "nuisance, "
        "subletting, change_of_use, damage, absence, violation, employer_relocation, arrears, cap, "
        "not_renewed, renewal_refused)",
    ),
    "refusal list with a number": (
        '[review]\nfinal_refusals = ["false_declaration", 3]\n',
        "x.toml: review.final_refusals[1]: number 3 is not one of the refusals (residence_status, "
        "contract_years, social_insurance, housing_area, other_benefit, simultaneous_application, "
        "tipoff_upheld, false_declaration, employer_left_district)",
    ),
    "share range above 1": (
        "[allocation]\nmove_in_window_share = {low = 0.5, high = 1.5}\n",
        "x.toml: allocation.move_in_window_share.high: share must be within [0, 1], got 1.5",
    ),
    "bad supply target reading": (
        '[supply]\ntarget_counts = "total"\n',
        'x.toml: supply.target_counts: must be one of stock, additions, got "total"',
    ),
    "bad date": (
        '[supply]\ntarget_date = "2025-13-01"\n',
        'x.toml: supply.target_date: not a date: "2025-13-01"',
    ),
    "bad date in a list": (
        '[calendar]\nholidays = [2022-01-01, "2022-02-30"]\n',
        'x.toml: calendar.holidays[1]: not a date: "2022-02-30"',
    ),
    "project with an unknown operator": (
        '[supply]\nprojects = [{date = 2022-06-30, units = 400, operator = "pudong"}]\n',
        'x.toml: supply.projects[0].operator: "pudong" is not one of supply.operator_shares (jingan, zhabei)',
    ),
    "dated values with a bad date key": (
        "[lease]\nmax_total_years = {values = {2021-10-22 = 6, 2026-13-01 = 8}}\n",
        'x.toml: lease.max_total_years: not a date in values: "2026-13-01"',
    ),
    "dated values with a bad value": (
        "[lease]\nmax_total_years = {values = {2021-10-22 = 6, 2026-10-22 = -8}}\n",
        "x.toml: lease.max_total_years: must not be negative, got -8 (value from 2026-10-22)",
    ),
    "dated values starting after the start date": (
        "[lease]\nmax_total_years = {values = {2026-10-22 = 8}}\n",
        "x.toml: lease.max_total_years: dated values must begin on or before calendar.start_date 2021-10-22, "
        "first is 2026-10-22",
    ),
    "empty dated values": (
        "[lease]\nmax_total_years = {values = {}}\n",
        "x.toml: lease.max_total_years: values must be a non-empty table of date = value",
    ),
    "value and values together": (
        "[lease]\nmax_total_years = {value = 8, values = {2021-10-22 = 6}}\n",
        "x.toml: lease.max_total_years: give either value or values, not both",
    ),
    "unknown field in a wrapped key": (
        '[lease]\nmax_total_years = {value = 8, unti = "year"}\n',
        'x.toml: lease.max_total_years: unknown field "unti" (expected value or values, unit, reference)',
    ),
    "unit other than the baseline's": (
        '[lease]\nmax_total_years = {value = 96, unit = "month"}\n',
        'x.toml: lease.max_total_years: unit must be "year" as in the baseline, got "month"',
    ),
    "inf where not allowed": (
        "[review]\nworking_days = inf\n",
        "x.toml: review.working_days: must be finite",
    ),
    "zero batch interval": (
        "[allocation]\nbatch_interval_days = 0\n",
        "x.toml: allocation.batch_interval_days: must be at least 1, got 0",
    ),
    "a batch more than once a day": (  # a batch every 1e-9 days would never let the run end
        "[allocation]\nbatch_interval_days = 1e-9\n",
        "x.toml: allocation.batch_interval_days: must be at least 1, got 1e-09",
    ),
    "meta key not a string": ("description = 3\n", "x.toml: description: expected a string, got number 3"),
    "units beyond ten times the city": (
        "[supply]\ntarget_units = 1e30\n",
        "x.toml: supply.target_units: must be at most 2000000, got 1e+30",
    ),
    "a dated filing rate beyond its bound": (
        "[arrivals]\napplications_per_year = {values = {2021-10-22 = 1700, 2024-01-01 = 2000000}}\n",
        "x.toml: arrivals.applications_per_year: must be at most 1000000, got 2000000 "
        "(value from 2024-01-01)",
    ),
    "a project beyond the plausible stock": (
        '[supply]\nprojects = [{date = 2023-01-01, units = 10000000, operator = "jingan"}]\n',
        "x.toml: supply.projects[0].units: must be at most 2000000, got 10000000",
    ),
    "an employer block beyond its bound": (
        "[arrivals]\nemployer_block = {mean_staff = 6, max_staff = 100000, family_share = 0.25}\n",
        "x.toml: arrivals.employer_block.max_staff: must be at most 10000, got 100000",
    ),
    "an initial waiting list beyond its bound": (
        "[queue]\ninitial_waiting = 1000001\n",
        "x.toml: queue.initial_waiting: must be at most 1000000, got 1000001",
    ),
    "a horizon beyond a century": (
        "[calendar]\nhorizon_years = 1000\n",
        "x.toml: calendar.horizon_years: must be at most 100, got 1000",
    ),
    # [changes]: the reform's changes as groups of its keys (analysis/experiments/decompose.py)
    "changes not a table": (
        "changes = 3\n",
        "x.toml: changes: expected a table of change = [keys], got number 3",
    ),
    "a change of no keys": (
        "[lease]\nmax_total_years = 8\n[changes]\ncap = []\n",
        "x.toml: changes.cap: expected a non-empty list of keys, got a list",
    ),
    "a change naming an unknown key": (
        '[lease]\nmax_total_years = 8\n[changes]\ncap = ["lease.max_totl_years"]\n',
        "x.toml: changes.cap: lease.max_totl_years: unknown key (did you mean lease.max_total_years?)",
    ),
    "a change naming a key the file does not set": (
        '[lease]\nmax_total_years = 8\n[changes]\ncap = ["lease.max_total_years", "lease.term_years"]\n',
        "x.toml: changes.cap: lease.term_years: not set by this file (a change groups keys it sets)",
    ),
    "a key in two changes": (
        '[lease]\nmax_total_years = 8\n[changes]\ncap = ["lease.max_total_years"]\n'
        'more = ["lease.max_total_years"]\n',
        'x.toml: changes.more: lease.max_total_years: already in the change "cap" (one change a key)',
    ),
    "a change named as a row of the decomposition": (
        '[lease]\nmax_total_years = 8\n[changes]\ntotal = ["lease.max_total_years"]\n',
        "x.toml: changes.total: a change cannot be named total (reserved: base, total, interaction and keys)",
    ),
}


@pytest.mark.parametrize("body, message", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_variant_is_refused_with_one_line(here, body, message):
    assert refused(write(here, "x.toml", VARIANT + body)) == message


def test_invalid_toml_names_the_file_and_tomls_message(here):
    text = VARIANT + "[lease]\nmax_total_years = = 8\n"
    with pytest.raises(tomllib.TOMLDecodeError) as toml_error:
        tomllib.loads(text)
    assert refused(write(here, "x.toml", text)) == f"x.toml: invalid TOML: {toml_error.value}"


def test_missing_file(here):
    assert refused("nope.toml") == "nope.toml: no such scenario file"


def test_missing_base(here):
    assert refused(write(here, "x.toml", 'base = "nope"\n')) == 'x.toml: base: no such scenario "nope"'


def test_base_cycle(here):
    write(here, "a.toml", 'base = "b"\n')
    write(here, "b.toml", 'base = "a.toml"\n')
    assert refused("a.toml") == "b.toml: base: base cycle: a.toml -> b.toml -> a.toml"


def test_file_without_base_must_state_every_key(here):
    assert refused(write(here, "x.toml", "[lease]\nmax_total_years = 8\n")) == (
        "x.toml: allocation.batch_interval_days: missing key (a scenario without base must state every key)"
    )


def test_error_in_a_base_names_the_base_file(here):
    write(here, "a.toml", VARIANT + "[review]\nworking_days = -3\n")
    write(here, "b.toml", 'base = "a"\n')
    assert refused("b.toml") == "a.toml: review.working_days: must not be negative, got -3"


SCENARIO_KIND = "(a scenario file has sections of keys such as [lease])"


def test_a_sweep_or_targets_file_is_not_a_scenario(monkeypatch):
    monkeypatch.chdir(ROOT)  # messages name the shipped files as a user types them
    assert refused("studies/sweeps/cap.toml") == (
        f"studies/sweeps/cap.toml: a sweep file, not a scenario file {SCENARIO_KIND}"
    )
    assert refused("calibration/synthetic/targets.toml") == (
        f"calibration/synthetic/targets.toml: a targets file, not a scenario file {SCENARIO_KIND}"
    )


def test_a_base_that_is_a_sweep_file_is_named(here):
    write(here, "s.toml", 'base = "baseline"\n[grid]\n"lease.max_total_years" = [4, 8]\n')
    write(here, "x.toml", VARIANT.replace("baseline", "s.toml"))
    assert refused("x.toml") == f"s.toml: a sweep file, not a scenario file {SCENARIO_KIND}"


# ---------------------------------------------------------------- --set


def test_set_without_equals():
    with pytest.raises(ScenarioError) as info:
        parse_set("lease.max_total_years 8")
    assert str(info.value) == "--set: lease.max_total_years 8: expected KEY=VALUE"


def test_set_unknown_key():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline").with_overrides(dict([parse_set("lease.max_totl_years=8")]))
    assert str(info.value) == "--set: lease.max_totl_years: unknown key (did you mean lease.max_total_years?)"


def test_set_a_section_names_its_keys():
    baseline = load_scenario("baseline")
    with pytest.raises(ScenarioError) as info:
        baseline.with_overrides(dict([parse_set("calendar=8")]))
    assert str(info.value) == (
        "--set: calendar: a section, not a key (its keys: calendar.start_date, calendar.horizon_years, "
        "calendar.holidays, calendar.makeup_workdays)"
    )
    with pytest.raises(ScenarioError) as info:  # a long section: its first keys and how many
        baseline.with_overrides(dict([parse_set("arrivals=8")]))
    first = [k for k in KEYS if k.startswith("arrivals.")]
    assert str(info.value) == (
        f"--set: arrivals: a section, not a key (its keys: {', '.join(first[:4])}, ... ({len(first)} keys))"
    )


@pytest.mark.parametrize("field", ["base", "name", "description", "reference"])
def test_set_a_field_of_the_file_is_refused_as_such(field):
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline").with_overrides(dict([parse_set(f"{field}=cap8")]))
    assert (
        str(info.value)
        == f"--set: {field}: a field of the scenario file, not a key: it cannot be set this way"
    )


def test_set_never_suggests_a_field_of_the_file():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline").with_overrides(dict([parse_set("bse=1")]))
    assert str(info.value) == "--set: bse: unknown key"


def test_set_inf_where_not_allowed():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline").with_overrides(dict([parse_set("allocation.move_in_working_days=inf")]))
    assert str(info.value) == "--set: allocation.move_in_working_days: must be finite"


def test_set_wrong_type_names_the_source():
    with pytest.raises(ScenarioError) as info:
        load_scenario("baseline").with_overrides({"lease.term_years": "two"}, source="sweep.toml")
    assert str(info.value) == 'sweep.toml: lease.term_years: expected a number, got string "two"'


def test_parse_set_reads_toml_or_falls_back_to_a_string():
    key, value = parse_set("queue.validity_years=inf")
    assert key == "queue.validity_years" and math.isinf(value)
    assert parse_set("allocation.mode=batch") == ("allocation.mode", "batch")
    assert parse_set("lease.max_total_years = 8") == ("lease.max_total_years", 8)
    assert parse_set("arrivals.kind_shares={single=0.5, family=0.45, employer=0.05}")[1] == {
        "single": 0.5,
        "family": 0.45,
        "employer": 0.05,
    }


# ---------------------------------------------------------------- good input


def baseline_keys() -> set[str]:
    with open(BASELINE_PATH, "rb") as f:
        doc = tomllib.load(f)
    return {f"{section}.{key}" for section, table in doc.items() if isinstance(table, dict) for key in table}


def test_baseline_loads_with_every_key():
    params = load_scenario("baseline")
    assert isinstance(params, Params) and params.name == "baseline"
    assert set(params.keys()) == baseline_keys() and params.keys() == sorted(params.keys())
    assert set(params.resolved()) == baseline_keys()
    assert params.start_date.isoformat() == "2021-10-22"
    assert params.value("lease.max_total_years") == 6
    assert math.isinf(params.value("review.capacity_per_working_day"))
    assert params.meta("review.working_days")["unit"] == "working day"
    assert params.change_days() == [] and not params.is_dated("lease.max_total_years")
    with pytest.raises(KeyError):
        params.value("lease.max_totl_years")


def test_variant_with_plain_and_wrapped_keys(here):
    write(
        here,
        "x.toml",
        VARIANT + 'description = "cap 8, validity 3"\n'
        "[lease]\nmax_total_years = 8\n"
        '[queue]\nvalidity_years = {value = 3, unit = "year", reference = "proposal 2026"}\n'
        "[arrivals]\nkind_shares = {single = 0.5, family = 0.45, employer = 0.05}\n",
    )
    params, baseline = load_scenario("x.toml"), load_scenario("baseline")
    assert (params.name, params.description) == ("x", "cap 8, validity 3")
    assert params.value("lease.max_total_years") == 8 and params.value("queue.validity_years") == 3
    assert params.value("arrivals.kind_shares") == {"single": 0.5, "family": 0.45, "employer": 0.05}
    assert params.meta("queue.validity_years") == {"unit": "year", "reference": "proposal 2026"}
    assert params.meta("lease.max_total_years") == baseline.meta("lease.max_total_years")
    changed = {k for k in params.keys() if params.value(k) != baseline.value(k)}
    assert changed == {"lease.max_total_years", "queue.validity_years", "arrivals.kind_shares"}


def test_chained_bases(here):
    write(here, "a.toml", VARIANT + "[lease]\nmax_total_years = 8\n")
    write(here, "b.toml", 'base = "a"\n[queue]\nvalidity_years = 3\n')
    params = load_scenario("b.toml")
    assert params.name == "b"
    assert params.value("lease.max_total_years") == 8 and params.value("queue.validity_years") == 3


def test_with_overrides_returns_a_new_params():
    baseline = load_scenario("baseline")
    capped = baseline.with_overrides({"lease.max_total_years": 8})
    assert capped.value("lease.max_total_years") == 8 and baseline.value("lease.max_total_years") == 6
    assert capped.to_dict()["lease"]["max_total_years"] == 8
    batch = capped.with_overrides(dict([parse_set("allocation.mode=batch")]))
    assert batch.value("allocation.mode") == "batch"


def test_whole_numbers_written_as_floats_become_ints():
    params = load_scenario("baseline").with_overrides({"review.working_days": 10.0})
    assert params.value("review.working_days") == 10 and isinstance(params.value("review.working_days"), int)


def test_dated_value_switches_on_its_day(here):
    write(
        here, "x.toml", VARIANT + "[lease]\nmax_total_years = {values = {2021-10-22 = 6, 2026-10-22 = 8}}\n"
    )
    params = load_scenario("x.toml")
    switch = 1826  # days from 2021-10-22 to 2026-10-22
    assert params.is_dated("lease.max_total_years")
    assert params.value("lease.max_total_years", 0) == 6
    assert params.value("lease.max_total_years", switch - 0.5) == 6
    assert params.value("lease.max_total_years", switch) == 8
    assert params.resolved(switch + 100)["lease.max_total_years"] == 8
    assert params.change_days() == [switch]
    assert params.to_dict()["lease"]["max_total_years"] == {"values": {"2021-10-22": 6, "2026-10-22": 8}}


def test_dates_before_the_start_count_as_day_zero(here):
    write(
        here,
        "x.toml",
        VARIANT + "[queue]\nvalidity_years = {values = {2020-01-01 = 1, 2021-01-01 = 2, 2022-10-22 = 3}}\n",
    )
    params = load_scenario("x.toml")
    assert params.value("queue.validity_years", 0) == 2
    assert params.value("queue.validity_years", 365) == 3
    assert params.change_days() == [365]
