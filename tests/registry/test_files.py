"""The registry's secrets and data are its owner's alone: made 0600 in 0700, and a secret others
can read is refused at start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from kiosk.domain.contact import Channel, Contact
from registry.app import create_app
from registry.cli.common import prepare_database
from registry.notify.messages import code_message
from registry.notify.outbox import FileOutbox
from registry.settings import RegistrySettings
from store.engine import sqlite_url


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _settings(data: Path) -> RegistrySettings:
    return RegistrySettings(data_dir=data, database_url=sqlite_url(data / "registry.db"))


def test_a_new_registry_makes_its_files_for_its_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = _settings(data)
    prepare_database(settings)
    create_app(settings)
    FileOutbox(data / "outbox.jsonl").send(
        code_message(Contact(Channel.EMAIL, "a@example.org"), "123456", minutes=60)
    )
    assert _mode(data) == 0o700
    for name in ("registry.db", "registry-signing-key.pem", "code-pepper.key", "outbox.jsonl"):
        assert _mode(data / name) == 0o600, name


@pytest.mark.parametrize("secret", ["registry-signing-key.pem", "code-pepper.key"])
def test_a_secret_others_can_read_is_refused(tmp_path: Path, secret: str) -> None:
    settings = _settings(tmp_path / "data")
    prepare_database(settings)
    create_app(settings)
    (tmp_path / "data" / secret).chmod(0o644)
    with pytest.raises(ValueError, match="open to group or others"):
        create_app(settings)


def test_a_secret_behind_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data")
    prepare_database(settings)
    create_app(settings)
    pepper = tmp_path / "data" / "code-pepper.key"
    pepper.rename(tmp_path / "elsewhere.key")
    pepper.symlink_to(tmp_path / "elsewhere.key")
    with pytest.raises(OSError):
        create_app(settings)
