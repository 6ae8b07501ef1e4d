"""The application form 「下載留存」: a PDF of the application and the consent form to sign.

Build the form's :class:`FormData` from the submitted Draft with :func:`form_data`, make the PDF
with :func:`render_form` (fonts found by :func:`find_fonts`), and print or save it with
:func:`deliver_form`. Everything here stands on :mod:`kiosk.domain`, fpdf2 and the standard
library only: no screens, no store, no registry.
"""

from __future__ import annotations

from kiosk.forms.data import TAIWAN_TIME, FormData, FormParent, FormStudent, form_data
from kiosk.forms.delivery import Delivery, DeliveryKind, deliver_form
from kiosk.forms.errors import FontMissing, FormError, PrintFailed, SaveFailed
from kiosk.forms.fonts import DEFAULT_FAMILIES, FontFile, FormFonts, find_fonts
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
