"""The import contracts in pyproject.toml name every module of the kiosk.

import-linter checks only the modules a contract names: a new kiosk module missing from the
layers, or from the registry's forbidden list, would escape both. These tests fail until it is
given its place.
"""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path
from typing import Any

import kiosk

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> list[dict[str, Any]]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _kiosk_modules() -> set[str]:
    """``kiosk.<name>`` of every module and package directly in ``kiosk``, but the domain."""
    return {
        f"kiosk.{info.name}"
        for info in pkgutil.iter_modules(kiosk.__path__)
        if info.name not in {"domain", "__main__"}
    }


def test_every_kiosk_module_has_a_layer() -> None:
    [layers] = [c for c in _contracts() if c["type"] == "layers"]
    named = {part.strip() for layer in layers["layers"] for part in layer.split("|")}
    assert _kiosk_modules() - named == set()
    assert {"screens", "store", "kiosk.domain"} <= named


def test_the_registry_is_kept_from_every_kiosk_module_but_the_domain() -> None:
    [contract] = [
        c for c in _contracts() if c["type"] == "forbidden" and c["source_modules"] == ["registry"]
    ]
    assert _kiosk_modules() - set(contract["forbidden_modules"]) == set()
    assert not contract.get("allow_indirect_imports", False)
