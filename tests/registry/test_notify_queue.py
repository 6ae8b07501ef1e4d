"""A decision's email is never silently lost: queued with the decision, retried with backoff
until the mail server takes it, once, whichever registry process sends it; given up on visibly.

The mail server is a real one (aiosmtpd on loopback), down at first: its port refuses
connections until the test starts it. Codes go by SMS to the file outbox (the parent session
needs one), so every email is a decision's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import httpx
import pytest
from aiosmtpd import handlers
from aiosmtpd.controller import Controller
from sqlalchemy import select

from kiosk.domain.contact import Channel
from registry import cli
from registry.app import create_app
from registry.notify import FileOutbox, Notification, SmtpNotifier
from registry.notify.router import ChannelRouter
from registry.services import notifications
from registry.settings import RegistrySettings
from store.central import NotificationRecord, NotificationStatus
from store.engine import make_engine, make_session_factory
from tests.registry.conftest import Database
from tests.registry.harness import (
    FAST_HASHING,
    MAIL_SETTLED,
    Clock,
    Live,
    enroll_kiosk,
    free_port,
    serve_in_thread,
)

PHONE = "0928942045"
SENDER = "no-reply@cooc.tp.edu.tw"
#: Seconds the slow mail relay takes to accept a message.
SLOW_RELAY = 6.0
#: The test registry's SMTP timeout (connecting and each reply): longer than the slow relay.
SMTP_TIMEOUT = SLOW_RELAY + 4


class Inbox(handlers.Message):
    """Keeps every message the server accepted (a little slowly, so senders overlap)."""

    def __init__(self, takes: float = 0.01) -> None:
        super().__init__()
        self.messages: list[Message] = []
        self.takes = takes

    def handle_message(self, message: Message) -> None:
        time.sleep(self.takes)
        self.messages.append(message)

    def subjects(self) -> list[str]:
        return [str(make_header(decode_header(m["Subject"]))) for m in self.messages]


@contextmanager
def smtp_on(port: int, takes: float = 0.01) -> Iterator[Inbox]:
    """A real SMTP server on ``port`` of 127.0.0.1 for the block, taking ``takes`` seconds to
    accept each message."""
    inbox = Inbox(takes)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


class Registries:
    """Registry processes sharing one database, one clock and one (down) mail server port."""

    def __init__(self, database: Database, tmp_path: Path) -> None:
        self.database = database
        self.tmp_path = tmp_path
        self.clock = Clock()
        self.smtp_port = free_port()
        self.engine = make_engine(database.url)
        self.sessions = make_session_factory(self.engine)
        self._stops: list[Callable[[], None]] = []

    def start(self) -> tuple[str, RegistrySettings]:
        """Starts one more registry process (its own engine, sending loop and notifier)."""
        settings = RegistrySettings(
            database_url=self.database.url,
            data_dir=self.tmp_path / "data",
            password_hashing=FAST_HASHING,
            outbox_every_seconds=0.05,
        )
        notifier = ChannelRouter(
            email=SmtpNotifier("127.0.0.1", self.smtp_port, SENDER, timeout=SMTP_TIMEOUT),
            sms=FileOutbox(settings.notify_config.outbox),
        )
        base_url, stop = serve_in_thread(create_app(settings, clock=self.clock, notifier=notifier))
        self._stops.append(stop)
        return base_url, settings

    def stop(self) -> None:
        for stop in self._stops:
            stop()
        self.engine.dispose()

    def rows(self) -> list[NotificationRecord]:
        """The messages other than codes (those are sent at once, by SMS here)."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(NotificationRecord)
                    .where(NotificationRecord.kind != "code")
                    .order_by(NotificationRecord.id)
                )
            )


