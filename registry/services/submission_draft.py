"""A submission as the registry's rules see it: rebuilt as a :class:`~kiosk.domain.draft.Draft`
with the kiosk's own methods, from facts read by the caller (one application's, or a batch's read
at once), and, once it passed every rule, the rows it is stored as.

Nothing here reads or writes the database: :mod:`registry.services.applications` (one
submission) and :mod:`registry.services.application_batch` (a kiosk's batch) read the facts and
write the rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from kiosk.domain.contact import Channel, Contact, email_key
from kiosk.domain.draft import Draft, ParentDetails, Signature, StudentEntry
from kiosk.domain.errors import DomainError, DomainErrors, ErrorCode
from kiosk.domain.ids import IdNumber, parse_id
from kiosk.domain.masking import mask_name
from kiosk.domain.people import RelationshipChoice, parse_relationship
from kiosk.domain.wire import BindingOut, BindingStatus, SubmissionIn, SubmissionOut
from registry.services.roster import RosterPupil
from registry.services.submission_checks import submitted_at_utc
from store.central import ParentAccount


@dataclass(frozen=True, slots=True)
class Submitted:
    """The outcome of a submission (:func:`registry.services.applications.submit`).

    Attributes:
        result: What to answer.
        created: True for the first submission, False for a replay.
        parent_email: Where the confirmation goes (first submission only).
        parent_name: The parent's name for the confirmation.
        student_names: The students' names for the confirmation.
        email_verified: Whether ``parent_email`` is the contact the parent verified with a code
            (else nobody proved it theirs, and the confirmation says less, more rarely).
    """

    result: SubmissionOut
    created: bool
    parent_email: str
    parent_name: str
    student_names: tuple[str, ...]
    email_verified: bool = False


def prefixed(error: DomainError, prefix: str) -> DomainError:
    """The same error with its field placed inside the submission (``students.2.student_id``)."""
    field = f"{prefix}.{error.field}" if error.field else prefix
    return DomainError(error.code, field=field, **dict(error.params))


def student_given(raw: SubmissionIn, index: int) -> tuple[RelationshipChoice, IdNumber]:
    """The ``index``-th student's relationship and ID number as given (parsed)."""
    given = raw.students[index]
    try:
        choice = parse_relationship(
            given.relationship.value, given.relationship_other, field="relationship"
        )
        number = parse_id(given.student_id, field="student_id")
    except DomainError as error:
        raise prefixed(error, f"students.{index}") from None
    return choice, number


def at_school_given(pupil: RosterPupil, raw: SubmissionIn, index: int) -> bool:
    """Whether the roster's pupil of the ``index``-th student's ID number is at the school
    given (else a miss, or a school unknown: only then is the school itself asked about)."""
    return pupil.school_code == raw.students[index].school_code


def add_pupil(
    draft: Draft,
    raw: SubmissionIn,
    index: int,
    given: tuple[RelationshipChoice, IdNumber],
    student: RosterPupil,
) -> None:
    """Adds the pupil found at the school given to the draft, if the rest of the roster's
    answer agrees (level, enrolled); ``given``: :func:`student_given`'s."""
    where = f"students.{index}"
    choice, number = given
    if student.level != raw.students[index].level:
        raise DomainError(ErrorCode.STUDENT_NOT_FOUND, field=f"{where}.student_id")
    if not student.enrolled:
        raise DomainError(ErrorCode.STUDENT_LEFT_SCHOOL, field=f"{where}.student_id")
    try:
        draft.add_student(
            StudentEntry(
                relationship=choice,
                level=student.level,
                student_id=number,
                school_code=student.school_code,
                school_name=student.school_name,
                name=student.name,
                class_name=student.class_name,
            )
        )
    except DomainError as error:
        raise prefixed(error, where) from None


def parent_given(submission: SubmissionIn) -> IdNumber:
    """The parent's ID number as given (parsed)."""
    try:
        return parse_id(submission.parent.id, field="id")
    except DomainError as error:
        raise prefixed(error, "parent") from None


