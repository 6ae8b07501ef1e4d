"""What the progress page shows and does: the bindings, cancel, purge, and 「下載留存」.

The rows come from the registry's bindings for the session (its own, and masked the other
bindings of the parent its application names), plus what this kiosk has not uploaded yet
(待上傳). When the registry cannot be reached, what this kiosk knows is shown, marked stale.
Cancelling and purging need the registry: they are done online only, and say so when it is away.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from kiosk import forms
from kiosk.client import RegistryClient
from kiosk.domain.consent import ConsentStatement
from kiosk.domain.contact import Contact
from kiosk.domain.draft import Draft
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.status import StudentStatus
from kiosk.domain.wire import BindingOut, ParentSessionOut
from kiosk.forms import FormError, deliver_form, find_fonts, form_data
from kiosk.settings import FormSettings
from kiosk.sync import TRANSIENT
from screens.progress import ProgressRow, ProgressView
from screens.review import SubmitOutcome
from store.local.applications import ApplicationStore
from store.local.records import StoredApplication

T = TypeVar("T")


class Submitted(Protocol):
    """An application just submitted, as the wizard holds it."""

    @property
    def draft(self) -> Draft:
        """The application, signed."""
        ...

    @property
    def outcome(self) -> SubmitOutcome | None:
        """Its receipt."""
        ...

    @property
    def submitted_at(self) -> datetime | None:
        """When 送出資料 was pressed."""
        ...


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
        at_registry = {binding.application_id for binding in bindings}  # answers lost on the way
        local = [stored for stored in local if stored.application_id not in at_registry]
        rows.extend(_local_rows(local, only_queued=True))
        return ProgressView(tuple(rows))

    def status_link(self, application_id: uuid.UUID) -> Callable[[], Awaitable[str | None]]:
        """Gets the short link of the application's status page (the QR code's): None while the
        registry cannot give it (not reached, or the application not uploaded yet)."""

        async def link() -> str | None:
            try:
                answer = await self._client.status_link(application_id)
            except DomainError:
                return None  # the page goes on without its QR code
            return answer.url

        return link

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


class FormDesk:
    """「下載留存」: makes the application form and prints or saves it, as the settings say.

    Args:
        settings: The form's printer, save folder and font (:class:`kiosk.settings.FormSettings`).
        folder: Where forms are saved without a printer.
        statement: The personal-data statement the form carries.
        translator: The words of what was done.
    """

    def __init__(
        self,
        settings: FormSettings,
        *,
        folder: Path,
        statement: ConsentStatement,
        translator: Translator,
    ) -> None:
        self._settings = settings
        self._folder = folder
        self._statement = statement
        self._translator = translator

    def download(self, submitted: Submitted) -> Callable[[], Awaitable[tuple[bool, str]]]:
        """「下載留存」 for an application just submitted: delivers its form in a thread."""
        draft, outcome, when = submitted.draft, submitted.outcome, submitted.submitted_at

        async def deliver() -> tuple[bool, str]:
            assert outcome is not None  # the page that offers it comes after 送出資料
            assert when is not None
            return await asyncio.to_thread(
                self.deliver, draft, receipt=outcome.receipt, submitted_at=when
            )

        return deliver

    def deliver(self, draft: Draft, *, receipt: str, submitted_at: datetime) -> tuple[bool, str]:
        """Makes the form of a submitted application and prints or saves it (blocking: run it in
        a thread).

        Returns:
            Whether it was printed or saved, and the words saying where (or why not: no CJK
            font installed, the printer refused, the folder not writable).
        """
        settings = self._settings
        try:
            fonts = find_fonts(settings.font_path, index=settings.font_index)
            data = form_data(
                draft, receipt=receipt, submitted_at=submitted_at, statement=self._statement
            )
            pdf = forms.render_form(data, fonts=fonts)  # fpdf2 imported here, on first use
            delivery = deliver_form(pdf, receipt, printer=settings.printer, folder=self._folder)
        except FormError as error:
            return False, error.words(self._translator)
        return True, delivery.words(self._translator)
