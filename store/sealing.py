"""Encryption of personal data at rest: AES-256-GCM blobs bound to their row.

A :class:`Sealer` seals bytes with a fresh random 96-bit nonce (prefixed to the blob) and the
row's id as associated data, so a blob copied into another row no longer opens. It also makes
keyed fingerprints (HMAC-SHA256) for looking rows up by a value that is itself sealed (a parent's
contact) without storing that value in the clear.

The key is 32 random bytes, given by settings or kept in a key file that
:meth:`Sealer.from_key_file` creates on first use with mode 0600 and refuses when others can read
it. Both sub-keys (encryption, fingerprints) are derived from it with HKDF, so neither use can
weaken the other.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.domain.secret_file import KeyFileError as KeyFileError
from kiosk.domain.secret_file import read_secret_file

#: Length of the master key (AES-256), in bytes.
KEY_BYTES: Final = 32
#: Length of the random nonce prefixed to every sealed blob (96 bits, as GCM wants).
NONCE_BYTES: Final = 12
#: Length of the authentication tag at the end of every sealed blob.
TAG_BYTES: Final = 16

_KEY_FILE_MODE: Final = 0o600


class SealError(Exception):
    """A sealed blob did not open: it was altered, belongs to another row, or another key."""


def _subkey(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(key)


class Sealer:
    """Seals and opens personal data with AES-256-GCM; makes keyed fingerprints.

    Args:
        key: The 32-byte master key.

    Raises:
        ValueError: When ``key`` is not 32 bytes.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"the key must be {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(_subkey(key, b"coolclass-kiosk seal v1"))
        self._fingerprint_key = _subkey(key, b"coolclass-kiosk fingerprint v1")

    def __repr__(self) -> str:
        return "Sealer(<key hidden>)"

    def seal(self, plain: bytes, *, context: bytes) -> bytes:
        """Encrypts ``plain`` for the row named by ``context``.

        Args:
            plain: What to protect.
            context: The row's id (and column); needed again, unchanged, to open the blob.

        Returns:
            ``nonce || ciphertext || tag``.
        """
        nonce = secrets.token_bytes(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, context)

    def open(self, sealed: bytes, *, context: bytes) -> bytes:
        """Decrypts a blob made by :meth:`seal` with the same key and ``context``.

        Args:
            sealed: The blob.
            context: The row's id it was sealed for.

        Returns:
            The plain bytes.

        Raises:
            SealError: When the blob was altered, truncated, sealed for another context or with
                another key.
        """
        if len(sealed) < NONCE_BYTES + TAG_BYTES:
            raise SealError("sealed blob too short")
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except InvalidTag:
            raise SealError("sealed blob does not open with this key and context") from None

    def fingerprint(self, value: bytes, *, context: bytes) -> bytes:
        """A keyed, deterministic 32-byte digest of ``value`` (a blind index for lookups).

        Equal values give equal fingerprints under one key; without the key, a fingerprint
        cannot be checked against guesses (phone numbers are few enough to enumerate).

        Args:
            value: What to find rows by (already normalised).
            context: What kind of value it is, so equal bytes of different kinds differ.
        """
        message = len(context).to_bytes(4, "big") + context + value
        return hmac.new(self._fingerprint_key, message, hashlib.sha256).digest()

    @classmethod
    def generate_key(cls) -> bytes:
        """A new random master key."""
        return secrets.token_bytes(KEY_BYTES)

    @classmethod
    def from_key_file(cls, path: Path) -> Sealer:
        """A Sealer with the key kept in ``path``, creating the file on first use.

        A new file gets mode 0600 whatever the umask, and appears whole or not at all (written
        aside, then hard-linked into place), so two processes starting at once agree on one key.

        Args:
            path: The key file.

        Raises:
            KeyFileError: When the file is readable or writable by group or others, is not a
                regular file, or does not hold exactly 32 bytes.
        """
        if not path.exists():
            _create_key_file(path)
        return cls(_read_key_file(path))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _KEY_FILE_MODE)
    try:
        # The umask may have taken bits away from the mode given to open(); set it exactly.
        os.fchmod(fd, _KEY_FILE_MODE)
        os.write(fd, Sealer.generate_key())
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # link() fails if the name exists: the first process to get here wins, the others
        # use its key.
        os.link(scratch, path)
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _read_key_file(path: Path) -> bytes:
    try:
        key = read_secret_file(path, limit=KEY_BYTES + 1)
    except FileNotFoundError as exc:
        raise KeyFileError(f"cannot open the key file {path}: {exc.strerror}") from exc
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"the key file {path} must hold exactly {KEY_BYTES} bytes")
    return key
