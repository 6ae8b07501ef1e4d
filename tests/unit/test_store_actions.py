"""The queue of actions (store.local.actions), on SQLite and PostgreSQL: kept until the registry
has it, found by the contact that asked, put off and brought forward, ended once; and a purge
knows which applications saved before it still wait."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Engine

from kiosk.domain.contact import Channel, Contact
from store.local import LocalStore
from store.sealing import Sealer
from tests.unit.local_store import EMAIL, MORNING, PHONE, body_of, make_draft, open_store

CANCEL, PURGE, OTHER = "binding.cancel", "bindings.purge", "staff.event"
KINDS = frozenset({CANCEL, PURGE})


def test_an_action_is_kept_until_sent_and_found_by_its_contact(store: LocalStore) -> None:
    payload = {"challenge_id": str(uuid.uuid4()), "binding_id": str(uuid.uuid4())}
    cancel = store.actions.enqueue(CANCEL, payload, now=MORNING, contact=EMAIL)
    purge = store.actions.enqueue(
        PURGE, {"challenge_id": "x"}, now=MORNING + timedelta(seconds=1), contact=EMAIL
    )
    # Oldest first: each a millisecond after the other (at the same instant the order is open).
    store.actions.enqueue(
        OTHER, {"action": "kiosk_mode.left"}, now=MORNING + timedelta(milliseconds=1)
    )  # nobody's
    store.actions.enqueue(CANCEL, payload, now=MORNING + timedelta(milliseconds=2), contact=PHONE)

    assert [a.action_id for a in store.actions.waiting_for(EMAIL, KINDS)] == [
        cancel.action_id,
        purge.action_id,
    ]
    assert store.actions.waiting_for(Contact(Channel.EMAIL, "someone@else.tw"), KINDS) == []
    assert store.actions.waiting_count() == 4
    due = store.actions.due(MORNING + timedelta(milliseconds=500))
    assert [a.kind for a in due] == [CANCEL, OTHER, CANCEL]  # the purge was asked a second later
    assert due[0].payload == payload

    store.actions.mark_sent(cancel.action_id, now=MORNING)
    store.actions.mark_sent(cancel.action_id, now=MORNING + timedelta(hours=1))  # again: no change
    sent = store.actions.get(cancel.action_id)
    assert sent is not None
    assert (sent.sent_at, sent.refused, sent.waiting) == (MORNING, False, False)
    assert [a.kind for a in store.actions.waiting_for(EMAIL, KINDS)] == [PURGE]


def test_an_action_put_off_comes_back_when_due_or_when_the_registry_answers(
    store: LocalStore,
) -> None:
    action = store.actions.enqueue(PURGE, {"challenge_id": "x"}, now=MORNING, contact=EMAIL)
    later = MORNING + timedelta(minutes=5)
    store.actions.mark_attempt_failed(
        action.action_id, "registry.unreachable", next_attempt_at=later
    )
    assert store.actions.due(MORNING + timedelta(minutes=1)) == []
    assert [a.attempts for a in store.actions.due(later)] == [1]
    assert store.actions.retry_now(frozenset({"server.error"}), now=MORNING) == 0
    assert store.actions.retry_now(frozenset({"registry.unreachable"}), now=MORNING) == 1
    assert [a.action_id for a in store.actions.due(MORNING)] == [action.action_id]

    store.actions.mark_refused(action.action_id, "binding.not_pending", now=later)
    refused = store.actions.get(action.action_id)
    assert refused is not None
    assert (refused.refused, refused.last_error, refused.waiting) == (
        True,
        "binding.not_pending",
        False,
    )
    assert store.actions.due(later) == []


def test_enqueueing_the_same_id_again_keeps_one(store: LocalStore) -> None:
    key = uuid.uuid4()
    first = store.actions.enqueue(CANCEL, {"a": 1}, now=MORNING, action_id=key)
    again = store.actions.enqueue(CANCEL, {"a": 2}, now=MORNING, action_id=key)
    assert again == first
    assert store.actions.waiting_count() == 1


def test_a_purge_knows_the_applications_saved_before_it_that_still_wait(
    store: LocalStore,
) -> None:
    draft = make_draft()
    store.applications.save_submission(draft, body_of(draft), now=MORNING)
    assert store.actions.applications_waiting_before(MORNING - timedelta(seconds=1)) == 0
    assert store.actions.applications_waiting_before(MORNING) == 1
    store.outbox.mark_pushed(draft.application_id, [], now=MORNING)
    assert store.actions.applications_waiting_before(MORNING + timedelta(hours=1)) == 0


def test_the_queue_survives_a_restart(store: LocalStore, engine: Engine, sealer: Sealer) -> None:
    action = store.actions.enqueue(CANCEL, {"binding_id": "b"}, now=MORNING, contact=EMAIL)
    store.close()
    again = open_store(engine, sealer)
    assert [a.action_id for a in again.actions.waiting_for(EMAIL, KINDS)] == [action.action_id]
