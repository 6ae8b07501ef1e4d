"""Choosing a school from a level's list: a search over the list, and the list itself.

A level has up to ~140 schools, so typing part of a name narrows the list to the names holding
it, folded as ``kiosk.domain.schools`` folds them (full-width letters, case, 台 for 臺). The list
is inline and height-bounded, not a dropdown: a dropdown is an overlay, where Textual drops CJK
characters straddling widget edges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Final, Self

from textual import events, getters, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.domain.schools import school_name_matches

if TYPE_CHECKING:
    from kiosk.domain.wire import SchoolOut

SCHOOL_SEARCH: Final = N_("Type part of the school's name to search")
NO_SCHOOL_MATCHES: Final = N_("No school matches")
#: Before the school chosen, and before the others (characters of one width on every terminal).
CHOSEN: Final = "(*)"
NOT_CHOSEN: Final = "( )"
#: Before the row the keys are on, while the list has the focus.
CURSOR: Final = ">"


class SchoolPicker(Widget):
    """A search field, the schools whose names hold what is typed, or 查無符合的學校.

    A school is chosen with Enter or a tap in the list (merely highlighted is not chosen), or with
    Enter in the search when it leaves one school. What is chosen is always in the list,
    highlighted: a school the search leaves out is no longer chosen.

    The state shows in shape, not only in colour: the school chosen is marked ``(*)``, the
    others ``( )``, and the row the keys are on (while the list has the focus) ``>``.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("down", "into_list", show=False)]
    """
    | Key(s) | Description |
    | :- | :- |
    | down | In the search: on into the list (as Tab goes), its first school highlighted. |
    """

    DEFAULT_CSS = """
    SchoolPicker {
        width: 1fr;
        height: auto;
        /* About eight schools at a time, the rest by scrolling. */
        & > OptionList {
            height: auto;
            max-height: 10;
        }
        /* In place of the list; in line with the names. */
        & > #school-none {
            color: $text-warning;
            padding: 0 2;
        }
    }
    """

    value: reactive[str | None] = reactive(None, init=False)
    """The code of the school chosen, or None; only a school in the list can be chosen."""

    _search_field = getters.query_one("#school-search", Input)
    _school_list = getters.query_one("#school", OptionList)
    _none = getters.query_one("#school-none", Static)

    @dataclass
    class Changed(Message):
        """Posted when the school chosen changes (to None when the search leaves it out).

        Can be handled using `on_school_picker_changed` in a subclass of `SchoolPicker` or in a
        parent widget in the DOM.
        """

        school_picker: SchoolPicker
        """The `SchoolPicker` that changed."""

        value: str | None
        """The code of the school now chosen, or None."""

        @property
        def control(self) -> SchoolPicker:
            """Alias for self.school_picker."""
            return self.school_picker

    @dataclass
    class Selected(Message):
        """Posted when the parent chooses a school, even the one chosen already (to ask again).

        Can be handled using `on_school_picker_selected` in a subclass of `SchoolPicker` or in a
        parent widget in the DOM.
        """

        school_picker: SchoolPicker
        """The `SchoolPicker` in which a school was chosen."""

        value: str
        """The code of the school chosen."""

        @property
        def control(self) -> SchoolPicker:
            """Alias for self.school_picker."""
            return self.school_picker

    def __init__(
        self,
        translator: Translator,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Initialise the school picker (empty until :meth:`set_schools`).

        Args:
            translator: Gives the words of the search's placeholder and of 查無符合的學校.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: The CSS classes of the widget.
            disabled: Whether the widget is disabled or not.
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._ = translator.gettext
        self._schools: tuple[SchoolOut, ...] = ()
        # The codes of the schools in the list now, in its order.
        self._codes: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        """The search, the list, and the line shown instead of an empty list."""
        yield Input(placeholder=self._(SCHOOL_SEARCH), id="school-search")
        # Neither the list nor 查無符合的學校 until the schools come: "none match" would be untrue.
        listed = OptionList(id="school")
        listed.display = False
        yield listed
        none = Static(self._(NO_SCHOOL_MATCHES), id="school-none")
        none.display = False
        yield none

    @property
    def search(self) -> str:
        """What is typed in the search (setting it narrows the list as typing would)."""
        return self._search_field.value

    @search.setter
    def search(self, text: str) -> None:
        self._search_field.value = text
        self._list_matches()

    def set_schools(self, schools: Iterable[SchoolOut], *, value: str | None = None) -> None:
        """Lists ``schools`` (those matching the search) with the school ``value`` chosen.

        Args:
            schools: Every school to choose from, in the order to list them.
            value: The code of the school to show chosen (None, or one not listed: none).
        """
        self._schools = tuple(schools)
        self._list_matches()
        self.value = value
        # The list was made anew: highlight the choice again even where it did not change.
        self._highlight()

    def clear_search(self) -> None:
        """Empties the search (the list follows)."""
        self._search_field.value = ""

    def focus(self, scroll_visible: bool = True) -> Self:
        """Focuses the search.

        Args:
            scroll_visible: Scroll parent to make the search visible.
        """
        self._search_field.focus(scroll_visible)
        return self

    def focus_list(self) -> None:
        """Focuses the list (to choose a school from it)."""
        self._school_list.focus()

    def validate_value(self, value: str | None) -> str | None:
        """Only a school in the list can be chosen."""
        return value if value in self._codes else None

    def watch_value(self, value: str | None) -> None:
        """Highlights the school chosen and tells the parent."""
        self._highlight()
        self.post_message(self.Changed(self, value))

    def action_into_list(self) -> None:
        """On into the list, its first school highlighted when none is."""
        listed = self._school_list
        if not listed.option_count:
            return
        if listed.highlighted is None:
            listed.highlighted = 0
        listed.focus()

    def _list_matches(self) -> None:
        """Lists the schools whose names hold what is typed (all when nothing is)."""
        typed = self.search
        shown = [school for school in self._schools if school_name_matches(typed, school.name)]
        self._codes = tuple(school.code for school in shown)
        listed = self._school_list
        listed.set_options(
            Option(self._prompt(school.code, school.name), id=school.code) for school in shown
        )
        listed.display = bool(shown)
        self._none.display = not shown

    def _prompt(self, code: str, name: str, *, cursor: bool = False) -> str:
        return f"{CURSOR if cursor else ' '}{CHOSEN if code == self.value else NOT_CHOSEN} {name}"

    def _mark_chosen(self) -> None:
        """Marks the school chosen ``(*)``, the others ``( )``, the row the keys are on ``>``."""
        names = {school.code: school.name for school in self._schools}
        listed = self._school_list
        at = listed.highlighted if listed.has_focus else None
        for index, code in enumerate(self._codes):
            prompt = self._prompt(code, names[code], cursor=index == at)
            if str(listed.get_option(code).prompt) != prompt:
                listed.replace_option_prompt(code, prompt)

    def _highlight(self) -> None:
        self._mark_chosen()
        if self.value is not None:
            self._school_list.highlighted = self._codes.index(self.value)

    def _choose(self, code: str) -> None:
        self.value = code
        self.post_message(self.Selected(self, code))

    @on(Input.Changed, "#school-search")
    def _on_search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._list_matches()
        if self.value not in self._codes:
            self.value = None
        self._highlight()

    @on(Input.Submitted, "#school-search")
    def _on_search_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search: the one school left is chosen; among several, on to the list."""
        event.stop()
        listed = self._school_list
        if listed.option_count == 1:
            listed.highlighted = 0
            self._choose(self._codes[0])
        else:
            self.action_into_list()

    @on(OptionList.OptionHighlighted, "#school")
    @on(events.DescendantFocus)
    @on(events.DescendantBlur)
    def _on_cursor_moved(self) -> None:
        listed = self._school_list
        if listed.has_focus and listed.highlighted is None and listed.option_count:
            listed.highlighted = 0  # Tabbed in: the keys are on the first school, Enter takes it
        if self._codes:
            self._mark_chosen()

    @on(OptionList.OptionSelected, "#school")
    def _on_school_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._choose(event.option.id)
