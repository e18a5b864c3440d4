"""Tables, labels and outputs of replications (``analysis.replications``), and the runs of many:
comparisons (``analysis.compare``), sweeps (``analysis.sweep``), the parallel or distributed runner
(``analysis.runner``) and its result store (``analysis.store``)."""

from .replications import (
    OUTPUT_FILES,
    atomic_write,
    bare_simpy_loop,
    format_table,
    plain_queue_simpy,
    run_replications,
    summary_frame,
    summary_table,
    t_interval,
    write_frame,
    write_outputs,
)
from .terms import TERMS, label, term, unit_of

__all__ = [
    "OUTPUT_FILES",
    "TERMS",
    "atomic_write",
    "bare_simpy_loop",
    "plain_queue_simpy",
    "format_table",
    "label",
    "run_replications",
    "summary_frame",
    "summary_table",
    "t_interval",
    "term",
    "unit_of",
    "write_frame",
    "write_outputs",
]
