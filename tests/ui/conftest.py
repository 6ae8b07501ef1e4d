"""Fixtures of the wizard's pilot tests: the demo data once per module, a kiosk per test.

Each module says which registry its tests share (the fixture ``registry``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.live import Kiosk, LiveRegistry, demo_template, kiosk_app


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo data in a registry database (shared by every module of the run)."""
    return demo_template(tmp_path_factory.getbasetemp() / "registry-template")


@pytest.fixture
def kiosk(registry: LiveRegistry, tmp_path: Path) -> Iterator[Kiosk]:
    """A kiosk of the test's own."""
    with kiosk_app(tmp_path / "kiosk", registry.url, registry.kiosk_id, registry.key) as made:
        yield made
