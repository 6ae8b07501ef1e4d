"""The kiosk talks to a registry on another machine only over TLS, unless told otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.client import RegistryClient


@pytest.mark.parametrize(
    "url",
    [
        "http://registry.example.edu.tw",
        "http://10.0.0.5:8765",
        "http://127.0.0.1.evil.example",
        "ftp://registry.example.edu.tw",
    ],
)
def test_plain_http_to_another_machine_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        RegistryClient(url, kiosk_id=None, key=None)


@pytest.mark.parametrize(
    "url",
    [
        "https://registry.example.edu.tw",
        "http://127.0.0.1:8765",
        "http://127.3.4.5",
        "http://[::1]:8765",
        "http://localhost:8765",
    ],
)
async def test_tls_or_this_machine_is_accepted(url: str) -> None:
    client = RegistryClient(url, kiosk_id=None, key=None)
    await client.aclose()


async def test_plain_http_elsewhere_when_told_so() -> None:
    client = RegistryClient(
        "http://registry.school.lan:8765", kiosk_id=None, key=None, allow_plain_http=True
    )
    await client.aclose()


def test_a_kiosk_configured_for_plain_http_elsewhere_needs_the_setting(tmp_path: Path) -> None:
    from kiosk.app import build_services
    from kiosk.keys import load_or_create_key
    from kiosk.settings import KioskSettings

    load_or_create_key(tmp_path / "kiosk.key")
    remote = {"url": "http://registry.school.example:8600", "kiosk_id": "k-1"}
    with pytest.raises(ValueError, match="https://"):
        build_services(KioskSettings.load(None, data_dir=tmp_path, registry=remote))
    allowed = KioskSettings.load(
        None, data_dir=tmp_path, registry={**remote, "allow_plain_http": True}
    )
    assert build_services(allowed).client.base_url == remote["url"]
