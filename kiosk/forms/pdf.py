"""The application form 「下載留存」 as a PDF: the application, the signature, the consent form.

Page 1 is the application: receipt number, date (with the 民國 year), the students and the
parent's relationship to each, the parent's details masked as on the screen, and the electronic
signature drawn from its strokes (or the typed name). The next page is the consent form the school
keeps: the personal-data statement in full with its version, and lines for the parent's
handwritten signature and the date.

The words come from the gettext catalogs in the form's language (Traditional Chinese by default);
the fonts are embedded and subset (fpdf2 keeps only the glyphs used), so the PDF reads the same on
a machine without CJK fonts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Final

from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from kiosk.domain.errors import N_
from kiosk.domain.i18n import Translator
from kiosk.forms.data import FormData
from kiosk.forms.errors import FontMissing
from kiosk.forms.fonts import (
    FONT_UNUSABLE,
    MAX_FALLBACK_LOOKUPS,
    FontFile,
    FormFonts,
    fallback_face,
    find_fonts,
)
from kiosk.forms.signature import draw_signature

TITLE: Final = N_("Application for a Taipei campus single sign-on parent account")
RECEIPT: Final = N_("Receipt number: {receipt}")
SUBMITTED: Final = N_("Date of application: {date}")
ROC_DATE: Final = N_("ROC year {year}, month {month}, day {day}")
DATE_AND_TIME: Final = N_("{date} ({roc_date}) {time}")
STUDENTS: Final = N_("1. Students to bind")
STUDENT: Final = N_("Student")
SCHOOL: Final = N_("School")
CLASS: Final = N_("Class")
RELATIONSHIP: Final = N_("Relationship")
RELATIONSHIP_AND_ROLE: Final = N_("{relationship} ({role})")
PARENT: Final = N_("2. Parent")
PARENT_NAME: Final = N_("Parent's name")
ID_NUMBER: Final = N_("ID number")
EMAIL: Final = N_("Email address")
PHONE: Final = N_("Mobile or landline number")
MASKED: Final = N_("The ID number, email and phone are partly hidden on this form.")
EXISTING_ACCOUNT: Final = N_(
    "The parent already has a Taipei campus single sign-on account; the name, email and phone "
    "are the account's."
)
SIGNATURE: Final = N_("3. Electronic signature")
SIGNED_DRAWN: Final = N_("Signed by the parent on the kiosk when applying.")
SIGNED_TYPED: Final = N_("Full name typed on the kiosk in place of a drawn signature.")
CONSENT_ACCEPTED: Final = N_(
    "On the kiosk the parent accepted the personal-data statement, version {version} (in full "
    "on the consent form)."
)
CONSENT_TITLE: Final = N_("Consent form (kept by the school)")
CONSENT_HINT: Final = N_(
    "Please sign this form by hand and hand it in at the school office: the homeroom teacher "
    "reviews the application against it."
)
STUDENT_LINE: Final = N_("Student: {name} ({school} {class_name})")
STATEMENT_VERSION: Final = N_("Statement version {version}, in force since {effective}")
AGREEMENT: Final = N_(
    "I have read the statement above and agree to it, and I confirm that the details of this "
    "application are correct."
)
HANDWRITTEN_SIGNATURE: Final = N_("Parent's signature")
HANDWRITTEN_DATE: Final = N_("Date")
FOOTER: Final = N_("Receipt {receipt} · page {page} of {pages}")

#: The PDF's language tag for each catalog.
_LANGUAGE_TAGS: Final = {"zh_TW": "zh-TW", "en": "en"}
#: The font family names inside the PDF.
_FAMILY: Final = "form"
_FALLBACK: Final = "fallback{}"

# Page geometry, in millimetres (A4).
_MARGIN: Final = 18.0
_TOP: Final = 14.0
_BOTTOM: Final = 16.0
_WIDTH: Final = 210.0 - 2 * _MARGIN
_STUDENT_COLUMNS: Final = (32.0, 66.0, 36.0, 40.0)
_PARENT_COLUMNS: Final = (48.0, _WIDTH - 48.0)
_SIGNATURE_BOX: Final = (90.0, 32.0)
_HANDWRITING_LINE: Final = 70.0
#: The height the agreement and the lines to sign take, kept on one page.
_HANDWRITING_BLOCK: Final = 28.0
_STATEMENT_SIZE: Final = 8.0
_STATEMENT_LINE: Final = 3.8

_LIST_ITEM: Final = re.compile(r"^(\d+\.|[-*])\s+(.*)$")


def _dates(moment: datetime, words: Translator) -> str:
    """``2026-11-30（民國115年11月30日）14:05``."""
    roc = words.gettext(ROC_DATE).format(
        year=moment.year - 1911, month=moment.month, day=moment.day
    )
    return words.gettext(DATE_AND_TIME).format(
        date=moment.strftime("%Y-%m-%d"), roc_date=roc, time=moment.strftime("%H:%M")
    )


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _blocks(markdown: str) -> Iterator[tuple[str, str, str]]:
    """The statement's blocks as ``(kind, marker, text)``: ``heading``, ``item`` or ``text``.

    Only what the statement uses: ``#`` headings, numbered or bulleted items, paragraphs
    (soft line breaks joined), ``**`` emphasis dropped.
    """
    paragraph: list[str] = []

    def flush() -> Iterator[tuple[str, str, str]]:
        if paragraph:
            yield ("text", "", "".join(paragraph))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip().replace("**", "")
        if not line:
            yield from flush()
        elif line.startswith("#"):
            yield from flush()
            yield ("heading", "", line.lstrip("#").strip())
        elif (item := _LIST_ITEM.match(line)) is not None:
            yield from flush()
            marker = item.group(1)
            yield ("item", "•" if marker in "-*" else marker, item.group(2))
        else:
            # A soft line break is a space between words, nothing between Chinese characters.
            joined = not paragraph or (_is_wide(paragraph[-1][-1]) and _is_wide(line[0]))
            paragraph.append(line if joined else " " + line)
    yield from flush()


class _FormPdf(FPDF):
    """An A4 page with the receipt and page number at the foot of every page."""

    def __init__(self, footer: str, receipt: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer = footer
        self._receipt = receipt

    def footer(self) -> None:
        """收件編號 K0001-20261130-0001　第 1 頁，共 2 頁."""
        self.set_y(-11)
        with self.local_context(font_family=_FAMILY, font_style="", font_size_pt=8, text_color=90):
            self.cell(
                0,
                5,
                self._footer.format(
                    receipt=self._receipt, page=self.page_no(), pages=self.str_alias_nb_pages
                ),
                align=Align.C,
            )


def _texts(data: FormData) -> Iterator[str]:
    """Every string of the data the form sets (to find characters the font lacks)."""
    yield data.receipt
    for student in data.students:
        yield from (student.name, student.class_name, student.school_name)
        yield from (student.relationship, student.role)
    parent = data.parent
    yield from (parent.name, parent.id_number, parent.email, parent.phone)
    yield data.statement_text
    yield data.signature.typed_name or ""


def _add_font(pdf: FPDF, family: str, style: str, face: FontFile) -> None:
    try:
        pdf.add_font(family, style, face.path, collection_font_number=face.index)
    except Exception as error:
        # fontTools raises its own types for a damaged or foreign file: any of them means the
        # configured font cannot be used.
        raise FontMissing(FONT_UNUSABLE, path=str(face.path)) from error


def _load_fonts(pdf: FPDF, fonts: FormFonts, texts: Iterable[str]) -> None:
    """Adds the form's faces, and fallbacks for the characters the text face lacks."""
    _add_font(pdf, _FAMILY, "", fonts.regular)
    _add_font(pdf, _FAMILY, "B", fonts.bold)
    lacking = sorted(
        {ch for text in texts for ch in text if not ch.isspace() and not _has(pdf, _FAMILY, ch)}
    )
    used = [fonts.regular, fonts.bold]
    names: list[str] = []
    lookups = 0
    while lacking and lookups < MAX_FALLBACK_LOOKUPS:
        lookups += 1
        face = fallback_face(lacking[0], exclude=used)
        if face is None:
            lacking.pop(0)  # no installed font has it
            continue
        name = _FALLBACK.format(len(names))
        _add_font(pdf, name, "", face)
        used.append(face)
        names.append(name)
        lacking = [ch for ch in lacking if not _has(pdf, name, ch)]
    if names:
        pdf.set_fallback_fonts(names, exact_match=False)