def parent_details(
    submission: SubmissionIn, number: IdNumber, account: ParentAccount | None
) -> ParentDetails:
    """The parent as the rules see them: the account's data (``account``, the one of
    ``number``) wins over what was sent."""
    given = submission.parent
    if account is not None:
        # As the kiosk saw it: masked, so a typed signature is compared the same way there.
        return ParentDetails.existing(number, mask_name(account.name), account.email, account.phone)
    if given.existing_account:
        raise DomainError(ErrorCode.DRAFT_PARENT_REQUIRED, field="parent.existing_account")
    try:
        return ParentDetails.new(number, given.name or "", given.email or "", given.phone or "")
    except DomainErrors as errors:
        raise prefixed(errors.errors[0], "parent") from None


def parent_email(details: ParentDetails, account: ParentAccount | None) -> str:
    """Where the parent's mail goes: the account's, else the email given."""
    return account.email if account is not None else (details.email.value if details.email else "")


def start_draft(submission: SubmissionIn, details: ParentDetails) -> Draft:
    """The registry's draft of the submission, its parent set."""
    draft = Draft(application_id=submission.application_id)
    try:
        draft.set_parent(details)
    except DomainError as error:
        raise prefixed(error, "parent") from None
    return draft


def finish_draft(draft: Draft, submission: SubmissionIn) -> None:
    """The statement accepted and the signature, then the draft's completeness."""
    draft.accept_consent(submission.consent_version)
    given = submission.signature
    # Its errors already name the field "signature", as the submission does.
    draft.sign(
        Signature(
            strokes=tuple(tuple(point for point in stroke) for stroke in given.strokes),
            typed_name=given.typed_name,
        )
    )
    draft.check_complete()


def stored_rows(
    submission: SubmissionIn,
    digest: str,
    *,
    kiosk_id: str,
    now: datetime,
    contact: Contact,
    details: ParentDetails,
    account: ParentAccount | None,
    draft: Draft,
    students: list[RosterPupil],
    in_person: bool,
) -> tuple[dict[str, object], list[dict[str, object]], Submitted]:
    """An application that passed every rule as rows to insert, and its outcome."""
    parent_id = details.parent_id.value
    email = parent_email(details, account)
    given = submission.signature
    name = account.name if account is not None else details.name
    phone = account.phone if account is not None else (details.phone.e164 if details.phone else "")
    application: dict[str, object] = {
        "id": submission.application_id,
        "receipt": submission.receipt,
        "kiosk_id": kiosk_id,
        "channel": contact.channel,
        "contact_address": contact.address,
        "challenge_id": submission.challenge_id,
        "consent_version": submission.consent_version,
        "submitted_at": submitted_at_utc(submission.submitted_at),
        "parent_id_number": parent_id,
        "parent_name": name,
        "parent_email": email,
        "parent_phone": phone,
        "existing_account": account is not None,
        "verified_in_person": in_person,
        "signature_kind": given.kind,
        "signature": given.model_dump(mode="json"),
        "content_hash": digest,
        "language": submission.language,
        "created_at": now,
    }
    bindings: list[dict[str, object]] = [
        {
            "id": uuid.uuid4(),
            "application_id": submission.application_id,
            "position": position,
            "student_id": student.id,
            "parent_id_number": parent_id,
            "relationship": entry.relationship.relationship,
            "relationship_other": entry.relationship.description,
            "status": BindingStatus.PENDING,
            "created_at": now,
            "updated_at": now,
        }
        for position, (entry, student) in enumerate(zip(draft.students, students, strict=True))
    ]
    result = SubmissionOut(
        application_id=submission.application_id,
        receipt=submission.receipt,
        bindings=[
            BindingOut(
                binding_id=cast(uuid.UUID, binding["id"]),
                application_id=submission.application_id,
                position=cast(int, binding["position"]),
                student_name=student.name,
                class_name=student.class_name,
                school_name=student.school_name,
                relationship=entry.relationship.relationship,
                relationship_other=entry.relationship.description,
                status=BindingStatus.PENDING,
                reason=None,
                updated_at=now,
            )
            for binding, entry, student in zip(bindings, draft.students, students, strict=True)
        ],
    )
    return (
        application,
        bindings,
        Submitted(
            result,
            created=True,
            parent_email=email,
            parent_name=name,
            student_names=tuple(student.name for student in students),
            email_verified=contact.channel is Channel.EMAIL and contact.key == email_key(email),
        ),
    )
