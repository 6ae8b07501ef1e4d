"""SIGKILL right after the success page: the application is there on restart, and uploads once.

A parent walks a real kiosk process (the production boot, under a headless pilot) to 「送出資料」
while the registry is away; the success page says 「已儲存，網路恢復後自動上傳」 with the receipt
number; at that moment the process is SIGKILLed. Restarted, the kiosk has the application with
that receipt (待上傳), and once the registry is back it arrives, once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.status import StudentStatus
from tests.registry.conftest import Template
from tests.sync.harness import (
    CONTACT_EMAIL,
    PATIENCE,
    ROOT,
    SCHOOL_NAMES,
    enrolled_kiosk,
    open_kiosk,
    parents,
    registry_process,
)


@pytest.mark.slow
def test_an_application_shown_as_saved_survives_a_sigkill_and_arrives_once(
    tmp_path: Path, sqlite_template: Template
) -> None:
    pupil = sqlite_template.roster.at("353601")[0]
    parent = parents(1, seed=99)[0]
    people = tmp_path / "people.json"
    people.write_text(
        json.dumps(
            {
                "contact": CONTACT_EMAIL,
                "student_id": pupil.id_number,
                "student_name": pupil.name,
                "class_name": pupil.class_name,
                "school_code": pupil.school_code,
                "school_name": SCHOOL_NAMES[pupil.school_code],
                "level": pupil.level.value,
                "parent_id": parent.id_number,
                "parent_name": parent.name,
                "email": parent.email,
                "phone": parent.phone,
            }
        )
    )
    with registry_process(tmp_path, sqlite_template.location) as registry:
        kiosk = enrolled_kiosk(tmp_path / "kiosk", registry)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "TEXTUAL"))}
        counter = subprocess.Popen(
            [
                *(sys.executable, "-m", "tests.sync.kiosk_at_the_counter", str(kiosk.config)),
                *(str(registry.data_dir), str(registry.database), str(people)),
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert counter.stdin is not None
            assert counter.stdout is not None
            assert _next_line(counter) == "READY"
            registry.stop()
            counter.stdin.write("go\n")
            counter.stdin.flush()
            kind, _, shown = _next_line(counter).partition(" ")
            assert kind == "SUCCESS"
            # The success page is on screen: kill the kiosk there and then.
            counter.send_signal(signal.SIGKILL)
            assert counter.wait(PATIENCE) == -signal.SIGKILL
        finally:
            if counter.poll() is None:
                counter.kill()
                counter.wait(PATIENCE)
        page = json.loads(shown)
        # What the parent was told: saved, uploaded when the network is back; the receipt.
        assert str(page["offline"]).startswith("已儲存，網路恢復後自動上傳")
        assert page["sync_runs"] >= 1
        receipt = page["receipt"].removeprefix("收件編號：")

        # Restarted: the application is there, waiting, with the receipt the parent was given.
        restarted = open_kiosk(kiosk.config)
        contact = Contact(Channel.EMAIL, CONTACT_EMAIL)
        [stored] = restarted.services.store.applications.applications_for_contact(contact)
        assert stored.receipt == receipt
        assert [s.status for s in stored.students] == [StudentStatus.QUEUED]
        assert stored.parent is not None
        assert stored.parent.parent_id.value == parent.id_number

        registry.start()
        run = restarted.sync()
        assert run.returncode == 0, run.stdout + run.stderr
        assert registry.applications([stored.application_id]) == {stored.application_id: 1}
        assert registry.receipts_told() == [receipt]


def _next_line(process: subprocess.Popen[str]) -> str:
    """The next line the process prints (it prints within the test's timeout, or fails)."""
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"the kiosk stopped: {process.stderr.read() if process.stderr else ''}"
    return line.strip()
