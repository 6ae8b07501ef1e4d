"""The Draft of one application, as the parent builds it step by step.

The kiosk's flow owns one :class:`Draft` per parent session and changes it only through its
methods, which keep the rules: no student twice, at most :data:`MAX_STUDENTS`, the parent is none
of the students, a typed signature is the parent's name. The registry rebuilds a Draft from a
submission with the same methods, so a kiosk cannot send what the rules refuse.

A signature attests to what was on the review screen: changing the students or the parent after
signing removes the signature, and it must be given again.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol, TypeVar

from kiosk.domain.contact import Contact, Email, Phone, parse_email, parse_phone
from kiosk.domain.errors import DomainError, DomainErrors, ErrorCode
from kiosk.domain.ids import IdNumber, parse_id
from kiosk.domain.masking import mask_name
from kiosk.domain.people import Level, RelationshipChoice, normalize_name, parse_name

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

#: The most students one application may bind.
MAX_STUDENTS: Final = 10

#: How a signature was given.
SignatureKind = Literal["drawn", "typed"]

#: Field names carried by the errors of the parent's form and the review screen.
PARENT_ID_FIELD: Final = "parent_id"
PARENT_NAME_FIELD: Final = "name"
PARENT_EMAIL_FIELD: Final = "email"
PARENT_PHONE_FIELD: Final = "phone"
STUDENT_ID_FIELD: Final = "student_id"
SIGNATURE_FIELD: Final = "signature"


class _Parser(Protocol[_T_co]):
    def __call__(self, raw: str, /, *, field: str | None = None) -> _T_co: ...


def _collect(errors: list[DomainError], parse: _Parser[_T], raw: str, where: str) -> _T | None:
    """Parses one field, collecting its error instead of raising it."""
    try:
        return parse(raw, field=where)
    except DomainError as error:
        errors.append(error)
        return None


@dataclass(frozen=True, slots=True)
class StudentEntry:
    """One student of the application, as verified by the registry.

    Attributes:
        relationship: How the parent is related to the student (稱謂).
        level: The student's school level.
        student_id: The student's identity number.
        school_code: The school's code in the roster.
        school_name: The school's name, as the registry gave it.
        name: The student's name, as the registry gave it.
        class_name: The student's class (資訊二忠), as the registry gave it.
    """

    relationship: RelationshipChoice
    level: Level
    student_id: IdNumber
    school_code: str
    school_name: str
    name: str
    class_name: str


@dataclass(frozen=True, slots=True)
class ParentDetails:
    """The parent applying.

    Build it with :meth:`new` for a parent without an account (validating what was typed) or
    :meth:`existing` for one whose account the registry found; then ``name``, ``email`` and
    ``phone`` hold the masked values the registry returned (``王○明``, ``an***@hy-tech.com.tw``,
    ``09***45``) and are shown as they are, and either contact may be None.

    Attributes:
        parent_id: The parent's identity number (typed in full, never masked).
        name: The full name, or the masked name of an existing account.
        email: The address that becomes the login and receives the review notice.
        phone: A mobile or landline number.
        existing_account: Whether the parent already has a city single-sign-on account.
    """

    parent_id: IdNumber
    name: str
    email: Email | None
    phone: Phone | None
    existing_account: bool = False

    @classmethod
    def new(cls, parent_id: IdNumber | str, name: str, email: str, phone: str) -> ParentDetails:
        """Checks the details typed for a parent without an account.

        Every field is checked, so a form can show all its errors at once.

        Args:
            parent_id: The verified :class:`IdNumber`, or the number as typed.
            name: The full name as typed.
            email: The email address as typed (required: it becomes the login).
            phone: A mobile or landline number as typed (required).

        Returns:
            The normalised details.

        Raises:
            DomainErrors: one error per field that is wrong, with fields ``parent_id``,
                ``name``, ``email`` and ``phone``.
        """
        errors: list[DomainError] = []
        number = (
            parent_id
            if isinstance(parent_id, IdNumber)
            else _collect(errors, parse_id, parent_id, PARENT_ID_FIELD)
        )
        checked_name = _collect(errors, parse_name, name, PARENT_NAME_FIELD)
        checked_email = _collect(errors, parse_email, email, PARENT_EMAIL_FIELD)
        checked_phone = _collect(errors, parse_phone, phone, PARENT_PHONE_FIELD)
        if errors:
            raise DomainErrors(errors)
        # Without errors every parser returned a value.
        assert number is not None
        assert checked_name is not None
        return cls(number, checked_name, checked_email, checked_phone)

    @classmethod
    def existing(
        cls,
        parent_id: IdNumber,
        masked_name: str,
        masked_email: str | None,
        masked_phone: str | None,
    ) -> ParentDetails:
        """The details of a parent whose account the registry found, as it masked them.

        Args:
            parent_id: The parent's identity number.
            masked_name: The account's name, masked (``王○明``).
            masked_email: The account's email, masked, or None.
            masked_phone: The account's phone, masked (``09***45``), or None.
        """
        email = Email(masked_email) if masked_email else None
        phone = (
            Phone(e164=masked_phone, is_mobile=masked_phone.startswith("09"))
            if masked_phone
            else None
        )
        return cls(parent_id, masked_name, email, phone, existing_account=True)


@dataclass(frozen=True, slots=True)
class Signature:
    """The parent's electronic signature: strokes drawn on the pad, or the typed full name.

    Attributes:
        strokes: Each stroke's points in pad cells, in the order drawn.
        typed_name: The full name typed where no pointer is used.
    """

    strokes: tuple[tuple[tuple[int, int], ...], ...] = ()
    typed_name: str | None = None

    @property
    def drawn(self) -> bool:
        """Whether anything was drawn."""
        return any(self.strokes)

    @property
    def kind(self) -> SignatureKind:
        """``"drawn"`` when anything was drawn, else ``"typed"``."""
        return "drawn" if self.drawn else "typed"

    @property
    def is_empty(self) -> bool:
        """Whether nothing was drawn and no name typed."""
        return not self.drawn and not (self.typed_name and self.typed_name.strip())


def check_parent_id(parent_id: IdNumber, student_ids: Iterable[IdNumber]) -> None:
    """A parent's ID may not be one of the students' (checked at 驗證, and again when kept).

    Raises:
        DomainError: ``DRAFT_PARENT_IS_STUDENT`` (field ``parent_id``).
    """
    if any(student_id == parent_id for student_id in student_ids):
        raise DomainError(ErrorCode.DRAFT_PARENT_IS_STUDENT, field=PARENT_ID_FIELD)


@dataclass
class Draft:
    """One application being built: change it only through its methods.

    Attributes:
        application_id: The application's id, the registry's idempotency key.
        contact: The verified email or mobile number the code was sent to.
        challenge_id: The registry's id of the verified code challenge.
        students: The students, in the order added.
        consent_version: The version of the personal-data statement accepted.
        parent: The parent's details.
        signature: The parent's signature.
    """

    application_id: uuid.UUID = field(default_factory=uuid.uuid4)
    contact: Contact | None = None
    challenge_id: str | None = None
    students: list[StudentEntry] = field(default_factory=list)
    consent_version: str | None = None
    parent: ParentDetails | None = None
    signature: Signature | None = None

    def set_contact(self, contact: Contact, challenge_id: str | None = None) -> None:
        """Records the verified contact and the code challenge that verified it."""
        self.contact = contact
        self.challenge_id = challenge_id

    def _check_student(self, entry: StudentEntry, others: Iterable[StudentEntry]) -> None:
        if self.parent is not None and self.parent.parent_id == entry.student_id:
            raise DomainError(ErrorCode.DRAFT_PARENT_IS_STUDENT, field=STUDENT_ID_FIELD)
        if any(other.student_id == entry.student_id for other in others):
            raise DomainError(ErrorCode.DRAFT_STUDENT_DUPLICATE, field=STUDENT_ID_FIELD)

    def add_student(self, entry: StudentEntry) -> None:
        """Adds a student.

        Raises:
            DomainError: ``DRAFT_PARENT_IS_STUDENT`` when the student's ID is the parent's;
                ``DRAFT_STUDENT_DUPLICATE`` when the student is already in the application;
                ``DRAFT_TOO_MANY_STUDENTS`` (``max``) beyond :data:`MAX_STUDENTS`.
        """
        self._check_student(entry, self.students)
        if len(self.students) >= MAX_STUDENTS:
            raise DomainError(ErrorCode.DRAFT_TOO_MANY_STUDENTS, max=MAX_STUDENTS)
        self.students.append(entry)
        self.signature = None

    def replace_student(self, index: int, entry: StudentEntry) -> None:
        """Replaces the student at ``index`` (after 返回 to correct it).

        Raises:
            DomainError: as :meth:`add_student`, the replaced student aside.
            IndexError: when there is no student at ``index``.
        """
        current = self.students[index]
        self._check_student(entry, (other for other in self.students if other is not current))
        if entry != current:
            self.students[index] = entry
            self.signature = None

    def remove_student(self, index: int) -> None:
        """Removes the student at ``index``.

        Raises:
            IndexError: when there is no student at ``index``.
        """
        del self.students[index]
        self.signature = None

    def accept_consent(self, version: str) -> None:
        """Records that the parent accepted this version of the personal-data statement.

        Raises:
            DomainError: ``DRAFT_CONSENT_REQUIRED`` for an empty version.
        """
        if not version.strip():
            raise DomainError(ErrorCode.DRAFT_CONSENT_REQUIRED)
        self.consent_version = version

    def decline(self) -> None:
        """The parent declined the statement (不同意並退出): everything is discarded."""
        self.wipe()

    def set_parent(self, details: ParentDetails) -> None:
        """Records the parent's details.

        Raises:
            DomainError: ``DRAFT_PARENT_IS_STUDENT`` when the parent's ID is a student's.
        """
        check_parent_id(details.parent_id, (student.student_id for student in self.students))
        if details != self.parent:
            self.parent = details
            self.signature = None

    def sign(self, signature: Signature) -> None:
        """Records the parent's signature.

        A typed name must be the parent's full name (compared after
        :func:`~kiosk.domain.people.parse_name` normalisation, ignoring letter case); for an
        existing account, whose name the kiosk only knows masked, its mask must equal that
        masked name.

        Raises:
            DomainError: ``DRAFT_SIGNATURE_REQUIRED`` for an empty signature;
                ``DRAFT_PARENT_REQUIRED`` before the parent's details are known;
                ``DRAFT_SIGNATURE_MISMATCH`` for a typed name that is not the parent's.
        """
        if signature.is_empty:
            raise DomainError(ErrorCode.DRAFT_SIGNATURE_REQUIRED, field=SIGNATURE_FIELD)
        if self.parent is None:
            raise DomainError(ErrorCode.DRAFT_PARENT_REQUIRED)
        typed = signature.typed_name
        if typed is not None and typed.strip():
            try:
                name = parse_name(typed, field=SIGNATURE_FIELD)
            except DomainError:
                raise DomainError(
                    ErrorCode.DRAFT_SIGNATURE_MISMATCH, field=SIGNATURE_FIELD
                ) from None
            signed = mask_name(name) if self.parent.existing_account else name
            expected = (
                self.parent.name
                if self.parent.existing_account
                else normalize_name(self.parent.name)
            )
            if signed.casefold() != expected.casefold():
                raise DomainError(ErrorCode.DRAFT_SIGNATURE_MISMATCH, field=SIGNATURE_FIELD)
            signature = Signature(signature.strokes, name)
        else:
            signature = Signature(signature.strokes, None)
        self.signature = signature

    def check_complete(self) -> None:
        """Checks that the application can be submitted.

        Raises:
            DomainError: the first of ``DRAFT_NO_STUDENTS``, ``DRAFT_CONSENT_REQUIRED``,
                ``DRAFT_PARENT_REQUIRED``, ``DRAFT_SIGNATURE_REQUIRED``; or a broken rule of
                :meth:`add_student` / :meth:`set_parent` when ``students`` was changed directly.
        """
        if not self.students:
            raise DomainError(ErrorCode.DRAFT_NO_STUDENTS)
        if len(self.students) > MAX_STUDENTS:
            raise DomainError(ErrorCode.DRAFT_TOO_MANY_STUDENTS, max=MAX_STUDENTS)
        if len({student.student_id for student in self.students}) != len(self.students):
            raise DomainError(ErrorCode.DRAFT_STUDENT_DUPLICATE, field=STUDENT_ID_FIELD)
        if self.consent_version is None:
            raise DomainError(ErrorCode.DRAFT_CONSENT_REQUIRED)
        if self.parent is None:
            raise DomainError(ErrorCode.DRAFT_PARENT_REQUIRED)
        if any(student.student_id == self.parent.parent_id for student in self.students):
            raise DomainError(ErrorCode.DRAFT_PARENT_IS_STUDENT, field=PARENT_ID_FIELD)
        if self.signature is None or self.signature.is_empty:
            raise DomainError(ErrorCode.DRAFT_SIGNATURE_REQUIRED, field=SIGNATURE_FIELD)

    def carry_over(self) -> Draft:
        """A new application for more students (新增綁定學生 on the progress page).

        The verified contact and the parent's details are carried over; students, consent and
        signature start afresh, under a new application id.
        """
        return Draft(contact=self.contact, challenge_id=self.challenge_id, parent=self.parent)

    def wipe(self) -> None:
        """Forgets all personal data and starts a new application (idle timeout, decline)."""
        # Cleared in place, so a screen still holding the list holds nothing either.
        self.students.clear()
        self.application_id = uuid.uuid4()
        self.contact = None
        self.challenge_id = None
        self.consent_version = None
        self.parent = None
        self.signature = None
