"""``registry config-reference``: the registry's settings as the operators' guide shows them."""

from __future__ import annotations

import argparse

from kiosk.domain.settings_doc import settings_reference
from registry.settings import RegistrySettings

#: The heading of the registry's section in docs/OPERATIONS.md.
TITLE = "Registry settings (`REGISTRY_*` environment, or `registry serve` flags)"


def reference() -> str:
    """The Markdown table of every registry setting, from the settings model's docstrings."""
    return settings_reference(RegistrySettings, env_prefix="REGISTRY_", title=TITLE)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Adds ``config-reference``."""
    command = subparsers.add_parser(
        "config-reference",
        help="print every registry setting with its environment variable, default and meaning "
        "(Markdown, as in docs/OPERATIONS.md)",
    )
    command.set_defaults(handler=_print)


def _print(args: argparse.Namespace) -> int:
    print(reference(), end="")
    return 0
