"""Reusable widgets of the wizard: StepIndicator, CodeInput, SignaturePad, QrCode,
RelationshipPicker, SchoolPicker."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from screens.widgets.code_input import CodeInput
    from screens.widgets.qr_code import QrCode, QrTooLarge
    from screens.widgets.relationship_picker import RelationshipPicker
    from screens.widgets.school_picker import SchoolPicker
    from screens.widgets.signature_pad import SignatureCanvas, SignaturePad, Stroke, Strokes
    from screens.widgets.step_indicator import StepIndicator

__all__ = [
    "CodeInput",
    "QrCode",
    "QrTooLarge",
    "RelationshipPicker",
    "SchoolPicker",
    "SignatureCanvas",
    "SignaturePad",
    "StepIndicator",
    "Stroke",
    "Strokes",
]

# Imported at first use: the Welcome screen needs the step indicator alone, not every widget.
_LAZY: Final = {
    "CodeInput": "screens.widgets.code_input",
    "QrCode": "screens.widgets.qr_code",
    "QrTooLarge": "screens.widgets.qr_code",
    "RelationshipPicker": "screens.widgets.relationship_picker",
    "SchoolPicker": "screens.widgets.school_picker",
    "SignatureCanvas": "screens.widgets.signature_pad",
    "SignaturePad": "screens.widgets.signature_pad",
    "Stroke": "screens.widgets.signature_pad",
    "Strokes": "screens.widgets.signature_pad",
    "StepIndicator": "screens.widgets.step_indicator",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
