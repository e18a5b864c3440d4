"""The explorer's own words in Chinese and English, beside ``analysis.reporting.terms`` (whose ``explore.*``
terms label the page): what only the page says, such as why Run is off. ``app._t`` looks here first."""

from __future__ import annotations

#: key -> (zh, en); ``{...}`` fields are filled by ``str.format``.
WORDS: dict[str, tuple[str, str]] = {
    "explore.why.reps": (
        "无法运行：重复次数须为1至{high}的整数，现为{got}",
        "Run is off: replications must be a whole number from 1 to {high}, got {got}",
    ),
    "explore.why.seed": (
        "无法运行：首个随机种子须为0至{high}的整数，现为{got}",
        "Run is off: the first seed must be a whole number from 0 to {high}, got {got}",
    ),
}


def word(key: str, lang: str) -> str | None:
    """The explorer's word for ``key`` in ``lang`` ("zh" or "en"), or None if it has none."""
    found = WORDS.get(key)
    if found is None:
        return None
    return found[0] if lang == "zh" else found[1]
