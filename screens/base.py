"""What every parent screen shares: the anatomy of SPEC.md §1, busy buttons and errors in place.

A wizard screen is a :class:`WizardScreen` subclass: it says which step it is, composes its body
and its actions, and dismisses with a typed result. The header (title and step indicator), the
demo banner, the centred body, the action row (secondary left, primary right) and the footer
(support contact, the language switch 中文/English, F1 help) come from here, so every screen looks
the same.

The language switch (F2, or a tap on it) changes the words of the screen at once and keeps every
widget as it is, with what was entered (:mod:`screens.language`); the next screens come in the
language chosen (the kiosk's one translator speaks it).

Registry calls go through :meth:`WizardScreen.call_registry`: the work runs in a worker, the
button that started it shows a spinner meanwhile (the rest of the screen stays usable), and a
:class:`~kiosk.domain.errors.DomainError` it raises is shown beside the field it names.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Generic, Protocol, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from kiosk.domain.errors import N_, DomainError, DomainErrors, ErrorCode
from kiosk.domain.i18n import Translator
from screens.language import SWITCH_KEY, Message, Words, switch_label
from screens.widgets.step_indicator import STEP_NAMES, StepIndicator

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")
T = TypeVar("T")
W = TypeVar("W", bound=Widget)

#: The frames of a busy button's spinner (a still frame when animations are off).
SPINNER: Final = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
#: How often the spinner turns, in seconds.
SPINNER_INTERVAL: Final = 0.1
#: How often the demo banner looks for a new code in the outbox, in seconds.
DEMO_POLL_INTERVAL: Final = 0.5

TITLE: Final = N_("Taipei CooC Cloud · Parent–student binding")
HELP_KEY: Final = N_("F1 Help")
SUPPORT: Final = N_("Support line {phone} | LINE@ {line}")
DEMO_WAITING: Final = N_("Demo mode (Ctrl+Q quits): the verification code will be shown here")
DEMO_CODE: Final = N_("Demo mode (Ctrl+Q quits): the code sent to {to} is {code}")
CLOSE: Final = N_("Close")
BACK: Final = N_("Back")


@dataclass(frozen=True, slots=True)
class Back:
    """The result of 返回: go to the previous step (what was entered is kept)."""


class DemoFeed(Protocol):
    """Where the demo banner reads the latest code from (the registry's file outbox)."""

    def latest_code(self) -> tuple[str, str] | None:
        """The latest live code sent to the address being verified: ``(masked address, code)``
        (None once it was used, died or expired)."""
        ...

    def spend(self) -> None:
        """The latest code no longer works (used, or dead): the banner stops showing it."""
        ...


@dataclass(frozen=True, slots=True)
class Chrome:
    """What every screen shows around its step: words, help line and the demo banner.

    Attributes:
        translator: Gives every word on screen.
        support_phone: 客服專線 in the footer.
        support_line: The LINE@ account in the footer.
        demo: The demo's code feed; None outside demo mode (no banner).
    """

    translator: Translator
    support_phone: str = "(02)8798-6336"
    support_line: str = "@032rjiko"
    demo: DemoFeed | None = None


class DemoBanner(Static):
    """示範模式: says where the code will appear, then shows the latest live one sent."""

    def __init__(self, chrome: Chrome, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._chrome = chrome

    def on_mount(self) -> None:
        """Shows the current state and keeps looking for new codes."""
        self.refresh_code()
        self.set_interval(DEMO_POLL_INTERVAL, self.refresh_code)

    def refresh_code(self) -> None:
        """Shows the latest live code now (and in the language spoken now)."""
        _ = self._chrome.translator.gettext
        latest = self._chrome.demo.latest_code() if self._chrome.demo is not None else None
        if latest is None:
            self.update(_(DEMO_WAITING))
        else:
            to, code = latest
            self.update(_(DEMO_CODE).format(to=to, code=code))


class HelpScreen(ModalScreen[None]):
    """F1: what to do on this step, in the tutorial's words."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1", "close", show=False),
    ]

    def __init__(self, translator: Translator, text: str) -> None:
        super().__init__()
        self._ = translator.gettext
        self._text = text

    def compose(self) -> ComposeResult:
        """The help text and a close button."""
        # Imported here: Markdown brings markdown-it and pygments (~70 ms), for F1 only.
        from textual.widgets import Markdown

        with Vertical(id="help-dialog"):
            yield Markdown(self._text, id="help-text")
            with Horizontal(classes="actions"):
                yield Static(classes="spacer")
                yield Button(self._(CLOSE), id="help-close", variant="primary")

    @on(Button.Pressed, "#help-close")
    def action_close(self) -> None:
        """Back to the step."""
        self.dismiss(None)


@dataclass
class _Pending:
    """A registry call in flight: the button showing it and what to do with its answer."""

    button: Button
    label: str
    done: Callable[[Any], object]
    failed: Callable[[DomainError], None] | None
    error_at: str | None


class WizardScreen(Screen[ResultT], Generic[ResultT]):
    """One step of the wizard, in the screen anatomy of SPEC.md §1.

    Subclasses set :attr:`STEP` and :attr:`HELP`, implement :meth:`compose_body` and
    :meth:`compose_actions`, and map the ``field`` of a :class:`DomainError` to the id of the
    error line beside that field in :attr:`ERROR_FIELDS` (unmapped errors go to ``#form-error``).

    Args:
        chrome: The words, the help line and the demo banner.
    """

    STEP: ClassVar[int] = 0
    """Where this screen is on the step indicator (0: before the first step)."""

    HELP: ClassVar[str] = ""
    """The F1 help (a message id; Markdown once translated)."""

    ERROR_FIELDS: ClassVar[Mapping[str | None, str]] = {}
    """``DomainError.field`` → id of the :class:`Static` that shows its error."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", show=False),
        Binding(SWITCH_KEY, "switch_language", show=False),
    ]

    def __init__(self, chrome: Chrome) -> None:
        super().__init__()
        self.chrome = chrome
        #: The words of this screen, to be told again when the parent switches the language.
        self.words = Words(chrome.translator)
        # It follows the language chosen on any screen (the kiosk has one translator).
        self._ = self.words.gettext
        self._calls: dict[Worker[Any], _Pending] = {}
        self._spinner: Timer | None = None
        self._spin = 0

    # --- anatomy -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, demo banner, the centred body, the action row and the footer."""
        _ = self._
        with Horizontal(id="header"):
            yield Static(_(TITLE), id="title")
            yield StepIndicator(self.STEP, names=[_(name) for name in STEP_NAMES], id="steps")
        if self.chrome.demo is not None:
            yield DemoBanner(self.chrome, id="demo-banner")
        # The body scrolls when the steps focus into it; a focus stop of its own it is not.
        with VerticalScroll(id="body", can_focus=False), Center(), Vertical(id="panel"):
            yield from self.compose_body()
        with Center(id="actions-row"), Horizontal(id="actions", classes="actions"):
            yield from self.compose_actions()
        with Horizontal(id="footer"):
            chrome = self.chrome
            yield self.told(
                Static(id="support"),
                lambda t: t.gettext(SUPPORT).format(
                    phone=chrome.support_phone, line=chrome.support_line
                ),
            )
            # A tap switches; so does F2. Not a focus stop: Tab walks the step, not the footer.
            switch = self.told(Button(id="language", compact=True), switch_label)
            switch.can_focus = False
            yield switch
            yield Static(_(HELP_KEY), id="help-hint")

    def compose_body(self) -> ComposeResult:
        """The step's question and fields (inside the centred panel)."""
        yield from ()

    def compose_actions(self) -> ComposeResult:
        """The step's buttons: secondary ones first, then a spacer, then the primary one."""
        yield from ()

    @staticmethod
    def spacer() -> Static:
        """Pushes the buttons after it to the right edge of the action row."""
        return Static(classes="spacer")

    def error_line(self, field_id: str) -> Static:
        """An (empty) error line for one field, shown beside it when its error comes."""
        return Static(id=field_id, classes="error")

    def told(self, widget: W, message: Message) -> W:
        """Shows ``message`` on ``widget`` and again in each language chosen later.

        Only words filled with values need this: words of a message id alone are told again
        in the new language anyway.

        Args:
            widget: A static, button, checkbox, radio button, input (its placeholder) or
                Markdown document.
            message: A message id, or a function of the translator making the words.
        """
        self.words.tell(widget, message)
        return widget

    # --- the language switch -----------------------------------------------------------------

    @on(Button.Pressed, "#language")
    def action_switch_language(self) -> None:
        """中文/English: every screen of the kiosk speaks the other language from now on; what
        was entered stays as it is."""
        translator = self.chrome.translator
        before = translator.language
        translator.use(translator.next_language())
        for screen in self.app.screen_stack:
            if isinstance(screen, WizardScreen):
                screen.language_changed(before)

    def language_changed(self, before: str) -> None:
        """Tells this screen's words again in the language now spoken.

        Screens with words of their own making (a document, a table) extend this.

        Args:
            before: The language the words were in.
        """
        self.words.retell(self, before)
        # A busy button's spinner draws its words from the call in flight: those change too.
        for pending in self._calls.values():
            pending.label = self.words.again(pending.label, before) or pending.label
        self._turn_spinner()
        if self.chrome.demo is not None:
            for banner in self.query(DemoBanner):
                banner.refresh_code()
        for indicator in self.query(StepIndicator):
            indicator.rename([self._(name) for name in STEP_NAMES])
        # Widgets that draw their words themselves draw them again in the new language.
        for widget in self.walk_children(Widget):
            widget.refresh(layout=True)

    def action_help(self) -> None:
        """F1: the step's help."""
        if self.HELP:
            self.app.push_screen(HelpScreen(self.chrome.translator, self._(self.HELP)))

    # --- errors in place ---------------------------------------------------------------------

    def error_target(self, field: str | None, default: str | None = None) -> str:
        """The id of the error line for a DomainError's ``field``.

        Args:
            field: The error's field.
            default: Where errors of a field this screen does not map go (``#form-error``
                unless given).
        """
        if field in self.ERROR_FIELDS:
            return self.ERROR_FIELDS[field]
        return default or self.ERROR_FIELDS.get(None, "form-error")

    def explain(self, error: DomainError) -> str:
        """The words for an error, in this screen's language."""
        return self.chrome.translator.explain(error)

    def _explaining(self, error: DomainError) -> Callable[[Translator], str]:
        """Makes the words of ``error`` in whatever language is spoken when asked."""
        return lambda _translator: self.explain(error)

    def show_errors(self, errors: Iterable[DomainError], *, default: str | None = None) -> None:
        """Shows each error beside its field (the first one per field).

        Args:
            errors: What went wrong.
            default: Where errors of unmapped fields go (see :meth:`error_target`).
        """
        shown: list[Static] = []
        for error in errors:
            line = self.query_one(f"#{self.error_target(error.field, default)}", Static)
            if line in shown:
                continue
            shown.append(line)
            self.told(line, self._explaining(error))
            line.add_class("-shown")
        if shown:
            # An error the parent cannot see is no help: bring the first one into view.
            self.call_after_refresh(shown[0].scroll_visible, animate=False)

    def show_error(self, error: DomainError | DomainErrors, *, default: str | None = None) -> None:
        """Shows one error (or one per field) beside its field (see :meth:`show_errors`)."""
        errors = error.errors if isinstance(error, DomainErrors) else (error,)
        self.show_errors(errors, default=default)

    def clear_errors(self, *field_ids: str) -> None:
        """Empties the given error lines (all of them when none are given)."""
        lines = (
            [self.query_one(f"#{field_id}", Static) for field_id in field_ids]
            if field_ids
            else list(self.query(".error").results(Static))
        )
        for line in lines:
            # Only lines that show something: an update costs a layout, and this runs per key.
            if line.has_class("-shown"):
                self.words.forget(line)
                line.update("")
                line.remove_class("-shown")

    # --- registry calls ----------------------------------------------------------------------

    def call_registry(
        self,
        button: Button,
        work: Callable[[], Awaitable[T]],
        done: Callable[[T], object],
        *,
        failed: Callable[[DomainError], None] | None = None,
        error_at: str | None = None,
    ) -> None:
        """Runs ``work`` in a worker while ``button`` shows that it is busy.

        The rest of the screen stays usable; pressing ``button`` again does nothing until the
        answer comes. A :class:`DomainError` is shown beside its field (after ``failed``, when
        given, had a look at it); anything else unexpected is shown as a registry error.

        Args:
            button: The button that asked (it shows the spinner).
            work: Makes the coroutine to run (e.g. a client call).
            done: Gets the result, on the screen's thread.
            failed: Gets a DomainError before it is shown (to reset a field, say).
            error_at: The error line for errors of fields this screen does not map (the one
                nearest ``button``, so the answer appears where the parent acted).
        """
        if any(pending.button is button for pending in self._calls.values()):
            return

        async def run() -> T:
            return await work()

        label = str(button.label)
        worker: Worker[T] = self.run_worker(
            run(), name=button.id or "registry", group="registry", exit_on_error=False
        )
        self._calls[worker] = _Pending(button, label, done, failed, error_at)
        button.add_class("-busy")
        self._turn_spinner()
        if self._spinner is None:
            self._spinner = self.set_interval(SPINNER_INTERVAL, self._turn_spinner)

    @property
    def is_busy(self) -> bool:
        """Whether a registry call is in flight."""
        return bool(self._calls)

    def _turn_spinner(self) -> None:
        if self.app.animation_level != "none":
            self._spin = (self._spin + 1) % len(SPINNER)
        frame = SPINNER[self._spin]
        for pending in self._calls.values():
            pending.button.label = f"{frame} {pending.label}"

    @on(Worker.StateChanged)
    def _registry_answered(self, event: Worker.StateChanged) -> None:
        pending = self._calls.get(event.worker)
        if pending is None or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        del self._calls[event.worker]
        pending.button.label = pending.label
        pending.button.remove_class("-busy")
        if not self._calls and self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
        if event.state is WorkerState.SUCCESS:
            pending.done(event.worker.result)
        elif event.state is WorkerState.ERROR:
            error = event.worker.error
            if not isinstance(error, DomainError):
                # A bug or a surprise, not the parent's doing: keep it out of their way but
                # in the log (without the data: an exception's text may carry personal data).
                log.error("registry call %s failed: %s", event.worker.name, type(error).__name__)
                error = DomainError(ErrorCode.REGISTRY_ERROR)
            if pending.failed is not None:
                pending.failed(error)
            self.show_error(error, default=pending.error_at)


def focus_first(widgets: Iterable[Widget]) -> None:
    """Focuses the first focusable widget of ``widgets``."""
    for widget in widgets:
        if widget.focusable:
            widget.focus()
            return
