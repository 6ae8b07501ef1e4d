"""What the progress page shows and does: the bindings, cancel, purge, and 「下載留存」.

The rows come from the registry's bindings for the session (its own, and masked the other
bindings of the parent its application names), plus what this kiosk has not uploaded yet
(待上傳). When the registry cannot be reached, what this kiosk knows is shown, marked stale.
Cancelling and purging are kept in the kiosk's queue of actions first (:mod:`store.local.actions`)
and tried at once; when the registry is away they wait there (取消待上傳, 註銷待上傳) and the sync
worker uploads them (:mod:`kiosk.sync_actions`), across reloads and restarts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Final, Protocol

from kiosk import forms
from kiosk.client import RegistryClient
from kiosk.domain.clock import Clock, utc_now
from kiosk.domain.consent import ConsentStatement, load_statement
from kiosk.domain.contact import Contact
from kiosk.domain.draft import Draft
from kiosk.domain.errors import N_, DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.parent_actions import PARENT_ACTION_KINDS, BindingActionOut, ParentActionKind
from kiosk.domain.status import StudentStatus
from kiosk.domain.wire import BindingOut, ParentSessionOut
from kiosk.forms import FormError, deliver_form, find_fonts, form_data
from kiosk.settings import FormSettings
from kiosk.sync import TRANSIENT
from kiosk.sync_actions import ActionOutcome, ActionUploader
from screens.progress import ProgressRow, ProgressView, Waiting
from screens.review import SubmitOutcome
from store.local.actions import ActionQueue, QueuedItem
from store.local.applications import ApplicationStore
from store.local.records import StoredApplication


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
        actions: The kiosk's queue of actions (the parent's cancels and purges).
        uploader: Uploads a queued action at once.
        clock: Gives "now".
        wake: Wakes the sync worker (for an action that could not go at once).
    """

    def __init__(
        self,
        client: RegistryClient,
        applications: ApplicationStore,
        *,
        actions: ActionQueue,
        uploader: ActionUploader,
        clock: Clock = utc_now,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._client = client
        self._applications = applications
        self._actions = actions
        self._uploader = uploader
        self._clock = clock
        self._wake = wake

    async def view(self, contact: Contact, session: ParentSessionOut) -> ProgressView:
        """The registry's bindings for the session, and what this kiosk has not uploaded yet.

        Raises:
            DomainError: The registry refused (an expired session, say).
        """
        local = await asyncio.to_thread(self._applications.applications_for_contact, contact)
        waiting = await asyncio.to_thread(self._actions.waiting_for, contact, PARENT_ACTION_KINDS)
        try:
            answer = await self._client.bindings(session)
        except DomainError as error:
            if error.code not in TRANSIENT:
                raise
            known = _local_rows(local, only_queued=False)
            return ProgressView(_marked(known, waiting), stale=True)
        bindings = answer.bindings
        # When this kiosk made the application (a purge spares what came after it).
        made_here = {stored.application_id: stored.submitted_at for stored in local}
        rows: list[tuple[ProgressRow, datetime | None]] = [
            (_binding_row(binding), made_here.get(binding.application_id)) for binding in bindings
        ]
        at_registry = {binding.application_id for binding in bindings}  # answers lost on the way
        local = [stored for stored in local if stored.application_id not in at_registry]
        rows.extend(_local_rows(local, only_queued=True))
        return ProgressView(_marked(rows, waiting), logged_in=answer.logged_in)

    async def kept(self, contact: Contact) -> list[StoredApplication]:
        """The contact's applications kept on this kiosk whose form can be made again (not
        reduced), newest first, at most :data:`MAX_COPIES` (查詢申請進度's forms and QR codes)."""
        local = await asyncio.to_thread(self._applications.applications_for_contact, contact)
        return [stored for stored in local if stored_draft(stored) is not None][:MAX_COPIES]

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
        self, contact: Contact, session: ParentSessionOut, challenge_id: uuid.UUID, row: ProgressRow
    ) -> ProgressView:
        """Cancels one pending binding: kept in the queue, then tried at once; the view again
        (the row 取消待上傳 while the registry is away).

        Args:
            contact: The verified contact asking.
            session: Its session (for the view).
            challenge_id: The code challenge that verified it (the registry's proof, later too).
            row: The row whose trash button was pressed.

        Raises:
            DomainError: The registry refused it (``binding.not_pending``: decided meanwhile).
        """
        if row.binding_id is None:  # only a row at the registry has a trash button
            raise DomainError(ErrorCode.BINDING_NOT_FOUND)
        payload = {"challenge_id": str(challenge_id), "binding_id": str(row.binding_id)}
        await self._act(ParentActionKind.CANCEL, payload, contact)
        return await self.view(contact, session)

    async def purge(
        self, contact: Contact, session: ParentSessionOut, challenge_id: uuid.UUID
    ) -> tuple[int | None, ProgressView]:
        """註銷全部紀錄: kept in the queue, then tried at once. How many records went (None while
        it waits to be uploaded), and the view again.

        Raises:
            DomainError: The registry refused it.
        """
        payload = {"challenge_id": str(challenge_id)}
        answer = await self._act(ParentActionKind.PURGE, payload, contact)
        removed = answer.removed if isinstance(answer, BindingActionOut) else None
        return removed, await self.view(contact, session)

    async def _act(
        self, kind: ParentActionKind, payload: dict[str, str], contact: Contact
    ) -> object:
        """Queues the action durably, then tries it: the registry's answer, or None (waits)."""
        item = await asyncio.to_thread(
            self._actions.enqueue, kind.value, payload, now=self._clock(), contact=contact
        )
        result = await self._uploader.upload_now(item.action_id)
        if result is None:
            return None
        if result.outcome is ActionOutcome.REFUSED:
            assert result.error is not None
            raise result.error
        if result.outcome is not ActionOutcome.SENT and self._wake is not None:
            self._wake()  # a purge waits for the applications before it: the worker sends them
        return result.answer


