"""The kiosk's parts beside the screens: settings, its key, the registry client's errors, the
demo's code feed, the embedded registry of ``make run``, and what is imported before the first
frame."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from kiosk.client import RegistryClient
from kiosk.demo import DemoOutbox, EmbeddedRegistry
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.masking import mask_email
from kiosk.domain.outbox_line import OutboxLine
from kiosk.domain.people import Level
from kiosk.keys import create_key, load_key, load_or_create_key, public_key_b64
from kiosk.settings import ConfigError, KioskSettings
from tests.e2e.live import LiveRegistry

ROOT = Path(__file__).resolve().parents[2]

# --- settings --------------------------------------------------------------------------------


def test_settings_come_from_the_file_the_environment_beats_it_and_arguments_beat_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A TOML file with nested tables; KIOSK_* variables (``__`` for nesting) override single
    values of it; explicit values override both; the defaults fill the rest."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        'data_dir = "/srv/kiosk"\ndemo = true\n'
        '[registry]\nurl = "https://registry.example"\nkiosk_id = "k-0123abcd"\n'
        '[support]\nphone = "(02)2720-8889"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("KIOSK_REGISTRY__TIMEOUT", "3")
    monkeypatch.setenv("KIOSK_DEMO", "false")
    settings = KioskSettings.load(config, language="en")
    assert settings.registry.url == "https://registry.example"
    assert settings.registry.kiosk_id == "k-0123abcd"
    assert settings.registry.timeout == 3
    assert settings.demo is False
    assert settings.language == "en"
    assert settings.support.phone == "(02)2720-8889"
    assert settings.support.line == "@032rjiko"
    assert settings.database_url == "sqlite:////srv/kiosk/kiosk.db"
    assert settings.key_path == Path("/srv/kiosk/kiosk.key")
    assert settings.kiosk_code == "0123AB"


def test_settings_given_as_arguments_take_the_environment_below_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``KioskSettings.load(None, ...)`` (as the tests build it) reads KIOSK_* variables too,
    nested ones merged into a table given in part, and an argument beats them."""
    monkeypatch.setenv("KIOSK_REGISTRY__TIMEOUT", "3")
    monkeypatch.setenv("KIOSK_FORM__FONT_PATH", str(tmp_path / "font.ttf"))
    monkeypatch.setenv("KIOSK_LANGUAGE", "en")
    settings = KioskSettings.load(
        None, data_dir=tmp_path, registry={"url": "https://registry.example"}, language="zh_TW"
    )
    assert settings.registry.url == "https://registry.example"
    assert settings.registry.timeout == 3
    assert settings.form.font_path == tmp_path / "font.ttf"
    assert settings.language == "zh_TW"


def test_a_table_in_the_environment_that_is_not_json_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``KIOSK_REGISTRY='{bad'``: the operator reads which setting, not a library's exception."""
    monkeypatch.setenv("KIOSK_REGISTRY", "{bad")
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"KIOSK_\* environment variables are not valid: .*registry"
    ):
        KioskSettings.load(config)


def test_a_setting_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    """A typo in the file is an error at start-up, not a silently ignored value."""
    config = tmp_path / "kiosk.toml"
    config.write_text("[registry]\nurll = 'http://x'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="urll"):
        KioskSettings.load(config)


# --- the kiosk's key -------------------------------------------------------------------------


def test_the_key_file_is_made_for_its_owner_only_and_never_replaced(tmp_path: Path) -> None:
    """The private key is written 0600; creating it again refuses; loading gives the same key."""
    path = tmp_path / "keys" / "kiosk.key"
    key = create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        create_key(path)
    assert public_key_b64(load_key(path)) == public_key_b64(key)
    assert public_key_b64(load_or_create_key(path)) == public_key_b64(key)


# --- the registry client ---------------------------------------------------------------------


async def test_the_registrys_error_bodies_become_domain_errors(registry: LiveRegistry) -> None:
    """A refusal comes back as its code, field and parameters (here: a code not 6 digits)."""
    async with RegistryClient(registry.url, kiosk_id=registry.kiosk_id, key=registry.key) as c:
        challenge = await c.request_code(Channel.EMAIL, "client.errors@example.com")
        with pytest.raises(DomainError) as refused:
            await c.verify_code(challenge.challenge_id, "12")
    assert refused.value.code is ErrorCode.CODE_FORMAT
    assert refused.value.field == "code"


async def test_a_kiosk_the_registry_does_not_know_is_refused(registry: LiveRegistry) -> None:
    """Tokens signed by a key the registry never enrolled: ``auth.invalid``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = Ed25519PrivateKey.generate()
    async with RegistryClient(registry.url, kiosk_id=registry.kiosk_id, key=stranger) as c:
        with pytest.raises(DomainError) as refused:
            await c.schools(Level.ELEMENTARY)
    assert refused.value.code is ErrorCode.AUTH_INVALID


async def test_no_registry_is_unreachable(registry: LiveRegistry) -> None:
    """Nothing listening: ``registry.unreachable``, whatever the call."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with RegistryClient(
        f"http://127.0.0.1:{port}", kiosk_id=registry.kiosk_id, key=registry.key
    ) as c:
        with pytest.raises(DomainError) as refused:
            await c.request_code(Channel.EMAIL, "nobody@example.com")
    assert refused.value.code is ErrorCode.REGISTRY_UNREACHABLE


