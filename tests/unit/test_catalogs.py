"""Every word a parent can see has a zh_TW translation, and every error code has words."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kiosk.domain.errors import MESSAGES, DomainError, ErrorCode
from kiosk.domain.i18n import LOCALE_DIR, Translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


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
