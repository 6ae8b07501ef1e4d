"""The identity documents a staff member may see when verifying a parent in person."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kiosk.domain.errors import N_


class IdDocument(StrEnum):
    """The document a staff member saw."""

    NATIONAL_ID = "national_id"
    RESIDENT_CERTIFICATE = "resident_certificate"
    PASSPORT = "passport"
    DRIVING_LICENCE = "driving_licence"
    HEALTH_CARD = "health_card"


#: The words for each document (message ids; the catalogs translate them).
DOCUMENT_WORDS: Final = MappingProxyType(
    {
        IdDocument.NATIONAL_ID: N_("National ID card"),
        IdDocument.RESIDENT_CERTIFICATE: N_("Resident certificate"),
        IdDocument.PASSPORT: N_("Passport"),
        IdDocument.DRIVING_LICENCE: N_("Driving licence"),
        IdDocument.HEALTH_CARD: N_("National health insurance card"),
    }
)
