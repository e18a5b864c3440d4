"""The policy explorer's logic without the page (``analysis.explorer.core``): the controls' checks give the
command line's messages, the variant is saved as a delta that loads back to the same values, and a run
compares the variant with its base on common seeds, keeping every replication in the store."""

from __future__ import annotations

import json
import math
import re
import shutil
import socket
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from helpers import ROOT, main

import sim
from analysis.experiments.outputs import write_comparison
from analysis.explorer import core
from analysis.reporting.terms import TERMS
from sim.parameters import setting_text

SMALL = ROOT / "tests" / "data" / "small.toml"


@pytest.fixture(scope="module")
def baseline():
    return sim.load_scenario("baseline")


# ---------------------------------------------------------------- controls


def test_every_control_is_a_key_of_the_baseline_with_words_in_both_languages(baseline):
    for control in core.CONTROLS:
        assert control.key in baseline.keys()
        zh, en = TERMS[f"explore.key.{control.key}"][:2]
        assert zh and en
        for choice in control.choices:
            assert f"explore.choice.{choice}" in TERMS
    assert [c.key for c in core.CONTROLS if c.kind == "select"] == [
        "allocation.mode",
        "allocation.priority_rule",
        "allocation.key_employer_rule",
        "allocation.mechanism",
    ]


@pytest.mark.parametrize(
    "key, text",
    [
        ("lease.max_total_years", "-1"),
        ("lease.max_total_years", "abc"),
        ("review.working_days", "2.5"),
        ("allocation.priority_reserved_share", "1.5"),
        ("allocation.mode", "lottery"),
        ("supply.target_date", "2026-13-01"),
        ("arrivals.applications_per_year", "inf"),
    ],
)
def test_a_refused_value_gets_the_command_lines_message(capsys, baseline, key, text):
    value, message = core.check_text(baseline, key, text)
    assert value is None
    status, _, err = main(capsys, "run", "baseline", "--set", f"{key}={text}", "--reps", "1")
    assert status == 2
    assert err.strip() == f"error: {message}"
    assert message.startswith(f"--set: {key}: ")


def test_a_cap_of_zero_is_refused_though_the_loader_accepts_it(tmp_path, baseline):
    assert baseline.with_overrides({"lease.max_total_years": 0}).value("lease.max_total_years") == 0
    value, message = core.check_text(baseline, "lease.max_total_years", "0")
    assert value is None
    assert message == (
        "lease.max_total_years: must be positive, got 0 "
        "(a cap of 0 years would house nobody; Art. 17 of the measures gives at most 6 years)"
    )
    assert core.check_text(baseline, "lease.max_total_years", "0.5") == (0.5, "")
    changes, errors = core.changed_values(baseline, {"lease.max_total_years": "0"})
    assert changes == {} and errors == {"lease.max_total_years": message}
    with pytest.raises(core.ExplorerError, match=r"^lease.max_total_years: must be positive, got 0 "):
        core.save_variant(
            baseline, core.scenario_file("baseline"), {"lease.max_total_years": 0}, tmp_path, "c0"
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["review.working_days", "supply.target_units", "lease.max_total_years"])
@pytest.mark.parametrize("text", ["1e400", "-1e400", "9" * 400], ids=["1e400", "-1e400", "9x400"])
def test_a_number_that_overflows_to_infinity_is_refused_with_its_key(baseline, key, text):
    value, message = core.check_text(baseline, key, text)
    assert value is None
    assert message.startswith(f"{key}: {text} is too large to be a number (it reads as infinity)")


def test_inf_itself_is_still_no_limit_where_the_key_allows_it(baseline):
    assert core.check_text(baseline, "lease.max_total_years", "inf") == (math.inf, "")
    assert "must be finite" in core.check_text(baseline, "review.working_days", "inf")[1]


def test_an_accepted_value_is_normalised_by_the_loader(baseline):
    assert core.check_text(baseline, "lease.max_total_years", " 8 ") == (8, "")
    assert core.check_text(baseline, "queue.validity_years", "inf") == (math.inf, "")
    assert core.check_text(baseline, "supply.target_date", "2027-06-30") == ("2027-06-30", "")
    assert core.check_text(baseline, "allocation.mode", "batch") == ("batch", "")


