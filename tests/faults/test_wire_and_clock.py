"""A dripping registry meets a deadline; a kiosk clock ±10 minutes off neither locks parents
out nor stretches retries.

- Dripping: the registry's answer to 取得驗證碼 comes one byte every half second. Each read
  arrives within the per-read timeout, but the request as a whole is cut at its deadline: the
  parent is told the registry cannot be reached within seconds, not minutes. The next request,
  with the drip over, goes through.
- Skew: with the kiosk's clock 10 minutes ahead or behind, its first token is refused; the
  registry's ``Date`` header tells the skew, the client dates its tokens by the registry's
  clock and asks once more: the code is sent. The skew is what kiosk health shows.
- Retries: an entry put off while the clock was 10 minutes ahead is due 30 s after the clock
  is put right, not 10½ minutes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from textual.widgets import Button, Static

from kiosk.client import RegistryClient
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.people import Level
from kiosk.flow import to_submission
from kiosk.settings import SyncSettings
from kiosk.sync import Outcome, Syncer
from screens.welcome import CLOCK_LOOK_SECONDS, WelcomeScreen
from tests.e2e.live import LiveRegistry, kiosk_app, wait_for, wait_for_screen
from tests.registry.conftest import RosterStudent
from tests.sync.flaky_proxy import FlakyProxy
from tests.sync.harness import draft_for, parents


@pytest.fixture
def dripping(registry: LiveRegistry) -> Iterator[FlakyProxy]:
    """A proxy that drips scripted answers a byte every 0.5 s."""
    port = urlsplit(registry.url).port
    assert port is not None
    made = FlakyProxy(port, hold=0.5)
    made.start()
    try:
        yield made
    finally:
        made.stop()


async def test_a_dripping_answer_is_cut_at_the_deadline(
    registry: LiveRegistry, dripping: FlakyProxy
) -> None:
    async with RegistryClient(
        dripping.url, kiosk_id=registry.kiosk_id, key=registry.key, timeout=2.0, deadline=4.0
    ) as client:
        dripping.script(("POST /v1/codes", "drip"))
        started = time.monotonic()
        with pytest.raises(DomainError) as cut:
            await client.request_code(Channel.EMAIL, "drip@example.com")
        took = time.monotonic() - started
        assert cut.value.code is ErrorCode.REGISTRY_UNREACHABLE
        assert 3.5 < took < 8.0  # the deadline, not the answer's 100+ bytes × 0.5 s
        # The drip over, the parent's next press goes through.
        challenge = await client.request_code(Channel.EMAIL, "drip@example.com")
        assert challenge.masked_address


@pytest.mark.parametrize("minutes", [10, -10], ids=["ahead", "behind"])
async def test_a_kiosk_clock_ten_minutes_off_still_requests_codes(
    registry: LiveRegistry, minutes: int, caplog: pytest.LogCaptureFixture
) -> None:
    off = minutes * 60.0
    async with RegistryClient(
        registry.url,
        kiosk_id=registry.kiosk_id,
        key=registry.key,
        timeout=10.0,
        now=lambda: time.time() + off,
    ) as client:
        address = f"skew{minutes}@example.com"
        challenge = await client.request_code(Channel.EMAIL, address)
        session = await client.verify_code(
            challenge.challenge_id, registry.code_for(Channel.EMAIL, address)
        )
        assert session.session_token
        assert client.clock_skew is not None
        assert abs(client.clock_skew + off) < 5  # the registry's clock minus the kiosk's
    assert "clock skew" in caplog.text


async def test_a_retry_set_while_the_clock_was_ahead_comes_when_due_after_it_is_put_right(
    registry: LiveRegistry, tmp_path: Path
) -> None:
    ahead = timedelta(minutes=10)
    offset = [ahead]

    def clock() -> datetime:
        return datetime.now(UTC) + offset[0]

    with kiosk_app(
        tmp_path / "kiosk", "http://127.0.0.1:9", registry.kiosk_id, registry.key
    ) as kiosk:
        pupil = next(s for s in registry.students(Level.ELEMENTARY) if s.school_code == "353601")
        draft = draft_for(
            Contact(Channel.EMAIL, "retry.clock@example.com"),
            "00000000-0000-4000-8000-000000000001",
            parents(1, seed=51)[0],
            RosterStudent(pupil.id_number, pupil.name, "353601", pupil.class_name, pupil.level),
        )
        now = clock()
        kiosk.store.applications.save_submission(
            draft,
            lambda number: to_submission(draft, receipt=number, now=now).model_dump_json().encode(),
            now=now,
        )
        settings = SyncSettings(backoff_initial_seconds=30.0, backoff_max_seconds=900.0)
        async with RegistryClient(
            "http://127.0.0.1:9", kiosk_id=registry.kiosk_id, key=registry.key, timeout=1.0
        ) as unreachable:
            syncer = Syncer(kiosk.store.outbox, unreachable, settings=settings, clock=clock)
            report = await syncer.run_once(pull=False)  # the registry away: put off ≤ 30 s
            [push] = report.pushes
            assert push.outcome is Outcome.DEFERRED
            offset[0] = timedelta(0)  # staff put the clock right
            await syncer.run_once(pull=False)
        health = kiosk.store.outbox.sync_health(datetime.now(UTC) + timedelta(seconds=31))
        assert health.waiting == 1
        assert health.due == 1  # due within 30 s of the true time, not 10½ minutes


@pytest.mark.parametrize("minutes", [10, 0], ids=["ten_minutes_off", "right"])
async def test_welcome_asks_the_parent_to_tell_the_office_when_the_clock_is_off(
    registry: LiveRegistry, tmp_path: Path, minutes: int
) -> None:
    """The kiosk copes with its clock 10 minutes off (tokens dated by the registry's clock),
    but its receipts and dates would be off: Welcome tells the parent to tell the school office
    (and still lets them apply); with the clock right it says nothing of it."""
    off = minutes * 60.0
    client = RegistryClient(
        registry.url,
        kiosk_id=registry.kiosk_id,
        key=registry.key,
        timeout=10.0,
        now=lambda: time.time() + off,
    )
    await client.request_code(Channel.EMAIL, f"welcome.clock{minutes}@example.com")  # learns it
    with kiosk_app(
        tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key, client=client
    ) as kiosk:
        async with kiosk.app.run_test(size=(100, 32)) as pilot:
            await wait_for_screen(pilot, WelcomeScreen)
            note = pilot.app.screen.query_one("#clock-off", Static)
            # The Welcome comes before the kiosk's services (and its registry client) are built,
            # and looks again every CLOCK_LOOK_SECONDS while it waits.
            await wait_for(pilot, lambda: kiosk.app.services is not None, "the services")
            await pilot.pause(CLOCK_LOOK_SECONDS * 2)
            assert note.display is (minutes != 0)
            if minutes:
                assert "本機時間需要校正，請告知學校辦公室人員" in str(note.render())
            assert not pilot.app.screen.query_one("#apply", Button).disabled
