"""The language switch (中文/English) and telling the words on screen again in the new language.

Switching never rebuilds a screen: the widgets stay where they are, with what the parent typed,
chose, ticked or signed, and only their words change. Words a screen made from a message id alone
are told again through :meth:`~kiosk.domain.i18n.Translator.retell` (the translator remembers what
it said); words filled with values (an address, a count) are registered by the screen with a
function that makes them again (:class:`Words`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Final, TypeAlias, TypeGuard

from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, RadioButton, Static

from kiosk.domain.i18n import LANGUAGES, Translator

if TYPE_CHECKING:
    from textual.widgets import Markdown

#: The key that switches the language on every parent screen (shown on the switch itself).
SWITCH_KEY: Final = "f2"

#: Words of a widget: a message id, or a function of the translator making them (with values).
Message: TypeAlias = str | Callable[[Translator], str]


def switch_label(translator: Translator) -> str:
    """The switch's words: the key and the other language, named in its own words (a parent who
    cannot read the current language still recognises it)."""
    return f"{SWITCH_KEY.upper()} {LANGUAGES[translator.next_language()]}"


def _is_markdown(widget: Widget) -> TypeGuard[Markdown]:
    """Whether ``widget`` is a Markdown document — without importing Markdown (markdown-it and
    pygments, ~70 ms) for a screen that has none: then no widget can be one."""
    module = sys.modules.get("textual.widgets._markdown")
    return module is not None and isinstance(widget, module.Markdown)


def set_words(widget: Widget, words: str) -> None:
    """Puts ``words`` on a widget that shows text: a static, a button, a toggle's label, an
    input's placeholder, a Markdown document."""
    # One branch per class: their ``label`` and ``update`` are different methods and types.
    if isinstance(widget, Button):  # noqa: SIM114
        widget.label = words
    elif isinstance(widget, Checkbox | RadioButton):
        widget.label = words
    elif isinstance(widget, Input):
        widget.placeholder = words
    elif _is_markdown(widget):  # noqa: SIM114
        widget.update(words)
    elif isinstance(widget, Static):
        widget.update(words)


class Words:
    """The words of one screen that are filled with values, to be made again in a new language.

    Args:
        translator: The kiosk's translator (it speaks the language chosen).
    """

    def __init__(self, translator: Translator) -> None:
        self._translator = translator
        self._told: dict[Widget, Message] = {}
        # What this screen said in each language, back to its message id: where two messages
        # share words in one language (學生: Student, Students), this screen's own one wins.
        self._said: dict[str, dict[str, str]] = {}

    def gettext(self, message: str) -> str:
        """Translates one message id (and remembers it, to tell it again in another language)."""
        words = self._translator.gettext(message)
        self._said.setdefault(self._translator.language, {})[words] = message
        return words

    def make(self, message: Message) -> str:
        """The words of ``message`` in the current language."""
        if isinstance(message, str):
            return self.gettext(message)
        return message(self._translator)

    def again(self, words: str, before: str) -> str | None:
        """``words`` said in ``before``, in the language spoken now (None: not a message's)."""
        message = self._said.get(before, {}).get(words)
        if message is not None:
            return self.gettext(message)
        return self._translator.retell(words, before)

    def tell(self, widget: Widget, message: Message) -> None:
        """Shows ``message`` on ``widget`` now, and again in each language chosen later."""
        self._told[widget] = message
        set_words(widget, self.make(message))

    def forget(self, widget: Widget) -> None:
        """``widget`` no longer shows registered words (an error line emptied, say)."""
        self._told.pop(widget, None)

    def retell(self, root: Widget, before: str) -> None:
        """Tells every word under ``root`` again in the translator's language.

        Args:
            root: The screen (or part of one) whose words change.
            before: The language the words on screen are in now.
        """
        for widget in list(self._told):
            if widget.is_attached:
                set_words(widget, self.make(self._told[widget]))
            else:
                del self._told[widget]
        for widget in _shown(root):
            if widget in self._told:
                continue
            words = _words_of(widget)
            if not words:
                continue
            again = self.again(words, before)
            if again is not None and again != words:
                set_words(widget, again)


def _shown(root: Widget) -> Iterator[Widget]:
    """The widgets under ``root`` that show words (Markdown documents only whole, when told)."""
    for child in root.children:
        yield child
        if not (_is_markdown(child) or isinstance(child, Button)):
            yield from _shown(child)


def _words_of(widget: Widget) -> str | None:
    """The plain words a widget shows, where they can be told again."""
    if isinstance(widget, Button | Checkbox | RadioButton):
        return str(widget.label)
    if isinstance(widget, Input):
        return widget.placeholder
    if _is_markdown(widget):
        return None
    if isinstance(widget, Static):
        # Words with their own styles (a Content) are left to the screen that made them.
        content = widget.content
        return content if isinstance(content, str) else None
    return None
