"""What several test files share: the small scenario and the command line run in this process."""

from __future__ import annotations

import signal
from pathlib import Path

from analysis import cli

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
#: ``tests/data/small.toml``: 2 years, 300 filings a year, 300 -> 400 units (a replication in ~1 s). Its
#: base is named ("baseline"), so a copy of the text works from any folder.
SMALL = (Path(__file__).resolve().parent / "data" / "small.toml").read_text(encoding="utf-8")
#: every shipped scenario (rule sets only: study files such as sweeps live in ``studies/``)
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.toml"))


def main(capsys, *args: str) -> tuple[int, str, str]:
    """run.py's ``main`` (``analysis.cli.main``) in this process; returns (status, stdout, stderr)."""
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def default_ctrl_c() -> None:
    """``preexec_fn`` for a command a test interrupts: Ctrl-C acts as in a terminal, even when the test
    run itself was started in the background, where the shell makes SIGINT ignored and every child inherits
    that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
