"""``POST /v1/applications/batch``: a kiosk's saved applications in one request, each settled as
its own submission would be, nothing doubled however often or concurrently it is sent."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import Engine, event, func, select

from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.wire import SubmissionIn
from kiosk.domain.wire_batch import ApplicationBatchIn
from store.central import Application, Binding, ParentSession
from tests.registry.harness import Live


def _count(live: Live, model: type[Application] | type[Binding]) -> int:
    with live.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _send(live: Live, submissions: list[SubmissionIn]) -> httpx.Response:
    return live.http.post(
        "/v1/applications/batch",
        content=ApplicationBatchIn(applications=submissions).model_dump_json(),
        headers={**live.kiosk.headers(), "Content-Type": "application/json"},
    )


def _items(answer: httpx.Response) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["results"]
    return items


def _three(live: Live) -> list[SubmissionIn]:
    """Two good applications (two parents) and one for a pupil the roster does not hold."""
    pupils = live.roster.at("353301")
    _t, first = live.parent_session("first@example.com")
    _t, second = live.parent_session("second@example.com")
    _t, third = live.parent_session("third@example.com")
    good = [
        live.submission(first, pupils[:2], parent_id="A223456781", email="first@example.com"),
        live.submission(second, pupils[2:3], parent_id="B123456780", email="second@example.com"),
    ]
    unknown = live.submission(third, pupils[3:4], parent_id="C123456781", email="third@example.com")
    nobody = make_id(IdKind.CITIZEN, random.Random(15)).value
    assert nobody not in {pupil.id_number for pupil in live.roster.students}
    student = unknown.students[0].model_copy(update={"student_id": nobody})
    return [*good, unknown.model_copy(update={"students": [student]})]


def test_a_batch_stores_each_application_and_a_refusal_takes_nothing_with_it(live: Live) -> None:
    submissions = _three(live)
    items = _items(_send(live, submissions))
    assert [item["status"] for item in items] == [201, 201, 404]
    assert [item["application_id"] for item in items] == [
        str(s.application_id) for s in submissions
    ]
    assert items[2]["error"]["code"] == "student.not_found"
    assert items[2]["result"] is None
    assert [len(item["result"]["bindings"]) for item in items[:2]] == [2, 1]
    assert _count(live, Application) == 2
    assert _count(live, Binding) == 3
    # Each stored one answers a single submission's replay with the same result.
    single = live.submit(submissions[0])
    assert single.status_code == 200
    assert single.json() == items[0]["result"]
    # The miss counts against the third parent's session, as a single submission's would.
    with live.sessions() as session:
        misses = session.scalar(
            select(ParentSession.failed_lookups).where(
                ParentSession.challenge_id == submissions[2].challenge_id
            )
        )
    assert misses == 1
    # Each parent is told of their own application once.
    for to in ("first@example.com", "second@example.com"):
        received = [e for e in live.outbox.latest(50, to=to) if e.kind == "application_received"]
        assert len(received) == 1


def test_a_batch_sent_again_and_concurrently_stores_each_once(live: Live) -> None:
    submissions = _three(live)[:2]
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _send(live, submissions), range(8)))
    statuses = sorted(tuple(item["status"] for item in _items(answer)) for answer in answers)
    # Each application was stored by exactly one of the eight; the others answered replays.
    assert sum(status.count(201) for status in statuses) == 2, statuses
    assert {s for status in statuses for s in status} <= {200, 201}
    results = {str(item["result"]) for answer in answers for item in _items(answer)}
    assert len(results) == 2
    assert _count(live, Application) == 2
    assert _count(live, Binding) == 3


def test_an_application_changed_since_conflicts_alone(live: Live) -> None:
    submissions = _three(live)[:2]
    assert [item["status"] for item in _items(_send(live, submissions))] == [201, 201]
    changed = submissions[1].model_copy(update={"consent_version": submissions[1].consent_version})
    changed = changed.model_copy(
        update={"parent": changed.parent.model_copy(update={"phone": "0911111111"})}
    )
    items = _items(_send(live, [submissions[0], changed]))
    assert [item["status"] for item in items] == [200, 409]
    assert items[1]["error"]["code"] == "application.conflict"
    assert _count(live, Application) == 2


def test_a_batch_needs_a_kiosk_and_at_most_a_hundred(live: Live) -> None:
    submissions = _three(live)[:1]
    body = ApplicationBatchIn(applications=submissions).model_dump_json()
    anonymous = live.http.post(
        "/v1/applications/batch", content=body, headers={"Content-Type": "application/json"}
    )
    assert anonymous.status_code == 401
    empty = live.http.post(
        "/v1/applications/batch",
        json={"applications": []},
        headers=live.kiosk.headers(),
    )
    assert empty.status_code == 400
    assert _count(live, Application) == 0


@contextmanager
def _statements() -> Iterator[list[str]]:
    """The SQL statements the registry's requests send meanwhile (it runs in a thread here). Not
    counted: its courier, which sends the confirmations after the commit, in batches of its own;
    and the forgetting of expired kiosk token ids, which one request in 64 does, at random."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        statement: str = args[2]
        if threading.current_thread().name == "courier":
            return
        if statement.startswith("DELETE FROM used_token_ids"):
            return
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _backlog(live: Live, size: int, first: int) -> list[SubmissionIn]:
    """``size`` new applications, each of another parent and pupil (as a kiosk's backlog)."""
    pupils = live.roster.at("353301")[first : first + size]
    assert len(pupils) == size
    rng = random.Random(first)
    backlog = []
    for index, pupil in enumerate(pupils):
        address = f"parent{first + index}@example.com"
        _t, challenge = live.parent_session(address)
        parent_id = make_id(IdKind.CITIZEN, rng).value
        backlog.append(live.submission(challenge, [pupil], parent_id=parent_id, email=address))
    return backlog


