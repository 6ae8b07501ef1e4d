"""The application form 「下載留存」: read back with poppler's tools as a person (and a school
clerk's printer) would see it — every name (a rare character such as 𡘙 included), the receipt
number, the 民國 date, the parent masked as on screen, the statement in full with its version,
embedded and subset fonts, ink on the page and inside the signature box — and delivered to a
printer through ``lp`` or to a folder readable by the kiosk's user only.

The tools come from Debian's poppler-utils and fonts-noto-cjk (``make fonts``, ``.ci/run``);
a test that needs a missing one is skipped with the reason.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fpdf import FPDF

from kiosk.domain.consent import ConsentStatement, load_statement
from kiosk.domain.contact import Channel, Contact
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import Translator
from kiosk.domain.ids import parse_id
from kiosk.domain.people import Level, Relationship, RelationshipChoice
from kiosk.forms import (
    Delivery,
    FontMissing,
    FormData,
    FormFonts,
    PrintFailed,
    SaveFailed,
    deliver_form,
    draw_signature,
    find_fonts,
    form_data,
    render_form,
)

ROOT = Path(__file__).resolve().parents[2]

RARE = "陳𡘙明"  # U+21619, outside the Basic Multilingual Plane
RECEIPT = "K0001-20261130-0001"
#: 14:05 on 30 November 2026 in Taipei (民國115年).
SUBMITTED = datetime(2026, 11, 30, 6, 5, tzinfo=UTC)
PARENT_ID = "YA94109161"
EMAIL = "annie.sun2@hy-tech.com.tw"
PHONE = "0928942045"
#: A zigzag, a dot and a vertical bar, in pad dots (x right, y down).
STROKES = (
    ((3, 14), (6, 4), (8, 14), (11, 4), (13, 14), (17, 8), (22, 12), (28, 4), (34, 16)),
    ((40, 10),),
    ((45, 2), (45, 18)),
)


# --- helpers -------------------------------------------------------------------------------


def tool(name: str, package: str) -> str:
    """The path of a command-line tool, or skip the test saying what to install."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package}; `make fonts` installs it)")
    return path


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    return run(tool("pdftotext", "poppler-utils"), "-enc", "UTF-8", str(path), "-")


def squeezed(text: str) -> str:
    """Text without whitespace and without the page footers, so wrapped lines compare whole."""
    text = re.sub(r"收件編號\s*\S+\s*第\s*\d+\s*頁，共\s*\d+\s*頁", "", text)
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Gray:
    """A greyscale page: ``pixels[y * width + x]``, 0 black to 255 white."""

    width: int
    height: int
    pixels: bytes

    def dark(self, x0: int = 0, y0: int = 0, x1: int | None = None, y1: int | None = None) -> int:
        """How many pixels darker than mid-grey lie in the rectangle (end exclusive)."""
        x1 = self.width if x1 is None else x1
        y1 = self.height if y1 is None else y1
        return sum(
            1
            for y in range(max(y0, 0), min(y1, self.height))
            for value in self.pixels[
                y * self.width + max(x0, 0) : y * self.width + min(x1, self.width)
            ]
            if value < 128
        )


