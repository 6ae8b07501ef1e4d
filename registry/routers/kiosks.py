"""Kiosk enrollment with a one-time token."""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.wire import KioskEnrollIn, KioskEnrollmentOut
from registry.auth import kiosk_issuer
from registry.deps import NowDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import kiosks

router = APIRouter(tags=["kiosks"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post("/kiosks/enroll")
def enroll(
    body: KioskEnrollIn, session: SessionDep, registry: RegistryDep, now: NowDep
) -> KioskEnrollmentOut:
    """Stores the kiosk's Ed25519 public key; the one-time token dies."""
    kiosk = kiosks.enroll(session, token=body.enrollment_token, public_key=body.public_key, now=now)
    return KioskEnrollmentOut(
        kiosk_id=kiosk.id,
        school_code=kiosk.school_code,
        issuer=kiosk_issuer(kiosk.id),
        audience=registry.settings.audience,
    )
