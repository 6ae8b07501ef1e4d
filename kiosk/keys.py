"""The kiosk's own Ed25519 key: created once (mode 0600), loaded to sign every registry request.

The registry knows only the public half (sent at enrollment); the private key never leaves this
file. ``cryptography`` is heavy to import, so this module is only imported by workers and the CLI.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.domain.secret_file import KeyFileError, read_secret_file

__all__ = ["KeyFileError", "create_key", "load_key", "load_or_create_key", "public_key_b64"]

#: More than any PEM of an Ed25519 private key (119 bytes unencrypted).
_MAX_PEM = 4096


def create_key(path: Path) -> Ed25519PrivateKey:
    """Makes a new private key and writes it to ``path``, readable by its owner only.

    Raises:
        FileExistsError: ``path`` already exists (a kiosk's key is never silently replaced).
    """
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL with the mode at creation: the file is never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    """Reads the private key written by :func:`create_key`.

    The file is held to the rule of every secret (:mod:`kiosk.domain.secret_file`): a key that
    group or others may read is refused, as ``seal.key`` is, not used silently.

    Raises:
        FileNotFoundError: No key at ``path``.
        KeyFileError: The file is open to group or others, or not a regular file.
        ValueError: The file is not an Ed25519 private key.
    """
    pem = read_secret_file(path, limit=_MAX_PEM)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The key at ``path``, made first if there is none yet."""
    try:
        return load_key(path)
    except FileNotFoundError:
        return create_key(path)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """The public half as the registry's enrollment wants it: base64 of the raw 32 bytes."""
    raw = key.public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode("ascii")
