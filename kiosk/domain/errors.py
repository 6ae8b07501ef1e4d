"""Typed errors of the 親子綁定 rules.

An error carries a stable code and its parameters, never prose. The words a person sees for each
code live in the gettext catalogs (`kiosk/locale`), looked up through :data:`MESSAGES` by
:class:`kiosk.domain.i18n.Translator`; the registry sends the same codes in its JSON error bodies,
so no screen or endpoint spells a message of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Marks a message for extraction without translating it yet."""
    return message


class ErrorCode(StrEnum):
    """Stable error codes, shared by the kiosk and the registry (and sent over the wire)."""

    # Identity numbers (citizen ID, resident certificates).
    ID_EMPTY = "id.empty"
    ID_FORMAT = "id.format"
    ID_CHECKSUM = "id.checksum"
    # Phones.
    PHONE_EMPTY = "phone.empty"
    PHONE_FORMAT = "phone.format"
    PHONE_NOT_MOBILE = "phone.not_mobile"
    # Emails.
    EMAIL_EMPTY = "email.empty"
    EMAIL_FORMAT = "email.format"
    # Names, relationships, levels.
    NAME_EMPTY = "name.empty"
    NAME_TOO_LONG = "name.too_long"
    NAME_CHARACTERS = "name.characters"
    RELATIONSHIP_UNKNOWN = "relationship.unknown"
    RELATIONSHIP_DESCRIPTION_REQUIRED = "relationship.description_required"
    RELATIONSHIP_DESCRIPTION_TOO_LONG = "relationship.description_too_long"
    LEVEL_UNKNOWN = "level.unknown"
    # The Draft of an application.
    DRAFT_STUDENT_DUPLICATE = "draft.student_duplicate"
    DRAFT_TOO_MANY_STUDENTS = "draft.too_many_students"
    DRAFT_PARENT_IS_STUDENT = "draft.parent_is_student"
    DRAFT_NO_STUDENTS = "draft.no_students"
    DRAFT_CONSENT_REQUIRED = "draft.consent_required"
    DRAFT_PARENT_REQUIRED = "draft.parent_required"
    DRAFT_SIGNATURE_REQUIRED = "draft.signature_required"
    DRAFT_SIGNATURE_MISMATCH = "draft.signature_mismatch"
    # One-time codes.
    CODE_FORMAT = "code.format"
    CODE_WRONG = "code.wrong"
    CODE_EXPIRED = "code.expired"
    CODE_USED = "code.used"
    CODE_DEAD = "code.dead"
    CODE_UNKNOWN = "code.unknown"
    LIMIT_SMS = "limit.sms"
    LIMIT_EMAIL = "limit.email"
    LIMIT_IN_PERSON = "limit.in_person"
    # Parent sessions.
    SESSION_INVALID = "session.invalid"
    SESSION_EXPIRED = "session.expired"
    SESSION_LOCKED = "session.locked"
    # Students, parents, applications, bindings.
    STUDENT_NOT_FOUND = "student.not_found"
    STUDENT_ALREADY_BOUND = "student.already_bound"
    STUDENT_ALREADY_PENDING = "student.already_pending"
    STUDENT_LEFT_SCHOOL = "student.left_school"
    SCHOOL_UNKNOWN = "school.unknown"
    PARENT_EMAIL_TAKEN = "parent.email_taken"
    APPLICATION_CONFLICT = "application.conflict"
    APPLICATION_NOT_FOUND = "application.not_found"
    BINDING_NOT_FOUND = "binding.not_found"
    BINDING_NOT_PENDING = "binding.not_pending"
    # Accounts, staff and kiosks.
    AUTH_REQUIRED = "auth.required"
    AUTH_INVALID = "auth.invalid"
    AUTH_FORBIDDEN = "auth.forbidden"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED = "login.locked"
    ACCOUNT_EXPIRED = "account.expired"
    PASSWORD_CHANGE_REQUIRED = "password.change_required"
    PASSWORD_TOO_SHORT = "password.too_short"
    PASSWORD_INITIAL = "password.initial"
    PASSWORD_FROM_ID = "password.from_id"
    KIOSK_ENROLLMENT_INVALID = "kiosk.enrollment_invalid"
    STAFF_USERNAME_TAKEN = "staff.username_taken"
    NOTIFY_FAILED = "notify.failed"
    # Requests and the registry as the kiosk sees it.
    REQUEST_INVALID = "request.invalid"
    REQUEST_TOO_LARGE = "request.too_large"
    REQUEST_NOT_FOUND = "request.not_found"
    REQUEST_METHOD = "request.method"
    SERVER_ERROR = "server.error"
    REGISTRY_UNREACHABLE = "registry.unreachable"
    REGISTRY_ERROR = "registry.error"
    KIOSK_FAULT = "kiosk.fault"
    """A fault of this kiosk itself (its disk full, its database damaged): not the registry's."""
    # Roster import (registry import-roster): each bad row is reported with its line.
    ROSTER_EMPTY = "roster.empty"
    ROSTER_ENCODING = "roster.encoding"
    ROSTER_HEADER = "roster.header"
    ROSTER_COLUMNS = "roster.columns"
    ROSTER_VALUE_MISSING = "roster.value_missing"
    ROSTER_VALUE_TOO_LONG = "roster.value_too_long"
    ROSTER_VALUE_CONTROL = "roster.value_control"
    ROSTER_SCHOOL_CODE = "roster.school_code"
    ROSTER_USERNAME = "roster.username"
    ROSTER_SCHOOL_MISMATCH = "roster.school_mismatch"
    ROSTER_TEACHER_MISMATCH = "roster.teacher_mismatch"
    ROSTER_TEACHER_INCOMPLETE = "roster.teacher_incomplete"
    ROSTER_TEACHER_CONFLICT = "roster.teacher_conflict"
    ROSTER_STAFF_TAKEN = "roster.staff_taken"
    ROSTER_STUDENT_DUPLICATE = "roster.student_duplicate"


