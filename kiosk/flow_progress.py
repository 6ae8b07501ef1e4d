"""The wizard's progress page: after 送出資料 and from 查詢申請進度.

:class:`ProgressPages` opens the page for a verified contact (filled when the registry answers
quickly, loading otherwise), wires its cancel and purge to :class:`kiosk.progress.ProgressSource`,
its 下載留存 and QR code to the application just submitted or to those kept on this kiosk, and
hands back what the parent chose (新增綁定學生 goes on in :class:`kiosk.flow.Wizard`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from textual.screen import Screen

from kiosk.domain.contact import Contact
from kiosk.domain.i18n import with_language
from kiosk.domain.wire import CodeChallengeOut, ParentSessionOut
from kiosk.progress import FormDesk, ProgressSource, Submitted
from screens.base import Chrome
from screens.progress import (
    AddStudents,
    ApplicationCopy,
    LoggedOut,
    ProgressRow,
    ProgressScreen,
    ProgressView,
)
from screens.review import SubmitOutcome

#: Seconds the progress may take before its page opens with 「載入中」 instead of the last screen.
PROGRESS_LOADING_AFTER_S: Final = 0.5


@dataclass(frozen=True, slots=True)
class Verified:
    """A contact verified with a code.

    Attributes:
        contact: The address, normalised.
        typed: The address as typed (shown again after 返回).
        session: The parent's session at the registry.
        challenge: The verified code challenge.
    """

    contact: Contact
    typed: str
    session: ParentSessionOut
    challenge: CodeChallengeOut


class ProgressPages:
    """Opens the progress page for a verified contact.

    Args:
        chrome: Words, footer and banner of every screen.
        source: The bindings and what the page does with them.
        forms: 下載留存.
        ask: Pushes a screen and waits for its result (the wizard's).
    """

    def __init__(
        self,
        chrome: Chrome,
        source: ProgressSource,
        forms: FormDesk,
        *,
        ask: Callable[[Screen[Any]], Awaitable[Any]],
    ) -> None:
        self._chrome = chrome
        self._source = source
        self._forms = forms
        self._ask = ask

    async def show(
        self, verified: Verified, outcome: SubmitOutcome | None, submitted: Submitted | None
    ) -> AddStudents | LoggedOut:
        """The page, until the parent leaves it (登出服務) or adds a student.

        Args:
            verified: The session's verified contact (it stays verified for the next one).
            outcome: The submission just made; None from 查詢申請進度.
            submitted: The application just submitted (its form printed); None from
                查詢申請進度 (the applications kept on this kiosk are offered instead).
        """

        async def load() -> ProgressView:
            return await self.view(verified)

        source = self._source
        challenge_id = verified.challenge.challenge_id

        async def cancel(row: ProgressRow) -> ProgressView:
            return await source.cancel(verified.contact, verified.session, challenge_id, row)

        async def purge() -> tuple[int | None, ProgressView]:
            return await source.purge(verified.contact, verified.session, challenge_id)

        # A quick answer opens the page filled; a slow one opens it loading, not the splash.
        first = asyncio.ensure_future(load())
        done, _pending = await asyncio.wait({first}, timeout=PROGRESS_LOADING_AFTER_S)
        result: AddStudents | LoggedOut = await self._ask(
            ProgressScreen(
                self._chrome,
                view=first.result() if done else None,
                load=load,
                cancel=cancel,
                purge=purge,
                first=None if done else first,
                receipt=outcome.receipt if outcome is not None else None,
                uploaded=outcome.uploaded if outcome is not None else True,
                can_add=True,
                download=self._forms.download(submitted) if submitted is not None else None,
                status_link=self.status_link(submitted.draft.application_id) if submitted else None,
                copies=() if submitted is not None else await self.copies(verified),
            )
        )
        return result

    async def copies(self, verified: Verified) -> list[ApplicationCopy]:
        """From 查詢申請進度: the contact's applications kept on this kiosk, with their forms."""
        kept = await self._source.kept(verified.contact)
        return [
            ApplicationCopy(
                stored.receipt,
                self._forms.download_stored(stored),
                self.status_link(stored.application_id),
                former_receipt=stored.former_receipt,
            )
            for stored in kept
        ]

    def status_link(self, application_id: uuid.UUID) -> Callable[[], Awaitable[str | None]]:
        """The status page's link, opening in the language the parent chose."""
        link = self._source.status_link(application_id)
        translator = self._chrome.translator

        async def in_language() -> str | None:
            url = await link()
            return None if url is None else with_language(url, translator.language)

        return in_language

    async def view(self, verified: Verified) -> ProgressView:
        """The progress page's view for this contact (:meth:`ProgressSource.view`).

        Raises:
            DomainError: The registry refused (an expired session, say).
        """
        return await self._source.view(verified.contact, verified.session)
