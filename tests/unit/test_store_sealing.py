"""Sealed personal data opens only with its key and its row; the key file stays private."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from store.sealing import KEY_BYTES, NONCE_BYTES, KeyFileError, Sealer, SealError

PLAIN = "A123456789 陳曉明 資訊二忠".encode()


@pytest.fixture
def sealer() -> Sealer:
    """A sealer with a fresh random key."""
    return Sealer(Sealer.generate_key())


def test_a_sealed_blob_opens_to_what_was_sealed(sealer: Sealer) -> None:
    sealed = sealer.seal(PLAIN, context=b"application:1")

    assert PLAIN not in sealed
    assert sealer.open(sealed, context=b"application:1") == PLAIN


def test_sealing_twice_gives_different_blobs(sealer: Sealer) -> None:
    """A fresh nonce each time: equal data in two rows cannot be told equal."""
    first, second = (sealer.seal(PLAIN, context=b"row") for _ in range(2))

    assert first != second
    assert first[:NONCE_BYTES] != second[:NONCE_BYTES]


@pytest.mark.parametrize("where", [0, NONCE_BYTES, -1])
def test_a_changed_byte_is_refused(sealer: Sealer, where: int) -> None:
    sealed = bytearray(sealer.seal(PLAIN, context=b"row"))
    sealed[where] ^= 0x01

    with pytest.raises(SealError):
        sealer.open(bytes(sealed), context=b"row")


def test_a_truncated_blob_is_refused(sealer: Sealer) -> None:
    with pytest.raises(SealError):
        sealer.open(sealer.seal(PLAIN, context=b"row")[:20], context=b"row")


def test_a_blob_moved_to_another_row_is_refused(sealer: Sealer) -> None:
    sealed = sealer.seal(PLAIN, context=b"application:1")

    with pytest.raises(SealError):
        sealer.open(sealed, context=b"application:2")


def test_another_key_cannot_open_it(sealer: Sealer) -> None:
    sealed = sealer.seal(PLAIN, context=b"row")

    with pytest.raises(SealError):
        Sealer(Sealer.generate_key()).open(sealed, context=b"row")


def test_fingerprints_are_stable_keyed_and_kind_bound(sealer: Sealer) -> None:
    value = b"+886928942045"
    print_ = sealer.fingerprint(value, context=b"contact")

    assert sealer.fingerprint(value, context=b"contact") == print_
    assert sealer.fingerprint(value, context=b"other") != print_
    assert Sealer(Sealer.generate_key()).fingerprint(value, context=b"contact") != print_
    assert value not in print_


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Sealer(b"too short")


def test_the_key_is_not_in_the_repr(sealer: Sealer) -> None:
    assert "hidden" in repr(sealer)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone."""
    old = os.umask(0o000)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_the_key_file_is_made_0600_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "kiosk.key"

    sealed = Sealer.from_key_file(path).seal(PLAIN, context=b"row")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_size == KEY_BYTES
    assert Sealer.from_key_file(path).open(sealed, context=b"row") == PLAIN
    assert [p.name for p in path.parent.iterdir()] == ["kiosk.key"]  # no scratch left


def test_processes_starting_at_once_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        sealers = list(pool.map(lambda _: Sealer.from_key_file(path), range(8)))

    sealed = sealers[0].seal(PLAIN, context=b"row")
    assert all(other.open(sealed, context=b"row") == PLAIN for other in sealers)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kiosk.key"
    Sealer.from_key_file(path)
    path.chmod(mode)

    with pytest.raises(KeyFileError, match="group or others"):
        Sealer.from_key_file(path)


def test_a_key_file_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.key"
    path.write_bytes(b"x" * 16)
    path.chmod(0o600)

    with pytest.raises(KeyFileError, match="32 bytes"):
        Sealer.from_key_file(path)


def test_a_symlinked_key_file_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.key"
    Sealer.from_key_file(real)
    link = tmp_path / "kiosk.key"
    link.symlink_to(real)

    with pytest.raises(KeyFileError):
        Sealer.from_key_file(link)