def test_only_values_that_differ_from_the_base_are_changes(baseline):
    texts = {
        "lease.max_total_years": "8",
        "queue.validity_years": "2",  # the base's own value
        "review.working_days": "8.0",  # the same value, written differently
        "allocation.priority_reserved_share": "2",  # refused
    }
    changes, errors = core.changed_values(baseline, texts)
    assert changes == {"lease.max_total_years": 8}
    assert list(errors) == ["allocation.priority_reserved_share"]
    assert "share must be within [0, 1]" in errors["allocation.priority_reserved_share"]


def test_a_dated_base_value_is_shown_with_its_dates():
    dated = sim.load_scenario("successor_2026")
    key = next(k for k in core.CONTROL_KEYS if dated.is_dated(k))
    assert "(2021-10-22)" in core.base_text(dated, key)
    changes, _ = core.changed_values(dated, {key: setting_text(dated.value(key))})
    assert key in changes  # a plain value replaces the dated one


# ---------------------------------------------------------------- saved scenarios


def _keys(doc: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, value in doc.items():
        if isinstance(value, dict):
            out |= _keys(value, prefix + name + ".")
        elif prefix:
            out.add(prefix + name)
    return out


def test_a_saved_variant_is_a_delta_that_loads_back_identically(tmp_path, baseline):
    changes, errors = core.changed_values(
        baseline,
        {
            "lease.max_total_years": "8",
            "queue.validity_years": "inf",
            "allocation.mode": "batch",
            "supply.target_date": "2027-06-30",
            "allocation.priority_reserved_share": "0.3",
        },
    )
    assert not errors
    path = core.save_variant(baseline, core.scenario_file("baseline"), changes, tmp_path, "explored_1")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert doc["base"] == "baseline"
    assert _keys(doc) == set(changes)
    loaded = sim.load_scenario(path)
    assert loaded.to_dict() == core.build_variant(baseline, changes, "explored_1").to_dict()
    assert loaded.name == "explored_1"
    for key, value in changes.items():
        assert loaded.value(key) == value
    # the command line reads it like a hand-written variant
    assert sim.load_scenario(str(path)).to_dict() == loaded.to_dict()


def test_the_base_is_found_from_wherever_the_variant_is_saved(tmp_path):
    bases = tmp_path / "bases"
    bases.mkdir()
    shutil.copy(SMALL, bases / "small.toml")
    small = sim.load_scenario(bases / "small.toml")
    changes = {"lease.max_total_years": 1}
    same = core.save_variant(small, bases / "small.toml", changes, bases, "v1")
    assert tomllib.loads(same.read_text(encoding="utf-8"))["base"] == "small"
    other = core.save_variant(small, bases / "small.toml", changes, tmp_path / "elsewhere", "v2")
    assert tomllib.loads(other.read_text(encoding="utf-8"))["base"] == str(
        Path("..") / "bases" / "small.toml"
    )
    for path in (same, other):
        assert sim.load_scenario(path).to_dict() == small.with_overrides(changes).to_dict()


def test_saving_refuses_bad_names_existing_files_and_the_base_itself(tmp_path, baseline):
    base_file = core.scenario_file("baseline")
    with pytest.raises(core.ExplorerError, match=r'name: "no good" is not a scenario name'):
        core.save_variant(baseline, base_file, {}, tmp_path, "no good")
    core.save_variant(baseline, base_file, {"lease.max_total_years": 7}, tmp_path, "taken")
    with pytest.raises(core.ExplorerError, match=r"taken.toml: already exists"):
        core.save_variant(baseline, base_file, {"lease.max_total_years": 8}, tmp_path, "taken")
    with pytest.raises(core.ExplorerError, match="is the base scenario itself"):
        core.save_variant(
            baseline, base_file, {"lease.max_total_years": 8}, base_file.parent, "baseline", overwrite=True
        )
    with pytest.raises(sim.ScenarioError, match=r"--set: lease.max_total_years: must not be negative"):
        core.save_variant(baseline, base_file, {"lease.max_total_years": -1}, tmp_path, "bad_value")
    assert not (tmp_path / "bad_value.toml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.toml"]  # no temporary file left


def test_a_save_name_longer_than_the_limit_is_refused_with_its_own_message(tmp_path, baseline):
    longest = "a" * core.MAX_NAME
    assert core.MAX_NAME == 64 and core.check_name(longest) == longest
    with pytest.raises(core.ExplorerError) as refused:
        core.check_name("a" * 300)
    assert str(refused.value) == "name: at most 64 characters, got 300"
    with pytest.raises(core.ExplorerError, match=r"^name: at most 64 characters, got 65$"):
        core.save_variant(
            baseline, core.scenario_file("baseline"), {"lease.max_total_years": 8}, tmp_path, "b" * 65
        )
    assert list(tmp_path.iterdir()) == []


def test_a_variant_that_changes_nothing_is_not_saved(tmp_path, baseline):
    with pytest.raises(core.ExplorerError) as refused:
        core.save_variant(baseline, core.scenario_file("baseline"), {}, tmp_path, "same")
    assert str(refused.value) == "nothing to save: the variant changes no value of its base"
    assert list(tmp_path.iterdir()) == []


def test_saving_never_replaces_a_file_written_after_the_check(tmp_path, baseline, monkeypatch):
    """Another page saves the same name between the existence check and the write: its file stays."""
    base_file = core.scenario_file("baseline")
    theirs = tmp_path / "race.toml"
    document = core.delta_toml

    def meanwhile(*args):
        theirs.write_text('base = "baseline"\nname = "race"\n', encoding="utf-8")
        return document(*args)

    monkeypatch.setattr(core, "delta_toml", meanwhile)
    with pytest.raises(core.ExplorerError, match=r"race.toml: already exists"):
        core.save_variant(baseline, base_file, {"lease.max_total_years": 8}, tmp_path, "race")
    assert theirs.read_text(encoding="utf-8") == 'base = "baseline"\nname = "race"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["race.toml"]  # no temporary file left


def test_the_scenarios_offered_are_the_folders_then_the_projects(tmp_path):
    shutil.copy(SMALL, tmp_path / "small.toml")
    found = core.list_scenarios(tmp_path)
    assert found["small"] == (tmp_path / "small.toml").resolve()
    assert "baseline" in found and "cap8" in found


# ---------------------------------------------------------------- a run


def test_a_run_is_labelled_by_the_rules_that_ran_not_by_a_save_name(baseline):
    changes = {"lease.max_total_years": 8}
    assert core.run_label(baseline, changes) == "baseline + lease.max_total_years=8"
    assert core.build_variant(baseline, changes).name == "baseline + lease.max_total_years=8"
    two = {"lease.max_total_years": 8, "queue.validity_years": math.inf}
    assert core.run_label(baseline, two) == "baseline + lease.max_total_years=8, queue.validity_years=inf"
    assert core.run_label(baseline, {}) == "baseline + no change"
    # a saved file is still named by its save name
    assert core.build_variant(baseline, changes, "cap8_try").name == "cap8_try"


def test_a_runs_folder_name_is_a_safe_file_name_whatever_the_label(tmp_path, baseline):
    changes = {k: 1 for k in core.CONTROL_KEYS if core.Control(k).kind == "text"}
    label = core.run_label(baseline, changes)
    assert len(label) > 255  # longer than a file name may be
    folder = core.run_folder(tmp_path, ["baseline", label], changes, 2, 1)
    assert folder.is_dir() and len(folder.name) <= 120
    assert re.fullmatch(r"[\w.=+,-]+", folder.name), folder.name  # no space, slash or quote
    assert folder.name.startswith("baseline-vs-baseline+lease.max_total_years=1,")


@pytest.mark.slow
def test_a_run_compares_on_common_seeds_keeps_every_replication_and_draws_the_charts(tmp_path):
    small = sim.load_scenario(SMALL)
    variant = core.build_variant(small, {"lease.max_total_years": 1}, "cap1")
    seen = []
    cmp = core.run_variant(
        small, variant, 2, 5, tmp_path / "store", workers=0, on_progress=lambda *a: seen.append(a)
    )
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    assert cmp.names == ["small", "cap1"]
    reps = cmp.replications
    assert sorted(reps.loc[reps["scenario"] == "small", "seed"]) == [5, 6]
    assert sorted(reps.loc[reps["scenario"] == "cap1", "seed"]) == [5, 6]
    assert set(cmp.daily["scenario"]) == {"small", "cap1"}
    # the same run again is all from the store
    seen.clear()
    again = core.run_variant(
        small, variant, 2, 5, tmp_path / "store", workers=0, on_progress=lambda *a: seen.append(a)
    )
    assert seen == [(4, 4)] and again.computed == 0 and again.reused == 4
    # the variant's difference is paired by seed: the mean of its per-seed differences, inside its CI
    fig = "wait_apply_to_movein_mean"
    row = cmp.table[(cmp.table["figure"] == fig) & (cmp.table["scenario"] == "cap1")].iloc[0]
    by_seed = reps.pivot(index="seed", columns="scenario", values=fig)
    assert row["diff_mean"] == pytest.approx((by_seed["cap1"] - by_seed["small"]).mean())
    assert row["diff_ci_low"] <= row["diff_mean"] <= row["diff_ci_high"]

    images = core.chart_images(cmp, small, "zh")
    assert set(images) == set(core.CHARTS)
    assert all(png.startswith(b"\x89PNG") for png in images.values())
    folder = write_comparison(cmp, [small, variant], tmp_path / "out")
    assert {p.name for p in folder.iterdir()} >= {"comparison.csv", "replications.parquet", "daily.parquet"}
    pdf = core.make_briefing(folder, small, variant, "en")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_stopped_run_returns_nothing_and_keeps_what_finished(tmp_path):
    small = sim.load_scenario(SMALL)
    variant = core.build_variant(small, {"lease.max_total_years": 2}, "cap2")
    assert core.run_variant(small, variant, 2, 1, tmp_path, workers=0, keep_going=lambda: False) is None
    assert len(list(tmp_path.glob("*/*.parquet"))) == 1  # the one that finished before the stop


# ---------------------------------------------------------------- the command


def test_explore_refuses_bad_input_in_one_line(capsys, tmp_path):
    status, _, err = main(capsys, "explore", "--scenarios-dir", str(tmp_path / "missing"))
    assert status == 2 and err == f"error: --scenarios-dir: {tmp_path / 'missing'}: no such folder\n"
    status, _, err = main(capsys, "explore", "--scenarios-dir", str(tmp_path), "--base", "nosuch")
    assert status == 2 and err.startswith("error: --base: nosuch: no such scenario") and err.count("\n") == 1
    (tmp_path / "broken.toml").write_text('base = "baseline"\n[lease]\nmax_total_years = -2\n')
    status, _, err = main(capsys, "explore", "--scenarios-dir", str(tmp_path), "--base", "broken")
    assert status == 2 and "lease.max_total_years: must not be negative, got -2" in err


def test_explore_refuses_a_port_a_host_or_a_seed_before_serving(capsys, tmp_path, monkeypatch):
    def serve(*args, **kwargs):
        raise AssertionError("the explorer was started")

    monkeypatch.setattr(core, "serve", serve)
    where = ["--out", str(tmp_path / "out"), "--store", str(tmp_path / "store")]
    for port in ("99999", "0"):
        status, out, err = main(capsys, "explore", "--port", port, *where)
        assert (status, out, err) == (
            2,
            "",
            f"error: --port: must be a whole number from 1 to 65535, got {port}\n",
        )
    with pytest.raises(socket.gaierror) as resolver:  # the machine's own words for it
        socket.getaddrinfo("999.1.1.1", 8765, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    status, out, err = main(capsys, "explore", "--host", "999.1.1.1", *where)
    assert (status, out) == (2, "")
    assert err == f"error: --host: 999.1.1.1: cannot be resolved to an address ({resolver.value.strerror})\n"
    with socket.socket() as taken:  # a port in use is the port's fault, not the host's
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        status, out, err = main(capsys, "explore", "--host", "127.0.0.1", "--port", port, *where)
    assert (status, out, err) == (
        2,
        "",
        f"error: --port: {port}: cannot listen on 127.0.0.1: Address already in use\n",
    )
    status, out, err = main(capsys, "explore", "--seed", str(2**63), *where)
    assert (status, out, err) == (
        2,
        "",
        f"error: --seed: must be a whole number from 0 to {2**63 - 1}, got {2**63}\n",
    )
    assert not (tmp_path / "out").exists() and not (tmp_path / "store").exists()


# ---------------------------------------------------------------- the page's runs (no browser)


@pytest.fixture
def page(tmp_path, monkeypatch):
    """``analysis.explorer.app`` with a run that costs nothing: the comparison is a small fixed one and the
    charts are not drawn; outputs go to ``tmp_path``."""
    from analysis.explorer import app as explorer

    small = sim.load_scenario(SMALL)

    def run_variant(base, variant, *args, **kwargs):  # the comparison of the two, under their names
        b, v = base.name, variant.name
        return SimpleNamespace(
            names=[b, v],
            table=pd.DataFrame({"figure": ["x"], "scenario": [v], "diff_mean": [0.0]}),
            replications=pd.DataFrame({"scenario": [b, v], "seed": [1, 1], "x": [1.0, 2.0]}),
            daily=pd.DataFrame({"scenario": [b, v], "seed": [1, 1], "day": [0, 0]}),
        )

    monkeypatch.setattr(core, "run_variant", run_variant)
    monkeypatch.setattr(core, "chart_images", lambda *a, **k: {})
    explorer.result.set(None)
    options = core.Options(out=str(tmp_path / "out"), store=str(tmp_path / "store"), workers=0)

    def run(changes, is_current=lambda: True, name="v"):
        variant = core.build_variant(small, changes, name)
        return explorer.execute_run("small", small, variant, changes, 1, 1, "en", is_current, options=options)

    yield SimpleNamespace(explorer=explorer, run=run, out=tmp_path / "out")
    explorer.result.set(None)


def test_every_run_writes_its_own_folder_and_keeps_it_in_its_result(page):
    first = page.run({"lease.max_total_years": 1})
    again = page.run({"lease.max_total_years": 1})  # the same inputs (or another page's run)
    other = page.run({"lease.max_total_years": 2})
    folders = [r.compare_dir for r in (first, again, other)]
    assert len(set(folders)) == 3
    assert sorted(page.out.iterdir()) == sorted(folders)
    assert all((f / "comparison.csv").is_file() for f in folders)
    assert page.explorer.result.value is other
    assert first.compare_dir.name.startswith("small-vs-v-")


def test_a_stopped_run_publishes_nothing(page):
    shown = page.run({"lease.max_total_years": 1})
    # stopped while the comparison was made: no folder, the result shown stays
    assert page.run({"lease.max_total_years": 2}, is_current=lambda: False) is None
    assert page.explorer.result.value is shown
    assert list(page.out.iterdir()) == [shown.compare_dir]
    # stopped while its folder and charts were written: they are dropped, the result shown stays
    current = iter([True, False])
    assert page.run({"lease.max_total_years": 3}, is_current=lambda: next(current)) is None
    assert page.explorer.result.value is shown
    assert list(page.out.iterdir()) == [shown.compare_dir]


def test_a_run_is_refused_at_the_click_when_a_value_is_refused(baseline):
    from analysis.explorer.app import refusal

    assert refusal(baseline, {"lease.max_total_years": "8"}, 2, 1) == ({"lease.max_total_years": 8}, "")
    for typed, n, first in (({"lease.max_total_years": "-1"}, 2, 1), ({}, 0, 1), ({}, 2, -1), ({}, None, 1)):
        changes, message = refusal(baseline, typed, n, first)
        assert changes == {} and message
    # the last replication's seed must be within the largest seed, as on the command line
    assert refusal(baseline, {}, 3, 2**63 - 2) == (
        {},
        f"Run is off: the first seed must be a whole number from 0 to {2**63 - 3}, got {2**63 - 2}",
    )


def test_a_runs_manifest_names_the_rules_that_ran(page):
    done = page.run({"lease.max_total_years": 1}, name=None)
    manifest = json.loads((done.compare_dir / "scenarios.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in manifest["scenarios"]] == ["small", "small + lease.max_total_years=1"]
    assert done.cmp.names[1] == "small + lease.max_total_years=1"  # the charts' legend


@pytest.fixture
def rendered(monkeypatch):
    """The page, rendered without a browser, in English with the baseline; Run records what it would run."""
    import ipyvuetify
    import solara

    from analysis.explorer import app as explorer

    runs = []

    class Task:
        pending = error = exception = False
        progress = 0.0

        def __call__(self, *args):
            runs.append(args)

    monkeypatch.setattr(explorer, "run_task", Task())
    state = (
        explorer.lang,
        explorer.base_name,
        explorer.texts,
        explorer.reps,
        explorer.seed,
        explorer.save_name,
    )
    saved = [r.value for r in state]
    explorer.lang.set("en")
    explorer.base_name.set("baseline")
    explorer.texts.set({})
    explorer.reps.set(2)
    explorer.seed.set(1)
    explorer.run_message.set(("", ""))
    box, rc = solara.render(explorer.Page(), handle_error=False)

    def run_button():
        return rc.find(ipyvuetify.Btn, class_="prh-run").widget

    def why():
        return [w.children[0] for w in rc.find(ipyvuetify.Alert).widgets if "prh-why" in w.class_.split()]

    yield SimpleNamespace(explorer=explorer, rc=rc, runs=runs, run_button=run_button, why=why)
    rc.close()
    for reactive, value in zip(state, saved, strict=True):
        reactive.set(value)


def test_the_page_runs_the_rules_under_their_own_label_whatever_the_save_box_says(rendered):
    app = rendered.explorer
    app.texts.set({"lease.max_total_years": "8"})
    app.save_name.set("cap8_try")
    rendered.run_button().click()
    (args,) = rendered.runs
    variant = args[2]
    assert variant.name == "baseline + lease.max_total_years=8"
    assert variant.value("lease.max_total_years") == 8


@pytest.mark.parametrize(
    "n, first, lang, why",
    [
        (0, 1, "en", "Run is off: replications must be a whole number from 1 to 1000, got 0"),
        (10**6, 1, "en", "Run is off: replications must be a whole number from 1 to 1000, got 1000000"),
        (2, -1, "en", f"Run is off: the first seed must be a whole number from 0 to {2**63 - 2}, got -1"),
        (0, 1, "zh", "无法运行：重复次数须为1至1000的整数，现为0"),
        (2, -1, "zh", f"无法运行：首个随机种子须为0至{2**63 - 2}的整数，现为-1"),
    ],
)
def test_the_page_says_why_run_is_off_in_the_users_language(rendered, n, first, lang, why):
    app = rendered.explorer
    assert not rendered.run_button().disabled and rendered.why() == []
    app.lang.set(lang)
    app.reps.set(n)
    app.seed.set(first)
    assert rendered.run_button().disabled
    assert rendered.why() == [why]
    assert app.refusal(app.load_scenario("baseline"), {}, n, first) == ({}, why)


def test_the_page_has_a_title_in_the_users_language(rendered):
    from solara.components.title import TitleWidget

    assert [w.title for w in rendered.rc.find(TitleWidget).widgets] == [
        "Jing'an public rental housing: policy explorer"
    ]
    rendered.explorer.lang.set("zh")
    assert [w.title for w in rendered.rc.find(TitleWidget).widgets] == ["静安区公共租赁住房规则探索"]
