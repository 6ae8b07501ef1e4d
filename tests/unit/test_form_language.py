"""「下載留存」 follows the language the parent chose: the form in English has English words, the
English statement and an ISO date; in Chinese, the 民國 date and the Chinese statement.

The form is made by the kiosk's FormDesk (the one the progress page calls), saved to a folder,
and read back with poppler's pdftotext (``make fonts``); skipped where those are missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.domain.consent import load_statement
from kiosk.domain.draft import Signature
from kiosk.domain.i18n import Translator
from kiosk.forms import FontMissing, find_fonts
from kiosk.progress import FormDesk
from kiosk.settings import FormSettings
from tests.unit.test_forms import RECEIPT, STROKES, SUBMITTED, make_draft, pdf_text


def _form(tmp_path: Path, language_chosen: str) -> str:
    try:
        find_fonts()
    except FontMissing as missing:
        pytest.skip(missing.words(Translator("en")))
    # The kiosk's statement is the one in its own language; the parent switched afterwards.
    statement = load_statement("zh_TW")
    translator = Translator("zh_TW")
    desk = FormDesk(
        FormSettings(), folder=tmp_path / "forms", statement=statement, translator=translator
    )
    translator.use(language_chosen)
    draft = make_draft(statement, Signature(strokes=STROKES))
    done, where = desk.deliver(draft, receipt=RECEIPT, submitted_at=SUBMITTED)
    assert done, where
    [saved] = (tmp_path / "forms").iterdir()
    return re.sub(r"\s+", " ", pdf_text(saved.read_bytes(), tmp_path))


def test_the_form_is_in_english_when_english_was_chosen(tmp_path: Path) -> None:
    text = _form(tmp_path, "en")
    assert "Application for a Taipei campus single sign-on parent account" in text
    assert "Date of application: 2026-11-30 14:05" in text
    assert "民國" not in text
    assert "notice on the collection, processing and use of personal data" in text
    assert "version 2026.2" in text
    assert "Father" in text


def test_the_form_is_in_chinese_with_minguo_dates_by_default(tmp_path: Path) -> None:
    text = _form(tmp_path, "zh_TW")
    assert "民國115年11月30日" in text
    assert "個人資料蒐集" in text
