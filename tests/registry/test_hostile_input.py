"""What an attacker on the network sends: control characters, extreme dates, invisible reasons.

Each answer is a clear 400 (or 401 for a token) on both databases, and nothing is stored; never
a 500 (PostgreSQL refuses a NUL in text outright, so these reached it as errors before).
"""

from __future__ import annotations

import json
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from store.central import Application, Binding
from tests.registry.harness import Live, error_of

EMAIL = "annie.sun2@hy-tech.com.tw"


def _post(live: Live, path: str, body: dict[str, Any], **headers: str) -> Any:
    return live.http.post(
        path,
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
    )


def _applications(live: Live) -> int:
    with live.sessions() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


def test_a_nul_in_a_staff_username_is_a_400(live: Live) -> None:
    answer = _post(live, "/v1/staff/login", {"username": "t.lin\u0000", "password": "x"})
    assert answer.status_code == 400, answer.text
    assert (error_of(answer)["code"], error_of(answer)["field"]) == ("request.invalid", "username")


def test_a_kiosk_token_whose_issuer_holds_a_nul_is_a_401_unsigned_or_not(live: Live) -> None:
    claims = live.kiosk.claims(iss="kiosk:k-\u0000abc")
    unsigned = jwt.encode(claims, key="", algorithm="none")
    for token in (unsigned, live.kiosk.token(iss="kiosk:k-\u0000abc")):
        answer = live.http.get(
            "/v1/schools?level=senior_high", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 401, answer.text
        assert error_of(answer)["code"] == "auth.invalid"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receipt", "KT1-20260901-0001\u0000"),
        ("consent_version", "2026.1\u0000"),
        ("school_code", "353301\u0000"),
        ("relationship_other", "舅\u0000舅"),
        ("name", "王曉明\u0007"),
    ],
)
def test_control_characters_anywhere_in_a_submission_are_a_400(
    live: Live, field: str, value: str
) -> None:
    _token, challenge = live.parent_session(EMAIL)
    body = json.loads(live.submission(challenge, live.roster.at("353301")[:1]).model_dump_json())
    if field in ("school_code", "relationship_other"):
        body["students"][0][field] = value
        where = f"students.0.{field}"
    elif field == "name":
        body["parent"]["name"] = value
        where = "parent.name"
    else:
        body[field] = value
        where = field
    answer = _post(live, "/v1/applications", body, **live.kiosk.headers())
    assert answer.status_code == 400, answer.text
    assert error_of(answer)["field"] == where
    assert _applications(live) == 0


def test_a_nul_in_a_code_address_or_a_student_look_up_is_a_400(live: Live) -> None:
    answer = _post(
        live,
        "/v1/codes",
        {"channel": "email", "address": "a\u0000@example.com"},
        **live.kiosk.headers(),
    )
    assert (answer.status_code, error_of(answer)["field"]) == (400, "address")
    token, _challenge = live.parent_session(EMAIL)
    answer = _post(
        live,
        "/v1/students/verify",
        {"level": "senior_high", "student_id": "A123456789", "school_code": "35\u00003301"},
        **live.kiosk.headers(token),
    )
    assert (answer.status_code, error_of(answer)["field"]) == (400, "school_code")


def _reject(live: Live, reason: str) -> Any:
    _token, challenge = live.parent_session(EMAIL)
    submitted = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert submitted.status_code == 201, submitted.text
    binding = submitted.json()["bindings"][0]["binding_id"]
    staff = live.staff_token(live.roster.teacher)
    return live.staff(
        "POST", f"/v1/staff/bindings/{binding}/reject", staff, json={"reason": reason}
    )


def test_a_nul_in_a_rejection_reason_is_a_400_and_the_binding_stays_pending(live: Live) -> None:
    answer = _reject(live, "資料不符\u0000")
    assert (answer.status_code, error_of(answer)["field"]) == (400, "reason")
    with live.sessions() as session:
        assert session.scalars(select(Binding.status)).all() == ["pending"]


@pytest.mark.parametrize("reason", ["\u202e", "\u200b", "\u200b \u202e\u3000", "\ufeff\u2060"])
def test_a_reason_of_only_invisible_characters_is_blank(live: Live, reason: str) -> None:
    answer = _reject(live, reason)
    assert (answer.status_code, error_of(answer)["field"]) == (400, "reason")
    with live.sessions() as session:
        assert session.scalars(select(Binding.status)).all() == ["pending"]


@pytest.mark.parametrize(
    "submitted_at",
    [
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59+00:00",
        "2000-01-01T00:00:00+08:00",
        "2026-09-03T08:00:00+00:00",
    ],
)
def test_a_submission_time_far_from_the_registry_clock_is_a_400(
    live: Live, submitted_at: str
) -> None:
    # The registry's clock reads 2026-09-01T08:00Z: a day ahead is allowed, two are not.
    _token, challenge = live.parent_session(EMAIL)
    body = json.loads(live.submission(challenge, live.roster.at("353301")[:1]).model_dump_json())
    body["submitted_at"] = submitted_at
    answer = _post(live, "/v1/applications", body, **live.kiosk.headers())
    assert answer.status_code == 400, answer.text
    assert error_of(answer)["field"] == "submitted_at"
    assert _applications(live) == 0


def test_a_submission_from_a_kiosk_that_was_away_for_months_is_stored(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    body = json.loads(live.submission(challenge, live.roster.at("353301")[:1]).model_dump_json())
    body["submitted_at"] = "2026-03-01T10:00:00+08:00"
    answer = _post(live, "/v1/applications", body, **live.kiosk.headers())
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receipt", "請至 http://evil.example/a 重設密碼"),
        ("receipt", "KT1-20260901-0001 http://evil.example"),
        ("consent_version", "1999.9"),
    ],
)
def test_a_receipt_not_in_the_kiosk_format_or_an_unknown_consent_version_is_a_400(
    live: Live, field: str, value: str
) -> None:
    _token, challenge = live.parent_session(EMAIL)
    body = json.loads(live.submission(challenge, live.roster.at("353301")[:1]).model_dump_json())
    body[field] = value
    answer = _post(live, "/v1/applications", body, **live.kiosk.headers())
    assert (answer.status_code, error_of(answer)["field"]) == (400, field), answer.text
    assert _applications(live) == 0


async def test_the_kiosk_client_reads_a_refused_field_as_that_fields_error(live: Live) -> None:
    """A ``request.invalid`` answer names its field twice (``field`` and ``params.field``):
    the kiosk's client made a TypeError of it, and its sync worker stopped."""
    from kiosk.client import RegistryClient
    from kiosk.domain.errors import DomainError

    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, live.roster.at("353301")[:1])
    unknown = submission.model_copy(update={"consent_version": "1999.9"})
    async with RegistryClient(
        live.base_url,
        kiosk_id=live.kiosk.kiosk_id,
        key=live.kiosk.key,
        now=lambda: live.clock().timestamp(),
    ) as client:
        with pytest.raises(DomainError) as refused:
            await client.submit(unknown)
    assert (refused.value.code, refused.value.field) == ("request.invalid", "consent_version")
