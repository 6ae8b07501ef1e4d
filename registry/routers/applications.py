"""Submitting an application: idempotent on its id."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError
from kiosk.domain.i18n import Translator
from kiosk.domain.wire import ErrorDetailOut, SubmissionIn, SubmissionOut
from kiosk.domain.wire_batch import ApplicationBatchIn, ApplicationBatchOut, BatchItemOut
from registry.deps import KioskDep, NowDep, Registry, RegistryDep, SessionDep, UnitOfWorkRoute
from registry.errors import ERROR_RESPONSES, STATUS
from registry.notify.messages import application_received_message
from registry.services import application_batch, applications
from registry.services.notifications import deliver_all_after_commit, unverified_notices_allowed
from registry.services.submission_checks import SubmissionRules
from registry.services.submission_draft import Submitted

router = APIRouter(tags=["applications"], responses=ERROR_RESPONSES, route_class=UnitOfWorkRoute)


def _rules(registry: Registry) -> SubmissionRules:
    return SubmissionRules(
        consent_versions=frozenset(registry.settings.consent_versions),
        max_misses=registry.settings.limits.lookup_misses,
    )


def _confirm(
    session: Session,
    registry: Registry,
    stored: list[tuple[SubmissionIn, Submitted]],
    now: datetime,
) -> None:
    """Queues the confirmations of first submissions for after the commit (a batch's at once).

    The confirmation is a courtesy: a failure is logged, the application stands. To an address
    the parent did not verify it says less (no name from the request), at most once a day.
    """
    unverified = [outcome.parent_email for _body, outcome in stored if not outcome.email_verified]
    allowed = iter(unverified_notices_allowed(session, unverified, now=now))
    deliver_all_after_commit(
        session,
        registry.courier,
        [
            application_received_message(
                outcome.parent_email,
                parent_name=outcome.parent_name if outcome.email_verified else None,
                receipt=body.receipt,
                students=outcome.student_names,
                translator=Translator(body.language),
            )
            for body, outcome in stored
            if outcome.email_verified or next(allowed)
        ],
        now=now,
    )


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
    outcome = applications.submit(
        session, body, kiosk_id=kiosk.kiosk_id, now=now, rules=_rules(registry)
    )
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
        return outcome.result
    _confirm(session, registry, [(body, outcome)], now)
    return outcome.result


@router.post("/applications/batch")
def submit_batch(
    body: ApplicationBatchIn,
    session: SessionDep,
    registry: RegistryDep,
    now: NowDep,
    kiosk: KioskDep,
) -> ApplicationBatchOut:
    """Stores a kiosk's saved applications in one transaction (the sync worker's upload).

    Each answers as its own ``POST /v1/applications`` would: 201 with the stored result, 200
    for a replay, or a refusal's status and error; a refusal takes nothing else with it.
    """
    outcomes = application_batch.submit_batch(
        session, body.applications, kiosk_id=kiosk.kiosk_id, now=now, rules=_rules(registry)
    )
    results = []
    stored = []
    for submission, outcome in zip(body.applications, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            error = ErrorDetailOut(
                code=outcome.code, field=outcome.field, params=dict(outcome.params)
            )
            code = STATUS.get(outcome.code, 400)
            results.append(
                BatchItemOut(application_id=submission.application_id, status=code, error=error)
            )
            continue
        if outcome.created:
            stored.append((submission, outcome))
        results.append(
            BatchItemOut(
                application_id=submission.application_id,
                status=201 if outcome.created else 200,
                result=outcome.result,
            )
        )
    _confirm(session, registry, stored, now)
    return ApplicationBatchOut(results=results)
