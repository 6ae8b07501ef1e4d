"""What is past its retention goes: old send events, login failures, unused challenges,
notification records and audit rows; what an application or a live session needs stays."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from kiosk.domain.contact import Channel
from registry.app import create_app
from registry.services.retention import prune
from store.central import (
    AuditEvent,
    CodeChallenge,
    LoginClient,
    LoginFailure,
    NotificationRecord,
    ParentSession,
    SendEvent,
)
from tests.registry.harness import Live, serve_in_thread

EMAIL = "annie.sun2@hy-tech.com.tw"


def _old_rows(live: Live) -> None:
    long_ago = live.clock() - timedelta(days=4 * 365)
    with live.sessions.begin() as session:
        session.add(SendEvent(channel=Channel.EMAIL, address="old@example.org", at=long_ago))
        session.add(LoginFailure(login="staff:x", client="192.0.2.1", at=long_ago))
        session.add(
            CodeChallenge(
                id=uuid.uuid4(),
                channel=Channel.EMAIL,
                address="old@example.org",
                code_hash="0" * 64,
                created_at=long_ago,
                expires_at=long_ago,
            )
        )
        session.add(
            NotificationRecord(
                created_at=long_ago,
                channel=Channel.EMAIL,
                recipient="old@example.org",
                kind="code",
                status="sent",
            )
        )
        session.add(AuditEvent(at=long_ago, actor="cli", action="old", subject=None, detail={}))
        session.add(LoginClient(login="staff:x", client="192.0.2.1", at=long_ago))
        # A message still waiting to be sent is kept however old (no registry ran meanwhile).
        session.add(
            NotificationRecord(
                created_at=long_ago,
                channel=Channel.EMAIL,
                recipient="old@example.org",
                kind="binding_approved",
                status="waiting",
                subject="s",
                body="b",
                next_attempt_at=None,  # not due: this test's sending loop leaves it alone
            )
        )


def _count(live: Live, table: type) -> int:
    with live.sessions() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_pruning_keeps_what_applications_and_live_sessions_need(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    answer = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert answer.status_code == 201, answer.text
    _old_rows(live)
    with live.sessions.begin() as session:
        removed = prune(session, now=live.clock())
    assert removed["send_events"] == 1
    assert removed["login_failures"] == 1
    assert removed["code_challenges"] == 1  # the old one; the application's stays
    assert removed["notifications"] == 1
    assert removed["audit_events"] == 1
    assert removed["login_clients"] == 1
    with live.sessions() as session:
        waiting = session.scalars(
            select(NotificationRecord.kind).where(NotificationRecord.status == "waiting")
        ).all()
    assert waiting == ["binding_approved"]
    assert _count(live, ParentSession) == 1
    with live.sessions() as session:
        kept = session.scalars(select(CodeChallenge.id)).all()
    assert [str(c) for c in kept] == [challenge]
    # A year on the session still stands (an offline kiosk may push under it); later it goes.
    live.clock.advance(days=365)
    with live.sessions.begin() as session:
        assert prune(session, now=live.clock())["parent_sessions"] == 0
    live.clock.advance(days=40)
    with live.sessions.begin() as session:
        assert prune(session, now=live.clock())["parent_sessions"] == 1
        # The challenge stays while the application names it.
    assert _count(live, CodeChallenge) == 1


def test_a_starting_registry_prunes_in_the_background(live: Live) -> None:
    _old_rows(live)
    url, stop = serve_in_thread(create_app(live.settings, clock=live.clock))
    try:
        deadline = time.monotonic() + 30
        while _count(live, SendEvent) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count(live, SendEvent) == 0
        with live.sessions() as session:
            actions = session.scalars(select(AuditEvent.action)).all()
        assert actions  # the kiosk's enrollment is recent: it stays
        assert "old" not in actions
    finally:
        stop()
    del url
