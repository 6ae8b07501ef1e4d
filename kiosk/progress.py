"""What the progress page shows and does at the registry: the bindings, cancel, purge.

The rows come from the registry's bindings for the session (its own, and masked the other
bindings of the parent its application names), plus what this kiosk has not uploaded yet
(待上傳). When the registry cannot be reached, what this kiosk knows is shown, marked stale.
Cancelling and purging need the registry: they are done online only, and say so when it is away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from kiosk.client import RegistryClient
from kiosk.domain.contact import Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import StudentStatus
from kiosk.domain.wire import BindingOut, ParentSessionOut
from kiosk.sync import TRANSIENT
from screens.progress import ProgressRow, ProgressView
from store.local.applications import ApplicationStore
from store.local.records import StoredApplication

T = TypeVar("T")


class ProgressSource:
    """Loads the progress page's view and carries out its actions at the registry.

    Args:
        client: The registry.
        applications: The kiosk's own applications (what waits to upload).
    """

    def __init__(self, client: RegistryClient, applications: ApplicationStore) -> None:
        self._client = client
        self._applications = applications

    async def view(self, contact: Contact, session: ParentSessionOut) -> ProgressView:
        """The registry's bindings for the session, and what this kiosk has not uploaded yet.

        Raises:
            DomainError: The registry refused (an expired session, say).
        """
        local = await asyncio.to_thread(self._applications.applications_for_contact, contact)
        try:
            bindings = await self._client.bindings(session)
        except DomainError as error:
            if error.code not in TRANSIENT:
                raise
            return ProgressView(tuple(_local_rows(local, only_queued=False)), stale=True)
        rows = [_binding_row(binding) for binding in bindings]
        rows.extend(_local_rows(local, only_queued=True))
        return ProgressView(tuple(rows))

    async def cancel(
        self, contact: Contact, session: ParentSessionOut, row: ProgressRow
    ) -> ProgressView:
        """Cancels one pending binding at the registry; then the view again.

        Raises:
            DomainError: The registry refused (``binding.not_pending``, an expired session), or
                ``registry.unreachable`` when it cannot be reached (nothing was cancelled).
        """
        if row.binding_id is None:  # only a row at the registry has a trash button
            raise DomainError(ErrorCode.BINDING_NOT_FOUND)
        await _online(self._client.cancel_binding(session, row.binding_id))
        return await self.view(contact, session)

    async def purge(self, contact: Contact, session: ParentSessionOut) -> tuple[int, ProgressView]:
        """註銷全部紀錄 at the registry: how many records went, and the view again.

        Raises:
            DomainError: As :meth:`cancel`.
        """
        removed = await _online(self._client.purge_bindings(session))
        return removed, await self.view(contact, session)


async def _online(call: Awaitable[T]) -> T:
    """A call only the registry can answer: a transient failure is said as unreachable."""
    try:
        return await call
    except DomainError as error:
        if error.code in TRANSIENT:
            raise DomainError(ErrorCode.REGISTRY_UNREACHABLE) from error
        raise


def _binding_row(binding: BindingOut) -> ProgressRow:
    return ProgressRow(
        student=binding.student_name,
        school=binding.school_name,
        class_name=binding.class_name,
        status=StudentStatus.at_registry(binding.status),
        reason=binding.reason,
        binding_id=binding.binding_id,
        masked=binding.masked,
    )


def _local_rows(applications: list[StoredApplication], *, only_queued: bool) -> list[ProgressRow]:
    rows: list[ProgressRow] = []
    for application in applications:
        if only_queued and application.pushed_at is not None:
            continue
        for student in application.students:
            if student.removed:
                continue  # cancelled by the parent: the registry shows it nowhere either
            if student.binding_id is None and student.status is not StudentStatus.QUEUED:
                # Refused before the registry stored it (the email taken, say): the parent
                # corrected it on the spot; no teacher ever said no to it.
                continue
            rows.append(
                ProgressRow(
                    student=student.entry.name if student.entry is not None else "—",
                    school=student.school_name,
                    class_name=student.entry.class_name if student.entry is not None else "",
                    status=student.status,
                    reason=student.reason,
                    binding_id=student.binding_id,
                )
            )
    return rows
