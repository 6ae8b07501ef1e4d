"""The roster as a parent's kiosk sees it: schools of a level, a student verified."""

from __future__ import annotations

from fastapi import APIRouter

from kiosk.domain.people import Level
from kiosk.domain.wire import SchoolListOut, StudentVerifyIn, StudentVerifyOut
from registry.deps import (
    KioskDep,
    NowDep,
    ParentTokenDep,
    RegistryDep,
    SessionDep,
    UnitOfWorkRoute,
)
from registry.errors import ERROR_RESPONSES
from registry.services import roster

router = APIRouter(tags=["roster"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.get("/schools")
def schools(level: Level, session: SessionDep, _kiosk: KioskDep) -> SchoolListOut:
    """The schools of one level, by name."""
    return SchoolListOut(schools=roster.list_schools(session, level))


@router.post("/students/verify")
def verify_student(
    body: StudentVerifyIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    parent: ParentTokenDep,
) -> StudentVerifyOut:
    """Level + ID + school → name and class; "not found" the same whatever was wrong."""
    return roster.verify_student(
        session,
        parent_session_id=parent.session_id,
        kiosk_id=parent.kiosk_id,
        level=body.level,
        student_id=body.student_id,
        school_code=body.school_code,
        limits=registry.settings.limits,
        now=now,
    )
