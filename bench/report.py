"""``docs/PERFORMANCE.md`` and its plot, written from ``bench/results/latest.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parent.parent
DOC: Final = ROOT / "docs" / "PERFORMANCE.md"
PLOT: Final = ROOT / "docs" / "performance-latency.png"


def plot(results: dict[str, Any], path: Path = PLOT) -> bool:
    """Latency (p50 and p99) against throughput for the look-up and the submission; whether a
    plot was drawn (matplotlib is a dev dependency)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    http = results.get("http", {})
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, kind, title in zip(
        axes,
        ("verify", "submit"),
        ("POST /v1/students/verify", "POST /v1/applications"),
        strict=True,
    ):
        levels = sorted(http.get(kind, {}).values(), key=lambda level: level["connections"])
        rates = [level["per_s"] for level in levels]
        for key, style in (("p50_ms", "o-"), ("p99_ms", "s--")):
            axis.plot(rates, [level[key] for level in levels], style, label=key[:3])
        for level in levels:
            axis.annotate(f"{level['connections']} conn.", (level["per_s"], level["p99_ms"]))
        axis.set_title(title)
        axis.set_xlabel("requests/s (one registry process, one core)")
        axis.set_ylabel("latency (ms)")
        axis.set_yscale("log")
        axis.grid(True, alpha=0.3)
        axis.legend()
    figure.tight_layout()
    path.parent.mkdir(exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


#: The row of the kiosk's memory once everything behind the Welcome is built.
_STARTED: Final = "kiosk memory, started (store, client, screens and the first step built; idle)"

#: What issue 15 measured before this work, on this machine (for comparison only).
_BEFORE: Final = {
    "`GET /v1/health`": "1.9k/s; a bare FastAPI app 2.4k/s (0.79×)",
    "`POST /v1/applications` (new parent, one student)": "75–79/s; p50 190 ms at 16 conn., "
    "820 ms at 64; 17 ms alone",
    "`POST /v1/students/verify`": "144/s over 500,000 pupils; 7.7 ms alone",
    "`kiosk sync` draining a backlog": "59/s to PostgreSQL (1,000)",
    "`registry import-roster`": "6.9k rows/s; 349 MB at 100k rows, 1.32 GB at 500k",
    "kiosk start, to a usable Welcome": "5.1× (3.88× after the first round)",
    "kiosk memory": "3.2×",
    "kiosk memory, at the usable Welcome": "3.2× (3.14× after the first round)",
    _STARTED: "3.2× (3.14× after the first round: everything was built before the Welcome)",
    "step transition (Welcome → next, a tap)": "0.08–0.34 s (1.69× after the first round)",
}


def _fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _ceiling(http: dict[str, Any], kind: str, top: str) -> str:
    """The ceiling's figures for the floor column: what the bare app does with only the one
    committed statement that ``kind`` must at least make (``bench/_bare_app.py``)."""
    one = http.get(kind, {}).get(top)
    if not one:
        return ""
    what = (
        "spending a token and reading the pupil"
        if kind == "ceiling"
        else ("spending a token and writing the application and its binding")
    )
    text = (
        f"; ceiling, the bare app {what} in one committed statement: "
        f"{_fmt(one['per_s'], 0)}/s on 1 core (p99 {_fmt(one['p99_ms'])} ms at {top} conn.)"
    )
    two = http.get(f"{kind}_2_workers", {}).get(top)
    if two:
        text += f", {_fmt(two['per_s'], 0)}/s with 2 workers on 2 cores"
    return text


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(what, now, target, floor, met) for each figure of the issue's table."""
    rows: list[tuple[str, str, str, str, str]] = []
    http = results.get("http")
    if http:
        floor = http["floor_per_s"]
        ratio = http["health_ratio"]
        rows.append(
            (
                "`GET /v1/health`",
                f"{_fmt(http['health']['per_s'], 0)}/s = **{ratio:.2f}×** the floor",
                "≥ 0.8× a bare FastAPI app",
                f"bare FastAPI app validating a POST body: {_fmt(floor, 0)}/s",
                "yes" if ratio >= 0.8 else "no",
            )
        )
        submit = http["submit"]
        top = max(submit, key=int)
        two = http.get("submit_2_workers", {}).get(top)
        alone = http.get("submit_alone_ms")
        text = (
            f"{_fmt(submit[top]['per_s'])}/s on 1 core (p50 {_fmt(submit[top]['p50_ms'])} ms, "
            f"p99 {_fmt(submit[top]['p99_ms'])} ms at {top} conn.)"
        )
        if two:
            text += (
                f"; `--workers 2` on 2 cores: {_fmt(two['per_s'])}/s, p99 {_fmt(two['p99_ms'])} ms"
            )
        if alone:
            text += f"; {_fmt(alone)} ms alone"
        best = max(submit[top]["per_s"], two["per_s"] if two else 0)
        rows.append(
            (
                "`POST /v1/applications` (new parent, one student)",
                text,
                "≥ 1,000/s, p99 ≤ 100 ms on 2 cores",
                f"= {best / floor:.3f}× the floor" + _ceiling(http, "ceiling_submit", top),
                "yes" if best >= 1000 and (two or submit[top])["p99_ms"] <= 100 else "no",
            )
        )
        verify = http["verify"]
        top = max(verify, key=int)
        two = http.get("verify_2_workers", {}).get(top)
        text = (
            f"{_fmt(verify[top]['per_s'])}/s on 1 core over {http['pupils']:,} pupils "
            f"(p50 {_fmt(verify[top]['p50_ms'])} ms, p99 {_fmt(verify[top]['p99_ms'])} ms)"
        )
        if two:
            text += f"; `--workers 2`: {_fmt(two['per_s'])}/s"
        if http.get("verify_alone_ms"):
            text += f"; {_fmt(http['verify_alone_ms'])} ms alone"
        best = max(verify[top]["per_s"], two["per_s"] if two else 0)
        rows.append(
            (
                "`POST /v1/students/verify`",
                text,
                "≥ 5,000/s over 3,000,000 pupils",
                f"= {best / floor:.3f}× the floor" + _ceiling(http, "ceiling", top),
                "yes" if best >= 5000 and http["pupils"] >= 3_000_000 else "no",
            )
        )
    sync = results.get("sync")
    if sync:
        rows.append(
            (
                "`kiosk sync` draining a backlog",
                f"{_fmt(sync['per_s'])}/s to PostgreSQL ({sync['backlog']:,} saved, "
                f"{sync.get('stored_at_registry', '?'):,} stored by the registry)",
                "≥ 500/s",
                "(absolute)",
                "yes"
                if sync["per_s"] >= 500 and sync.get("stored_at_registry") == sync["backlog"]
                else "no",
            )
        )
    roster = results.get("roster_import")
    if roster and roster.get("exit_status"):
        rows.append(
            (
                "`registry import-roster`",
                f"failed (exit status {roster['exit_status']})",
                "≥ 50k rows/s, ≤ 300 MB whatever the size",
                "(absolute)",
                "no",
            )
        )
    elif roster:
        # Other sizes (a fifth and twice the main one): memory is to stay flat.
        sizes = [s for s in roster.get("sizes", [roster]) if not s.get("exit_status")]
        others = "; ".join(
            f"{_fmt(s['rows_per_s'], 0)} rows/s, {_fmt(s['peak_mb'], 0)} MB at {s['rows']:,}"
            for s in sizes
            if s["rows"] != roster["rows"]
        )
        flat = all(s["peak_mb"] <= 300 for s in sizes)
        rows.append(
            (
                "`registry import-roster`",
                f"{_fmt(roster['rows_per_s'], 0)} rows/s; peak {_fmt(roster['peak_mb'], 0)} MB "
                f"at {roster['rows']:,} rows" + (f" ({others})" if others else ""),
                "≥ 50k rows/s, ≤ 300 MB whatever the size",
                "(absolute)"
                + (
                    f"; ceiling, one `COPY` of the same {c['rows']:,} pupils straight into the "
                    f"empty table: {_fmt(c['rows_per_s'], 0)} rows/s"
                    if (c := roster.get("ceiling"))
                    else ""
                ),
                "yes" if roster["rows_per_s"] >= 50_000 and flat else "no",
            )
        )
    start = results.get("startup")
    if start:
        rows += [
            (
                "kiosk start, to a usable Welcome",
                f"{_fmt(start['kiosk_welcome_s'], 3)} s = **{start['welcome_ratio']:.2f}×**; "
                f"first frame {start['ratio']:.2f}×",
                "≤ 2× the bare app",
                f"bare one-label Textual app: {_fmt(start['bare_first_frame_s'], 3)} s",
                "yes" if start["welcome_ratio"] <= 2 else "no",
            ),
            (
                "kiosk memory, at the usable Welcome",
                f"{_fmt(start['kiosk_maxrss_mb'], 0)} MB = **{start['memory_ratio']:.2f}×**",
                "≤ 2×",
                f"bare app: {_fmt(start['bare_maxrss_mb'], 0)} MB",
                "yes" if start["memory_ratio"] <= 2 else "no",
            ),
            *(
                [
                    (
                        _STARTED,
                        f"{_fmt(start['kiosk_settled_maxrss_mb'], 0)} MB = "
                        f"**{start['settled_memory_ratio']:.2f}×**; "
                        f"built {_fmt(start['kiosk_settled_s'], 3)} s after launch",
                        "≤ 2×",
                        f"bare app: {_fmt(start['bare_maxrss_mb'], 0)} MB",
                        "yes" if start["settled_memory_ratio"] <= 2 else "no",
                    )
                ]
                if "settled_memory_ratio" in start
                else []
            ),
            (
                "step transition (Welcome → next, a tap)",
                f"{_fmt(start['kiosk_step_s'], 3)} s = **{start['step_ratio']:.2f}×**",
                "≤ 1.2× a bare screen push",
                f"bare screen push: {_fmt(start['bare_step_s'], 3)} s",
                "yes" if start["step_ratio"] <= 1.2 else "no",
            ),
        ]
    return rows


#: Frames every request passes through (the process's entry, the two ASGI wrappers): their
#: total says nothing about where the time goes.
_WRAPPERS = ("(registry/cli/", "RequestLimit.", "BodyLimitMiddleware.")


def _profile_lines(title: str, profile: dict[str, Any], seconds: float) -> list[str]:
    samples = profile.get("samples", 0)
    lines = [
        f"**{title}**: {samples} samples holding the GIL in {seconds:.0f} s at 100 Hz: Python "
        f"held the GIL {samples / (seconds * 100):.0%} of the time"
        + (
            f", while the process used {profile['cpu_share']:.0%} of a core (user and system "
            "time; the rest of it is C code that lets the GIL go — psycopg's I/O, the "
            "kernel's socket and thread hand-over calls)"
            if "cpu_share" in profile
            else ""
        ),
        "",
    ]
    lines += ["| own time | function |", "|---:|---|"]
    lines += [f"| {share * 100:.1f} % | `{name}` |" for name, share in profile["self"][:8]]
    ours = [(n, v) for n, v in profile["ours_total"] if not any(w in n for w in _WRAPPERS)]
    lines += ["", "| total | ours |", "|---:|---|"]
    lines += [f"| {share * 100:.1f} % | `{name}` |" for name, share in ours[:8]]
    return [*lines, ""]


def write(results: dict[str, Any], notes: str = "") -> Path:
    """Writes ``docs/PERFORMANCE.md`` (and the plot) from the results."""
    drew = plot(results) if results.get("http") else False
    table = [
        "| what | now | target | floor (same run) | met | before (the issue's figure) |",
        "|---|---|---|---|---|---|",
    ]
    table += [f"| {' | '.join(row)} | {_BEFORE.get(row[0], '')} |" for row in _rows(results)]
    machine = results.get("machine", {})
    lines = [
        "# Performance",
        "",
        f"Written by `make bench` on {results.get('date', '?')}"
        + (" (BENCH_QUICK=1: a subset, smaller sizes)" if results.get("quick") else "")
        + "."
        + (
            " Parts measured at: "
            + ", ".join(f"{part} {when}" for part, when in sorted(results["part_dates"].items()))
            + "."
            if len(set(results.get("part_dates", {}).values())) > 1
            else ""
        ),
        "",
        f"Machine: {machine.get('cpus', '?')} cores ({machine.get('cpu', '?')}), "
        f"{machine.get('memory_gb', '?')} GB, PostgreSQL {machine.get('postgresql', '?')} on "
        f"loopback, Python {machine.get('python', '?')}. " + (machine.get("shared", "") or ""),
        "",
        "The registry is pinned to CPU 0 with `taskset`, wrk (a Lua script replaying pre-signed "
        "requests, one fresh kiosk JWT each) to CPU 1; `--workers 2` runs on both. Each figure "
        "is the median of repeated runs, and each ratio is against a floor measured in the same "
        "run. Raw numbers: `bench/results/latest.json`.",
        "",
        *table,
        "",
    ]
    if drew:
        lines += [
            "![latency against load](performance-latency.png)",
            "",
            "Latency against throughput, one registry process on one core, at 1, 16 and 64 "
            "connections.",
            "",
        ]
    if notes:
        lines += [notes.strip(), ""]
    profile = results.get("http", {}).get("profile_after")
    before = results.get("profile_before")
    if profile or before:
        lines += [
            "## Profiles (py-spy, `--gil`, 16 connections)",
            "",
            "Before: at commit ab926d2 (h11, asyncio, one kiosk, 100,000 pupils); after: this "
            "run. Shares are of the samples holding the GIL.",
            "",
        ]
        for kind in ("verify", "submit"):
            if before and kind in before:
                lines += _profile_lines(f"{kind}, before", before[kind], 6)
            if profile and kind in profile:
                seconds = results["http"].get("seconds_per_run", 6)
                lines += _profile_lines(f"{kind}, after", profile[kind], seconds)
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines), encoding="utf-8")
    return DOC


if __name__ == "__main__":
    # Renders the document again from the last run (after editing the notes, say).
    here = Path(__file__).resolve().parent
    notes = here / "performance-notes.md"
    latest = json.loads((here / "results" / "latest.json").read_text(encoding="utf-8"))
    print(write(latest, notes.read_text(encoding="utf-8") if notes.exists() else ""))
