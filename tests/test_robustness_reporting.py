"""Charts and the briefing page of a robustness study (``run.py robustness``): the influence
chart with its noise floor and the difference against the top inputs, in both languages, redrawn by
``charts DIR``; the briefing page's sentences (the share of plausible worlds, the assumptions it depends
on, what data would settle them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import cli
from analysis.experiments.outputs import read_robustness
from analysis.reporting import charts
from analysis.reporting.briefing import robustness_findings, robustness_section
from analysis.reporting.charts import robustness as robust_charts
from analysis.reporting.charts.folders import draw_robustness, robustness_figures
from analysis.reporting.terms import term

ROOT = Path(__file__).resolve().parents[1]
WAIT = "wait_apply_to_movein_mean"


@pytest.fixture(autouse=True)
def low_resolution(monkeypatch):
    monkeypatch.setattr(charts.style, "DPI", 40)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """A tiny study of the validation queue (3 years) against one more unit: 2 Morris trajectories, one
    replication a point, 2 at the scenarios' own values."""
    d = tmp_path_factory.mktemp("robustness")
    (d / "mmc3.toml").write_text(
        f'base = "{ROOT / "scenarios" / "validation" / "mmc.toml"}"\nname = "mmc3"\n'
        "[calendar]\nhorizon_years = 3\n",
        encoding="utf-8",
    )
    (d / "mmc3_more.toml").write_text(
        'base = "mmc3.toml"\nname = "mmc3_more"\n[supply]\ninitial_units = 11\n', encoding="utf-8"
    )
    (d / "ranges.toml").write_text(
        "[ranges.arrivals]\n"
        'applications_per_year = {low = 600, high = 1100, reason = "r", settled_by = "the receipts"}\n'
        "[ranges.supply]\n"
        'turnaround_days = {low = 0, high = 0.5, reason = "r", settled_by = "the operator\'s log"}\n',
        encoding="utf-8",
    )
    out = d / "out"
    status = cli.main(
        [
            "robustness",
            str(d / "mmc3.toml"),
            str(d / "mmc3_more.toml"),
            "--ranges",
            str(d / "ranges.toml"),
            "--samples",
            "2",
            "--reps",
            "1",
            "--center-reps",
            "2",
            "--figure",
            WAIT,
            "--figure",
            "move_ins",
            "--out",
            str(out),
            "--store",
            str(d / "store"),
            "--workers",
            "1",
        ]
    )
    assert status == 0
    return out


def _texts(fig) -> list[str]:
    found = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        found += [t.get_text() for t in [*ax.texts, *ax.get_yticklabels()]]
        legend = ax.get_legend()
        found += [t.get_text() for t in legend.get_texts()] if legend else []
    for legend in fig.legends:
        found += [t.get_text() for t in legend.get_texts()]
    return found


