"""One email, one parent, told at the parent step: a new parent who types an email another
parent ID already holds hears it beside the email field when pressing 下一步, before the review
and the signature, and goes on once they type their own.

A real registry (uvicorn on 127.0.0.1, demo data) serves this module.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from screens.parent import ParentScreen
from screens.review import ReviewScreen
from store import central
from tests.e2e.live import Kiosk, LiveRegistry, running_registry, wait_for, wait_for_screen
from tests.e2e.walk import Walk


@pytest.fixture(scope="module")
def registry(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


def _an_account_email(registry: LiveRegistry) -> str:
    with registry.sessions() as session:
        email = session.scalars(select(central.ParentAccount.email).limit(1)).one()
    return email


async def test_a_taken_email_is_told_at_the_parent_step(
    kiosk: Kiosk, registry: LiveRegistry
) -> None:
    taken = _an_account_email(registry)
    newcomer = make_id(IdKind.CITIZEN, random.Random(1414)).value
    student = registry.students(Level.ELEMENTARY)[0]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.apply()
        await walk.verify(Channel.SMS, "0955 141 414")
        await walk.add_students(student)
        await walk.consent()
        await walk.parent_id(newcomer)
        await walk.type("#name", "林小華")
        await walk.type("#email", taken.upper())  # the same mailbox, however spelled
        await walk.type("#phone", "0955141414")
        await walk.click("#next")
        await wait_for(pilot, lambda: bool(walk.text("#email-error")), "the email refused")
        parent = walk.screen
        assert isinstance(parent, ParentScreen)
        assert walk.text("#email-error").startswith("此E-mail已有申請紀錄，不得再次申請。")
        assert parent.query_one("#email").has_focus
        # Typing one's own email clears the refusal and goes on to the review.
        await walk.type("#email", "lin.hua@example.com")
        assert walk.text("#email-error") == ""
        await walk.click("#next")
        await wait_for_screen(pilot, ReviewScreen)
