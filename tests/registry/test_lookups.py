"""Roster look-ups: schools by level, student verify (without telling which part was wrong),
the session lock after five misses, and the parent look-up with its masked prefill."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from kiosk.domain.people import Level
from registry.services.accounts import create_parent_account
from store.central import ParentSession
from tests.registry.harness import FAST_HASHING, Live, error_of

PARENT_EMAIL = "annie.sun2@hy-tech.com.tw"


def _verify(live: Live, token: str, level: str, student_id: str, school: str) -> tuple[int, bytes]:
    answer = live.http.post(
        "/v1/students/verify",
        json={"level": level, "student_id": student_id, "school_code": school},
        headers=live.kiosk.headers(token),
    )
    return answer.status_code, answer.content


def test_schools_are_listed_by_level(live: Live) -> None:
    answer = live.http.get(
        "/v1/schools", params={"level": "senior_high"}, headers=live.kiosk.headers()
    )
    assert answer.status_code == 200, answer.text
    assert sorted(s["code"] for s in answer.json()["schools"]) == ["353301", "353302"]
    assert {s["level"] for s in answer.json()["schools"]} == {"senior_high"}
    elementary = live.http.get(
        "/v1/schools", params={"level": "elementary"}, headers=live.kiosk.headers()
    )
    assert [s["name"] for s in elementary.json()["schools"]] == ["臺北市立日新國民小學"]


def test_schools_need_a_kiosk_token(live: Live) -> None:
    answer = live.http.get("/v1/schools", params={"level": "senior_high"})
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "auth.required"


def test_a_student_is_found_by_level_id_and_school(live: Live) -> None:
    token, _ = live.parent_session(PARENT_EMAIL)
    answer = live.http.post(
        "/v1/students/verify",
        json={"level": "senior_high", "student_id": "a123456789", "school_code": "353301"},
        headers=live.kiosk.headers(token),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "name": "陳曉明",
        "class_name": "資訊二忠",
        "school_code": "353301",
        "school_name": "臺北市私立日曜學校",
    }


def test_unknown_id_wrong_school_and_wrong_level_answer_byte_for_byte_the_same(
    live: Live,
) -> None:
    other = next(s for s in live.roster.students if s.id_number != "A123456789")
    unknown_id = "B123456780"  # valid checksum, on no roster
    answers = []
    for level, student_id, school in (
        ("senior_high", unknown_id, "353301"),
        ("senior_high", "A123456789", "353302"),
        ("elementary", "A123456789", "353301"),
        ("senior_high", "A123456789", "999999"),
        (other.level.value, other.id_number, "353302"),
    ):
        # A fresh session each time, so the miss counter is the same for every answer.
        token, _ = live.parent_session(f"p{uuid.uuid4().hex[:8]}@example.com")
        answers.append(_verify(live, token, level, student_id, school))
    assert answers[0][0] == 404
    assert all(answer == answers[0] for answer in answers), answers
    # The only parameter is the look-ups left, the same for every kind of miss.
    assert answers[0][1] == (
        b'{"error":{"code":"student.not_found","field":null,"params":{"remaining":4}}}'
    )


def test_five_misses_lock_the_parent_session(live: Live) -> None:
    """Each miss says how many are left; the fifth is told as the lock, and the lock holds even
    for a right student."""
    token, _ = live.parent_session(PARENT_EMAIL)
    for remaining in (4, 3, 2, 1):
        status, body = _verify(live, token, "senior_high", "B123456780", "353301")
        assert status == 404
        assert f'"params":{{"remaining":{remaining}}}'.encode() in body
    status, body = _verify(live, token, "senior_high", "B123456780", "353301")
    assert status == 423
    assert b'"session.locked"' in body
    status, body = _verify(live, token, "senior_high", "A123456789", "353301")
    assert status == 423
    assert b'"session.locked"' in body
    locked = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
    assert locked.status_code == 423
    # A malformed ID is refused for what it is and does not count as a miss.
    fresh, _ = live.parent_session("fresh@example.com")
    for _ in range(6):
        status, body = _verify(live, fresh, "senior_high", "A123456788", "353301")
        assert status == 400
        assert b'"id.checksum"' in body
    assert _verify(live, fresh, "senior_high", "A123456789", "353301")[0] == 200


def test_concurrent_misses_each_count_and_lock_at_the_fifth(live: Live) -> None:
    """Twelve misses at once on one session: each is counted once (remaining 4, 3, 2, 1, each
    told to one of them), the fifth locks the session, and the rest are told it is locked."""
    token, challenge = live.parent_session(PARENT_EMAIL)
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(
                lambda _n: _verify(live, token, "senior_high", "B123456780", "353301"), range(12)
            )
        )
    not_found = sorted(
        json.loads(body)["error"]["params"]["remaining"]
        for status, body in answers
        if status == 404
    )
    assert not_found == [1, 2, 3, 4]
    assert [status for status, _body in answers].count(423) == 8
    with live.sessions() as session:
        row = session.scalars(
            select(ParentSession).where(ParentSession.challenge_id == uuid.UUID(challenge))
        ).one()
        assert (row.failed_lookups, row.locked_at is not None) == (5, True)


def test_a_parent_session_works_only_on_its_own_kiosk(live: Live) -> None:
    token, _ = live.parent_session(PARENT_EMAIL)
    other = live.new_kiosk()
    answer = live.http.post(
        "/v1/students/verify",
        json={"level": "senior_high", "student_id": "A123456789", "school_code": "353301"},
        headers=other.headers(token),
    )
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "session.invalid"


def test_a_parent_session_expires(live: Live) -> None:
    token, _ = live.parent_session(PARENT_EMAIL)
    live.clock.advance(minutes=61)
    answer = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "session.expired"


def test_student_verify_needs_a_parent_session(live: Live) -> None:
    answer = live.http.post(
        "/v1/students/verify",
        json={"level": "senior_high", "student_id": "A123456789", "school_code": "353301"},
        headers=live.kiosk.headers(),
    )
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "session.invalid"


def test_parent_lookup_masks_an_existing_account(live: Live) -> None:
    with live.sessions.begin() as session:
        create_parent_account(
            session,
            id_number="YA94109161",
            name="王曉明",
            email=PARENT_EMAIL,
            phone="0928942045",
            now=live.clock(),
            limits=live.settings.limits,
            hasher=FAST_HASHING.hasher(),
        )
    token, _ = live.parent_session("someone@example.com")
    answer = live.http.post(
        "/v1/parents/lookup", json={"parent_id": "ya94109161"}, headers=live.kiosk.headers(token)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "has_account": True,
        "masked_name": "王○明",
        "masked_email": "an***@hy-tech.com.tw",
        "masked_phone": "09***45",
    }
    none = live.http.post(
        "/v1/parents/lookup", json={"parent_id": "A123456789"}, headers=live.kiosk.headers(token)
    )
    assert none.json() == {
        "has_account": False,
        "masked_name": None,
        "masked_email": None,
        "masked_phone": None,
    }
    bad = live.http.post(
        "/v1/parents/lookup", json={"parent_id": "YA94109162"}, headers=live.kiosk.headers(token)
    )
    assert bad.status_code == 400
    assert error_of(bad) == {"code": "id.checksum", "field": "parent_id", "params": {}}


def test_levels_are_the_tutorials_five(live: Live) -> None:
    for level in Level:
        answer = live.http.get(
            "/v1/schools", params={"level": level.value}, headers=live.kiosk.headers()
        )
        assert answer.status_code == 200
    bad = live.http.get("/v1/schools", params={"level": "college"}, headers=live.kiosk.headers())
    assert bad.status_code == 400
    assert error_of(bad)["code"] == "request.invalid"
    assert error_of(bad)["field"] == "level"
