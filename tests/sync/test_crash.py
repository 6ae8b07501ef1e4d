"""SIGKILL at each step of a push, then a restart: no application lost, none doubled.

``kiosk sync`` runs as a process that kills itself (SIGKILL, no clean-up of any kind) when its
first push reaches the named step: before sending, after the registry committed but before the
kiosk noted it, and after the kiosk noted it. Each restart goes on from what the local database
holds; the registry stores each application once and tells each parent once.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from kiosk.sync import CrashPoint
from tests.registry.conftest import Template
from tests.sync.harness import (
    enrolled_kiosk,
    registry_process,
    saved_while_down,
)

APPLICATIONS = 4


@pytest.mark.slow
def test_a_push_killed_at_any_step_is_finished_by_the_next_run_exactly_once(
    tmp_path: Path, sqlite_template: Template
) -> None:
    with registry_process(tmp_path, sqlite_template.location) as registry:
        # One push at a time, so the kill comes at a known application.
        kiosk = enrolled_kiosk(tmp_path / "kiosk", registry, concurrency=1, batch_size=1)
        ids = saved_while_down(kiosk, registry, sqlite_template.roster.students, APPLICATIONS)
        registry.start()
        first = ids[0]

        def killed_at(point: CrashPoint) -> None:
            run = kiosk.sync("--all", crash_at=point.value)
            assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr

        killed_at(CrashPoint.BEFORE_SEND)
        assert registry.applications(ids) == {}
        assert kiosk.waiting() == APPLICATIONS

        killed_at(CrashPoint.AFTER_COMMIT)
        # The registry has the first application; the kiosk never heard, so it still waits.
        assert registry.applications(ids) == {first: 1}
        assert kiosk.waiting() == APPLICATIONS
        applications = kiosk.services.store.applications
        assert applications.get(first).pushed_at is None  # type: ignore[union-attr]

        killed_at(CrashPoint.AFTER_ACK)
        # The replay was answered with the stored result and noted; nothing new was stored.
        assert registry.applications(ids) == {first: 1}
        assert kiosk.waiting() == APPLICATIONS - 1
        assert applications.get(first).pushed_at is not None  # type: ignore[union-attr]

        done = kiosk.sync("--all")
        assert done.returncode == 0, done.stdout + done.stderr
        assert registry.applications(ids) == {application_id: 1 for application_id in ids}
        assert kiosk.waiting() == 0
        # Told once each: the replays after the kills were recognised as replays.
        assert len(registry.receipts_told()) == APPLICATIONS
        assert len(set(registry.receipts_told())) == APPLICATIONS
