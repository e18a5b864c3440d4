"""The decomposition of a reform between its changes (``analysis/experiments/decompose.py``): the Shapley
computation on known games, the changes found, shares that add up to the total, a zero interaction where
two changes cannot meet and a non-zero one where they do, agreement with ``compare``, and the command's
bad input."""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import SMALL, main

from analysis.experiments.compare import run_comparison
from analysis.experiments.decompose import Change, find_changes, plan_decomposition, run_decomposition
from analysis.experiments.runner import ResultStore
from analysis.stats import shapley_exact, shapley_sampled, significant
from sim import load_scenario
from sim.parameters import data_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return load_scenario(path)


# ---------------------------------------------------------------- the Shapley computation


def test_an_additive_game_gives_each_player_its_value_alone():
    alone = np.array([3.0, -1.0, 7.0])
    values = np.array([sum(alone[i] for i in range(3) if m >> i & 1) for m in range(8)])
    np.testing.assert_allclose(shapley_exact(values), alone)


def test_two_players_split_their_interaction_half_and_half():
    # v(∅) = 0, v(1) = 1, v(2) = 2, v(1, 2) = 5: an interaction of 2, one half to each player
    np.testing.assert_allclose(shapley_exact(np.array([0.0, 1.0, 2.0, 5.0])), [2.0, 3.0])


def test_shares_sum_to_the_total_on_any_game_and_every_column():
    values = np.random.default_rng(1).normal(size=(32, 4, 3))  # 5 players, 4 seeds, 3 figures
    np.testing.assert_allclose(shapley_exact(values).sum(0), values[31] - values[0])


def test_sampling_every_order_gives_the_exact_shares():
    values = np.random.default_rng(2).normal(size=(8, 2))
    orders = [list(p) for p in itertools.permutations(range(3))]
    np.testing.assert_allclose(shapley_sampled(dict(enumerate(values)), orders), shapley_exact(values))


def test_sampled_shares_sum_to_the_total_whatever_the_orders():
    values = np.random.default_rng(3).normal(size=(16,))
    shares = shapley_sampled(dict(enumerate(values)), [[2, 0, 3, 1]])
    assert math.isclose(shares.sum(), values[15] - values[0], abs_tol=1e-12)


# ---------------------------------------------------------------- the changes of a reform


def test_the_successors_three_dated_values_are_three_changes_in_file_order():
    """``successor_2026.toml`` names its three dated values in its ``[changes]`` table."""
    changes = find_changes(load_scenario("baseline"), load_scenario("successor_2026"))
    assert [(c.name, tuple(c.keys)) for c in changes] == [
        ("cap", ("lease.max_total_years",)),
        ("validity", ("queue.validity_years",)),
        ("review", ("review.working_days",)),
    ]


def test_a_changes_table_groups_keys_and_the_others_stand_alone(tmp_path, small):
    (tmp_path / "r.toml").write_text(
        f'base = "{tmp_path / "small.toml"}"\n[lease]\nmax_total_years = 3\nterm_years = 1\n'
        '[queue]\nvalidity_years = 1\n[changes]\ncap = ["lease.max_total_years", "lease.term_years"]\n'
    )
    (tmp_path / "small.toml").write_text(SMALL)
    changes = find_changes(small, load_scenario(tmp_path / "r.toml"))
    assert changes == [
        Change("cap", ("lease.max_total_years", "lease.term_years")),
        Change("queue.validity_years", ("queue.validity_years",)),
    ]


def test_a_snapshot_named_relative_to_a_reform_in_another_folder_is_the_reforms(tmp_path):
    """A path key (``start.snapshot``) a reform states relative to its own file names the same folder in
    every subset, though the subsets are built on the base, whose file lies elsewhere."""
    shutil.copytree(ROOT / "calibration" / "synthetic" / "snapshot", tmp_path / "snap")
    base = load_scenario("baseline")
    (tmp_path / "r.toml").write_text(
        f'base = "{ROOT / "scenarios" / "baseline.toml"}"\n[start]\nsnapshot = "snap"\n'
    )
    plan = plan_decomposition(base, load_scenario(tmp_path / "r.toml"))
    subset = plan.scenario(1)
    assert data_path(subset, "start.snapshot") == (tmp_path / "snap").resolve()


