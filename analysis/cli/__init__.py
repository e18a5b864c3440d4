"""The command line of ``python run.py``: ``main`` parses the arguments (``parser.py``), runs the command
(``commands.py``) and turns bad input, Ctrl-C and a closed pipe into their exit statuses.
"""

from __future__ import annotations

import os
import sys

from analysis.experiments.runner import RunnerError
from sim import ScenarioError
from sim.snapshot import SnapshotError

from . import commands
from .commands import UserError
from .parser import DEFAULT_ARGS, build_parser


def main(argv: list[str] | None = None) -> int:
    """Run ``python run.py`` with ``argv`` (default ``sys.argv[1:]``; none: ``DEFAULT_ARGS``, the
    baseline run); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv or DEFAULT_ARGS)
    command = getattr(commands, args.command.replace("-", "_"))  # looked up now, so tests can patch it
    try:
        return command(args)
    except SnapshotError as err:  # every problem of the operators' snapshot, one line each
        print(f"error: the snapshot has {len(err.problems)} problem(s); nothing was run:", file=sys.stderr)
        print("\n".join(err.problems), file=sys.stderr)
        return 2
    except (ScenarioError, UserError, RunnerError) as err:
        message = " ".join(str(err).splitlines())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a reader that stopped (``| head``): no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own advice
        return 141


__all__ = ["UserError", "build_parser", "main"]