#: The words for each code, as gettext message ids (English); the catalogs translate them.
#: Parameters are named ``{like_this}`` and filled with :meth:`str.format`.
MESSAGES: Mapping[ErrorCode, str] = MappingProxyType(
    {
        ErrorCode.ID_EMPTY: N_("Please enter the ID number."),
        ErrorCode.ID_FORMAT: N_(
            "This is not an ID number: a letter and 9 digits, or a resident certificate number."
        ),
        ErrorCode.ID_CHECKSUM: N_("This ID number is not valid; please check each character."),
        ErrorCode.PHONE_EMPTY: N_("Please enter a phone number."),
        ErrorCode.PHONE_FORMAT: N_("This is not a Taiwan phone number."),
        ErrorCode.PHONE_NOT_MOBILE: N_(
            "A code can only be sent to a mobile number (09xxxxxxxx); use email instead."
        ),
        ErrorCode.EMAIL_EMPTY: N_("Please enter an email address."),
        ErrorCode.EMAIL_FORMAT: N_("This email address is not valid."),
        ErrorCode.NAME_EMPTY: N_("Please enter the full name."),
        ErrorCode.NAME_TOO_LONG: N_("A name can be at most {max} characters."),
        ErrorCode.NAME_CHARACTERS: N_("A name may hold only letters, spaces, · and -."),
        ErrorCode.RELATIONSHIP_UNKNOWN: N_("Please choose your relationship to the student."),
        ErrorCode.RELATIONSHIP_DESCRIPTION_REQUIRED: N_(
            "Please say what your relationship to the student is."
        ),
        ErrorCode.RELATIONSHIP_DESCRIPTION_TOO_LONG: N_(
            "The relationship can be at most {max} characters."
        ),
        ErrorCode.LEVEL_UNKNOWN: N_("Please choose the student's school level."),
        ErrorCode.DRAFT_STUDENT_DUPLICATE: N_("This student is already in this application."),
        ErrorCode.DRAFT_TOO_MANY_STUDENTS: N_("One application can bind at most {max} students."),
        ErrorCode.DRAFT_PARENT_IS_STUDENT: N_(
            "The parent's ID number is one of the students' ID numbers."
        ),
        ErrorCode.DRAFT_NO_STUDENTS: N_("Please add at least one student."),
        ErrorCode.DRAFT_CONSENT_REQUIRED: N_(
            "Please tick the box to agree to the statement before going on."
        ),
        ErrorCode.DRAFT_PARENT_REQUIRED: N_("Please fill in the parent's details."),
        ErrorCode.DRAFT_SIGNATURE_REQUIRED: N_("Please sign your full name."),
        ErrorCode.DRAFT_SIGNATURE_MISMATCH: N_("The signed name must be the parent's full name."),
        ErrorCode.CODE_FORMAT: N_("The code has 6 digits."),
        ErrorCode.CODE_WRONG: N_("The code is wrong. {remaining} tries left."),
        ErrorCode.CODE_EXPIRED: N_(
            "The code has expired (codes are valid for 1 hour). Please get a new one."
        ),
        ErrorCode.CODE_USED: N_("This code has already been used. Please get a new one."),
        ErrorCode.CODE_DEAD: N_("The code was entered wrongly too often. Please get a new one."),
        ErrorCode.CODE_UNKNOWN: N_("This code is no longer valid. Please get a new one."),
        ErrorCode.LIMIT_SMS: N_(
            "A mobile number can receive at most {max} text messages in {minutes} minutes. "
            "Please use your email address to get the code instead."
        ),
        ErrorCode.LIMIT_EMAIL: N_(
            "An email address can receive at most {max} codes in {minutes} minutes. "
            "Please try again later."
        ),
        ErrorCode.LIMIT_IN_PERSON: N_(
            "You have verified {max} parents in person today, the most one staff member may in "
            "a day. Please ask another staff member, or try again tomorrow."
        ),
        ErrorCode.SESSION_INVALID: N_("Please verify your email or phone again."),
        ErrorCode.SESSION_EXPIRED: N_(
            "Your verification has expired. Please verify your email or phone again."
        ),
        ErrorCode.SESSION_LOCKED: N_(
            "Too many students were not found. For your safety this session is locked; "
            "please ask the school office for help."
        ),
        ErrorCode.STUDENT_NOT_FOUND: N_(
            "No student matches this level, ID number and school. Please check all three."
        ),
        ErrorCode.STUDENT_ALREADY_BOUND: N_("This student is already bound to this parent."),
        ErrorCode.STUDENT_ALREADY_PENDING: N_(
            "An application for this student and this parent is already waiting for review."
        ),
        ErrorCode.STUDENT_LEFT_SCHOOL: N_("The student is no longer enrolled at this school."),
        ErrorCode.SCHOOL_UNKNOWN: N_("Please choose the student's school."),
        ErrorCode.PARENT_EMAIL_TAKEN: N_(
            "This email already has an application and cannot be used again. "
            "Please check whether both parents applied with the same email address."
        ),
        ErrorCode.APPLICATION_CONFLICT: N_(
            "This application was already submitted with different content."
        ),
        ErrorCode.APPLICATION_NOT_FOUND: N_("The application was not found."),
        ErrorCode.BINDING_NOT_FOUND: N_("This application was not found."),
        ErrorCode.BINDING_NOT_PENDING: N_("Only an application under review can be cancelled."),
        ErrorCode.AUTH_REQUIRED: N_("Please sign in first."),
        ErrorCode.AUTH_INVALID: N_("The sign-in is not valid. Please sign in again."),
        ErrorCode.AUTH_FORBIDDEN: N_("You may not do this."),
        ErrorCode.LOGIN_FAILED: N_("The account or password is wrong."),
        ErrorCode.LOGIN_LOCKED: N_(
            "Too many wrong passwords. The account is locked for {minutes} minutes."
        ),
        ErrorCode.ACCOUNT_EXPIRED: N_(
            "The account was not used within {days} days of its creation and has expired."
        ),
        ErrorCode.PASSWORD_CHANGE_REQUIRED: N_("Please change your password first."),
        ErrorCode.PASSWORD_TOO_SHORT: N_("The password must have at least {min} characters."),
        ErrorCode.PASSWORD_INITIAL: N_("The new password must differ from the initial one."),
        ErrorCode.PASSWORD_FROM_ID: N_("The password must not be made from the ID number."),
        ErrorCode.KIOSK_ENROLLMENT_INVALID: N_(
            "The enrollment token is not valid or was already used."
        ),
        ErrorCode.NOTIFY_FAILED: N_(
            "The message could not be sent just now. Please try again in a moment, or use the "
            "other way (email or mobile)."
        ),
        ErrorCode.STAFF_USERNAME_TAKEN: N_(
            "This login already belongs to staff of another school."
        ),
        ErrorCode.REQUEST_INVALID: N_("Some of the data sent is not valid ({field})."),
        ErrorCode.REQUEST_TOO_LARGE: N_("The request is too large."),
        ErrorCode.REQUEST_NOT_FOUND: N_("Not found."),
        ErrorCode.REQUEST_METHOD: N_("This action is not allowed here."),
        ErrorCode.SERVER_ERROR: N_("The registry had a problem. Please try again later."),
        ErrorCode.REGISTRY_UNREACHABLE: N_(
            "The registry cannot be reached. Please check the network or try again in a moment; "
            "if it persists, ask the school office."
        ),
        ErrorCode.REGISTRY_ERROR: N_(
            "The registry answered unexpectedly. Please try again; if it persists, ask the "
            "school office."
        ),
        ErrorCode.KIOSK_FAULT: N_("This kiosk has a problem. Please ask the school office."),
        ErrorCode.ROSTER_EMPTY: N_("The file holds no rows to import."),
        ErrorCode.ROSTER_ENCODING: N_("The file is not UTF-8 text."),
        ErrorCode.ROSTER_HEADER: N_("The first row must name the columns {columns}."),
        ErrorCode.ROSTER_COLUMNS: N_("This row has {found} values instead of {expected}."),
        ErrorCode.ROSTER_VALUE_MISSING: N_("This value is missing."),
        ErrorCode.ROSTER_VALUE_TOO_LONG: N_("This value can be at most {max} characters."),
        ErrorCode.ROSTER_VALUE_CONTROL: N_(
            "This value holds a control character (NUL or another invisible one): remove it."
        ),
        ErrorCode.ROSTER_SCHOOL_CODE: N_("A school code holds only letters, digits, - and _."),
        ErrorCode.ROSTER_USERNAME: N_("A login holds only letters, digits, ., @, - and _."),
        ErrorCode.ROSTER_SCHOOL_MISMATCH: N_(
            "Line {line} gives this school another name or level."
        ),
        ErrorCode.ROSTER_TEACHER_MISMATCH: N_(
            "Line {line} gives this class another homeroom teacher."
        ),
        ErrorCode.ROSTER_TEACHER_INCOMPLETE: N_(
            "Give both the teacher's login and name, or neither."
        ),
        ErrorCode.ROSTER_TEACHER_CONFLICT: N_(
            "Line {line} uses this login for another teacher or another school."
        ),
        ErrorCode.ROSTER_STAFF_TAKEN: N_(
            "The login {username} already belongs to staff of another school or role."
        ),
        ErrorCode.ROSTER_STUDENT_DUPLICATE: N_("This student is already listed on line {line}."),
    }
)


