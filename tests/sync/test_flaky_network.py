"""A flaky proxy in front of the registry: 200 applications still arrive exactly once.

The kiosk talks to the registry only through :class:`~tests.sync.flaky_proxy.FlakyProxy`, which
resets connections, answers 500s, holds requests past the kiosk's patience and — the nasty one —
lets the registry store an application and then drops its answer. The parents submit through it
(each submission saved first), then ``kiosk sync`` runs until nothing waits. The proxy's chaos
ends by itself (a bounded number of requests or seconds), so the test ends whatever happens.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.domain.contact import Channel, Contact
from tests.registry.conftest import Template
from tests.sync.flaky_proxy import FAULTS, FlakyProxy
from tests.sync.harness import (
    CONTACT_EMAIL,
    RegistryProcess,
    draft_for,
    enrolled_kiosk,
    parents,
    registry_process,
)

SUBMISSIONS = 200
#: ``kiosk sync`` runs at most this many times (the chaos is bounded, so few are needed).
MAX_RUNS = 25


@pytest.fixture
def registry(tmp_path: Path, sqlite_template: Template) -> Iterator[RegistryProcess]:
    """The registry as a process of its own."""
    with registry_process(tmp_path, sqlite_template.location) as running:
        yield running


@pytest.fixture
def proxy(registry: RegistryProcess) -> Iterator[FlakyProxy]:
    """The flaky proxy in front of it (calm until unleashed)."""
    flaky = FlakyProxy(registry.port, seed=20260901, max_requests=800, max_seconds=120.0)
    flaky.start()
    try:
        yield flaky
    finally:
        flaky.stop()


@pytest.mark.slow
def test_two_hundred_through_a_flaky_network_arrive_exactly_once(
    tmp_path: Path, sqlite_template: Template, registry: RegistryProcess, proxy: FlakyProxy
) -> None:
    kiosk = enrolled_kiosk(tmp_path / "kiosk", registry, url=proxy.url, timeout=1.0)
    students = sqlite_template.roster.students
    contact = Contact(Channel.EMAIL, CONTACT_EMAIL)

    async def apply() -> list[tuple[uuid.UUID, str]]:
        challenge = await kiosk.verify(registry)
        proxy.unleash()
        made = []
        for index, parent in enumerate(parents(SUBMISSIONS)):
            draft = draft_for(contact, challenge, parent, students[index % len(students)])
            receipt, _uploaded = await kiosk.submit(draft)
            made.append((draft.application_id, receipt))
        await kiosk.services.client.aclose()
        return made

    made = asyncio.run(apply())
    ids = [application_id for application_id, _receipt in made]
    receipts = [receipt for _id, receipt in made]
    waiting_after_submit = kiosk.waiting()

    runs = 0
    while kiosk.waiting() and runs < MAX_RUNS:
        kiosk.sync("--all")
        runs += 1

    assert kiosk.waiting() == 0, f"{kiosk.waiting()} still waiting after {runs} runs"
    assert registry.applications(ids) == {application_id: 1 for application_id in ids}
    # Each parent was told once: every replay after a lost answer was known as a replay.
    assert sorted(registry.receipts_told()) == sorted(receipts)
    # The network really was flaky, in every way, and some submissions had to wait for sync.
    assert all(proxy.fates[fault] > 0 for fault in FAULTS), proxy.fates
    assert waiting_after_submit > 0
    for application_id in ids:
        stored = kiosk.services.store.applications.get(application_id)
        assert stored is not None
        assert stored.pushed_at is not None
        assert all(student.binding_id is not None for student in stored.students)
