"""The registry writes to a parent in the language they chose at the kiosk: the code, the
application received, the account created / binding approved and the rejection — English for an
English parent, Traditional Chinese for everyone else (and for a kiosk that does not say)."""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.i18n import Translator
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import (
    SignatureIn,
    SignatureKind,
    SubmissionIn,
    SubmissionParentIn,
    SubmissionStudentIn,
)
from registry.app import create_app
from registry.notify.messages import code_message
from registry.services.applications import content_hash
from registry.settings import Limits, RegistrySettings
from store.central import Application
from store.engine import make_engine, make_session_factory
from tests.registry.conftest import Database
from tests.registry.harness import (
    FAST_HASHING,
    MAIL_SETTLED,
    Clock,
    Live,
    enroll_kiosk,
    error_of,
    serve_in_thread,
)
from tests.registry.sms_gateway_double import running_gateway
from tests.registry.test_notify_smtp import Inbox, body_of, running_smtp, subject_of

EMAIL = "annie.sun2@hy-tech.com.tw"
SENDER = "no-reply@cooc.tp.edu.tw"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _english(text: str, *, allowed: tuple[str, ...] = ()) -> bool:
    """No Chinese in ``text`` apart from the roster's names given in ``allowed``."""
    for name in allowed:
        text = text.replace(name, "")
    return CJK.search(text) is None


def _code(live: Live, address: str, language: str | None) -> tuple[str, str]:
    body: dict[str, Any] = {"channel": "email", "address": address}
    if language is not None:
        body["language"] = language
    answer = live.http.post("/v1/codes", json=body, headers=live.kiosk.headers())
    assert answer.status_code == 202, answer.text
    [entry] = [e for e in live.outbox.latest(50, to=address) if e.kind == "code"][-1:]
    return entry.subject, entry.body


def _session(live: Live, address: str, language: str) -> str:
    body = {"channel": "email", "address": address, "language": language}
    answer = live.http.post("/v1/codes", json=body, headers=live.kiosk.headers())
    challenge: str = answer.json()["challenge_id"]
    verified = live.verify(challenge, live.last_code(address))
    assert verified.status_code == 200, verified.text
    return challenge


def test_the_code_comes_in_the_language_asked_for(live: Live) -> None:
    subject, body = _code(live, "english.parent@example.com", "en")
    assert subject == "Taipei CooC-Cloud parent binding: your verification code"
    assert "Your verification code is" in body
    assert _english(subject + body), body
    subject, body = _code(live, "chinese.parent@example.com", "zh_TW")
    assert "驗證碼" in subject
    assert "驗證碼" in body
    # A kiosk that does not say (an older one): Chinese, as before.
    subject, body = _code(live, "older.kiosk@example.com", None)
    assert "驗證碼" in body
    refused = live.http.post(
        "/v1/codes",
        json={"channel": "email", "address": "x@example.com", "language": "fr"},
        headers=live.kiosk.headers(),
    )
    assert refused.status_code == 400
    assert error_of(refused)["field"] == "language"


def test_an_english_parents_application_mails_are_english(live: Live) -> None:
    """Received, then the first approval (the account) and a rejection: all English, the
    roster's Chinese names aside; the language is kept with the application."""
    challenge = _session(live, EMAIL, "en")
    students = live.roster.at("353301")[:2]
    submission = live.submission(challenge, students).model_copy(update={"language": "en"})
    answer = live.submit(submission)
    assert answer.status_code == 201, answer.text
    # A replay of the same English application is the same application.
    assert live.submit(submission).status_code == 200
    with live.sessions() as session:
        assert session.scalars(select(Application.language)).all() == ["en"]
    names = (*(s.name for s in students), "王曉明")
    [received] = [e for e in live.outbox.latest(50, to=EMAIL) if e.kind == "application_received"]
    assert "received" in received.subject.lower()
    assert _english(received.subject + received.body, allowed=names), received.body

    first, second = answer.json()["bindings"]
    token = live.staff_token("admin.353301")
    approved = live.staff("POST", f"/v1/staff/bindings/{first['binding_id']}/approve", token)
    assert approved.status_code == 200, approved.text
    rejected = live.staff(
        "POST",
        f"/v1/staff/bindings/{second['binding_id']}/reject",
        token,
        json={"reason": "紙本同意書未繳回"},
    )
    assert rejected.status_code == 200, rejected.text
    kinds = {e.kind: e for e in live.outbox.latest(50, to=EMAIL)}
    for kind in ("account_created", "binding_rejected"):
        entry = kinds[kind]
        assert _english(entry.subject + entry.body, allowed=(*names, "紙本同意書未繳回")), (
            kind,
            entry.body,
        )
    assert "password" in kinds["account_created"].body


def test_a_chinese_parents_mails_stay_chinese(live: Live) -> None:
    challenge = _session(live, EMAIL, "zh_TW")
    answer = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert answer.status_code == 201, answer.text
    [received] = [e for e in live.outbox.latest(50, to=EMAIL) if e.kind == "application_received"]
    assert "親子綁定" in received.subject + received.body


