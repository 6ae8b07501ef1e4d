"""Tokens and keys: kiosk JWTs verified, parent and staff JWTs signed, key files made.

Three kinds of token, each with its own allow-list and audience:

* kiosk tokens: EdDSA only, signed by the kiosk's own Ed25519 key; ``iss`` = ``kiosk:<id>``,
  ``sub`` = the kiosk id, ``aud`` = the registry's audience, ``iat``/``exp`` at most
  :attr:`Limits.kiosk_token_max_lifetime_s` apart, ``jti`` used once (the database remembers);
* parent-session tokens and staff tokens: EdDSA only, signed by the registry's own key, with the
  audiences ``<aud>/parent`` and ``<aud>/staff``.

Expiry is checked against the injected clock, not the wall clock (PyJWT's own time checks are
turned off and done here), so tests move time instead of sleeping.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import stat
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.domain.errors import DomainError, ErrorCode

#: The only algorithm any token may use.
ALGORITHMS: Final = ["EdDSA"]
#: The prefix of a kiosk token's issuer.
KIOSK_ISSUER_PREFIX: Final = "kiosk:"
#: Claims every token must carry.
#: What a kiosk id may look like (``k-`` and hex digits are made; a little room around that).
_KIOSK_ID: Final = re.compile(r"[A-Za-z0-9_.-]{1,40}")
_REQUIRED: Final = ["iss", "sub", "aud", "iat", "exp", "jti"]
#: PyJWT checks only signature, algorithm, audience and issuer; time is ours.
_DECODE_OPTIONS: Final = {
    "require": _REQUIRED,
    "verify_exp": False,
    "verify_iat": False,
    "verify_nbf": False,
}
#: Longest ``jti`` kept (a UUID is 36).
MAX_JTI_LENGTH: Final = 64


def kiosk_issuer(kiosk_id: str) -> str:
    """The ``iss`` a kiosk's tokens carry."""
    return KIOSK_ISSUER_PREFIX + kiosk_id


def _write_secret_file(path: Path, data: bytes) -> None:
    """Creates ``path`` holding ``data`` with mode 0600, atomically, unless it exists.

    Written to a temporary file first and linked into place, so a second process starting at the
    same moment either wins or reads the complete file the first one wrote.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        # Another process made it first: keep theirs, which is complete.
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        os.unlink(temp)


def read_secret_file(path: Path) -> bytes:
    """The bytes of a secret file, refused unless it is a regular file only its owner can read.

    Raises:
        ValueError: The file is a symbolic link, not a regular file, or open to group or others.
        OSError: It cannot be read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"the secret {path} is not a regular file")
        if info.st_mode & 0o077:
            raise ValueError(
                f"the secret {path} is open to group or others "
                f"(mode {stat.S_IMODE(info.st_mode):o}); it must be 600"
            )
        with os.fdopen(fd, "rb", closefd=False) as file:
            return file.read()
    finally:
        os.close(fd)


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The registry's Ed25519 key from a PEM file, made (0600) when the file does not exist.

    Raises:
        ValueError: as :func:`read_secret_file`, or the file holds no Ed25519 key.
    """
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_secret_file(path, pem)
    loaded = serialization.load_pem_private_key(read_secret_file(path), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return loaded


def load_or_create_pepper(path: Path) -> bytes:
    """The HMAC key of the code hashes (32 random bytes), made (0600) when missing.

    Raises:
        ValueError: as :func:`read_secret_file`, or the file is too short.
    """
    if not path.exists():
        _write_secret_file(path, secrets.token_bytes(32))
    pepper = read_secret_file(path)
    if len(pepper) < 32:
        raise ValueError(f"{path} holds fewer than 32 bytes")
    return pepper


def decode_public_key(text: str) -> bytes:
    """The raw 32 bytes of an Ed25519 public key sent as base64.

    Raises:
        DomainError: ``REQUEST_INVALID`` (field ``public_key``) when it is not one.
    """
    try:
        raw = base64.b64decode(text, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise DomainError(ErrorCode.REQUEST_INVALID, field="public_key") from None
    return raw


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True, slots=True)
class KioskClaims:
    """What a verified kiosk token says."""

    kiosk_id: str
    jti: str
    expires_at: datetime


def unverified_kiosk_id(token: str) -> str:
    """The kiosk id a token claims to come from (to find its key), before any check.

    Raises:
        DomainError: ``AUTH_INVALID`` when the token cannot even be read.
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise DomainError(ErrorCode.AUTH_INVALID) from None
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer.startswith(KIOSK_ISSUER_PREFIX):
        raise DomainError(ErrorCode.AUTH_INVALID)
    kiosk_id = issuer[len(KIOSK_ISSUER_PREFIX) :]
    # Checked before the id reaches the database (PostgreSQL refuses a NUL with an error).
    if not _KIOSK_ID.fullmatch(kiosk_id):
        raise DomainError(ErrorCode.AUTH_INVALID)
    return kiosk_id


