"""The file outbox keeps every message as one JSON line and reads the latest back."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.demo import DemoOutbox
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.masking import mask_contact
from kiosk.domain.outbox_line import OutboxLine
from registry import cli
from registry.notify import FileOutbox, Notification
from registry.notify.messages import code_message

ROOT = Path(__file__).resolve().parents[2]


class StepClock:
    """A clock that moves one second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def test_a_message_is_one_json_line_in_the_documented_format(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path / "data" / "outbox.jsonl", clock=StepClock())

    outbox.send(code_message(Contact(Channel.EMAIL, "cooc123@gmail.com"), "549497", 60))

    [line] = (tmp_path / "data" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(line)
    assert set(record) == {"id", "channel", "to", "subject", "body", "created_at", "meta"}
    assert record["channel"] == "email"
    assert record["to"] == "cooc123@gmail.com"
    assert record["meta"] == {"kind": "code", "code": "549497"}
    assert record["created_at"] == "2026-09-01T08:00:01+00:00"
    assert "您的驗證碼為 549497" in record["body"]
    assert "\\u" not in line  # readable Chinese for whoever opens the file


def test_latest_reads_back_the_newest_for_one_address(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path / "outbox.jsonl", clock=StepClock())
    for n in range(5):
        outbox.send(code_message(Contact(Channel.SMS, "+886928942045"), f"00000{n}", 60))
        outbox.send(code_message(Contact(Channel.EMAIL, "a@example.com"), f"11111{n}", 60))

    latest = outbox.latest(2, to="+886928942045")

    assert [e.meta["code"] for e in latest] == ["000003", "000004"]
    assert all(e.kind == "code" for e in latest)
    assert latest[0].created_at < latest[1].created_at
    assert [e.meta["code"] for e in outbox.latest(1)] == ["111114"]


def test_the_demo_kiosk_reads_the_codes_the_registry_writes(tmp_path: Path) -> None:
    """One line format for both sides: kiosk.domain.outbox_line."""
    path = tmp_path / "outbox.jsonl"
    clock = StepClock()
    outbox = FileOutbox(path, clock=clock)
    contact = Contact(Channel.SMS, "+886928942045")
    outbox.send(code_message(contact, "549497", 60))
    feed = DemoOutbox(path, now=clock)
    feed.follow(contact)

    assert feed.latest_code() == (mask_contact(contact), "549497")
    [line] = path.read_text(encoding="utf-8").splitlines()
    assert OutboxLine.from_json(line).to_json() == line


def test_an_outbox_not_written_yet_is_empty(tmp_path: Path) -> None:
    assert FileOutbox(tmp_path / "nothing.jsonl").latest(10) == []


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    outbox = FileOutbox(path)
    outbox.send(code_message(Contact(Channel.EMAIL, "a@example.com"), "123456", 60))
    with path.open("a", encoding="utf-8") as file:
        file.write('{"id": "half a li')

    assert [e.meta["code"] for e in outbox.latest(10)] == ["123456"]


def test_threads_and_processes_writing_at_once_lose_and_tear_nothing(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    outbox = FileOutbox(path)
    body = "長" * 2000  # longer than one pipe buffer, so an unlocked write could interleave

    def write(prefix: str) -> None:
        for n in range(25):
            outbox.send(Notification(Channel.EMAIL, f"{prefix}{n}@example.com", "s", body, {}))

    script = (
        "import sys; from pathlib import Path; from kiosk.domain.contact import Channel; "
        "from registry.notify import FileOutbox, Notification; o = FileOutbox(Path(sys.argv[1])); "
        "[o.send(Notification(Channel.SMS, f'+8869{n:08d}', 's', '長' * 2000, {})) "
        "for n in range(50)]"
    )
    other = subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT)
    threads = [threading.Thread(target=write, args=(f"t{i}-",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert other.wait(timeout=60) == 0

    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 * 25 + 50
    entries = outbox.latest(1000)
    assert len(entries) == len(lines)
    assert len({e.id for e in entries}) == len(lines)
    assert all(e.body == body for e in entries)


def test_registry_outbox_prints_the_latest_codes_for_an_address_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # the table for people, as on a terminal
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)
    monkeypatch.delenv("REGISTRY_NOTIFY__OUTBOX", raising=False)
    outbox = FileOutbox(tmp_path / "outbox.jsonl", clock=StepClock())
    outbox.send(code_message(Contact(Channel.SMS, "+886928942045"), "549497", 60))
    outbox.send(code_message(Contact(Channel.EMAIL, "cooc123@gmail.com"), "123456", 60))

    status = cli.main(["outbox", "--data", str(tmp_path), "--to", "0928-942-045"])
    out = capsys.readouterr().out

    assert status == 0
    assert "549497" in out
    assert "簡訊" in out
    assert "+886928942045" in out
    assert "123456" not in out


def test_registry_outbox_says_when_there_is_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("REGISTRY_DATABASE_URL", raising=False)

    assert cli.main(["outbox", "--data", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert printed.out == ""  # piped: stdout is for JSON lines only
    assert "沒有訊息" in printed.err
