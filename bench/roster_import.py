"""``registry import-roster`` of a generated roster into an empty PostgreSQL database: rows per
second and the command's peak memory (its maximum resident set, from ``wait4``), at the main
size and at a fifth and twice it (memory is to stay flat whatever the size); each size imported
:data:`REPEATS` times into a fresh database, the fastest kept (the machine is shared)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from bench import _registry as reg


def _digits(number: int) -> str:
    """``number`` in Chinese digits (a name holds no Arabic ones)."""
    return "".join("零一二三四五六七八九"[int(d)] for d in str(number))


def roster_file(rows: int) -> Path:
    """A valid roster CSV of ``rows`` pupils, 30 a class and 30 classes a school, with a
    homeroom teacher per class; made once and cached under ``bench/data``."""
    path = reg.DATA / f"roster-{rows}.csv"
    if path.exists():
        return path
    ids = reg.pupil_ids(rows).read_text(encoding="ascii").split()
    temp = path.with_suffix(".tmp")
    with temp.open("w", encoding="utf-8") as out:
        out.write(
            "level,school_code,school_name,class_name,teacher_username,teacher_name,"
            "student_id,student_name\n"
        )
        for index, number in enumerate(ids):
            # 30 pupils a class, 30 classes a school, as in a city's roster.
            klass = index // 30
            school, room = divmod(klass, 30)
            out.write(
                f"高中,S{school:05d},臺北市立第{school}高級中學,{room}班,"
                f"t{school}.{room},王老師,{number},學生{_digits(index)}\n"
            )
    temp.replace(path)
    return path


#: Imports of each size; the fastest is reported (its peak memory is the largest seen).
REPEATS = 3


def run(rows: int) -> dict[str, Any]:
    """The measurements of ``rows`` pupils, with ``sizes``: those at a fifth and twice it, and
    ``ceiling``: the database's own rate for writing those pupils (:func:`ceiling`)."""
    sizes = [_best(size) for size in (rows // 5, rows, rows * 2)]
    best = max((ceiling(rows) for _ in range(REPEATS)), key=lambda r: r["rows_per_s"])
    return {**sizes[1], "sizes": sizes, "ceiling": best}


def ceiling(rows: int) -> dict[str, Any]:
    """What no import can beat here: the roster's ``rows`` pupils written by one PostgreSQL
    ``COPY`` straight into the migrated, empty ``students`` table (its keys and indexes as
    the registry has them), in ID order, in one transaction — the schools and classes made
    beforehand, the text built in memory beforehand; only the ``COPY`` and its commit timed.
    The import must also read and check the file, stage each batch and look each pupil up."""
    import time

    import psycopg

    from store.migrate import upgrade

    pupils = []
    classes: dict[tuple[str, str], int] = {}
    schools: dict[str, str] = {}
    with roster_file(rows).open(encoding="utf-8") as source:
        next(source)
        for line in source:
            _level, school, school_name, room, _t, _n, number, name = line.rstrip("\n").split(",")
            schools.setdefault(school, school_name)
            klass = classes.setdefault((school, room), len(classes) + 1)
            pupils.append(f"{number}\t{name}\t{school}\t{klass}\tsenior_high\tt\n")
    pupils.sort()
    text = "".join(pupils).encode("utf-8")
    with reg.scratch_database() as url:
        upgrade(url, "central")
        with psycopg.connect(reg.plain_url(url)) as conn:
            with conn.cursor().copy("COPY schools (code, name, level) FROM STDIN") as copy:
                for code, school_name in schools.items():
                    copy.write_row((code, school_name, "senior_high"))
            with conn.cursor().copy(
                "COPY school_classes (id, school_code, name) FROM STDIN"
            ) as copy:
                for (school, room), klass in classes.items():
                    copy.write_row((klass, school, room))
            conn.commit()
            started = time.perf_counter()
            with conn.cursor().copy(
                "COPY students (id_number, name, school_code, class_id, level, enrolled) FROM STDIN"
            ) as copy:
                for start in range(0, len(text), 1 << 20):
                    copy.write(text[start : start + (1 << 20)])
            conn.commit()
            seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds, 1)}


def _best(rows: int) -> dict[str, Any]:
    runs = [_once(rows) for _ in range(REPEATS)]
    best = min(runs, key=lambda r: (r["exit_status"] != 0, r["seconds"]))
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs), "repeats": len(runs)}


#: Runs a command and prints its time, exit status, stderr and peak memory as JSON.
_LAUNCHER: Final = """
import json, os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
error = process.stderr.read()
_pid, status, usage = os.wait4(process.pid, 0)
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "status": os.waitstatus_to_exitcode(status),
    "maxrss_kb": usage.ru_maxrss,
    "stderr": error.decode(errors="replace"),
}))
"""


def _once(rows: int) -> dict[str, Any]:
    """Imports a roster of ``rows`` pupils once; the measurements."""
    path = roster_file(rows)
    with reg.scratch_database() as url:
        command = [str(Path(sys.executable).parent / "registry"), "import-roster", str(path)]
        env = {
            **os.environ,
            "REGISTRY_DATABASE_URL": url,
            "REGISTRY_PASSWORD_HASHING__TIME_COST": "1",
        }
        # Migrating the empty database first: not part of the import.
        subprocess.run(
            [
                str(Path(sys.executable).parent / "python"),
                "-c",
                f"import store.migrate as m, sys; m.upgrade({url!r}, 'central')",
            ],
            check=True,
        )
        # Run from a small launcher: a child's peak memory (wait4's ru_maxrss) starts at its
        # parent's when the parent is large, and this bench's process holds the HTTP part's
        # 3,000,000-pupil fixture by now.
        answer = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *command],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        report = json.loads(answer.stdout)
        seconds = float(report["seconds"])
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1),
        "peak_mb": round(int(report["maxrss_kb"]) / 1024, 1),
        "exit_status": int(report["status"]),
        "stderr": str(report["stderr"])[-500:],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000), indent=2))
