"""Reusable widgets: StepIndicator, CodeInput, SignaturePad."""
