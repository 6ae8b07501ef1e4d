"""The registry's HTTP bodies: one set of pydantic models for both ends of the wire.

The kiosk's client builds requests and reads answers with these models; the registry's routers
declare them, so its OpenAPI document and the client cannot drift (see ``registry/API.md``).

The models check shape and size only: every body is bounded (strings have a maximum length, lists
a maximum count, signatures a maximum number of points) so that a valid body always fits the
registry's 64 KiB cap. The 親子綁定 rules themselves (ID checksums, phone kinds, names, ...) are
checked by the registry with the same ``kiosk.domain`` functions the kiosk uses, so a wrong value
is answered with the rule's own :class:`~kiosk.domain.errors.ErrorCode`, not a schema error.
Unknown fields are refused (``extra="forbid"``).
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Annotated, Final, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from kiosk.domain.contact import Channel
from kiosk.domain.documents import IdDocument
from kiosk.domain.draft import MAX_STUDENTS
from kiosk.domain.errors import ErrorCode
from kiosk.domain.i18n import DEFAULT_LANGUAGE, Language
from kiosk.domain.people import Level, Relationship
from kiosk.domain.status import BindingStatus as BindingStatus  # re-exported: the wire's enum

#: The ``aud`` of every kiosk JWT, and the default audience of the registry's own tokens.
AUDIENCE: Final = "coolclass-registry"
#: The longest a kiosk JWT may live (``exp - iat``), in seconds.
KIOSK_TOKEN_MAX_LIFETIME_S: Final = 300
#: The header carrying a parent-session JWT (beside the kiosk's ``Authorization``).
PARENT_SESSION_HEADER: Final = "X-Parent-Session"
#: The header carrying a staff JWT.
STAFF_SESSION_HEADER: Final = "X-Staff-Session"
#: The URL prefix of this version of the API.
API_PREFIX: Final = "/v1"
#: The largest request body the registry reads, in bytes.
MAX_BODY_BYTES: Final = 64 * 1024

#: A kiosk's receipt number: ``K<kiosk code>-<YYYYMMDD>-<number>`` (and nothing else: it is
#: quoted in the mail the registry sends).
RECEIPT_PATTERN: Final = r"^K[A-Z0-9]{1,8}-[0-9]{8}-[0-9]{4,9}$"

#: Bounds of a drawn signature: strokes, points in one stroke, points in all, coordinate range.
MAX_STROKES: Final = 200
MAX_POINTS_PER_STROKE: Final = 2000
MAX_POINTS: Final = 4000
MAX_COORDINATE: Final = 4095


def no_control_characters(text: str) -> str:
    """``text`` unchanged, or ``ValueError`` if it holds a control character (Unicode ``Cc``).

    Nothing a parent or a clerk types holds one, and PostgreSQL refuses a NUL in text outright
    (which would be a 500), so every text of the wire refuses them here, once.
    """
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError("control characters are not allowed")
    return text


def visible_text(text: str) -> str:
    """``text`` unchanged, or ``ValueError`` if nothing in it would show.

    Spaces, and format characters such as U+200B (zero width space) or U+202E (right-to-left
    override), draw nothing: a text of only those is blank.
    """
    if all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp") for ch in text):
        raise ValueError("the text is blank")
    return text


#: Text of the wire: no control characters (the bounds are the aliases' own).
Text = Annotated[str, AfterValidator(no_control_characters)]

# Raw text as typed is bounded generously; the domain rules decide what is valid inside it.
IdText = Annotated[Text, Field(min_length=1, max_length=32)]
NameText = Annotated[Text, Field(min_length=1, max_length=100)]
EmailText = Annotated[Text, Field(min_length=1, max_length=320)]
PhoneText = Annotated[Text, Field(min_length=1, max_length=40)]
AddressText = Annotated[Text, Field(min_length=1, max_length=320)]
SchoolCode = Annotated[Text, Field(min_length=1, max_length=32)]
Token = Annotated[Text, Field(min_length=1, max_length=4096)]
# A password is hashed, never stored: any character the person chose is theirs to use.
Password = Annotated[str, Field(min_length=1, max_length=256)]
ShortText = Annotated[Text, Field(min_length=1, max_length=200)]
#: A text a person must be able to read (a rejection's reason): not blank once invisible
#: characters are set aside.
VisibleText = Annotated[ShortText, AfterValidator(visible_text)]
Coordinate = Annotated[int, Field(ge=0, le=MAX_COORDINATE)]
Point = tuple[Coordinate, Coordinate]
Stroke = Annotated[list[Point], Field(min_length=1, max_length=MAX_POINTS_PER_STROKE)]


class WireModel(BaseModel):
    """Base of every body: unknown fields refused, instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SignatureKind(StrEnum):
    """How the parent signed: drawn strokes, or the typed full name where no pointer exists."""

    DRAWN = "drawn"
    TYPED = "typed"


