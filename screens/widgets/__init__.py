"""Reusable widgets of the wizard: StepIndicator, CodeInput, SignaturePad, QrCode,
RelationshipPicker, SchoolPicker."""

from __future__ import annotations

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
