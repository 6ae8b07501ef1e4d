"""Delivering the application form: printed through CUPS where a printer is configured, else
saved to a folder.

The kiosk says what was done and where (「已送出列印至 X」, 「已儲存至 /path」) with
:meth:`Delivery.words`, and what went wrong with :meth:`~kiosk.forms.errors.FormError.words`.
A saved form holds personal data: the file is readable by the kiosk's user only (0600), in a
folder made for it readable by that user only (0700).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.forms.errors import PrintFailed, SaveFailed

#: How long ``lp`` may take to hand the form to the print service, in seconds.
PRINT_TIMEOUT: Final = 30.0

DeliveryKind = Literal["printed", "saved"]
"""What was done with the form."""

PRINTED: Final = N_("Sent to the printer {printer}")
SAVED: Final = N_("Saved to {path}")
NOWHERE: Final = N_(
    "No printer and no folder is configured for application forms, so the form cannot be "
    "printed or saved."
)
NO_LP: Final = N_(
    "The print service is not installed (CUPS's lp command was not found), so the form cannot "
    "be printed on {printer}."
)
PRINTER_NAME: Final = N_("The printer name {printer} is not valid.")
PRINT_REFUSED: Final = N_("The form could not be printed on {printer}: {reason}")
PRINT_TOO_SLOW: Final = N_(
    "The print service did not answer within {seconds} seconds; the form was not printed on "
    "{printer}."
)
SAVE_REFUSED: Final = N_("The form could not be saved to {folder}: {reason}")

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class Delivery:
    """What was done with the form, and where.

    Attributes:
        kind: ``"printed"`` or ``"saved"``.
        where: The printer's name, or the saved file's absolute path.
        job: What the print service said (``request id is office-12 (1 file(s))``); empty for
            a saved form.
    """

    kind: DeliveryKind
    where: str
    job: str = ""

    def words(self, translator: Translator) -> str:
        """「已送出列印至 X」 or 「已儲存至 /path」, in ``translator``'s language."""
        if self.kind == "printed":
            return translator.gettext(PRINTED).format(printer=self.where)
        return translator.gettext(SAVED).format(path=self.where)


def form_file_name(receipt: str) -> str:
    """The file name of a form: its receipt number, made safe (``K0001-20261130-0001.pdf``)."""
    return (_UNSAFE.sub("_", receipt) or "form") + ".pdf"


def _write_private(path: Path, content: bytes) -> None:
    """Writes ``content`` to ``path`` readable by this user only (0600), whole or not at all."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _print(pdf: bytes, receipt: str, printer: str, lp: str, timeout: float) -> Delivery:
    if printer.startswith("-") or any(ch.isspace() for ch in printer):
        raise PrintFailed(PRINTER_NAME, printer=printer)
    executable = shutil.which(lp)
    if executable is None:
        raise PrintFailed(NO_LP, printer=printer)
    # A folder of our own (0700) for the moment lp reads the file: lp hands it to the print
    # service before it returns, so it can go right after.
    with tempfile.TemporaryDirectory(prefix="kiosk-form-") as folder:
        path = Path(folder) / form_file_name(receipt)
        try:
            _write_private(path, pdf)
            done = subprocess.run(
                [executable, "-d", printer, str(path)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise PrintFailed(
                PRINT_TOO_SLOW, printer=printer, seconds=max(1, round(timeout))
            ) from None
        except OSError as error:
            raise PrintFailed(PRINT_REFUSED, printer=printer, reason=_reason(error)) from error
    if done.returncode != 0:
        said = (done.stderr.strip() or done.stdout.strip()).splitlines()
        reason = said[-1] if said else f"lp exit status {done.returncode}"
        raise PrintFailed(PRINT_REFUSED, printer=printer, reason=reason)
    return Delivery("printed", printer, done.stdout.strip())


def _save(pdf: bytes, receipt: str, folder: Path) -> Delivery:
    path = folder.absolute() / form_file_name(receipt)
    try:
        try:
            folder.mkdir(parents=True, mode=0o700)
        except FileExistsError:
            pass
        else:
            # mkdir's mode is narrowed by the umask, never widened; say it exactly.
            os.chmod(folder, 0o700)
        _write_private(path, pdf)
    except OSError as error:
        raise SaveFailed(SAVE_REFUSED, folder=str(folder), reason=_reason(error)) from error
    return Delivery("saved", str(path))


def deliver_form(
    pdf: bytes,
    receipt: str,
    *,
    printer: str | None = None,
    folder: Path | None = None,
    lp: str = "lp",
    timeout: float = PRINT_TIMEOUT,
) -> Delivery:
    """Prints the form where a printer is configured, else saves it to the folder.

    Printing runs ``lp -d PRINTER FILE`` (CUPS) and waits at most ``timeout`` seconds for it to
    hand the form over. Saving writes ``<folder>/<receipt>.pdf`` (0600), creating the folder
    (0700) where it is missing; a form saved again for the same receipt replaces the first.

    Args:
        pdf: The form (:func:`~kiosk.forms.pdf.render_form`).
        receipt: The application's receipt number (names the file).
        printer: The CUPS printer's name, if one is configured.
        folder: Where forms are saved when no printer is configured.
        lp: The ``lp`` command to run (a name looked up on ``PATH``, or a path).
        timeout: Seconds ``lp`` may take.

    Returns:
        What was done and where.

    Raises:
        PrintFailed: ``lp`` is missing, refused, failed or took too long.
        SaveFailed: The folder or the file cannot be written, or nothing is configured.
    """
    if printer:
        return _print(pdf, receipt, printer, lp, timeout)
    if folder is None:
        raise SaveFailed(NOWHERE)
    return _save(pdf, receipt, folder)
