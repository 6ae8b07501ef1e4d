"""The parent step's early email check: a parent is told at step 4 that the email they typed is
another parent ID's, and nobody can use the question to list which emails have accounts."""

from __future__ import annotations

import httpx

from registry.services.accounts import create_parent_account
from tests.registry.harness import FAST_HASHING, Live, error_of

TAKEN = "annie.sun2@hy-tech.com.tw"
OWNER_ID = "YA94109161"
NEWCOMER_ID = "A123456789"


def _account(live: Live) -> None:
    with live.sessions.begin() as session:
        create_parent_account(
            session,
            id_number=OWNER_ID,
            name="王曉明",
            email=TAKEN,
            phone="0928942045",
            now=live.clock(),
            limits=live.settings.limits,
            hasher=FAST_HASHING.hasher(),
        )


def _check(live: Live, token: str | None, parent_id: str, email: str) -> httpx.Response:
    return live.http.post(
        "/v1/parents/email-check",
        json={"parent_id": parent_id, "email": email},
        headers=live.kiosk.headers(token),
    )


def test_an_email_of_another_parent_id_is_told_and_a_free_one_is_not(live: Live) -> None:
    _account(live)
    token, _ = live.parent_session("newcomer@example.com")
    taken = _check(live, token, NEWCOMER_ID, "Annie.Sun2@HY-tech.com.tw")  # any spelling
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"taken": True}
    assert _check(live, token, NEWCOMER_ID, "someone.else@example.com").json() == {"taken": False}
    # The owner's own ID: their email is theirs.
    assert _check(live, token, OWNER_ID, TAKEN).json() == {"taken": False}


def test_an_email_applied_for_by_another_parent_is_taken_too(live: Live) -> None:
    _token, challenge = live.parent_session(TAKEN)
    first = live.submit(live.submission(challenge, live.roster.at("353301")[:1], email=TAKEN))
    assert first.status_code == 201, first.text
    token, _ = live.parent_session("newcomer@example.com")
    assert _check(live, token, NEWCOMER_ID, TAKEN).json() == {"taken": True}


def test_other_emails_count_as_parent_lookups_and_lock_the_session(live: Live) -> None:
    """A prober with one verified contact learns of at most ``parent_lookups`` emails (ID
    look-ups and email checks share the count); then every question is 423."""
    _account(live)
    token, _ = live.parent_session("prober@example.com")
    allowed = live.settings.limits.parent_lookups
    lookup = live.http.post(
        "/v1/parents/lookup", json={"parent_id": NEWCOMER_ID}, headers=live.kiosk.headers(token)
    )
    assert lookup.status_code == 200
    answers = [_check(live, token, NEWCOMER_ID, f"guess{n}@example.com") for n in range(allowed)]
    assert [a.status_code for a in answers] == [200] * (allowed - 1) + [423]
    assert error_of(answers[-1])["code"] == "session.locked"
    # Locked for the one email that is taken, too: the lock tells nothing of it.
    assert _check(live, token, NEWCOMER_ID, TAKEN).status_code == 423
    # A malformed email or ID is refused for what it is and not counted.
    fresh, _ = live.parent_session("fresh@example.com")
    for _ in range(allowed + 2):
        bad = _check(live, fresh, NEWCOMER_ID, "not-an-email")
        assert bad.status_code == 400
        assert error_of(bad)["field"] == "email"
        bad_id = _check(live, fresh, "A123456788", TAKEN)
        assert error_of(bad_id) == {"code": "id.checksum", "field": "parent_id", "params": {}}
    assert _check(live, fresh, NEWCOMER_ID, TAKEN).json() == {"taken": True}


def test_the_verified_email_is_answered_without_counting(live: Live) -> None:
    """The contact the session proved is the parent's own: asking about it again and again
    costs nothing (it is the question the kiosk asks of nearly every new parent)."""
    token, _ = live.parent_session("Own.Mailbox@example.com")
    for _ in range(live.settings.limits.parent_lookups + 3):
        answer = _check(live, token, NEWCOMER_ID, "own.mailbox@example.com")
        assert answer.json() == {"taken": False}
    assert _check(live, token, NEWCOMER_ID, "another@example.com").status_code == 200


def test_the_check_needs_a_parent_session(live: Live) -> None:
    answer = _check(live, None, NEWCOMER_ID, TAKEN)
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "session.invalid"
    body = {"parent_id": NEWCOMER_ID, "email": TAKEN}
    bare = live.http.post("/v1/parents/email-check", json=body)
    assert bare.status_code == 401
