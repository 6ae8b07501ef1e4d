"""A version withdrawn while its upload is on the wire does not stay at the registry.

返回修改 after an error withdraws the saved version: here first (no push takes it any more),
then at the registry, by cancelling the bindings it made there. A push of that version that had
already left (the sync worker's, or the first press of 送出資料) may reach the registry after
the withdrawal looked there and found nothing: the withdrawal waits for it to end, then looks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

from kiosk.domain.contact import Channel
from kiosk.domain.wire import ParentSessionOut, SubmissionIn, SubmissionOut
from tests.sync.harness import CONTACT_EMAIL, Parent
from tests.sync.test_syncer import Kiosk, database, kiosk, people  # noqa: F401  (fixtures)


async def test_a_version_withdrawn_while_its_upload_is_in_flight_is_cancelled_there(
    kiosk: Kiosk,  # noqa: F811
    people: Iterator[Parent],  # noqa: F811
) -> None:
    token, kiosk.challenge = kiosk.live.parent_session(CONTACT_EMAIL)
    session = ParentSessionOut(
        session_token=token,
        expires_at=kiosk.clock() + timedelta(hours=1),
        channel=Channel.EMAIL,
        address=CONTACT_EMAIL,
    )
    pupil = kiosk.live.roster.at("353301")[0]
    application = kiosk.save(next(people), pupil)

    # The upload leaves, and reaches the registry only when the test lets it.
    leaving, let_go = asyncio.Event(), asyncio.Event()
    submit = kiosk.client.submit

    async def slow_submit(submission: SubmissionIn) -> SubmissionOut:
        leaving.set()
        await let_go.wait()
        return await submit(submission)

    kiosk.client.submit = slow_submit  # type: ignore[method-assign]
    syncer = kiosk.syncer()
    upload = asyncio.create_task(syncer.push_saved(application))
    await asyncio.wait_for(leaving.wait(), 10)

    withdrawal = asyncio.create_task(syncer.withdraw(application, session))
    await asyncio.sleep(0.3)
    assert not withdrawal.done()  # it waits for the upload on the wire
    let_go.set()
    await asyncio.wait_for(upload, 30)
    cancelled = await asyncio.wait_for(withdrawal, 30)

    assert cancelled == 1
    listed = await kiosk.client.bindings(session)
    assert [b for b in listed.bindings if b.application_id == application] == []
