"""The registry test harness: the test roster, kiosk keys, and :class:`Live`, a registry running
for real on 127.0.0.1 that a test drives over HTTP as kiosks and staff do.

The fixtures that make them (``database``, ``live``) are in this folder's conftest.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel, parse_contact
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import (
    AUDIENCE,
    PARENT_SESSION_HEADER,
    STAFF_SESSION_HEADER,
    SignatureIn,
    SignatureKind,
    StaffRole,
    SubmissionIn,
    SubmissionParentIn,
    SubmissionStudentIn,
)
from registry.notify.outbox import FileOutbox
from registry.services.accounts import create_staff_account
from registry.services.kiosks import add_kiosk
from registry.settings import Limits, PasswordHashing, RegistrySettings
from store.central import School, SchoolClass, Student

#: The start of every test's clock.
EPOCH = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
#: Passwords of the staff the roster makes.
STAFF_PASSWORD = "staff-password-1"
#: The cheapest argon2id the library allows: hashing is not what these tests measure.
FAST_HASHING = PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1)


class Clock:
    """A clock a test moves by hand."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        """Moves the clock forward by ``timedelta(**delta)``."""
        with self._lock:
            self._now += timedelta(**delta)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class RosterStudent:
    """A pupil the test roster holds."""

    id_number: str
    name: str
    school_code: str
    class_name: str
    level: Level


@dataclass
class Roster:
    """What :func:`seed_roster` made."""

    students: list[RosterStudent] = field(default_factory=list)
    teacher: str = "t.lin"
    other_teacher: str = "t.wang"
    admin: str = "admin.353301"
    other_admin: str = "admin.353601"

    def at(self, school_code: str) -> list[RosterStudent]:
        """The pupils of one school."""
        return [s for s in self.students if s.school_code == school_code]


def seed_roster(sessions: sessionmaker[Session], now: datetime) -> Roster:
    """Two senior high classes at 353301 (teachers t.lin and t.wang), an elementary school
    353601, an admin for each school, and 36 pupils with valid IDs (the tutorial's 陳曉明 first)."""
    rng = random.Random(20260901)
    roster = Roster()
    with sessions.begin() as session:
        session.add_all(
            [
                School(code="353301", name="臺北市私立日曜學校", level=Level.SENIOR_HIGH),
                School(code="353302", name="臺北市立建國高級中學", level=Level.SENIOR_HIGH),
                School(code="353601", name="臺北市立日新國民小學", level=Level.ELEMENTARY),
            ]
        )
        session.flush()
        lin = create_staff_account(
            session,
            username="t.lin",
            display_name="林美玲",
            role=StaffRole.TEACHER,
            school_code="353301",
            password=STAFF_PASSWORD,
            now=now,
            hasher=FAST_HASHING.hasher(),
        )
        wang = create_staff_account(
            session,
            username="t.wang",
            display_name="王建國",
            role=StaffRole.TEACHER,
            school_code="353301",
            password=STAFF_PASSWORD,
            now=now,
            hasher=FAST_HASHING.hasher(),
        )
        for username, school in (("admin.353301", "353301"), ("admin.353601", "353601")):
            create_staff_account(
                session,
                username=username,
                display_name=username,
                role=StaffRole.ADMIN,
                school_code=school,
                password=STAFF_PASSWORD,
                now=now,
                hasher=FAST_HASHING.hasher(),
            )
        session.flush()
        classes = [
            SchoolClass(
                school_code="353301",
                name="資訊二忠",
                homeroom_teacher_name="林美玲",
                homeroom_teacher_id=lin.id,
            ),
            SchoolClass(
                school_code="353301",
                name="資訊二孝",
                homeroom_teacher_name="王建國",
                homeroom_teacher_id=wang.id,
            ),
            SchoolClass(school_code="353601", name="三年一班"),
        ]
        session.add_all(classes)
        session.flush()
        levels = {"353301": Level.SENIOR_HIGH, "353601": Level.ELEMENTARY}
        ids = ["A123456789"]
        while len(ids) < 36:
            number = make_id(rng.choice(list(IdKind)), rng).value
            if number not in ids:
                ids.append(number)
        for index, number in enumerate(ids):
            klass = classes[index % 3]
            name = "陳曉明" if index == 0 else f"學生{index:02d}"
            session.add(
                Student(
                    id_number=number,
                    name=name,
                    school_code=klass.school_code,
                    class_id=klass.id,
                    level=levels[klass.school_code],
                    enrolled=True,
                )
            )
            level = levels[klass.school_code]
            roster.students.append(
                RosterStudent(number, name, klass.school_code, klass.name, level)
            )
    return roster


class KioskKey:
    """An enrolled kiosk: signs a fresh short-lived EdDSA JWT for every request."""

    def __init__(
        self, kiosk_id: str, key: Ed25519PrivateKey, clock: Callable[[], datetime]
    ) -> None:
        self.kiosk_id = kiosk_id
        self.key = key
        self.clock = clock

    @property
    def public_bytes(self) -> bytes:
        """The raw 32-byte public key."""
        return self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def claims(self, **overrides: Any) -> dict[str, Any]:
        """The claims of a valid token now, with ``overrides`` applied."""
        now = int(self.clock().timestamp())
        claims: dict[str, Any] = {
            "iss": f"kiosk:{self.kiosk_id}",
            "sub": self.kiosk_id,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 120,
            "jti": str(uuid.uuid4()),
        }
        claims.update(overrides)
        return claims

    def token(self, **overrides: Any) -> str:
        """A signed token (EdDSA)."""
        return jwt.encode(self.claims(**overrides), self.key, algorithm="EdDSA")

    def headers(self, parent_token: str | None = None, **overrides: Any) -> dict[str, str]:
        """``Authorization`` with a fresh token, and the parent session when given."""
        headers = {"Authorization": f"Bearer {self.token(**overrides)}"}
        if parent_token is not None:
            headers[PARENT_SESSION_HEADER] = parent_token
        return headers


@dataclass
class Live:
    """A registry running on 127.0.0.1 for one test."""

    base_url: str
    url: str
    clock: Clock
    settings: RegistrySettings
    engine: Engine
    sessions: sessionmaker[Session]
    outbox: FileOutbox
    roster: Roster
    http: httpx.Client
    kiosk: KioskKey
    backend: str

    def new_kiosk(self, school_code: str = "353301") -> KioskKey:
        """Adds and enrolls another kiosk."""
        return enroll_kiosk(self.http, self.sessions, self.clock, self.settings.limits, school_code)

    # --- flows a kiosk goes through ---------------------------------------------------------

    def request_code(self, address: str, channel: Channel = Channel.EMAIL) -> httpx.Response:
        """POST /v1/codes."""
        return self.http.post(
            "/v1/codes",
            json={"channel": channel.value, "address": address},
            headers=self.kiosk.headers(),
        )

    def last_code(self, to: str) -> str:
        """The newest code the outbox holds for an address (as the registry normalised it)."""
        entries = [e for e in self.outbox.latest(50, to=to) if e.kind == "code"]
        assert entries, f"no code was sent to {to}"
        return entries[-1].meta["code"]

    def verify(self, challenge_id: str, code: str, kiosk: KioskKey | None = None) -> httpx.Response:
        """POST /v1/codes/verify."""
        return self.http.post(
            "/v1/codes/verify",
            json={"challenge_id": challenge_id, "code": code},
            headers=(kiosk or self.kiosk).headers(),
        )

    def parent_session(
        self, address: str, channel: Channel = Channel.EMAIL, kiosk: KioskKey | None = None
    ) -> tuple[str, str]:
        """Requests and verifies a code: (the session token, the challenge id)."""
        kiosk = kiosk or self.kiosk
        answer = self.http.post(
            "/v1/codes",
            json={"channel": channel.value, "address": address},
            headers=kiosk.headers(),
        )
        assert answer.status_code == 202, answer.text
        challenge = answer.json()["challenge_id"]
        normalised = parse_contact(channel, address).address
        verified = self.verify(challenge, self.last_code(normalised), kiosk)
        assert verified.status_code == 200, verified.text
        return verified.json()["session_token"], challenge

    def submission(
        self,
        challenge_id: str,
        students: list[RosterStudent],
        *,
        parent_id: str = "YA94109161",
        name: str = "王曉明",
        email: str = "annie.sun2@hy-tech.com.tw",
        phone: str = "0928942045",
        relationship: Relationship = Relationship.FATHER,
        application_id: uuid.UUID | None = None,
        typed: bool = False,
    ) -> SubmissionIn:
        """A valid submission for ``students``."""
        return SubmissionIn(
            application_id=application_id or uuid.uuid4(),
            receipt=f"KT1-20260901-{uuid.uuid4().int % 10**6:06d}",
            challenge_id=uuid.UUID(challenge_id),
            consent_version=load_statement("zh_TW").version,
            submitted_at=self.clock(),
            students=[
                SubmissionStudentIn(
                    relationship=relationship,
                    level=s.level,
                    student_id=s.id_number,
                    school_code=s.school_code,
                )
                for s in students
            ],
            parent=SubmissionParentIn(id=parent_id, name=name, email=email, phone=phone),
            signature=(
                SignatureIn(kind=SignatureKind.TYPED, typed_name=name)
                if typed
                else SignatureIn(kind=SignatureKind.DRAWN, strokes=[[(1, 1), (2, 3), (5, 8)]])
            ),
        )

    def submit(self, submission: SubmissionIn, kiosk: KioskKey | None = None) -> httpx.Response:
        """POST /v1/applications."""
        return self.http.post(
            "/v1/applications",
            content=submission.model_dump_json(),
            headers={**(kiosk or self.kiosk).headers(), "Content-Type": "application/json"},
        )

    def staff_token(self, username: str, password: str = STAFF_PASSWORD) -> str:
        """Logs a staff member in."""
        answer = self.http.post(
            "/v1/staff/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["session_token"]
        return token

    def staff(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        """A staff request."""
        headers = {STAFF_SESSION_HEADER: token}
        return self.http.request(method, path, headers=headers, **kwargs)


def enroll_kiosk(
    http: httpx.Client,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    limits: Limits,
    school_code: str = "353301",
) -> KioskKey:
    """Adds a kiosk in the database and enrolls a new key over HTTP."""
    with sessions() as session:
        made = add_kiosk(session, school_code=school_code, now=clock(), limits=limits)
    key = Ed25519PrivateKey.generate()
    kiosk = KioskKey(made.kiosk_id, key, clock)
    answer = http.post(
        "/v1/kiosks/enroll",
        json={
            "enrollment_token": made.enrollment_token,
            "public_key": base64.b64encode(kiosk.public_bytes).decode(),
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["issuer"] == f"kiosk:{made.kiosk_id}"
    return kiosk


#: The registry apps :func:`serve_in_thread` is serving, by base URL.
_SERVING: dict[str, Any] = {}


def _after_answers(response: httpx.Response) -> None:
    """Waits until each served registry's courier has tried the messages it was handed: the
    registry sends them after its answer (``registry.courier``), and a test reads them next."""
    for app in list(_SERVING.values()):
        app.state.registry.courier.wait_idle(10)


#: ``httpx.Client(event_hooks=...)`` for a test that reads the mail an answer sent.
MAIL_SETTLED: Final = {"response": [_after_answers]}


def serve_in_thread(app: Any) -> tuple[str, Callable[[], None]]:
    """Runs ``app`` under uvicorn on a free port in a thread: (base URL, stop)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        thread.join(0.01)
    assert server.started, "the registry did not start"

    base_url = f"http://127.0.0.1:{port}"
    _SERVING[base_url] = app

    def stop() -> None:
        _SERVING.pop(base_url, None)
        server.should_exit = True
        thread.join(10)
        sock.close()

    return base_url, stop


def error_of(answer: httpx.Response) -> Mapping[str, Any]:
    """The ``error`` object of an error answer (and checks the body is exactly an ErrorOut)."""
    body = answer.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "field", "params"}, body
    error: Mapping[str, Any] = body["error"]
    return error


def dumps(value: object) -> str:
    """Compact JSON (for byte-level comparisons)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
