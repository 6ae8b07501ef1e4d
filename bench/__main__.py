"""``python -m bench``: runs every benchmark module of this package (each has a ``main()``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    """Runs each ``bench.<module>.main()`` in name order; the worst exit status."""
    status = 0
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name.startswith("_"):
            continue
        bench = importlib.import_module(f"bench.{module.name}")
        run = getattr(bench, "main", None)
        if callable(run):
            print(f"== bench.{module.name}")
            status = max(status, int(run() or 0))
    return status


if __name__ == "__main__":
    sys.exit(main())
