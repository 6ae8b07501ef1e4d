"""The sealed-JSON codec: the personal part of each row, sealed with :class:`store.sealing.Sealer`.

What is sealed: an application's contact address, code challenge, parent details and signature;
each student's ID, name, class and the 其他 relationship's description; the outbox entry's exact
body. Each blob is bound to its table and row (the associated data names both), so a blob copied
into another row, or another table, does not open. A keyed fingerprint of the contact stays
readable, to find a parent's applications again without opening every row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kiosk.domain.contact import Channel, Contact, Email, Phone
from kiosk.domain.draft import ParentDetails, Signature, StudentEntry
from kiosk.domain.ids import IdKind, IdNumber
from kiosk.domain.people import RelationshipChoice
from store.local.tables import Application, ApplicationStudent, OutboxEntry
from store.sealing import Sealer

_CONTACT_CONTEXT: Final = b"contact"


@dataclass(frozen=True, slots=True)
class PersonalPart:
    """The sealed part of an application.

    Attributes:
        contact: The verified contact; None if staff verified the parent in person.
        challenge_id: The registry's code challenge that verified the contact.
        parent: The parent's details.
        signature: The signature.
    """

    contact: Contact | None
    challenge_id: str | None
    parent: ParentDetails
    signature: Signature


class SealedCodec:
    """Seals and opens the personal part of the kiosk's rows as JSON.

    Args:
        sealer: Seals and opens with this kiosk's at-rest key.
    """

    def __init__(self, sealer: Sealer) -> None:
        self._sealer = sealer

    def fingerprint(self, contact: Contact) -> bytes:
        """The keyed fingerprint of a contact (the same contact gives the same bytes)."""
        return self._sealer.fingerprint(
            f"{contact.channel.value}:{contact.address}".encode(), context=_CONTACT_CONTEXT
        )

    def seal_application(self, application_id: str, personal: PersonalPart) -> bytes:
        """The sealed blob of an application's personal part."""
        value = {
            "contact": _contact_json(personal.contact),
            "challenge_id": personal.challenge_id,
            "parent": _parent_json(personal.parent),
            "signature": _signature_json(personal.signature),
        }
        return self._sealer.seal(_dump(value), context=_application_context(application_id))

    def open_application(self, application: Application) -> PersonalPart | None:
        """An application's personal part; None once it was reduced."""
        if application.sealed is None:
            return None
        value = _load(
            self._sealer.open(application.sealed, context=_application_context(application.id))
        )
        return PersonalPart(
            contact=_contact_from(value["contact"]),
            challenge_id=value["challenge_id"],
            parent=_parent_from(value["parent"]),
            signature=_signature_from(value["signature"]),
        )

    def seal_student(self, application_id: str, position: int, entry: StudentEntry) -> bytes:
        """The sealed blob of one student as entered (ID, name, class, the 其他 description)."""
        return self._sealer.seal(
            _dump(_student_json(entry)), context=_student_context(application_id, position)
        )

    def open_student(self, student: ApplicationStudent) -> StudentEntry | None:
        """The student as entered, its readable columns and sealed part joined; None once
        reduced."""
        if student.sealed is None:
            return None
        value = _load(
            self._sealer.open(
                student.sealed, context=_student_context(student.application_id, student.position)
            )
        )
        return StudentEntry(
            relationship=RelationshipChoice(
                student.relationship, value["relationship_description"]
            ),
            level=student.level,
            student_id=_id_from(value["id"]),
            school_code=student.school_code,
            school_name=student.school_name,
            name=value["name"],
            class_name=value["class_name"],
        )

    def seal_payload(self, application_id: str, payload: bytes) -> bytes:
        """The sealed blob of an outbox entry's body."""
        return self._sealer.seal(payload, context=_outbox_context(application_id))

    def open_payload(self, entry: OutboxEntry) -> bytes:
        """An outbox entry's exact body."""
        return self._sealer.open(entry.payload, context=_outbox_context(entry.application_id))


# Associated data of each sealed column: the table and the row's id.
def _application_context(application_id: str) -> bytes:
    return f"applications/{application_id}".encode()


def _student_context(application_id: str, position: int) -> bytes:
    return f"application_students/{application_id}/{position}".encode()


def _outbox_context(application_id: str) -> bytes:
    return f"outbox/{application_id}".encode()


def _dump(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _load(blob: bytes) -> dict[str, Any]:
    value = json.loads(blob)
    assert isinstance(value, dict)
    return value


def _contact_json(contact: Contact | None) -> dict[str, str] | None:
    if contact is None:
        return None
    return {"channel": contact.channel.value, "address": contact.address}


def _contact_from(value: dict[str, str] | None) -> Contact | None:
    if value is None:
        return None
    return Contact(Channel(value["channel"]), value["address"])


def _id_json(number: IdNumber) -> dict[str, str]:
    return {"value": number.value, "kind": number.kind.value}


def _id_from(value: dict[str, str]) -> IdNumber:
    return IdNumber(value["value"], IdKind(value["kind"]))


def _parent_json(parent: ParentDetails) -> dict[str, Any]:
    return {
        "id": _id_json(parent.parent_id),
        "name": parent.name,
        "email": parent.email.value if parent.email else None,
        "phone": (
            {"e164": parent.phone.e164, "is_mobile": parent.phone.is_mobile}
            if parent.phone
            else None
        ),
        "existing_account": parent.existing_account,
    }


def _parent_from(value: dict[str, Any]) -> ParentDetails:
    phone = value["phone"]
    return ParentDetails(
        parent_id=_id_from(value["id"]),
        name=value["name"],
        email=Email(value["email"]) if value["email"] is not None else None,
        phone=Phone(phone["e164"], phone["is_mobile"]) if phone is not None else None,
        existing_account=value["existing_account"],
    )


def _signature_json(signature: Signature) -> dict[str, Any]:
    return {"strokes": signature.strokes, "typed_name": signature.typed_name}


def _signature_from(value: dict[str, Any]) -> Signature:
    strokes = tuple(tuple((x, y) for x, y in stroke) for stroke in value["strokes"])
    return Signature(strokes, value["typed_name"])


def _student_json(entry: StudentEntry) -> dict[str, Any]:
    return {
        "id": _id_json(entry.student_id),
        "name": entry.name,
        "class_name": entry.class_name,
        "relationship_description": entry.relationship.description,
    }
