"""A backlog goes up in batches (``POST /v1/applications/batch``): SIGKILL at each step of a
batch's push, then a restart: every application of it stored once, every parent told once."""

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

APPLICATIONS = 6


@pytest.mark.slow
def test_a_batch_killed_at_any_step_is_finished_by_the_next_run_exactly_once(
    tmp_path: Path, sqlite_template: Template
) -> None:
    with registry_process(tmp_path, sqlite_template.location) as registry:
        kiosk = enrolled_kiosk(tmp_path / "kiosk", registry, concurrency=1, batch_size=100)
        ids = saved_while_down(kiosk, registry, sqlite_template.roster.students, APPLICATIONS)
        registry.start()

        def killed_at(point: CrashPoint) -> None:
            run = kiosk.sync("--all", crash_at=point.value)
            assert run.returncode == -signal.SIGKILL, run.stdout + run.stderr

        killed_at(CrashPoint.BEFORE_SEND)
        assert registry.applications(ids) == {}
        assert kiosk.waiting() == APPLICATIONS

        killed_at(CrashPoint.AFTER_COMMIT)
        # The registry stored the whole batch in one request; the kiosk never heard.
        assert registry.applications(ids) == {application_id: 1 for application_id in ids}
        assert kiosk.waiting() == APPLICATIONS

        killed_at(CrashPoint.AFTER_ACK)
        # The batch's replay was answered with what was stored and noted in one go.
        assert registry.applications(ids) == {application_id: 1 for application_id in ids}
        assert kiosk.waiting() == 0

        done = kiosk.sync("--all")
        assert done.returncode == 0, done.stdout + done.stderr
        assert kiosk.waiting() == 0
        assert len(registry.receipts_told()) == APPLICATIONS
        assert len(set(registry.receipts_told())) == APPLICATIONS
