"""The reporting of a reform's decomposition (analysis.reporting.charts.decompose and the briefing's
decomposition section): waterfalls, the table of shares by group of applicants, the sentences, the PDF.

The decomposition tables are built directly in the shape of ``decomposition.csv`` (no simulation): three
changes, each with an effect alone, a Shapley share and a cumulative step, plus the total and the
interaction, consistent with one another (shares and steps sum to the total; the interaction is the total
minus the changes alone).
"""

from __future__ import annotations

import io
import math
import re
import warnings

import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from analysis.reporting import briefing, charts
from analysis.reporting.charts import decompose
from analysis.reporting.terms import TERMS
from sim.records import GROUPS
from tests.test_charts import MIN_CELL, _glyph_warnings, _pdf_fonts, write_compare

CHANGES = {
    "cap": "lease.max_total_years;lease.term_years",
    "validity": "queue.validity_years",
    "review": "review.working_days",
}
STEP_ORDER = {"validity": 1, "cap": 2, "review": 3}  # not the table's order, as an agency might add them
#: The base's mean of each figure (shares as fractions).
BASE_LEVEL = {
    "wait_apply_to_movein_mean": 620.0,
    "wait_apply_to_movein_p90": 1400.0,
    "move_ins": 2600.0,
    "housed_share": 0.62,
    **{f"wait_mean_{g}": 500.0 + 40 * i for i, g in enumerate(GROUPS)},
    **{f"housed_{g}": 400.0 for g in GROUPS},
}
#: Per figure: each change's effect alone, and the interaction (total minus the sum alone).
EFFECTS = {
    "wait_apply_to_movein_mean": ({"cap": -90.0, "validity": 25.0, "review": -10.0}, -30.0),
    "wait_apply_to_movein_p90": ({"cap": -200.0, "validity": 60.0, "review": -20.0}, -50.0),
    "move_ins": ({"cap": 300.0, "validity": -40.0, "review": 20.0}, 10.0),
    "housed_share": ({"cap": 0.05, "validity": -0.02, "review": 0.004}, 0.003),
    **{
        f"wait_mean_{g}": ({"cap": -60.0 - 10 * i, "validity": 15.0, "review": -5.0}, -8.0)
        for i, g in enumerate(GROUPS)
    },
    **{f"housed_{g}": ({"cap": 40.0, "validity": -5.0, "review": 0.0}, 0.0) for g in GROUPS},
}


def _half(x: float) -> float:
    return 0.25 * abs(x) + 1e-9


def make_decomposition(effects=EFFECTS, method="exact", reps=20) -> pd.DataFrame:
    """``decomposition.csv`` of three changes: a Shapley share is the change alone plus an equal part of
    the interaction; the cumulative steps, in ``STEP_ORDER``, add the interaction at the last step."""
    rows = []
    for figure, (alone, inter) in effects.items():
        total = sum(alone.values()) + inter
        ordered = sorted(alone, key=STEP_ORDER.get)
        steps = {c: alone[c] + (inter if c == ordered[-1] else 0.0) for c in alone}
        for change, a in alone.items():
            shapley = a + inter / len(alone)
            rows.append(
                {
                    "figure": figure,
                    "change": change,
                    "keys": CHANGES[change],
                    **_with_ci("alone", a),
                    "step_order": STEP_ORDER[change],
                    **_with_ci("step", steps[change]),
                    **_with_ci("shapley", shapley),
                    "method": method,
                    "reps": reps,
                }
            )
        # the interaction (total minus the changes alone) is in the alone columns only, as
        # ``analysis.experiments.decompose.decomposition_table`` writes it
        nan = {f"{c}{s}": math.nan for c in ("step", "shapley") for s in ("", "_ci_low", "_ci_high")}
        for change, value in (("total", total), ("interaction", inter)):
            rows.append(
                {
                    "figure": figure,
                    "change": change,
                    "keys": "",
                    **_with_ci("alone", value),
                    "step_order": 0,
                    **_with_ci("step", value),
                    **_with_ci("shapley", value),
                    **(nan if change == "interaction" else {}),
                    "method": method,
                    "reps": reps,
                }
            )
    return pd.DataFrame(rows)


def _with_ci(name: str, value: float) -> dict:
    return {name: value, f"{name}_ci_low": value - _half(value), f"{name}_ci_high": value + _half(value)}


@pytest.fixture(autouse=True)
def low_resolution(monkeypatch):
    """PNGs at 40 dpi instead of 300: the same drawing, a fraction of the time."""
    monkeypatch.setattr(charts.style, "DPI", 40)


def _bars(fig):
    """The drawn bars of a waterfall, left to right: (bottom, top, colour)."""
    ax = fig.axes[0]
    rects = sorted((p for p in ax.patches if isinstance(p, Rectangle)), key=lambda p: p.get_x())
    return [(p.get_y(), p.get_y() + p.get_height(), to_hex(p.get_facecolor())) for p in rects]


