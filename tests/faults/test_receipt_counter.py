"""A kiosk that lost its receipt counter resumes past the last number the registry holds.

The kiosk's database is lost and it starts on a new one (same key, same kiosk): its counter
would give 0001 again, a number a parent already holds. The first sync run asks the registry
for its last receipt (``GET /v1/kiosks/me``) and moves the counter past it; the next
application gets 0002 and arrives, and the registry holds each number once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.people import Level
from kiosk.flow import to_submission
from kiosk.sync import Outcome, Syncer
from store import central
from tests.e2e.live import Kiosk, LiveRegistry, RosterStudent, kiosk_app
from tests.registry.conftest import RosterStudent as HarnessStudent
from tests.sync.harness import draft_for, parents

ADDRESS = "counter.lost@example.com"
OTHER = "counter.renumbered@example.com"


async def _submit(
    kiosk: Kiosk,
    registry: LiveRegistry,
    pupil: RosterStudent,
    seed: int,
    *,
    sync_first: bool,
    address: str = ADDRESS,
) -> str:
    async with RegistryClient(
        registry.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=10.0
    ) as client:
        challenge = await client.request_code(Channel.EMAIL, address)
        await client.verify_code(challenge.challenge_id, registry.code_for(Channel.EMAIL, address))
        student = HarnessStudent(
            pupil.id_number, pupil.name, "353601", pupil.class_name, pupil.level
        )
        draft = draft_for(
            Contact(Channel.EMAIL, address),
            str(challenge.challenge_id),
            parents(1, seed=seed)[0],
            student,
        )
        now = datetime.now(UTC)

        def payload(receipt: str) -> bytes:
            return to_submission(draft, receipt=receipt, now=now).model_dump_json().encode()

        syncer = Syncer(kiosk.store.outbox, client, settings=kiosk.settings.sync)
        if sync_first:
            await syncer.run_once()  # as the kiosk's sync worker does from its start
        kiosk.store.applications.save_submission(draft, payload, now=now)
        push = await syncer.push_saved(draft.application_id)
        assert push is not None
        assert push.outcome is Outcome.UPLOADED, push.error
        # The number the parent is given is the one the kiosk and the registry keep.
        stored = kiosk.store.applications.get(draft.application_id)
        assert stored is not None
        assert stored.receipt == push.receipt
        return push.receipt


@pytest.mark.parametrize("sync_first", [True, False], ids=["sync first", "submit first"])
async def test_a_lost_counter_resumes_past_the_registrys_last_receipt(
    registry: LiveRegistry, tmp_path: Path, sync_first: bool
) -> None:
    """With a sync run first, the counter resumes; a submission first is refused for its
    number and renumbered at once (the parent waits for that answer, and is given 0002)."""
    first_pupil, second_pupil = [
        s for s in registry.students(Level.ELEMENTARY) if s.school_code == "353601"
    ][:2]
    before_held = _held(registry)
    with kiosk_app(tmp_path / "before", registry.url, registry.kiosk_id, registry.key) as before:
        first = await _submit(before, registry, first_pupil, seed=31, sync_first=True)
    # The same kiosk on a new, empty database: its counter is gone.
    with kiosk_app(tmp_path / "after", registry.url, registry.kiosk_id, registry.key) as after:
        second = await _submit(after, registry, second_pupil, seed=31, sync_first=sync_first)

    assert first.endswith(f"-{len(before_held) + 1:04d}")
    assert second.endswith(f"-{len(before_held) + 2:04d}")
    assert sorted(_held(registry)) == sorted([*before_held, first, second])


def _held(registry: LiveRegistry) -> list[str]:
    with registry.sessions() as session:
        return list(
            session.scalars(
                select(central.Application.receipt).where(
                    central.Application.kiosk_id == registry.kiosk_id
                )
            ).all()
        )


async def test_a_renumbered_application_is_found_by_the_number_on_the_parents_form(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    """Renumbered at once (its number was another's there): the kiosk keeps the number the
    parent may hold, finds the application by it (重印申請書, 查詢申請進度) and tells both."""
    first_pupil, second_pupil = [
        s for s in registry.students(Level.ELEMENTARY) if s.school_code == "353601"
    ][2:4]
    with kiosk_app(tmp_path / "before", registry.url, registry.kiosk_id, registry.key) as before:
        first = await _submit(
            before, registry, first_pupil, seed=31, sync_first=True, address=OTHER
        )
    with kiosk_app(tmp_path / "after", registry.url, registry.kiosk_id, registry.key) as after:
        second = await _submit(
            after, registry, second_pupil, seed=31, sync_first=False, address=OTHER
        )
        stored = after.store.applications.by_receipt(second)
        assert stored is not None
        # Saved as its new counter's first number, which the registry held (another's).
        assert stored.former_receipt == first.rsplit("-", 1)[0] + "-0001"
        assert after.store.applications.by_receipt(stored.former_receipt) == stored