@pytest.fixture
def registries(database: Database, tmp_path: Path) -> Iterator[Registries]:
    running = Registries(database, tmp_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def live(registries: Registries) -> Iterator[Live]:
    """One registry of ``registries``, driven like the usual ``live``."""
    base_url, settings = registries.start()
    with httpx.Client(base_url=base_url, timeout=30, event_hooks=MAIL_SETTLED) as http:
        kiosk = enroll_kiosk(http, registries.sessions, registries.clock, settings.limits)
        yield Live(
            base_url=base_url,
            url=registries.database.url,
            clock=registries.clock,
            settings=settings,
            engine=registries.engine,
            sessions=registries.sessions,
            outbox=FileOutbox(settings.notify_config.outbox),
            roster=registries.database.roster,
            http=http,
            kiosk=kiosk,
            backend=registries.database.backend,
        )


def _approve(live: Live) -> None:
    _token, challenge = live.parent_session(PHONE, Channel.SMS)
    answer = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert answer.status_code == 201, answer.text
    binding = answer.json()["bindings"][0]["binding_id"]
    approved = live.staff(
        "POST", f"/v1/staff/bindings/{binding}/approve", live.staff_token("t.lin")
    )
    assert approved.status_code == 200, approved.text


def _until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


def _outbox_command(url: str, capsys: pytest.CaptureFixture[str], *more: str) -> str:
    assert cli.main(["outbox", "--database", url, *more]) == 0
    shown = capsys.readouterr()  # piped: the words on stderr, the queued messages as JSON lines
    return shown.err + shown.out


def test_an_approval_mailed_while_smtp_is_down_is_sent_once_when_it_is_up(
    live: Live,
    registries: Registries,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    _approve(live)

    # The approval stands, and its email (and the application's notice) waits at the registry.
    queued = registries.rows()
    assert [(row.kind, row.status, row.attempts) for row in queued] == [
        ("application_received", "waiting", 1),
        ("account_created", "waiting", 1),
    ]
    assert all(row.error and row.error.startswith("unreachable") for row in queued)
    shown = _outbox_command(live.url, capsys)
    assert "待寄 2 則" in shown
    assert "account_created" in shown
    assert "annie.sun2@hy-tech.com.tw" in shown

    with smtp_on(registries.smtp_port) as inbox:
        time.sleep(0.5)  # not due yet: the first retry is 30 seconds after the failure
        assert inbox.messages == []
        live.clock.advance(seconds=31)
        _until(lambda: len(inbox.messages) == 2)
        for _ in range(5):  # later rounds, however late, send nothing again
            live.clock.advance(hours=2)
            time.sleep(0.2)
        assert len(inbox.messages) == 2
        assert [m["To"] for m in inbox.messages] == ["annie.sun2@hy-tech.com.tw"] * 2

    _until(lambda: {row.status for row in registries.rows()} == {NotificationStatus.SENT})
    sent = registries.rows()
    assert [(row.status, row.attempts) for row in sent] == [("sent", 2), ("sent", 2)]
    assert all(row.body is None and row.subject is None for row in sent)
    assert "待寄 0 則，已放棄 0 則" in _outbox_command(live.url, capsys)


def test_the_answer_does_not_wait_for_a_slow_mail_server(
    live: Live, registries: Registries
) -> None:
    # The parent's application is answered before the slow relay has accepted the confirmation,
    # which follows from the registry's courier (the same sent log as before). Measured against
    # the relay's delay, not a fixed bound: a loaded machine may take seconds to answer.
    _token, challenge = live.parent_session(PHONE, Channel.SMS)
    submission = live.submission(challenge, live.roster.at("353301")[:1])
    with smtp_on(registries.smtp_port, takes=SLOW_RELAY) as inbox:
        started = time.monotonic()
        answer = httpx.post(  # not live.http: its hooks wait for the mail
            f"{live.base_url}/v1/applications",
            content=submission.model_dump_json(),
            headers={**live.kiosk.headers(), "Content-Type": "application/json"},
            timeout=30,
        )
        took = time.monotonic() - started
        accepted_meanwhile = len(inbox.messages)
        assert answer.status_code == 201, answer.text
        assert accepted_meanwhile == 0
        assert took < SLOW_RELAY
        _until(lambda: len(inbox.messages) == 1)
    assert [m["To"] for m in inbox.messages] == ["annie.sun2@hy-tech.com.tw"]


def test_two_registry_processes_send_each_queued_message_once(
    live: Live, registries: Registries
) -> None:
    registries.start()  # a second process on the same database, with its own sending loop
    with registries.sessions.begin() as session:
        notifications.queue(
            session,
            [
                Notification(Channel.EMAIL, f"parent{n}@example.net", f"message {n}", "body")
                for n in range(40)
            ],
            now=live.clock(),
        )

    with smtp_on(registries.smtp_port) as inbox:
        live.clock.advance(seconds=31)
        _until(lambda: {row.status for row in registries.rows()} == {NotificationStatus.SENT})
        time.sleep(0.5)
        subjects = inbox.subjects()

    assert sorted(subjects) == sorted(f"message {n}" for n in range(40))


def test_a_message_is_given_up_on_after_its_attempts_and_can_be_sent_again(
    live: Live,
    registries: Registries,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    _approve(live)
    approval = registries.rows()[-1].id

    def attempts() -> int:
        return next(row.attempts for row in registries.rows() if row.id == approval)

    for tried in range(2, notifications.RETRY.attempts + 1):
        live.clock.advance(hours=1, seconds=1)  # the longest wait
        _until(lambda tried=tried: attempts() == tried)  # type: ignore[misc]
    # The attempt is counted when it is claimed; it is given up on once it has failed.
    _until(lambda: all(row.status == NotificationStatus.FAILED for row in registries.rows()))
    row = next(row for row in registries.rows() if row.id == approval)
    assert row.body  # kept, to be sent again
    shown = _outbox_command(live.url, capsys)
    assert "account_created" in shown
    assert "已放棄 2 則" in shown

    # The mail server is fixed first, then the operator queues them again: a sending round
    # between the two would try them once more against the dead server (and wait 30 s).
    with smtp_on(registries.smtp_port) as inbox:
        assert "已重新排入：2 則" in _outbox_command(live.url, capsys, "--retry")
        _until(lambda: {row.status for row in registries.rows()} == {NotificationStatus.SENT})
        assert len(inbox.messages) == 2
