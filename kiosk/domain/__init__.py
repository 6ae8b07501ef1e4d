"""Pure rules of the 親子綁定 flow, shared by the kiosk and the registry.

Only the standard library, ``phonenumbers`` and ``email-validator`` are imported here: no UI, no
HTTP, no database (an import-linter contract holds this).
"""

from __future__ import annotations

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
