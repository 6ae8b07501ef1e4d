"""The kiosk's themes: Textual's dark one by default, and a high-contrast one for parents who see
poorly (chosen by ``[display] theme = "high-contrast"`` in the kiosk's settings).

High contrast: white text on black (buttons and fields dark grey, so their edges show), the
primary colour a bright yellow (black on it), the accent (the current step) cyan, errors a light
red and successes a light green, every colour well above WCAG AA's 4.5:1 against its background;
muted text is drawn at 90% of full contrast against whatever it sits on.
"""

from __future__ import annotations

from typing import Any, Final

from textual.app import App
from textual.theme import Theme

#: The default theme's name (Textual's own).
DEFAULT_THEME: Final = "textual-dark"
#: The high-contrast theme's name, as the settings spell it.
HIGH_CONTRAST: Final = "high-contrast"

HIGH_CONTRAST_THEME: Final = Theme(
    name=HIGH_CONTRAST,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#00FFFF",
    warning="#FFB000",
    error="#FF6E6E",
    success="#6EFF6E",
    foreground="#FFFFFF",
    background="#000000",
    surface="#303030",
    panel="#303030",
    boost="#FFFFFF",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        # Against whatever they sit on (black, or the yellow header): near full strength.
        "text": "auto 100%",
        "text-muted": "auto 90%",
        "text-disabled": "auto 70%",
        "text-primary": "#FFFF00",
        "text-success": "#6EFF6E",
        "text-warning": "#FFB000",
        "text-error": "#FF6E6E",
        "border": "#FFFFFF",
        "border-blurred": "#B0B0B0",
        "input-selection-background": "#FFFF00 50%",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFFF00",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#404040",
        "footer-key-foreground": "#FFFF00",
        "button-color-foreground": "#000000",
        "scrollbar": "#B0B0B0",
        "scrollbar-hover": "#FFFFFF",
        "scrollbar-active": "#FFFF00",
    },
)


def register_themes(app: App[Any]) -> None:
    """Makes the kiosk's themes known to ``app`` (before one of them is chosen)."""
    app.register_theme(HIGH_CONTRAST_THEME)
