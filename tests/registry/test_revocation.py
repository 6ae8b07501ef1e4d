"""Taking a kiosk out of service and ending a staff member's sessions, from the command line;
a new password ends the old sessions too."""

from __future__ import annotations

import json

from sqlalchemy import select

from kiosk.domain.clock import utc_now
from store.central import StaffAccount
from tests.registry.harness import Live, error_of
from tests.registry.test_cli import _registry


def _past_the_real_clock(live: Live) -> None:
    # The CLI stamps the real time; the test registry's clock starts in September 2026.
    live.clock.advance(seconds=(utc_now() - live.clock()).total_seconds() + 2)


def _queue(live: Live, token: str) -> int:
    return live.staff("GET", "/v1/staff/bindings", token).status_code


def test_a_revoked_kiosk_is_refused_and_the_others_go_on(live: Live) -> None:
    other = live.new_kiosk()
    done = _registry("revoke-kiosk", live.kiosk.kiosk_id, "--database", live.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kiosk_id"] == live.kiosk.kiosk_id
    answer = live.http.get("/v1/schools?level=senior_high", headers=live.kiosk.headers())
    assert (answer.status_code, error_of(answer)["code"]) == (401, "auth.invalid")
    answer = live.http.get("/v1/schools?level=senior_high", headers=other.headers())
    assert answer.status_code == 200, answer.text


def test_revoking_an_unknown_kiosk_says_so(live: Live) -> None:
    done = _registry("revoke-kiosk", "k-0000000000000000", "--database", live.url)
    assert done.returncode != 0
    assert "k-0000000000000000" not in done.stdout


def test_ended_staff_sessions_are_refused_and_a_new_login_works(live: Live) -> None:
    token = live.staff_token(live.roster.teacher)
    assert _queue(live, token) == 200
    done = _registry("end-staff-sessions", live.roster.teacher, "--database", live.url)
    assert done.returncode == 0, done.stderr
    _past_the_real_clock(live)
    assert _queue(live, token) == 401
    assert _queue(live, live.staff_token(live.roster.teacher)) == 200
    with live.sessions() as session:
        rows = session.execute(select(StaffAccount.username, StaffAccount.sessions_ended_at))
        ended = {username: at for username, at in rows}
    assert ended[live.roster.teacher] is not None
    assert ended[live.roster.other_teacher] is None


def test_a_new_password_ends_the_old_sessions(live: Live) -> None:
    token = live.staff_token(live.roster.teacher)
    done = _registry(
        "add-staff",
        "--username",
        live.roster.teacher,
        "--role",
        "teacher",
        "--school",
        "353301",
        "--password",
        "a-new-password-1",
        "--database",
        live.url,
    )
    assert done.returncode == 0, done.stderr
    _past_the_real_clock(live)
    assert _queue(live, token) == 401
    assert _queue(live, live.staff_token(live.roster.teacher, "a-new-password-1")) == 200
