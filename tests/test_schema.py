"""The scenario schema (``sim/schema.py``): one row per key of the baseline, each bound enforced by the
loader with its exact message, and the Markdown table of ``docs/scenario-keys.md`` rendered from it."""

import math
import tomllib

import pytest

from sim.parameters import BASELINE_PATH, ScenarioError, load_scenario
from sim.schema import KEYS, NUMBER, SCHEMA, SHARE, UNIT_TYPES, Key, document, markdown

ROOT = BASELINE_PATH.parent.parent


def baseline_entries() -> dict[str, dict]:
    """Every key of the baseline file, in its order, with its wrapper ``{value, unit, reference}``."""
    with open(BASELINE_PATH, "rb") as f:
        doc = tomllib.load(f)
    return {
        f"{section}.{name}": entry
        for section, table in doc.items()
        if isinstance(table, dict)
        for name, entry in table.items()
    }


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


def refused(params, key, value) -> str:
    with pytest.raises(ScenarioError) as info:
        params.with_overrides({key: value})
    return str(info.value)


def accepted(params, key, value):
    return params.with_overrides({key: value}).value(key)


# ---------------------------------------------------------------- the table and the baseline agree


def test_every_key_of_the_baseline_has_a_row_and_every_row_a_key_in_the_same_order():
    assert [k.name for k in SCHEMA] == list(baseline_entries())
    assert len(KEYS) == len(SCHEMA)


def test_each_row_has_the_baselines_unit_and_the_head_of_its_reference():
    for name, entry in baseline_entries().items():
        key = KEYS[name]
        assert key.unit == entry["unit"], name
        assert entry["reference"].startswith(key.citation), name
        for head in ("ASSUMED", "SETTING"):  # a behavioural input; a choice of how the study measures
            assert key.citation == head or not entry["reference"].startswith(head), name


def test_the_study_settings_are_cited_setting_and_not_assumed():
    settings = {k.name for k in SCHEMA if k.citation == "SETTING"}
    assert {"calendar.horizon_years", "analysis.warmup_days", "analysis.need_quantile"} <= settings
    assert settings <= {k for k in KEYS if k.startswith(("calendar.", "analysis."))}


def test_the_baseline_value_of_every_key_is_within_its_bounds(baseline):
    for key in SCHEMA:
        if key.type in (NUMBER, SHARE):
            value = baseline.value(key.name)
            assert key.low is None or value >= key.low, key.name
            assert key.high is None or value <= key.high, key.name
            assert not key.low_open or value > key.low, key.name


def test_a_row_that_contradicts_its_type_is_refused():
    with pytest.raises(ValueError, match="a share, and only a share"):
        Key("x.y_share", SHARE, "share", "ASSUMED", low=0)
    with pytest.raises(ValueError, match="bounds apply to numbers only"):
        Key("x.flag", "flag", "flag", "ASSUMED", low=0)


# ---------------------------------------------------------------- one value on each side of every bound

NUMBERS = [k for k in SCHEMA if k.type == NUMBER]
SHARES = [k for k in SCHEMA if k.type == SHARE]


@pytest.mark.parametrize("key", NUMBERS, ids=lambda k: k.name)
def test_a_number_below_its_lower_bound_is_refused_and_one_on_it_or_above_accepted(baseline, key):
    if key.low not in (0, None):  # a floor other than zero (a batch at most once a day; a market rent
        # that falls by less than all of itself): one case on each side
        if key.low_open:
            assert refused(baseline, key.name, key.low).startswith(f"--set: {key.name}: must be above ")
            assert accepted(baseline, key.name, key.low + 0.5) == key.low + 0.5
        else:
            assert refused(baseline, key.name, key.low - 0.5).startswith(
                f"--set: {key.name}: must be at least "
            )
            assert accepted(baseline, key.name, key.low) == key.low
        return
    if key.low is None:  # a log-odds term of the choice model (Art. 16), of either sign
        assert key.unit == "log-odds"
        assert accepted(baseline, key.name, -3.5) == -3.5
        return
    assert key.low == 0  # every other number of the baseline is a count, a duration, a rate or an area
    if key.low_open:
        assert refused(baseline, key.name, 0) == f"--set: {key.name}: must be positive, got 0"
        assert accepted(baseline, key.name, 1) == 1
    else:
        assert accepted(baseline, key.name, 0) == 0
    assert refused(baseline, key.name, -1) == f"--set: {key.name}: must not be negative, got -1"


