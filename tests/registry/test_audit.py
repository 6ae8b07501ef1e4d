"""The audit log of staff actions and ``registry audit`` listing it (SQLite and PostgreSQL).

Staff log in (and fail to), approve and reject through the API; the CLI then lists who did
what, when, filtered by staff member, school, action and date, as JSON lines when piped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain.wire import STAFF_SESSION_HEADER
from tests.registry.harness import STAFF_PASSWORD, Live
from tests.registry.test_review_and_accounts import _apply


def _audit(live: Live, *args: str) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "registry", "audit", "--database", live.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def _staff_actions(live: Live) -> None:
    for username, password in (
        ("t.lin", "wrong-password"),
        ("nobody.here", "whatever-it-is"),
        ("admin.353601", STAFF_PASSWORD),
    ):
        live.http.post("/v1/staff/login", json={"username": username, "password": password})
    first, second = _apply(live, 2)
    token = live.staff_token("t.lin")
    approved = live.staff("POST", f"/v1/staff/bindings/{first['binding_id']}/approve", token)
    assert approved.status_code == 200, approved.text
    rejected = live.staff(
        "POST",
        f"/v1/staff/bindings/{second['binding_id']}/reject",
        live.staff_token("admin.353301"),
        json={"reason": "關係人資料不符"},
    )
    assert rejected.status_code == 200, rejected.text


def test_every_staff_action_is_listed_with_who_what_and_when(live: Live) -> None:
    _staff_actions(live)
    listed = _audit(live)
    staff_rows = [
        (row["staff"] or row["actor"], row["action"])
        for row in listed
        if row["action"].startswith(("staff.", "binding.approve", "binding.reject"))
    ]
    assert staff_rows == [
        ("t.lin", "staff.login_failed"),
        ("unknown", "staff.login_failed"),
        ("admin.353601", "staff.login"),
        ("t.lin", "staff.login"),
        ("t.lin", "binding.approve"),
        ("admin.353301", "staff.login"),
        ("admin.353301", "binding.reject"),
    ]
    failed = [row for row in listed if row["action"] == "staff.login_failed"]
    # What was typed as the login of an unknown account is not kept anywhere.
    assert "nobody.here" not in json.dumps(listed, ensure_ascii=False)
    assert failed[0]["school"] == "353301"
    assert all(datetime.fromisoformat(row["at"]) for row in listed)


def test_filters_by_staff_school_action_and_date(live: Live) -> None:
    _staff_actions(live)
    assert {row["staff"] for row in _audit(live, "--staff", "t.lin")} == {"t.lin"}
    assert [row["action"] for row in _audit(live, "--school", "353601")] == ["staff.login"]
    assert {row["staff"] for row in _audit(live, "--school", "353301")} >= {"t.lin", "admin.353301"}
    assert [row["staff"] or row["actor"] for row in _audit(live, "--action", "staff.login")] == [
        "admin.353601",
        "t.lin",
        "admin.353301",
    ]
    day = datetime.fromisoformat(_audit(live)[-1]["at"]).astimezone(ZoneInfo("Asia/Taipei"))
    today = day.date()
    assert len(_audit(live, "--since", str(today), "--until", str(today))) == len(_audit(live))
    assert _audit(live, "--since", str(today + timedelta(days=1))) == []
    assert _audit(live, "--until", str(today - timedelta(days=1))) == []
    assert isinstance(today, date)


def test_a_kiosk_action_needs_both_the_kiosk_and_the_staff_member(live: Live) -> None:
    """``POST /v1/staff/events`` is refused without the staff token or without the kiosk's;
    with both, the action lands in the log naming the staff member and the kiosk."""
    body = {"action": "kiosk.leave"}
    token = live.staff_token("t.lin")
    no_staff = live.http.post("/v1/staff/events", json=body, headers=live.kiosk.headers())
    assert no_staff.status_code == 401
    no_kiosk = live.staff("POST", "/v1/staff/events", token, json=body)
    assert no_kiosk.status_code == 401
    both = live.http.post(
        "/v1/staff/events",
        json=body,
        headers={**live.kiosk.headers(), "X-Staff-Session": token},
    )
    assert both.status_code == 204, both.text
    [row] = _audit(live, "--action", "kiosk.leave")
    assert (row["staff"], row["school"], row["subject"]) == (
        "t.lin",
        "353301",
        f"kiosk:{live.kiosk.kiosk_id}",
    )


def test_actions_from_a_kiosk_console_name_the_kiosk_its_token_proved(live: Live) -> None:
    first, second, third = _apply(live, 3)
    token = live.staff_token("admin.353301")
    kiosk = live.kiosk

    def on_kiosk(path: str, **kwargs: Any) -> None:
        headers = {**kiosk.headers(), STAFF_SESSION_HEADER: token}
        answer = live.http.post(path, headers=headers, **kwargs)
        assert answer.status_code == 200, answer.text

    on_kiosk(f"/v1/staff/bindings/{first['binding_id']}/approve")
    on_kiosk(f"/v1/staff/bindings/{second['binding_id']}/reject", json={"reason": "資料不符"})
    on_kiosk(f"/v1/staff/bindings/{first['binding_id']}/paper-form")
    # From a teacher's desk (no kiosk token): no kiosk named.
    desk = live.staff("POST", f"/v1/staff/bindings/{third['binding_id']}/paper-form", token)
    assert desk.status_code == 200, desk.text
    # A kiosk token that does not verify is refused, never taken as "no kiosk".
    forged = live.http.post(
        f"/v1/staff/bindings/{third['binding_id']}/approve",
        headers={"Authorization": "Bearer not.a.token", STAFF_SESSION_HEADER: token},
    )
    assert forged.status_code == 401
    rows = [row for row in _audit(live) if row["action"].startswith("binding.")]
    assert [(row["action"], row["kiosk"]) for row in rows] == [
        ("binding.approve", kiosk.kiosk_id),
        ("binding.reject", kiosk.kiosk_id),
        ("binding.paper_form", kiosk.kiosk_id),
        ("binding.paper_form", None),
    ]


def test_staff_actions_kept_offline_are_audited_once_when_uploaded(live: Live) -> None:
    """POST /v1/staff/events/late: the kiosk's token, and the staff token the action was taken
    under (expired since is fine); audited once per event id, at the time it happened."""
    token = live.staff_token("admin.353301")
    taken_at = live.clock()
    live.clock.advance(hours=9)  # the staff token (8 hours) has expired meanwhile
    event = {
        "event_id": "6f1c6a52-7d0e-4a8e-9d61-2f5f0c7a1b11",
        "action": "kiosk.leave",
        "at": taken_at.isoformat(),
        "staff_token": token,
    }
    for _ in range(2):  # an answer lost on the way: sent again
        sent = live.http.post("/v1/staff/events/late", json=event, headers=live.kiosk.headers())
        assert sent.status_code == 204, sent.text
    (row,) = _audit(live, "--action", "kiosk.leave")
    assert (row["staff"], row["kiosk"], row["detail"]["offline"]) == (
        "admin.353301",
        live.kiosk.kiosk_id,
        True,
    )
    assert datetime.fromisoformat(row["at"]) == taken_at


def test_a_late_event_needs_a_real_staff_token_of_the_school_within_its_life(live: Live) -> None:
    token = live.staff_token("admin.353301")
    now = live.clock()

    def send(**changes: Any) -> int:
        event = {
            "event_id": str(uuid.uuid4()),
            "action": "kiosk.sync_now",
            "at": now.isoformat(),
            "staff_token": token,
            **changes,
        }
        answer = live.http.post("/v1/staff/events/late", json=event, headers=live.kiosk.headers())
        return answer.status_code

    assert send(staff_token=token[:-4] + "AAAA") == 401  # not this registry's signature
    assert send(at=(now + timedelta(days=1)).isoformat()) == 401  # after the token's life
    assert send(staff_token=live.staff_token("admin.353601")) == 401  # another school's staff
    no_kiosk = live.http.post(
        "/v1/staff/events/late",
        json={
            "event_id": str(uuid.uuid4()),
            "action": "kiosk.sync_now",
            "at": now.isoformat(),
            "staff_token": token,
        },
    )
    assert no_kiosk.status_code == 401
    assert _audit(live, "--action", "kiosk.sync_now") == []