class DomainError(Exception):
    """A rule was broken: a stable :class:`ErrorCode` and its parameters, never prose.

    Attributes:
        code: What went wrong.
        params: Values the message for ``code`` needs (``{max}``, ``{remaining}``, ...).
        field: The input the error belongs to, when there is one (shown beside that field).
    """

    def __init__(
        self,
        code: ErrorCode,
        /,
        *,
        field: str | None = None,
        **params: str | int,
    ) -> None:
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.params: Mapping[str, str | int] = MappingProxyType(dict(params))

    def __repr__(self) -> str:
        return (
            f"DomainError({self.code.value!r}, field={self.field!r}, params={dict(self.params)!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DomainError):
            return NotImplemented
        return (self.code, self.field, dict(self.params)) == (
            other.code,
            other.field,
            dict(other.params),
        )

    def __hash__(self) -> int:
        return hash((self.code, self.field, tuple(sorted(self.params.items()))))


class DomainErrors(Exception):  # noqa: N818 - plural of DomainError, as the forms expect
    """Several rules broken at once, one error per field, so a form can show each beside its
    input (see :meth:`kiosk.domain.draft.ParentDetails.new`).

    Attributes:
        errors: The errors, in the order of the form's fields.
    """

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors: tuple[DomainError, ...] = tuple(errors)
        super().__init__(", ".join(error.code.value for error in self.errors))

    @property
    def by_field(self) -> Mapping[str | None, DomainError]:
        """The first error of each field."""
        first: dict[str | None, DomainError] = {}
        for error in self.errors:
            first.setdefault(error.field, error)
        return MappingProxyType(first)

    def __repr__(self) -> str:
        return f"DomainErrors({list(self.errors)!r})"