@pytest.mark.parametrize("key", NUMBERS, ids=lambda k: k.name)
def test_inf_is_accepted_only_where_the_schema_allows_it(baseline, key):
    if key.inf_ok:
        assert math.isinf(accepted(baseline, key.name, math.inf))
    else:
        assert refused(baseline, key.name, math.inf) == f"--set: {key.name}: must be finite"


@pytest.mark.parametrize("key", NUMBERS, ids=lambda k: k.name)
def test_a_whole_number_is_kept_whole_and_a_fraction_refused(baseline, key):
    if key.whole:
        assert refused(baseline, key.name, 2.5) == f"--set: {key.name}: must be a whole number, got 2.5"
        value = accepted(baseline, key.name, 2.0)
        assert value == 2 and type(value) is int
    else:
        assert accepted(baseline, key.name, 2.5) == 2.5


@pytest.mark.parametrize("key", SHARES, ids=lambda k: k.name)
def test_a_share_is_within_0_and_1(baseline, key):
    assert (key.low, key.high) == (0, 1)
    for outside in (-0.01, 1.01):
        assert refused(baseline, key.name, outside) == (
            f"--set: {key.name}: share must be within [0, 1], got {outside}"
        )
    assert accepted(baseline, key.name, 0) == 0 and accepted(baseline, key.name, 1) == 1


def test_a_few_bounds_with_their_messages(baseline):
    assert refused(baseline, "lease.term_years", 0) == (
        "--set: lease.term_years: must be at least 0.083333333, got 0"
    )
    assert accepted(baseline, "lease.term_years", 0.5) == 0.5
    assert (
        refused(baseline, "review.working_days", -1)
        == "--set: review.working_days: must not be negative, got -1"
    )
    assert accepted(baseline, "review.working_days", 0) == 0
    assert refused(baseline, "review.capacity_per_working_day", 0) == (
        "--set: review.capacity_per_working_day: must be positive, got 0"
    )
    assert accepted(baseline, "review.capacity_per_working_day", 1) == 1
    assert refused(baseline, "allocation.mode", "fifo") == (
        '--set: allocation.mode: must be one of continuous, batch, got "fifo"'
    )
    assert accepted(baseline, "allocation.mode", "batch") == "batch"
    assert refused(baseline, "allocation.single_unit_types", ["one_bed", "loft"]) == (
        '--set: allocation.single_unit_types[1]: "loft" is not a unit type (one_bed, two_bed, multi_bed, '
        "shared_room)"
    )
    assert accepted(baseline, "allocation.single_unit_types", list(UNIT_TYPES)) == list(UNIT_TYPES)


def test_keys_read_once_cannot_be_dated(baseline):
    for key in SCHEMA:
        dated = {"values": {"2021-10-22": baseline.value(key.name)}}
        if key.dated:
            assert baseline.with_overrides({key.name: dated}).is_dated(key.name)
        else:
            assert refused(baseline, key.name, dated) == f"--set: {key.name}: cannot be dated"


# ---------------------------------------------------------------- the Markdown table


def test_the_markdown_table_has_one_row_per_key_with_its_columns():
    lines = markdown().splitlines()
    assert lines[0] == "| key | type | unit | bounds | inf allowed | may be dated | citation |"
    rows = lines[2:]
    assert [row.split(" | ")[0] for row in rows] == [f"| `{k.name}`" for k in SCHEMA]
    assert all(row.count(" | ") == 6 for row in rows)  # a unit such as continuous|batch is escaped
    row = dict(zip([k.name for k in SCHEMA], rows, strict=True))
    assert row["lease.term_years"] == (
        "| `lease.term_years` | number | year | [0.0833333, 100] | yes | yes | Art. 17(3) |"
    )
    assert row["review.working_days"] == (
        "| `review.working_days` | whole number | working day | [0, 36525] |  | yes | Art. 11 |"
    )
    assert "| [0, 1] |" in row["arrivals.incomplete_share"]


def test_docs_scenario_keys_is_the_rendered_table():
    """Regenerate it as its first lines say."""
    assert (ROOT / "docs" / "scenario-keys.md").read_text(encoding="utf-8") == document()


# ---------------------------------------------------------------- plausibility bounds (sim/schema.py)

BOUNDED = [k for k in SCHEMA if k.type == NUMBER and k.high is not None]
LENGTH_UNITS = ("year", "day", "month", "working day")
SHIPPED = sorted(ROOT.joinpath("scenarios").rglob("*.toml"))


