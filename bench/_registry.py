"""The HTTP benchmarks' parts: a throw-away PostgreSQL database with a generated roster, the
registry serving it pinned to one core, pre-signed requests, and wrk on the other core.

Nothing here is timed by the test suite; :mod:`bench.http` drives it.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
DATA: Final = HERE / "data"
PG_ADMIN: Final = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
#: The registry's core and the load generator's (the machine has two).
SERVER_CPU: Final = os.environ.get("BENCH_SERVER_CPUS", "0")
LOAD_CPU: Final = os.environ.get("BENCH_LOAD_CPU", "1")
SCHOOLS: Final = 400
CLASSES_PER_SCHOOL: Final = 30
#: Kiosks sending the requests (one per school, as at the morning rush): a kiosk's submissions
#: queue on its row of the changes feed, so one kiosk alone would measure that queue.
KIOSKS: Final = 400
LUA: Final = HERE / "replay.lua"
#: Receipt numbers, never one twice in a run (a kiosk's receipt names one application).
_RECEIPTS: Final = itertools.count(1)
#: Parents' ID numbers, never one twice in a run (each submission is a new parent's).
_PARENTS_SEEN: Final[set[str]] = set()
_PARENTS_RNG: Final = random.Random(15)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    import psycopg

    name = f"bench_i15_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def plain_url(url: str) -> str:
    """``url`` for psycopg itself (without SQLAlchemy's ``+psycopg``)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pupil_ids(count: int) -> Path:
    """A file of ``count`` distinct valid student ID numbers, made once and cached in
    ``bench/data`` (ignored by git)."""
    from kiosk.domain.ids import IdKind, make_id

    DATA.mkdir(exist_ok=True)
    path = DATA / f"pupils-{count}.txt"
    if path.exists():
        return path
    rng = random.Random(count)
    seen: set[str] = set()
    kinds = list(IdKind)
    while len(seen) < count:
        seen.add(make_id(rng.choice(kinds), rng).value)
    temp = path.with_suffix(".tmp")
    temp.write_text("\n".join(sorted(seen)) + "\n", encoding="ascii")
    temp.replace(path)
    return path


@dataclass(frozen=True)
class Fixture:
    """What :func:`prepare` made: the database, the registry's data folder, the kiosk's key."""

    url: str
    data_dir: Path
    kiosk_keys: list[Any]  # kiosk ``k-bench-<n>`` signs with the n-th
    pupils: int
    sample: list[tuple[str, str]]  # (id number, school code) of enrolled pupils


def prepare(url: str, data_dir: Path, pupils: int) -> Fixture:
    """Migrates ``url``, loads ``pupils`` pupils at :data:`SCHOOLS` senior high schools with
    PostgreSQL ``COPY``, and enrolls the bench kiosk's key directly."""
    import psycopg
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from store.migrate import upgrade

    upgrade(url, "central")
    ids = pupil_ids(pupils).read_text(encoding="ascii").split()
    keys = [Ed25519PrivateKey.generate() for _ in range(KIOSKS)]
    now = datetime.now(UTC)
    with psycopg.connect(plain_url(url)) as conn:
        with conn.cursor().copy("COPY schools (code, name, level) FROM STDIN") as copy:
            for school in range(SCHOOLS):
                copy.write_row((f"S{school:05d}", f"臺北市立第{school}高級中學", "senior_high"))
        with conn.cursor().copy("COPY school_classes (id, school_code, name) FROM STDIN") as copy:
            for school in range(SCHOOLS):
                for klass in range(CLASSES_PER_SCHOOL):
                    copy.write_row(
                        (school * CLASSES_PER_SCHOOL + klass + 1, f"S{school:05d}", f"{klass}班")
                    )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('school_classes', 'id'), %s)",
            (SCHOOLS * CLASSES_PER_SCHOOL,),
        )
        conn.execute("DROP INDEX IF EXISTS ix_students_school_code")
        conn.execute("DROP INDEX IF EXISTS ix_students_class_id")
        buffer = io.StringIO()
        for index, number in enumerate(ids):
            klass = index % (SCHOOLS * CLASSES_PER_SCHOOL)
            school = klass // CLASSES_PER_SCHOOL
            buffer.write(
                f"{index + 1}\t{number}\t學生{index}\tS{school:05d}\t{klass + 1}\tsenior_high\tt\n"
            )
            if buffer.tell() > 8 << 20:
                _copy_students(conn, buffer)
                buffer = io.StringIO()
        _copy_students(conn, buffer)
        conn.execute("CREATE INDEX ix_students_school_code ON students (school_code)")
        conn.execute("CREATE INDEX ix_students_class_id ON students (class_id)")
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('students', 'id'), %s)", (max(len(ids), 1),)
        )
        with conn.cursor().copy(
            "COPY kiosks (id, school_code, public_key, enrolled_at, created_at) FROM STDIN"
        ) as copy:
            for index, key in enumerate(keys):
                public = key.public_key().public_bytes(
                    serialization.Encoding.Raw, serialization.PublicFormat.Raw
                )
                copy.write_row((kiosk_id(index), f"S{index % SCHOOLS:05d}", public, now, now))
        conn.execute("ANALYZE")
    rng = random.Random(1)
    sample = []
    for _ in range(2000):
        index = rng.randrange(len(ids))
        klass = index % (SCHOOLS * CLASSES_PER_SCHOOL)
        sample.append((ids[index], f"S{klass // CLASSES_PER_SCHOOL:05d}"))
    return Fixture(url, data_dir, keys, pupils, sample)


