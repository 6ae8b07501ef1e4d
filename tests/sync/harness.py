"""A registry as a real process on 127.0.0.1, a kiosk's files, and parents who apply.

The sync tests run the registry with ``python -m registry serve`` (it can be stopped, started
again on the same port and killed), and the kiosk's side either in this process (to save
applications as 「送出資料」 does) or as ``python -m kiosk sync`` (a process that can be SIGKILLed
at a named step through ``KIOSK_TEST_CRASH_AT``). Both kiosk sides share one data folder: its
SQLite database, its seal key and its enrolled key.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kiosk.app import build_services
from kiosk.client import RegistryClient, enroll
from kiosk.domain.consent import load_statement
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.ids import IdKind, make_id, parse_id
from kiosk.domain.people import Relationship, RelationshipChoice
from kiosk.flow import Services, to_submission
from kiosk.keys import create_key
from kiosk.settings import KioskSettings
from kiosk.sync import Outcome, Syncer
from registry.services.kiosks import add_kiosk
from registry.settings import Limits
from store import central
from store.engine import make_engine, make_session_factory, sqlite_url
from tests.registry.conftest import RosterStudent, free_port

#: How long a process may take to come up or to finish one command, at most (seconds).
PATIENCE: Final = 60.0
#: The repository's root (the processes run from there).
ROOT: Final = Path(__file__).resolve().parents[2]
#: The school of the test roster the kiosk stands in.
KIOSK_SCHOOL: Final = "353301"
SCHOOL_NAMES: Final = {"353301": "臺北市私立日曜學校", "353601": "臺北市立日新國民小學"}
#: The contact every test parent verified (one code serves them all).
CONTACT_EMAIL: Final = "kiosk.sync@example.com"
CONSENT_VERSION: Final = load_statement("zh_TW").version
_CJK_DIGITS: Final = "零一二三四五六七八九"


def _env(**extra: str) -> dict[str, str]:
    # The processes get nothing of the test runner's kiosk or registry settings.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KIOSK_", "REGISTRY_", "TEXTUAL"))
    }
    env.update(extra)
    return env


class RegistryProcess:
    """``python -m registry serve`` on one port of 127.0.0.1, on one SQLite file.

    Args:
        data_dir: Its data folder (keys, the file outbox).
        database: Its SQLite file (migrated and seeded).
    """

    def __init__(self, data_dir: Path, database: Path) -> None:
        self.data_dir = data_dir
        self.database = database
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._engine = make_engine(sqlite_url(database))
        self.sessions: sessionmaker[Session] = make_session_factory(self._engine)

    @property
    def url(self) -> str:
        """Its base URL (without ``/v1``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Starts serving and waits until ``/v1/health`` answers."""
        log = (self.data_dir / "registry.log").open("ab")
        self._process = subprocess.Popen(
            [
                *(sys.executable, "-m", "registry", "serve"),
                *("--database", sqlite_url(self.database), "--data", str(self.data_dir)),
                *("--host", "127.0.0.1", "--port", str(self.port)),
            ],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            assert self._process.poll() is None, "the registry exited"
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            # Polling a process that is starting (bounded by the deadline), not a clock.
            time.sleep(0.05)
        raise AssertionError("the registry did not come up")

    def stop(self) -> None:
        """Stops it (the port stays this registry's, for :meth:`start` again)."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)

    def close(self) -> None:
        """Stops it and lets go of the database."""
        self.stop()
        self._engine.dispose()

    def codes(self, to: str) -> list[str]:
        """The codes its file outbox holds for an address, oldest first."""
        return [
            message["meta"]["code"]
            for message in self.outbox()
            if message["to"] == to and message["meta"].get("kind") == "code"
        ]

    def outbox(self) -> list[dict[str, Any]]:
        """Every message of its file outbox."""
        path = self.data_dir / "outbox.jsonl"
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def receipts_told(self) -> list[str]:
        """The receipt of every 'application received' message sent, in order."""
        return [
            str(message["meta"]["receipt"])
            for message in self.outbox()
            if message["meta"].get("kind") == "application_received"
        ]

    def applications(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """How many bindings it holds for each of these applications (absent: not stored)."""
        with self.sessions() as session:
            rows = session.execute(
                select(central.Binding.application_id, func.count())
                .where(central.Binding.application_id.in_(list(ids)))
                .group_by(central.Binding.application_id)
            ).all()
            return {application_id: count for application_id, count in rows}

    def count(self, model: type[central.Application] | type[central.Binding]) -> int:
        """How many rows of a table it holds."""
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


@dataclass(frozen=True)
class Parent:
    """A fictional parent (valid ID, unique name, email and mobile)."""

    id_number: str
    name: str
    email: str
    phone: str
    phone_e164: str


def parents(n: int, seed: int = 5) -> list[Parent]:
    """``n`` parents, different from each other and from the roster's pupils."""
    rng = random.Random(seed)
    made: list[Parent] = []
    seen: set[str] = set()
    while len(made) < n:
        number = make_id(IdKind.CITIZEN, rng).value
        if number in seen:
            continue
        seen.add(number)
        index = len(made)
        made.append(
            Parent(
                id_number=number,
                name="林" + "".join(_CJK_DIGITS[int(d)] for d in f"{index:03d}"),
                email=f"parent{index:03d}.sync@example.com",
                phone=f"0937{index:06d}",
                phone_e164=f"+886937{index:06d}",
            )
        )
    return made


def draft_for(contact: Contact, challenge: str, parent: Parent, *students: RosterStudent) -> Draft:
    """A complete application: the students, consent, the parent, a typed signature."""
    draft = Draft()
    draft.set_contact(contact, challenge)
    for student in students:
        draft.add_student(
            StudentEntry(
                relationship=RelationshipChoice(Relationship.FATHER),
                level=student.level,
                student_id=parse_id(student.id_number),
                school_code=student.school_code,
                school_name=SCHOOL_NAMES[student.school_code],
                name=student.name,
                class_name=student.class_name,
            )
        )
    draft.accept_consent(CONSENT_VERSION)
    draft.set_parent(ParentDetails.new(parent.id_number, parent.name, parent.email, parent.phone))
    draft.sign(Signature(typed_name=parent.name))
    return draft


@dataclass
class KioskSide:
    """A kiosk's data folder, configuration and (in this process) its services."""

    folder: Path
    config: Path
    services: Services

    @property
    def settings(self) -> KioskSettings:
        """Its settings."""
        return self.services.settings

    async def verify(self, registry: RegistryProcess, address: str = CONTACT_EMAIL) -> str:
        """Requests and verifies a code for ``address``: the challenge id."""
        client = self.services.client
        challenge = await client.request_code(Channel.EMAIL, address)
        await client.verify_code(challenge.challenge_id, registry.codes(address)[-1])
        return str(challenge.challenge_id)

    async def submit(self, draft: Draft, now: datetime | None = None) -> tuple[str, bool]:
        """「送出資料」 as the wizard does it: saved in one transaction, then one push of it.

        Returns:
            The receipt number and whether the registry took it at once.
        """
        services = self.services
        now = now or datetime.now(UTC)

        def payload(receipt: str) -> bytes:
            return to_submission(draft, receipt=receipt, now=now).model_dump_json().encode()

        receipt = await asyncio.to_thread(
            services.store.applications.save_submission, draft, payload, now=now
        )
        uploads = Syncer(
            services.store.outbox,
            services.client,
            settings=services.settings.sync,
            clock=services.clock,
        )
        push = await uploads.push_saved(draft.application_id)
        return receipt, push is None or push.outcome is Outcome.UPLOADED

    def sync(
        self, *args: str, crash_at: str | None = None, timeout: float = PATIENCE
    ) -> subprocess.CompletedProcess[str]:
        """``python -m kiosk sync --config <config> <args>`` to its end (or its SIGKILL)."""
        extra = {"KIOSK_TEST_CRASH_AT": crash_at} if crash_at else {}
        return subprocess.run(
            [
                *(sys.executable, "-m", "kiosk", "sync", "--config", str(self.config)),
                *("--log", str(self.folder / "kiosk.log")),
                *args,
            ],
            cwd=ROOT,
            env=_env(COLUMNS="160", **extra),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def waiting(self) -> int:
        """Applications not yet at the registry."""
        return self.services.store.outbox.sync_health(datetime.now(UTC)).waiting


def enrolled_kiosk(
    folder: Path,
    registry: RegistryProcess,
    *,
    url: str | None = None,
    timeout: float = 2.0,
    **sync: float,
) -> KioskSide:
    """A kiosk enrolled with ``registry`` (talking to ``url``, a proxy, when given).

    Args:
        folder: Its data folder.
        registry: The registry it is enrolled with.
        url: Where it sends its requests (the registry's own URL by default).
        timeout: How long it waits for an answer (short: a held request costs little).
        **sync: Values of the ``[sync]`` table of its settings.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with registry.sessions() as session:
        made = add_kiosk(session, school_code=KIOSK_SCHOOL, now=datetime.now(UTC), limits=Limits())
    key = create_key(folder / "kiosk.key")
    enrollment = asyncio.run(enroll(registry.url, key, made.enrollment_token))
    table = "".join(f"{name} = {value}\n" for name, value in sync.items())
    config = folder / "kiosk.toml"
    config.write_text(
        f'data_dir = "{folder}"\n'
        'receipt_code = "T1"\n'
        "[registry]\n"
        f'url = "{url or registry.url}"\n'
        f'kiosk_id = "{enrollment.kiosk_id}"\n'
        # Short waits: a request the flaky proxy holds costs seconds, not the default 15.
        f"timeout = {timeout}\n"
        "connect_timeout = 1.0\n"
        f"[sync]\n{table}",
        encoding="utf-8",
    )
    settings = KioskSettings.load(config)
    return KioskSide(folder, config, build_services(settings))


def open_kiosk(config: Path) -> KioskSide:
    """The kiosk of ``config`` opened again in this process (as after a restart)."""
    settings = KioskSettings.load(config)
    return KioskSide(settings.data_dir, config, build_services(settings))


def saved_while_down(
    kiosk: KioskSide, registry: RegistryProcess, students: Sequence[RosterStudent], count: int
) -> list[uuid.UUID]:
    """Verifies the contact, stops the registry, then saves ``count`` applications (a student
    each) as 「送出資料」 does while it is away: their ids, in order."""
    contact = Contact(Channel.EMAIL, CONTACT_EMAIL)

    async def save() -> list[uuid.UUID]:
        challenge = await kiosk.verify(registry)
        registry.stop()
        made = []
        for index, parent in enumerate(parents(count)):
            draft = draft_for(contact, challenge, parent, students[index])
            await kiosk.submit(draft)
            made.append(draft.application_id)
        await kiosk.services.client.aclose()
        return made

    return asyncio.run(save())


@contextmanager
def registry_process(tmp_path: Path, template: str) -> Iterator[RegistryProcess]:
    """A registry process on a copy of the seeded template database."""
    data = tmp_path / "registry"
    data.mkdir(parents=True, exist_ok=True)
    database = data / "registry.db"
    shutil.copyfile(template, database)
    registry = RegistryProcess(data, database)
    registry.start()
    try:
        yield registry
    finally:
        registry.close()


def personal_strings(people: Sequence[Parent], pupils: Sequence[RosterStudent]) -> set[str]:
    """Every ID, name, phone and email of these parents and pupils, as text."""
    found = {CONTACT_EMAIL}
    for parent in people:
        found |= {parent.id_number, parent.name, parent.email, parent.phone, parent.phone_e164}
    for pupil in pupils:
        found |= {pupil.id_number, pupil.name}
    return found


def plaintext_in(files: Sequence[Path], strings: set[str]) -> set[str]:
    """Which of ``strings`` appear, UTF-8 encoded, in the bytes of any of ``files``.

    The bytes are read by another process (``cat``), as an operator's grep would: closing a file
    descriptor of a SQLite file in a process that has it open drops that process's POSIX locks
    on it, and a kiosk process may then take this one's database to be unused.
    """
    blobs = [
        subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout
        for path in files
        if path.exists()
    ]
    return {text for text in strings if any(text.encode() in blob for blob in blobs)}


def later(days: float = 0, **delta: float) -> datetime:
    """Now plus a while (for clocks injected into in-process runs)."""
    return datetime.now(UTC) + timedelta(days=days, **delta)


async def aclose(client: RegistryClient) -> None:
    """Closes a client (for ``asyncio.run`` at a test's end)."""
    await client.aclose()