def _marked(
    rows: list[tuple[ProgressRow, datetime | None]], waiting: list[QueuedItem]
) -> tuple[ProgressRow, ...]:
    """The rows, each marked with the parent's cancel or purge of it that waits to upload.

    Args:
        rows: Each row with when its application was submitted on this kiosk (None: not known,
            a row of the registry's).
        waiting: The contact's actions still waiting.
    """
    cancels = {
        str(item.payload.get("binding_id"))
        for item in waiting
        if item.kind == ParentActionKind.CANCEL
    }
    purges = [item.created_at for item in waiting if item.kind == ParentActionKind.PURGE]
    last_purge = max(purges, default=None)
    marked: list[ProgressRow] = []
    for row, submitted_at in rows:
        mark: Waiting | None = None
        if row.masked or row.status is StudentStatus.APPROVED:
            mark = None
        elif row.binding_id is not None and str(row.binding_id) in cancels:
            mark = Waiting.CANCEL
        elif last_purge is not None and (submitted_at is None or submitted_at <= last_purge):
            # A purge removes what was submitted until it was pressed, not what came after.
            mark = Waiting.PURGE
        marked.append(dataclasses.replace(row, waiting=mark) if mark is not None else row)
    return tuple(marked)


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


def _local_rows(
    applications: list[StoredApplication], *, only_queued: bool
) -> list[tuple[ProgressRow, datetime | None]]:
    rows: list[tuple[ProgressRow, datetime | None]] = []
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
            row = ProgressRow(
                student=student.entry.name if student.entry is not None else "—",
                school=student.school_name,
                class_name=student.entry.class_name if student.entry is not None else "",
                status=student.status,
                reason=student.reason,
                binding_id=student.binding_id,
            )
            rows.append((row, application.submitted_at))
    return rows


