"""Charts and the briefing pack (analysis.reporting: charts, briefing, fonts).

Small data frames are built directly (no simulation), in the shapes a run, compare and sweep folder
hold, so that every chart is drawn in both languages in a few seconds.
"""

from __future__ import annotations

import io
import json
import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from scipy import stats

from analysis import stats as project_stats
from analysis.experiments import outputs
from analysis.reporting import briefing, charts, fonts
from analysis.reporting.terms import TERMS
from sim import SUMMARY_FIGURES

SEEDS = (1, 2, 3, 4)
N_DAYS = 3 * 365  # three years
MIN_CELL = 10
#: The constructed effect of the variant: its mean wait is the baseline's plus these days, seed by seed.
WAIT_SHIFT = {1: 28.0, 2: 30.0, 3: 32.0, 4: 30.0}


# ---------------------------------------------------------------- small data in the folders' shapes


def make_replications(names=("baseline", "cap8"), seeds=SEEDS) -> pd.DataFrame:
    """``scenario, seed`` and every summary figure; the second scenario's mean wait is the first's
    plus WAIT_SHIFT, its occupancy 2 points lower."""
    rng = np.random.default_rng(7)
    rows = []
    base = {}
    for s in seeds:
        base[s] = {f: float(rng.uniform(50, 500)) for f in SUMMARY_FIGURES}
        for f in SUMMARY_FIGURES:
            if TERMS[f].unit == "share":
                base[s][f] = float(rng.uniform(0.85, 0.95))
            if f.startswith("housed_"):
                base[s][f] = float(rng.integers(40, 400))
        base[s]["wait_apply_to_movein_mean"] = 250.0 + 10 * s
    for i, name in enumerate(names):
        for s in seeds:
            row = {"scenario": name, "seed": s, **base[s]}
            if i:
                row["wait_apply_to_movein_mean"] += WAIT_SHIFT[s] * i
                row["occupancy_rate"] -= 0.0203 * i + 0.001 * s
                row["wait_mean_family"] += 5.0 * i
            rows.append(row)
    return pd.DataFrame(rows)


