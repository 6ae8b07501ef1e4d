"""A screen built ahead of its turn: composed and mounted behind the screen on show, so that the
tap that asks for it shows it at once.

Textual composes a screen when it is first pushed, and mounting and styling a step's widgets is
much of a tap's time (a parent's first step: ~25 ms of the ~50 ms from the tap to the new screen
drawn; bench/performance-notes.md, fourth round). While the Welcome waits for the next parent,
the wizard has the first step built here; the tap then only lays it out and draws it.

A screen built ahead holds nothing of anyone: it is made fresh, with empty fields, before the
next parent comes, and is used once (taken, it is the wizard's like any screen it pushes).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from textual.app import App
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

    @property
    def held(self) -> S | None:
        """The screen built ahead and held now (None if none)."""
        return self._screen

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
        self._screen, self._key = screen, key

    def take(self, key: Hashable) -> S | None:
        """The screen built for ``key``, no longer held here (None if none is ready for it)."""
        if self._screen is None or self._key != key:
            return None
        screen, self._screen = self._screen, None
        return screen

    def discard(self) -> None:
        """Removes the screen held (if any) from the app."""
        if self._screen is not None:
            screen, self._screen = self._screen, None
            screen.remove()
