"""Kiosk enrollment with a one-time token."""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.wire import KioskEnrollIn, KioskEnrollmentOut, KioskOut
from registry.auth import kiosk_issuer
from registry.deps import KioskDep, NowDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.services import applications, kiosks

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


@router.get("/kiosks/me")
def me(session: SessionDep, kiosk: KioskDep) -> KioskOut:
    """The calling kiosk as the registry knows it, with the last receipt number it holds."""
    return KioskOut(
        kiosk_id=kiosk.kiosk_id,
        school_code=kiosk.school_code,
        last_receipt=applications.last_receipt(session, kiosk.kiosk_id),
    )
