"""The application form 「下載留存」: a PDF of the application and the consent form to sign.

Build the form's :class:`FormData` from the submitted Draft with :func:`form_data`, make the PDF
with :func:`render_form` (fonts found by :func:`find_fonts`), and print or save it with
:func:`deliver_form`. Everything here stands on :mod:`kiosk.domain`, fpdf2 and the standard
library only: no screens, no store, no registry.

fpdf2 (a quarter of the kiosk's imports before its Welcome) is imported on first use of
:func:`render_form` or :func:`draw_signature`, not with this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kiosk.forms.data import TAIWAN_TIME, FormData, FormParent, FormStudent, form_data
from kiosk.forms.delivery import Delivery, DeliveryKind, deliver_form
from kiosk.forms.errors import FontMissing, FormError, PrintFailed, SaveFailed
from kiosk.forms.fonts import DEFAULT_FAMILIES, FontFile, FormFonts, find_fonts

if TYPE_CHECKING:
    from kiosk.forms.pdf import render_form
    from kiosk.forms.signature import draw_signature

__all__ = [
    "DEFAULT_FAMILIES",
    "TAIWAN_TIME",
    "Delivery",
    "DeliveryKind",
    "FontFile",
    "FontMissing",
    "FormData",
    "FormError",
    "FormFonts",
    "FormParent",
    "FormStudent",
    "PrintFailed",
    "SaveFailed",
    "deliver_form",
    "draw_signature",
    "find_fonts",
    "form_data",
    "render_form",
]


#: The names whose modules import fpdf2: loaded when first asked for.
_LAZY = {"render_form": "kiosk.forms.pdf", "draw_signature": "kiosk.forms.signature"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
