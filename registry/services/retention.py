"""How long the registry keeps what is not an application, and the pruning that holds to it.

Applications and their bindings follow the consent statement (§四, 利用之期間) and are not
touched here. The rest holds contact data or traces no longer needed once its purpose is over
(PDPA Art. 11: delete what is no longer needed):

- ``send_events`` (addresses, for the code limits and the once-a-day notice): a day;
- ``login_failures`` (client addresses, for the throttle): a day;
- ``login_clients`` (where a login was signed in from, for the ceiling under attack): 90 days
  after the last sign-in from there;
- ``code_challenges`` never used (an address and a code hash): a day after they expired;
- ``parent_sessions`` (a verified contact): ``SUBMITTED_BEHIND`` (400 days) after they expired,
  as long as a kiosk long offline may still push an application under one; then the used
  challenges no application names go with them;
- ``notifications`` (the log of what was sent to which address): 90 days, but never a message
  still waiting to be sent;
- ``audit_events`` (no personal data, but who did what): three years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from registry.services.logins import FAMILIAR_FOR
from registry.services.submission_checks import SUBMITTED_BEHIND
from store.central import (
    Application,
    AuditEvent,
    CodeChallenge,
    LoginClient,
    LoginFailure,
    NotificationRecord,
    NotificationStatus,
    ParentSession,
    SendEvent,
)


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of row is kept (see the module docstring for why)."""

    send_events: timedelta = timedelta(days=1)
    login_failures: timedelta = timedelta(days=1)
    login_clients: timedelta = FAMILIAR_FOR
    unused_challenges: timedelta = timedelta(days=1)
    parent_sessions: timedelta = SUBMITTED_BEHIND
    notifications: timedelta = timedelta(days=90)
    audit_events: timedelta = timedelta(days=3 * 365)


def prune(session: Session, *, now: datetime, retention: Retention | None = None) -> dict[str, int]:
    """Deletes what is past its retention. Does not commit.

    Returns:
        How many rows of each table went.
    """
    keep = retention or Retention()
    removed: dict[str, int] = {}

    def gone(name: str, statement: object) -> None:
        result = session.execute(statement)  # type: ignore[call-overload]
        removed[name] = int(result.rowcount or 0)

    gone("send_events", delete(SendEvent).where(SendEvent.at <= now - keep.send_events))
    gone(
        "login_failures",
        delete(LoginFailure).where(LoginFailure.at <= now - keep.login_failures),
    )
    gone("login_clients", delete(LoginClient).where(LoginClient.at <= now - keep.login_clients))
    gone(
        "parent_sessions",
        delete(ParentSession).where(ParentSession.expires_at <= now - keep.parent_sessions),
    )
    named = select(Application.challenge_id)
    in_session = select(ParentSession.challenge_id)
    gone(
        "code_challenges",
        delete(CodeChallenge).where(
            CodeChallenge.expires_at <= now - keep.unused_challenges,
            CodeChallenge.id.not_in(named),
            CodeChallenge.id.not_in(in_session),
        ),
    )
    gone(
        "notifications",
        delete(NotificationRecord).where(
            NotificationRecord.created_at <= now - keep.notifications,
            NotificationRecord.status != NotificationStatus.WAITING.value,  # still to be sent
        ),
    )
    gone("audit_events", delete(AuditEvent).where(AuditEvent.at <= now - keep.audit_events))
    return removed
