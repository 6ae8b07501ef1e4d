"""Reusable widgets of the wizard: StepIndicator, CodeInput, SignaturePad, QrCode."""

from __future__ import annotations

from screens.widgets.code_input import CodeInput
from screens.widgets.qr_code import QrCode, QrTooLarge
from screens.widgets.signature_pad import SignatureCanvas, SignaturePad, Stroke, Strokes
from screens.widgets.step_indicator import StepIndicator

__all__ = [
    "CodeInput",
    "QrCode",
    "QrTooLarge",
    "SignatureCanvas",
    "SignaturePad",
    "StepIndicator",
    "Stroke",
    "Strokes",
]
