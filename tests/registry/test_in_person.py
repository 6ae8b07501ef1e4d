"""臨櫃核對身分 at the registry: a parent session on a staff member's word (SQLite and PostgreSQL).

Refused without a staff token or a kiosk token, refused to staff of another school than the
kiosk's, audited with the staff member and the kiosk, limited per staff member per day; an
application made under such a session carries the mark, and reviewers see who saw what.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from kiosk.domain.wire import STAFF_SESSION_HEADER
from registry.settings import Limits
from tests.registry.harness import Live, error_of

EMAIL = "no.code.here@example.com"


@pytest.fixture
def limits() -> Limits:
    """Two a day, so the limit is reached quickly."""
    return Limits(in_person_per_day=2)


def _vouch(live: Live, token: str | None, *, kiosk: bool = True, address: str = EMAIL) -> Any:
    headers = live.kiosk.headers() if kiosk else {}
    if token is not None:
        headers[STAFF_SESSION_HEADER] = token
    return live.http.post(
        "/v1/staff/in-person",
        json={"channel": "email", "address": address, "document": "national_id"},
        headers=headers,
    )


def _audit(live: Live, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "registry", "audit", "--database", live.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_refused_without_a_staff_token_or_a_kiosk_token(live: Live) -> None:
    no_staff = _vouch(live, None)
    assert (no_staff.status_code, error_of(no_staff)["code"]) == (401, "auth.required")
    no_kiosk = _vouch(live, live.staff_token("admin.353301"), kiosk=False)
    assert (no_kiosk.status_code, error_of(no_kiosk)["code"]) == (401, "auth.required")
    assert _audit(live, "--action", "parent.verify_in_person") == []


def test_staff_of_another_school_may_not_vouch_on_this_kiosk(live: Live) -> None:
    refused = _vouch(live, live.staff_token("admin.353601"))
    assert (refused.status_code, error_of(refused)["code"]) == (403, "auth.forbidden")
    (refusal,) = _audit(live, "--action", "parent.verify_in_person_refused")
    assert (refusal["staff"], refusal["detail"]["reason"]) == ("admin.353601", "auth.forbidden")
    assert _audit(live, "--action", "parent.verify_in_person") == []


def test_a_bad_contact_is_refused_as_for_a_code(live: Live) -> None:
    refused = _vouch(live, live.staff_token("admin.353301"), address="not-an-email")
    assert (refused.status_code, error_of(refused)["field"]) == (400, "address")


def test_the_session_works_the_application_is_marked_and_the_audit_names_the_kiosk(
    live: Live,
) -> None:
    answer = _vouch(live, live.staff_token("admin.353301"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["session"]["address"] == EMAIL
    # No code was sent to anyone.
    assert [e for e in live.outbox.latest(50, to=EMAIL) if e.kind == "code"] == []
    students = live.roster.at("353301")[:1]
    submitted = live.submit(live.submission(body["challenge"]["challenge_id"], students))
    assert submitted.status_code == 201, submitted.text
    listed = live.staff("GET", "/v1/staff/bindings", live.staff_token("admin.353301"))
    (row,) = [
        b
        for b in listed.json()["bindings"]
        if b["application_id"] == submitted.json()["application_id"]
    ]
    assert (row["in_person_document"], row["in_person_by"]) == ("national_id", "admin.353301")
    (event,) = _audit(live, "--action", "parent.verify_in_person")
    assert (event["staff"], event["kiosk"], event["school"]) == (
        "admin.353301",
        live.kiosk.kiosk_id,
        "353301",
    )
    assert EMAIL not in json.dumps(event)


def test_an_application_verified_by_code_carries_no_mark(live: Live) -> None:
    _token, challenge = live.parent_session("coded@example.com")
    submitted = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert submitted.status_code == 201, submitted.text
    listed = live.staff("GET", "/v1/staff/bindings", live.staff_token("admin.353301"))
    assert {b["in_person_document"] for b in listed.json()["bindings"]} == {None}


def test_limited_per_staff_member_per_day(live: Live) -> None:
    token = live.staff_token("admin.353301")
    for n in range(2):
        assert _vouch(live, token, address=f"p{n}@example.com").status_code == 200
    third = _vouch(live, token, address="p3@example.com")
    assert (third.status_code, error_of(third)["code"]) == (429, "limit.in_person")
    assert error_of(third)["params"]["max"] == 2
    # Another staff member of the school still may; and the next day this one may again.
    assert _vouch(live, live.staff_token("t.lin"), address="p4@example.com").status_code == 200
    live.clock.advance(days=1)
    assert _vouch(live, live.staff_token("admin.353301")).status_code == 200
    assert len(_audit(live, "--action", "parent.verify_in_person")) == 4
    (refusal,) = _audit(live, "--action", "parent.verify_in_person_refused")
    assert (refusal["staff"], refusal["kiosk"], refusal["detail"]["reason"]) == (
        "admin.353301",
        live.kiosk.kiosk_id,
        "limit.in_person",
    )
