"""A parent's cancel and purge queued on a kiosk and uploaded late (``POST /v1/bindings/actions``):
applied once however often they arrive, after the parent's session has expired, never to
another kiosk's parent; and 登入系統 — whether the parent's account has been used to sign in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from kiosk.domain.parent_actions import BindingActionIn, ParentActionKind
from registry.services.accounts import create_parent_account
from store.central import AuditEvent, Binding
from tests.registry.harness import FAST_HASHING, Live, error_of

ACCOUNT_EMAIL = "annie.sun2@hy-tech.com.tw"


def _act(live: Live, body: BindingActionIn, **kiosk: Any) -> Any:
    return live.http.post(
        "/v1/bindings/actions",
        content=body.model_dump_json(),
        headers={**(kiosk.get("key") or live.kiosk).headers(), "Content-Type": "application/json"},
    )


def _applied(live: Live, count: int, start: int = 0) -> tuple[str, list[str]]:
    _token, challenge = live.parent_session(ACCOUNT_EMAIL)
    answer = live.submit(
        live.submission(challenge, live.roster.at("353301")[start : start + count])
    )
    assert answer.status_code == 201, answer.text
    return challenge, [b["binding_id"] for b in answer.json()["bindings"]]


def _cancel(challenge: str, binding: str, at: datetime) -> BindingActionIn:
    return BindingActionIn(
        action_id=uuid.uuid4(),
        kind=ParentActionKind.CANCEL,
        challenge_id=uuid.UUID(challenge),
        binding_id=uuid.UUID(binding),
        requested_at=at,
    )


def _standing(live: Live) -> set[str]:
    with live.sessions() as session:
        rows = session.scalars(select(Binding.id).where(Binding.removed_at.is_(None))).all()
    return {str(row) for row in rows}


def _audited(live: Live, action: str) -> int:
    with live.sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )
    return int(count or 0)


def test_a_late_cancel_is_applied_once_even_after_the_session_expired(live: Live) -> None:
    challenge, (first, second) = _applied(live, 2)
    action = _cancel(challenge, first, live.clock())
    live.clock.advance(hours=5)  # uploaded long after: the parent's session (60 min) is over
    answer = _act(live, action)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"action_id": str(action.action_id), "removed": 1}
    again = _act(live, action)
    assert again.status_code == 200, again.text
    assert again.json()["removed"] == 0  # done before: done, not twice
    assert first not in _standing(live)
    assert second in _standing(live)
    assert _audited(live, "binding.cancel") == 1


def test_a_late_purge_spares_what_was_submitted_after_it_and_is_applied_once(live: Live) -> None:
    challenge, before = _applied(live, 2)
    pressed = live.clock()
    live.clock.advance(minutes=10)
    _later_challenge, after = _applied(live, 1, start=2)  # applied after the press
    purge = BindingActionIn(
        action_id=uuid.uuid4(),
        kind=ParentActionKind.PURGE,
        challenge_id=uuid.UUID(challenge),
        requested_at=pressed,
    )
    answer = _act(live, purge)
    assert answer.status_code == 200, answer.text
    assert answer.json()["removed"] == 2
    assert _act(live, purge).json()["removed"] == 0
    standing = _standing(live)
    assert not set(before) & standing
    assert set(after) <= standing
    assert _audited(live, "binding.purge") == 1


def test_a_cancel_of_a_decided_binding_or_from_another_kiosk_is_refused(live: Live) -> None:
    challenge, (first,) = _applied(live, 1)
    with live.sessions.begin() as session:
        session.execute(
            update(Binding).where(Binding.id == uuid.UUID(first)).values(status="approved")
        )
    refused = _act(live, _cancel(challenge, first, live.clock()))
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "binding.not_pending"
    other = live.new_kiosk()
    stranger = _act(live, _cancel(challenge, first, live.clock()), key=other)
    assert error_of(stranger)["code"] == "code.unknown"
    assert first in _standing(live)


def test_logged_in_says_whether_the_parents_account_was_used_to_sign_in(live: Live) -> None:
    with live.sessions.begin() as session:
        create_parent_account(
            session,
            id_number="YA94109161",
            name="王曉明",
            email=ACCOUNT_EMAIL,
            phone="0928942045",
            now=live.clock(),
            limits=live.settings.limits,
            hasher=FAST_HASHING.hasher(),
        )
    token, challenge = live.parent_session(ACCOUNT_EMAIL)
    live.submit(live.submission(challenge, live.roster.at("353301")[:1]))

    def logged_in() -> bool:
        answer = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["logged_in"])

    assert not logged_in()
    wrong = live.http.post(
        "/v1/accounts/login", json={"email": ACCOUNT_EMAIL, "password": "not-it"}
    )
    assert wrong.status_code == 401
    assert not logged_in()  # a failed attempt is no sign-in
    signed = live.http.post(
        "/v1/accounts/login", json={"email": ACCOUNT_EMAIL, "password": "109161"}
    )
    assert signed.status_code == 200, signed.text
    assert logged_in()