class StaffRole(StrEnum):
    """What a staff account may review: a homeroom teacher their classes, an admin the school."""

    TEACHER = "teacher"
    ADMIN = "admin"


# --- errors ---------------------------------------------------------------------------------


class ErrorDetailOut(WireModel):
    """What went wrong, as a stable code and its parameters (the kiosk's catalogs word it)."""

    code: ErrorCode
    field: str | None = None
    params: dict[str, str | int] = Field(default_factory=dict)


class ErrorOut(WireModel):
    """Every error answer: ``{"error": {"code", "field", "params"}}``."""

    error: ErrorDetailOut


# --- health and kiosks ----------------------------------------------------------------------


class HealthOut(WireModel):
    """The registry is up."""

    status: Literal["ok"] = "ok"
    version: str


class KioskOut(WireModel):
    """What the registry knows of the calling kiosk (``GET /v1/kiosks/me``)."""

    kiosk_id: str
    school_code: str
    last_receipt: str | None = None
    """The highest receipt number it holds from this kiosk (a lost counter resumes past it)."""


class KioskEnrollIn(WireModel):
    """A kiosk presents its one-time enrollment token and its own Ed25519 public key."""

    enrollment_token: Annotated[Text, Field(min_length=1, max_length=200)]
    public_key: Annotated[Text, Field(min_length=1, max_length=100)]
    """Base64 (standard alphabet, padded) of the raw 32-byte Ed25519 public key."""


class KioskEnrollmentOut(WireModel):
    """What an enrolled kiosk puts into its JWTs (``iss``, ``sub``, ``aud``)."""

    kiosk_id: str
    school_code: str
    issuer: str
    audience: str


# --- codes and parent sessions --------------------------------------------------------------


class CodeRequestIn(WireModel):
    """Send a one-time code to an email address or a mobile number."""

    channel: Channel
    address: AddressText
    language: Language = DEFAULT_LANGUAGE  # what the code's message is written in


class CodeChallengeOut(WireModel):
    """A code was sent; verify it against ``challenge_id`` before ``expires_at``."""

    challenge_id: UUID
    channel: Channel
    masked_address: str
    expires_at: AwareDatetime


class CodeVerifyIn(WireModel):
    """The code the parent typed (6 digits; full-width digits and spaces are normalised)."""

    challenge_id: UUID
    code: Annotated[Text, Field(min_length=1, max_length=32)]


class ParentSessionOut(WireModel):
    """A verified contact: send ``session_token`` as ``X-Parent-Session``."""

    session_token: str
    expires_at: AwareDatetime
    channel: Channel
    address: str  # the verified address, normalised (email: lower-case domain; phone: E.164)


# --- roster and lookups ---------------------------------------------------------------------


class SchoolOut(WireModel):
    """A school of one level."""

    code: str
    name: str
    level: Level


class SchoolListOut(WireModel):
    """The schools of the level asked for, by name."""

    schools: list[SchoolOut]


