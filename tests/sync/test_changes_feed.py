"""GET /v1/changes: every change of a kiosk's bindings, numbered in commit order, once.

Against the registry running on 127.0.0.1 (SQLite and PostgreSQL). The numbers come from
database triggers, so changes made by any path (a staff decision, the parent cancelling, a
statement run by an operator) appear; the PostgreSQL test runs two registry apps on one
database with a reader polling all along, and checks the reader never skips a change.
"""

from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from kiosk.domain.ids import IdKind, make_id
from registry.app import create_app
from store.central import Binding
from tests.registry.conftest import KioskKey, Live, RosterStudent, error_of, serve_in_thread

EMAIL = "feed.parent@example.com"


def _feed(live: Live, kiosk: KioskKey | None = None, **params: int) -> dict[str, Any]:
    answer = live.http.get("/v1/changes", params=params, headers=(kiosk or live.kiosk).headers())
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _apply(
    live: Live,
    students: list[RosterStudent],
    challenge: str | None = None,
    *,
    parent_id: str = "YA94109161",
    email: str = EMAIL,
) -> list[str]:
    """Submits one application for ``students``; its binding ids."""
    if challenge is None:
        _token, challenge = live.parent_session(EMAIL)
    answer = live.submit(live.submission(challenge, students, parent_id=parent_id, email=email))
    assert answer.status_code == 201, answer.text
    return [binding["binding_id"] for binding in answer.json()["bindings"]]


def test_submissions_and_decisions_come_in_order_to_their_kiosk_only(live: Live) -> None:
    first, second = _apply(live, live.roster.at("353301")[:2], email=EMAIL)
    admin = live.staff_token(live.roster.admin)
    assert live.staff("POST", f"/v1/staff/bindings/{first}/approve", admin).status_code == 200
    rejected = live.staff(
        "POST", f"/v1/staff/bindings/{second}/reject", admin, json={"reason": "非本班學生"}
    )
    assert rejected.status_code == 200, rejected.text

    feed = _feed(live)
    changes = [(c["seq"], c["binding_id"], c["status"], c["reason"]) for c in feed["changes"]]
    assert changes == [
        (1, first, "pending", None),
        (2, second, "pending", None),
        (3, first, "approved", None),
        (4, second, "rejected", "非本班學生"),
    ]
    assert feed["cursor"] == 4
    assert feed["more"] is False
    # Nothing new after the cursor; another kiosk sees none of this kiosk's applications.
    assert _feed(live, after=4) == {"changes": [], "cursor": 4, "more": False}
    assert _feed(live, live.new_kiosk()) == {"changes": [], "cursor": 0, "more": False}


def test_pages_walk_the_feed_with_the_cursor(live: Live) -> None:
    made = _apply(live, live.roster.at("353301")[:5], email=EMAIL)
    seen: list[str] = []
    cursor, more = 0, True
    while more:
        page = _feed(live, after=cursor, limit=2)
        assert len(page["changes"]) <= 2
        seen.extend(change["binding_id"] for change in page["changes"])
        cursor, more = page["cursor"], page["more"]
    assert seen == made
    assert cursor == 5


def test_a_cancellation_and_a_change_made_outside_the_api_are_in_the_feed(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    answer = live.submit(live.submission(challenge, live.roster.at("353301")[:2], email=EMAIL))
    first, second = (binding["binding_id"] for binding in answer.json()["bindings"])
    cancelled = live.http.delete(f"/v1/bindings/{first}", headers=live.kiosk.headers(token))
    assert cancelled.status_code == 204
    with live.sessions.begin() as session:
        session.execute(
            update(Binding).where(Binding.id == uuid.UUID(second)).values(status="approved")
        )
        # A write that changes no status, reason or removal is no change.
        session.execute(
            update(Binding).where(Binding.id == uuid.UUID(second)).values(status="approved")
        )

    changes = _feed(live, after=2)["changes"]
    assert [(c["seq"], c["binding_id"], c["status"], c["removed"]) for c in changes] == [
        (3, first, "pending", True),
        (4, second, "approved", False),
    ]


def test_bad_cursors_and_page_sizes_are_refused_and_a_token_is_needed(live: Live) -> None:
    for params in ({"after": -1}, {"limit": 0}, {"limit": 1001}, {"after": "x"}):
        answer = live.http.get("/v1/changes", params=params, headers=live.kiosk.headers())
        assert answer.status_code == 400, params
        assert error_of(answer)["code"] == "request.invalid"
    answer = live.http.get("/v1/changes")
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "auth.required"


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)
def test_two_registries_deciding_at_once_never_let_a_reader_skip_a_change(live: Live) -> None:
    """Decisions race through two apps on one PostgreSQL database while a reader polls.

    The reader asks for small pages after its cursor all along; every page must continue exactly
    where the last one ended (a change committed late with a lower number would be skipped), and
    in the end it has seen every change once.
    """
    rng = random.Random(5)
    students = live.roster.at("353301")
    bindings: list[str] = []
    _token, challenge = live.parent_session(EMAIL)
    for index in range(6):
        parent = make_id(IdKind.CITIZEN, rng).value
        bindings += _apply(
            live,
            students[index : index + 5],
            challenge,
            parent_id=parent,
            email=f"p{index}@example.com",
        )
    admin = live.staff_token(live.roster.admin)
    second_url, stop_second = serve_in_thread(create_app(live.settings, clock=live.clock))
    done = threading.Event()
    pages: list[list[int]] = []
    problems: list[str] = []

    def read() -> None:
        cursor = 0
        with httpx.Client(base_url=live.base_url, timeout=30) as http:
            while True:
                finished = done.is_set()
                answer = http.get(
                    "/v1/changes",
                    params={"after": cursor, "limit": 3},
                    headers=live.kiosk.headers(),
                )
                page = [change["seq"] for change in answer.json()["changes"]]
                if page and page[0] != cursor + 1:
                    problems.append(f"after {cursor} came {page}")
                pages.append(page)
                cursor = answer.json()["cursor"]
                if finished and not answer.json()["more"]:
                    return

    def decide(item: tuple[int, str]) -> int:
        index, binding = item
        base = live.base_url if index % 2 else second_url
        verb = "approve" if index % 3 else "reject"
        with httpx.Client(base_url=base, timeout=30) as http:
            return http.post(
                f"/v1/staff/bindings/{binding}/{verb}",
                headers={"X-Staff-Session": admin},
                json={"reason": "資料不符"} if verb == "reject" else None,
            ).status_code

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(decide, enumerate(bindings)))
    finally:
        done.set()
        reader.join(60)
        stop_second()
    assert statuses == [200] * len(bindings)
    assert not problems
    seen = [seq for page in pages for seq in page]
    assert seen == list(range(1, 2 * len(bindings) + 1))
