"""Step 3: 同意個資使用聲明 — the full statement, the box to tick, 不同意並退出."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Final

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Checkbox, Markdown, Static

from kiosk.domain.consent import ConsentStatement, load_statement
from kiosk.domain.errors import N_, DomainError, ErrorCode
from screens.base import BACK, Back, Chrome, WizardScreen
from screens.widgets.marks import MarkedCheckbox

QUESTION: Final = N_("Please read the personal-data statement below")
VERSION: Final = N_("Statement version {version}, in force since {effective}")
AGREE: Final = N_("I have read and agree to the statement above")
DECLINE: Final = N_("Disagree and exit")
NEXT: Final = N_("Next")
HELP: Final = N_(
    "Read the personal-data statement (scroll with the arrow keys, Page Down or the mouse), "
    "tick 「I have read and agree to the statement above」 and press 「Next」.\n\n"
    "「Disagree and exit」 discards everything entered so far and returns to the start."
)


@dataclass(frozen=True, slots=True)
class ConsentAccepted:
    """The parent ticked the box and went on.

    Attributes:
        version: The version of the statement accepted (the application records it).
    """

    version: str


@dataclass(frozen=True, slots=True)
class ConsentDeclined:
    """不同意並退出: discard everything, back to the Welcome screen."""


ConsentResult = ConsentAccepted | ConsentDeclined | Back


class ConsentScreen(WizardScreen[ConsentResult]):
    """The statement, scrollable; the box must be ticked before 下一步.

    Args:
        chrome: Words, help line, demo banner.
        statement: The statement in the screen's language, with its version.
        accepted: Whether the box was ticked before (after 返回).
        translations: Gives the statement in another language, when the parent switches (the
            statement file's).
    """

    STEP: ClassVar[int] = 3
    HELP: ClassVar[str] = HELP
    ERROR_FIELDS: ClassVar[dict[str | None, str]] = {None: "consent-error"}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def __init__(
        self,
        chrome: Chrome,
        *,
        statement: ConsentStatement,
        accepted: bool = False,
        translations: Callable[[str], ConsentStatement] = load_statement,
    ) -> None:
        super().__init__(chrome)
        self._given = statement
        self._translations = translations
        self._statement = self._in_language(chrome.translator.language)
        self._accepted = accepted

    def _in_language(self, language: str) -> ConsentStatement:
        """The statement in ``language`` (the one given, where it is in that language)."""
        if self._given.language == language:
            return self._given
        other = self._translations(language)
        # Only the same version in other words: what the parent accepts must not change.
        return other if other.version == self._given.version else self._given

    def _version_words(self) -> str:
        statement = self._statement
        return self._(VERSION).format(
            version=statement.version,
            effective=self.chrome.translator.date(date.fromisoformat(statement.effective)),
        )

    def compose_body(self) -> ComposeResult:
        """The statement in a scrolling box, its version, and the box to tick."""
        _ = self._
        yield Static(_(QUESTION), classes="heading")
        with VerticalScroll(id="statement"):
            yield Markdown(self._statement.text, id="statement-text")
        yield self.told(Static(classes="hint"), lambda _t: self._version_words())
        yield MarkedCheckbox(_(AGREE), value=self._accepted, id="agree")
        yield self.error_line("consent-error")

    def compose_actions(self) -> ComposeResult:
        """返回 and 不同意並退出 left, 下一步 right."""
        _ = self._
        yield Button(_(BACK), id="back")
        yield Button(_(DECLINE), id="decline", variant="error")
        yield self.spacer()
        yield Button(_(NEXT), id="next", variant="primary")

    def on_mount(self) -> None:
        """The statement first: it can be scrolled with the keys at once."""
        self.query_one("#statement").focus()

    def language_changed(self, before: str) -> None:
        """The statement, too, in the language now spoken (same version, same place)."""
        self._statement = self._in_language(self.chrome.translator.language)
        self.query_one("#statement-text", Markdown).update(self._statement.text)
        super().language_changed(before)

    @on(Checkbox.Changed, "#agree")
    def _ticked(self, event: Checkbox.Changed) -> None:
        self.clear_errors()
        if event.value and event.checkbox.has_focus:
            # Ticked with the keys: the next Enter goes on (not through 返回 and 不同意並退出).
            self.query_one("#next").focus()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        if not self.query_one("#agree", Checkbox).value:
            self.show_error(DomainError(ErrorCode.DRAFT_CONSENT_REQUIRED))
            self.query_one("#agree").focus()
            return
        self.dismiss(ConsentAccepted(self._statement.version))

    @on(Button.Pressed, "#decline")
    def _decline(self) -> None:
        self.dismiss(ConsentDeclined())

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        """返回: to the students."""
        self.dismiss(Back())