def kiosk_id(index: int) -> str:
    """The id of the bench's ``index``-th kiosk."""
    return f"k-bench-{index}"


def _copy_students(conn: Any, buffer: io.StringIO) -> None:
    columns = "id, id_number, name, school_code, class_id, level, enrolled"
    with conn.cursor().copy(f"COPY students ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


Session = tuple[str, str, str, int]


def parent_sessions(fixture: Fixture, count: int, *, prefix: str) -> list[Session]:
    """``count`` verified email challenges, each with its parent session on one of the bench's
    kiosks in turn: (challenge id, session id, address, kiosk index). Made in the database."""
    import psycopg

    now = datetime.now(UTC)
    made = []
    with psycopg.connect(plain_url(fixture.url)) as conn:
        challenges = conn.cursor().copy(
            "COPY code_challenges (id, channel, address, code_hash, created_at, expires_at,"
            " used_at, attempts, dead) FROM STDIN"
        )
        rows = []
        for index in range(count):
            address = f"{prefix}{index}@example.com"
            rows.append((uuid.uuid4(), uuid.uuid4(), address))
        with challenges as copy:
            for challenge, _session, address in rows:
                expires = now + timedelta(hours=1)
                copy.write_row((challenge, "email", address, "0" * 64, now, expires, now, 0, False))
        with conn.cursor().copy(
            "COPY parent_sessions (id, channel, address, challenge_id, kiosk_id, created_at,"
            " expires_at, failed_lookups, parent_lookups) FROM STDIN"
        ) as copy:
            for index, (challenge, session, address) in enumerate(rows):
                expires = now + timedelta(hours=1)
                kiosk = kiosk_id(index % KIOSKS)
                copy.write_row((session, "email", address, challenge, kiosk, now, expires, 0, 0))
        made = [(str(c), str(s), a, index % KIOSKS) for index, (c, s, a) in enumerate(rows)]
    return made


class RequestSigner:
    """Signs kiosk JWTs (one fresh ``jti`` each) and parent-session tokens for the bench."""

    def __init__(self, fixture: Fixture) -> None:
        from registry.auth import TokenSigner, load_or_create_signing_key
        from registry.settings import RegistrySettings

        settings = RegistrySettings(data_dir=fixture.data_dir, database_url=fixture.url)
        self.settings = settings
        self.fixture = fixture
        self.parent_signer = TokenSigner(
            load_or_create_signing_key(settings.signing_key_path),
            issuer=settings.issuer,
            audience=settings.audience,
        )

    def kiosk_token(self, now: int, kiosk: int) -> str:
        import jwt

        claims = {
            "iss": f"kiosk:{kiosk_id(kiosk)}",
            "sub": kiosk_id(kiosk),
            "aud": self.settings.audience,
            "iat": now,
            "exp": now + 120,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self.fixture.kiosk_keys[kiosk], algorithm="EdDSA")

    def parent_token(self, session_id: str) -> str:
        token, _ = self.parent_signer.sign(
            "parent", session_id, now=datetime.now(UTC), lifetime=timedelta(hours=1)
        )
        return token


def write_requests(path: Path, requests: Sequence[tuple[str, str, dict[str, str], str]]) -> None:
    """The raw HTTP/1.1 requests, each as ``<length>\\n<bytes>``, for :data:`LUA` to replay."""
    with path.open("wb") as out:
        for method, target, headers, body in requests:
            data = body.encode("utf-8")
            lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            if method != "GET":
                lines.append(f"Content-Length: {len(data)}")
            raw = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + data
            out.write(f"{len(raw)}\n".encode("ascii") + raw)


def health_requests(count: int) -> list[tuple[str, str, dict[str, str], str]]:
    return [("GET", "/v1/health", {}, "")] * count


def verify_requests(
    signer: RequestSigner, count: int, sessions: Sequence[Session]
) -> list[tuple[str, str, dict[str, str], str]]:
    """``count`` student look-ups (hits), each with a fresh kiosk JWT, spread over sessions."""
    from kiosk.domain.wire import PARENT_SESSION_HEADER

    now = int(time.time())
    tokens = [signer.parent_token(session) for _, session, _, _ in sessions]
    sample = signer.fixture.sample
    out = []
    for index in range(count):
        number, school = sample[index % len(sample)]
        body = json.dumps({"level": "senior_high", "student_id": number, "school_code": school})
        kiosk = sessions[index % len(sessions)][3]
        headers = {
            "Authorization": f"Bearer {signer.kiosk_token(now, kiosk)}",
            PARENT_SESSION_HEADER: tokens[index % len(tokens)],
            "Content-Type": "application/json",
        }
        out.append(("POST", "/v1/students/verify", headers, body))
    return out


def ceiling_requests(fixture: Fixture, count: int) -> list[tuple[str, str, dict[str, str], str]]:
    """``count`` look-ups for the ceiling app's ``/lookup`` (hits), each spending a new token
    id."""
    out = []
    for index in range(count):
        number, school = fixture.sample[index % len(fixture.sample)]
        body = json.dumps(
            {
                "level": "senior_high",
                "student_id": number,
                "school_code": school,
                "token": str(uuid.uuid4()),
            }
        )
        out.append(("POST", "/lookup", {"Content-Type": "application/json"}, body))
    return out


def ceiling_submissions(fixture: Fixture, count: int) -> list[tuple[str, str, dict[str, str], str]]:
    """``count`` submissions for the ceiling app's ``/submit``, of the registry's shape (a new
    parent, one pupil), without tokens: the app spends the application's id."""
    at = datetime.now(UTC)
    sample = fixture.sample
    out = []
    for index in range(count):
        challenge = str(uuid.uuid4())
        body = _submission(sample[index % len(sample)], challenge, "A1", "c@x.tw", "v1", at)
        out.append(("POST", "/submit", {"Content-Type": "application/json"}, body))
    return out


def make_ceiling_tables(fixture: Fixture) -> None:
    """The tables the ceiling app writes: token ids spent (as the registry's ``used_token_ids``:
    a primary key, so a token is never taken twice), and a submission's application and
    binding."""
    import psycopg

    with psycopg.connect(plain_url(fixture.url)) as conn:
        conn.execute("CREATE TABLE bench_spent_tokens (id text PRIMARY KEY)")
        conn.execute("CREATE TABLE bench_applications (id uuid PRIMARY KEY, body jsonb NOT NULL)")
        conn.execute(
            "CREATE TABLE bench_bindings (id bigserial PRIMARY KEY,"
            " application_id uuid NOT NULL REFERENCES bench_applications,"
            " student_id text NOT NULL)"
        )


def submit_requests(
    signer: RequestSigner, sessions: Sequence[Session]
) -> list[tuple[str, str, dict[str, str], str]]:
    """One submission per session: a new parent (email = the verified contact), one student."""
    from kiosk.domain.consent import load_statement
    from kiosk.domain.ids import IdKind, make_id

    version = load_statement("zh_TW").version
    now = int(time.time())
    stamp = datetime.now(UTC)
    out = []
    seen = _PARENTS_SEEN  # a new parent every time, over the whole run
    rng = _PARENTS_RNG
    sample = signer.fixture.sample
    for index, (challenge, _session, address, kiosk) in enumerate(sessions):
        parent = make_id(IdKind.CITIZEN, rng).value
        while parent in seen:
            parent = make_id(IdKind.CITIZEN, rng).value
        seen.add(parent)
        body = _submission(sample[index % len(sample)], challenge, parent, address, version, stamp)
        headers = {
            "Authorization": f"Bearer {signer.kiosk_token(now, kiosk)}",
            "Content-Type": "application/json",
        }
        out.append(("POST", "/v1/applications", headers, body))
    return out


def _submission(
    pupil: tuple[str, str], challenge: str, parent: str, address: str, version: str, at: datetime
) -> str:
    """A submission's body: a new parent (``parent``'s ID number, the verified ``address``) and
    one pupil (ID number, school code)."""
    number, school = pupil
    body = {
        "application_id": str(uuid.uuid4()),
        "receipt": f"KT1-{at:%Y%m%d}-{next(_RECEIPTS):06d}",
        "challenge_id": challenge,
        "consent_version": version,
        "submitted_at": at.isoformat(),
        "students": [
            {
                "relationship": "mother",
                "level": "senior_high",
                "student_id": number,
                "school_code": school,
            }
        ],
        "parent": {"id": parent, "name": "王大明", "email": address, "phone": "0912345678"},
        "signature": {"kind": "typed", "typed_name": "王大明"},
    }
    return json.dumps(body, ensure_ascii=False)


@contextmanager
def registry_server(
    fixture: Fixture, *, workers: int = 1, cpus: str = SERVER_CPU
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``registry serve`` on the fixture's database, pinned to ``cpus``: (base URL, process)."""
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "REGISTRY_DATABASE_URL": fixture.url,
        "REGISTRY_DATA_DIR": str(fixture.data_dir),
    }
    command = [
        "taskset",
        "-c",
        cpus,
        str(Path(sys.executable).parent / "registry"),
        "serve",
        "--port",
        str(port),
        "--limit-concurrency",
        "1000",
        "--max-connections-per-client",
        "0",
    ]
    if workers != 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with suppress(httpx.HTTPError):
                if httpx.get(base + "/v1/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the registry did not start")
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    connections: int
    requests: int
    per_s: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers plus socket errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "connections": self.connections,
            "requests": self.requests,
            "per_s": round(self.per_s, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "errors": self.errors,
        }


def wrk(
    base: str, requests_file: Path, *, connections: int, seconds: float, cpu: str = LOAD_CPU
) -> WrkResult:
    """Replays ``requests_file`` (each line once at most) with wrk pinned to ``cpu``."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed")
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file)}
    answer = subprocess.run(
        [
            "taskset",
            "-c",
            cpu,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            base,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    for line in answer.stdout.splitlines():
        if line.startswith("BENCH "):
            report = json.loads(line[len("BENCH ") :])
            return WrkResult(
                connections=connections,
                requests=int(report["requests"]),
                per_s=float(report["per_s"]),
                p50_ms=float(report["p50_us"]) / 1000,
                p99_ms=float(report["p99_us"]) / 1000,
                errors=int(report["errors"]),
            )
    raise RuntimeError(f"wrk gave no report: {answer.stdout}\n{answer.stderr}")