@pytest.fixture
def not_a_registry() -> Iterator[str]:
    """A web server on 127.0.0.1 that answers every request with an HTML error page."""

    class Page(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html><body>502 Bad Gateway</body></html>"
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_an_answer_that_is_not_the_contracts_is_a_registry_error(
    registry: LiveRegistry, not_a_registry: str
) -> None:
    """A proxy's HTML error page instead of the registry: ``registry.error``."""
    async with RegistryClient(not_a_registry, kiosk_id=registry.kiosk_id, key=registry.key) as c:
        with pytest.raises(DomainError) as refused:
            await c.request_code(Channel.EMAIL, "proxy@example.com")
    assert refused.value.code is ErrorCode.REGISTRY_ERROR


# --- the demo's code feed --------------------------------------------------------------------


def test_the_demo_feed_shows_the_latest_code_of_the_followed_address(tmp_path: Path) -> None:
    """Only codes to the address being verified count, the newest wins, a line still being
    written waits for its end, and nothing is shown before a code is requested."""
    outbox = tmp_path / "outbox.jsonl"
    feed = DemoOutbox(outbox)
    assert feed.latest_code() is None

    def line(to: str, code: str, kind: str = "code") -> str:
        meta = {"kind": kind, "code": code} if kind == "code" else {"kind": kind}
        written = OutboxLine("1", datetime.now(UTC), Channel.EMAIL, to, "", "", meta)
        return written.to_json() + "\n"

    outbox.write_text(line("ann@example.com", "111111") + line("b@example.com", "222222"))
    ann = mask_email("ann@example.com")
    feed.follow(Contact(Channel.EMAIL, "ann@example.com"))
    assert feed.latest_code() == (ann, "111111")
    with outbox.open("a") as file:
        file.write(line("ann@example.com", "", kind="account_created"))
        file.write(line("ann@example.com", "333333"))
        torn = line("ann@example.com", "444444")
        file.write(torn[:-5])
    assert feed.latest_code() == (ann, "333333")
    with outbox.open("a") as file:
        file.write(torn[-5:])
    assert feed.latest_code() == (ann, "444444")
    feed.follow(Contact(Channel.SMS, "+886912345678"))
    assert feed.latest_code() is None
    feed.follow(None)
    assert feed.latest_code() is None


# --- the embedded registry (make run) --------------------------------------------------------


@pytest.mark.slow
def test_the_embedded_registry_starts_enrolls_once_and_stops(tmp_path: Path) -> None:
    """``kiosk demo``'s registry: demo data on the first run, the kiosk enrolled and its id kept
    in the data folder; a second run reuses both; stopping leaves nothing listening."""
    data = tmp_path / "data"
    with EmbeddedRegistry(data) as registry:
        kiosk_id = registry.enroll()
        assert httpx.get(f"{registry.url}/v1/health").status_code == 200
        url = registry.url
    assert stat.S_IMODE((data / "kiosk.key").stat().st_mode) == 0o600
    assert f'kiosk_id = "{kiosk_id}"' in (data / "kiosk.toml").read_text()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/v1/health", timeout=2)

    with EmbeddedRegistry(data) as again:
        assert again.enroll() == kiosk_id
        assert httpx.get(f"{again.url}/v1/health").status_code == 200


# --- start-up --------------------------------------------------------------------------------


def test_nothing_heavy_is_imported_before_the_first_frame() -> None:
    """What ``kiosk run`` imports before its first frame (the CLI and the app) pulls in no HTTP
    client, database, token, crypto or pydantic module: those load after the frame."""
    heavy = ["httpx", "sqlalchemy", "jwt", "cryptography", "pydantic", "alembic", "store"]
    probe = (
        "import sys, json, kiosk.cli, kiosk.app; "
        f"print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL_")}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    assert json.loads(done.stdout) == []


# --- kiosk enroll ----------------------------------------------------------------------------


def test_kiosk_enroll_registers_the_key_once(registry: LiveRegistry, tmp_path: Path) -> None:
    """``kiosk enroll --config FILE --token T`` makes the key (0600), enrolls it and prints the
    kiosk's id for the config; the same token a second time is refused."""
    from datetime import UTC, datetime

    from registry.services.kiosks import add_kiosk
    from registry.settings import Limits

    with registry.sessions() as session:
        made = add_kiosk(session, school_code="353301", now=datetime.now(UTC), limits=Limits())
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[registry]\nurl = "{registry.url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL_", "KIOSK_"))}
    command = [sys.executable, "-m", "kiosk", "enroll", "--config", str(config)]
    first = subprocess.run(
        [*command, "--token", made.enrollment_token], capture_output=True, text=True, env=env
    )
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["kiosk_id"] == made.kiosk_id
    # Written into the config it was given (no copying by hand).
    assert f'kiosk_id = "{made.kiosk_id}"' in config.read_text()
    assert made.kiosk_id in first.stderr
    assert stat.S_IMODE((tmp_path / "kiosk.key").stat().st_mode) == 0o600
    again = subprocess.run(
        [*command, "--token", made.enrollment_token], capture_output=True, text=True, env=env
    )
    assert again.returncode == 1
    assert "kiosk.enrollment_invalid" in again.stderr


def test_both_commands_say_their_version() -> None:
    import subprocess
    import sys

    from kiosk.domain.release import release

    for module in ("kiosk", "registry"):
        done = subprocess.run(
            [sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == f"{module} {release()}"
        assert release()[0].isdigit()