def parse_pgm(data: bytes) -> Gray:
    """A binary PGM (P5, 8 bits) as pdftoppm -gray writes it."""
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        while data[position : position + 1].isspace():
            position += 1
        if data[position : position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    magic, width, height, depth = fields
    assert magic == b"P5"
    assert depth == b"255"
    start = position + 1  # one whitespace byte ends the header
    w, h = int(width), int(height)
    return Gray(w, h, data[start : start + w * h])


def rasterize(pdf: bytes, tmp_path: Path, *, dpi: int = 50) -> list[Gray]:
    """Every page of ``pdf`` in grey at ``dpi``."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "raster.pdf"
    source.write_bytes(pdf)
    run(
        tool("pdftoppm", "poppler-utils"),
        "-r",
        str(dpi),
        "-gray",
        str(source),
        str(tmp_path / "page"),
    )
    pages = sorted(tmp_path.glob("page-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return [parse_pgm(page.read_bytes()) for page in pages]


def student(
    name: str, number: str, school: str, class_name: str, choice: RelationshipChoice
) -> StudentEntry:
    return StudentEntry(
        relationship=choice,
        level=Level.SENIOR_HIGH,
        student_id=parse_id(number),
        school_code="313301",
        school_name=school,
        name=name,
        class_name=class_name,
    )


def make_draft(
    statement: ConsentStatement, signature: Signature, parent: ParentDetails | None = None
) -> Draft:
    draft = Draft()
    draft.set_contact(Contact(Channel.EMAIL, EMAIL), "challenge-1")
    draft.add_student(
        student(
            RARE,
            "A123456789",
            "臺北市私立日曜學校",
            "資訊二忠",
            RelationshipChoice(Relationship.FATHER),
        )
    )
    draft.add_student(
        student(
            "吳大寶",
            "B123456780",
            "臺北市立內湖高級工業職業學校",
            "機械二忠",
            RelationshipChoice(Relationship.OTHER, "姑姑"),
        )
    )
    draft.accept_consent(statement.version)
    draft.set_parent(parent or ParentDetails.new(parse_id(PARENT_ID), "王曉明", EMAIL, PHONE))
    draft.sign(signature)
    return draft


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fonts() -> FormFonts:
    """The CJK fonts fontconfig finds; the tests are skipped (saying why) where none is."""
    try:
        return find_fonts()
    except FontMissing as missing:
        pytest.skip(missing.words(Translator("en")))


@pytest.fixture(scope="module")
def statement() -> ConsentStatement:
    return load_statement("zh_TW")


@pytest.fixture(scope="module")
def data(statement: ConsentStatement) -> FormData:
    draft = make_draft(statement, Signature(strokes=STROKES))
    return form_data(draft, receipt=RECEIPT, submitted_at=SUBMITTED, statement=statement)


@pytest.fixture(scope="module")
def pdf(data: FormData, fonts: FormFonts) -> bytes:
    return render_form(data, fonts=fonts)


# --- what the form says --------------------------------------------------------------------


def test_form_data_holds_the_application_as_shown(
    data: FormData, statement: ConsentStatement
) -> None:
    assert data.receipt == RECEIPT
    assert data.submitted_at.isoformat() == "2026-11-30T14:05:00+08:00"
    assert [
        (s.name, s.school_name, s.class_name, s.relationship, s.role) for s in data.students
    ] == [
        (RARE, "臺北市私立日曜學校", "資訊二忠", "父親", "法定代理人"),
        ("吳大寶", "臺北市立內湖高級工業職業學校", "機械二忠", "姑姑", "監護人"),
    ]
    assert (data.parent.name, data.parent.id_number, data.parent.email, data.parent.phone) == (
        "王曉明",
        "YA94***61",
        "an***@hy-tech.com.tw",
        "09***45",
    )
    assert (data.statement_version, data.statement_text) == (statement.version, statement.text)
    assert data.signature.strokes == STROKES


def test_the_pdf_reads_back_with_names_receipt_dates_and_masked_parent(
    pdf: bytes, tmp_path: Path
) -> None:
    text = pdf_text(pdf, tmp_path)
    flat = squeezed(text)
    for expected in (
        "臺北市校園單一身分驗證親子帳號申請書",
        f"收件編號：{RECEIPT}",
        "2026-11-30（民國115年11月30日）14:05",
        RARE,
        "吳大寶",
        "臺北市立內湖高級工業職業學校",
        "機械二忠",
        "父親（法定代理人）",
        "姑姑（監護人）",
        "王曉明",
        "YA94***61",
        "an***@hy-tech.com.tw",
        "09***45",
        "家長同意書（學校留存）",
        "家長簽名",
        "日期",
    ):
        assert expected in flat, expected
    for secret in (PARENT_ID, PHONE, "annie.sun2", "A123456789"):
        assert secret not in flat, f"{secret} must not be on the form"


def test_the_pdf_holds_the_statement_in_full_with_its_version(
    pdf: bytes, statement: ConsentStatement, tmp_path: Path
) -> None:
    flat = squeezed(pdf_text(pdf, tmp_path))
    assert f"聲明版本{statement.version}（{statement.effective}起適用）" in flat
    # A list item's number is set in a column of its own, which pdftotext reads apart.
    paragraphs = [
        re.sub(r"\s+", "", re.sub(r"^(\d+\.|[-*])\s+", "", line.strip().lstrip("#")))
        for line in statement.text.replace("**", "").splitlines()
        if line.strip()
    ]
    assert len(paragraphs) > 20
    missing = [paragraph for paragraph in paragraphs if paragraph not in flat]
    assert missing == []


def test_the_fonts_are_embedded_and_subset(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    listing = run(tool("pdffonts", "poppler-utils"), str(path)).splitlines()[2:]
    assert listing, "the form uses no font"
    for line in listing:
        name, *_, emb, sub, uni, _object, _generation = line.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line
        assert re.match(r"[A-Z]{6}\+", name), f"not a subset: {line}"


def test_the_pages_are_not_blank(pdf: bytes, tmp_path: Path) -> None:
    pages = rasterize(pdf, tmp_path)
    assert len(pages) == 2  # the application, then the consent form
    for page in pages:
        share = page.dark() / (page.width * page.height)
        assert share > 0.01, f"only {share:.2%} of the page is dark"


def test_a_typed_signature_is_set_as_the_name(
    statement: ConsentStatement, fonts: FormFonts, tmp_path: Path
) -> None:
    draft = make_draft(statement, Signature(typed_name="王曉明"))
    typed = form_data(draft, receipt=RECEIPT, submitted_at=SUBMITTED, statement=statement)
    flat = squeezed(pdf_text(render_form(typed, fonts=fonts), tmp_path))
    assert "家長於服務機上輸入全名，以代替手寫簽名。" in flat
    assert flat.count("王曉明") >= 2  # the parent's row and the signature box


def test_an_existing_account_is_shown_as_the_registry_masked_it(
    statement: ConsentStatement, fonts: FormFonts, tmp_path: Path
) -> None:
    parent = ParentDetails.existing(parse_id(PARENT_ID), "王○明", "an***@hy-tech.com.tw", "09***45")
    draft = make_draft(statement, Signature(typed_name="王曉明"), parent)
    existing = form_data(draft, receipt=RECEIPT, submitted_at=SUBMITTED, statement=statement)
    assert (existing.parent.name, existing.parent.email, existing.parent.phone) == (
        "王○明",
        "an***@hy-tech.com.tw",
        "09***45",
    )
    flat = squeezed(pdf_text(render_form(existing, fonts=fonts), tmp_path))
    assert "家長已有臺北市校園單一身分驗證帳號" in flat
    assert "09***45" in flat


def test_the_date_is_taipeis_and_in_minguo_years(
    statement: ConsentStatement, fonts: FormFonts, tmp_path: Path
) -> None:
    draft = make_draft(statement, Signature(strokes=STROKES))
    late = form_data(
        draft,
        receipt=RECEIPT,
        submitted_at=datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
        statement=statement,
    )
    assert late.submitted_at.isoformat() == "2027-01-01T00:30:00+08:00"
    flat = squeezed(pdf_text(render_form(late, fonts=fonts), tmp_path))
    assert "2027-01-01（民國116年1月1日）00:30" in flat


def test_form_data_refuses_what_cannot_be_printed(statement: ConsentStatement) -> None:
    draft = make_draft(statement, Signature(strokes=STROKES))
    with pytest.raises(ValueError, match="not the one accepted"):
        form_data(
            draft,
            receipt=RECEIPT,
            submitted_at=SUBMITTED,
            statement=replace(statement, version="1999.9"),
        )
    with pytest.raises(ValueError, match="timezone-aware"):
        form_data(
            draft, receipt=RECEIPT, submitted_at=datetime(2026, 11, 30, 14, 5), statement=statement
        )
    draft.remove_student(0)
    draft.remove_student(0)
    with pytest.raises(DomainError) as error:
        form_data(draft, receipt=RECEIPT, submitted_at=SUBMITTED, statement=statement)
    assert error.value.code is ErrorCode.DRAFT_NO_STUDENTS


# --- the signature -------------------------------------------------------------------------


def _ink_in_box(signature: Signature, fonts: FormFonts, tmp_path: Path) -> tuple[int, int, int]:
    """Draws ``signature`` in a 90×32 mm box at (40, 50) mm on a blank A4 page: the dark pixels
    inside the box, outside it, and how wide the ink inside spreads (pixels)."""
    document = FPDF(unit="mm", format="A4")
    document.add_font("form", "", fonts.regular.path, collection_font_number=fonts.regular.index)
    document.add_page()
    document.set_font("form", "", 12)
    box = (40.0, 50.0, 90.0, 32.0)
    draw_signature(document, signature, *box)
    dpi = 72
    (page,) = rasterize(bytes(document.output()), tmp_path, dpi=dpi)
    x0, y0, x1, y1 = (
        round(v * dpi / 25.4) for v in (box[0], box[1], box[0] + box[2], box[1] + box[3])
    )
    inside = page.dark(x0, y0, x1, y1)
    outside = page.dark() - inside
    columns = [x for x in range(x0, x1) if page.dark(x, y0, x + 1, y1)]
    spread = columns[-1] - columns[0] if columns else 0
    return inside, outside, spread


def test_the_drawn_signature_puts_ink_inside_its_box(fonts: FormFonts, tmp_path: Path) -> None:
    inside, outside, spread = _ink_in_box(Signature(strokes=STROKES), fonts, tmp_path)
    assert inside > 100
    assert outside == 0
    box_width = round(90 * 72 / 25.4)
    assert spread > box_width * 0.5, "the strokes are scaled up to fill the box"


def test_a_single_dot_and_a_typed_name_stay_inside_the_box(
    fonts: FormFonts, tmp_path: Path
) -> None:
    dot_inside, dot_outside, _ = _ink_in_box(
        Signature(strokes=(((5, 5),),)), fonts, tmp_path / "dot"
    )
    assert dot_inside > 0
    assert dot_outside == 0
    typed_inside, typed_outside, _ = _ink_in_box(
        Signature(typed_name="王曉明"), fonts, tmp_path / "typed"
    )
    assert typed_inside > 50
    assert typed_outside == 0


# --- fonts ---------------------------------------------------------------------------------


def test_no_cjk_font_raises_font_missing_with_words_for_staff() -> None:
    with pytest.raises(FontMissing) as missing:
        find_fonts(families=("No Such Font Family 9",))
    words = missing.value.words(Translator())
    assert "未安裝中文字型" in words
    assert "No Such Font Family 9" in words
    assert "fonts-noto-cjk" in words


def test_a_configured_font_file_that_is_missing_or_not_a_font_raises_font_missing(
    data: FormData, tmp_path: Path
) -> None:
    nowhere = tmp_path / "nowhere.ttf"
    with pytest.raises(FontMissing) as missing:
        find_fonts(nowhere)
    assert str(nowhere) in missing.value.words(Translator())
    not_a_font = tmp_path / "notes.ttf"
    not_a_font.write_text("not a font", encoding="utf-8")
    with pytest.raises(FontMissing) as unusable:
        render_form(data, fonts=find_fonts(not_a_font))
    assert "無法用於製作申請書" in unusable.value.words(Translator())


def test_the_cjk_font_has_the_rare_character_itself(
    fonts: FormFonts, data: FormData, tmp_path: Path
) -> None:
    """Noto Sans CJK TC covers U+21619: the form needs no fallback font for it."""
    document = FPDF()
    document.add_font("form", "", fonts.regular.path, collection_font_number=fonts.regular.index)
    font = document.fonts["form"]
    assert 0x21619 in getattr(font, "cmap", {})


def test_characters_the_font_lacks_come_from_a_fallback_font(
    data: FormData, tmp_path: Path
) -> None:
    """With a Latin-only text font configured, every Chinese character (𡘙 included) is set in a
    CJK font fontconfig finds for it, and still reads back."""
    latin = shutil.which("fc-match") and run("fc-match", "--format=%{file}", "DejaVu Sans").strip()
    if not latin or "DejaVu" not in latin:
        pytest.skip("DejaVu Sans is not installed (fonts-dejavu-core)")
    fallback = render_form(data, fonts=find_fonts(Path(latin)))
    flat = squeezed(pdf_text(fallback, tmp_path))
    assert RARE in flat
    assert "家長同意書（學校留存）" in flat
    path = tmp_path / "fallback.pdf"
    path.write_bytes(fallback)
    listing = run(tool("pdffonts", "poppler-utils"), str(path))
    assert "DejaVuSans" in listing
    assert "NotoSansCJKTC" in listing  # a Traditional Chinese face, regular weight


# --- delivery ------------------------------------------------------------------------------


@pytest.fixture
def fake_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ``lp`` first on PATH that records its arguments and a copy of the file it was given.

    It answers as CUPS does, or as told by ``$FAKE_LP_MODE``: ``refuse`` (exit 1 with CUPS's
    words) or ``hang`` (sleeps 10 s).
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "lp-record"
    script = bin_dir / "lp"
    script.write_text(
        f"""#!/bin/sh
printf '%s\\n' "$@" > '{record}.args'
for last; do :; done
cp "$last" '{record}.pdf'
stat -c %a "$last" > '{record}.mode'
case "$FAKE_LP_MODE" in
  refuse) echo 'lp: The printer or class does not exist.' >&2; exit 1 ;;
  hang) exec sleep 10 ;;