class StudentVerifyIn(WireModel):
    """Level + student ID + school: all three must match a pupil enrolled there."""

    level: Level
    student_id: IdText
    school_code: SchoolCode


class StudentVerifyOut(WireModel):
    """The pupil found, for the parent to confirm 姓名 / 班級."""

    name: str
    class_name: str
    school_code: str
    school_name: str


class ParentLookupIn(WireModel):
    """Does this parent ID already have an account?"""

    parent_id: IdText


class ParentLookupOut(WireModel):
    """Whether an account exists, with its details masked for the prefill (null without one)."""

    has_account: bool
    masked_name: str | None = None
    masked_email: str | None = None
    masked_phone: str | None = None


# --- applications and bindings --------------------------------------------------------------


class SubmissionStudentIn(WireModel):
    """One student of an application, as the parent entered them."""

    relationship: Relationship
    relationship_other: Annotated[Text, Field(max_length=100)] | None = None
    level: Level
    student_id: IdText
    school_code: SchoolCode


class SubmissionParentIn(WireModel):
    """The parent. With ``existing_account`` the registry takes name, email and phone from it."""

    id: IdText
    name: NameText | None = None
    email: EmailText | None = None
    phone: PhoneText | None = None
    existing_account: bool = False


class SignatureIn(WireModel):
    """The electronic signature: drawn strokes (points in cell coordinates) or the typed name."""

    kind: SignatureKind
    strokes: Annotated[list[Stroke], Field(max_length=MAX_STROKES)] = Field(default_factory=list)
    typed_name: NameText | None = None

    @model_validator(mode="after")
    def _bounded_and_present(self) -> SignatureIn:
        # Counted across strokes so that the largest valid signature still fits the body cap.
        if sum(len(stroke) for stroke in self.strokes) > MAX_POINTS:
            raise ValueError(f"a signature has at most {MAX_POINTS} points")
        if self.kind is SignatureKind.DRAWN and not self.strokes:
            raise ValueError("a drawn signature needs at least one stroke")
        if self.kind is SignatureKind.TYPED and not self.typed_name:
            raise ValueError("a typed signature needs the typed name")
        return self


class SubmissionIn(WireModel):
    """One application as the kiosk pushes it; ``application_id`` is the idempotency key."""

    application_id: UUID
    receipt: Annotated[str, Field(pattern=RECEIPT_PATTERN)]
    challenge_id: UUID  # the verified code challenge that opened the parent's session
    consent_version: Annotated[Text, Field(min_length=1, max_length=40)]
    submitted_at: AwareDatetime
    students: Annotated[list[SubmissionStudentIn], Field(min_length=1, max_length=MAX_STUDENTS)]
    parent: SubmissionParentIn
    signature: SignatureIn
    language: Language = DEFAULT_LANGUAGE  # the parent's: what the registry writes to them in


class BindingOut(WireModel):
    """One student bound (or asked to be bound) to one parent, as the parent sees it."""

    binding_id: UUID
    application_id: UUID
    position: int = Field(ge=0, lt=MAX_STUDENTS)
    """Which student of its application this is (0-based, in the order submitted)."""
    student_name: str
    class_name: str
    school_name: str
    relationship: Relationship
    relationship_other: str | None = None
    status: BindingStatus
    reason: str | None = None
    """Why it was rejected (the reviewer's words), for 不通過."""
    updated_at: AwareDatetime
    masked: bool = False
    """Another binding of the parent the session's application names, seen through a contact
    that is not the parent's own: the name masked (吳○寶), school, class and reason left out."""


class SubmissionOut(WireModel):
    """The stored application: what a first submission and every replay answer."""

    application_id: UUID
    receipt: str
    bindings: list[BindingOut]


class BindingListOut(WireModel):
    """Every binding visible to the parent session's verified contact."""

    bindings: list[BindingOut]
    logged_in: bool = False
    """Whether the account of a parent these bindings name has been used to sign in."""


class PurgeOut(WireModel):
    """How many pending and rejected bindings were removed."""

    removed: int


