"""Fixtures of the fault tests: the end-to-end tests' registry per module and kiosk per test."""

from __future__ import annotations

from tests.e2e.conftest import kiosk, registry, registry_template

__all__ = ["kiosk", "registry", "registry_template"]
