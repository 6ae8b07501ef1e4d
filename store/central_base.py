"""The registry's declarative base: column sizes, how enumerations and email keys are stored,
and the type of each Python annotation (the tables are in :mod:`store.central`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Enum, Integer
from sqlalchemy.orm import DeclarativeBase

from kiosk.domain.contact import Channel, email_key
from kiosk.domain.documents import IdDocument
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import BindingStatus, SignatureKind, StaffRole
from store.base import UtcDateTime, make_metadata

#: Longest email address we store (RFC 5321 path limit).
EMAIL_LENGTH = 320
#: Normalised identity numbers are 10 characters; a little room for a future format.
ID_NUMBER_LENGTH = 16
#: Names of people, schools and classes.
NAME_LENGTH = 100
#: Hex of a SHA-256 digest or HMAC.
DIGEST_LENGTH = 64
#: Phones are stored as E.164.
PHONE_LENGTH = 20


def _key_of(column: str) -> Any:
    """A column default: :func:`email_key` of ``column`` in the row being inserted."""

    def key(context: Any) -> str:
        return email_key(context.get_current_parameters()[column])

    return key


def _str_enum(enum: type[StrEnum], length: int = 24) -> Enum:
    # Values, not member names, so the database holds what the wire carries.
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL needs BIGINT for big logs.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class CentralBase(DeclarativeBase):
    """Declarative base of the registry's schema."""

    metadata = make_metadata()
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy reads it as a class attribute
        datetime: UtcDateTime(),
        Channel: _str_enum(Channel, 8),
        Level: _str_enum(Level),
        Relationship: _str_enum(Relationship),
        BindingStatus: _str_enum(BindingStatus, 16),
        SignatureKind: _str_enum(SignatureKind, 8),
        StaffRole: _str_enum(StaffRole, 16),
        IdDocument: _str_enum(IdDocument),
    }
