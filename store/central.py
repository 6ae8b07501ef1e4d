"""The registry's database: roster, accounts, applications, codes, limits and kiosks (the audit
log, the messages and the changes feed are in :mod:`store.central_log`, named here too).

Sized for all of Taiwan (about 2.5 million pupils) on PostgreSQL with several registry processes:
every query the registry runs per request has an index (named below where it is not obvious), and
the rules that must hold across processes (one live application per parent and student, one row
per used token id, one application per id) are unique constraints the database enforces, not
checks a process could race past.

Enumerations are stored as their string values (``VARCHAR``, no native enum types), so a new member
needs no migration.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    orm,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.domain.clock import utc_now
from kiosk.domain.contact import Channel
from kiosk.domain.documents import IdDocument
from kiosk.domain.people import Level, Relationship
from kiosk.domain.wire import BindingStatus, SignatureKind, StaffRole
from store.base import CreatedAtMixin, TimestampMixin
from store.central_base import (
    _BIG_ID,
    DIGEST_LENGTH,
    EMAIL_LENGTH,
    ID_NUMBER_LENGTH,
    PHONE_LENGTH,
    _key_of,
)
from store.central_base import NAME_LENGTH as NAME_LENGTH
from store.central_base import CentralBase as CentralBase

# The records of what happened have a module of their own; named here too, so that importing this
# module brings the whole schema (the migrations' metadata, the tests' clean slate).
from store.central_log import AuditEvent as AuditEvent
from store.central_log import BindingChange as BindingChange
from store.central_log import ChangeCounter as ChangeCounter
from store.central_log import LateStaffEvent as LateStaffEvent
from store.central_log import NotificationRecord as NotificationRecord
from store.central_log import NotificationStatus as NotificationStatus

# --- roster ---------------------------------------------------------------------------------


class School(CentralBase):
    """A school of one level (a school teaching two levels is two entries, as in the roster)."""

    __tablename__ = "schools"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    level: Mapped[Level] = mapped_column(index=True)


class SchoolClass(CentralBase):
    """A class of a school (資訊二忠) and its homeroom teacher."""

    __tablename__ = "school_classes"
    __table_args__ = (
        Index("uq_school_classes_school_name", "school_code", "name", unique=True),
        # What a pupil's one foreign key names: their class, at their school.
        UniqueConstraint("school_code", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_code: Mapped[str] = mapped_column(ForeignKey("schools.code"))
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    homeroom_teacher_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    homeroom_teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id"), index=True
    )

    school: Mapped[School] = orm.relationship(lazy="raise")


class Student(CentralBase):
    """A pupil on the roster.

    One foreign key, ``(school_code, class_id)`` to the class at that school, says both that the
    class exists and that the pupil's school is the class's (whose own key names the school):
    one check for each pupil written, where a key each for the school and the class cost a
    roster import two.
    """

    __tablename__ = "students"
    __table_args__ = (
        ForeignKeyConstraint(
            ["school_code", "class_id"], ["school_classes.school_code", "school_classes.id"]
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(ID_NUMBER_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    school_code: Mapped[str] = mapped_column(String(32), index=True)
    class_id: Mapped[int] = mapped_column(Integer, index=True)
    level: Mapped[Level]
    enrolled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    school: Mapped[School] = orm.relationship(
        primaryjoin="foreign(Student.school_code) == School.code", viewonly=True, lazy="raise"
    )
    school_class: Mapped[SchoolClass] = orm.relationship(lazy="raise")


# --- accounts -------------------------------------------------------------------------------


class StaffAccount(CreatedAtMixin, CentralBase):
    """A homeroom teacher (reviews their classes) or a school admin (reviews the school)."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)
    display_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    role: Mapped[StaffRole]
    school_code: Mapped[str] = mapped_column(ForeignKey("schools.code"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None]
    sessions_ended_at: Mapped[datetime | None]
    """Staff tokens issued at or before this time are refused (a password change, or
    ``registry end-staff-sessions``)."""


class ParentAccount(CreatedAtMixin, CentralBase):
    """A parent's city account: login = the email; made at the first approval."""

    __tablename__ = "parent_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(ID_NUMBER_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    """The login as the parent typed it (what mail is sent to and shown)."""
    email_key: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), unique=True, default=_key_of("email")
    )
    """The login as compared (case-folded): one mailbox, one account, however it is spelled.
    Filled on insert; whatever changes :attr:`email` later must set it too."""
    phone: Mapped[str] = mapped_column(String(PHONE_LENGTH), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None]
    """Until the first login: the account lapses unused at this time."""
    last_login_at: Mapped[datetime | None]
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_until: Mapped[datetime | None]


# --- kiosks and their tokens ----------------------------------------------------------------


class Kiosk(CreatedAtMixin, CentralBase):
    """A school-office terminal: enrolled once with a one-time token, then known by its key."""

    __tablename__ = "kiosks"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    school_code: Mapped[str] = mapped_column(ForeignKey("schools.code"), index=True)
    enrollment_token_hash: Mapped[str | None] = mapped_column(String(DIGEST_LENGTH), unique=True)
    """SHA-256 of the one-time token; cleared when used, so it can never be used again."""
    enrollment_expires_at: Mapped[datetime | None]
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    """The raw 32-byte Ed25519 public key, once enrolled."""
    enrolled_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class UsedTokenId(CentralBase):
    """A kiosk JWT id already seen: the primary key refuses a replay in every process."""

    __tablename__ = "used_token_ids"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    """When the token expires; after that the row can be purged (an expired token fails anyway)."""


# --- codes, limits and parent sessions ------------------------------------------------------


class CodeChallenge(CentralBase):
    """One code sent to one address, stored only as a keyed hash."""

    __tablename__ = "code_challenges"
    # "Kill the earlier live codes for this address" looks them up by the address's key
    # (``address_key``, ``contact_key``: as compared, :func:`email_key`; a phone as it is).
    __table_args__ = (
        Index("ix_code_challenges_address", "channel", "address"),
        Index("ix_code_challenges_address_key", "channel", "address_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[Channel]
    address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    address_key: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), default=_key_of("address"), server_default=text("''")
    )
    code_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    used_at: Mapped[datetime | None]
    dead: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SendEvent(CentralBase):
    """A code sent to an address: the rate limits count these rows."""

    __tablename__ = "send_events"
    __table_args__ = (Index("ix_send_events_address_at", "channel", "address", "at"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    channel: Mapped[Channel]
    address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    at: Mapped[datetime]


class LoginFailure(CentralBase):
    """One wrong password (or unknown login), by the login tried and the client that tried it:
    counted whether the login exists or not, so an unknown one is answered like a known one."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_login_client_at", "login", "client", "at"),
        Index("ix_login_failures_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(EMAIL_LENGTH + 10))
    """``staff:<username>`` or ``parent:<email key>``."""
    client: Mapped[str] = mapped_column(String(64))
    """The client's address as the server saw it (the proxy's forwarded one behind a proxy)."""
    at: Mapped[datetime]


class LoginClient(CentralBase):
    """A client that signed in to a login with the right password (last when): while a login is
    under attack from many clients, only these may still try it (:mod:`.logins` of the registry)."""

    __tablename__ = "login_clients"

    login: Mapped[str] = mapped_column(String(EMAIL_LENGTH + 10), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)


class ParentSession(CentralBase):
    """A verified contact, for the parent-session JWT; counts failed student look-ups."""

    __tablename__ = "parent_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    channel: Mapped[Channel]
    address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("code_challenges.id"), index=True)
    kiosk_id: Mapped[str | None] = mapped_column(ForeignKey("kiosks.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    failed_lookups: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    locked_at: Mapped[datetime | None]
    parent_lookups: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """Parent-ID look-ups made (each answers masked personal data): bounded per session."""


class InPersonVerification(CentralBase):
    """A parent verified in person (臨櫃核對身分): a staff member saw their document and the
    registry opened a session on that word. Counted per staff member and day (the limit); an
    application made under the session carries the mark."""

    __tablename__ = "in_person_verifications"
    __table_args__ = (Index("ix_in_person_verifications_staff_at", "staff_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    challenge_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    """The used challenge that stands for the code (no foreign key: retention may drop it)."""
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"))
    document: Mapped[IdDocument]
    at: Mapped[datetime]

    staff: Mapped[StaffAccount] = orm.relationship(lazy="raise")


# --- applications and bindings --------------------------------------------------------------


class Application(CreatedAtMixin, CentralBase):
    """One submitted application; its id is the kiosk's idempotency key."""

    __tablename__ = "applications"
    # The progress page finds a parent's applications by the contact verified, or by the email or
    # phone the parent gave; the duplicate-email rule looks applications up by email.
    __table_args__ = (
        Index("ix_applications_contact", "channel", "contact_address"),
        Index("ix_applications_contact_key", "channel", "contact_key"),
        Index("ix_applications_parent_email", "parent_email"),
        Index("ix_applications_parent_email_key", "parent_email_key"),
        Index("ix_applications_parent_phone", "parent_phone"),
        Index("ix_applications_parent_id_number", "parent_id_number"),
        # A receipt number is given once per kiosk: a kiosk that lost its counter cannot make
        # the registry hold two applications under one number (older duplicates are flagged).
        Index(
            "uq_applications_kiosk_id_receipt",
            "kiosk_id",
            "receipt",
            unique=True,
            sqlite_where=text("NOT receipt_duplicate"),
            postgresql_where=text("NOT receipt_duplicate"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    receipt: Mapped[str] = mapped_column(String(40))
    kiosk_id: Mapped[str] = mapped_column(ForeignKey("kiosks.id"), index=True)
    channel: Mapped[Channel]
    contact_address: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    contact_key: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH), default=_key_of("contact_address"), server_default=text("''")
    )
    receipt_duplicate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Held a number an earlier application of its kiosk had, before that was refused (set by
    revision 5e1f2a9c7b30 only, which audits it)."""
    challenge_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("code_challenges.id"), index=True)
    consent_version: Mapped[str] = mapped_column(String(40))
    submitted_at: Mapped[datetime]
    parent_id_number: Mapped[str] = mapped_column(String(ID_NUMBER_LENGTH))
    parent_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    parent_email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    parent_email_key: Mapped[str] = mapped_column(
        String(EMAIL_LENGTH),
        default=_key_of("parent_email"),
        server_default=text("''"),  # the column was added to a filled table
    )
    """:attr:`parent_email` as compared (case-folded), for the one-email-one-parent rule."""
    parent_phone: Mapped[str] = mapped_column(String(PHONE_LENGTH))
    existing_account: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_in_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The contact was vouched for by staff who saw the parent's document, not by a code."""
    signature_kind: Mapped[SignatureKind]
    signature: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    """SHA-256 of the submission's canonical JSON: a replay must carry the same."""
    language: Mapped[str] = mapped_column(String(8), default="zh_TW", server_default="zh_TW")
    """The language the parent chose (``zh_TW``, ``en``): the registry writes to them in it."""

    bindings: Mapped[list[Binding]] = orm.relationship(
        back_populates="application", lazy="raise", order_by="Binding.position"
    )
    in_person: Mapped[InPersonVerification | None] = orm.relationship(
        primaryjoin="foreign(Application.challenge_id) == InPersonVerification.challenge_id",
        viewonly=True,
        lazy="raise",
    )


class Binding(TimestampMixin, CentralBase):
    """One student asked to be bound to one parent: pending, approved or rejected."""

    __tablename__ = "bindings"
    __table_args__ = (
        # One live (pending or approved, not removed) binding per parent and student, enforced by
        # the database so two applications racing through different processes cannot both win.
        Index(
            "uq_bindings_live_parent_student",
            "parent_id_number",
            "student_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL AND status != 'rejected'"),
            postgresql_where=text("removed_at IS NULL AND status != 'rejected'"),
        ),
        Index("ix_bindings_parent_student", "parent_id_number", "student_id"),
        # The staff queue: pending bindings of a class's (or school's) students.
        Index("ix_bindings_student_status", "student_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    """The student's place in the application (answers list them in the order given)."""
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"))
    parent_id_number: Mapped[str] = mapped_column(String(ID_NUMBER_LENGTH))
    relationship: Mapped[Relationship]
    relationship_other: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    status: Mapped[BindingStatus] = mapped_column(default=BindingStatus.PENDING)
    reason: Mapped[str | None] = mapped_column(String(200))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"))
    decided_at: Mapped[datetime | None]
    paper_form_received_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    """Cancelled or purged by the parent: kept for the audit, hidden from every list."""

    application: Mapped[Application] = orm.relationship(back_populates="bindings", lazy="raise")
    student: Mapped[Student] = orm.relationship(lazy="raise")
    decided_by: Mapped[StaffAccount | None] = orm.relationship(lazy="raise")
