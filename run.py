"""Command line of the Jing'an public rental housing (公共租赁住房) simulator.

    python run.py        # = run scenarios/baseline.toml --reps 10 --seed 1 --out out/baseline
    python run.py run SCENARIO [--reps N] [--seed S] [--set KEY=VALUE ...] [--out DIR] [--audit]
                               [--lang en|zh]
    python run.py compare A B [C ...] [--reps N | --precision P [--max-reps N]] [--seed S] [--out DIR]
                               [--workers N | --scheduler tcp://HOST:PORT] [--store DIR] [--lang en|zh]
    python run.py sweep SWEEP.toml [--reps N] [--seed S] [--out DIR] [--figure NAME ...]
                               [--workers N | --scheduler tcp://HOST:PORT] [--store DIR] [--lang en|zh]
    python run.py charts DIR [--lang en|zh]
    python run.py briefing A B [C ...] [--reps N] [--seed S] [--lang en|zh] [--out DIR] [compare's options]
    python run.py calibrate TARGETS.toml [--out DIR] [--budget MINUTES] [--reps N] [--seed S] [--workers N]
    python run.py fit-inputs APPLICATIONS.csv TENANCIES.csv [--out DIR] [--base SCENARIO] [--from D]
                               [--until D] [--no-charts] [--lang en|zh]
    python run.py replay SCENARIO [VARIANT ...] [--reps N] [--seed S] [--out DIR] [--lang en|zh]
    python run.py bench [--seed S] [--scale district|city | --scenario SCENARIO]
    python run.py bench --sweep [--reps 20] [--workers 2] [--scenario SCENARIO]
    python run.py decompose BASE REFORM [--reps N | --precision P] [--order C1,C2,...] [--out DIR]
    python run.py robustness BASE VARIANT [--method morris|sobol] [--samples N] [--groups] [--out DIR]
    python run.py explore [--port N] [--scenarios-dir DIR] [--base NAME] [--reps N] [--lang en|zh]

compare and sweep run replications in parallel (all cores by default; on a Dask cluster with
--scheduler or the PRH_SCHEDULER environment variable) and keep each finished replication in a result
store (out/.store/), so a rerun of the same command reuses them and an interrupted one resumes.

Exit status: 0 done; 1 an invariant failed (--audit) or some replications failed (the others are kept);
2 bad input (one line ``error: ...`` on stderr); 130 interrupted (finished replications are kept).
"""

from __future__ import annotations

import gc
import sys

try:
    from analysis.cli import main
except KeyboardInterrupt:  # Ctrl-C while the libraries load
    print("interrupted: no replication run", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    status = main()
    if status == 130:  # interrupted, outputs written: the exit does not collect what the run built
        gc.freeze()
    sys.exit(status)
