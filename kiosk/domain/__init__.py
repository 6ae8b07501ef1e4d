"""Pure rules of the 親子綁定 flow, shared by the kiosk and the registry.

Only the standard library, ``phonenumbers`` and ``email-validator`` are imported here: no UI, no
HTTP, no database (an import-linter contract holds this).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from kiosk.domain.contact import (
        Channel,
        Contact,
        Email,
        Phone,
        parse_contact,
        parse_email,
        parse_mobile,
        parse_phone,
    )
    from kiosk.domain.draft import (
        MAX_STUDENTS,
        Draft,
        ParentDetails,
        Signature,
        SignatureKind,
        StudentEntry,
    )
    from kiosk.domain.errors import MESSAGES, DomainError, DomainErrors, ErrorCode
    from kiosk.domain.ids import IdKind, IdNumber, id_check_digit, make_id, normalize_id, parse_id
    from kiosk.domain.masking import mask_email, mask_id, mask_name, mask_phone
    from kiosk.domain.people import (
        LEVEL_LABELS,
        NAME_MAX_LENGTH,
        RELATIONSHIP_DESCRIPTION_MAX_LENGTH,
        RELATIONSHIP_LABELS,
        RELATIONSHIPS_BY_ROLE,
        ROLE_LABELS,
        Level,
        Relationship,
        RelationshipChoice,
        Role,
        normalize_name,
        parse_level,
        parse_name,
        parse_relationship,
    )

__all__ = [
    "LEVEL_LABELS",
    "MAX_STUDENTS",
    "MESSAGES",
    "NAME_MAX_LENGTH",
    "RELATIONSHIPS_BY_ROLE",
    "RELATIONSHIP_DESCRIPTION_MAX_LENGTH",
    "RELATIONSHIP_LABELS",
    "ROLE_LABELS",
    "Channel",
    "Contact",
    "DomainError",
    "DomainErrors",
    "Draft",
    "Email",
    "ErrorCode",
    "IdKind",
    "IdNumber",
    "Level",
    "ParentDetails",
    "Phone",
    "Relationship",
    "RelationshipChoice",
    "Role",
    "Signature",
    "SignatureKind",
    "StudentEntry",
    "id_check_digit",
    "make_id",
    "mask_email",
    "mask_id",
    "mask_name",
    "mask_phone",
    "normalize_id",
    "normalize_name",
    "parse_contact",
    "parse_email",
    "parse_id",
    "parse_level",
    "parse_mobile",
    "parse_name",
    "parse_phone",
    "parse_relationship",
]

# The names below are imported at first use: importing one module of the domain (the kiosk's
# start imports its errors, clock and words) should not import every rule and phonenumbers.
_LAZY: Final = {
    "Channel": "kiosk.domain.contact",
    "Contact": "kiosk.domain.contact",
    "DomainError": "kiosk.domain.errors",
    "DomainErrors": "kiosk.domain.errors",
    "Draft": "kiosk.domain.draft",
    "Email": "kiosk.domain.contact",
    "ErrorCode": "kiosk.domain.errors",
    "IdKind": "kiosk.domain.ids",
    "IdNumber": "kiosk.domain.ids",
    "LEVEL_LABELS": "kiosk.domain.people",
    "Level": "kiosk.domain.people",
    "MAX_STUDENTS": "kiosk.domain.draft",
    "MESSAGES": "kiosk.domain.errors",
    "NAME_MAX_LENGTH": "kiosk.domain.people",
    "ParentDetails": "kiosk.domain.draft",
    "Phone": "kiosk.domain.contact",
    "RELATIONSHIPS_BY_ROLE": "kiosk.domain.people",
    "RELATIONSHIP_DESCRIPTION_MAX_LENGTH": "kiosk.domain.people",
    "RELATIONSHIP_LABELS": "kiosk.domain.people",
    "ROLE_LABELS": "kiosk.domain.people",
    "Relationship": "kiosk.domain.people",
    "RelationshipChoice": "kiosk.domain.people",
    "Role": "kiosk.domain.people",
    "Signature": "kiosk.domain.draft",
    "SignatureKind": "kiosk.domain.draft",
    "StudentEntry": "kiosk.domain.draft",
    "id_check_digit": "kiosk.domain.ids",
    "make_id": "kiosk.domain.ids",
    "mask_email": "kiosk.domain.masking",
    "mask_id": "kiosk.domain.masking",
    "mask_name": "kiosk.domain.masking",
    "mask_phone": "kiosk.domain.masking",
    "normalize_id": "kiosk.domain.ids",
    "normalize_name": "kiosk.domain.people",
    "parse_contact": "kiosk.domain.contact",
    "parse_email": "kiosk.domain.contact",
    "parse_id": "kiosk.domain.ids",
    "parse_level": "kiosk.domain.people",
    "parse_mobile": "kiosk.domain.contact",
    "parse_name": "kiosk.domain.people",
    "parse_phone": "kiosk.domain.contact",
    "parse_relationship": "kiosk.domain.people",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