esac
echo "request id is $2-12 (1 file(s))"
""",
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("FAKE_LP_MODE", raising=False)
    return record


def test_printing_hands_the_pdf_to_lp(fake_lp: Path) -> None:
    content = b"%PDF-1.4 a form"
    delivery = deliver_form(content, RECEIPT, printer="office", folder=Path("/nonexistent"))
    assert delivery == Delivery("printed", "office", "request id is office-12 (1 file(s))")
    assert delivery.words(Translator()) == "已送出列印至 office"
    args = fake_lp.with_suffix(".args").read_text(encoding="utf-8").splitlines()
    assert args[:2] == ["-d", "office"]
    assert Path(args[2]).name == f"{RECEIPT}.pdf"
    assert not Path(args[2]).exists(), "the temporary copy is removed after printing"
    assert fake_lp.with_suffix(".pdf").read_bytes() == content
    assert fake_lp.with_suffix(".mode").read_text(encoding="utf-8").strip() == "600"


def test_a_refusing_printer_raises_print_failed_with_cups_words(
    fake_lp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_LP_MODE", "refuse")
    with pytest.raises(PrintFailed) as failed:
        deliver_form(b"%PDF", RECEIPT, printer="office")
    assert failed.value.words(Translator()) == (
        "無法於 office 列印申請書：lp: The printer or class does not exist."
    )


def test_a_printer_that_does_not_answer_raises_print_failed(
    fake_lp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_LP_MODE", "hang")
    with pytest.raises(PrintFailed) as failed:
        deliver_form(b"%PDF", RECEIPT, printer="office", timeout=1.0)
    assert failed.value.words(Translator()) == ("列印服務未於 1 秒內回應，申請書未於 office 列印。")


def test_no_lp_or_a_bad_printer_name_raises_print_failed(tmp_path: Path) -> None:
    with pytest.raises(PrintFailed) as no_lp:
        deliver_form(b"%PDF", RECEIPT, printer="office", lp=str(tmp_path / "no-lp"))
    assert "找不到 CUPS 的 lp 指令" in no_lp.value.words(Translator())
    with pytest.raises(PrintFailed) as bad_name:
        deliver_form(b"%PDF", RECEIPT, printer="-o evil")
    assert "印表機名稱" in bad_name.value.words(Translator())


def test_saving_writes_a_private_file_in_a_private_folder(tmp_path: Path) -> None:
    folder = tmp_path / "forms" / "kiosk"
    delivery = deliver_form(b"%PDF first", RECEIPT, folder=folder)
    path = folder / f"{RECEIPT}.pdf"
    assert delivery == Delivery("saved", str(path.absolute()))
    assert delivery.words(Translator()) == f"已儲存至 {path.absolute()}"
    assert path.read_bytes() == b"%PDF first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    # Saved again (a reprint): replaced, still private, nothing else left behind.
    path.chmod(0o644)
    deliver_form(b"%PDF again", RECEIPT, folder=folder)
    assert path.read_bytes() == b"%PDF again"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [f"{RECEIPT}.pdf"]


def test_a_receipt_cannot_name_a_file_outside_the_folder(tmp_path: Path) -> None:
    delivery = deliver_form(b"%PDF", "../../etc/passwd", folder=tmp_path / "forms")
    assert Path(delivery.where).parent == (tmp_path / "forms").absolute()


def test_saving_where_it_cannot_raises_save_failed(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    with pytest.raises(SaveFailed) as failed:
        deliver_form(b"%PDF", RECEIPT, folder=blocked / "forms")
    assert f"無法將申請書儲存至 {blocked / 'forms'}" in failed.value.words(Translator())
    with pytest.raises(SaveFailed) as nowhere:
        deliver_form(b"%PDF", RECEIPT)
    assert "未設定申請書的印表機或儲存資料夾" in nowhere.value.words(Translator())


# --- boundaries ----------------------------------------------------------------------------


def test_kiosk_forms_imports_only_the_domain_fpdf2_and_the_standard_library() -> None:
    allowed = ("kiosk.domain", "kiosk.forms", "fpdf")
    found: set[str] = set()
    for path in (ROOT / "kiosk" / "forms").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
    wrong = sorted(
        name
        for name in found
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "__future__"
        and not any(name == root or name.startswith(root + ".") for root in allowed)
    )
    assert wrong == []