def test_the_counts_that_drive_memory_are_bounded_ten_times_the_city_over():
    counts = [k for k in BOUNDED if k.unit not in LENGTH_UNITS and not k.unit.startswith("per year")]
    assert {k.name: k.high for k in counts} == {
        "arrivals.applications_per_year": 1_000_000,
        "queue.initial_waiting": 1_000_000,
        "supply.initial_units": 2_000_000,
        "supply.target_units": 2_000_000,
    }
    assert KEYS["calendar.horizon_years"].high == 100
    city = load_scenario("shanghai")
    for key in ("arrivals.applications_per_year", "queue.initial_waiting", "supply.target_units"):
        assert KEYS[key].high >= 10 * city.value(key)


@pytest.mark.parametrize("key", BOUNDED, ids=lambda k: k.name)
def test_a_number_beyond_its_upper_bound_is_refused_naming_the_bound(baseline, key):
    high = int(key.high)
    assert accepted(baseline, key.name, high) == high
    no_limit = " (inf for no limit)" if key.inf_ok else ""
    for beyond, shown in ((high + 1, str(high + 1)), (1e30, "1e+30")):
        assert refused(baseline, key.name, beyond) == (
            f"--set: {key.name}: must be at most {high}{no_limit}, got {shown}"
        )
    if key.inf_ok:
        assert accepted(baseline, key.name, math.inf) == math.inf
    else:
        assert refused(baseline, key.name, math.inf) == f"--set: {key.name}: must be finite"


def test_a_project_or_an_employer_block_beyond_its_bound_is_refused_naming_the_bound(baseline):
    project = {"date": "2023-01-01", "units": 2_000_001, "operator": "jingan"}
    assert refused(baseline, "supply.projects", [project]) == (
        "--set: supply.projects[0].units: must be at most 2000000, got 2000001"
    )
    assert accepted(baseline, "supply.projects", [{**project, "units": 2_000_000}])[0]["units"] == 2_000_000
    block = {"mean_staff": 6, "max_staff": 30, "family_share": 0.25}
    assert refused(baseline, "arrivals.employer_block", {**block, "max_staff": 10_001}) == (
        "--set: arrivals.employer_block.max_staff: must be at most 10000, got 10001"
    )
    assert refused(baseline, "arrivals.employer_block", {**block, "mean_staff": 1e30, "max_staff": 1e30}) == (
        "--set: arrivals.employer_block.mean_staff: must be at most 10000, got 1e+30"
    )
    assert accepted(baseline, "arrivals.employer_block", {**block, "mean_staff": 10_000, "max_staff": 10_000})


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.relative_to(ROOT / "scenarios").as_posix())
def test_every_shipped_scenario_loads_within_the_bounds(path):
    load_scenario(path)


def test_the_memory_estimate_meets_the_two_measured_runs():
    """``python run.py bench`` measured 311.7 MiB (district) and 2,530.9 MiB (city) peak resident memory."""
    from sim.capacity import estimate

    for name, measured in (("baseline", 311.7), ("shanghai", 2530.9)):
        mib = estimate(load_scenario(name)).bytes / 2**20
        assert measured <= mib <= 1.02 * measured


@pytest.mark.parametrize(
    "key, inside, outside, message",
    [
        # a period that repeats: shorter ones schedule events without end (a 1e-9-year lease hung a run)
        ("lease.term_years", 1 / 12, 1e-9, "must be at least 0.083333333, got 1e-09"),
        ("supply.project_interval_days", 1, 0.999, "must be at least 1.0, got 0.999"),
        ("calendar.horizon_years", 0.01, 1e-9, "must be at least 0.01, got 1e-09"),
        # a length of time is at most a century, inf (no limit) aside: 1e300 overflowed a day count
        ("lease.term_years", 100, 1e300, "must be at most 100 (inf for no limit), got 1e+300"),
        ("lease.renewal_notice_months", 1200, 1201, "must be at most 1200, got 1201"),
        ("review.publicity_days", 36525, 36526, "must be at most 36525, got 36526"),
        # a yearly hazard is at most once a day
        ("exits.other_per_year", 365, 365.5, "must be at most 365, got 365.5"),
    ],
)
def test_lengths_of_time_and_hazards_have_plausibility_bounds(baseline, key, inside, outside, message):
    assert accepted(baseline, key, inside) == inside
    assert refused(baseline, key, outside) == f"--set: {key}: {message}"


def test_inf_stays_no_limit_where_a_key_allows_it():
    assert accepted(load_scenario("baseline"), "lease.term_years", math.inf) == math.inf
