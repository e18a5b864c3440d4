"""A scenario's title and description in the language of a chart, table or briefing.

The scenario file states ``title`` and ``description`` (English) and ``title_zh`` and ``description_zh``
(Chinese), none inherited from its base (``sim.parameters.TEXT_FIELDS``); the manifest of an output folder
keeps them (``analysis.experiments.outputs.ScenarioInfo``). Where a scenario states no title in a
language, its ``name`` is shown.

    scenario_title(load_scenario("cap8"), "zh")            # '保障总年限延长至8年'
    shown = scenario_titles(data.infos, data.names, "zh")  # {name: title}, one title a scenario
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sim.parameters import setting_text

from .terms import TERMS, term


def scenario_title(info_or_params, lang: str) -> str:
    """The title of a scenario (a ``sim.Params`` or a ``ScenarioInfo``) in ``lang`` ("en" or "zh"): its
    ``title_zh`` in Chinese, its ``title`` in English, followed by the overrides set on top of its file
    (``保障总年限延长至8年 + 累计保障年限上限=3``: :func:`changes_text`); else its ``name`` (which names the
    overrides already)."""
    field = "title_zh" if lang == "zh" else "title"
    own = (getattr(info_or_params, field, "") or "").strip()
    if not own:
        return info_or_params.name
    changes = getattr(info_or_params, "overrides", None)
    return f"{own} + {changes_text(changes, lang)}" if changes else own


def changes_text(changes: Mapping[str, object], lang: str) -> str:
    """``key=value, ...``: in Chinese a key the terms name (``key.<key>``) by its Chinese name, every
    other key as the scenario file writes it."""

    def shown(key: str) -> str:
        return term(f"key.{key}", lang) if lang == "zh" and f"key.{key}" in TERMS else key

    return ", ".join(f"{shown(key)}={setting_text(value)}" for key, value in changes.items())


def scenario_description(info_or_params, lang: str) -> str:
    """The description of a scenario in ``lang``: ``description_zh`` in Chinese when stated, else
    ``description``."""
    if lang == "zh" and getattr(info_or_params, "description_zh", ""):
        return info_or_params.description_zh
    return getattr(info_or_params, "description", "") or ""


def scenario_titles(infos: Mapping[str, object], names: Sequence[str], lang: str) -> dict[str, str]:
    """``{name: title in lang}`` for ``names`` (their infos or params in ``infos``; a name without one
    is its own title). Two scenarios never share a title: where titles would coincide, the name follows
    in brackets."""
    titles = {n: scenario_title(infos[n], lang) if n in infos else n for n in names}
    counts: dict[str, int] = {}
    for title in titles.values():
        counts[title] = counts.get(title, 0) + 1
    return {n: t if counts[t] == 1 or t == n else f"{t} ({n})" for n, t in titles.items()}
