"""The kiosk's cheap start-up checks agree with Alembic and refuse what the full start refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from kiosk.boot import LOCAL_HEAD, at_head, preflight
from kiosk.domain.secret_file import KeyFileError
from kiosk.keys import create_key
from kiosk.settings import KioskSettings
from store.engine import make_engine, sqlite_url
from store.migrate import downgrade, make_config, upgrade


def test_the_recorded_head_is_alembics() -> None:
    """A new local migration must update kiosk.boot.LOCAL_HEAD (else every start migrates)."""
    script = ScriptDirectory.from_config(make_config("local", "sqlite://"))
    assert script.get_heads() == [LOCAL_HEAD]


def test_at_head_only_for_a_migrated_database(tmp_path: Path) -> None:
    database = tmp_path / "kiosk.db"
    assert not at_head(database)
    engine = make_engine(sqlite_url(database))
    upgrade(engine, "local")
    assert at_head(database)
    downgrade(engine, "local", "-1")
    assert not at_head(database)
    engine.dispose()


def _settings(folder: Path) -> KioskSettings:
    config = folder / "kiosk.toml"
    config.write_text(
        f'data_dir = "{folder}"\n[registry]\nurl = "http://127.0.0.1:9"\nkiosk_id = "k-boot"\n',
        encoding="utf-8",
    )
    return KioskSettings.load(config)


def test_preflight_migrates_a_new_kiosk_and_refuses_one_not_enrolled(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(FileNotFoundError):
        preflight(settings, check_store=True, check_key=True)
    assert settings.database_file is not None
    assert at_head(settings.database_file)
    create_key(settings.key_path)
    assert preflight(settings, check_store=True, check_key=True) is None


def test_preflight_refuses_an_unsafe_or_damaged_seal_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    create_key(settings.key_path)
    preflight(settings, check_store=True, check_key=True)  # a migrated database, no seal.key
    settings.seal_key_path.write_bytes(b"short")
    settings.seal_key_path.chmod(0o600)
    with pytest.raises(KeyFileError, match="exactly 32 bytes"):
        preflight(settings, check_store=True, check_key=True)
    settings.seal_key_path.write_bytes(bytes(32))
    settings.seal_key_path.chmod(0o644)
    with pytest.raises(KeyFileError, match="group or others"):
        preflight(settings, check_store=True, check_key=True)


def _imported_by(statement: str) -> set[str]:
    import subprocess
    import sys

    heavy = (
        "sqlalchemy", "alembic", "httpx", "jwt", "cryptography", "pydantic", "markdown_it",
        "pygments", "phonenumbers", "fpdf", "qrcode", "PIL",
    )  # fmt: skip
    shown = subprocess.run(
        [sys.executable, "-c", f"{statement}; import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return {name for name in heavy if name in shown}


def test_nothing_heavy_before_the_first_frame() -> None:
    """What `kiosk run` imports before its splash is drawn."""
    assert _imported_by("import kiosk.cli, kiosk.app") == set()


def test_reading_the_settings_imports_no_pydantic(tmp_path: Path) -> None:
    """The settings are read before the Welcome: without pydantic (~70 ms there with its
    models), a KIOSK_* variable included."""
    import os
    import subprocess
    import sys

    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    statement = (
        "import sys; from pathlib import Path; from kiosk.settings import KioskSettings; "
        f"s = KioskSettings.load(Path({str(config)!r})); "
        "print(s.demo, any(name.startswith('pydantic') for name in sys.modules))"
    )
    bare = {
        name: value for name, value in os.environ.items() if not name.upper().startswith("KIOSK_")
    }

    def read(env: dict[str, str]) -> str:
        return subprocess.run(
            [sys.executable, "-c", statement], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()

    assert read(bare) == "False False"
    assert read({**bare, "kiosk_demo": "true"}) == "True False"


def test_what_the_welcome_screen_needs() -> None:
    """The start-up thread's imports before the Welcome: the settings and the checks, nothing
    heavy."""
    welcome = "import kiosk.cli, kiosk.app, kiosk.settings, store.local.integrity, screens.welcome"
    assert _imported_by(welcome) == set()
