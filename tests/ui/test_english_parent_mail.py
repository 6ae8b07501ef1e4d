"""An English parent is written to in English: the kiosk carries the language chosen with the
code request and with the application, and the registry's code and "application received"
messages come in it. At the parent step, an email another parent ID holds is told in English.

A real registry (uvicorn on 127.0.0.1, demo data, its file outbox) serves this module.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.domain.contact import Channel
from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from screens.contact import ContactScreen
from screens.parent import ParentScreen
from screens.review import ReviewScreen
from store import central
from tests.e2e.live import Kiosk, LiveRegistry, running_registry, wait_for, wait_for_screen
from tests.e2e.walk import Walk

ADDRESS = "english.mail@example.com"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def registry(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveRegistry]:
    """The registry for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), template) as live:
        yield live


async def test_an_english_parent_gets_english_mail(kiosk: Kiosk, registry: LiveRegistry) -> None:
    with registry.sessions() as session:
        taken = session.scalars(select(central.ParentAccount.email).limit(1)).one()
    student = registry.students(Level.JUNIOR_HIGH)[2]
    async with kiosk.app.run_test(size=(100, 32)) as pilot:
        walk = Walk(pilot, registry)
        await walk.welcome()
        await pilot.press("f2")
        await walk.click("#apply")
        await wait_for_screen(pilot, ContactScreen)
        await walk.verify(Channel.EMAIL, ADDRESS)
        [code] = [e for e in registry.outbox.latest(100, to=ADDRESS) if e.kind == "code"]
        assert "Your verification code is" in code.body
        assert CJK.search(code.subject + code.body) is None, code.body

        await walk.add_students(student)
        await walk.consent()
        await walk.parent_id(make_id(IdKind.CITIZEN, random.Random(1403)).value)
        await walk.type("#name", "Mary Chang")
        await walk.type("#email", taken)
        await walk.type("#phone", "0912345678")
        await walk.click("#next")
        said = await walk.error("#email-error")
        assert said.startswith("This email already has an application"), said
        assert isinstance(walk.screen, ParentScreen)
        await walk.type("#email", ADDRESS)
        await walk.click("#next")
        await wait_for_screen(pilot, ReviewScreen)
        await walk.sign_by_hand()
        await walk.submitted()

        def received() -> bool:
            kinds = [e.kind for e in registry.outbox.latest(100, to=ADDRESS)]
            return "application_received" in kinds

        await wait_for(pilot, received, "the application received mail")
    [mail] = [
        e for e in registry.outbox.latest(100, to=ADDRESS) if e.kind == "application_received"
    ]
    text = (mail.subject + mail.body).replace(student.name, "").replace(student.school_name, "")
    assert CJK.search(text) is None, mail.body
    with registry.sessions() as session:
        languages = session.scalars(
            select(central.Application.language).where(
                central.Application.contact_address == ADDRESS
            )
        ).all()
    assert languages == ["en"]
