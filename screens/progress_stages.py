"""申請流程說明 on the progress page: the four stages, each ticked once it has happened."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.status import StudentStatus

#: The stages as the tutorial names them, in order.
STAGES: Final = (
    N_("Send the application online"),
    N_("The homeroom teacher reviews and confirms"),
    N_("The account is created and you are told by email"),
    N_("Log in to the system"),
)
DONE_MARK: Final = "✓"
TODO_MARK: Final = "○"


def stages_done(
    own: Sequence[StudentStatus],
    others: Sequence[StudentStatus] = (),
    *,
    logged_in: bool = False,
) -> tuple[bool, bool, bool, bool]:
    """Which of :data:`STAGES` have happened.

    Args:
        own: The statuses of the contact's own rows.
        others: The statuses of the parent account's other bindings (shown masked).
        logged_in: Whether the registry saw the parent's account used to sign in.

    Sent once any own application is at the registry; reviewed once a homeroom teacher decided
    any own row; the account made once any binding of the parent is approved (the registry makes
    it at the first approval and emails the parent); logged in once the registry saw the
    account of a parent of these bindings sign in (its first login).
    """
    sent = any(status is not StudentStatus.QUEUED for status in own)
    reviewed = any(status.decided for status in own)
    account = any(status is StudentStatus.APPROVED for status in (*own, *others))
    return (sent, reviewed, account or logged_in, logged_in)


def stage_words(index: int, stage: str, ticked: bool) -> Callable[[Translator], str]:
    """One stage of 申請流程說明, ticked or not, in any language."""
    mark = DONE_MARK if ticked else TODO_MARK
    return lambda t: f"{mark} {index}. {t.gettext(stage)}"
