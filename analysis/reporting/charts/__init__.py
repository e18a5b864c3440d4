"""Charts of runs, comparisons, sweeps and calibrations, in Chinese or English, for slides and briefings.

One module per subject: ``style`` (the house style: size, colours, titles, legend, ticks, ``save``),
``run`` (a run over time and its waits), ``compare`` (scenarios side by side, paired differences),
``sweep`` (a grid of rule values), ``calibration`` (fits to aggregates and micro data) and ``folders``
(every chart of an output folder, read and saved).

Every chart function takes tidy DataFrames (one row per replication, or per replication and day, with a
``scenario`` column where scenarios are compared), a language and a scenario → colour mapping, and
returns a matplotlib ``Figure`` (10 × 5.625 in, 16:9, type ≥ 11 pt). Uncertainty comes from the
replications everywhere: a mean with a 95 % Student-t interval across seeds (``analysis.stats``), drawn
as a band or a bar. Words come from ``analysis.reporting.terms``, numbers from
``analysis.reporting.numbers``, the font from ``analysis.reporting.fonts`` (Chinese needs no system font).

    paths = draw_run("out/baseline", lang="zh")        # every chart of a run folder, PNG + SVG
    paths = draw_any(folder, lang)                     # recognises the folder's kind

The tables the charts draw are computed in ``analysis.stats``; folders are read by
``analysis.experiments.outputs``.
"""

from __future__ import annotations

from . import calibration, compare, folders, run, style, sweep
from .compare import (
    allocation_outcomes_chart,
    exit_reasons_chart,
    figure_ci_chart,
    group_wait_chart,
    lapse_rate_chart,
    mean_wait_chart,
)
from .folders import (
    SWEEP_FIGURES,
    compare_figures,
    draw_any,
    draw_compare,
    draw_run,
    draw_sweep,
    run_figures,
    sweep_figures,
)
from .run import (
    exits_by_reason_chart,
    exits_per_year_chart,
    occupancy_chart,
    published_waits_chart,
    supply_marks,
    wait_histogram_chart,
    wait_stats_chart,
    waiting_list_chart,
)
from .style import (
    DARK,
    DPI,
    EXIT_COLOURS,
    FIGSIZE,
    GREY,
    MARKERS,
    PALETTE,
    REFERENCE_NAME,
    WAIT,
    WAIT_STATS,
    legend,
    new_figure,
    save,
    scenario_colours,
    titles,
)
from .sweep import key_label, sweep_heatmap_chart, sweep_line_chart

__all__ = [
    "DARK",
    "DPI",
    "EXIT_COLOURS",
    "FIGSIZE",
    "GREY",
    "MARKERS",
    "PALETTE",
    "REFERENCE_NAME",
    "SWEEP_FIGURES",
    "WAIT",
    "WAIT_STATS",
    "allocation_outcomes_chart",
    "calibration",
    "compare",
    "compare_figures",
    "draw_any",
    "draw_compare",
    "draw_run",
    "draw_sweep",
    "exit_reasons_chart",
    "exits_by_reason_chart",
    "exits_per_year_chart",
    "figure_ci_chart",
    "folders",
    "group_wait_chart",
    "key_label",
    "lapse_rate_chart",
    "legend",
    "mean_wait_chart",
    "new_figure",
    "occupancy_chart",
    "published_waits_chart",
    "run",
    "run_figures",
    "save",
    "scenario_colours",
    "style",
    "sweep",
    "sweep_figures",
    "sweep_heatmap_chart",
    "sweep_line_chart",
    "titles",
    "wait_histogram_chart",
    "wait_stats_chart",
    "supply_marks",
    "waiting_list_chart",
]
