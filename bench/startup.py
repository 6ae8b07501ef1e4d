"""Start-up: time to the kiosk's first frame against a bare one-label Textual app.

Both run in a fresh interpreter under a pseudo-terminal (as on the kiosk), interleaved, several
times; medians are reported and written to ``bench/results/startup.json``. The kiosk is started
the production way (``kiosk run --config FILE``) with a throw-away data folder; no registry needs
to answer before the Welcome screen. Also reported: which heavy modules (httpx, SQLAlchemy,
pydantic, ...) were imported before the first frame — there should be none — and
``python -X importtime`` of the modules imported before it.
"""

from __future__ import annotations

import json
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
RESULTS: Final = HERE / "results"
RUNS: Final = 9
#: The step transition is timed in this many processes (``RUNS`` taps each, pooled).
TRANSITION_PROCESSES: Final = 3
#: The brief's bound: the kiosk's first frame within this factor of the bare app's.
BOUND: Final = 1.3


def _once(args: list[str], out: Path) -> None:
    """One run under a pty; its report is appended to ``out``."""
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "BENCH_OUT": str(out)}
    env = {k: v for k, v in env.items() if not k.startswith("TEXTUAL_")}
    env["BENCH_T0"] = repr(time.time())
    process = subprocess.Popen(args, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env)
    os.close(child_fd)
    try:
        while True:
            try:
                if not os.read(main_fd, 65536):
                    break
            except OSError:
                break
    finally:
        os.close(main_fd)
        process.wait(timeout=60)


def _kiosk_config(folder: Path) -> Path:
    from kiosk.keys import create_key

    create_key(folder / "kiosk.key")
    config = folder / "kiosk.toml"
    config.write_text(
        f'data_dir = "{folder}"\n[registry]\nurl = "http://127.0.0.1:9"\nkiosk_id = "k-bench"\n',
        encoding="utf-8",
    )
    return config


def _median(rows: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(float(row[key]) for row in rows if key in row))


def run(runs: int = RUNS) -> dict[str, object]:
    """Measures start-up, memory and a step's transition; the results."""
    RESULTS.mkdir(exist_ok=True)
    driver = str(HERE / "_first_frame.py")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _kiosk_config(folder)
        bare_out, kiosk_out = folder / "bare.jsonl", folder / "kiosk.jsonl"
        _once([sys.executable, driver, "kiosk", str(config)], folder / "warm.jsonl")  # warm caches
        for _ in range(runs):
            _once([sys.executable, driver, "bare"], bare_out)
            _once([sys.executable, driver, "kiosk", str(config)], kiosk_out)
        bare = [json.loads(line) for line in bare_out.read_text().splitlines()]
        kiosk = [json.loads(line) for line in kiosk_out.read_text().splitlines()]
        # In several processes: a tap's time moves by a frame (1/60 s) with where the refresh
        # timer stands, which holds for the whole of one process.
        transition: dict[str, list[float]] = {"bare_s": [], "kiosk_s": []}
        for _ in range(TRANSITION_PROCESSES):
            taps = json.loads(
                subprocess.run(
                    [sys.executable, str(HERE / "_transition.py"), str(config), str(runs)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env={k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL_")},
                ).stdout
            )
            for key, values in transition.items():
                values.extend(taps[key])
        importtime = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import kiosk.cli, kiosk.app"],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    bare_s, kiosk_s = _median(bare, "first_frame_s"), _median(kiosk, "first_frame_s")
    bare_cpu, kiosk_cpu = _median(bare, "cpu_first_frame_s"), _median(kiosk, "cpu_first_frame_s")
    bare_mb, kiosk_mb = _median(bare, "maxrss_mb"), _median(kiosk, "maxrss_mb")
    settled_mb = _median(kiosk, "settled_maxrss_mb")
    bare_step = statistics.median(transition["bare_s"])
    kiosk_step = statistics.median(transition["kiosk_s"])
    result: dict[str, object] = {
        "runs": runs,
        "bare_first_frame_s": bare_s,
        "kiosk_first_frame_s": kiosk_s,
        "kiosk_welcome_s": _median(kiosk, "welcome_s"),
        "bare_cpu_first_frame_s": bare_cpu,
        "kiosk_cpu_first_frame_s": kiosk_cpu,
        "heavy_at_first_frame": sorted({m for row in kiosk for m in row["heavy_at_first_frame"]}),
        "ratio": kiosk_s / bare_s,
        "cpu_ratio": kiosk_cpu / bare_cpu,
        "within_bound": kiosk_s / bare_s <= BOUND,
        "welcome_ratio": _median(kiosk, "welcome_s") / bare_s,
        "bare_maxrss_mb": bare_mb,
        "kiosk_maxrss_mb": kiosk_mb,
        "memory_ratio": kiosk_mb / bare_mb,
        "kiosk_settled_s": _median(kiosk, "settled_s"),
        "kiosk_settled_maxrss_mb": settled_mb,
        "settled_memory_ratio": settled_mb / bare_mb,
        "bare_step_s": bare_step,
        "kiosk_step_s": kiosk_step,
        "step_ratio": kiosk_step / bare_step,
    }
    slowest = sorted(
        (
            line
            for line in importtime.splitlines()
            if line.startswith("import time:") and line.split("|")[1].strip().isdigit()
        ),
        key=lambda line: int(line.split("|")[1]),
    )[-12:]
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "startup-importtime.txt").write_text(importtime, encoding="utf-8")
    result["slowest_imports"] = [line.removeprefix("import time:").strip() for line in slowest]
    return result


def main() -> int:
    """Measures, prints and writes the results; 0 (a bench never fails the build)."""
    result = run()
    for key, value in result.items():
        print(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")
    return 0
