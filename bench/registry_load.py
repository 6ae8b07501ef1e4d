"""The registry under load: ``/v1/health``, ``POST /v1/students/verify`` and
``POST /v1/applications`` on PostgreSQL, each against a floor measured in the same run.

The floor is a bare FastAPI app validating a small POST body (``bench/_bare_app.py``) under the
same uvicorn, on the same core. The look-up's ceiling is the same app spending a token id and
reading the pupil in one committed statement (``POST /lookup``), and the submission's the same
app writing the token, the application and its binding in one (``POST /submit``): what no
look-up or submission can beat here. The registry runs as ``registry serve`` pinned to CPU 0 (and
with ``--workers 2`` on both cores for the "2 cores" figure); wrk, replaying pre-signed requests
(one fresh kiosk JWT each, never one twice), runs pinned to CPU 1. Every figure is the median
of several runs. The look-up runs over a generated roster of 3,000,000 pupils (cached under
``bench/data``); submissions come from 400 kiosks, one per school, as at the morning rush.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from bench import _registry as reg
from bench._profile import summarise

HERE: Final = Path(__file__).resolve().parent


def _median(runs: list[reg.WrkResult]) -> dict[str, Any]:
    return {
        "connections": runs[0].connections,
        "per_s": round(statistics.median(r.per_s for r in runs), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in runs), 2),
        "p99_ms": round(statistics.median(r.p99_ms for r in runs), 2),
        "errors": sum(r.errors for r in runs),
        "runs": [r.as_dict() for r in runs],
    }


@contextmanager
def _bare_app(
    database: str | None = None, *, workers: int = 1, cpus: str = reg.SERVER_CPU
) -> Iterator[str]:
    """The floor app (``bench/_bare_app.py``) pinned to ``cpus``; with ``database`` (a psycopg
    URL), also the look-up's ceiling, ``POST /lookup``."""
    port = reg.free_port()
    extra = [database, str(workers)] if database else []
    process = subprocess.Popen(
        ["taskset", "-c", cpus, sys.executable, str(HERE / "_bare_app.py"), str(port), *extra],
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            try:
                httpx.get(base + "/docs", timeout=1)
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise RuntimeError("the bare app did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far, from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profile(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen(
        [
            *(str(py_spy), "record", "--gil", "--subprocesses", "-p", str(pid), "-f", "raw"),
            *("-o", str(out), "-d", str(max(1, round(seconds)))),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(quick: bool) -> dict[str, Any]:
    """Measures every HTTP figure; the results as a dict (see ``bench/results/latest.json``)."""
    pupils = 200_000 if quick else 3_000_000
    seconds = 3.0 if quick else 6.0
    repeats = 1 if quick else 3
    levels = [16] if quick else [1, 16, 64]
    verify_per_run = int(seconds * 4000)
    submit_per_run = int(seconds * 1500)
    result: dict[str, Any] = {"pupils": pupils, "seconds_per_run": seconds, "repeats": repeats}
    with (
        reg.scratch_database() as url,
        tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as tmp,
    ):
        # The data folder (keys, file outbox) on tmpfs: the outbox's fsync per message stands
        # in for a mail relay and would otherwise measure this machine's shared disk.
        folder = Path(tmp)
        started = time.perf_counter()
        fixture = reg.prepare(url, folder, pupils)
        result["roster_load_s"] = round(time.perf_counter() - started, 1)
        signer = reg.RequestSigner(fixture)
        counter = iter(range(10**6))

        def requests(kind: str) -> Path:
            path = folder / f"{kind}-{next(counter)}.req"
            if kind == "health":
                reg.write_requests(path, reg.health_requests(1))
            elif kind == "floor":
                body = '{"level":"senior_high","student_id":"A123456789","school_code":"S00001"}'
                reg.write_requests(
                    path, [("POST", "/echo", {"Content-Type": "application/json"}, body)]
                )
            elif kind == "ceiling":
                reg.write_requests(path, reg.ceiling_requests(fixture, int(seconds * 12000)))
            elif kind == "ceiling_submit":
                reg.write_requests(path, reg.ceiling_submissions(fixture, int(seconds * 6000)))
            elif kind == "verify":
                sessions = reg.parent_sessions(fixture, 2000, prefix=f"v{next(counter)}-")
                reg.write_requests(path, reg.verify_requests(signer, verify_per_run, sessions))
            else:
                sessions = reg.parent_sessions(fixture, submit_per_run, prefix=f"s{next(counter)}-")
                reg.write_requests(path, reg.submit_requests(signer, sessions))
            return path

        def measure(base: str, kind: str, connections: int) -> dict[str, Any]:
            runs = []
            for _ in range(repeats):
                runs.append(reg.wrk(base, requests(kind), connections=connections, seconds=seconds))
            return _median(runs)

        with _bare_app() as bare:
            result["floor"] = measure(bare, "floor", 16)
        with reg.registry_server(fixture) as (base, process):
            reg.wrk(base, requests("verify"), connections=16, seconds=1)  # warm
            result["health"] = measure(base, "health", 16)
            result["verify"] = {str(c): measure(base, "verify", c) for c in levels}
            result["submit"] = {str(c): measure(base, "submit", c) for c in levels}
            if not quick:
                # One request at a time: the 1-connection runs' median latency.
                result["verify_alone_ms"] = result["verify"]["1"]["p50_ms"]
                result["submit_alone_ms"] = result["submit"]["1"]["p50_ms"]
                profiles: dict[str, Any] = {}
                for kind in ("verify", "submit"):
                    out = folder / f"profile-{kind}.txt"
                    spy = _profile(process.pid, seconds, out)
                    time.sleep(0.5)
                    cpu_before, wall_before = _cpu_seconds(process.pid), time.perf_counter()
                    reg.wrk(base, requests(kind), connections=16, seconds=seconds)
                    cpu = (_cpu_seconds(process.pid) - cpu_before) / (
                        time.perf_counter() - wall_before
                    )
                    spy.wait()
                    if out.exists():
                        profiles[kind] = {**summarise(out), "cpu_share": round(cpu, 3)}
                result["profile_after"] = profiles
        reg.make_ceiling_tables(fixture)
        top = str(max(levels))
        with _bare_app(reg.plain_url(url)) as bare:
            result["floor_after"] = measure(bare, "floor", 16)
            reg.wrk(bare, requests("ceiling"), connections=16, seconds=1)  # warm
            result["ceiling"] = {top: measure(bare, "ceiling", int(top))}
            result["ceiling_submit"] = {top: measure(bare, "ceiling_submit", int(top))}
        both = f"{reg.SERVER_CPU},{reg.LOAD_CPU}"
        with _bare_app(reg.plain_url(url), workers=2, cpus=both) as bare:
            time.sleep(2)  # both workers listening
            reg.wrk(bare, requests("ceiling"), connections=16, seconds=1)  # warm
            result["ceiling_2_workers"] = {top: measure(bare, "ceiling", int(top))}
            result["ceiling_submit_2_workers"] = {top: measure(bare, "ceiling_submit", int(top))}
        with reg.registry_server(fixture, workers=2, cpus=both) as (base, _process):
            time.sleep(2)  # both workers listening
            reg.wrk(base, requests("submit"), connections=16, seconds=1)  # warm
            result["submit_2_workers"] = {top: measure(base, "submit", int(top))}
            result["verify_2_workers"] = {top: measure(base, "verify", int(top))}
    floor = statistics.median([result["floor"]["per_s"], result["floor_after"]["per_s"]])
    result["floor_per_s"] = floor
    result["health_ratio"] = round(result["health"]["per_s"] / floor, 3)
    result["cpus"] = os.cpu_count()
    return result


def main() -> int:
    """Runs :func:`run` alone and prints it (``make bench`` runs everything)."""
    import json

    print(json.dumps(run(quick=os.environ.get("BENCH_QUICK") == "1"), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