@pytest.mark.parametrize("kind", ["shapley", "steps"])
@pytest.mark.parametrize("figure", decompose.MAIN_FIGURES)
def test_the_waterfall_runs_from_the_base_level_to_the_reform_level(kind, figure):
    """Each change's bar starts where the one before ends: the first at the base's level, the last at
    the reform's (the base's plus the total effect), in the data and in the drawn bars."""
    table = make_decomposition()
    steps = decompose.waterfall_steps(table, figure, BASE_LEVEL, kind)
    alone, inter = EFFECTS[figure]
    total = sum(alone.values()) + inter
    moved = steps[steps["kind"] == "change"]
    assert moved["start"].iloc[0] == BASE_LEVEL[figure]
    assert moved["start"].iloc[1:].tolist() == pytest.approx(moved["end"].iloc[:-1].tolist())
    assert moved["end"].iloc[-1] == pytest.approx(BASE_LEVEL[figure] + total)
    assert steps["end"].iloc[-1] == pytest.approx(BASE_LEVEL[figure] + total)

    scale = 100.0 if figure == "housed_share" else 1.0
    bars = _bars(decompose.waterfall_chart(table, figure, BASE_LEVEL, "en", kind=kind))
    assert len(bars) == 2 + len(alone)
    assert bars[0][1] == pytest.approx(BASE_LEVEL[figure] * scale)  # the base's level
    reform_top = bars[-1][1]
    assert reform_top == pytest.approx((BASE_LEVEL[figure] + total) * scale)
    level = bars[0][1]
    for low, high, _ in bars[1:-1]:  # each bar spans from the level so far to the next
        assert level in (pytest.approx(low), pytest.approx(high))
        level = low if math.isclose(high, level) else high
    assert level == pytest.approx(reform_top)


def test_the_waterfall_colours_increases_and_decreases_by_sign_and_follows_the_step_order():
    table = make_decomposition()
    figure = "wait_apply_to_movein_mean"  # cap shortens the wait, validity lengthens it, review shortens
    fig = decompose.waterfall_chart(table, figure, BASE_LEVEL, "en", scenarios=("baseline", "successor"))
    colours = [c for _, _, c in _bars(fig)[1:-1]]
    assert colours == [decompose.DECREASE.lower(), decompose.INCREASE.lower(), decompose.DECREASE.lower()]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [
        "baseline",
        "cap",
        "validity",
        "review",
        "successor",
    ]
    fig = decompose.waterfall_chart(table, figure, BASE_LEVEL, "en", kind="steps")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks[1:-1] == ["+ validity", "+ cap", "+ review"]  # step_order, not the table's order
    steps = EFFECTS[figure][0]["validity"], EFFECTS[figure][0]["cap"]
    colours = [c for _, _, c in _bars(fig)[1:3]]
    assert colours == [decompose.INCREASE.lower() if s > 0 else decompose.DECREASE.lower() for s in steps]


def _subtitle(fig) -> str:
    return fig.texts[1].get_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_decomposition_charts_draw_in_both_languages_without_missing_glyphs(lang):
    """Every chart of the section, exact and sampled, in Chinese and English: no glyph missing; the
    subtitle says whether the shares are exact or sampled, and the replications."""
    base_level = BASE_LEVEL | {"housed_employer": 6.0}
    figure = "wait_apply_to_movein_mean"
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        figs = briefing.decomposition_section(
            make_decomposition(), base_level, ("基准", "改革"), lang, MIN_CELL
        )
        figs = figs.charts
        sampled = decompose.waterfall_chart(
            make_decomposition(method="sampled", reps=12), figure, base_level, lang
        )
        for fig in [*figs.values(), sampled]:
            fig.savefig(io.BytesIO(), format="png", dpi=30)
    assert _glyph_warnings(record) == []
    exact = _subtitle(figs[f"decompose_waterfall_{figure}"])
    assert ("精确" if lang == "zh" else "Exact") in exact and "20" in exact
    assert ("抽样估计" if lang == "zh" else "Sampled") in _subtitle(sampled) and "12" in _subtitle(sampled)


# ---------------------------------------------------------------- who gains, who loses (Art. 27)


def test_a_group_housing_fewer_than_min_cell_is_suppressed_in_the_table_and_the_chart():
    table = make_decomposition()
    # employer staff: 6 housed in the base; family: 12 in the base but 12 + 40 - 5 ... in the reform
    effects = dict(EFFECTS) | {"housed_family": ({"cap": -3.0, "validity": 0.0, "review": 0.0}, 0.0)}
    table = make_decomposition(effects)
    levels = BASE_LEVEL | {"housed_employer": 6.0, "housed_family": 12.0}
    del levels["housed_single"]  # not known: counts as small
    groups = decompose.group_share_table(table, levels, MIN_CELL)
    small = groups.groupby("group")["suppressed"].all()
    assert small.to_dict() == {
        "single": True,
        "family": True,  # 12 - 3 = 9 in the reform
        "employer": True,
        "priority": False,
        "other_sector": False,
    }
    assert groups.loc[groups["suppressed"], ["shapley", "ci_low", "ci_high"]].isna().all().all()
    assert set(groups["change"]) == {"cap", "validity", "review", "total"}
    # exactly min_cell is shown
    shown = decompose.group_share_table(table, BASE_LEVEL | {"housed_employer": float(MIN_CELL)}, MIN_CELL)
    assert not shown[shown["group"] == "employer"]["suppressed"].any()

    fig = decompose.group_share_chart(table, levels, "en", min_cell=MIN_CELL)
    marked = [t.get_text() for t in fig.axes[0].texts if "suppressed" in t.get_text()]
    assert len(marked) == 3  # one note a suppressed group, no dots
    dots = {line.get_ydata()[0] for line in fig.axes[0].lines if len(line.get_xdata()) == 1}
    assert len(dots) == 2 * 4  # two groups shown, three changes and the total each


