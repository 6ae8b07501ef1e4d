"""Reusable widgets of the wizard: StepIndicator, CodeInput, SignaturePad."""

from __future__ import annotations

from screens.widgets.code_input import CodeInput
from screens.widgets.signature_pad import SignatureCanvas, SignaturePad, Stroke, Strokes
from screens.widgets.step_indicator import StepIndicator

__all__ = [
    "CodeInput",
    "SignatureCanvas",
    "SignaturePad",
    "StepIndicator",
    "Stroke",
    "Strokes",
]
