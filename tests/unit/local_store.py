"""What the local store's tests share: a complete application, its body, a binding, a store."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from kiosk.domain.contact import Channel, Contact
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.ids import IdKind, make_id, parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import BindingOut
from store.engine import make_session_factory
from store.local import LocalStore
from store.local.tables import Application, AuditEvent, OutboxEntry
from store.sealing import Sealer

#: 10:00 in Taipei on the first school day of the demo year.
MORNING = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)
EMAIL = Contact(Channel.EMAIL, "annie.sun2@hy-tech.com.tw")
PHONE = Contact(Channel.SMS, "+886928942045")


def open_store(engine: Engine, sealer: Sealer) -> LocalStore:
    """The kiosk's store on ``engine`` (kiosk code ``T01``)."""
    return LocalStore(make_session_factory(engine), sealer, kiosk_code="T01")


def make_draft(
    rng: random.Random | None = None, *, students: int = 2, contact: Contact = EMAIL
) -> Draft:
    """A complete application: the tutorial's 陳曉明 first, then generated students."""
    rng = rng or random.Random(7)
    draft = Draft()
    draft.set_contact(contact, challenge_id=str(uuid.UUID(int=rng.getrandbits(128))))
    for index in range(students):
        draft.add_student(
            StudentEntry(
                relationship=(
                    RelationshipChoice(Relationship.FATHER)
                    if index % 2 == 0
                    else RelationshipChoice(Relationship.OTHER, "姑丈")
                ),
                level=Level.SENIOR_HIGH,
                student_id=parse_id("A123456789") if index == 0 else make_id(IdKind.CITIZEN, rng),
                school_code="353301",
                school_name="臺北市私立日曜學校",
                name="陳曉明" if index == 0 else f"陳{index}明",
                class_name="資訊二忠",
            )
        )
    draft.accept_consent("2026-08")
    draft.set_parent(
        ParentDetails.new("YA94109161", "王曉明", "annie.sun2@hy-tech.com.tw", "0928942045")
    )
    draft.sign(Signature(strokes=(((1, 1), (2, 3), (4, 4)),)))
    return draft


def body_of(draft: Draft) -> Callable[[str], bytes]:
    """A stand-in for the flow's Submission body: personal data and the receipt."""

    def build(receipt: str) -> bytes:
        parent = draft.parent
        assert parent is not None
        return json.dumps(
            {
                "application_id": str(draft.application_id),
                "receipt": receipt,
                "parent": {"id": str(parent.parent_id), "name": parent.name},
                "email": str(parent.email),
                "phone": parent.phone.e164 if parent.phone else None,
                "students": [str(student.student_id) for student in draft.students],
            },
            ensure_ascii=False,
        ).encode()

    return build


def count_rows(engine: Engine, model: type[Application | OutboxEntry | AuditEvent]) -> int:
    """How many rows a table holds."""
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def binding(
    application_id: uuid.UUID, position: int = 0, status: BindingStatus = BindingStatus.PENDING
) -> BindingOut:
    """The registry's answer for one student of an application."""
    return BindingOut(
        binding_id=uuid.uuid4(),
        application_id=application_id,
        position=position,
        student_name="陳曉明",
        class_name="資訊二忠",
        school_name="臺北市私立日曜學校",
        relationship=Relationship.FATHER,
        status=status,
        updated_at=MORNING,
    )
