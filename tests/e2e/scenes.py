"""What the screen snapshots are made of: the app's styles, the chrome, registry clients in each
condition (answering for real, unreachable, silent), real parent sessions, and sample data.

The screens are driven with constructor data wherever that reaches the state; registry answers
come from a registry running for real (:mod:`tests.e2e.live`).
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
from textual.pilot import Pilot

from kiosk.app import CSS_FILES
from kiosk.client import RegistryClient
from kiosk.demo import DemoOutbox
from kiosk.domain.contact import Channel, Contact, parse_contact
from kiosk.domain.draft import ParentDetails, StudentEntry
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.domain.wire import CodeChallengeOut, ParentSessionOut
from screens.base import Chrome
from tests.e2e.live import LiveRegistry, wait_for
from tests.snapshots.conftest import ScreenHost

#: The app's stylesheets, so each screen looks as it does in the kiosk.
CSS: Final = [str(path) for path in CSS_FILES]
#: A time for the constructor data that shows none.
WHEN: Final = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

#: The tutorial's student, verified (高中, 臺北市私立日曜學校, 資訊二忠), bound by his father.
CHEN: Final = StudentEntry(
    relationship=RelationshipChoice(Relationship.FATHER),
    level=Level.SENIOR_HIGH,
    student_id=parse_id("A123456789"),
    school_code="353301",
    school_name="臺北市私立日曜學校",
    name="陳曉明",
    class_name="資訊二忠",
)
#: A second student, by a guardian who says what they are (其他: 姑姑).
LIN: Final = StudentEntry(
    relationship=RelationshipChoice(Relationship.OTHER, "姑姑"),
    level=Level.ELEMENTARY,
    student_id=parse_id("F131104093"),
    school_code="353601",
    school_name="臺北市立日新國民小學",
    name="林小華",
    class_name="三年一班",
)
#: The tutorial's parent with an account, as the registry masks him.
WANG: Final = ParentDetails.existing(
    parse_id("YA94109161"), "王○明", "an***@hy-tech.com.tw", "09***45"
)
#: A parent without an account, as typed.
MEI: Final = ParentDetails.new("A223456781", "林美惠", "lin.mei@example.com", "0912345678")


def host(screen: Any) -> ScreenHost:
    """The screen alone, styled as in the kiosk."""
    return ScreenHost(screen, css_path=CSS)


def chrome(demo: DemoOutbox | None = None) -> Chrome:
    """The words (zh_TW), the tutorial's support line, and the demo banner when given."""
    return Chrome(Translator("zh_TW"), demo=demo)


def demo_feed(folder: Path, contact: Contact | None = None, code: str = "549497") -> DemoOutbox:
    """A file outbox holding one code for ``contact``, read as the demo kiosk reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    outbox = folder / "outbox.jsonl"
    if contact is not None:
        line = {
            "id": str(uuid.UUID(int=1)),
            "channel": contact.channel.value,
            "to": contact.address,
            "subject": "",
            "body": "",
            "created_at": WHEN.isoformat(),
            "meta": {"kind": "code", "code": code},
        }
        outbox.write_text(json.dumps(line) + "\n", encoding="utf-8")
    # Read at the moment the code was sent: it is live (codes die after an hour).
    feed = DemoOutbox(outbox, now=lambda: WHEN)
    feed.follow(contact)
    return feed


def live_client(live: LiveRegistry) -> RegistryClient:
    """A client of the running registry, as its enrolled kiosk."""
    return RegistryClient(live.url, kiosk_id=live.kiosk_id, key=live.key, timeout=10.0)


def unreachable_client(live: LiveRegistry) -> RegistryClient:
    """A client of a port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return RegistryClient(f"http://127.0.0.1:{port}", kiosk_id=live.kiosk_id, key=live.key)


@contextmanager
def silent_registry(live: LiveRegistry) -> Iterator[RegistryClient]:
    """A client of a server that accepts connections and never answers (a call stays busy)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        yield RegistryClient(
            f"http://127.0.0.1:{port}", kiosk_id=live.kiosk_id, key=live.key, timeout=60.0
        )


def parent_session(live: LiveRegistry, address: str) -> tuple[ParentSessionOut, CodeChallengeOut]:
    """A verified parent session for an email address (code requested and read from the outbox)."""
    signer = live_client(live)
    with httpx.Client(base_url=f"{live.url}/v1", timeout=10) as http:
        sent = http.post(
            "/codes",
            json={"channel": "email", "address": address},
            headers={"Authorization": f"Bearer {signer.kiosk_token()}"},
        )
        assert sent.status_code == 202, sent.text
        challenge = CodeChallengeOut.model_validate_json(sent.content)
        code = live.code_for(Channel.EMAIL, address)
        verified = http.post(
            "/codes/verify",
            json={"challenge_id": str(challenge.challenge_id), "code": code},
            headers={"Authorization": f"Bearer {signer.kiosk_token()}"},
        )
        assert verified.status_code == 200, verified.text
    return ParentSessionOut.model_validate_json(verified.content), challenge


def challenge_to(address: str) -> tuple[Contact, CodeChallengeOut]:
    """A contact and a challenge as the registry answers a code request (not sent anywhere)."""
    contact = parse_contact(Channel.EMAIL, address)
    return contact, CodeChallengeOut(
        challenge_id=uuid.UUID(int=7),
        channel=Channel.EMAIL,
        masked_address="co***@gmail.com",
        expires_at=WHEN,
    )


async def settle(pilot: Pilot[Any]) -> None:
    """Waits until no button shows its brief pressed look (it would differ between pictures)."""
    await wait_for(
        pilot, lambda: not pilot.app.screen.query(".-active"), "the buttons to be released"
    )
    await pilot.pause()


def settled(
    run: Callable[[Pilot[Any]], Awaitable[None]],
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """``run``, then :func:`settle`: a run_before whose clicks leave no pressed look behind."""

    async def then_settle(pilot: Pilot[Any]) -> None:
        await run(pilot)
        await settle(pilot)

    return then_settle
