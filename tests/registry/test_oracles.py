"""What a curious kiosk learned: who is on the roster, and whose mailbox it can fill.

A submission says nothing about students before its challenge is proven, and its roster misses
count against the same five-miss lock as the look-up. Mail to an address the parent did not
verify carries nothing the request said, and goes out at most once a day.
"""

from __future__ import annotations

import uuid

from kiosk.domain.wire import SignatureKind
from tests.registry.harness import Live, error_of

EMAIL = "annie.sun2@hy-tech.com.tw"
VICTIM = "victim@example.org"
NOT_ON_ROSTER = "B123456780"


def test_a_never_verified_challenge_tells_nothing_about_students(live: Live) -> None:
    answer = live.request_code(EMAIL)
    assert answer.status_code == 202, answer.text
    unverified = answer.json()["challenge_id"]
    on_roster = live.roster.at("353301")[0]
    answers = []
    for student_id in (on_roster.id_number, NOT_ON_ROSTER):
        submission = live.submission(unverified, [on_roster])
        students = [submission.students[0].model_copy(update={"student_id": student_id})]
        # A typed signature that does not match, too: no rule about the draft may answer first.
        signature = submission.signature.model_copy(
            update={"kind": SignatureKind.TYPED, "typed_name": "X"}
        )
        sent = submission.model_copy(update={"students": students, "signature": signature})
        answers.append(live.submit(sent))
    assert [(a.status_code, error_of(a)["code"]) for a in answers] == [(400, "code.unknown")] * 2


def test_roster_misses_in_submissions_lock_the_session_like_look_ups(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    student = live.roster.at("353301")[0]
    wrong_school = student.__class__(
        student.id_number, student.name, "353302", student.class_name, student.level
    )
    codes = [
        error_of(live.submit(live.submission(challenge, [wrong_school])))["code"]
        for _ in range(live.settings.limits.lookup_misses)
    ]
    assert codes == ["student.not_found"] * live.settings.limits.lookup_misses
    # Now the session is locked for submissions and look-ups alike, even for a right student.
    answer = live.submit(live.submission(challenge, [student]))
    assert (answer.status_code, error_of(answer)["code"]) == (423, "session.locked")
    looked_up = live.http.post(
        "/v1/students/verify",
        json={
            "level": student.level.value,
            "student_id": student.id_number,
            "school_code": "353301",
        },
        headers=live.kiosk.headers(token),
    )
    assert (looked_up.status_code, error_of(looked_up)["code"]) == (423, "session.locked")


def _received(live: Live, to: str) -> list[str]:
    return [e.body for e in live.outbox.latest(200, to=to) if e.kind == "application_received"]


def test_mail_to_an_unverified_address_is_plain_and_once_a_day(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    student = live.roster.at("353301")[0]
    for _ in range(4):
        submission = live.submission(
            challenge, [student], email=VICTIM, name="請至惡意網址重設密碼"
        )
        answer = live.submit(submission)
        assert answer.status_code == 201, answer.text
        purged = live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token))
        assert purged.status_code == 200, purged.text
    bodies = _received(live, VICTIM)
    assert len(bodies) == 1
    assert "請至惡意網址重設密碼" not in bodies[0]
    assert "家長您好" in bodies[0]
    # Case is no way around the bound.
    live.submit(live.submission(challenge, [student], email=VICTIM.upper()))
    assert _received(live, VICTIM.upper()) == []
    # A day later one more may go.
    live.clock.advance(days=1, seconds=1)
    token, challenge = live.parent_session(EMAIL)
    live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token))
    assert live.submit(live.submission(challenge, [student], email=VICTIM)).status_code == 201
    assert len(_received(live, VICTIM)) == 2


def test_mail_to_the_verified_address_names_the_parent_every_time(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    student = live.roster.at("353301")[0]
    for _ in range(2):
        answer = live.submit(live.submission(challenge, [student], application_id=uuid.uuid4()))
        assert answer.status_code == 201, answer.text
        live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token))
    bodies = _received(live, EMAIL)
    assert len(bodies) == 2
    assert all("王曉明 您好" in body for body in bodies)


def test_parent_look_ups_are_bounded_per_session(live: Live) -> None:
    token, _challenge = live.parent_session(EMAIL)
    limit = live.settings.limits.parent_lookups
    answers = [
        live.http.post(
            "/v1/parents/lookup",
            json={"parent_id": "YA94109161"},
            headers=live.kiosk.headers(token),
        )
        for _ in range(limit + 3)
    ]
    assert [a.status_code for a in answers] == [200] * limit + [423] * 3
    assert {error_of(a)["code"] for a in answers[limit:]} == {"session.locked"}
    # Another session has look-ups of its own.
    other, _challenge = live.parent_session("other.parent@example.org")
    answer = live.http.post(
        "/v1/parents/lookup", json={"parent_id": "YA94109161"}, headers=live.kiosk.headers(other)
    )
    assert answer.status_code == 200, answer.text
