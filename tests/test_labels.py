"""Every result says what produced it, and an output folder holds one run.

- A run, comparison or sweep with ``--set`` overrides is named after them
  (``small + lease.max_total_years=3``) in its heading, tables and manifest, and gets its own default folder.
- A new run into a folder that holds another run's outputs is refused unless ``--replace``; the outputs of
  the same scenarios with other replications are cleared, so that no old chart stands beside new tables.
- ``run`` keeps each replication, with all its tables, in the result store, runs on the worker pool and
  reads a repeated run back.
- Headings and tables show the scenarios' titles in the language asked for.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import SMALL, main

from analysis.experiments.folders import folder_verdict, run_record, safe_name
from analysis.experiments.outputs import read_run
from analysis.reporting.tables import format_comparison
from analysis.reporting.titles import changes_text, scenario_title
from sim import load_scenario
from sim.parameters import parse_set, setting_text, variant_name

CAP3 = "lease.max_total_years=3"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """small.toml and a titled variant cap4.toml, and a result store shared by the module's runs."""
    root = tmp_path_factory.mktemp("labels")
    (root / "small.toml").write_text(SMALL, encoding="utf-8")
    (root / "cap4.toml").write_text(
        'base = "small.toml"\nname = "cap4"\ntitle = "Cap of 4 years"\ntitle_zh = "保障总年限4年"\n'
        'description_zh = "累计保障年限上限为4年"\n[lease]\nmax_total_years = 4\n',
        encoding="utf-8",
    )
    return root


