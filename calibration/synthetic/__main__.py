"""``python -m calibration.synthetic {aggregates,micro} [options]``: generate the synthetic data sets."""

from __future__ import annotations

import sys

USAGE = "usage: python -m calibration.synthetic {aggregates,micro} [options]  (--help after either)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in ("aggregates", "micro"):
        print(USAGE, file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    command, rest = argv[0], argv[1:]
    if command == "aggregates":
        from . import aggregates

        return aggregates.main(rest)
    from . import micro

    return micro.main(rest)


if __name__ == "__main__":
    sys.exit(main())
