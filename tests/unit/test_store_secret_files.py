"""Every secret file by one rule: a `kiosk.key` open to others is refused as `seal.key` is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.app import build_services
from kiosk.keys import KeyFileError, create_key, load_key, public_key_b64
from kiosk.settings import KioskSettings
from store.sealing import Sealer


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_kiosk_key_open_to_group_or_others_is_refused_like_the_seal_key(
    tmp_path: Path, mode: int
) -> None:
    kiosk_key, seal_key = tmp_path / "kiosk.key", tmp_path / "seal.key"
    made = create_key(kiosk_key)
    Sealer.from_key_file(seal_key)
    for path in (kiosk_key, seal_key):
        os.chmod(path, mode)
    with pytest.raises(KeyFileError, match=f"mode {mode:o}"):
        load_key(kiosk_key)
    with pytest.raises(KeyFileError, match=f"mode {mode:o}"):
        Sealer.from_key_file(seal_key)

    # Put right, the same key serves again (nothing was replaced).
    os.chmod(kiosk_key, 0o600)
    assert public_key_b64(load_key(kiosk_key)) == public_key_b64(made)


def test_a_kiosk_key_behind_a_link_is_refused(tmp_path: Path) -> None:
    create_key(tmp_path / "real.key")
    (tmp_path / "kiosk.key").symlink_to(tmp_path / "real.key")
    with pytest.raises(KeyFileError):
        load_key(tmp_path / "kiosk.key")


def test_a_kiosk_with_a_world_readable_key_does_not_start(tmp_path: Path) -> None:
    """Start-up stops with the reason (the CLI prints it); nothing is signed with that key."""
    create_key(tmp_path / "kiosk.key")
    os.chmod(tmp_path / "kiosk.key", 0o644)
    settings = KioskSettings.load(
        None, data_dir=tmp_path, registry={"url": "http://127.0.0.1:9", "kiosk_id": "k1"}
    )
    with pytest.raises(KeyFileError, match=r"kiosk\.key is open to group or others"):
        build_services(settings, background_sync=False)
    # The kiosk neither "fixes" the mode nor makes another key: staff decide.
    assert (tmp_path / "kiosk.key").stat().st_mode & 0o777 == 0o644