def make_daily(names=("baseline", "cap8"), seeds=SEEDS, n_days=N_DAYS) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    parts = []
    day = np.arange(n_days)
    for i, name in enumerate(names):
        for s in seeds:
            units = 3000 + 500 * (day // 180)
            units = np.minimum(units, 5000)
            parts.append(
                pd.DataFrame(
                    {
                        "scenario": name,
                        "seed": s,
                        "day": day,
                        "date": pd.Timestamp("2021-10-22") + pd.to_timedelta(day, unit="D"),
                        "units_total": units,
                        "units_occupied": (units * rng.uniform(0.9, 0.98, n_days)).astype(int),
                        "waiting": (300 + day * (0.5 + 0.1 * i) + rng.normal(0, 20, n_days))
                        .clip(0)
                        .astype(int),
                        "exits": rng.poisson(4, n_days),
                        "move_ins": rng.poisson(4, n_days),
                        "lapses": rng.poisson(0.2, n_days),
                        # none housed in the first 30 days: NaN, as the engine writes it
                        "published_wait_12m": np.where(day < 30, np.nan, 200 + 0.1 * day + 20 * i),
                        "waited_so_far": 150 + rng.normal(0, 10, n_days),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def make_households(seeds=SEEDS, per_seed=300) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    reasons = [
        "cap",
        "not_renewed",
        "other_housing",
        "job_change",
        "subletting",
        "employer_relocation",
        "other",
    ]
    parts = []
    for s in seeds:
        applied = rng.uniform(0, N_DAYS - 200, per_seed)
        moved = applied + rng.gamma(4, 50, per_seed)
        moved[rng.random(per_seed) < 0.2] = np.nan
        exit_day = moved + rng.uniform(100, 900, per_seed)
        exit_day[exit_day >= N_DAYS] = np.nan
        reason = pd.array([reasons[k] for k in rng.integers(0, len(reasons), per_seed)], dtype="string")
        reason[np.isnan(exit_day)] = pd.NA
        parts.append(
            pd.DataFrame(
                {
                    "seed": s,
                    "initial": rng.random(per_seed) < 0.1,
                    "applied_day": applied,
                    "moved_in_day": moved,
                    "exit_day": exit_day,
                    "exit_reason": reason,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def comparison_csv(reps: pd.DataFrame, names) -> pd.DataFrame:
    """``comparison.csv`` as ``run.py compare`` writes it, from the per-replication table."""
    rows = []
    figures = [c for c in reps.columns if c not in ("scenario", "seed")]
    for f in figures:
        level = project_stats.ci_table(reps, ["scenario"], f).set_index("scenario")
        diffs = project_stats.paired_diff_table(reps, f, names[0]).set_index("scenario")
        for name in names:
            d = diffs.loc[name] if name in diffs.index else None
            rows.append(
                {
                    "figure": f,
                    "scenario": name,
                    "mean": level.loc[name, "mean"],
                    "ci_low": level.loc[name, "ci_low"],
                    "ci_high": level.loc[name, "ci_high"],
                    "diff_mean": d["mean"] if d is not None else math.nan,
                    "diff_ci_low": d["ci_low"] if d is not None else math.nan,
                    "diff_ci_high": d["ci_high"] if d is not None else math.nan,
                }
            )
    return pd.DataFrame(rows)


def write_run(folder, name="baseline"):
    """A run folder; its ``scenarios.json`` sets a warm-up and cohort margin that fit three years."""
    folder.mkdir(parents=True)
    info = outputs.ScenarioInfo(name=name, warmup_days=100, cohort_margin_days=200)
    (folder / outputs.SCENARIOS_FILE).write_text(json.dumps({"scenarios": [info.__dict__]}), encoding="utf-8")
    reps = make_replications((name,)).drop(columns="scenario")
    reps.to_csv(folder / "summary.csv", index=False)
    make_daily((name,)).drop(columns="scenario").to_parquet(folder / "daily.parquet", index=False)
    make_households().to_parquet(folder / "households.parquet", index=False)
    return folder


def write_compare(folder, names=("baseline", "cap8"), reps=None):
    folder.mkdir(parents=True)
    reps = make_replications(names) if reps is None else reps
    comparison_csv(reps, list(names)).to_csv(folder / "comparison.csv", index=False)
    reps.to_parquet(folder / "replications.parquet", index=False)
    make_daily(names).to_parquet(folder / "daily.parquet", index=False)
    return folder


def write_sweep(folder, keys=("lease.max_total_years", "queue.validity_years")):
    folder.mkdir(parents=True)
    base = make_replications(("x",)).drop(columns="scenario")
    grid = {"lease.max_total_years": [4, 6, 8], "queue.validity_years": [1.0, 2.0, 3.0]}
    parts = []
    for a in grid[keys[0]]:
        for b in grid[keys[1]] if len(keys) > 1 else [None]:
            part = base.copy()
            part["wait_apply_to_movein_mean"] += 20 * a + (5 * b if b else 0)
            cols = {keys[0]: a, **({keys[1]: b} if b is not None else {})}
            for i, (k, v) in enumerate(cols.items()):
                part.insert(i, k, v)
            parts.append(part)
    reps = pd.concat(parts, ignore_index=True)
    reps.to_parquet(folder / "replications.parquet", index=False)
    pd.DataFrame({"figure": ["wait_apply_to_movein_mean"], "mean": [1.0]}).to_csv(
        folder / "cells.csv", index=False
    )
    return folder


@pytest.fixture(autouse=True)
def low_resolution(monkeypatch):
    """PNGs at 40 dpi instead of 300: the same drawing, a fraction of the time."""
    monkeypatch.setattr(charts.style, "DPI", 40)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("charts")
    return {
        "run": write_run(root / "baseline"),
        "compare": write_compare(root / "compare"),
        "sweep": write_sweep(root / "sweep"),
        "sweep1": write_sweep(root / "sweep1", keys=("lease.max_total_years",)),
    }


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


def _glyph_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "missing from" in str(w.message) or "Glyph" in str(w.message)]


# ---------------------------------------------------------------- fonts


def test_a_chinese_chart_raises_no_missing_glyph_warning():
    names = ("baseline", "cap8")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig = charts.waiting_list_chart(make_daily(names), "zh", target_units=5000, target_date="2025-12-31")
        fig.savefig(io.BytesIO(), format="png", dpi=40)
        fig = charts.group_wait_chart(make_replications(names), "zh", min_cell=MIN_CELL)
        fig.savefig(io.BytesIO(), format="svg")
    assert _glyph_warnings(record) == []


def test_every_chinese_term_is_drawn_without_missing_glyphs():
    """Every word of the table of terms, drawn in one figure: no glyph is missing from the shipped font."""
    from matplotlib.figure import Figure

    fonts.use_fonts("zh")
    fig = Figure(figsize=(4, 3))
    for i, t in enumerate(TERMS.values()):
        fig.text(0.01, (i % 50) / 50, t.zh + t.en, fontsize=6)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png", dpi=20)
    assert _glyph_warnings(record) == []


def test_the_shipped_font_covers_the_terms_and_is_small():
    from fontTools.ttLib import TTFont

    path = fonts.font_path()
    assert path.exists() and (path.parent / "OFL.txt").exists()
    assert path.stat().st_size < 4_000_000  # bytes: the subset, not the 16 MB face
    cmap = TTFont(str(path)).getBestCmap()
    missing = {ch for t in TERMS.values() for ch in t.zh if ord(ch) not in cmap}
    assert missing == set()


def test_the_face_drawn_is_the_shipped_subset_with_truetype_outlines():
    """PDFs embed the face as TrueType (pdf.fonttype 42): the converted face has the shipped one's
    characters, names and advance widths, with glyf outlines instead of CFF."""
    from fontTools.ttLib import TTFont

    shipped, drawn = TTFont(str(fonts.font_path())), TTFont(str(fonts.truetype_path()))
    assert "glyf" in drawn and "CFF " not in drawn and drawn.sfntVersion == "\x00\x01\x00\x00"
    assert drawn.getBestCmap() == shipped.getBestCmap()
    assert drawn["name"].getDebugName(1) == shipped["name"].getDebugName(1) == fonts.FAMILY
    assert [m[0] for m in drawn["hmtx"].metrics.values()] == [m[0] for m in shipped["hmtx"].metrics.values()]
    assert fonts.register() == fonts.FAMILY


def test_use_fonts_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="unknown language"):
        fonts.use_fonts("fr")


# ---------------------------------------------------------------- every chart, both languages


def _all_charts(lang: str):
    names = ("baseline", "cap8")
    reps, daily = make_replications(names), make_daily(names)
    hh = make_households()
    hh.insert(0, "scenario", "baseline")
    yield (
        "waiting_list",
        charts.waiting_list_chart(daily, lang, target_units=5000, target_date="2025-12-31", warmup_days=365),
    )
    yield "occupancy", charts.occupancy_chart(daily, lang, warmup_days=365)
    yield "published_waits", charts.published_waits_chart(daily, lang, warmup_days=365)
    waits = project_stats.cohort_waits(hh, 100, N_DAYS - 200)
    yield "wait_histogram", charts.wait_histogram_chart(waits, lang)
    yield "wait_stats", charts.wait_stats_chart(reps, lang)
    yield "mean_wait", charts.mean_wait_chart(reps, lang)
    yield "lapse_rate", charts.lapse_rate_chart(reps, lang)
    yield (
        "exits_by_reason",
        charts.exits_by_reason_chart(project_stats.yearly_exits(hh, N_DAYS, "2021-10-22"), lang),
    )
    yield "exits_per_year", charts.exits_per_year_chart(daily, lang)
    yield "exit_reasons", charts.exit_reasons_chart(reps, lang)
    yield "wait_by_group", charts.group_wait_chart(reps, lang, min_cell=MIN_CELL)
    yield "allocation_outcomes", charts.allocation_outcomes_chart(reps, lang)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_function_draws_a_file_in_both_languages(tmp_path, lang, folders):
    written = []
    for name, fig in _all_charts(lang):
        written += charts.save(fig, tmp_path, name, lang, dpi=40)
    reps = pd.read_parquet(folders["sweep"] / "replications.parquet")
    keys = outputs.sweep_keys(reps)
    written += charts.save(charts.sweep_line_chart(reps, keys[0], lang=lang), tmp_path, "line", lang, dpi=40)
    written += charts.save(
        charts.sweep_line_chart(reps, keys[0], lang=lang, by=keys[1]), tmp_path, "by", lang, dpi=40
    )
    written += charts.save(charts.sweep_heatmap_chart(reps, keys, lang=lang), tmp_path, "heat", lang, dpi=40)
    assert len(written) == 2 * 15
    for path in written:
        assert path.stat().st_size > 1000, path


def test_charts_have_a_title_and_labelled_axes():
    for name, fig in _all_charts("en"):
        texts = [t.get_text() for t in fig.texts]
        assert texts and texts[0], name  # the title
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            assert ax.get_xlabel() or ax.get_xticklabels(), name
        assert fig.axes[0].get_ylabel() or fig.axes[0].get_yticklabels(), name
        w, h = fig.get_size_inches()
        assert (w, h) == charts.FIGSIZE


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("names", [("baseline",), ("baseline", "cap8", "cap4", "validity3")])
def test_the_waiting_list_legend_fits_inside_the_figure(lang, names):
    """One scenario gives the longest entries ("baseline: Households on the waiting list (left axis)",
    the target with its date); several give many: either way the legend lies inside the figure."""
    fig = charts.waiting_list_chart(
        make_daily(names, seeds=(1, 2), n_days=400),
        lang,
        target_units=5000,
        target_date="2025-12-31",
        warmup_days=100,
    )
    canvas = FigureCanvasAgg(fig)  # a Figure made without pyplot has only the base canvas
    canvas.draw()
    renderer = canvas.get_renderer()
    (legend,) = fig.legends
    box, page = legend.get_window_extent(renderer), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, (box, page)
    # and below the axes, not over them
    assert box.y1 <= min(ax.get_tightbbox(renderer).y0 for ax in fig.axes) + 1


# ---------------------------------------------------------------- small cells (Art. 27)


def test_a_group_below_min_cell_is_suppressed_and_marked():
    reps = make_replications()
    # cap8 houses only 6 employer staff in one replication: below min_cell, so hidden
    reps.loc[(reps["scenario"] == "cap8") & (reps["seed"] == 3), "housed_employer"] = 6
    table = project_stats.group_wait_table(reps, MIN_CELL)
    row = table[(table["scenario"] == "cap8") & (table["group"] == "employer")].iloc[0]
    assert bool(row["suppressed"]) and math.isnan(row["mean"]) and math.isnan(row["diff_mean"])
    shown = table[(table["scenario"] == "baseline") & (table["group"] == "employer")].iloc[0]
    assert not shown["suppressed"] and math.isfinite(shown["mean"])
    # exactly min_cell is shown
    reps.loc[(reps["scenario"] == "cap8") & (reps["seed"] == 3), "housed_employer"] = MIN_CELL
    table = project_stats.group_wait_table(reps, MIN_CELL)
    assert not table[(table["scenario"] == "cap8") & (table["group"] == "employer")]["suppressed"].iloc[0]

    reps.loc[(reps["scenario"] == "cap8") & (reps["seed"] == 3), "housed_employer"] = 6
    fig = charts.group_wait_chart(reps, "en", min_cell=MIN_CELL)
    marked = [t.get_text() for ax in fig.axes for t in ax.texts if "suppressed" in t.get_text()]
    assert marked  # drawn as a note, not as a dot
    plotted = [line.get_xdata()[0] for line in fig.axes[0].lines if len(line.get_xdata()) == 1]
    assert row["mean"] not in plotted


def test_the_briefing_table_suppresses_small_groups_too(tmp_path):
    reps = make_replications()
    reps.loc[reps["scenario"] == "baseline", "housed_priority"] = 3
    data = outputs.read_compare(write_compare(tmp_path / "c", reps=reps))
    table = briefing.briefing_table(data)
    rows = table[table["figure"] == "wait_mean_priority"]
    assert rows["suppressed"].tolist() == [True, False]
    assert rows["diff_mean"].isna().all()  # the reference is suppressed: no difference either
    text = " ".join(briefing.findings(table, data.names, "en"))
    assert "Priority sectors" not in text


# ---------------------------------------------------------------- colours


def _legend_colours(fig) -> dict[str, str]:
    out = {}
    for legend in fig.legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
            colour = handle.get_color() if hasattr(handle, "get_color") else handle.get_facecolor()
            if not isinstance(colour, str) and len(colour) and not isinstance(colour[0], float):
                colour = colour[0]
            out[text.get_text()] = to_hex(colour)
    return out


def test_scenario_colours_are_the_same_in_every_chart():
    names = ("reserve30", "baseline", "cap8")  # baseline keeps its colour even when not first
    reps, daily = make_replications(names), make_daily(names)
    expected = {n: to_hex(c) for n, c in charts.scenario_colours(list(names)).items()}
    assert expected["baseline"] == to_hex(charts.PALETTE[0])
    assert len(set(expected.values())) == 3
    figs = [
        charts.waiting_list_chart(daily, "en"),
        charts.occupancy_chart(daily, "en"),
        charts.wait_stats_chart(reps, "en"),
        charts.exits_per_year_chart(daily, "en"),
        charts.exit_reasons_chart(reps, "en"),
        charts.group_wait_chart(reps, "en", min_cell=MIN_CELL),
        charts.allocation_outcomes_chart(reps, "en"),
    ]
    for fig in figs:
        seen = {k: v for k, v in _legend_colours(fig).items() if k in names}
        assert seen == expected
    # the mean-and-error plot has no legend: its dots carry the colours
    fig = charts.mean_wait_chart(reps, "en")
    dots = [to_hex(line.get_color()) for line in fig.axes[0].lines if line.get_marker() == "o"]
    assert dots == [expected[n] for n in names]


# ---------------------------------------------------------------- folders


def test_draw_any_recognises_run_compare_and_sweep_folders(folders, tmp_path):
    assert outputs.folder_kind(folders["run"]) == "run"
    assert outputs.folder_kind(folders["compare"]) == "compare"
    assert outputs.folder_kind(folders["sweep"]) == "sweep"
    with pytest.raises(outputs.NotAnOutputFolder, match="not a run, compare, sweep, decompose or robustness"):
        outputs.folder_kind(tmp_path)
    with pytest.raises(outputs.NotAnOutputFolder, match="no such folder"):
        charts.draw_any(tmp_path / "absent")


def test_a_chart_without_data_says_so():
    empty = pd.DataFrame(columns=["scenario", "seed", "wait"])
    fig = charts.wait_histogram_chart(empty, "zh")
    assert any(t.get_text() == TERMS["chart.no_data"].zh for ax in fig.axes for t in ax.texts)


@pytest.mark.slow
def test_draw_run_writes_png_and_svg_into_charts(folders):
    paths = charts.draw_run(folders["run"], "zh")
    names = {p.name for p in paths}
    assert "waiting_list.zh.png" in names and "waiting_list.zh.svg" in names
    assert "wait_distribution.zh.png" in names and "exits_by_reason.zh.png" in names
    assert "published_waits.zh.png" in names
    assert all(p.parent == folders["run"] / "charts" and p.exists() for p in paths)


@pytest.mark.slow
def test_draw_any_draws_compare_and_sweep_folders(folders, tmp_path):
    paths = charts.draw_any(folders["compare"], "en", out_dir=tmp_path / "c")
    assert {p.stem for p in paths} >= {"mean_wait.en", "wait_by_group.en", "waiting_list.en", "lapse_rate.en"}
    paths = charts.draw_any(folders["sweep"], "en", out_dir=tmp_path / "s")
    assert any(p.name.startswith("sweep_heatmap_wait_apply_to_movein_mean") for p in paths)
    paths = charts.draw_any(folders["sweep1"], "zh", out_dir=tmp_path / "s1")
    assert any(p.name.startswith("sweep_wait_apply_to_movein_mean_vs_lease.max_total_years") for p in paths)
    assert not any("heatmap" in p.name for p in paths)  # one key: no heat map


# ---------------------------------------------------------------- briefing


def _expected_ci(diffs) -> tuple[float, float, float]:
    d = np.asarray(diffs, dtype=float)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_briefing_pdf_pages_and_findings(folders, tmp_path, lang):
    out = tmp_path / "pack"
    pdf = briefing.build_briefing(folders["compare"], lang, out)
    assert pdf == out / f"briefing.{lang}.pdf" and pdf.exists()
    raw = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", raw))
    # title, findings on two pages (with the published waits), one table page for the one variant, ten charts
    assert pages == 14 == briefing.page_count(2, 10, findings_pages=2)
    for name in (f"briefing_table.{lang}.csv", f"comparison.{lang}.md"):
        assert (out / name).exists()
    assert len(list((out / "charts").glob(f"*.{lang}.png"))) == 10

    mean, low, high = _expected_ci(list(WAIT_SHIFT.values()))
    assert low > 0  # constructed to be significant
    md = (out / f"comparison.{lang}.md").read_text(encoding="utf-8")
    if lang == "en":
        sentence = (
            f"changes by +{mean:.0f} days (95% CI +{low:.0f} to +{high:.0f}) from baseline: significant"
        )
    else:
        sentence = f"较baseline变化+{mean:.0f}天（95%置信区间 +{low:.0f} 至 +{high:.0f}），差异显著"
    assert sentence in md

    # a negative difference keeps its sign: occupancy 2 points (and a little) lower under cap8
    occ = [-(0.0203 + 0.001 * s) * 100 for s in SEEDS]
    m, lo, hi = _expected_ci(occ)
    if lang == "en":
        assert f"changes by {m:.1f} percentage points (95% CI {lo:.1f} to {hi:.1f})" in md
    else:
        assert f"变化{m:.1f}个百分点（95%置信区间 {lo:.1f} 至 {hi:.1f}）" in md


@pytest.fixture(scope="module")
def two_briefings(folders, tmp_path_factory):
    """The briefing of one compare folder in Chinese, then in English, into the same folder; with two
    of its charts (waiting list, wait by group) rather than eight, and PNGs at 40 dpi, to be quick."""
    out = tmp_path_factory.mktemp("two_briefings")
    every_chart = briefing.compare_figures

    def two_charts(*args, **kw):
        figs = every_chart(*args, **kw)
        return {name: figs[name] for name in ("waiting_list", "wait_by_group")}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(briefing, "compare_figures", two_charts)
        mp.setattr(charts.style, "DPI", 40)
        pdfs = {lang: briefing.build_briefing(folders["compare"], lang, out) for lang in ("zh", "en")}
    return out, pdfs


@pytest.mark.slow
def test_briefings_in_two_languages_keep_their_own_files(two_briefings):
    """``briefing --lang en`` after ``--lang zh`` into one folder leaves the Chinese pack whole: every
    file in words has its language in its name; the charts already had."""
    out, pdfs = two_briefings
    assert pdfs == {"zh": out / "briefing.zh.pdf", "en": out / "briefing.en.pdf"}
    raw = {lang: re.sub(rb"/CreationDate \(.*?\)", b"", pdf.read_bytes()) for lang, pdf in pdfs.items()}
    assert raw["zh"].startswith(b"%PDF") and raw["en"].startswith(b"%PDF") and raw["zh"] != raw["en"]
    md = {lang: (out / f"comparison.{lang}.md").read_text(encoding="utf-8") for lang in pdfs}
    assert md["zh"].startswith(f"# {TERMS['briefing.title'].zh}")
    assert md["en"].startswith(f"# {TERMS['briefing.title'].en}")
    labels = {lang: pd.read_csv(out / f"briefing_table.{lang}.csv")["label"] for lang in pdfs}
    assert labels["zh"][0] != labels["en"][0]
    for lang in pdfs:
        assert {p.name for p in (out / "charts").glob(f"*.{lang}.*")} >= {
            f"waiting_list.{lang}.png",
            f"waiting_list.{lang}.svg",
        }
    # nothing left under the old, shared names
    assert not any((out / name).exists() for name in ("briefing.pdf", "briefing_table.csv", "comparison.md"))


def _pdf_fonts(raw: bytes) -> tuple[list[bytes], int, int]:
    """The subtypes of a PDF's font dictionaries, its font descriptors, and the font files embedded
    (matplotlib writes these dictionaries uncompressed)."""
    subtypes = re.findall(rb"/Type\s*/Font\b(?!Descriptor)[^>]*?/Subtype\s*/(\w+)", raw)
    descriptors = len(re.findall(rb"/Type\s*/FontDescriptor\b", raw))
    files = len(re.findall(rb"/FontFile[23]?\s+\d+\s+0\s+R", raw))
    return subtypes, descriptors, files


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_briefing_embeds_its_fonts_and_none_is_type3(two_briefings, lang):
    """The PDF prints the same everywhere: every font embedded as a font program (TrueType or CFF), none
    drawn as Type 3 procedures."""
    _, pdfs = two_briefings
    subtypes, descriptors, files = _pdf_fonts(pdfs[lang].read_bytes())
    assert subtypes and b"Type3" not in subtypes, subtypes
    assert descriptors > 0 and files == descriptors


def test_findings_say_not_significant_when_the_interval_includes_zero():
    row = {
        "figure": "wait_apply_to_movein_median",
        "scenario": "v",
        "diff_mean": 4.0,
        "diff_ci_low": -3.0,
        "diff_ci_high": 11.0,
    }
    en = briefing.finding_sentence(row, "baseline", "en")
    assert "+4.0 days (95% CI -3.0 to +11)" in en and "not significant" in en
    zh = briefing.finding_sentence(row, "baseline", "zh")
    assert "差异不显著" in zh
    same = {**row, "diff_mean": 0.0, "diff_ci_low": 0.0, "diff_ci_high": 0.0}
    assert "the same" in briefing.finding_sentence(same, "baseline", "en")


def test_wrap_breaks_chinese_anywhere_and_english_at_spaces():
    lines = briefing.wrap("在cap8情景下，申请至入住等候时间中位数较baseline变化+34天" * 3, 3.0, 12)
    assert len(lines) > 1 and all(briefing._width(line) * 12 / 72 <= 3.0 + 0.2 for line in lines)
    assert briefing.wrap("one two three four five six seven", 1.0, 12) == [
        "one two",
        "three four",
        "five six",
        "seven",
    ]


def test_scenarios_json_records_what_charts_need(tmp_path):
    from sim import load_scenario

    params = [load_scenario("scenarios/baseline.toml"), load_scenario("scenarios/cap8.toml")]
    outputs.write_scenarios_json(tmp_path, params)
    infos = outputs.scenario_infos(tmp_path, ["baseline", "cap8"])
    assert infos["cap8"].description == params[1].description
    assert infos["baseline"].target_units == 5000 and infos["baseline"].min_cell == MIN_CELL


# ---------------------------------------------------------------- what a difference means (findings)


def test_a_finding_says_the_direction_and_the_size_relative_to_the_base():
    row = {
        "figure": "wait_apply_to_movein_mean",
        "scenario": "v",
        "diff_mean": 30.0,
        "diff_ci_low": 25.0,
        "diff_ci_high": 35.0,
    }
    en = briefing.finding_sentence(row, "baseline", "en", base_mean=240.0)
    assert "longer by 12.5% of baseline's mean" in en and "changes by +30 days" in en
    zh = briefing.finding_sentence(row, "baseline", "zh", base_mean=240.0)
    assert "延长幅度相当于baseline均值的12.5%" in zh
    lower = {**row, "figure": "waiting_mean", "diff_mean": -60.0, "diff_ci_low": -70.0, "diff_ci_high": -50.0}
    assert "lower by 10.0% of baseline's mean" in briefing.finding_sentence(lower, "baseline", "en", 600.0)
    assert "下降幅度相当于baseline均值的10.0%" in briefing.finding_sentence(lower, "baseline", "zh", 600.0)


def test_the_mean_wait_finding_names_the_group_that_loses_most(tmp_path):
    data = outputs.read_compare(_compare_with(tmp_path / "c", ("baseline", "cap8")))
    table = briefing.briefing_table(data)
    found = briefing.findings(table, data.names, "en")
    mean_wait = next(s for s in found if "the mean wait, application to move-in changes" in s)
    assert "Family applicants lose most (+5.0 days)" in mean_wait  # make_replications: family +5 days
    zh = briefing.findings(table, data.names, "zh")
    assert any("家庭申请人受损最大（+5.0天）" in s for s in zh)


def _compare_with(folder, names, reps=None):
    return write_compare(folder, names, reps)


def _mechanism_rows(exits, moves, waiting):
    """Briefing-table rows of the variant ``v``: (diff, low, high) of exits at the cap, move-ins and
    the waiting list."""
    by = {}
    for figure, (d, lo, hi) in zip(briefing.MECHANISM_FIGURES, (exits, moves, waiting), strict=True):
        by[(figure, "v")] = {
            "figure": figure,
            "scenario": "v",
            "diff_mean": d,
            "diff_ci_low": lo,
            "diff_ci_high": hi,
        }
    return by


def test_the_mechanism_sentence_appears_only_when_cap_exits_and_move_ins_differ_significantly():
    both = _mechanism_rows((-40.0, -50.0, -30.0), (-35.0, -45.0, -25.0), (120.0, 90.0, 150.0))
    en = briefing.mechanism_sentence(both, "v", "Cap of 8 years", "en")
    assert en == (
        "What the records show: under Cap of 8 years, fewer tenants leave at the total-tenure cap "
        "(-40 households), so fewer units fall vacant and fewer households move in (-35 households), "
        "and the waiting list grows (+120 households)."
    )
    zh = briefing.mechanism_sentence(both, "v", "保障总年限延长至8年", "zh")
    assert "因保障总年限届满而退出的租户减少（-40户）" in zh and "轮候户数随之增加（+120户）" in zh
    # the waiting list's CI includes zero: the mechanism is told without it
    flat = _mechanism_rows((-40.0, -50.0, -30.0), (-35.0, -45.0, -25.0), (10.0, -20.0, 40.0))
    assert "waiting list" not in briefing.mechanism_sentence(flat, "v", "v", "en")
    # either interval includes zero: nothing is said
    for rows in (
        _mechanism_rows((-4.0, -10.0, 2.0), (-35.0, -45.0, -25.0), (120.0, 90.0, 150.0)),
        _mechanism_rows((-40.0, -50.0, -30.0), (-3.0, -9.0, 3.0), (120.0, 90.0, 150.0)),
    ):
        assert briefing.mechanism_sentence(rows, "v", "v", "en") is None
        assert briefing.mechanism_sentence(rows, "v", "v", "zh") is None


def test_findings_carry_the_mechanism_when_the_records_support_it(tmp_path):
    reps = make_replications()
    cap8 = reps["scenario"] == "cap8"
    reps.loc[cap8, "exits_cap"] = reps.loc[~cap8, "exits_cap"].to_numpy() - [38, 40, 42, 40]
    reps.loc[cap8, "move_ins"] = reps.loc[~cap8, "move_ins"].to_numpy() - [33, 35, 37, 35]
    data = outputs.read_compare(_compare_with(tmp_path / "a", ("baseline", "cap8"), reps))
    table = briefing.briefing_table(data, (*briefing.TABLE_FIGURES, "move_ins"))
    assert any(
        s.startswith("What the records show: under cap8") for s in briefing.findings(table, data.names, "en")
    )
    plain = briefing.briefing_table(outputs.read_compare(_compare_with(tmp_path / "b", ("baseline", "cap8"))))
    assert not any("records show" in s for s in briefing.findings(plain, ["baseline", "cap8"], "en"))


def _pages(pdf) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf.read_bytes()))


def _findings_pages(md: str) -> int:
    """Pages the findings of a pack's Markdown take in its PDF."""
    part = md.split("\n## ")[1]
    return len(briefing.findings_pages([line[2:] for line in part.splitlines() if line.startswith("- ")]))


def _two_charts(names=("waiting_list", "lapse_rate")):
    every_chart = briefing.compare_figures

    def some(*args, **kw):
        figs = every_chart(*args, **kw)
        return {name: figs[name] for name in names}

    return some


@pytest.mark.slow
def test_a_chart_that_is_zero_everywhere_is_dropped_and_listed(tmp_path, monkeypatch):
    reps = make_replications()
    reps["lapse_rate"] = 0.0
    folder = write_compare(tmp_path / "c", reps=reps)
    assert briefing.empty_charts(outputs.read_compare(folder), ["mean_wait", "lapse_rate"]) == ["lapse_rate"]
    monkeypatch.setattr(briefing, "compare_figures", _two_charts())
    for lang in ("en", "zh"):
        pdf = briefing.build_briefing(folder, lang, tmp_path / "pack")
        md = (tmp_path / "pack" / f"comparison.{lang}.md").read_text(encoding="utf-8")
        assert _pages(pdf) == briefing.page_count(2, 1, _findings_pages(md))  # the waiting list only
        title = TERMS["chart.lapse.title"].en if lang == "en" else TERMS["chart.lapse.title"].zh
        line = TERMS["briefing.not_shown"].en if lang == "en" else TERMS["briefing.not_shown"].zh
        assert f"- {line.format(charts=title)}" in md
        assert not (tmp_path / "pack" / "charts" / f"lapse_rate.{lang}.png").exists()


# ---------------------------------------------------------------- inputs not yet calibrated


def _fitted(tmp_path):
    """A fitted scenario: every ASSUMED key of the baseline given a reference that starts CALIBRATED."""
    from sim import load_scenario
    from sim.parameters import BASELINE_PATH, delta_toml

    base = load_scenario("baseline")
    keys = [k for k, _ in outputs.assumed_inputs(base)]
    changes = {
        k: {
            "value": base.value(k),
            "unit": base.meta(k)["unit"],
            "reference": "CALIBRATED on synthetic aggregates",
        }
        for k in keys
    }
    path = tmp_path / "fitted.toml"
    path.write_text(delta_toml(str(BASELINE_PATH), "fitted", "fitted", "", changes), encoding="utf-8")
    return base, load_scenario(path), keys


def test_the_manifest_records_the_inputs_not_yet_calibrated(tmp_path):
    base, fitted, keys = _fitted(tmp_path)
    assert len(keys) > 10 and "exits.other_housing_per_year" in keys
    assert "lease.max_total_years" not in keys  # a rule value cites its article
    assert outputs.assumed_inputs(fitted) == ()
    outputs.write_scenarios_json(tmp_path, [base, fitted])
    infos = outputs.scenario_infos(tmp_path, ["baseline", "fitted"])
    assert [k for k, _ in infos["baseline"].assumed] == keys and infos["fitted"].assumed == ()
    assert infos["baseline"].assumed[0][1].startswith("ASSUMED")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_briefing_of_the_baseline_has_the_caveat_page_and_cover_line(tmp_path, monkeypatch, lang):
    from sim import load_scenario

    base, cap8 = load_scenario("baseline"), load_scenario("cap8")
    folder = write_compare(tmp_path / "c")
    outputs.write_scenarios_json(folder, [base, cap8])
    monkeypatch.setattr(briefing, "compare_figures", _two_charts(("waiting_list",)))
    pdf = briefing.build_briefing(folder, lang, tmp_path / "pack")
    caveat = briefing.uncalibrated(outputs.read_compare(folder))
    n = len(outputs.assumed_inputs(base))
    assert len(caveat) == n and all(only == "" for _, _, only in caveat)
    pages = briefing.caveat_pages(caveat, lang)
    assert sum(len(p) for p in pages) == n and len(pages) >= 1
    md = (tmp_path / "pack" / f"comparison.{lang}.md").read_text(encoding="utf-8")
    assert _pages(pdf) == briefing.page_count(2, 1, _findings_pages(md), len(pages))
    cover = TERMS["briefing.caveat.cover"].en if lang == "en" else TERMS["briefing.caveat.cover"].zh
    assert cover.format(n=n) in md
    assert "exits.other_housing_per_year" in md and "obtained other housing" in md
    if lang == "en":
        assert f"{n} inputs are assumptions, not yet calibrated: quote differences, not levels." in md


@pytest.mark.slow
def test_a_briefing_of_a_calibrated_scenario_has_no_caveat(tmp_path, monkeypatch):
    _, fitted, _ = _fitted(tmp_path)
    folder = write_compare(tmp_path / "c", names=("fitted", "fitted_cap8"))
    outputs.write_scenarios_json(
        folder, [fitted, fitted.with_overrides({"lease.max_total_years": 8})], ["fitted", "fitted_cap8"]
    )
    assert briefing.uncalibrated(outputs.read_compare(folder)) == []
    monkeypatch.setattr(briefing, "compare_figures", _two_charts(("waiting_list",)))
    for lang in ("en", "zh"):
        pdf = briefing.build_briefing(folder, lang, tmp_path / "pack")
        md = (tmp_path / "pack" / f"comparison.{lang}.md").read_text(encoding="utf-8")
        assert _pages(pdf) == briefing.page_count(2, 1, _findings_pages(md))
        cover = TERMS["briefing.caveat.cover"].en if lang == "en" else TERMS["briefing.caveat.cover"].zh
        assert cover.split("{n}")[1][:8] not in md
        assert TERMS["briefing.caveat.title"].en not in md and TERMS["briefing.caveat.title"].zh not in md


# ---------------------------------------------------------------- scenario titles in both languages


def test_every_shipped_scenario_has_a_title_and_description_in_both_languages():
    from pathlib import Path

    from fontTools.ttLib import TTFont

    from analysis.reporting.titles import scenario_description, scenario_title
    from sim import load_scenario

    cmap = TTFont(str(fonts.font_path())).getBestCmap()
    files = sorted(Path("scenarios").glob("**/*.toml"))
    assert len(files) >= 12
    for path in files:
        params = load_scenario(path)
        zh = scenario_title(params, "zh")
        assert params.title and params.title_zh and params.description_zh, path
        assert zh == params.title_zh != scenario_title(params, "en") == params.title
        assert scenario_description(params, "zh") == params.description_zh
        assert not {ch for ch in zh + params.description_zh if ord(ch) not in cmap}, path


def test_a_title_falls_back_to_the_name_and_is_not_inherited(tmp_path):
    from analysis.reporting.titles import scenario_title, scenario_titles
    from sim import load_scenario

    variant = tmp_path / "longer.toml"
    variant.write_text(
        f'base = "{(outputs.Path("scenarios") / "cap8.toml").resolve().as_posix()}"\n'
        'description = "x"\n[lease]\nmax_total_years = 9\n',
        encoding="utf-8",
    )
    params = load_scenario(variant)
    assert (params.title, params.title_zh, params.description_zh) == ("", "", "")
    assert scenario_title(params, "zh") == scenario_title(params, "en") == "longer"
    info = outputs.ScenarioInfo(name="a", title="Same", title_zh="同")
    other = outputs.ScenarioInfo(name="b", title="Same")
    assert scenario_titles({"a": info, "b": other}, ["a", "b"], "en") == {"a": "Same (a)", "b": "Same (b)"}
    assert scenario_titles({"a": info, "b": other}, ["a", "b", "c"], "zh") == {"a": "同", "b": "b", "c": "c"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_tables_and_the_briefing_show_scenario_titles(tmp_path, monkeypatch, lang):
    from sim import load_scenario

    params = [load_scenario("baseline"), load_scenario("cap8")]
    folder = write_compare(tmp_path / "c")
    outputs.write_scenarios_json(folder, params)
    shown = [p.title_zh if lang == "zh" else p.title for p in params]
    figs = charts.compare_figures(folder, lang)
    legend = [t.get_text() for leg in figs["exit_reasons"].legends for t in leg.get_texts()]
    assert legend == shown
    ticks = [t.get_text() for t in figs["mean_wait"].axes[0].get_yticklabels()]
    assert ticks == shown
    colours = _legend_colours(figs["exit_reasons"])
    assert colours[shown[0]] == to_hex(charts.PALETTE[0])  # the baseline keeps its colour
    monkeypatch.setattr(briefing, "compare_figures", _two_charts(("waiting_list",)))
    briefing.build_briefing(folder, lang, tmp_path / "pack")
    md = (tmp_path / "pack" / f"comparison.{lang}.md").read_text(encoding="utf-8")
    assert f"{shown[1]}: " in md and f"{shown[0]}: " in md
    assert any(line.startswith("- ") and shown[1] in line for line in md.splitlines())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_published_waits_chart_says_which_line_is_which(lang):
    """Solid: the wait to first offer of those housed in the past 12 months; dashed: the time waited so
    far by those on the list; one colour a scenario."""
    fig = charts.published_waits_chart(make_daily(("baseline", "cap8"), seeds=(1, 2), n_days=400), lang)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert getattr(TERMS["chart.published_waits.title"], lang) in texts
    legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert legend[:2] == [getattr(TERMS[f"chart.published_waits.{k}"], lang) for k in ("housed", "waiting")]
    styles = {line.get_linestyle() for line in fig.axes[0].get_lines()}
    assert styles == {"-", "--"} and len(fig.axes[0].get_lines()) == 4


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_briefing_states_both_published_waits_for_each_scenario_and_which_is_which(lang):
    rows = [
        {"figure": f, "scenario": name, "mean": mean}
        for name, means in (("baseline", (369.0, 200.0)), ("batch90", (463.0, 246.0)))
        for f, mean in zip(("published_wait_12m_end", "waited_so_far_end"), means, strict=True)
    ]
    found = briefing.published_wait_sentences(pd.DataFrame(rows), ["baseline", "batch90"], lang)
    assert len(found) == 3
    assert "369" in found[0] and "200" in found[0] and "463" in found[1] and "246" in found[1]
    assert found[2] == getattr(TERMS["briefing.published_waits.which"], lang)
    assert briefing.published_wait_sentences(pd.DataFrame(rows[:1]), ["baseline"], lang) == []
