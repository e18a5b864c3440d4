"""What several test files share: the small scenario and the command line run in this process."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
#: ``tests/data/small.toml``: 2 years, 300 filings a year, 300 -> 400 units (a replication in ~1 s). Its
#: base is named ("baseline"), so a copy of the text works from any folder.
SMALL = (Path(__file__).resolve().parent / "data" / "small.toml").read_text(encoding="utf-8")


def load_run_module():
    """``run.py`` as a module, so that tests can call ``main`` in this process (and patch ``sim``)."""
    spec = importlib.util.spec_from_file_location("run_cli", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RUN = load_run_module()


def main(capsys, *args: str) -> tuple[int, str, str]:
    """run.py's ``main`` in this process; returns (status, stdout, stderr)."""
    status = RUN.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err
