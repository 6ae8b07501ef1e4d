"""Applications: idempotent submission, the rules checked again, and the parent's progress page."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, update

from kiosk.domain.contact import Channel
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import SubmissionStudentIn
from registry.services.accounts import create_parent_account
from store.central import Application, Binding, Student
from tests.registry.harness import FAST_HASHING, Live, RosterStudent, error_of

EMAIL = "annie.sun2@hy-tech.com.tw"


def _count(live: Live, model: type[Application] | type[Binding]) -> int:
    with live.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _students(live: Live, n: int, school: str = "353301") -> list[RosterStudent]:
    return live.roster.at(school)[:n]


def test_a_submission_is_stored_and_answers_its_bindings(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    students = _students(live, 2)
    submission = live.submission(challenge, students)
    answer = live.submit(submission)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["application_id"] == str(submission.application_id)
    assert result["receipt"] == submission.receipt
    assert [b["student_name"] for b in result["bindings"]] == [s.name for s in students]
    assert [b["class_name"] for b in result["bindings"]] == [s.class_name for s in students]
    assert {b["status"] for b in result["bindings"]} == {"pending"}
    assert {b["school_name"] for b in result["bindings"]} == {"臺北市私立日曜學校"}
    # The parent is told it arrived (and that it is not yet bound).
    kinds = [entry.kind for entry in live.outbox.latest(10, to=EMAIL)]
    assert kinds[-1] == "application_received"
    # The progress page shows them.
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
    assert listed.status_code == 200
    assert listed.json()["bindings"] == result["bindings"]


def test_a_replay_answers_the_stored_result_and_other_content_conflicts(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 1))
    first = live.submit(submission)
    assert first.status_code == 201
    again = live.submit(submission)
    assert again.status_code == 200
    assert again.json() == first.json()
    other = submission.model_copy(update={"receipt": "KT1-20260901-999999"})
    conflict = live.submit(other)
    assert conflict.status_code == 409
    assert error_of(conflict)["code"] == "application.conflict"
    assert _count(live, Application) == 1
    assert _count(live, Binding) == 1


def test_fifty_concurrent_replays_store_one_application(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 3))
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: live.submit(submission), range(50)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 49 + [201], statuses
    bodies = {answer.text for answer in answers}
    assert len(bodies) == 1
    assert _count(live, Application) == 1
    assert _count(live, Binding) == 3
    received = [e for e in live.outbox.latest(100, to=EMAIL) if e.kind == "application_received"]
    assert len(received) == 1


def test_an_email_of_another_parent_is_refused(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    assert live.submit(live.submission(challenge, _students(live, 1))).status_code == 201
    _token, challenge = live.parent_session("mother@example.com")
    mother = live.submission(
        challenge,
        _students(live, 2)[1:],
        parent_id="A223456781",
        name="林淑芬",
        email="ANNIE.SUN2@hy-tech.com.tw".lower(),
        relationship=Relationship.MOTHER,
    )
    answer = live.submit(mother)
    assert answer.status_code == 409
    assert error_of(answer) == {
        "code": "parent.email_taken",
        "field": "parent.email",
        "params": {},
    }


def test_a_student_pending_for_this_parent_is_refused_and_bound_after_approval(
    live: Live,
) -> None:
    _token, challenge = live.parent_session(EMAIL)
    student = _students(live, 1)
    assert live.submit(live.submission(challenge, student)).status_code == 201
    again = live.submit(live.submission(challenge, student))
    assert again.status_code == 409
    assert error_of(again) == {
        "code": "student.already_pending",
        "field": "students.0.student_id",
        "params": {},
    }
    with live.sessions.begin() as session:
        session.execute(update(Binding).values(status="approved"))
    bound = live.submit(live.submission(challenge, student))
    assert error_of(bound)["code"] == "student.already_bound"


def test_another_parent_may_apply_for_the_same_student(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    student = _students(live, 1)
    assert live.submit(live.submission(challenge, student)).status_code == 201
    _token, challenge = live.parent_session("mother@example.com")
    mother = live.submission(
        challenge,
        student,
        parent_id="A223456781",
        name="林淑芬",
        email="mother@example.com",
        relationship=Relationship.MOTHER,
    )
    assert live.submit(mother).status_code == 201


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"student_id": "A123456788"}, "id.checksum", "students.0.student_id"),
        ({"student_id": "B123456780"}, "student.not_found", "students.0.student_id"),
        ({"school_code": "353302"}, "student.not_found", "students.0.student_id"),
        ({"school_code": "nope"}, "school.unknown", "students.0.school_code"),
        ({"level": Level.ELEMENTARY}, "student.not_found", "students.0.student_id"),
        (
            {"relationship": Relationship.OTHER},
            "relationship.description_required",
            "students.0.relationship",
        ),
    ],
)
def test_each_student_is_checked_again(
    live: Live, change: dict[str, object], code: str, field: str
) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 1))
    student = submission.students[0].model_copy(update=change)
    answer = live.submit(submission.model_copy(update={"students": [student]}))
    assert answer.status_code in (400, 404), answer.text
    assert (error_of(answer)["code"], error_of(answer)["field"]) == (code, field)
    assert _count(live, Application) == 0


def test_other_relationship_with_its_description_is_kept(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 1))
    student = submission.students[0].model_copy(
        update={"relationship": Relationship.OTHER, "relationship_other": " 姑姑 "}
    )
    answer = live.submit(submission.model_copy(update={"students": [student]}))
    assert answer.status_code == 201, answer.text
    binding = answer.json()["bindings"][0]
    assert (binding["relationship"], binding["relationship_other"]) == ("other", "姑姑")


def test_the_same_student_twice_and_the_parent_as_student_are_refused(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    one = _students(live, 1)
    twice = live.submit(live.submission(challenge, one + one))
    assert (error_of(twice)["code"], error_of(twice)["field"]) == (
        "draft.student_duplicate",
        "students.1.student_id",
    )
    self_bound = live.submit(live.submission(challenge, one, parent_id=one[0].id_number))
    assert error_of(self_bound)["code"] == "draft.parent_is_student"


def test_more_than_ten_students_are_refused(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 10))
    eleven = [*submission.students, SubmissionStudentIn.model_validate(submission.students[0])]
    body = submission.model_dump(mode="json")
    body["students"] = [s.model_dump(mode="json") for s in eleven]
    answer = live.http.post("/v1/applications", json=body, headers=live.kiosk.headers())
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "request.invalid"
    assert error_of(answer)["field"] == "students"


@pytest.mark.parametrize(
    ("parent", "code", "field"),
    [
        ({"name": "王曉明1"}, "name.characters", "parent.name"),
        ({"email": "not-an-email"}, "email.format", "parent.email"),
        ({"phone": "12345"}, "phone.format", "parent.phone"),
        ({"id": "YA94109162"}, "id.checksum", "parent.id"),
        ({"existing_account": True}, "draft.parent_required", "parent.existing_account"),
    ],
)
def test_the_parent_is_checked_again(
    live: Live, parent: dict[str, object], code: str, field: str
) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 1))
    changed = submission.model_copy(update={"parent": submission.parent.model_copy(update=parent)})
    answer = live.submit(changed)
    assert answer.status_code == 400, answer.text
    assert (error_of(answer)["code"], error_of(answer)["field"]) == (code, field)


def test_a_typed_signature_must_be_the_parents_name(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submission = live.submission(challenge, _students(live, 1), typed=True)
    wrong = submission.model_copy(
        update={"signature": submission.signature.model_copy(update={"typed_name": "王小明"})}
    )
    answer = live.submit(wrong)
    assert (error_of(answer)["code"], error_of(answer)["field"]) == (
        "draft.signature_mismatch",
        "signature",
    )
    assert live.submit(submission).status_code == 201


def test_an_existing_account_supplies_the_parents_details(live: Live) -> None:
    with live.sessions.begin() as session:
        create_parent_account(
            session,
            id_number="YA94109161",
            name="王曉明",
            email=EMAIL,
            phone="0928942045",
            now=live.clock(),
            limits=live.settings.limits,
            hasher=FAST_HASHING.hasher(),
        )
    token, challenge = live.parent_session("0928942045", channel=Channel.SMS)
    submission = live.submission(challenge, _students(live, 1), typed=True)
    bare = submission.model_copy(
        update={
            "parent": submission.parent.model_copy(
                update={"name": None, "email": None, "phone": None, "existing_account": True}
            )
        }
    )
    answer = live.submit(bare)
    assert answer.status_code == 201, answer.text
    with live.sessions() as session:
        stored = session.scalars(select(Application)).one()
        assert (stored.parent_name, stored.parent_email, stored.existing_account) == (
            "王曉明",
            EMAIL,
            True,
        )
    # Verifying the account's phone shows the bindings too.
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
    assert len(listed.json()["bindings"]) == 1


def test_the_challenge_must_be_verified_on_this_kiosk(live: Live) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    unverified = live.submit(live.submission(challenge, _students(live, 1)))
    assert (error_of(unverified)["code"], error_of(unverified)["field"]) == (
        "code.unknown",
        "challenge_id",
    )
    _token, verified = live.parent_session(EMAIL)
    elsewhere = live.submit(live.submission(verified, _students(live, 1)), kiosk=live.new_kiosk())
    assert error_of(elsewhere)["code"] == "code.unknown"


def test_a_student_who_left_the_school_is_refused(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    student = _students(live, 1)
    with live.sessions.begin() as session:
        session.execute(
            update(Student).where(Student.id_number == student[0].id_number).values(enrolled=False)
        )
    answer = live.submit(live.submission(challenge, student))
    assert answer.status_code == 409
    assert error_of(answer)["code"] == "student.left_school"


def test_only_the_verified_contact_sees_its_bindings(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    assert live.submit(live.submission(challenge, _students(live, 1))).status_code == 201
    stranger, _ = live.parent_session("stranger@example.com")
    answer = live.http.get("/v1/bindings", headers=live.kiosk.headers(stranger))
    assert answer.json()["bindings"] == []
    # The phone the parent gave sees them (the progress may be checked by phone later).
    by_phone, _ = live.parent_session("0928942045", channel=Channel.SMS)
    assert (
        len(live.http.get("/v1/bindings", headers=live.kiosk.headers(by_phone)).json()["bindings"])
        == 1
    )


def test_cancel_removes_a_pending_binding_only(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    result = live.submit(live.submission(challenge, _students(live, 2))).json()
    first, second = (b["binding_id"] for b in result["bindings"])
    stranger, _ = live.parent_session("stranger@example.com")
    hidden = live.http.delete(f"/v1/bindings/{first}", headers=live.kiosk.headers(stranger))
    assert hidden.status_code == 404
    assert error_of(hidden)["code"] == "binding.not_found"
    cancelled = live.http.delete(f"/v1/bindings/{first}", headers=live.kiosk.headers(token))
    assert cancelled.status_code == 204
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(token)).json()["bindings"]
    assert [b["binding_id"] for b in listed] == [second]
    with live.sessions.begin() as session:
        session.execute(
            update(Binding).where(Binding.id == uuid.UUID(second)).values(status="approved")
        )
    refused = live.http.delete(f"/v1/bindings/{second}", headers=live.kiosk.headers(token))
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "binding.not_pending"
    # A cancelled student may be applied for again.
    _token, challenge = live.parent_session(EMAIL)
    assert live.submit(live.submission(challenge, _students(live, 1))).status_code == 201


def test_purge_removes_pending_and_rejected_and_keeps_approved(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    result = live.submit(live.submission(challenge, _students(live, 3))).json()
    ids = [uuid.UUID(b["binding_id"]) for b in result["bindings"]]
    with live.sessions.begin() as session:
        session.execute(update(Binding).where(Binding.id == ids[0]).values(status="approved"))
        session.execute(
            update(Binding).where(Binding.id == ids[1]).values(status="rejected", reason="查無此人")
        )
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(token)).json()["bindings"]
    assert [(b["status"], b["reason"]) for b in listed] == [
        ("approved", None),
        ("rejected", "查無此人"),
        ("pending", None),
    ]
    purged = live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token))
    assert purged.status_code == 200
    assert purged.json() == {"removed": 2}
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(token)).json()["bindings"]
    assert [b["status"] for b in listed] == ["approved"]
    assert live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token)).json() == {
        "removed": 0
    }