@pytest.fixture
def here(folder, tmp_path, monkeypatch):
    """Work in a fresh folder (default output folders land in its ``out/``) with the module's files."""
    for name in ("small.toml", "cap4.toml"):
        (tmp_path / name).write_text((folder / name).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def store(folder) -> list[str]:
    return ["--store", str(folder / "store"), "--workers", "1"]


def manifest(path) -> dict:
    return json.loads((path / "scenarios.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- names from the rules that ran


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (8.0, "8"),
        (2.5, "2.5"),
        (float("inf"), "inf"),
        (True, "true"),
        ("batch", "batch"),
        ([1, 2.5], "[1, 2.5]"),
    ],
)
def test_a_value_is_named_as_typed_and_reads_back_the_same(value, text):
    assert setting_text(value) == text
    assert parse_set(f"k={text}") == ("k", value)


def test_a_variant_is_named_after_every_change_on_top_of_its_file():
    cap8 = load_scenario("cap8")
    once = cap8.variant({"lease.max_total_years": 3})
    assert (once.name, once.own_name, once.overrides) == (
        f"cap8 + {CAP3}",
        "cap8",
        {"lease.max_total_years": 3},
    )
    twice = once.variant({"queue.validity_years": 1})
    assert twice.name == f"cap8 + {CAP3}, queue.validity_years=1"
    assert cap8.variant({}).name == "cap8" and variant_name("cap8", {}) == "cap8"


def test_a_title_shows_the_overrides_and_in_chinese_names_every_key_by_its_term():
    variant = load_scenario("cap8").variant({"lease.max_total_years": 3, "calendar.horizon_years": 4})
    assert scenario_title(variant, "zh") == "保障总年限延长至8年 + 累计保障年限上限=3, 模拟年限=4"
    assert scenario_title(variant, "en").endswith(f" + {CAP3}, calendar.horizon_years=4")
    assert changes_text({"lease.max_total_years": 3}, "en") == CAP3


def test_a_folder_name_is_safe_and_two_long_names_stay_apart():
    assert safe_name(f"cap8 + {CAP3}") == f"cap8+{CAP3}"
    assert safe_name("a/b c") == "a-b-c"
    one, two = safe_name("x" * 200 + "1"), safe_name("x" * 200 + "2")
    assert len(one) == len(two) == 80 and one != two


def test_a_run_with_overrides_is_named_after_them_and_gets_its_own_folder(here, folder, capsys):
    status, out, err = main(
        capsys, "run", "small.toml", "--set", CAP3, "--reps", "1", "--no-charts", *store(folder)
    )
    assert status == 0, err
    run_dir = here / "out" / f"small+{CAP3}"
    assert out.startswith(f"small + {CAP3}: 1 replication, seed 1\n")
    assert not (here / "out" / "small").exists()  # the plain scenario's folder is not touched
    entry = manifest(run_dir)["scenarios"][0]
    assert (entry["name"], entry["overrides"]) == (f"small + {CAP3}", {"lease.max_total_years": "3"})
    assert manifest(run_dir)["run"]["names"] == [f"small + {CAP3}"]


def test_charts_of_a_folder_are_labelled_from_its_manifest_not_its_name(here, folder, capsys):
    out = here / "whatever"
    status, _, err = main(
        capsys,
        "run",
        "small.toml",
        "--set",
        CAP3,
        "--reps",
        "1",
        "--no-charts",
        "--out",
        str(out),
        *store(folder),
    )
    assert status == 0, err
    assert read_run(out).name == f"small + {CAP3}"


def test_a_comparison_with_overrides_names_every_scenario_after_them(here, folder, capsys):
    args = [
        "compare",
        "small.toml",
        "cap4.toml",
        "--set",
        "queue.validity_years=1",
        "--reps",
        "2",
        *store(folder),
    ]
    status, out, err = main(capsys, *args)
    assert status == 0, err
    names = ["small + queue.validity_years=1", "cap4 + queue.validity_years=1"]
    cmp_dir = here / "out" / "compare" / "small+queue.validity_years=1-vs-cap4+queue.validity_years=1"
    assert list(dict.fromkeys(pd.read_csv(cmp_dir / "comparison.csv")["scenario"])) == names
    assert [s["name"] for s in manifest(cmp_dir)["scenarios"]] == names
    assert "Cap of 4 years + queue.validity_years=1 (cap4 + queue.validity_years=1)" in out


def test_a_sweep_with_overrides_names_its_base_after_them_and_refuses_a_swept_key(here, folder, capsys):
    (here / "grid.toml").write_text(
        'base = "small.toml"\nreps = 1\n[grid]\n"lease.max_total_years" = [4, 6]\n'
    )
    status, out, err = main(capsys, "sweep", "grid.toml", "--set", "queue.validity_years=1", *store(folder))
    assert status == 0, err
    assert "base small + queue.validity_years=1," in out
    assert manifest(here / "out" / "sweeps" / "grid+queue.validity_years=1")["run"]["kind"] == "sweep"
    status, out, err = main(capsys, "sweep", "grid.toml", "--set", CAP3, *store(folder))
    assert (status, out) == (2, "")
    assert (
        err
        == "error: --set: lease.max_total_years: is swept by grid.toml; set it in the grid or leave it out\n"
    )


# ---------------------------------------------------------------- one run per folder


def fake_chart(folder):
    (folder / "charts").mkdir(exist_ok=True)
    (folder / "charts" / "waiting_list.en.png").write_bytes(b"old")
    return folder / "charts" / "waiting_list.en.png"


def test_a_folder_holding_another_runs_outputs_is_refused_unless_replaced(here, folder, capsys):
    out = here / "shared"
    run = ["--reps", "1", "--no-charts", "--out", str(out), *store(folder)]
    assert main(capsys, "run", "small.toml", *run)[0] == 0
    chart, before = fake_chart(out), (out / "summary.csv").read_bytes()
    status, stdout, err = main(capsys, "run", "cap4.toml", *run)
    assert (status, stdout) == (2, "")
    assert (
        err == f"error: {out}: holds a run of small; give --replace to clear those outputs first, "
        "or another --out\n"
    )
    assert (out / "summary.csv").read_bytes() == before and chart.exists()  # nothing touched
    status, _, err = main(capsys, "run", "cap4.toml", *run, "--replace")
    assert status == 0, err
    assert not chart.exists()  # the old run's chart is gone, though --no-charts drew none
    assert [s["name"] for s in manifest(out)["scenarios"]] == ["cap4"]


def test_a_compare_into_a_run_folder_is_refused(here, folder, capsys):
    out = here / "run-folder"
    assert (
        main(capsys, "run", "small.toml", "--reps", "1", "--no-charts", "--out", str(out), *store(folder))[0]
        == 0
    )
    status, _, err = main(
        capsys, "compare", "small.toml", "cap4.toml", "--reps", "1", "--out", str(out), *store(folder)
    )
    assert status == 2 and err.startswith(f"error: {out}: holds a run of small; give --replace")


def test_a_folder_of_tables_without_a_manifest_is_refused(here):
    (here / "old").mkdir()
    (here / "old" / "summary.csv").write_text("seed\n1\n")
    record = run_record("run", [load_scenario("small.toml")], seed=1, reps=1)
    assert folder_verdict(here / "old", record) == ("other", "outputs whose run is not recorded")
    assert folder_verdict(here / "nothing", record) == ("empty", "")


def test_the_same_scenario_with_other_replications_replaces_the_old_outputs(here, folder, capsys):
    out = here / "again"
    run = ["run", "small.toml", "--no-charts", "--out", str(out), *store(folder)]
    assert main(capsys, *run, "--reps", "1")[0] == 0
    chart = fake_chart(out)
    status, _, err = main(capsys, *run, "--reps", "1")  # the very same run: its files stay
    assert status == 0 and chart.exists() and "cleared" not in err
    status, _, err = main(capsys, *run, "--reps", "2")
    assert status == 0
    assert f"note: {out}: cleared" in err and not chart.exists()
    assert sorted(pd.read_csv(out / "summary.csv")["seed"]) == [1, 2]


def test_other_files_in_an_output_folder_are_left_alone(here, folder, capsys):
    out = here / "mine"
    run = ["--reps", "1", "--no-charts", "--out", str(out), *store(folder)]
    assert main(capsys, "run", "small.toml", *run)[0] == 0
    (out / "notes.txt").write_text("my notes")
    assert main(capsys, "run", "cap4.toml", *run, "--replace")[0] == 0
    assert (out / "notes.txt").read_text() == "my notes"


# ---------------------------------------------------------------- run keeps what it computed


def test_run_keeps_every_table_in_the_store_and_reads_a_repeated_run_back(here, tmp_path, capsys):
    args = ["run", "small.toml", "--reps", "2", "--no-charts", "--store", str(tmp_path / "own-store")]
    status, out, err = main(capsys, *args, "--out", "first", "--workers", "2")
    assert status == 0, err
    assert "reused 0 of 2 replications, ran 2 on 2 worker processes" in out
    status, out, err = main(capsys, *args, "--out", "second")
    assert status == 0, err
    assert "reused 2 of 2 replications, ran 0" in out
    for table in ("households.parquet", "offers.parquet", "daily.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(here / "first" / table), pd.read_parquet(here / "second" / table)
        )
    assert (here / "first" / "summary.csv").read_text() == (here / "second" / "summary.csv").read_text()


def test_a_stored_run_without_its_tables_is_run_again(here, tmp_path, capsys):
    """A replication stored by compare (summary and daily table only) is completed by run."""
    own = ["--store", str(tmp_path / "own-store"), "--workers", "1"]
    assert main(capsys, "compare", "small.toml", "cap4.toml", "--reps", "1", *own)[0] == 0
    status, out, err = main(capsys, "run", "small.toml", "--reps", "1", "--no-charts", *own)
    assert status == 0, err
    assert "reused 0 of 1 replications, ran 1" in out
    assert len(pd.read_parquet(here / "out" / "small" / "households.parquet"))


# ---------------------------------------------------------------- titles in the console


def test_the_comparison_table_shows_titles_in_the_language_asked_for(here, folder, capsys):
    status, out, err = main(
        capsys, "compare", "small.toml", "cap4.toml", "--reps", "2", "--lang", "zh", *store(folder)
    )
    assert status == 0, err
    assert "\n  保障总年限4年（cap4）：累计保障年限上限为4年\n" in out
    table = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            "figure": ["waiting_mean"] * 2,
            "mean": [1.0, 2.0],
            "ci_low": [0.5, 1.5],
            "ci_high": [1.5, 2.5],
            "diff_mean": [0.0, 1.0],
            "diff_ci_low": [0.0, 0.5],
            "diff_ci_high": [0.0, 1.5],
        }
    )
    text = format_comparison(table, "zh", {"a": "基准", "b": "保障总年限4年"})
    assert "保障总年限4年" in text and " b " not in text


