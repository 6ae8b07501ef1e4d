"""One request, one unit of work: committed in one place as the handler returns, before the answer
is serialised; messages about a decision leave only after it is kept; audit rows land with it."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

import registry.routers
from registry import unit_of_work
from registry.deps import UnitOfWorkRoute
from store.central import AuditEvent, StaffAccount
from store.engine import make_engine, make_session_factory, sqlite_url
from tests.registry.harness import Live

EMAIL = "annie.sun2@hy-tech.com.tw"


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


def test_every_registry_route_commits_its_unit_of_work() -> None:
    """A router made without the route class would leave its handlers' work uncommitted."""
    modules = [
        importlib.import_module(f"registry.routers.{info.name}")
        for info in pkgutil.iter_modules(registry.routers.__path__)
    ]
    routes = [route for module in modules for route in module.router.routes]
    assert len(routes) >= 19
    assert all(isinstance(route, UnitOfWorkRoute) for route in routes)


# A handler's session and whether it was in a transaction when its answer was serialised.
_opened: list[Session] = []
_in_transaction_when_serialised: list[bool] = []


def _probe_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        _opened.append(session)
        yield session


class _Answer(BaseModel):
    # Validated again when FastAPI serialises the handler's answer, which is the moment looked at.
    model_config = ConfigDict(revalidate_instances="always")

    value: int

    @field_validator("value")
    @classmethod
    def _record(cls, value: int) -> int:
        _in_transaction_when_serialised.append(_opened[-1].in_transaction())
        return value


_probe = APIRouter(route_class=UnitOfWorkRoute)


@_probe.get("/work")
def _work(session: Annotated[Session, Depends(_probe_session)]) -> _Answer:
    session.execute(text("SELECT 1"))
    assert session.in_transaction()
    return _Answer.model_construct(value=1)  # validated only when serialised


def test_the_transaction_is_over_before_the_answer_is_serialised(tmp_path: Path) -> None:
    """On SQLite a transaction holds the write lock, and FastAPI serialises a sync handler's
    answer on the thread pool the requests waiting for that lock occupy."""
    engine = make_engine(sqlite_url(tmp_path / "probe.db"))
    app = FastAPI()
    app.state.sessions = make_session_factory(engine)
    app.include_router(_probe)
    _in_transaction_when_serialised.clear()

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            return await client.get("/work")

    try:
        assert asyncio.run(ask()).json() == {"value": 1}
    finally:
        engine.dispose()
    assert _in_transaction_when_serialised == [False]


def test_work_queued_after_commit_runs_only_once_committed(engine: Engine) -> None:
    sessions = sessionmaker(engine)
    done: list[str] = []
    with sessions() as session:
        session.execute(text("SELECT 1"))
        unit_of_work.after_commit(session, lambda: done.append("sent"))
        assert done == []
        unit_of_work.commit(session)
        assert done == ["sent"]
        assert not session.in_transaction()
        unit_of_work.commit(session)  # nothing queued any more
    assert done == ["sent"]

    with sessions() as session:
        session.execute(text("SELECT 1"))
        unit_of_work.after_commit(session, lambda: done.append("never"))
        # The handler raised: the session is closed without commit.
    assert done == ["sent"]


def test_the_parents_and_the_staffs_actions_are_audited_with_them(live: Live) -> None:
    token, challenge = live.parent_session(EMAIL)
    bindings = live.submit(live.submission(challenge, live.roster.at("353301")[:3])).json()[
        "bindings"
    ]
    # 資訊二忠 (t.lin's), 資訊二孝, 資訊二忠.
    first, second, third = (b["binding_id"] for b in bindings)
    assert live.http.delete(f"/v1/bindings/{first}", headers=live.kiosk.headers(token)).is_success
    approved = live.staff("POST", f"/v1/staff/bindings/{third}/approve", live.staff_token("t.lin"))
    assert approved.status_code == 200, approved.text
    assert live.http.post("/v1/bindings/purge", headers=live.kiosk.headers(token)).json() == {
        "removed": 1
    }
    # A refused cancel changes nothing and audits nothing.
    refused = live.http.delete(f"/v1/bindings/{third}", headers=live.kiosk.headers(token))
    assert refused.status_code == 409

    with live.sessions() as session:
        events = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.subject, AuditEvent.detail)
            .where(AuditEvent.action.like("binding.%"))
            .order_by(AuditEvent.id)
        ).all()
    parent = events[0].actor
    assert parent.startswith("parent:")
    uuid.UUID(parent.removeprefix("parent:"))
    assert [(e.actor, e.action, e.subject) for e in events] == [
        (parent, "binding.cancel", f"binding:{first}"),
        (f"staff:{_staff_id(live, 't.lin')}", "binding.approve", f"binding:{third}"),
        (parent, "binding.purge", None),
    ]
    assert events[2].detail == {"removed": 1}
    assert second in {b["binding_id"] for b in bindings}  # the one purged
    # The approval's email went out once the approval was kept.
    assert [e.kind for e in live.outbox.latest(20, to=EMAIL)][-1] == "account_created"


def _staff_id(live: Live, username: str) -> int:
    with live.sessions() as session:
        return session.scalars(
            select(StaffAccount.id).where(StaffAccount.username == username)
        ).one()
