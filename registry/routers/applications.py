"""Submitting an application: idempotent on its id."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kiosk.domain.wire import SubmissionIn, SubmissionOut
from registry.deps import KioskDep, NowDep, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES
from registry.notify.messages import application_received_message
from registry.services import applications
from registry.services.notifications import deliver_after_commit, unverified_notice_allowed
from registry.services.submission_checks import SubmissionRules

router = APIRouter(tags=["applications"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": SubmissionOut, "description": "A replay: the stored result"}},
)
def submit(
    body: SubmissionIn,
    response: Response,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    kiosk: KioskDep,
) -> SubmissionOut:
    """Stores an application (201), or answers a replay of the same id and content (200).

    The same id with other content is refused with 409 ``application.conflict``.
    """
    rules = SubmissionRules(
        consent_versions=frozenset(registry.settings.consent_versions),
        max_misses=registry.settings.limits.lookup_misses,
    )
    outcome = applications.submit(session, body, kiosk_id=kiosk.kiosk_id, now=now, rules=rules)
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
        return outcome.result
    # The confirmation is a courtesy: a failure is logged, the application stands. To an address
    # the parent did not verify it says less (no name from the request), at most once a day.
    verified = outcome.email_verified
    if not verified and not unverified_notice_allowed(session, outcome.parent_email, now=now):
        return outcome.result
    deliver_after_commit(
        session,
        registry.notifier,
        application_received_message(
            outcome.parent_email,
            parent_name=outcome.parent_name if verified else None,
            receipt=body.receipt,
            students=outcome.student_names,
        ),
        sessions=registry.sessions,
        now=now,
    )
    return outcome.result