def _check_times(
    claims: Mapping[str, Any], now: datetime, *, max_lifetime_s: int, skew_s: int
) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise DomainError(ErrorCode.AUTH_INVALID)
    moment = now.timestamp()
    if exp <= moment:
        raise DomainError(ErrorCode.AUTH_INVALID)
    if iat > moment + skew_s or exp - iat > max_lifetime_s or exp <= iat:
        raise DomainError(ErrorCode.AUTH_INVALID)


def verify_kiosk_token(
    token: str,
    *,
    kiosk_id: str,
    public_key: bytes,
    audience: str,
    now: datetime,
    max_lifetime_s: int,
    skew_s: int,
) -> KioskClaims:
    """Checks a kiosk token's signature, algorithm, audience, issuer, subject and times.

    The ``jti`` is returned for the caller to record (single use needs the database).

    Raises:
        DomainError: ``AUTH_INVALID`` for any failure (the reason is not told).
    """
    try:
        claims = jwt.decode(
            token,
            key=Ed25519PublicKey.from_public_bytes(public_key),
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=kiosk_issuer(kiosk_id),
            options=_DECODE_OPTIONS,  # type: ignore[arg-type]
        )
    except (jwt.PyJWTError, ValueError):
        raise DomainError(ErrorCode.AUTH_INVALID) from None
    _check_times(claims, now, max_lifetime_s=max_lifetime_s, skew_s=skew_s)
    jti = claims["jti"]
    if claims.get("sub") != kiosk_id or not isinstance(jti, str):
        raise DomainError(ErrorCode.AUTH_INVALID)
    if not jti or len(jti) > MAX_JTI_LENGTH:
        raise DomainError(ErrorCode.AUTH_INVALID)
    return KioskClaims(
        kiosk_id=kiosk_id,
        jti=jti,
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo),
    )


class TokenSigner:
    """Signs and verifies the registry's own tokens (parent sessions, staff sessions).

    Args:
        key: The registry's Ed25519 private key.
        issuer: The ``iss`` of every token.
        audience: The base audience; each kind gets ``<audience>/<kind>``.
    """

    PARENT: Final = "parent"
    STAFF: Final = "staff"

    def __init__(self, key: Ed25519PrivateKey, *, issuer: str, audience: str) -> None:
        self._key = key
        self._public = key.public_key()
        self.issuer = issuer
        self.audience = audience

    def sign(
        self,
        kind: str,
        subject: str,
        *,
        now: datetime,
        lifetime: timedelta,
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[str, datetime]:
        """A token of ``kind`` for ``subject``, and when it expires."""
        expires_at = now + lifetime
        claims: dict[str, Any] = {
            **(extra or {}),
            "iss": self.issuer,
            "aud": f"{self.audience}/{kind}",
            "sub": subject,
            "iat": _epoch(now),
            "exp": _epoch(expires_at),
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA"), expires_at

    def verify(
        self, kind: str, token: str, *, now: datetime, expired_ok: bool = False
    ) -> dict[str, Any]:
        """The claims of a valid token of ``kind`` (of an expired one too with ``expired_ok``:
        a kiosk uploading what a staff member did while it was offline).

        Raises:
            DomainError: ``SESSION_EXPIRED`` when it expired, ``AUTH_INVALID`` (staff) or
                ``SESSION_INVALID`` (parent) for anything else.
        """
        invalid = ErrorCode.SESSION_INVALID if kind == self.PARENT else ErrorCode.AUTH_INVALID
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=self._public,
                algorithms=ALGORITHMS,
                audience=f"{self.audience}/{kind}",
                issuer=self.issuer,
                options=_DECODE_OPTIONS,  # type: ignore[arg-type]
            )
        except (jwt.PyJWTError, ValueError):
            raise DomainError(invalid) from None
        exp = claims.get("exp")
        if not isinstance(exp, int | float):
            raise DomainError(invalid)
        if exp <= now.timestamp() and not expired_ok:
            raise DomainError(ErrorCode.SESSION_EXPIRED if kind == self.PARENT else invalid)
        return claims