def _has(pdf: FPDF, family: str, character: str) -> bool:
    font = pdf.fonts[family]
    return isinstance(font, TTFFont) and ord(character) in font.cmap


class _Writer:
    """Sets the form's parts, one method each, in the form's language."""

    def __init__(self, pdf: FPDF, data: FormData, words: Translator) -> None:
        self.pdf = pdf
        self.data = data
        self.words = words
        # Chinese breaks between any two characters; English between words.
        self.wrap = WrapMode.CHAR if data.language.startswith("zh") else WrapMode.WORD

    def _(self, message: str) -> str:
        return self.words.gettext(message)

    def font(self, size: float, *, bold: bool = False) -> None:
        self.pdf.set_font(_FAMILY, "B" if bold else "", size)

    def lines(self, text: str, *, height: float, align: Align = Align.L) -> None:
        """``text`` from the current position to the right margin, wrapped, then a new line."""
        self.pdf.multi_cell(
            0, height, text, align=align, wrapmode=self.wrap, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    def paragraph(self, text: str, *, size: float = 10.5, height: float = 5.6) -> None:
        self.font(size)
        self.lines(text, height=height)

    def heading(self, text: str, *, size: float = 12.0) -> None:
        self.pdf.ln(3)
        self.font(size, bold=True)
        self.lines(text, height=7)
        self.pdf.ln(1)

    def title(self, text: str) -> None:
        self.font(16, bold=True)
        self.lines(text, height=9, align=Align.C)
        self.pdf.ln(2)

    def application(self) -> None:
        """Page 1: receipt, date, students, parent, electronic signature."""
        _ = self._
        data = self.data
        self.pdf.add_page()
        self.title(_(TITLE))
        self.paragraph(_(RECEIPT).format(receipt=data.receipt))
        self.paragraph(_(SUBMITTED).format(date=_dates(data.submitted_at, self.words)))
        self.students()
        self.parent()
        self.signature()

    def students(self) -> None:
        _ = self._
        self.heading(_(STUDENTS))
        self.font(10.5)
        with self.pdf.table(
            col_widths=_STUDENT_COLUMNS,
            width=_WIDTH,
            text_align=Align.L,
            wrapmode=self.wrap,
            line_height=6,
            padding=1.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=235),
        ) as table:
            table.row([_(STUDENT), _(SCHOOL), _(CLASS), _(RELATIONSHIP)])
            for student in self.data.students:
                relationship = _(RELATIONSHIP_AND_ROLE).format(
                    relationship=student.relationship, role=student.role
                )
                table.row([student.name, student.school_name, student.class_name, relationship])

    def parent(self) -> None:
        _ = self._
        parent = self.data.parent
        self.heading(_(PARENT))
        self.font(10.5)
        label_style = FontFace(emphasis="BOLD", fill_color=235)
        rows = (
            (PARENT_NAME, parent.name),
            (ID_NUMBER, parent.id_number),
            (EMAIL, parent.email),
            (PHONE, parent.phone),
        )
        with self.pdf.table(
            col_widths=_PARENT_COLUMNS,
            width=_WIDTH,
            text_align=Align.L,
            wrapmode=self.wrap,
            line_height=6,
            padding=1.5,
            first_row_as_headings=False,
        ) as table:
            for label, value in rows:
                row = table.row()
                row.cell(_(label), style=label_style)
                row.cell(value)
        self.pdf.ln(1)
        notes = [_(MASKED)]
        if parent.existing_account:
            notes.append(_(EXISTING_ACCOUNT))
        self.paragraph("".join(notes) if self.wrap is WrapMode.CHAR else " ".join(notes), size=9)

    def signature(self) -> None:
        _ = self._
        pdf = self.pdf
        width, height = _SIGNATURE_BOX
        if pdf.will_page_break(height + 30):
            pdf.add_page()
        self.heading(_(SIGNATURE))
        x, y = pdf.l_margin, pdf.get_y()
        with pdf.local_context(draw_color=170, line_width=0.2):
            pdf.rect(x, y, width, height)
        draw_signature(pdf, self.data.signature, x, y, width, height)
        pdf.set_xy(x, y + height + 1.5)
        drawn = self.data.signature.drawn
        self.paragraph(_(SIGNED_DRAWN if drawn else SIGNED_TYPED), size=9)
        pdf.ln(2)
        self.paragraph(_(CONSENT_ACCEPTED).format(version=self.data.statement_version))

    def consent(self) -> None:
        """The consent form: who and what, the statement in full, lines to sign by hand."""
        _ = self._
        data = self.data
        pdf = self.pdf
        pdf.add_page()
        self.title(_(CONSENT_TITLE))
        self.paragraph(_(CONSENT_HINT), size=10, height=5.2)
        pdf.ln(1)
        self.paragraph(_(RECEIPT).format(receipt=data.receipt), size=10, height=5.2)
        for student in data.students:
            line = _(STUDENT_LINE).format(
                name=student.name, school=student.school_name, class_name=student.class_name
            )
            self.paragraph(line, size=10, height=5.2)
        self.statement()
        self.handwriting()

    def statement(self) -> None:
        _ = self._
        data = self.data
        pdf = self.pdf
        pdf.ln(2)
        self.paragraph(
            _(STATEMENT_VERSION).format(
                version=data.statement_version, effective=data.statement_effective
            ),
            size=9,
        )
        pdf.ln(1)
        for kind, marker, text in _blocks(data.statement_text):
            if kind == "heading":
                pdf.ln(0.8)
                self.font(9, bold=True)
                self.lines(text, height=4.6)
            elif kind == "item":
                self.font(_STATEMENT_SIZE)
                pdf.set_x(pdf.l_margin + 3)
                pdf.cell(6, _STATEMENT_LINE, marker)
                self.lines(text, height=_STATEMENT_LINE)
            else:
                self.font(_STATEMENT_SIZE)
                self.lines(text, height=_STATEMENT_LINE)
                pdf.ln(0.6)

    def handwriting(self) -> None:
        """The agreement and the lines for the parent's signature and the date, kept together."""
        _ = self._
        pdf = self.pdf
        if pdf.will_page_break(_HANDWRITING_BLOCK):
            pdf.add_page()
        pdf.ln(2)
        self.paragraph(_(AGREEMENT), size=10.5)
        pdf.ln(8)
        self.font(10.5, bold=True)
        y = pdf.get_y()
        for label, x in ((_(HANDWRITTEN_SIGNATURE), pdf.l_margin), (_(HANDWRITTEN_DATE), 118.0)):
            label_width = pdf.get_string_width(label) + 2
            pdf.set_xy(x, y)
            pdf.cell(label_width, 7, label)
            line_end = (
                x + label_width + _HANDWRITING_LINE if x == pdf.l_margin else pdf.w - pdf.r_margin
            )
            with pdf.local_context(draw_color=0, line_width=0.3):
                pdf.line(x + label_width, y + 6.5, line_end, y + 6.5)
        pdf.set_xy(pdf.l_margin, y + 10)


