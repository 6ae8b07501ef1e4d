"""A database error logs the statement, never its parameters (parent ID, name, email, phone)."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from tests.registry.harness import Live

PARENT_ID = "YA94109161"
NAME = "王曉明"
EMAIL = "annie.sun2@hy-tech.com.tw"
PHONE = "0928942045"

# PostgreSQL test databases are reused by later tests: the trigger must not outlive this one.
_UNDO = {
    "sqlite": ["DROP TRIGGER forced_failure"],
    "postgres": [
        "DROP TRIGGER forced_failure ON applications",
        "DROP FUNCTION forced_failure()",
    ],
}

_FAIL_INSERTS = {
    "sqlite": [
        "CREATE TRIGGER forced_failure BEFORE INSERT ON applications "
        "BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
    ],
    "postgres": [
        "CREATE FUNCTION forced_failure() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'forced failure'; END $$",
        "CREATE TRIGGER forced_failure BEFORE INSERT ON applications "
        "FOR EACH ROW EXECUTE FUNCTION forced_failure()",
    ],
}


def test_a_failed_insert_logs_no_personal_data(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    _token, challenge = live.parent_session(EMAIL)
    with live.engine.begin() as connection:
        for statement in _FAIL_INSERTS[live.backend]:
            connection.execute(text(statement))
    submission = live.submission(
        challenge, live.roster.at("353301")[:1], parent_id=PARENT_ID, name=NAME, phone=PHONE
    )
    try:
        with caplog.at_level(logging.INFO):
            answer = live.submit(submission)
    finally:
        with live.engine.begin() as connection:
            for statement in _UNDO[live.backend]:
                connection.execute(text(statement))
    assert answer.status_code == 500
    logged = caplog.text
    assert "forced failure" in logged  # the error itself was logged
    for personal in (PARENT_ID, NAME, EMAIL, "+886928942045", PHONE):
        assert personal not in logged