# --- through a real SMTP server ---------------------------------------------------------------


@pytest.fixture
def smtp_live(database: Database, tmp_path: Path, limits: Limits) -> Iterator[tuple[Live, Inbox]]:
    """The registry mailing through aiosmtpd on loopback (SMS to the gateway double)."""
    with running_smtp() as (inbox, port), running_gateway() as gateway:
        clock = Clock()
        settings = RegistrySettings.model_validate(
            {
                "database_url": database.url,
                "data_dir": tmp_path / "data",
                "limits": limits,
                "password_hashing": FAST_HASHING,
                "notify": {
                    "kind": "smtp+sms",
                    "smtp": {"host": "127.0.0.1", "port": port, "sender": SENDER},
                    "sms": {"url": gateway.url, "username": "school", "password": "pa55"},
                },
            }
        )
        engine = make_engine(database.url)
        sessions = make_session_factory(engine)
        base_url, stop = serve_in_thread(create_app(settings, clock=clock))
        try:
            with httpx.Client(base_url=base_url, timeout=30, event_hooks=MAIL_SETTLED) as http:
                kiosk = enroll_kiosk(http, sessions, clock, limits)
                yield (
                    Live(
                        base_url=base_url,
                        url=database.url,
                        clock=clock,
                        settings=settings,
                        engine=engine,
                        sessions=sessions,
                        outbox=None,  # type: ignore[arg-type]  # nothing goes to a file here
                        roster=database.roster,
                        http=http,
                        kiosk=kiosk,
                        backend=database.backend,
                    ),
                    inbox,
                )
        finally:
            stop()
            engine.dispose()


def _mail(inbox: Inbox, to: str, subject_part: str) -> tuple[str, str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in list(inbox.messages):
            subject = subject_of(message)
            if message["X-RcptTo"] == to and subject_part in subject:
                return subject, body_of(message)
        time.sleep(0.05)
    raise AssertionError(f"no mail to {to} about {subject_part!r}")


def test_an_english_parents_code_and_approval_arrive_in_english_by_smtp(
    smtp_live: tuple[Live, Inbox],
) -> None:
    live, inbox = smtp_live
    answer = live.http.post(
        "/v1/codes",
        json={"channel": Channel.EMAIL.value, "address": EMAIL, "language": "en"},
        headers=live.kiosk.headers(),
    )
    assert answer.status_code == 202, answer.text
    subject, body = _mail(inbox, EMAIL, "verification code")
    assert _english(subject + body), body
    code = re.search(r"\b(\d{6})\b", body)
    assert code is not None
    verified = live.verify(answer.json()["challenge_id"], code.group(1))
    assert verified.status_code == 200, verified.text

    student = live.roster.at("353301")[0]
    submission = live.submission(answer.json()["challenge_id"], [student])
    submission = submission.model_copy(update={"language": "en", "application_id": uuid.uuid4()})
    stored = live.submit(submission)
    assert stored.status_code == 201, stored.text
    binding = stored.json()["bindings"][0]["binding_id"]
    token = live.staff_token("admin.353301")
    approved = live.staff("POST", f"/v1/staff/bindings/{binding}/approve", token)
    assert approved.status_code == 200, approved.text
    subject, body = _mail(inbox, EMAIL, "account")
    assert _english(subject + body, allowed=(student.name, "王曉明")), body
    assert "password" in body


def test_a_chinese_application_hashes_as_before_the_language_field() -> None:
    """A kiosk's replay of an application stored before the field existed still matches: the
    default language is left out of the content hash; English is part of it."""
    submission = SubmissionIn(
        application_id=uuid.UUID(int=7),
        receipt="KT1-20260901-0001",
        challenge_id=uuid.UUID(int=8),
        consent_version="2026.2",
        submitted_at=datetime(2026, 9, 1, 8, tzinfo=UTC),
        students=[
            SubmissionStudentIn(
                relationship=Relationship.FATHER,
                level=Level.SENIOR_HIGH,
                student_id="A123456789",
                school_code="353301",
            )
        ],
        parent=SubmissionParentIn(id="YA94109161", name="王曉明", email=EMAIL, phone="0928942045"),
        signature=SignatureIn(kind=SignatureKind.TYPED, typed_name="王曉明"),
    )
    before = submission.model_dump(mode="json")
    del before["language"]
    before["submitted_at"] = "2026-09-01T08:00:00+00:00"
    canonical = json.dumps(before, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content_hash(submission) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    english = submission.model_copy(update={"language": "en"})
    assert content_hash(english) != content_hash(submission)


def test_an_english_code_sms_is_one_message() -> None:
    """Plain ASCII goes as GSM-7: one SMS holds 160 characters of it (70 of Chinese)."""
    for minutes in (10, 60, 120):
        sms = code_message(
            Contact(Channel.SMS, "+886928942045"), "123456", minutes, translator=Translator("en")
        )
        assert sms.body.isascii()
        assert len(sms.body) <= 160
        assert "123456" in sms.body
