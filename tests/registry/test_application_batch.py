"""``POST /v1/applications/batch``: a kiosk's saved applications in one request, each settled as
its own submission would be, nothing doubled however often or concurrently it is sent."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import func, select

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
