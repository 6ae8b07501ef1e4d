"""The snapshot harness: deterministic pictures of widgets and screens, at both kiosk sizes.

Every snapshot test takes the ``snap`` fixture and runs twice, at 100×32 and at 80×24 (the
``terminal_size`` fixture is parametrised, so a test cannot forget one). ``snap`` takes the
picture the same way each time: theme ``textual-dark``, no animations, and no blinking cursors,
after any clicks and keys the test asks for. Host apps put what is under test on a screen:
``snap(WidgetHost(CodeInput()))`` shows one widget (or a few), ``snap(ScreenHost(screen,
css_path=...), press=["tab"])`` pushes one screen styled with the app's stylesheets; give a
host more CSS by subclassing it (``class Host(WidgetHost): CSS = WidgetHost.CSS + "..."``).
Each snapshot test's docstring says what its picture must show. Screens that show or compare
times get the ``frozen_clock`` fixture (a ``Callable[[], datetime]`` stopped at
:data:`FROZEN_NOW`) instead of the real clock.

A real app (e.g. one built by the app factory) can be passed to ``snap`` as well. The SVGs land
in ``tests/snapshots/__snapshots__/<test file>/``; make them with
``.venv/bin/pytest tests/snapshots/... --snapshot-update`` and look at every one (``rsvg-convert
-o /tmp/x.png file.svg``) before committing it.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any, Final, Protocol

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

#: The two terminal sizes every picture is taken at: a roomy kiosk and a large kiosk font.
SIZES: Final[Mapping[str, tuple[int, int]]] = {"100x32": (100, 32), "80x24": (80, 24)}
#: The theme every picture is taken in (set explicitly: TEXTUAL_THEME must not change it).
THEME: Final = "textual-dark"

#: The instant every picture is taken at: 09:00 in Taipei on a school day (kept in UTC).
FROZEN_NOW: Final = datetime(2025, 9, 1, 1, 0, tzinfo=UTC)

RunBefore = Callable[[Pilot[Any]], Awaitable[None] | None]
"""Something to do to the running app before the picture: click, hover, set a value."""


class Snap(Protocol):
    """The ``snap`` fixture: takes the picture of ``app`` and compares it with the stored one."""

    def __call__(
        self, app: App[Any], *, press: Iterable[str] = (), run_before: RunBefore | None = None
    ) -> bool:
        """Runs ``app`` headless, does ``run_before`` then presses ``press``, and compares.

        Args:
            app: The app to picture (see :class:`WidgetHost` and :class:`ScreenHost`).
            press: Keys to press after ``run_before`` (Textual key names, e.g. ``"tab"``).
            run_before: Clicks, hovers or other setup, with the app's pilot.

        Returns:
            Whether the picture matches the stored SVG (always true with --snapshot-update).
        """
        ...


def freeze_cursors(app: App[Any]) -> None:
    """Stops every text cursor from blinking, so it is drawn the same in every picture.

    A blinking cursor is visible or not depending on when the picture is taken; a steady one is
    always drawn while its field has focus.
    """
    for screen in app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
        for area in screen.query(TextArea):
            area.cursor_blink = False


class WidgetHost(App[None]):
    """Puts the given widgets on a plain screen, one below the other, with a little margin.

    The first focusable widget gets focus (``App.AUTO_FOCUS``); a test that wants nothing
    focused calls ``pilot.app.set_focus(None)`` in its ``run_before``.

    Args:
        *widgets: What is under test (made fresh for each picture).
    """

    CSS = """
    Screen {
        padding: 1 2;
    }
    """

    def __init__(self, *widgets: Widget) -> None:
        super().__init__()
        self._widgets = widgets
        self.animation_level = "none"
        self.theme = THEME

    def compose(self) -> ComposeResult:
        """The widgets under test."""
        yield from self._widgets


class ScreenHost(App[None]):
    """Shows one screen, as the kiosk would push it, styled with the app's stylesheets.

    Args:
        screen: The screen under test.
        css_path: The app's ``.tcss`` files (so the screen looks as it does in the kiosk); give
            absolute paths (Textual reads relative ones from this file's folder).
    """

    def __init__(
        self,
        screen: Screen[Any],
        *,
        css_path: str | PurePath | Sequence[str | PurePath] | None = None,
    ) -> None:
        super().__init__(
            css_path=[css_path] if isinstance(css_path, (str, PurePath)) else list(css_path or ())
        )
        self._screen = screen
        self.animation_level = "none"
        self.theme = THEME

    def on_mount(self) -> None:
        """Pushes the screen under test."""
        self.push_screen(self._screen)


@pytest.fixture(scope="session", autouse=True)
def _clean_environment() -> None:
    """Refuses to take pictures in an environment that changes how Textual draws."""
    changing = sorted(
        name
        for name in os.environ
        if name == "NO_COLOR"
        or (name.startswith("TEXTUAL_") and not name.startswith("TEXTUAL_SNAPSHOT_"))
    )
    if changing:
        pytest.fail(
            f"unset {', '.join(changing)}: they change every snapshot (.ci/run unsets them)",
            pytrace=False,
        )


@pytest.fixture
def frozen_clock() -> Callable[[], datetime]:
    """A clock stopped at :data:`FROZEN_NOW`, to inject into screens that show or compare times."""
    return lambda: FROZEN_NOW


@pytest.fixture(params=list(SIZES.values()), ids=list(SIZES))
def terminal_size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """Each size of :data:`SIZES` in turn: every snapshot test runs at both."""
    size: tuple[int, int] = request.param
    return size


@pytest.fixture
def snap(snap_compare: Callable[..., bool], terminal_size: tuple[int, int]) -> Snap:
    """Takes a deterministic picture of an app at this test's terminal size (see :class:`Snap`)."""

    def compare(
        app: App[Any], *, press: Iterable[str] = (), run_before: RunBefore | None = None
    ) -> bool:
        keys = tuple(press)
        # Before the app runs: nothing may move while the picture is taken.
        app.animation_level = "none"

        async def prepare(pilot: Pilot[Any]) -> None:
            pilot.app.theme = THEME
            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            if keys:
                await pilot.press(*keys)
            freeze_cursors(pilot.app)
            await pilot.pause()

        return snap_compare(app, terminal_size=terminal_size, run_before=prepare)

    return compare
