"""Fixtures of the fault tests: a real registry per module, a fresh kiosk per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.live import Kiosk, LiveRegistry, demo_template, kiosk_app, running_registry


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data in a registry database, loaded once per run."""
    return demo_template(tmp_path_factory.getbasetemp() / "registry-template")


@pytest.fixture(scope="module")
def registry(
    registry_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveRegistry]:
    """The registry serving on 127.0.0.1 with the demo data, for this module's tests."""
    with running_registry(tmp_path_factory.mktemp("registry"), registry_template) as live:
        yield live


@pytest.fixture
def kiosk(registry: LiveRegistry, tmp_path: Path) -> Iterator[Kiosk]:
    """A kiosk of this test's own (fresh local database) talking to the module's registry."""
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as made:
        yield made
