"""KioskApp: the kiosk's Textual app, and :func:`make_app`, the factory the CLI and tests share.

The app's first frame comes before anything heavy is imported: it shows the title while a start-up
worker (a thread) runs a :data:`Boot` function — the settings and every check that may refuse the
kiosk (:func:`kiosk.boot.preflight`). Then the Welcome screen is shown, its buttons live, while a
second thread builds the rest (:attr:`kiosk.boot.Started.services`: the registry client, the
local store, the sync worker, the wizard's screens). The parent's choice on that first Welcome
goes to the :class:`~kiosk.flow.Wizard` (waiting for the services if a tap came first), which
pushes each step's screen and awaits its result. Should the wizard ever fail, it is logged and
started again at the Welcome screen: a kiosk never stops; should the services fail, the kiosk
refuses as when a check fails.

Heavy modules are only imported inside functions or for type checking here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar, Final

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from kiosk.boot import Started, build_services, preflight
from kiosk.domain.clock import Clock, clock_needs_staff, utc_now
from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.idle import Idleness, IdleWatch
from kiosk.logsafe import describe_failure

if TYPE_CHECKING:
    from kiosk.client import RegistryClient
    from kiosk.demo import DemoOutbox
    from kiosk.domain.consent import ConsentStatement
    from kiosk.flow import Services, Vouch, Wizard
    from kiosk.settings import KioskSettings
    from kiosk.staff import StaffConsole
    from kiosk.sync import SyncWorker
    from screens.ahead import Ahead
    from screens.contact import ContactScreen
    from screens.welcome import Welcomed
    from store.local import LocalStore

log = logging.getLogger(__name__)

#: The app's stylesheets (screens/*.tcss), by absolute path.
SCREENS_DIR: Final = Path(__file__).resolve().parent.parent / "screens"
CSS_FILES: Final = (
    SCREENS_DIR / "kiosk.tcss",
    SCREENS_DIR / "steps.tcss",
    SCREENS_DIR / "staff.tcss",
)

TITLE: Final = N_("Taipei CooC Cloud · Parent–student binding")
STARTING: Final = N_("Starting…")
FAILED: Final = N_("The kiosk could not start. Please ask the school office.")

#: How often the idle watch is asked what to do (seconds).
IDLE_CHECK_SECONDS: Final = 1.0
#: What a locked-down kiosk never does, whatever key is pressed: quit, open the command palette,
#: suspend to a shell (Textual's own actions; ``App.exit`` stays, for the staff console).
LOCKED_ACTIONS: Final = frozenset({"quit", "help_quit", "command_palette", "suspend_process"})
#: The key that opens the staff console (shown on no parent screen; the README tells operators).
STAFF_CHORD: Final = "ctrl+f12"
#: The staff console closes after this long without input (seconds).
STAFF_IDLE_SECONDS: Final = 60.0
#: The inputs that say someone is at the kiosk.
PRESENCE: Final = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)

#: Checks the kiosk and gives what the Welcome screen needs; runs in a worker thread after the
#: first frame.
Boot = Callable[[], Started]

__all__ = ["Boot", "KioskApp", "build_services", "make_app"]


class KioskApp(App[None]):
    """The kiosk: a start-up splash, then the parent wizard forever.

    Args:
        boot: Checks the kiosk and gives its settings and words (and how to build the rest);
            called once, in a worker thread, after the first frame.
        translator: The words of the splash (the services bring the wizard's own).
        starting: What the splash says while ``boot`` runs (a message id).
        lockdown: Production: no key quits, suspends or opens the command palette.
        monotonic: The idle watch's clock (seconds; tests pass one they move).
        idle_check_seconds: How often the idle watch is asked (tests ask it themselves).

    Attributes:
        boot_error: Why the kiosk could not start, if it could not (the CLI prints it on exit).
        lockdown: Whether quitting keys are refused.
        idle: The idle watch, once the settings are known.
        sessions_wiped: How often a parent's session was wiped for want of input.
    """

    CSS_PATH: ClassVar[list[str | PurePath]] = [str(path) for path in CSS_FILES]
    ENABLE_COMMAND_PALETTE: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(STAFF_CHORD, "staff_console", show=False, priority=True)
    ]

    def __init__(
        self,
        boot: Boot,
        *,
        translator: Translator | None = None,
        starting: str = STARTING,
        lockdown: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
        idle_check_seconds: float = IDLE_CHECK_SECONDS,
    ) -> None:
        super().__init__()
        self._boot_services = boot
        self.lockdown = lockdown
        self._monotonic = monotonic
        self._idle_check_seconds = idle_check_seconds
        self.idle: IdleWatch | None = None
        self.sessions_wiped = 0
        self.staff_open = False
        self._translator = translator or Translator()
        self._starting = starting
        self.boot_error: BaseException | None = None
        self.services: Services | None = None
        self.wizard: Wizard | None = None
        #: The next parent's first step, built ahead behind the Welcome (kiosk.flow).
        self.ahead: Ahead[ContactScreen] | None = None
        #: The choice made on the first Welcome screen, while the wizard was not there yet.
        self._welcomed: Welcomed | None = None
        self._staff_asked = False
        #: How often the wizard failed and was started again (a bug each time; tests check it).
        self.wizard_failures = 0
        self.title = self._translator.gettext(TITLE)
        from screens.theme import register_themes

        register_themes(self)

    def compose(self) -> ComposeResult:
        """The splash: the title, and a line saying the kiosk is starting."""
        _ = self._translator.gettext
        with Horizontal(id="header"):
            yield Static(_(TITLE), id="title")
        with Vertical(id="splash"):
            yield Static(_(self._starting), id="splash-message")

    def on_mount(self) -> None:
        """Builds the services in a thread once the first frame is on screen."""
        # After the refresh: the thread's imports would otherwise compete with the first frame.
        self.call_after_refresh(
            self.run_worker, self._boot, name="boot", thread=True, exit_on_error=False
        )
        self.set_interval(self._idle_check_seconds, self.check_idleness)

    def _boot(self) -> Started:
        started = self._boot_services()
        # The first screen's module, imported here rather than in the app's loop.
        import screens.welcome  # noqa: F401

        return started

    def _build(self, started: Started) -> Services:
        services = started.services()
        # Importing the flow imports every screen: done here, the first 親子綁定 is instant.
        import kiosk.flow  # noqa: F401

        return services

    def _welcome(self, started: Started) -> None:
        """The first Welcome screen, live at once; the services are built behind it."""
        from screens.base import Chrome
        from screens.welcome import WelcomeScreen

        settings = started.settings
        chrome = Chrome(
            translator=started.translator,
            support_phone=settings.support.phone,
            support_line=settings.support.line,
            demo=started.demo,
        )
        self.push_screen(
            WelcomeScreen(chrome, clock_off=self._clock_off), callback=self._first_choice
        )
        # After its frame: the thread's imports would otherwise compete with drawing it.
        self.call_after_refresh(
            self.run_worker,
            lambda: self._build(started),
            name="services",
            thread=True,
            exit_on_error=False,
        )

    def _clock_off(self) -> bool:
        """Whether the kiosk's clock needs staff (once its registry client has answered)."""
        services = self.services
        return services is not None and clock_needs_staff(services.client.clock_skew)

    def _first_choice(self, welcomed: Welcomed | None) -> None:
        self._welcomed = welcomed
        if self.wizard is not None:
            self._run_wizard()

    def _start_wizard(self, assisted: Vouch | None = None) -> None:
        self._make_wizard()
        self._run_wizard(assisted)

    def _make_wizard(self) -> Wizard:
        from kiosk.flow import Wizard
        from screens.ahead import Ahead

        assert self.services is not None
        if self.ahead is None:
            self.ahead = Ahead(self)
        self.wizard = Wizard(self, self.services, self.ahead)
        return self.wizard

    @property
    def settled(self) -> bool:
        """Whether everything behind the Welcome is built — the services, the wizard and the
        next parent's first step, laid out and drawn — as a parent finds the kiosk."""
        return self.wizard is not None and self.ahead is not None and self.ahead.drawn

    def _run_wizard(self, assisted: Vouch | None = None) -> None:
        assert self.wizard is not None
        welcomed, self._welcomed = self._welcomed, None
        self.run_worker(
            self.wizard.run(assisted, welcomed=welcomed),
            name="wizard",
            group="wizard",
            exit_on_error=False,
        )

    def _start_sync(self) -> None:
        # Uploads and status changes run beside the wizard, in this app's event loop.
        assert self.services is not None
        if self.services.sync is not None:
            self.run_worker(
                self.services.sync.run(), name="sync", group="sync", exit_on_error=False
            )

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name == "boot" and event.state is WorkerState.SUCCESS:
            started = worker.result
            assert isinstance(started, Started)  # the boot worker's result
            self.idle = IdleWatch(started.settings.idle_seconds, self._monotonic)
            self.theme = started.settings.display.theme
            self._welcome(started)
        elif worker.name == "services" and event.state is WorkerState.SUCCESS:
            self.services = worker.result
            wizard = self._make_wizard()
            self._start_sync()
            if self._welcomed is not None:  # a parent tapped before the services were there
                self._run_wizard()
            else:
                wizard.ready_next()
            if self._staff_asked:
                self.action_staff_console()
        elif worker.name in {"boot", "services"} and event.state is WorkerState.ERROR:
            self._refuse(worker.error)
        elif worker.name == "wizard" and event.state is WorkerState.ERROR:
            self.wizard_failures += 1
            log.error("the wizard failed; starting again: %s", describe_failure(worker.error))
            while len(self.screen_stack) > 1:
                self.pop_screen()
            self._start_wizard()

    def _refuse(self, error: BaseException | None) -> None:
        """The kiosk cannot start: whatever was on screen goes, and the splash says so."""
        # The reason goes to the log (it may name files); the screen says what to do.
        self.boot_error = error
        from kiosk.settings import ConfigError

        if isinstance(error, ConfigError):
            # Nothing on screen can mend a configuration: end, and the CLI says why.
            self.exit(return_code=2)
            return
        log.error("the kiosk could not start: %s", describe_failure(error))
        self._welcomed = None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.query_one("#splash-message", Static).update(self._translator.gettext(FAILED))

    # --- lockdown ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """In lockdown, quitting, suspending and the command palette do nothing."""
        if self.lockdown and action in LOCKED_ACTIONS:
            return False
        return super().check_action(action, parameters)

    async def action_quit(self) -> None:
        """Quits, except in lockdown (where only the staff console leaves)."""
        if not self.lockdown:
            await super().action_quit()

    # --- the staff console ---------------------------------------------------------------------

    def action_staff_console(self) -> None:
        """Opens the staff console over the parent's screen (which waits underneath)."""
        from kiosk.staff import kiosk_console

        services = self.services
        if services is None:
            # Asked on the first Welcome, before the services were built: opened once they are.
            self._staff_asked = True
            return
        if self.staff_open:
            return
        self.staff_open = True
        console = kiosk_console(
            self,
            client=services.client,
            translator=services.translator,
            store=services.store,
            settings=services.settings,
            clock=services.clock,
            statement=services.statement,
            worker=services.sync,
        )
        self.run_worker(self._staff(console), name="staff", group="staff", exit_on_error=False)

    async def _staff(self, console: StaffConsole) -> None:
        from screens.staff.queue import QueueExit

        try:
            left = await console.run()
        finally:
            self.staff_open = False
        if left is QueueExit.LEAVE_KIOSK:
            log.info("a staff member left kiosk mode")
            self.exit()
        elif left is QueueExit.ASSIST and console.assisting is not None:
            self.assist(console.assisting)

    def assist(self, vouch: Vouch) -> None:
        """協助家長申請: whatever was on screen goes; the wizard starts at the contact step for a
        parent beside the staff member, with 「臨櫃核對身分」 offered (for that parent only)."""
        log.info("a staff member started an application beside a parent")
        self.workers.cancel_group(self, "wizard")
        self.wizard = None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if self.idle is not None:
            self.idle.touch()
        self._start_wizard(assisted=vouch)

    def close_staff_console(self) -> None:
        """Closes the console (idle): its screens and its token go; the parent's screen is back."""
        self.workers.cancel_group(self, "staff")
        self.staff_open = False
        while len(self.screen_stack) > 1 and self.screen.has_class("staff"):
            self.pop_screen()
        log.info("the staff console was left idle and closed")

    # --- protecting the next parent ----------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Notes every key and click (someone is there), then handles it as Textual does."""
        if isinstance(event, PRESENCE) and self.idle is not None:
            self.idle.touch()
        await super().on_event(event)

    def check_idleness(self) -> None:
        """Asks the idle watch what to do: nothing, show the countdown, or wipe the session.

        Nothing happens on the Welcome screen (there is nothing to wipe) nor while a step is
        busy with the registry (sending a code, uploading): that is never cut off.
        """
        from screens.base import WizardScreen
        from screens.idle import StillThereScreen
        from screens.welcome import WelcomeScreen

        if self.idle is None or self.services is None:
            return
        if self.staff_open:
            # Staff at work: no parent countdown; the console itself closes when left alone.
            if self.idle.idle_for() >= STAFF_IDLE_SECONDS:
                self.close_staff_console()
                self.idle.touch()
            return
        asking = next((s for s in self.screen_stack if isinstance(s, StillThereScreen)), None)
        busy = any(isinstance(s, WizardScreen) and s.is_busy for s in self.screen_stack)
        state = self.idle.check(busy=busy)
        step = next((s for s in reversed(self.screen_stack) if isinstance(s, WizardScreen)), None)
        if state.idleness is Idleness.ACTIVE or step is None or isinstance(step, WelcomeScreen):
            if asking is not None:
                asking.go_on()
        elif state.idleness is Idleness.ASKING:
            if asking is None:
                self.push_screen(StillThereScreen(self.services.translator, state.seconds_left))
            else:
                asking.show_seconds_left(state.seconds_left)
        else:
            self.wipe_session()

    def wipe_session(self) -> None:
        """Forgets the parent: the wizard (its draft and session token) and every screen go, and
        a new wizard shows Welcome."""
        self.sessions_wiped += 1
        log.info("the kiosk was left idle: the session was wiped")
        # Cancelled, the wizard's session forgets its draft and session token (kiosk.flow).
        self.workers.cancel_group(self, "wizard")
        self.wizard = None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if self.idle is not None:
            self.idle.touch()
        self._start_wizard()

    async def on_unmount(self) -> None:
        """Closes the registry connections."""
        if self.services is not None:
            await self.services.client.aclose()


def make_app(
    settings: KioskSettings | Callable[[], KioskSettings],
    *,
    starting: str = STARTING,
    translator: Translator | None = None,
    clock: Clock = utc_now,
    client: RegistryClient | None = None,
    store: LocalStore | None = None,
    statement: ConsentStatement | None = None,
    demo: DemoOutbox | None = None,
    sync: SyncWorker | None = None,
    background_sync: bool = True,
    lockdown: bool = False,
    monotonic: Callable[[], float] = time.monotonic,
    idle_check_seconds: float = IDLE_CHECK_SECONDS,
) -> KioskApp:
    """The kiosk app: the one factory, for the CLI and the tests alike.

    Whatever is not given is built from the settings after the first frame: what may refuse the
    kiosk before the Welcome screen (:func:`kiosk.boot.preflight`), the rest while it is shown
    (:func:`kiosk.boot.build_services`).

    Args:
        settings: The kiosk's settings, or a function giving them (called in the start-up worker).
        starting: What the splash says while the kiosk starts (a message id).
        translator: The words on screen (``settings.language``'s when None).
        clock: Gives "now".
        client: The registry (from the settings and the kiosk's key file when None).
        store: The kiosk's database (migrated and opened from the settings when None).
        statement: The personal-data statement (the one in ``settings.language`` when None).
        demo: The demo's code feed (from ``settings`` when None and in demo mode).
        sync: The sync worker to run beside the wizard.
        background_sync: Whether to build a sync worker when ``sync`` is None (tests that drive
            uploads themselves say False).
        lockdown: ``kiosk run``: no key quits (see :class:`KioskApp`).
        monotonic: The idle watch's clock.
        idle_check_seconds: How often the idle watch is asked.
    """

    def boot() -> Started:
        known = settings() if callable(settings) else settings
        words = translator or Translator(known.language)
        opened = preflight(known, check_store=store is None, check_key=client is None)
        feed = demo
        if feed is None and known.demo:
            from kiosk.demo import DemoOutbox

            feed = DemoOutbox(known.outbox_path)

        def services() -> Services:
            return build_services(
                known,
                clock=clock,
                translator=words,
                client=client,
                store=store or opened,
                statement=statement,
                demo=feed,
                sync=sync,
                background_sync=background_sync,
            )

        return Started(known, words, feed, services)

    return KioskApp(
        boot,
        translator=translator,
        starting=starting,
        lockdown=lockdown,
        monotonic=monotonic,
        idle_check_seconds=idle_check_seconds,
    )