def test_a_whole_number_beyond_any_float_is_refused_in_one_line(here, capsys):
    huge = "9" * 400
    status, out, err = main(capsys, "run", "small.toml", "--set", f"lease.max_total_years={huge}")
    assert (status, out) == (2, "")
    assert err == (
        "error: --set: lease.max_total_years: must be a number of at most 308 digits, "
        "got a whole number of 400\n"
    )


def test_the_heading_of_an_interrupted_run_names_the_seeds_that_did_not_finish():
    from analysis.reporting.console import run_heading

    cap8 = load_scenario("cap8")
    assert (
        run_heading(cap8, [1, 2, 4], "en")
        == "Total-tenure cap of 8 years (cap8): 3 replications, seeds 1–4 except 3"
    )
    assert run_heading(cap8, [1, 2, 3], "zh") == "保障总年限延长至8年（cap8）：3次重复，随机种子 1–3"


def test_a_stored_table_cut_short_is_ignored_and_run_again(here, tmp_path, capsys):
    own = ["--store", str(tmp_path / "own-store"), "--workers", "1", "--no-charts"]
    assert main(capsys, "run", "small.toml", "--reps", "1", *own)[0] == 0
    (households,) = (tmp_path / "own-store").rglob("*.households.parquet")
    households.write_bytes(households.read_bytes()[:100])
    status, out, err = main(capsys, "run", "small.toml", "--reps", "1", *own)
    assert status == 0, err
    assert "reused 0 of 1 replications, ran 1" in out and "1 unreadable store files ignored" in out
    assert len(pd.read_parquet(here / "out" / "small" / "households.parquet"))


@pytest.mark.slow
def test_a_briefing_with_overrides_is_named_after_them_and_keeps_both_languages(here, folder, capsys):
    args = [
        "briefing",
        "small.toml",
        "cap4.toml",
        "--set",
        "queue.validity_years=1",
        "--reps",
        "2",
        *store(folder),
    ]
    assert main(capsys, *args, "--lang", "zh")[0] == 0
    assert main(capsys, *args, "--lang", "en")[0] == 0
    pack = here / "out" / "briefing" / "small+queue.validity_years=1-vs-cap4+queue.validity_years=1"
    assert (pack / "briefing.zh.pdf").is_file() and (pack / "briefing.en.pdf").is_file()
    markdown = (pack / "comparison.zh.md").read_text(encoding="utf-8")
    assert "保障总年限4年 + 准入资格有效期=1" in markdown