class StatusLinkOut(WireModel):
    """The short link of an application's read-only status page (the progress page's QR code)."""

    url: str
    """The registry's public base URL, ``/s/`` and a signed token naming the application."""
    expires_at: AwareDatetime
    """After this the link shows only that it has expired."""


# --- staff ----------------------------------------------------------------------------------


class StaffLoginIn(WireModel):
    """A staff login."""

    username: Annotated[Text, Field(min_length=1, max_length=100)]
    password: Password


class StaffSessionOut(WireModel):
    """A staff token: send it as ``X-Staff-Session``."""

    session_token: str
    expires_at: AwareDatetime
    role: StaffRole
    school_code: str
    display_name: str


class StaffBindingOut(WireModel):
    """A binding as a reviewer sees it (the parent's ID and contact masked)."""

    binding_id: UUID
    application_id: UUID
    receipt: str
    student_name: str
    masked_student_id: str
    class_name: str
    school_code: str
    school_name: str
    parent_name: str
    masked_parent_id: str
    masked_parent_email: str
    masked_parent_phone: str
    relationship: Relationship
    relationship_other: str | None = None
    status: BindingStatus
    reason: str | None = None
    submitted_at: AwareDatetime
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    paper_form_received_at: AwareDatetime | None = None
    account_created: bool = False
    """Set in the answer of an approval that created the parent's account (else False)."""
    in_person_document: IdDocument | None = None
    """What staff saw when they verified the parent in person (臨櫃核對身分), not by code."""
    in_person_by: str | None = None
    """Who saw it (the staff member's name)."""


class StaffBindingListOut(WireModel):
    """Bindings in the staff member's scope."""

    bindings: list[StaffBindingOut]


class StaffEventAction(StrEnum):
    """What a staff member did on a kiosk itself (the registry audits it with the kiosk)."""

    LEAVE_KIOSK = "kiosk.leave"
    SYNC_NOW = "kiosk.sync_now"


class StaffEventIn(WireModel):
    """A staff action taken on a kiosk, for the registry's audit log."""

    action: StaffEventAction


class RejectIn(WireModel):
    """Why a binding is rejected (shown to the parent with 不通過)."""

    reason: VisibleText


# --- parent accounts ------------------------------------------------------------------------


class AccountLoginIn(WireModel):
    """A parent logs in with the email and the password."""

    email: EmailText
    password: Password


class AccountLoginOut(WireModel):
    """The login worked; with ``must_change_password`` the parent must change it first."""

    must_change_password: bool


class PasswordChangeIn(WireModel):
    """Change the password (the initial one must be changed at first login)."""

    email: EmailText
    password: Password
    new_password: Password


# --- the changes feed (the kiosk's sync worker) ---------------------------------------------

#: The most changes one page of ``GET /v1/changes`` holds.
MAX_CHANGES_PAGE: Final = 1000
#: A page's size when the kiosk does not say.
DEFAULT_CHANGES_PAGE: Final = 200


class BindingChangeOut(WireModel):
    """One change of a binding of the calling kiosk's applications, numbered by the registry.

    Every change of a binding's status, reason or removal (and its creation) gets the next
    sequence number of the kiosk whose application it belongs to, in commit order.
    """

    seq: int
    """The change's number: ask for ``after=seq`` to get what came next."""
    binding_id: UUID
    application_id: UUID
    status: BindingStatus
    reason: str | None = None
    """Why it was rejected (the reviewer's words), for 不通過."""
    removed: bool = False
    """The parent cancelled it (or purged it): it is no longer shown anywhere."""
    changed_at: AwareDatetime


class ChangeFeedOut(WireModel):
    """A page of the changes feed, oldest first."""

    changes: list[BindingChangeOut]
    cursor: int
    """Pass this as ``after`` next time (the last change's ``seq``; ``after`` itself when empty)."""
    more: bool
    """Whether more changes wait beyond this page."""
