"""Where a binding and an application stand, and the words each status is shown with.

At the registry a binding is 申請 (``pending``), 認證 (``approved``) or 不通過 (``rejected``):
:class:`BindingStatus`, the wire's enum. The kiosk knows one state more, 待上傳 (``queued``): saved
on this kiosk, not yet at the registry. :class:`StudentStatus` is what the kiosk keeps and shows
for each student of an application: 待上傳 until the registry has it, then the registry's status
(:meth:`StudentStatus.at_registry`). :class:`ApplicationStatus` sums a stored application up.

:data:`STATUS_WORDS` holds the message ids of the four statuses; a
:class:`~kiosk.domain.i18n.Translator` gives them in the kiosk's language (zh_TW: 待上傳, 申請,
認證, 不通過). The progress page and ``kiosk sync``'s report both word a status with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kiosk.domain.errors import N_


class BindingStatus(StrEnum):
    """Where a binding stands: 申請 (pending), 認證 (approved), 不通過 (rejected)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class StudentStatus(StrEnum):
    """Where one student of an application stands, as the kiosk keeps and shows it.

    ``queued`` (待上傳) until the registry has the application; then the registry's binding
    status: ``pending`` (申請), ``approved`` (認證), ``rejected`` (不通過).
    """

    QUEUED = "queued"
    PENDING = BindingStatus.PENDING.value
    APPROVED = BindingStatus.APPROVED.value
    REJECTED = BindingStatus.REJECTED.value

    @classmethod
    def at_registry(cls, status: BindingStatus) -> StudentStatus:
        """The status of a student whose binding stands at the registry as ``status``."""
        return _AT_REGISTRY[status]

    @property
    def decided(self) -> bool:
        """Whether the binding was approved or rejected (nothing more to wait for)."""
        return self in _DECIDED


class ApplicationStatus(StrEnum):
    """An application as a whole: not yet pushed, under review, or every student decided."""

    QUEUED = "queued"
    PENDING = "pending"
    DECIDED = "decided"


_AT_REGISTRY: Final[Mapping[BindingStatus, StudentStatus]] = MappingProxyType(
    {
        BindingStatus.PENDING: StudentStatus.PENDING,
        BindingStatus.APPROVED: StudentStatus.APPROVED,
        BindingStatus.REJECTED: StudentStatus.REJECTED,
    }
)
_DECIDED: Final = frozenset({StudentStatus.APPROVED, StudentStatus.REJECTED})

#: The words of each status, as the tutorial has them: 待上傳, 申請, 認證, 不通過.
STATUS_WORDS: Final[Mapping[StudentStatus, str]] = MappingProxyType(
    {
        StudentStatus.QUEUED: N_("Waiting to upload"),
        StudentStatus.PENDING: N_("Applied"),
        StudentStatus.APPROVED: N_("Approved"),
        StudentStatus.REJECTED: N_("Not approved"),
    }
)
