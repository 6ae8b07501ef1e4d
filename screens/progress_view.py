"""What the progress page shows and what it may call: its rows, its view, its actions.

Plain values and callables, so the page knows nothing of the registry or the store
(:mod:`kiosk.progress` fills them).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.status import StudentStatus

SCHOOL_AND_CLASS: Final = N_("{school} {class_name}")
RENUMBERED: Final = N_(
    "The receipt number {before} on your form has been corrected to {after}: it is the same "
    "application."
)


class Waiting(StrEnum):
    """A parent's action on a row that this kiosk keeps until the registry has it."""

    CANCEL = "cancel"
    """取消待上傳: the row's cancel waits to be uploaded."""
    PURGE = "purge"
    """註銷待上傳: a 註銷全部紀錄 covering the row waits to be uploaded."""


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One student of one application.

    Attributes:
        student: The student's name (masked for ``masked`` rows).
        school: The school's name (empty for ``masked`` rows).
        class_name: The student's class (empty for ``masked`` rows).
        status: Where the binding stands (待上傳, 申請, 認證, 不通過).
        reason: Why it was not approved (the reviewer's words), for ``REJECTED``.
        binding_id: The registry's binding, once there (what 取消 cancels).
        masked: Another binding of the parent's account, seen through a contact not its own.
        waiting: The parent's cancel or purge of this row that waits to be uploaded, if any.
    """

    student: str
    school: str
    class_name: str
    status: StudentStatus
    reason: str | None = None
    binding_id: uuid.UUID | None = None
    masked: bool = False
    waiting: Waiting | None = None

    @property
    def cancellable(self) -> bool:
        """Whether the trash button shows: the contact's own binding, under review, with no
        cancel or purge of it waiting already."""
        return (
            self.status is StudentStatus.PENDING
            and self.binding_id is not None
            and not self.masked
            and self.waiting is None
        )


@dataclass(frozen=True, slots=True)
class ProgressView:
    """What the progress page shows.

    Attributes:
        rows: Every student of the parent's applications.
        stale: Whether the registry could not be asked (only what this kiosk knows is shown).
        logged_in: Whether the parent's account has been used to sign in (登入系統 is ticked).
    """

    rows: tuple[ProgressRow, ...]
    stale: bool = False
    logged_in: bool = False

    @property
    def waiting(self) -> bool:
        """Whether anything still waits to be uploaded from this kiosk."""
        return any(row.status is StudentStatus.QUEUED for row in self.rows)

    def cancel_waits(self, binding_id: uuid.UUID | None) -> bool:
        """Whether a cancel of this binding waits to be uploaded (or a purge that covers it)."""
        return any(row.binding_id == binding_id and row.waiting is not None for row in self.rows)


#: Gets the current progress (the flow's: the registry's bindings plus what waits to upload).
LoadProgress = Callable[[], Awaitable[ProgressView]]
#: Cancels one pending binding (at once, or kept to upload), then gives the progress again.
CancelBinding = Callable[[ProgressRow], Awaitable[ProgressView]]
#: Removes every pending and rejected record: how many (None: kept to upload), and the progress.
PurgeRecords = Callable[[], Awaitable[tuple[int | None, ProgressView]]]
#: 下載留存: prints or saves the form; whether it did, and the words saying where (or why not).
DownloadForm = Callable[[], Awaitable[tuple[bool, str]]]
#: Gets the short link of the application's status page (None while the registry cannot).
StatusLink = Callable[[], Awaitable[str | None]]


@dataclass(frozen=True, slots=True)
class ApplicationCopy:
    """One of the parent's applications kept on this kiosk, as 查詢申請進度 offers it: its form
    (下載留存) and its status page's QR code.

    Attributes:
        receipt: Its receipt number.
        download: Prints or saves its form.
        status_link: Gets its status page's link (None until it is at the registry).
        former_receipt: The number on the parent's form, when it was renumbered since.
    """

    receipt: str
    download: DownloadForm
    status_link: StatusLink
    former_receipt: str | None = None


@dataclass(frozen=True, slots=True)
class LoggedOut:
    """登出服務: the session ends, back to the Welcome screen."""


@dataclass(frozen=True, slots=True)
class AddStudents:
    """新增綁定學生: a new application, the parent's details carried over."""


def school_words(row: ProgressRow) -> Callable[[Translator], str]:
    """A row's school and class, in any language (a wide space between them in Chinese)."""
    return lambda t: t.gettext(SCHOOL_AND_CLASS).format(
        school=row.school, class_name=row.class_name
    )


def renumbered_words(copy: ApplicationCopy) -> Callable[[Translator], str]:
    """The number on the parent's form, and the one it was corrected to, in any language."""
    return lambda t: t.gettext(RENUMBERED).format(before=copy.former_receipt, after=copy.receipt)
