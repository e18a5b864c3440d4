"""Tables, labels and outputs of replications of one scenario (see ``analysis.replications``)."""

from .replications import (
    OUTPUT_FILES,
    bare_simpy_loop,
    format_table,
    run_replications,
    summary_frame,
    summary_table,
    write_outputs,
)
from .terms import TERMS, label, term, unit_of

__all__ = [
    "OUTPUT_FILES",
    "TERMS",
    "bare_simpy_loop",
    "format_table",
    "label",
    "run_replications",
    "summary_frame",
    "summary_table",
    "term",
    "unit_of",
    "write_outputs",
]
