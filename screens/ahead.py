"""A screen built ahead of its turn: composed and mounted behind the screen on show, so that the
tap that asks for it shows it at once.

Textual composes a screen when it is first pushed, and mounting and styling a step's widgets is
much of a tap's time (a parent's first step: ~25 ms of the ~50 ms from the tap to the new screen
drawn; bench/performance-notes.md, fourth round); laying it out and rendering its widgets' lines
is most of the rest (~30 ms; fifth round). While the Welcome waits for the next parent, the
wizard has the first step built here, laid out at the terminal's size and its lines rendered
(the widgets keep them); the tap then only puts it on the stack and sends those lines.

A screen built ahead holds nothing of anyone: it is made fresh, with empty fields, before the
next parent comes, and is used once (taken, it is the wizard's like any screen it pushes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from textual.app import App
from textual.geometry import NULL_SIZE
from textual.screen import Screen

S = TypeVar("S", bound=Screen[Any])


class Ahead(Generic[S]):
    """At most one screen built ahead, for one key (what it was built for: its language, say).

    Args:
        app: The app the screen is built in.
    """

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._screen: S | None = None
        self._key: Hashable = None
        self._drawn = False

    @property
    def held(self) -> S | None:
        """The screen built ahead and held now (None if none)."""
        return self._screen

    @property
    def drawn(self) -> bool:
        """Whether the screen held is built, laid out and its lines rendered: all a tap needs."""
        return self._screen is not None and self._drawn

    def prepare(self, key: Hashable, build: Callable[[], S]) -> None:
        """Has a screen for ``key`` built behind the one on show (nothing if one is ready for
        it; one built for another key goes)."""
        if self._screen is not None and self._key == key:
            return
        self.discard()
        screen = build()
        # What push_screen does first with a screen it has not seen (Textual's App._get_screen):
        # the screen is registered, and composes and mounts itself, while not on the stack.
        # Textual has no public call for it; it is pinned (requirements.lock), and
        # tests/ui/test_first_step_ahead.py fails should this stop holding.
        self._app._register(self._app, screen)
        self._screen, self._key, self._drawn = screen, key, False
        # Once composed and mounted (after the next refresh).
        screen.call_after_refresh(self._draw, screen)

    def _draw(self, screen: S) -> None:
        """Lays the screen held out at the terminal's size and renders its lines, off screen.

        What Textual does when a screen comes on the stack (``Screen._refresh_layout`` at the
        app's size, then the compositor's full update), done here while the Welcome waits: each
        widget keeps its rendered lines (drawn again on the push only where something changed:
        the focused field's cursor). Only the screen's own size is forgotten, so that its push
        still lays it out — reusing all of this — and draws it at once, as a screen pushed new
        is (a screen already at its size would wait for the next frame to be drawn). A terminal
        resized meanwhile is laid out anew, as for any screen. Nothing is sent to the terminal
        here. Textual's private calls, as ``_register`` above; tests/ui/test_first_step_ahead.py
        compares the step drawn so with one built at the tap.
        """
        if screen is not self._screen or not screen.is_attached:
            return
        screen._refresh_layout(self._app.size)
        screen._compositor.render_full_update()
        screen._size = NULL_SIZE
        self._drawn = True

    def take(self, key: Hashable) -> S | None:
        """The screen built for ``key``, no longer held here (None if none is ready for it)."""
        if self._screen is None or self._key != key:
            return None
        screen, self._screen = self._screen, None
        self._drawn = False
        return screen

    def discard(self) -> None:
        """Removes the screen held (if any) from the app."""
        if self._screen is not None:
            screen, self._screen, self._drawn = self._screen, None, False
            screen.remove()
