"""Whose bindings the progress page shows: the contact's own in full, and, masked, the other
bindings of the parent an application of this very session names (the tutorial's case: an
existing account, verified with another email)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import update

from kiosk.domain.masking import mask_name
from registry.services.accounts import create_parent_account
from store.central import Binding
from tests.registry.harness import FAST_HASHING, Live, error_of

ACCOUNT_EMAIL = "annie.sun2@hy-tech.com.tw"
OTHER_EMAIL = "cooc123@gmail.com"


def _listed(live: Live, token: str) -> list[dict[str, Any]]:
    answer = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
    assert answer.status_code == 200, answer.text
    bindings: list[dict[str, Any]] = answer.json()["bindings"]
    return bindings


def _account_with_two_bound(live: Live) -> list[str]:
    """王曉明's account (as the demo's), with two students applied for, the first approved."""
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
    _token, challenge = live.parent_session(ACCOUNT_EMAIL)
    answer = live.submit(live.submission(challenge, live.roster.at("353301")[:2]))
    assert answer.status_code == 201, answer.text
    ids = [b["binding_id"] for b in answer.json()["bindings"]]
    with live.sessions.begin() as session:
        session.execute(
            update(Binding).where(Binding.id == uuid.UUID(ids[0])).values(status="approved")
        )
    live.clock.advance(minutes=5)  # the next application is a later one
    return ids


def _existing(live: Live, challenge: str, index: int) -> Any:
    submission = live.submission(challenge, live.roster.at("353301")[index : index + 1])
    return submission.model_copy(
        update={
            "parent": submission.parent.model_copy(
                update={"name": None, "email": None, "phone": None, "existing_account": True}
            )
        }
    )


def test_an_application_shows_the_named_parents_other_bindings_masked(live: Live) -> None:
    earlier = _account_with_two_bound(live)
    roster = live.roster.at("353301")
    token, challenge = live.parent_session(OTHER_EMAIL)
    answer = live.submit(_existing(live, challenge, 2))
    assert answer.status_code == 201, answer.text
    listed = _listed(live, token)
    mine = answer.json()["bindings"][0]["binding_id"]
    assert [b["binding_id"] for b in listed] == [*earlier, mine]
    others, own = listed[:2], listed[2]
    assert [(b["student_name"], b["status"], b["masked"]) for b in others] == [
        (mask_name(roster[0].name), "approved", True),
        (mask_name(roster[1].name), "pending", True),
    ]
    # Nothing more than the masked prefill gave away: no school, no class.
    assert {(b["school_name"], b["class_name"], b["reason"]) for b in others} == {("", "", None)}
    assert (own["student_name"], own["class_name"], own["masked"]) == (
        roster[2].name,
        roster[2].class_name,
        False,
    )
    # Seen is not cancellable: the other bindings stay the account's to cancel.
    refused = live.http.delete(f"/v1/bindings/{earlier[1]}", headers=live.kiosk.headers(token))
    assert error_of(refused)["code"] == "binding.not_found"
    purged = live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token))
    assert purged.json() == {"removed": 1}
    assert [b["binding_id"] for b in _listed(live, token)] == earlier


def test_the_accounts_own_contact_sees_every_name(live: Live) -> None:
    _account_with_two_bound(live)
    roster = live.roster.at("353301")
    _token, challenge = live.parent_session(OTHER_EMAIL)
    assert live.submit(_existing(live, challenge, 2)).status_code == 201
    token, _ = live.parent_session(ACCOUNT_EMAIL)
    listed = _listed(live, token)
    assert [(b["student_name"], b["masked"]) for b in listed] == [
        (roster[0].name, False),
        (roster[1].name, False),
        (roster[2].name, False),
    ]


def test_a_later_session_of_the_other_contact_sees_only_its_own(live: Live) -> None:
    """查詢申請進度 verifies again: a new session, which submitted nothing, sees what its contact
    may see."""
    _account_with_two_bound(live)
    _token, challenge = live.parent_session(OTHER_EMAIL)
    assert live.submit(_existing(live, challenge, 2)).status_code == 201
    again, _ = live.parent_session(OTHER_EMAIL)
    assert [b["student_name"] for b in _listed(live, again)] == [live.roster.at("353301")[2].name]


def test_no_other_parents_bindings_without_a_stored_application(live: Live) -> None:
    """Naming a parent in a refused submission, or on another kiosk, shows nothing of theirs."""
    _account_with_two_bound(live)
    token, challenge = live.parent_session(OTHER_EMAIL)
    # Already pending for this parent: refused, nothing stored.
    refused = live.submit(_existing(live, challenge, 1))
    assert error_of(refused)["code"] == "student.already_pending"
    assert _listed(live, token) == []
    # The same challenge used from another kiosk is not this session's.
    elsewhere = live.new_kiosk()
    stranger, other_challenge = live.parent_session("stranger@example.com", kiosk=elsewhere)
    assert live.submit(_existing(live, other_challenge, 3), kiosk=elsewhere).status_code == 201
    answer = live.http.get("/v1/bindings", headers=live.kiosk.headers(stranger))
    assert error_of(answer)["code"] == "session.invalid"
    on_its_kiosk = live.http.get("/v1/bindings", headers=elsewhere.headers(stranger))
    assert len(on_its_kiosk.json()["bindings"]) == 3
