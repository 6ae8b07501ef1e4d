"""Sync backlog: how long a kiosk takes to upload 10,000 applications saved while offline.

The embedded default stands in for a real deployment: the reference registry as its own process
on 127.0.0.1 (SQLite, the demo roster), the kiosk enrolled with it. 10,000 applications are
saved the way 「送出資料」 saves them (one local transaction each, sealed), none uploaded; then
``kiosk sync`` runs as a process of its own — the same command an operator runs — until nothing
waits. Each application is another parent's, with the contact they verified with a code (made
in the registry's database: the code limits would not let 2,000 codes be sent at once), as a
kiosk's day of parents is. Reported (and written to ``bench/results/sync_backlog.json``): the
time to drain, the rate, and the settings used. ``python -m bench.sync_backlog --n 400
--concurrency 4`` tries other sizes and settings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
RESULTS: Final = HERE / "results"
BACKLOG: Final = 10_000


def _students(database_url: str, count: int) -> list[Any]:
    """Enrolled pupils of the demo roster, with their school and class names."""
    from sqlalchemy import select

    from store import central
    from store.engine import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(
                session.execute(
                    select(central.Student, central.School.name, central.SchoolClass.name)
                    .join(central.School, central.Student.school_code == central.School.code)
                    .join(central.SchoolClass, central.Student.class_id == central.SchoolClass.id)
                    .where(central.Student.enrolled.is_(True))
                    .order_by(central.Student.id)
                    .limit(count)
                ).all()
            )
    finally:
        engine.dispose()


def _stored(database_url: str) -> int:
    """How many applications the registry holds (each of the backlog's must be there: a
    backlog the registry refused would measure refusals)."""
    from sqlalchemy import func, select

    from store import central
    from store.engine import make_engine, make_session_factory

    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(central.Application)) or 0)
    finally:
        engine.dispose()


def _challenges(database_url: str, kiosk_id: str, n: int) -> list[str]:
    """``n`` verified email challenges, each with its parent session on the kiosk (the
    addresses ``bench00000@example.com``…, the backlog's parents'): their ids."""
    from sqlalchemy import insert

    from kiosk.domain.contact import Channel, email_key
    from store import central
    from store.engine import make_engine

    now = datetime.now(UTC)
    expires = now + timedelta(hours=2)
    challenges = [uuid.uuid4() for _ in range(n)]
    addresses = [_address(index) for index in range(n)]
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(central.CodeChallenge),
                [
                    {
                        "id": challenge,
                        "channel": Channel.EMAIL,
                        "address": address,
                        "address_key": email_key(address),
                        "code_hash": "0" * 64,
                        "created_at": now,
                        "expires_at": expires,
                        "used_at": now,
                    }
                    for challenge, address in zip(challenges, addresses, strict=True)
                ],
            )
            connection.execute(
                insert(central.ParentSession),
                [
                    {
                        "id": uuid.uuid4(),
                        "channel": Channel.EMAIL,
                        "address": address,
                        "challenge_id": challenge,
                        "kiosk_id": kiosk_id,
                        "created_at": now,
                        "expires_at": expires,
                    }
                    for challenge, address in zip(challenges, addresses, strict=True)
                ],
            )
    finally:
        engine.dispose()
    return [str(challenge) for challenge in challenges]


def _address(index: int) -> str:
    return f"bench{index:05d}@example.com"


def _save_backlog(services: Any, challenges: Sequence[str], pupils: Sequence[Any]) -> float:
    """Saves an application for each challenge as 「送出資料」 does (nothing uploaded); the
    seconds it took."""
    from kiosk.domain.consent import load_statement
    from kiosk.domain.contact import Channel, Contact
    from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
    from kiosk.domain.ids import IdKind, make_id, parse_id
    from kiosk.domain.people import Relationship, RelationshipChoice
    from kiosk.flow import to_submission

    rng = random.Random(10_000)
    digits = "零一二三四五六七八九"
    seen: set[str] = set()
    consent = load_statement("zh_TW").version  # the registry accepts the current one
    started = time.perf_counter()
    for index, challenge in enumerate(challenges):
        number = make_id(IdKind.CITIZEN, rng).value
        while number in seen:
            number = make_id(IdKind.CITIZEN, rng).value
        seen.add(number)
        student, school_name, class_name = pupils[index % len(pupils)]
        name = "王" + "".join(digits[int(d)] for d in f"{index:05d}")
        draft = Draft()
        draft.set_contact(Contact(Channel.EMAIL, _address(index)), challenge)
        draft.add_student(
            StudentEntry(
                relationship=RelationshipChoice(Relationship.MOTHER),
                level=student.level,
                student_id=parse_id(student.id_number),
                school_code=student.school_code,
                school_name=school_name,
                name=student.name,
                class_name=class_name,
            )
        )
        draft.accept_consent(consent)
        draft.set_parent(ParentDetails.new(number, name, _address(index), "0912345678"))
        draft.sign(Signature(typed_name=name))
        now = datetime.now(UTC)

        def payload(receipt: str, draft: Draft = draft, now: datetime = now) -> bytes:
            return to_submission(draft, receipt=receipt, now=now).model_dump_json().encode()

        services.store.applications.save_submission(draft, payload, now=now)
    return time.perf_counter() - started


def run(
    n: int, concurrency: int | None, batch_size: int | None, database: str | None = None
) -> dict[str, Any]:
    """Builds a backlog of ``n`` and drains it; the measurements.

    Args:
        n: Applications in the backlog.
        concurrency: Uploads in flight (the settings' default when None).
        batch_size: Entries per batch (the settings' default when None).
        database: The registry's database URL (an empty PostgreSQL database, say); a SQLite
            file in a temporary folder when None.
    """
    from kiosk.app import build_services
    from kiosk.demo import KIOSK_FILE, EmbeddedRegistry
    from kiosk.settings import KioskSettings
    from store.engine import sqlite_url

    # Staff logins of the demo data are hashed cheaply: hashing is not what this measures.
    os.environ.setdefault("REGISTRY_PASSWORD_HASHING__TIME_COST", "1")
    os.environ.setdefault("REGISTRY_PASSWORD_HASHING__MEMORY_COST_KIB", "8")
    os.environ.setdefault("REGISTRY_PASSWORD_HASHING__PARALLELISM", "1")
    if database is not None:
        # `registry` commands read it when no --database is given (the demo gives none).
        os.environ["REGISTRY_DATABASE_URL"] = database
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        data = Path(tmp)
        database_url = database or sqlite_url(data / "registry.db")
        registry = EmbeddedRegistry(data)
        registry.start()
        try:
            kiosk_id = registry.enroll()
            table = "".join(
                f"{name} = {value}\n"
                for name, value in (("concurrency", concurrency), ("batch_size", batch_size))
                if value is not None
            )
            config = data / KIOSK_FILE
            config.write_text(
                f'data_dir = "{data}"\n[registry]\nurl = "{registry.url}"\n'
                f'kiosk_id = "{kiosk_id}"\n[sync]\n{table}',
                encoding="utf-8",
            )
            settings = KioskSettings.load(config)
            services = build_services(settings)
            challenges = _challenges(database_url, kiosk_id, n)
            pupils = _students(database_url, 200)
            saving_s = _save_backlog(services, challenges, pupils)
            before = _stored(database_url)  # the demo data's own
            runs = 0
            started = time.perf_counter()
            while services.store.outbox.sync_health(datetime.now(UTC)).waiting and runs < 5:
                subprocess.run(
                    [sys.executable, "-m", "kiosk", "sync", "--config", str(config)],
                    capture_output=True,
                    check=False,
                    timeout=3600,
                )
                runs += 1
            drain_s = time.perf_counter() - started
            left = services.store.outbox.sync_health(datetime.now(UTC)).waiting
            stored = _stored(database_url) - before
        finally:
            registry.stop()
    return {
        "backlog": n,
        "drain_s": round(drain_s, 2),
        "per_s": round(n / drain_s, 1),
        "runs": runs,
        "left_waiting": left,
        "stored_at_registry": stored,
        "save_s": round(saving_s, 2),
        "saves_per_s": round(n / saving_s, 1),
        "concurrency": settings.sync.concurrency,
        "batch_size": settings.sync.batch_size,
        "registry": "reference registry process on "
        + ("PostgreSQL" if database else "SQLite (the embedded default)"),
        "cpus": os.cpu_count(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Measures, prints and writes the result; 0 (a bench never fails the build)."""
    parser = argparse.ArgumentParser(prog="python -m bench.sync_backlog", description=__doc__)
    parser.add_argument("--n", type=int, default=BACKLOG, help="applications in the backlog")
    parser.add_argument("--concurrency", type=int, help="uploads in flight (settings default)")
    parser.add_argument("--batch-size", type=int, help="entries per batch (settings default)")
    parser.add_argument(
        "--database", metavar="URL", help="the registry's database (an empty one); SQLite if not"
    )
    args = parser.parse_args(argv)
    result = run(args.n, args.concurrency, args.batch_size, args.database)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.n == BACKLOG and args.concurrency is None and args.batch_size is None:
        # Only the standard run is kept: the number the README and the issue quote.
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "sync_backlog.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
