"""What the application form shows: plain values, built once from the Draft.

:class:`FormData` is everything :func:`~kiosk.forms.pdf.render_form` needs and nothing more, so
the PDF can be made (and made again, for a reprint) without the screens, the store or the
registry. :func:`form_data` builds it from the domain's :class:`~kiosk.domain.draft.Draft` at the
moment of 送出資料.

What the form shows of people follows the screens: the students' names, schools and classes as
the registry gave them (the paper form is the school's copy, checked against its roster), the
parent's ID number, phone and email masked as on the review screen, and the parent's name as the
Draft holds it (in full as typed, or masked for an existing account, whose full name the kiosk
never learns).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Final

from kiosk.domain.consent import ConsentStatement
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.i18n import DEFAULT_LANGUAGE, Translator
from kiosk.domain.masking import mask_email, mask_id, mask_phone
from kiosk.domain.people import ROLE_LABELS

#: Taiwan's time (UTC+8 all year: no daylight saving since 1979), the form's default.
TAIWAN_TIME: Final[tzinfo] = timezone(timedelta(hours=8), "Asia/Taipei")


@dataclass(frozen=True, slots=True)
class FormStudent:
    """One student on the form, with the words of the parent's relationship.

    Attributes:
        name: The student's name, as the registry gave it.
        class_name: The student's class (資訊二忠).
        school_name: The student's school.
        relationship: How the parent is related to the student (父親, or 其他's own words).
        role: The parent's standing (法定代理人 or 監護人).
    """

    name: str
    class_name: str
    school_name: str
    relationship: str
    role: str


@dataclass(frozen=True, slots=True)
class FormParent:
    """The parent on the form, masked as on the review screen.

    Attributes:
        name: The full name as typed, or the masked name of an existing account.
        id_number: The ID number, masked (``YA94***61``).
        email: The email address, masked (``an***@hy-tech.com.tw``); empty when there is none.
        phone: The phone number, masked (``09***45``); empty when there is none.
        existing_account: Whether the parent already had a city single-sign-on account.
    """

    name: str
    id_number: str
    email: str
    phone: str
    existing_account: bool = False


@dataclass(frozen=True, slots=True)
class FormData:
    """Everything the application form shows.

    Attributes:
        receipt: The application's receipt number (``K0001-20261130-0001``).
        submitted_at: When 送出資料 was pressed, timezone-aware, in the time zone to print.
        students: The students, in the order added.
        parent: The parent, masked.
        statement_text: The personal-data statement accepted (Markdown, as the consent screen
            shows it).
        statement_version: The version of that statement.
        statement_effective: The date that version took effect (ISO 8601).
        signature: The parent's electronic signature: strokes, or the typed name.
        language: The catalog the words of the form come from (``zh_TW``).
    """

    receipt: str
    submitted_at: datetime
    students: tuple[FormStudent, ...]
    parent: FormParent
    statement_text: str
    statement_version: str
    statement_effective: str
    signature: Signature
    language: str = DEFAULT_LANGUAGE

    def __post_init__(self) -> None:
        if self.submitted_at.tzinfo is None:
            raise ValueError("submitted_at must be timezone-aware")


def _parent(details: ParentDetails) -> FormParent:
    if details.existing_account:
        # The registry's prefill arrives masked already; masking it again would change it.
        email = details.email.value if details.email is not None else ""
        phone = details.phone.e164 if details.phone is not None else ""
    else:
        email = mask_email(details.email) if details.email is not None else ""
        phone = mask_phone(details.phone) if details.phone is not None else ""
    return FormParent(
        name=details.name,
        id_number=mask_id(details.parent_id),
        email=email,
        phone=phone,
        existing_account=details.existing_account,
    )


def form_student(student: StudentEntry, translator: Translator) -> FormStudent:
    """One student of the Draft as the form shows it.

    Args:
        student: The student, as the registry verified it.
        translator: The form's language (for the relationship and role words).
    """
    return FormStudent(
        name=student.name,
        class_name=student.class_name,
        school_name=student.school_name,
        relationship=student.relationship.title(translator.gettext),
        role=translator.gettext(ROLE_LABELS[student.relationship.role]),
    )


def form_data(
    draft: Draft,
    *,
    receipt: str,
    submitted_at: datetime,
    statement: ConsentStatement,
    language: str = DEFAULT_LANGUAGE,
    tz: tzinfo = TAIWAN_TIME,
) -> FormData:
    """The form of a submitted application.

    Args:
        draft: The application, complete (:meth:`~kiosk.domain.draft.Draft.check_complete`).
        receipt: Its receipt number.
        submitted_at: When 送出資料 was pressed (timezone-aware).
        statement: The statement the parent accepted, in the form's language; its version
            must be the one the Draft records.
        language: The form's language, a catalog under ``kiosk/locale`` (Traditional Chinese
            by default).
        tz: The time zone the date is printed in (Taiwan's by default).

    Raises:
        DomainError: The Draft is not complete (see ``Draft.check_complete``).
        ValueError: ``submitted_at`` is naive, or ``statement`` is not the version accepted.
    """
    draft.check_complete()
    # check_complete leaves neither the parent nor the signature missing.
    assert draft.parent is not None
    assert draft.signature is not None
    if statement.version != draft.consent_version:
        raise ValueError(
            f"statement version {statement.version!r} is not the one accepted "
            f"({draft.consent_version!r})"
        )
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    words = Translator(language)
    return FormData(
        receipt=receipt,
        submitted_at=submitted_at.astimezone(tz),
        students=tuple(form_student(student, words) for student in draft.students),
        parent=_parent(draft.parent),
        statement_text=statement.text,
        statement_version=statement.version,
        statement_effective=statement.effective,
        signature=draft.signature,
        language=language,
    )
