"""Kiosk enrollment and the kiosk JWT: only EdDSA by the enrolled key, for our audience,
short-lived, used once. Everything else is 401."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.registry.harness import KioskKey, Live, error_of


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return ".".join(
        (
            _b64url(json.dumps(header).encode()),
            _b64url(json.dumps(claims).encode()),
            "",
        )
    )


def _schools(live: Live, token: str | None) -> Any:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return live.http.get("/v1/schools", params={"level": "elementary"}, headers=headers)


def test_a_fresh_token_of_the_enrolled_key_is_accepted(live: Live) -> None:
    assert _schools(live, live.kiosk.token()).status_code == 200


def test_no_token_is_auth_required(live: Live) -> None:
    answer = _schools(live, None)
    assert answer.status_code == 401
    assert error_of(answer) == {"code": "auth.required", "field": None, "params": {}}
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def _forgeries(kiosk: KioskKey) -> dict[str, str]:
    now = kiosk.claims()["iat"]
    stranger = KioskKey(kiosk.kiosk_id, Ed25519PrivateKey.generate(), kiosk.clock)
    public_b64 = base64.b64encode(kiosk.public_bytes).decode()
    return {
        "alg none": _unsigned({"alg": "none", "typ": "JWT"}, kiosk.claims()),
        "alg None": _unsigned({"alg": "None", "typ": "JWT"}, kiosk.claims()),
        "HS256 with the raw public key": jwt.encode(
            kiosk.claims(), kiosk.public_bytes, algorithm="HS256"
        ),
        "HS256 with the base64 public key": jwt.encode(
            kiosk.claims(), public_b64.encode(), algorithm="HS256"
        ),
        "signed by another key": stranger.token(),
        "expired": kiosk.token(iat=now - 200, exp=now - 1),
        "lives longer than five minutes": kiosk.token(exp=now + 301),
        "issued in the future": kiosk.token(iat=now + 600, exp=now + 700),
        "wrong audience": kiosk.token(aud="some-other-service"),
        "no audience": kiosk.token(aud=None),
        "wrong issuer": kiosk.token(iss="kiosk:k-0000000000000000"),
        "subject of another kiosk": kiosk.token(sub="k-0000000000000000"),
        "no token id": jwt.encode(
            {k: v for k, v in kiosk.claims().items() if k != "jti"}, kiosk.key, algorithm="EdDSA"
        ),
        "not a JWT": "not-a-jwt",
        "garbage segments": "a.b.c",
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "alg none",
        "alg None",
        "HS256 with the raw public key",
        "HS256 with the base64 public key",
        "signed by another key",
        "expired",
        "lives longer than five minutes",
        "issued in the future",
        "wrong audience",
        "no audience",
        "wrong issuer",
        "subject of another kiosk",
        "no token id",
        "not a JWT",
        "garbage segments",
    ],
)
def test_a_forged_or_stale_token_is_refused(live: Live, forgery: str) -> None:
    answer = _schools(live, _forgeries(live.kiosk)[forgery])
    assert answer.status_code == 401, answer.text
    assert error_of(answer) == {"code": "auth.invalid", "field": None, "params": {}}


def test_a_replayed_token_is_refused(live: Live) -> None:
    token = live.kiosk.token()
    assert _schools(live, token).status_code == 200
    again = _schools(live, token)
    assert again.status_code == 401
    assert error_of(again)["code"] == "auth.invalid"


def test_a_token_expires_by_the_registrys_clock(live: Live) -> None:
    token = live.kiosk.token()  # valid for two minutes
    live.clock.advance(minutes=2)
    assert _schools(live, token).status_code == 401


def _enroll(live: Live, token: str, public_key: str) -> Any:
    return live.http.post(
        "/v1/kiosks/enroll", json={"enrollment_token": token, "public_key": public_key}
    )


def _new_token(live: Live) -> str:
    from registry.services.kiosks import add_kiosk

    with live.sessions() as session:
        return add_kiosk(
            session, school_code="353601", now=live.clock(), limits=live.settings.limits
        ).enrollment_token


def _public_b64() -> str:
    raw = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def test_an_enrollment_token_works_once(live: Live) -> None:
    token = _new_token(live)
    first = _enroll(live, token, _public_b64())
    assert first.status_code == 200, first.text
    assert first.json()["school_code"] == "353601"
    assert first.json()["audience"] == "coolclass-registry"
    again = _enroll(live, token, _public_b64())
    assert again.status_code == 401
    assert error_of(again)["code"] == "kiosk.enrollment_invalid"


def test_an_enrollment_token_expires(live: Live) -> None:
    token = _new_token(live)
    live.clock.advance(days=7)
    assert error_of(_enroll(live, token, _public_b64()))["code"] == "kiosk.enrollment_invalid"


@pytest.mark.parametrize("key", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_a_public_key_must_be_32_bytes_of_base64(live: Live, key: str) -> None:
    answer = _enroll(live, _new_token(live), key)
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "request.invalid"
    assert error_of(answer)["field"] == "public_key"


def test_add_kiosk_prints_a_one_time_token_the_kiosk_enrolls_with(
    live: Live, tmp_path: Path
) -> None:
    printed = subprocess.run(
        [
            sys.executable,
            "-m",
            "registry",
            "add-kiosk",
            "--school",
            "353601",
            "--database",
            live.url,
            "--data",
            str(tmp_path / "cli-data"),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    made = json.loads(printed.stdout)
    assert made["school_code"] == "353601"
    answer = _enroll(live, made["enrollment_token"], _public_b64())
    assert answer.status_code == 200, answer.text
    assert answer.json()["kiosk_id"] == made["kiosk_id"]
    refused = subprocess.run(
        [sys.executable, "-m", "registry", "add-kiosk", "--school", "nope", "--database", live.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip()


def test_an_enrollment_token_never_starts_with_a_dash(live: Live) -> None:
    """An operator pastes it after ``kiosk enroll --token``: a leading "-" reads as an option
    (1 token in 64 did, before the prefix)."""
    assert not [token for token in (_new_token(live) for _ in range(200)) if token.startswith("-")]
