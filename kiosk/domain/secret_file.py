"""The one rule for every secret file the kiosk keeps: its own, unreadable to anyone else.

The at-rest key (``seal.key``) and the kiosk's signing key (``kiosk.key``) are read through
:func:`read_secret_file` alike, so a key that group or others may read is refused whichever it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class KeyFileError(Exception):
    """The key file cannot be used: readable by others, not a regular file, or the wrong size."""


def read_secret_file(path: Path, *, limit: int) -> bytes:
    """The bytes of a secret file (at most ``limit``), by the one rule for every secret.

    A secret must be a regular file (not a link) that neither group nor others may read or
    write: the at-rest key (``seal.key``) and the kiosk's signing key (``kiosk.key``) alike.

    Raises:
        FileNotFoundError: There is no file at ``path``.
        KeyFileError: It cannot be opened, is not a regular file, or is open to group or others.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyFileError(f"cannot open the key file {path}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"the key file {path} is not a regular file")
        if info.st_mode & 0o077:
            raise KeyFileError(
                f"the key file {path} is open to group or others "
                f"(mode {stat.S_IMODE(info.st_mode):o}); it must be 600"
            )
        return os.read(fd, limit)
    finally:
        os.close(fd)
