"""Robustness studies (``analysis/experiments/robustness.py``, ``run.py robustness``): the ranges file and
its bad input, which inputs are ranged or held, the noise input's seeds, and, on the M/M/c reduction of
the measures where the answers are known, that the method finds them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.cli import main
from analysis.experiments import robustness as robust
from analysis.experiments.outputs import assumed_inputs
from sim import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "validation" / "mmc.toml"


def write(tmp_path: Path, text: str, name: str = "ranges.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


LINE = 'reason = "r", settled_by = "s"'


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


# ---------------------------------------------------------------- the ranges file


def test_the_shipped_ranges_file_ranges_every_assumed_input_or_says_why_it_holds_it(baseline):
    """Issue point 1: every ASSUMED key of the baseline has a range with a reason and the data that would
    settle it, or a ``# held: key: why`` line; against cap8, the cap is the policy, never an assumption."""
    path = ROOT / "studies" / "ranges.toml"
    ranges = robust.load_ranges(path, baseline)
    covered, text = {r.key for r in ranges.ranges}, path.read_text(encoding="utf-8")
    for key, _ in assumed_inputs(baseline):
        assert key in covered or f"# held: {key}:" in text, key
    ranged, held = robust.held_inputs(baseline, load_scenario("cap8"), ranges)
    assert "lease.max_total_years" not in {r.key for r in ranged}
    assert len(ranged) >= 60 and all(r.reason and r.settled_by for r in ranges.ranges)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            f"[ranges.arrivals]\napplications_per_year = {{low = 2, high = 1, {LINE}}}",
            "low must be below high, got 2 and 1",
        ),
        (
            "[ranges.arrivals]\napplications_per_year = {low = 1, high = 2, reason = 'r'}",
            "settled_by: missing",
        ),
        (
            f"[ranges.arrivals]\napplications_per_year = {{low = 1, high = 2, spread = 3, {LINE}}}",
            "spread: unknown field",
        ),
        (
            f"[ranges.arrivals]\nno_such_key = {{low = 1, high = 2, {LINE}}}",
            "arrivals.no_such_key: not a key",
        ),
        (
            f'[ranges.arrivals]\n"kind_shares.robots" = {{low = 0.1, high = 0.2, {LINE}}}',
            "has no entry robots",
        ),
        (
            f"[ranges.exits]\nother_per_year = {{low = 0, high = 1, dist = 'loguniform', {LINE}}}",
            "loguniform range needs low above 0",
        ),
        (f"[ranges.allocation]\nlottery_draw = {{values = ['batch'], {LINE}}}", "at least two values"),
        (f"[ranges.arrivals]\nreapply_share = {{low = 0.5, high = 1.5, {LINE}}}", "arrivals.reapply_share"),
        (
            f"[ranges.arrivals]\napplications_per_year = {{low = 1, high = 2, {LINE}, when = {{'x.y' = [1]}}}}",  # noqa: E501
            "when: x.y: not a key",
        ),
        (
            f'[ranges.arrivals]\n"kind_shares.single" = {{low = 0.4, high = 0.6, {LINE}}}\n'
            f'"kind_shares.family" = {{low = 0.2, high = 0.4, {LINE}}}',
            "range one share of arrivals.kind_shares at most",
        ),
        ("[arrivals]\napplications_per_year = 3", "a scenario file, not a ranges file"),
    ],
)
def test_a_bad_range_is_refused_in_one_line_naming_the_file_and_the_key(tmp_path, baseline, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        robust.load_ranges(path, baseline)
    assert message in str(err.value)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_ranges_file_given_as_a_scenario_says_what_it_is(tmp_path):
    path = write(tmp_path, f"[ranges.arrivals]\napplications_per_year = {{low = 1, high = 2, {LINE}}}")
    with pytest.raises(ScenarioError, match="a ranges file, not a scenario file"):
        load_scenario(path)


def test_a_share_entry_is_ranged_with_the_other_shares_rescaled_to_sum_to_one():
    shares = {"single": 0.57, "family": 0.35, "employer": 0.08}
    moved = robust.set_entry(shares, ("single",), 0.7, rescale=True)
    assert moved["single"] == 0.7 and sum(moved.values()) == pytest.approx(1)
    assert moved["family"] / moved["employer"] == pytest.approx(0.35 / 0.08)
    mix = {"one": {"share": 0.25, "m2": 35.0}, "two": {"share": 0.75, "m2": 52.0}}
    assert robust.set_entry(mix, ("two", "share"), 0.5, rescale=True) == {
        "one": {"share": 0.5, "m2": 35.0},
        "two": {"share": 0.5, "m2": 52.0},
    }
    assert shares["single"] == 0.57  # the scenario's own value is not touched


def test_a_policy_lever_a_key_the_rules_do_not_use_and_an_unranged_assumption_are_held_and_listed(
    tmp_path, baseline
):
    path = write(
        tmp_path,
        f"""[ranges.lease]
max_total_years = {{low = 4, high = 10, {LINE}}}
[ranges.allocation]
points_per_person = {{low = 1, high = 3, {LINE}, when = {{"allocation.mechanism" = ["points"]}}}}
decline_share = {{low = 0.03, high = 0.15, {LINE}}}
""",
    )
    ranges = robust.load_ranges(path, baseline)
    ranged, held = robust.held_inputs(baseline, load_scenario("cap8"), ranges)
    assert [r.name for r in ranged] == ["allocation.decline_share"]
    why = dict(held)
    assert "policy compared" in why["lease.max_total_years"]
    assert "allocation.mechanism in ['points']" in why["allocation.points_per_person"]
    assert why["arrivals.applications_per_year"].startswith("no range in")
    ranged, _ = robust.held_inputs(baseline, load_scenario("points"), ranges)  # one scenario scores points
    assert [r.name for r in ranged] == [
        "lease.max_total_years",
        "allocation.points_per_person",
        "allocation.decline_share",
    ]
    assert robust.Range("a", "allocation.decline_share", (), "r", "s", 0.0, 1.0).sample(0.25) == 0.25


def test_each_point_runs_common_seeds_unless_the_noise_input_moves_them(tmp_path):
    mmc = load_scenario(MMC)
    path = write(tmp_path, f"[ranges.arrivals]\napplications_per_year = {{low = 600, high = 900, {LINE}}}")
    study = robust.plan_study(
        mmc, mmc.variant({"supply.initial_units": 11}), robust.load_ranges(path, mmc), samples=4
    )
    assert study.seeds(-1, 5, 3) == [5, 6, 7]
    for point in range(len(study.design)):
        block = study.noise_block(point)
        assert study.seeds(point, 5, 3) == [5 + 3 * block, 6 + 3 * block, 7 + 3 * block]
    # along a trajectory, only the input that moves changes what a point runs
    for first in range(0, len(study.design), study.block):
        rows = study.design[first : first + study.block]
        moved = (np.diff(rows, axis=0) != 0).sum(axis=1)
        assert (moved == 1).all()


def test_the_command_refuses_a_missing_ranges_file_in_one_line(tmp_path, capsys):
    code = main(
        [
            "robustness",
            "baseline",
            "cap8",
            "--ranges",
            str(tmp_path / "none.toml"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path / 'none.toml'}: no such ranges file"
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------- the method finds known answers (M/M/c)


def mmc(years: float, **overrides):
    return load_scenario(MMC).with_overrides({"calendar.horizon_years": years, **overrides})


@pytest.mark.slow
def test_morris_ranks_arrivals_first_leaves_an_unused_input_at_zero_and_more_units_always_shorten_waits(
    tmp_path,
):
    """The plain queue's wait turns on its load, arrivals against capacity (Erlang C); a short turnaround
    adds a little to each service; points do not enter receipt order. One more unit shortens the wait
    everywhere in the space, so the conclusion holds in every plausible world."""
    path = write(
        tmp_path,
        f"""[ranges.arrivals]
applications_per_year = {{low = 500, high = 1100, {LINE}}}
[ranges.supply]
turnaround_days = {{low = 0, high = 0.1, {LINE}}}
[ranges.allocation]
points_per_person = {{low = 1, high = 3, {LINE}}}
""",
    )
    base = mmc(years=2)
    variant = base.variant({"supply.initial_units": 11})
    study = robust.plan_study(base, variant, robust.load_ranges(path, base), samples=6, seed=3)
    result = robust.run_study(
        study, seed=1, reps=2, center_reps=6, figures=["wait_apply_to_movein_mean"], progress=False
    )
    idx = result.indices.set_index(["measure", "input"])
    for measure in ("difference", "base"):
        assert idx.loc[(measure, "arrivals.applications_per_year"), "rank"] == 1
        first = idx.loc[(measure, "arrivals.applications_per_year")]
        assert first["mu_star"] > first["noise_floor"]
        unused = idx.loc[(measure, "allocation.points_per_person")]
        assert unused["mu_star"] == 0 <= unused["noise_floor"] and not unused["above_noise"]
    holds = result.holds.iloc[0]
    assert holds["sign"] == -1 and holds["center_significant"]
    assert holds["share"] == 1.0 and holds["share_ci_high"] == 1.0


@pytest.mark.slow
def test_the_sign_share_tells_a_change_that_flips_with_demand_from_one_theory_fixes(tmp_path):
    """Two more units and a day of publicity: at low demand nobody queues, so the day only adds to the
    wait; near saturation the units save more than a day. The share is below 1, with a CI below 1."""
    path = write(tmp_path, f"[ranges.arrivals]\napplications_per_year = {{low = 300, high = 1150, {LINE}}}")
    base = mmc(years=2)
    variant = base.variant({"supply.initial_units": 12, "review.publicity_days": 1})
    study = robust.plan_study(base, variant, robust.load_ranges(path, base), samples=8, seed=2)
    result = robust.run_study(
        study, seed=1, reps=2, center_reps=6, figures=["wait_apply_to_movein_mean"], progress=False
    )
    holds = result.holds.iloc[0]
    assert holds["sign"] == 1
    assert 0 < holds["share"] < 1 and holds["share_ci_high"] < 1
    assert holds["difference_min"] < 0 < holds["difference_max"]


@pytest.mark.slow
def test_sobol_indices_of_an_additive_function_of_the_engines_figures_match_their_analytic_values(tmp_path):
    """Y = units at the end + applications: the stock is the initial units exactly (no build-out, target
    below it), and applications over the horizon are Poisson with mean 2λ. With the initial units uniform
    on [10, 210] and λ on [50, 150] a year, Var = 200²/12 + (2·100)²/12 + E[2λ] (the Poisson noise, which
    only the noise input moves): first-order and total indices of each input are its share; an input
    that does not enter has 0, within the noise floor."""
    path = write(
        tmp_path,
        f"""[ranges.supply]
initial_units = {{low = 10, high = 210, {LINE}}}
[ranges.arrivals]
applications_per_year = {{low = 50, high = 150, {LINE}}}
[ranges.allocation]
points_per_person = {{low = 1, high = 3, {LINE}}}
""",
    )
    base = mmc(years=2)
    study = robust.plan_study(base, base, robust.load_ranges(path, base), method="sobol", samples=64, seed=1)
    result = robust.run_study(study, seed=1, reps=1, center_reps=2, figures=["units_end"], progress=False)
    reps = result.replications[result.replications["scenario"] == "base"]
    assert (reps["units_end"].to_numpy() > 0).all()
    points = reps[reps["point"] >= 0].sort_values("point")
    design = study.design[points["point"].to_numpy()]
    assert np.array_equal(points["units_end"].to_numpy(), np.round(10 + 200 * design[:, 0]))
    y = (points["units_end"] + points["applications"]).to_numpy(float)
    rows = robust.index_rows_of(study, "Y", "base", points["point"].to_numpy(), y)
    got = {r[3]: dict(zip(robust.INDEX_COLUMNS, r, strict=True)) for r in rows}
    v_units, v_arrivals, v_noise = 200**2 / 12, 200**2 / 12, 200.0
    total = v_units + v_arrivals + v_noise
    for name, v in (("supply.initial_units", v_units), ("arrivals.applications_per_year", v_arrivals)):
        for index in ("S1", "ST"):
            low, high = got[name][f"{index}_ci_low"], got[name][f"{index}_ci_high"]
            half = (high - low) / 2
            assert abs(got[name][index] - v / total) <= 2 * half, (
                name,
                index,
                got[name][index],
                v / total,
                half,
            )
    unused = got["allocation.points_per_person"]
    assert unused["ST"] == 0 and unused["S1"] == pytest.approx(
        0, abs=2 * (unused["S1_ci_high"] - unused["S1"]) + 1e-12
    )
    assert not unused["above_noise"] and got["noise"]["ST"] > 0


def test_only_names_an_input_or_a_group_of_the_ranges_file(tmp_path, capsys):
    path = write(
        tmp_path,
        f"[ranges.arrivals]\napplications_per_year = {{low = 1000, high = 2000, {LINE}, group = 'demand'}}",
    )
    ranges = robust.load_ranges(path)
    assert robust.named_inputs(ranges, ["demand"]) == ["arrivals.applications_per_year"]
    code = main(
        [
            "robustness",
            "baseline",
            "cap8",
            "--ranges",
            str(path),
            "--only",
            "weather",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"error: robustness: --only: weather: neither an input of {path} nor a group (demand)"
    )
