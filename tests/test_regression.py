"""Regression against a stored baseline: the only place exact seeded numbers belong.

A change that alters seeded results on purpose regenerates the file and says why in its commit:

    REGRESSION_UPDATE=1 python -m pytest tests/test_regression.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from sim import SUMMARY_FIGURES, load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "tests" / "data" / "regression_baseline.csv"
SEEDS = (1, 2)
SHORT = {"calendar.horizon_years": 5}


def current() -> pd.DataFrame:
    params = load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(SHORT)
    rows = [{"seed": s, **simulate(params, seed=s).summary} for s in SEEDS]
    return pd.DataFrame(rows, columns=["seed", *SUMMARY_FIGURES])


def test_baseline_summary_matches_the_stored_run():
    now = current()
    if os.environ.get("REGRESSION_UPDATE"):
        now.to_csv(STORED, index=False, float_format="%.10g")
        pytest.skip(f"stored a new regression baseline in {STORED}")
    stored = pd.read_csv(STORED)
    assert list(stored.columns) == list(now.columns), "summary figures changed: regenerate the baseline"
    pd.testing.assert_frame_equal(now, stored, check_dtype=False, rtol=1e-9, atol=1e-9)