def test_the_subset_of_every_change_is_the_reform_in_the_store(small):
    reform = small.with_overrides({"lease.max_total_years": 3, "review.working_days": 5})
    plan = plan_decomposition(small, reform, order=["review.working_days"])
    assert plan.name(0b11) == "base + review.working_days + lease.max_total_years"
    assert plan.scenario(plan.full).to_dict() == reform.to_dict()
    assert plan.scenario(0).to_dict() == small.to_dict()


# ---------------------------------------------------------------- on replications


def _wait(table: pd.DataFrame, change: str) -> pd.Series:
    return table[(table["figure"] == "wait_apply_to_movein_mean") & (table["change"] == change)].iloc[0]


def interacts(table: pd.DataFrame) -> bool:
    """The one statistic both interaction tests read: whether the 95 % CI of total − Σ alone on the mean
    wait excludes zero."""
    row = _wait(table, "interaction")
    return significant(row["alone_ci_low"], row["alone_ci_high"])


@pytest.mark.slow
def test_shares_add_up_to_the_total_on_every_figure_and_seed_and_identical_subsets_are_reused(
    small, tmp_path
):
    reform = small.with_overrides(
        {"lease.max_total_years": 3, "queue.validity_years": 1, "review.working_days": 5}
    )
    store = ResultStore(tmp_path / "store")
    plan = plan_decomposition(small, reform)
    dec = run_decomposition(plan, seed=1, reps=3, store=store, workers=2, progress=False)
    assert dec.total == 8 * 3 and dec.computed == 24
    for figure, part in dec.table.groupby("figure"):
        total = part[part["change"] == "total"].iloc[0]
        changes = part[~part["change"].isin(["total", "interaction"])]
        if math.isnan(total["shapley"]):
            continue
        assert math.isclose(changes["shapley"].sum(), total["shapley"], rel_tol=1e-9, abs_tol=1e-9), figure
        assert math.isclose(changes["step"].sum(), total["step"], rel_tol=1e-9, abs_tol=1e-9), figure
    reps = dec.replications.set_index(["subset", "seed"])
    for s in dec.seeds:  # seed by seed, from the replications written out
        values = np.stack([reps.loc[(plan.name(m), s)].to_numpy(float) for m in range(8)])
        shares = shapley_exact(values)
        ok = ~np.isnan(values).any(0)
        np.testing.assert_allclose(shares.sum(0)[ok], (values[7] - values[0])[ok], atol=1e-9)
    again = run_decomposition(plan, seed=1, reps=3, store=store, workers=2, progress=False)
    assert (again.reused, again.computed) == (24, 0)
    pd.testing.assert_frame_equal(again.table, dec.table)
    both = run_comparison([small, reform], seed=1, reps=3, store=store, workers=1, progress=False)
    assert (both.reused, both.computed) == (6, 0)  # the base and the reform were subsets


@pytest.mark.slow
def test_a_review_time_and_a_ban_nobody_reaches_do_not_interact(small, tmp_path):
    base = small.with_overrides({"review.false_share": 0.0})  # no false declaration, so no ban (Art. 26)
    reform = base.with_overrides({"review.working_days": 4, "penalties.false_declaration_ban_years": 1})
    dec = run_decomposition(
        plan_decomposition(base, reform), 1, reps=4, store=ResultStore(tmp_path), progress=False
    )
    assert not interacts(dec.table)
    assert abs(_wait(dec.table, "interaction")["alone"]) < 1e-9
    assert _wait(dec.table, "penalties.false_declaration_ban_years")["shapley"] == 0


@pytest.mark.slow
def test_cap_and_validity_interact_on_an_overloaded_queue(small, tmp_path):
    base = small.with_overrides({"arrivals.applications_per_year": 600})  # twice the small district's
    reform = base.with_overrides({"lease.max_total_years": 3, "queue.validity_years": 1})
    dec = run_decomposition(
        plan_decomposition(base, reform), 1, reps=8, store=ResultStore(tmp_path), workers=2, progress=False
    )
    assert interacts(dec.table)


