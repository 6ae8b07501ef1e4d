"""The staff console's order: login, then the review queue, until the staff member leaves.

:class:`StaffConsole` drives the screens of :mod:`screens.staff` the way :mod:`kiosk.flow` drives
the parent's: one coroutine pushes a screen and awaits its result. It runs inside the kiosk (over
the parent's screens, reached by a key chord) and alone on a teacher's desk (``kiosk staff``).
The staff token lives only in the coroutine: when the console ends, it is gone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from textual.app import App

from kiosk.client import RegistryClient
from kiosk.domain.i18n import Translator
from kiosk.domain.status import BindingStatus
from kiosk.domain.wire import StaffBindingOut, StaffSessionOut
from screens.staff.login import StaffLoginScreen
from screens.staff.queue import QueueExit, ReviewQueueScreen


class StaffDesk:
    """The registry, as one signed-in staff member (what the review queue asks of it).

    Args:
        client: The registry client.
        session: The staff token.
    """

    def __init__(self, client: RegistryClient, session: StaffSessionOut) -> None:
        self._client = client
        self._session = session

    async def bindings(self, status: BindingStatus) -> list[StaffBindingOut]:
        """The bindings of ``status`` in the staff member's scope."""
        return await self._client.staff_bindings(self._session, status)

    async def approve(self, binding_id: UUID) -> StaffBindingOut:
        """認證."""
        return await self._client.approve(self._session, binding_id)

    async def reject(self, binding_id: UUID, reason: str) -> StaffBindingOut:
        """不通過 with the reason."""
        return await self._client.reject(self._session, binding_id, reason)

    async def paper_form_received(self, binding_id: UUID) -> StaffBindingOut:
        """紙本同意書已收."""
        return await self._client.paper_form_received(self._session, binding_id)


class StaffConsole:
    """Login, then the queue; 登出 returns to the login, 關閉 ends the console.

    Args:
        app: The app whose screens are pushed.
        client: The registry.
        translator: The words on screen.
        in_kiosk: Whether the console runs on a kiosk (it then offers 離開服務機模式).
    """

    def __init__(
        self, app: App[Any], client: RegistryClient, translator: Translator, *, in_kiosk: bool
    ) -> None:
        self._app = app
        self._client = client
        self._translator = translator
        self._in_kiosk = in_kiosk

    async def run(self) -> QueueExit | None:
        """Until 關閉 at the login (None) or 離開服務機模式 (``QueueExit.LEAVE_KIOSK``)."""
        while True:
            session = await self._app.push_screen(
                StaffLoginScreen(self._translator, login=self._client.staff_login),
                wait_for_dismiss=True,
            )
            if session is None:
                return None
            left = await self._app.push_screen(
                ReviewQueueScreen(
                    self._translator,
                    who=session.display_name,
                    review=StaffDesk(self._client, session),
                    can_leave_kiosk=self._in_kiosk,
                ),
                wait_for_dismiss=True,
            )
            if left is QueueExit.LEAVE_KIOSK:
                return left


class StaffApp(App[None]):
    """The staff console alone, on a teacher's desk (``kiosk staff``): quits at 關閉.

    Args:
        client: The registry (no kiosk key needed: staff calls carry the staff token only).
        translator: The words on screen.
        css_paths: The app's stylesheets (:data:`kiosk.app.CSS_FILES`).
    """

    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self, client: RegistryClient, translator: Translator, *, css_paths: list[str]
    ) -> None:
        super().__init__(css_path=list(css_paths))
        self._client = client
        self._translator = translator

    def on_mount(self) -> None:
        """Starts the console."""
        self.run_worker(self._console(), name="staff", exit_on_error=False)

    async def _console(self) -> None:
        try:
            await StaffConsole(self, self._client, self._translator, in_kiosk=False).run()
        finally:
            self.exit()

    async def on_unmount(self) -> None:
        """Closes the registry connections."""
        await self._client.aclose()