def test_a_backlog_of_new_applications_is_stored_at_once_as_each_would_be_alone(
    live: Live,
) -> None:
    """A kiosk's backlog of new applications of different parents: each stored and answered as
    its own submission would be, with the same few statements for 3 applications as for 9 (the
    rules' facts read for the whole batch at once, the confirmations queued in one)."""
    sent = []
    for size, first in ((3, 0), (9, 3)):
        backlog = _backlog(live, size, first)
        with _statements() as statements:
            items = _items(_send(live, backlog))
        sent.append(len(statements))
        assert [item["status"] for item in items] == [201] * size
        for submission, item in zip(backlog, items, strict=True):
            single = live.submit(submission)
            assert single.status_code == 200
            assert single.json() == item["result"]
            assert item["result"]["bindings"][0]["status"] == "pending"
        with live.sessions() as session:
            stored = session.scalars(
                select(Application).where(
                    Application.id.in_([submission.application_id for submission in backlog])
                )
            ).all()
            assert {application.parent_email for application in stored} == {
                submission.parent.email for submission in backlog
            }
            assert not any(application.verified_in_person for application in stored)
            assert all(application.channel == "email" for application in stored)
        for submission in backlog:
            to = submission.parent.email
            received = [
                e for e in live.outbox.latest(50, to=to) if e.kind == "application_received"
            ]
            assert len(received) == 1
    assert sent[0] == sent[1], sent
    assert _count(live, Application) == 12


def test_one_parent_or_pupil_twice_in_a_batch_is_settled_in_order(live: Live) -> None:
    """A parent's second application in the same batch is checked against the first, as if
    sent after it: another child is stored, the same child again is already pending."""
    pupils = live.roster.at("353301")
    _t, challenge = live.parent_session("twice@example.com")
    kwargs: dict[str, Any] = {"parent_id": "A223456781", "email": "twice@example.com"}
    first = live.submission(challenge, pupils[:1], **kwargs)
    other_child = live.submission(challenge, pupils[1:2], **kwargs)
    same_child = live.submission(challenge, pupils[:1], **kwargs)
    items = _items(_send(live, [first, other_child, same_child]))
    assert [item["status"] for item in items] == [201, 201, 409]
    assert items[2]["error"]["code"] == "student.already_pending"
    assert _count(live, Binding) == 2
