"""The test suite leaves nothing in the working tree: every test writes below its own ``tmp_path`` (outputs,
result stores, saved scenarios). The files of the project folder are listed when the session starts and
again when it ends; a file or folder that appeared fails the session, named."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: caches that tools make and .gitignore names
IGNORED = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".mypy_cache", "build"}


def _tree() -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in IGNORED and not d.endswith(".egg-info")]
        rel = Path(folder).relative_to(ROOT)
        found.update(str(rel / name) for name in [*dirs, *files])
    return found


def pytest_sessionstart(session):
    session.config._tree_before = _tree()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_tree_before", None)
    if before is None or hasattr(session.config, "workerinput"):
        return
    left = sorted(_tree() - before)
    if left:
        shown = ", ".join(left[:10]) + (f" and {len(left) - 10} more" if len(left) > 10 else "")
        print(f"\nerror: the tests left files in the working tree: {shown}")
        session.exitstatus = 1
