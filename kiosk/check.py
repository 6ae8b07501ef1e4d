"""``kiosk check``: whether this kiosk is ready to serve parents, line by line.

Each line is one thing an installer must get right, with ✓ or ✗ and what was found: the
configuration parses; the kiosk's key exists, is its owner's alone and loads; the kiosk is
enrolled; the registry answers, its clock agrees with this one's and it knows this kiosk; the
encryption key (once made) is its owner's alone; the CJK font of the application form is found;
the printer (when one is configured) is known to CUPS. Nothing is changed: no key is made, no
database opened.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kiosk.settings import KioskSettings

#: The most the kiosk's clock may differ from the registry's (the registry refuses a token
#: dated further ahead; the kiosk's health shows a warning past it).
MAX_CLOCK_SKEW_S: Final = 30.0
#: How long ``lpstat`` may take.
LPSTAT_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the check.

    Attributes:
        ok: Whether this part is right.
        what: The part (``config``, ``key``, ``registry`` ...).
        detail: What was found, or what is wrong and how to put it right.
    """

    ok: bool
    what: str
    detail: str

    def line(self) -> str:
        """The line printed: ``✓ what: detail``."""
        return f"{'✓' if self.ok else '✗'} {self.what}: {self.detail}"


def _mode_problem(path: Path) -> str | None:
    """Why a secret file is not safe (group or others may read it, another owner), or None."""
    status = path.stat()
    if status.st_mode & 0o077:
        return f"{path} is mode {status.st_mode & 0o777:04o}: run chmod 600 {path}"
    if status.st_uid != os.geteuid():
        return f"{path} belongs to another user (uid {status.st_uid}), not the kiosk's"
    return None


def _key(settings: KioskSettings) -> tuple[Finding, Ed25519PrivateKey | None]:
    from kiosk.keys import load_key

    path = settings.key_path
    if not path.exists():
        return Finding(False, "key", f"{path} is missing: run kiosk enroll"), None
    problem = _mode_problem(path)
    if problem is not None:
        return Finding(False, "key", problem), None
    try:
        key = load_key(path)
    except (OSError, ValueError) as error:
        return Finding(False, "key", f"{path} cannot be used: {error}"), None
    return Finding(True, "key", f"{path} (mode 0600, Ed25519)"), key


def _seal_key(settings: KioskSettings) -> Finding:
    path = settings.seal_key_path
    if not path.exists():
        return Finding(True, "encryption key", f"{path} will be made at the first start")
    problem = _mode_problem(path)
    if problem is not None:
        return Finding(False, "encryption key", problem)
    return Finding(True, "encryption key", f"{path} (mode 0600)")


async def _registry(settings: KioskSettings, key: Ed25519PrivateKey | None) -> list[Finding]:
    """Reachable, clock, and (enrolled with a key) whether it knows this kiosk."""
    from kiosk.client import RegistryClient
    from kiosk.domain.errors import DomainError

    registry = settings.registry
    try:
        client = RegistryClient(
            registry.url,
            kiosk_id=registry.kiosk_id,
            key=key,
            audience=registry.audience,
            timeout=registry.timeout,
            connect_timeout=registry.connect_timeout,
            deadline=registry.deadline,
            allow_plain_http=registry.allow_plain_http,
        )
    except ValueError as error:
        return [Finding(False, "registry", str(error))]
    findings: list[Finding] = []
    async with client:
        try:
            health = await client.health()
        except DomainError as error:
            return [Finding(False, "registry", f"{registry.url} does not answer ({error.code})")]
        findings.append(
            Finding(True, "registry", f"{registry.url} answers (version {health.version})")
        )
        skew = client.clock_skew
        if skew is None:
            findings.append(Finding(False, "clock", "the registry's answer had no Date header"))
        elif abs(skew) > MAX_CLOCK_SKEW_S:
            findings.append(
                Finding(
                    False,
                    "clock",
                    f"this kiosk's clock is {abs(skew):.0f} s "
                    f"{'behind' if skew > 0 else 'ahead of'} the registry's (more than "
                    f"{MAX_CLOCK_SKEW_S:.0f} s): set up time synchronisation (systemd-timesyncd)",
                )
            )
        else:
            findings.append(Finding(True, "clock", f"within {abs(skew):.0f} s of the registry's"))
        if registry.kiosk_id is not None and key is not None:
            try:
                me = await client.me()
            except DomainError as error:
                findings.append(
                    Finding(
                        False,
                        "enrolment",
                        f"the registry refuses this kiosk ({error.code}): enrolled with another "
                        "key, or revoked; enroll it again with a new token",
                    )
                )
            else:
                known = f"the registry knows {me.kiosk_id} (school {me.school_code})"
                findings.append(Finding(True, "enrolment", known))
    return findings


def _font(settings: KioskSettings) -> Finding:
    from kiosk.domain.i18n import Translator
    from kiosk.forms.errors import FormError
    from kiosk.forms.fonts import find_fonts

    try:
        fonts = find_fonts(settings.form.font_path, index=settings.form.font_index)
    except FormError as error:
        return Finding(False, "CJK font", error.words(Translator("en")))
    return Finding(True, "CJK font", str(fonts.regular.path))


def _printer(settings: KioskSettings) -> Finding:
    printer = settings.form.printer
    if printer is None:
        return Finding(True, "printer", f"none: forms are saved to {settings.form_folder}")
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        return Finding(False, "printer", "lpstat not found: install the CUPS client (cups-client)")
    try:
        done = subprocess.run(
            [lpstat, "-p", printer],
            capture_output=True,
            text=True,
            timeout=LPSTAT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Finding(False, "printer", f"lpstat -p {printer} failed: {type(error).__name__}")
    said = (done.stdout.strip() or done.stderr.strip()).splitlines()
    first = said[0] if said else f"lpstat exit status {done.returncode}"
    if done.returncode != 0 or "disabled" in first:
        return Finding(False, "printer", first)
    return Finding(True, "printer", first)


def check(config: Path) -> Iterator[Finding]:
    """Checks the kiosk ``config`` describes, one finding at a time (as each is known)."""
    from kiosk.settings import ConfigError, KioskSettings

    try:
        settings = KioskSettings.load(config)
    except ConfigError as error:
        yield Finding(False, "config", str(error))
        return
    yield Finding(True, "config", f"{config} parses")
    key_finding, key = _key(settings)
    yield key_finding
    if settings.registry.kiosk_id is None:
        yield Finding(False, "enrolment", "not enrolled: run kiosk enroll")
    else:
        yield Finding(True, "enrolment", f"kiosk id {settings.registry.kiosk_id}")
    yield from asyncio.run(_registry(settings, key))
    yield _seal_key(settings)
    yield _font(settings)
    yield _printer(settings)
