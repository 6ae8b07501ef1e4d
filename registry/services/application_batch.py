"""A batch of applications from one kiosk's sync worker, stored in one transaction.

Each application is settled as its own submission would be (:func:`~registry.services.
applications.submit_in_savepoint`): stored, answered as a replay, or refused, each in a savepoint
of the batch's transaction, so a refusal takes nothing else with it, and the whole batch commits
once (one commit, and one wait for the kiosk's row of the changes feed, instead of one per
application). A refusal that was a roster miss is counted against its parent session in the
batch's transaction, as a single submission's miss is committed on its own.

Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from kiosk.domain.errors import DomainError
from kiosk.domain.wire import SubmissionIn
from registry.services.applications import ROSTER_MISSES, Submitted, submit_in_savepoint
from registry.services.submission_checks import (
    SubmissionRules,
    count_roster_miss,
    locked_session_of,
)


def submit_batch(
    session: Session,
    submissions: Sequence[SubmissionIn],
    *,
    kiosk_id: str,
    now: datetime,
    rules: SubmissionRules,
) -> list[Submitted | DomainError]:
    """Settles each submission in order; what became of each (the outcome or the refusal).

    Does not commit; a database failure other than a rule's refusal goes up (and the caller's
    transaction, the whole batch, rolls back: the kiosk sends it again, and every application
    in it is idempotent).
    """
    outcomes: list[Submitted | DomainError] = []
    for submission in submissions:
        try:
            outcomes.append(
                submit_in_savepoint(session, submission, kiosk_id=kiosk_id, now=now, rules=rules)
            )
        except DomainError as refused:
            outcomes.append(refused)
            if refused.code in ROSTER_MISSES:
                parent_session, _contact = locked_session_of(
                    session, submission.challenge_id, kiosk_id
                )
                count_roster_miss(
                    session, parent_session, max_misses=rules.max_misses, now=now, commit=False
                )
    return outcomes
