"""The kiosk's outbox: what waits to be pushed, how each push ended, what the registry said."""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta

import pytest

from kiosk.domain.errors import DomainError, ErrorCode
from kiosk.domain.status import ApplicationStatus, BindingStatus, StudentStatus
from store.local import LocalStore
from tests.unit.local_store import MORNING, binding, body_of, make_draft

# --- the outbox and the statuses ------------------------------------------------------------


def test_the_outbox_gives_due_entries_with_their_exact_body(store: LocalStore) -> None:
    drafts = [make_draft(random.Random(seed)) for seed in range(3)]
    for minute, draft in enumerate(drafts):
        store.applications.save_submission(
            draft, body_of(draft), now=MORNING + timedelta(minutes=minute)
        )

    due = store.outbox.due(MORNING + timedelta(minutes=1), limit=10)

    assert [item.application_id for item in due] == [d.application_id for d in drafts[:2]]
    assert json.loads(due[0].payload)["receipt"] == "KT01-20260901-0001"
    assert due[0].payload == body_of(drafts[0])("KT01-20260901-0001")
    assert [item.application_id for item in store.outbox.due(MORNING, limit=1)] == [
        drafts[0].application_id
    ]
    assert len(store.outbox.due(MORNING + timedelta(hours=1), limit=2)) == 2


def test_a_failed_push_is_counted_and_put_off(store: LocalStore) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)
    later = MORNING + timedelta(seconds=30)

    store.outbox.mark_attempt_failed(draft.application_id, ErrorCode.REGISTRY_UNREACHABLE, later)

    assert store.outbox.due(later - timedelta(seconds=1), limit=10) == []
    (item,) = store.outbox.due(later, limit=10)
    assert (item.attempts, item.last_error) == (1, "registry.unreachable")


def test_a_pushed_application_leaves_the_outbox_and_follows_the_review(
    store: LocalStore,
) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)
    pushed_at = MORNING + timedelta(minutes=1)
    bindings = [binding(draft.application_id, i) for i, _ in enumerate(draft.students)]

    store.outbox.mark_pushed(draft.application_id, bindings, now=pushed_at)
    store.outbox.mark_pushed(draft.application_id, bindings, now=pushed_at + timedelta(minutes=1))

    stored = store.applications.get(draft.application_id)
    assert stored is not None
    assert store.outbox.due(MORNING + timedelta(days=1), limit=10) == []
    assert (stored.status, stored.pushed_at) == (ApplicationStatus.PENDING, pushed_at)
    assert [s.binding_id for s in stored.students] == [b.binding_id for b in bindings]
    assert {s.status for s in stored.students} == {StudentStatus.PENDING}

    decided_at = MORNING + timedelta(days=1)
    assert store.outbox.apply_status(
        bindings[0].binding_id, BindingStatus.APPROVED, None, now=decided_at
    )
    mid = store.applications.get(draft.application_id)
    assert mid is not None
    assert (mid.status, mid.decided_at) == (ApplicationStatus.PENDING, None)
    assert store.outbox.apply_status(
        bindings[1].binding_id, BindingStatus.REJECTED, "班級不符", now=decided_at
    )

    final = store.applications.get(draft.application_id)
    assert final is not None
    assert (final.status, final.decided_at) == (ApplicationStatus.DECIDED, decided_at)
    assert [(s.status, s.reason) for s in final.students] == [
        (StudentStatus.APPROVED, None),
        (StudentStatus.REJECTED, "班級不符"),
    ]


def test_a_replay_without_a_cancelled_binding_marks_that_student_removed(
    store: LocalStore,
) -> None:
    """The kiosk died after the registry stored the application; the parent then cancelled
    one student there. The replay answers one binding fewer: the push is still acknowledged."""
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)

    store.outbox.mark_pushed(draft.application_id, [binding(draft.application_id, 1)], now=MORNING)

    stored = store.applications.get(draft.application_id)
    assert stored is not None
    assert store.outbox.due(MORNING + timedelta(days=1), limit=10) == []
    assert [s.removed for s in stored.students] == [True, False]


def test_a_status_for_an_unknown_binding_is_ignored(store: LocalStore) -> None:
    assert not store.outbox.apply_status(uuid.uuid4(), BindingStatus.APPROVED, None, now=MORNING)


def test_an_answer_that_does_not_fit_the_application_is_refused(store: LocalStore) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)

    for wrong in (
        [binding(draft.application_id, 0), binding(draft.application_id, 0)],  # one place twice
        [binding(draft.application_id, len(draft.students))],  # a student it never had
        [binding(uuid.uuid4(), i) for i, _ in enumerate(draft.students)],  # another's
    ):
        with pytest.raises(DomainError) as refused:
            store.outbox.mark_pushed(draft.application_id, wrong, now=MORNING)
        assert refused.value.code is ErrorCode.REGISTRY_ERROR
    assert len(store.outbox.due(MORNING, limit=10)) == 1


def test_pushing_an_unknown_application_is_refused(store: LocalStore) -> None:
    with pytest.raises(DomainError) as refused:
        store.outbox.mark_pushed(uuid.uuid4(), [], now=MORNING)

    assert refused.value.code is ErrorCode.APPLICATION_NOT_FOUND


def test_a_refused_application_is_never_sent_again_and_shows_why(store: LocalStore) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)

    store.outbox.mark_refused(draft.application_id, ErrorCode.PARENT_EMAIL_TAKEN, now=MORNING)

    stored = store.applications.get(draft.application_id)
    assert stored is not None
    assert store.outbox.due(MORNING + timedelta(days=30), limit=10) == []
    assert (stored.status, stored.decided_at, stored.pushed_at) == (
        ApplicationStatus.DECIDED,
        MORNING,
        None,
    )
    assert {(s.status, s.reason) for s in stored.students} == {
        (StudentStatus.REJECTED, "parent.email_taken")
    }


def test_the_saved_body_is_given_back_until_the_registry_acknowledges_it(
    store: LocalStore,
) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)
    saved = store.outbox.unsent(draft.application_id)
    assert saved is not None
    assert json.loads(saved.payload)["application_id"] == str(draft.application_id)

    store.outbox.mark_pushed(
        draft.application_id,
        [binding(draft.application_id, i) for i, _ in enumerate(draft.students)],
        now=MORNING,
    )

    assert store.outbox.unsent(draft.application_id) is None
    assert store.outbox.unsent(uuid.uuid4()) is None