class FormDesk:
    """「下載留存」: makes the application form and prints or saves it, as the settings say.

    Args:
        settings: The form's printer, save folder and font (:class:`kiosk.settings.FormSettings`).
        folder: Where forms are saved without a printer.
        statement: The personal-data statement the form carries.
        translator: The words of what was done.
        applications: The kiosk's applications (what :meth:`reprint` finds by receipt).
    """

    def __init__(
        self,
        settings: FormSettings,
        *,
        folder: Path,
        statement: ConsentStatement,
        translator: Translator,
        applications: ApplicationStore | None = None,
    ) -> None:
        self._settings = settings
        self._folder = folder
        self._statement = statement
        self._translator = translator
        self._applications = applications

    def _statement_in(self, language: str) -> ConsentStatement:
        """The statement in ``language``: the same version the parent accepted, in its words."""
        given = self._statement
        if given.language == language:
            return given
        other = load_statement(language)
        return other if other.version == given.version else given

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

    def reprint(self, receipt: str) -> tuple[bool, str]:
        """Makes the form of a stored application again, found by its receipt number, and prints
        or saves it as 下載留存 does (blocking: run it in a thread). The staff console's reprint.

        Returns:
            Whether it was printed or saved, and the words saying where, or why not: no such
            receipt on this kiosk, the application reduced after the retention period, its
            statement's version not this kiosk's, no CJK font, the printer or folder failing.
        """
        stored = self._applications.by_receipt(receipt) if self._applications else None
        if stored is None:
            return False, self._translator.gettext(NO_SUCH_RECEIPT).format(receipt=receipt)
        return self.deliver_stored(stored)

    def download_stored(
        self, stored: StoredApplication
    ) -> Callable[[], Awaitable[tuple[bool, str]]]:
        """「下載留存」 of an application kept on this kiosk (查詢申請進度), in a thread."""

        async def deliver() -> tuple[bool, str]:
            return await asyncio.to_thread(self.deliver_stored, stored)

        return deliver

    def deliver_stored(self, stored: StoredApplication) -> tuple[bool, str]:
        """Makes and delivers the form of an application kept on this kiosk (blocking)."""
        draft = stored_draft(stored)
        if draft is None:
            return False, self._translator.gettext(REDUCED).format(receipt=stored.receipt)
        return self.deliver(draft, receipt=stored.receipt, submitted_at=stored.submitted_at)

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
            # The form speaks the language the parent chose (the kiosk's translator's now).
            language = self._translator.language
            data = form_data(
                draft,
                receipt=receipt,
                submitted_at=submitted_at,
                statement=self._statement_in(language),
                language=language,
            )
            pdf = forms.render_form(data, fonts=fonts)  # fpdf2 imported here, on first use
            delivery = deliver_form(pdf, receipt, printer=settings.printer, folder=self._folder)
        except FormError as error:
            return False, error.words(self._translator)
        except ValueError:  # the statement of another version than this kiosk's
            words = self._translator.gettext(OTHER_STATEMENT).format(receipt=receipt)
            return False, words
        return True, delivery.words(self._translator)


#: The most applications 查詢申請進度 offers the form and QR code of (the newest).
MAX_COPIES: Final = 3

#: Why a form cannot be made again (staff and parents read these).
NO_SUCH_RECEIPT: Final = N_(
    "No application with the receipt number {receipt} is kept on this kiosk."
)
REDUCED: Final = N_(
    "The application {receipt} was decided long ago and its details have been removed from this "
    "kiosk: its form can no longer be made."
)
OTHER_STATEMENT: Final = N_(
    "The application {receipt} accepted another version of the personal-data statement than "
    "this kiosk has: its form cannot be made here."
)


def stored_draft(stored: StoredApplication) -> Draft | None:
    """The application as the form needs it, from what the kiosk keeps; None once reduced."""
    entries = [student.entry for student in stored.students]
    if stored.parent is None or stored.signature is None or None in entries:
        return None
    return Draft(
        application_id=stored.application_id,
        contact=stored.contact,
        challenge_id=stored.challenge_id,
        students=[entry for entry in entries if entry is not None],
        consent_version=stored.consent_version,
        parent=stored.parent,
        signature=stored.signature,
    )
