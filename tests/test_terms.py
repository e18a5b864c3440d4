"""The table of terms (``analysis.reporting.terms``): every scenario key has a name in both languages, so
that the Chinese charts, briefing, explorer and robustness charts never show a dotted Latin key."""

from __future__ import annotations

import re

import pytest

from analysis.reporting.terms import TERMS, label
from analysis.reporting.titles import changes_text
from sim.schema import KEYS

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("key", sorted(KEYS))
def test_every_scenario_key_has_a_chinese_and_an_english_name(key):
    found = TERMS.get(f"key.{key}")
    assert found is not None, f"no term key.{key} in analysis/reporting/terms.py"
    assert CJK.search(found.zh), f"key.{key}: the Chinese name has no Chinese character: {found.zh!r}"
    assert found.en.strip() and not CJK.search(found.en)
    label(f"key.{key}", "zh")  # its unit, if any, is a unit the table knows


def test_a_key_term_names_no_key_outside_the_schema():
    stray = [k for k in TERMS if k.startswith("key.") and k.removeprefix("key.") not in KEYS]
    assert stray == []


def test_chinese_overrides_show_no_dotted_key():
    text = changes_text({"calendar.horizon_years": 2, "review.publicity_days": 5}, "zh")
    assert text == "模拟年限=2, 公示期=5"
