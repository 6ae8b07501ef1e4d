"""Every word a parent can see has a zh_TW and an English translation, and every error code has
words; the English reads as English (no CJK left) and keeps each message's placeholders."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kiosk.domain.errors import MESSAGES, DomainError, ErrorCode
from kiosk.domain.i18n import LANGUAGES, LOCALE_DIR, Translator, with_language

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
#: Chinese, Japanese and Korean characters and their punctuation (「」、：　 and full-width forms).
CJK = re.compile(
    r"[\u2e80-\u2fff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)


def _catalog(language: str) -> dict[str, str]:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po").open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id and not m.fuzzy}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _extracted() -> set[str]:
    found: set[str] = set()
    for package in ("kiosk", "screens", "registry"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.update(message if isinstance(message, tuple) else (message,))
    return found


def test_every_error_code_has_a_message() -> None:
    assert set(MESSAGES) == set(ErrorCode)


def test_zh_tw_catalog_translates_every_extracted_message() -> None:
    with (LOCALE_DIR / "zh_TW" / "LC_MESSAGES" / "kiosk.po").open("rb") as po:
        catalog = read_po(po)
    translated = {str(m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_extracted() - translated)
    assert missing == [], "untranslated in zh_TW (run `make extract-messages`, then translate)"


def test_errors_are_shown_in_traditional_chinese_with_their_parameters() -> None:
    words = Translator("zh_TW").explain(DomainError(ErrorCode.LIMIT_SMS, max=2, minutes=60))
    assert (
        words == "系統設定一個行動電話60分鐘之內只能寄送2次簡訊，建議您改用電子郵件信箱取得驗證碼。"
    )
    assert "此E-mail已有申請紀錄，不得再次申請" in Translator().explain(
        ErrorCode.PARENT_EMAIL_TAKEN
    )


def test_a_missing_parameter_still_shows_the_message() -> None:
    assert "驗證碼錯誤" in Translator().explain(ErrorCode.CODE_WRONG)


def test_every_language_the_switch_offers_has_a_catalog() -> None:
    assert set(LANGUAGES) == {"zh_TW", "en"}
    for language in LANGUAGES:
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "kiosk.po").is_file()


def test_english_catalog_translates_every_extracted_message() -> None:
    english = _catalog("en")
    missing = sorted(message for message in _extracted() if not english.get(message))
    assert missing == [], "missing in en (run `make extract-messages`, then write the English)"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_no_catalog_keeps_messages_the_code_no_longer_has(language: str) -> None:
    assert sorted(set(_catalog(language)) - _extracted()) == []


def test_english_words_hold_no_chinese_characters_nor_corner_brackets() -> None:
    chinese = {message: words for message, words in _catalog("en").items() if CJK.search(words)}
    assert chinese == {}


def test_english_words_fill_only_the_placeholders_their_message_has() -> None:
    """A name the code does not pass would leave the braces (or fail) on screen."""
    extra = {
        message: sorted(_placeholders(words) - _placeholders(message))
        for message, words in _catalog("en").items()
        if _placeholders(words) - _placeholders(message)
    }
    assert extra == {}


def test_make_locale_compiles_english_and_the_kiosk_speaks_it() -> None:
    """The .mo files are build products (not in git): ``make locale`` makes the English one,
    and the translator then gives the catalog's English where it differs from the message id."""
    for language in LANGUAGES:
        folder = LOCALE_DIR / language / "LC_MESSAGES"
        compiled, source = folder / "kiosk.mo", folder / "kiosk.po"
        assert compiled.is_file(), f"run `make locale`: {compiled} is missing"
        assert compiled.stat().st_mtime >= source.stat().st_mtime, f"run `make locale`: {source}"
    english = Translator("en")
    assert english.gettext("Disagree and exit") == "Decline and exit"
    assert english.explain(ErrorCode.CODE_WRONG, {"remaining": 1}) == (
        "The code is wrong. Tries left: 1."
    )


def test_dates_are_in_minguo_years_in_chinese_and_iso_in_english() -> None:
    day = date(2026, 11, 30)
    assert Translator("zh_TW").date(day) == "民國115年11月30日"
    assert Translator("en").date(day) == "2026-11-30"


def test_a_switched_translator_tells_again_what_it_said() -> None:
    translator = Translator("zh_TW")
    said = translator.gettext("Get verification code")
    assert said == "取得驗證碼"
    translator.use(translator.next_language())
    assert translator.language == "en"
    assert translator.retell(said, "zh_TW") == "Get verification code"
    assert translator.retell("陳曉明", "zh_TW") is None  # a name is nobody's message
    translator.use(translator.next_language())
    assert translator.retell("Get verification code", "en") == "取得驗證碼"


def test_the_status_link_opens_in_english_when_english_was_chosen() -> None:
    """The same token under the English path: no longer than the link itself (the QR code holds
    62 characters and the registry's link may use them all)."""
    link = "http://127.0.0.1:8600/s/abc"
    assert with_language(link, "zh_TW") == link
    assert with_language(link, "en") == "http://127.0.0.1:8600/e/abc"
    assert with_language("http://127.0.0.1:8600/e/abc", "zh_TW") == link
    assert len(with_language(link, "en")) == len(link)
