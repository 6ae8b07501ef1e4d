"""The registry's body of a complete application: what 「送出資料」 saves and sends."""

from __future__ import annotations

import uuid
from datetime import datetime

from kiosk.domain.draft import Draft
from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.i18n import DEFAULT_LANGUAGE, Language
from kiosk.domain.wire import (
    SignatureIn,
    SignatureKind,
    SubmissionIn,
    SubmissionParentIn,
    SubmissionStudentIn,
)


def to_submission(
    draft: Draft, *, receipt: str, now: datetime, language: Language = DEFAULT_LANGUAGE
) -> SubmissionIn:
    """The registry's body for a complete draft, in the parent's ``language`` (the registry
    writes to them in it).

    Raises:
        DomainError: The draft is not complete.
    """
    draft.check_complete()
    parent, signature = draft.parent, draft.signature
    assert parent is not None  # check_complete saw to these
    assert signature is not None
    assert draft.consent_version is not None
    if draft.challenge_id is None:
        raise DomainError(ErrorCode.SESSION_INVALID)
    existing = parent.existing_account
    return SubmissionIn(
        application_id=draft.application_id,
        receipt=receipt,
        challenge_id=uuid.UUID(draft.challenge_id),
        consent_version=draft.consent_version,
        submitted_at=now,
        students=[
            SubmissionStudentIn(
                relationship=entry.relationship.relationship,
                relationship_other=entry.relationship.description,
                level=entry.level,
                student_id=entry.student_id.value,
                school_code=entry.school_code,
            )
            for entry in draft.students
        ],
        # An account's details are known here only masked: the registry takes its own.
        parent=SubmissionParentIn(
            id=parent.parent_id.value,
            name=None if existing else parent.name,
            email=None if existing or parent.email is None else parent.email.value,
            phone=None if existing or parent.phone is None else parent.phone.e164,
            existing_account=existing,
        ),
        signature=SignatureIn(
            kind=SignatureKind(signature.kind),
            strokes=[list(stroke) for stroke in signature.strokes if stroke],
            typed_name=signature.typed_name if signature.kind == "typed" else None,
        ),
        language=language,
    )
