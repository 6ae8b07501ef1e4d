"""``python -m bench`` (``make bench``): every figure of issue 15's table, each against its floor
measured in the same run, written to ``bench/results/latest.json`` and ``docs/PERFORMANCE.md``.

``BENCH_QUICK=1`` runs a subset at smaller sizes (for iterations; its PERFORMANCE.md says so).
``BENCH_ONLY=http,sync,roster,startup`` picks parts. ``BENCH_SHARED="..."`` adds a sentence on
the machine's load during the run to the document.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PROFILE_BEFORE = HERE / "profile-before.json"
NOTES = HERE / "performance-notes.md"


def _machine() -> dict[str, Any]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.0f}"
    try:
        postgres = (
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                capture_output=True,
                text=True,
                check=False,
                timeout=10,
            ).stdout.strip()
            or "?"
        )
    except OSError:
        postgres = "?"
    load = os.getloadavg()
    shared = os.environ.get("BENCH_SHARED", "")
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory,
        "postgresql": postgres,
        "python": platform.python_version(),
        "load_at_start": [round(x, 2) for x in load],
        "shared": shared,
    }


def main() -> int:
    """Runs the parts, writes the results and the document; 0 (a bench never fails the build)."""
    from bench import registry_load, report, roster_import, startup, sync_backlog
    from bench._registry import scratch_database

    quick = os.environ.get("BENCH_QUICK") == "1"
    only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(","))) or {
        "http",
        "sync",
        "roster",
        "startup",
    }
    latest = RESULTS / "latest.json"
    results: dict[str, Any] = {}
    if os.environ.get("BENCH_ONLY") and latest.exists():
        # A part run again: the other parts are kept from the last run, with their dates.
        results = json.loads(latest.read_text(encoding="utf-8"))
    dates = results.setdefault("part_dates", {})
    results.update(
        {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "quick": quick,
            "machine": _machine(),
        }
    )
    for part in only:
        dates[part] = results["date"]
    started = time.perf_counter()
    if "http" in only:
        print("== registry under load (PostgreSQL)", flush=True)
        results["http"] = registry_load.run(quick)
    if "sync" in only:
        print("== kiosk sync draining a backlog (PostgreSQL)", flush=True)
        with scratch_database() as url:
            results["sync"] = sync_backlog.run(300 if quick else 2000, None, None, url)
    if "roster" in only:
        print("== registry import-roster", flush=True)
        results["roster_import"] = roster_import.run(20_000 if quick else 500_000)
    if "startup" in only:
        print("== kiosk start, memory and a step", flush=True)
        results["startup"] = startup.run(3 if quick else 9)
    results["machine"]["load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round(time.perf_counter() - started)
    if PROFILE_BEFORE.exists():
        results["profile_before"] = json.loads(PROFILE_BEFORE.read_text(encoding="utf-8"))
    RESULTS.mkdir(exist_ok=True)
    latest.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    notes = NOTES.read_text(encoding="utf-8") if NOTES.exists() else ""
    print(f"wrote {latest} and {report.write(results, notes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