@pytest.mark.slow
def test_one_change_gets_the_whole_effect_as_compare_measures_it(small, tmp_path):
    reform = small.with_overrides({"lease.max_total_years": 3})
    store = ResultStore(tmp_path)
    dec = run_decomposition(plan_decomposition(small, reform), 1, reps=3, store=store, progress=False)
    cmp = run_comparison([small, reform], seed=1, reps=3, store=store, workers=1, progress=False)
    diff = cmp.table.dropna(subset=["diff_mean"]).set_index("figure")
    for rec in dec.table[dec.table["change"] == "lease.max_total_years"].itertuples():
        expected = diff.loc[rec.figure, ["diff_mean", "diff_ci_low", "diff_ci_high"]].to_numpy(float)
        got = np.array([rec.shapley, rec.shapley_ci_low, rec.shapley_ci_high])
        np.testing.assert_allclose(got, expected, equal_nan=True, err_msg=rec.figure)


# ---------------------------------------------------------------- the command


@pytest.fixture
def files(tmp_path):
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    return tmp_path, ["--out", str(tmp_path / "out"), "--store", str(tmp_path / "store"), "--workers", "1"]


def test_a_reform_without_changes_is_refused(capsys, files):
    folder, options = files
    status, _, err = main(
        capsys, "decompose", str(folder / "small.toml"), str(folder / "small.toml"), *options
    )
    assert status == 2
    assert err == "error: decompose: small resolves to the same rules as small: no changes to decompose\n"
    assert not (folder / "out").exists()


def test_an_order_naming_an_unknown_change_is_refused(capsys, files):
    folder, options = files
    (folder / "r.toml").write_text('base = "small.toml"\n[lease]\nmax_total_years = 3\n')
    args = ("decompose", str(folder / "small.toml"), str(folder / "r.toml"), "--order", "cap", *options)
    status, _, err = main(capsys, *args)
    assert status == 2
    assert err == "error: --order: cap: not a change of r (its changes: lease.max_total_years)\n"


NINE = {
    "lease.max_total_years": 3,
    "lease.term_years": 1,
    "queue.validity_years": 1,
    "review.working_days": 5,
    "penalties.ban_years": 2,
    "penalties.lapse_ban_years": 2,
    "penalties.false_declaration_ban_years": 3,
    "penalties.forced_exit_ban_years": 3,
    "allocation.move_in_working_days": 5,
}


@pytest.mark.slow
def test_more_than_eight_changes_are_sampled_and_said_to_be(capsys, files):
    folder, options = files
    sections: dict[str, str] = {}
    for key, value in NINE.items():
        section, leaf = key.split(".")
        sections[section] = sections.get(section, "") + f"{leaf} = {value}\n"
    body = "".join(f"[{section}]\n{text}" for section, text in sections.items())
    (folder / "r.toml").write_text('base = "small.toml"\n' + body)
    args = [str(folder / "small.toml"), str(folder / "r.toml"), "--reps", "2", "--permutations", "1"]
    status, out, err = main(capsys, "decompose", *args, *options, "--set", "calendar.horizon_years=1")
    assert status == 0, err
    assert "SAMPLED: 9 changes are more than 8" in err and "SAMPLED" in out
    table = pd.read_csv(folder / "out" / "decomposition.csv")
    assert set(table["method"]) == {"sampled"}
    assert len(table) == len(set(table["figure"])) * (9 + 2)
    charts = folder / "out" / "charts"  # the waterfalls and the group shares, redrawn by ``charts``
    drawn = {p.name for p in charts.glob("*.en.png")}
    assert {"decompose_waterfall_wait_apply_to_movein_mean.en.png", "decompose_groups.en.png"} <= drawn
    for p in charts.iterdir():
        p.unlink()
    status, out, err = main(capsys, "charts", str(folder / "out"))
    assert status == 0, err
    assert {p.name for p in charts.glob("*.en.png")} == drawn


def test_briefing_decompose_takes_two_scenarios(capsys, files):
    folder, options = files
    (folder / "r.toml").write_text('base = "small.toml"\n[lease]\nmax_total_years = 3\n')
    (folder / "q.toml").write_text('base = "small.toml"\n[lease]\nmax_total_years = 4\n')
    paths = [str(folder / n) for n in ("small.toml", "r.toml", "q.toml")]
    status, _, err = main(capsys, "briefing", *paths, "--decompose", *options)
    assert status == 2
    assert err == "error: briefing: --decompose: give two scenarios, the base and the reform\n"
    assert not (folder / "out").exists()