# ---------------------------------------------------------------- the briefing's sentences


def _sentence(effects, figure="wait_apply_to_movein_mean", lang="en") -> str:
    table = make_decomposition({figure: effects})
    return briefing.decomposition_sentence(table, figure, "baseline", "successor", lang)


def test_the_sentence_names_the_largest_share_and_changes_that_reinforce():
    # alone: -90, +25, -10 (sum -75); interaction -30, the sign of the sum: together they do more
    text = _sentence(({"cap": -90.0, "validity": 25.0, "review": -10.0}, -30.0))
    assert "changes it by -105 days" in text
    assert "cap contributes most (-100 days" in text
    assert "while validity works the other way (+15 days)" in text
    assert "reinforce each other: the interaction is -30 days (-38 to -22)" in text
    zh = _sentence(({"cap": -90.0, "validity": 25.0, "review": -10.0}, -30.0), lang="zh")
    assert "其中cap贡献最大（-100天" in zh and "相互加强" in zh


def test_the_sentence_says_when_changes_cancel_or_act_as_if_independent():
    # the same changes alone, an interaction of the opposite sign: together they do less
    text = _sentence(({"cap": -90.0, "validity": 25.0, "review": -10.0}, 30.0))
    assert "partly cancel each other: the interaction is +30 days" in text
    # move-ins: validity is largest here, and no interaction (its CI includes zero)
    text = _sentence(({"cap": 30.0, "validity": -200.0, "review": 5.0}, 0.0), figure="move_ins")
    assert "validity contributes most (-200 households" in text
    assert "no interaction shows" in text and "reinforce" not in text and "cancel" not in text
    assert "相互抵消" in _sentence(({"cap": -90.0, "validity": 25.0, "review": -10.0}, 30.0), lang="zh")


def test_the_findings_state_the_method_and_one_sentence_a_main_figure():
    found = briefing.decomposition_findings(
        make_decomposition(method="sampled"), ("baseline", "successor"), "en"
    )
    assert found[0].startswith(
        "Decomposition: successor makes 3 changes to baseline; sampled Shapley estimate"
    )
    assert len(found) == 1 + len(decompose.MAIN_FIGURES)


# ---------------------------------------------------------------- the pack


@pytest.mark.parametrize("lang", ["zh", pytest.param("en", marks=pytest.mark.slow)])
def test_the_briefing_builds_with_the_decomposition_section(tmp_path, monkeypatch, lang):
    """``build_briefing(..., decomposition=)``: the section's pages follow the comparison's charts; its
    charts, group table (CSV) and Markdown are written; fonts embedded, none Type 3."""
    every_chart = briefing.compare_figures
    monkeypatch.setattr(
        briefing, "compare_figures", lambda *a, **kw: {"lapse_rate": every_chart(*a, **kw)["lapse_rate"]}
    )
    folder = write_compare(tmp_path / "compare", names=("baseline", "successor"))
    csv = tmp_path / "decomposition.csv"
    table = make_decomposition()
    # one main figure (two waterfalls) and the groups' figures, to be quick
    table[~table["figure"].isin(decompose.MAIN_FIGURES[1:])].to_csv(csv, index=False)
    out = tmp_path / "pack"
    pdf = briefing.build_briefing(folder, lang, out, decomposition=csv)
    raw = pdf.read_bytes()
    section = 1 + 1 + 2 + 1  # sentences, group table, two waterfalls, shares by group
    md = (out / f"comparison.{lang}.md").read_text(encoding="utf-8")
    findings = md.split("\n## ")[1]  # the first section: the findings, which may take two pages
    n_findings = len(briefing.findings_pages([ln[2:] for ln in findings.splitlines() if ln.startswith("- ")]))
    assert len(re.findall(rb"/Type\s*/Page\b", raw)) == briefing.page_count(2, 1, n_findings) + section
    subtypes, descriptors, files = _pdf_fonts(raw)
    assert subtypes and b"Type3" not in subtypes and files == descriptors > 0
    md = (out / f"comparison.{lang}.md").read_text(encoding="utf-8")
    assert (
        f"## {TERMS['briefing.decompose.title'].zh if lang == 'zh' else TERMS['briefing.decompose.title'].en}"
        in md
    )
    groups = pd.read_csv(out / f"decomposition_groups.{lang}.csv")
    assert set(groups["group"]) == set(GROUPS) and "label" in groups
    assert (out / "charts" / f"decompose_waterfall_wait_apply_to_movein_mean.{lang}.png").exists()
    assert (out / "charts" / f"decompose_groups.{lang}.png").exists()
