"""``kiosk enroll`` writes the kiosk id into the operator's TOML file, keeping the rest of it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.settings import ConfigError, KioskSettings, record_kiosk_id


def test_the_id_goes_into_the_registry_table_and_comments_and_mode_stay(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '# office kiosk\ndata_dir = "/var/lib/kiosk"  # on the SSD\n\n'
        '[registry]\nurl = "https://registry.example"\nkiosk_id = "k-old"\n\n'
        '[support]\nphone = "(02)1234-5678"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)

    record_kiosk_id(config, "k-0123456789abcdef")

    text = config.read_text(encoding="utf-8")
    assert "# office kiosk" in text
    assert "# on the SSD" in text
    assert tomllib.loads(text)["registry"] == {
        "url": "https://registry.example",
        "kiosk_id": "k-0123456789abcdef",
    }
    assert tomllib.loads(text)["support"]["phone"] == "(02)1234-5678"
    assert config.stat().st_mode & 0o777 == 0o600
    assert KioskSettings.load(config).registry.kiosk_id == "k-0123456789abcdef"
    assert list(tmp_path.iterdir()) == [config]  # no temporary file left behind


def test_a_file_without_a_registry_table_gets_one(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('data_dir = "data"\n', encoding="utf-8")
    record_kiosk_id(config, "k-1")
    assert tomllib.loads(config.read_text(encoding="utf-8"))["registry"] == {"kiosk_id": "k-1"}


def test_a_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write the kiosk id into"):
        record_kiosk_id(tmp_path / "missing.toml", "k-1")