def render_form(data: FormData, *, fonts: FormFonts | None = None) -> bytes:
    """The application form as a PDF, in the language of ``data``.

    Args:
        data: What the form shows (see :func:`~kiosk.forms.data.form_data`).
        fonts: The faces to set it in; found through fontconfig when not given
            (:func:`~kiosk.forms.fonts.find_fonts`).

    Returns:
        The PDF file's bytes: page 1 the application, then the consent form the school keeps.

    Raises:
        FontMissing: No font for Chinese text is installed, or the configured one cannot be used.
    """
    faces = fonts if fonts is not None else find_fonts()
    words = Translator(data.language)
    pdf = _FormPdf(words.gettext(FOOTER), data.receipt)
    pdf.set_margins(_MARGIN, _TOP, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_BOTTOM)
    pdf.set_lang(_LANGUAGE_TAGS.get(data.language, data.language.replace("_", "-")))
    pdf.set_title(f"{words.gettext(TITLE)} {data.receipt}")
    pdf.set_creator("coolclass-binding-kiosk")
    # The form of one application is the same file whenever it is made (a reprint included).
    pdf.set_creation_date(data.submitted_at)
    _load_fonts(pdf, faces, _texts(data))
    writer = _Writer(pdf, data, words)
    writer.application()
    writer.consent()
    return bytes(pdf.output())