def test_the_command_draws_both_charts_of_each_figure(study):
    for figure in (WAIT, "move_ins"):
        for name in ("influence", "difference"):
            assert (study / "charts" / f"robustness_{name}_{figure}.en.png").exists()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_redraws_a_robustness_folder_in_both_languages(study, tmp_path, capsys, lang):
    copy = tmp_path / "copy"
    shutil.copytree(study, copy, ignore=shutil.ignore_patterns("charts"))
    assert cli.main(["charts", str(copy), "--lang", lang]) == 0
    drawn = sorted(p.name for p in (copy / "charts").iterdir())
    assert f"robustness_influence_{WAIT}.{lang}.png" in drawn
    assert f"robustness_difference_{WAIT}.{lang}.svg" in drawn
    assert "charts: 8 files" in capsys.readouterr().out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_influence_chart_shows_the_noise_floor_as_a_bar_a_line_and_a_legend_entry(study, lang):
    data = read_robustness(study)
    fig = robust_charts.influence_chart(data.indices, WAIT, lang, keys=data.keys)
    floor = term("table.noise_floor", lang)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[-1] == floor  # its own bar, last
    assert floor in [t.get_text() for t in fig.legends[0].get_texts()]
    noise = data.indices[
        (data.indices["figure"] == WAIT)
        & (data.indices["measure"] == "difference")
        & (data.indices["input"] == "noise")
    ]
    lines = [ln.get_xdata()[0] for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"]
    assert lines == pytest.approx([float(noise["mu_star"].iloc[0])])
    assert term("key.arrivals.applications_per_year", lang) in labels  # a key with a label is named by it


def test_inputs_above_the_floor_are_highlighted_and_the_rest_summarised():
    rows = [
        {"input": f"k{i}", "rank": i, "mu_star": 30.0 - i, "above_noise": i <= 2} for i in range(1, 16)
    ] + [{"input": "noise", "rank": 0, "mu_star": 27.5, "above_noise": False}]
    indices = pd.DataFrame(rows).assign(
        figure=WAIT,
        measure="difference",
        method="morris",
        mu_star_ci_low=lambda d: d["mu_star"] - 1,
        mu_star_ci_high=lambda d: d["mu_star"] + 1,
        sigma=1.0,
        S1=float("nan"),
        S1_ci_low=float("nan"),
        S1_ci_high=float("nan"),
    )
    fig = robust_charts.influence_chart(indices, WAIT, "en")
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == robust_charts.SHOWN + 1  # 12 inputs and the floor
    colours = [b.get_facecolor() for b in bars[:3]]
    assert colours[0] == colours[1] != colours[2]  # k1, k2 above the floor; k3 not
    assert any("3 more inputs, all at most 17" in t for t in _texts(fig))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_robustness_figures_of_a_folder_are_drawn_without_missing_data(study, lang):
    figs = robustness_figures(study, lang)
    assert set(figs) == {
        f"robustness_{n}_{f}" for n in ("influence", "difference") for f in (WAIT, "move_ins")
    }
    assert term("chart.no_data", lang) not in _texts(figs[f"robustness_difference_{WAIT}"])


def test_draw_robustness_writes_into_out_dir(study, tmp_path):
    paths = draw_robustness(study, "en", tmp_path / "c")
    assert paths and all(p.parent == tmp_path / "c" for p in paths)


def _made_up(study: Path, tmp_path: Path) -> Path:
    """The study's folder with indices made up: two inputs above the noise floor on the mean wait."""
    folder = tmp_path / "made_up"
    shutil.copytree(study, folder, ignore=shutil.ignore_patterns("charts"))
    idx = pd.read_csv(folder / "indices.csv")
    mine = (idx["figure"] == WAIT) & (idx["measure"] == "difference")
    idx.loc[mine & (idx["input"] != "noise"), "above_noise"] = True
    idx.loc[mine & (idx["input"] != "noise"), ["mu_star", "mu_star_ci_low", "mu_star_ci_high"]] = [40, 30, 50]
    idx.to_csv(folder / "indices.csv", index=False)
    holds = pd.read_csv(folder / "holds.csv")
    holds.loc[holds["figure"] == WAIT, ["share", "share_ci_low", "share_ci_high"]] = [0.94, 0.81, 0.99]
    holds.to_csv(folder / "holds.csv", index=False)
    return folder


def test_the_briefing_page_says_where_the_conclusion_holds_and_what_would_settle_it(study, tmp_path):
    folder = _made_up(study, tmp_path)
    data = read_robustness(folder)
    en = robustness_findings(data, ("mmc3", "mmc3_more"), "en")
    text = "\n".join(en)
    assert "holds in 94% of plausible worlds [81%, 99%]" in text
    assert "Only 2 of the 2 ranged assumptions" in text  # fewer than three above the floor: said
    assert "Applications a year (arrivals.applications_per_year), assumed" in text
    assert "Data that would settle it: the receipts." in text
    assert "Data that would settle it: the operator's log." in text
    zh = "\n".join(robustness_findings(data, ("mmc3", "mmc3_more"), "zh"))
    assert "在94%的合理情形中成立 [81%, 99%]" in zh
    assert "可确定该参数的数据：the receipts。" in zh and "年申请量（arrivals.applications_per_year）" in zh
    section = robustness_section(folder, ("mmc3", "mmc3_more"), "en")
    assert list(section.charts) == [f"robustness_influence_{WAIT}"]
    assert "holds in 94%" in section.markdown


def test_the_briefing_page_says_when_no_assumption_clears_the_noise_floor(study, tmp_path):
    folder = _made_up(study, tmp_path)
    idx = pd.read_csv(folder / "indices.csv")
    idx["above_noise"] = False
    idx.to_csv(folder / "indices.csv", index=False)
    text = "\n".join(robustness_findings(read_robustness(folder), ("a", "b"), "en"))
    assert "None of the 2 ranged assumptions moves the difference beyond the noise floor" in text
    assert "settle" not in text


def test_briefing_refuses_a_robustness_folder_of_other_scenarios(study, tmp_path, capsys):
    status = cli.main(
        ["briefing", "baseline", "cap8", "--robustness", str(study), "--out", str(tmp_path / "b")]
    )
    err = capsys.readouterr().err
    assert status == 2 and "--robustness" in err and "not a study of baseline vs cap8" in err
    assert not (tmp_path / "b").exists()
