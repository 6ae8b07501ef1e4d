"""Staff review (scope, approve, reject, paper form) and the parent account the first approval
makes (initial password, forced change, lockout, expiry)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from kiosk.domain.wire import StaffBindingOut
from store.central import ParentAccount
from tests.registry.harness import Live, error_of

EMAIL = "annie.sun2@hy-tech.com.tw"
PARENT_ID = "YA94109161"
INITIAL = "109161"
NEW_PASSWORD = "Coolclass-2026!"


def _apply(live: Live, n: int = 2, *, offset: int = 0) -> list[dict[str, Any]]:
    """Submits an application for ``n`` students of 353301 and returns its bindings."""
    _token, challenge = live.parent_session(EMAIL)
    students = live.roster.at("353301")[offset : offset + n]
    answer = live.submit(live.submission(challenge, students))
    assert answer.status_code == 201, answer.text
    bindings: list[dict[str, Any]] = answer.json()["bindings"]
    return bindings


def _login(live: Live, password: str, email: str = EMAIL) -> Any:
    return live.http.post("/v1/accounts/login", json={"email": email, "password": password})


def _change(live: Live, password: str, new: str) -> Any:
    return live.http.post(
        "/v1/accounts/password",
        json={"email": EMAIL, "password": password, "new_password": new},
    )


def _approve_first(live: Live) -> dict[str, Any]:
    binding = _apply(live, 1)[0]
    token = live.staff_token("t.lin")
    answer = live.staff("POST", f"/v1/staff/bindings/{binding['binding_id']}/approve", token)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_staff_login_gives_a_token_and_wrong_passwords_lock(live: Live) -> None:
    answer = live.http.post(
        "/v1/staff/login", json={"username": "t.lin", "password": "staff-password-1"}
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["role"], answer.json()["school_code"]) == ("teacher", "353301")
    for _ in range(4):
        wrong = live.http.post("/v1/staff/login", json={"username": "t.lin", "password": "x"})
        assert error_of(wrong)["code"] == "login.failed"
    fifth = live.http.post("/v1/staff/login", json={"username": "t.lin", "password": "x"})
    assert fifth.status_code == 423
    assert error_of(fifth) == {"code": "login.locked", "field": None, "params": {"minutes": 15}}
    locked = live.http.post(
        "/v1/staff/login", json={"username": "t.lin", "password": "staff-password-1"}
    )
    assert locked.status_code == 423
    live.clock.advance(minutes=15)
    assert live.staff_token("t.lin")


def test_staff_endpoints_need_a_staff_token(live: Live) -> None:
    answer = live.http.get("/v1/staff/bindings")
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "auth.required"
    forged = live.staff("GET", "/v1/staff/bindings", "not.a.token")
    assert error_of(forged)["code"] == "auth.invalid"
    # A parent-session token is no staff token, though the registry signed both.
    parent, _ = live.parent_session(EMAIL)
    assert error_of(live.staff("GET", "/v1/staff/bindings", parent))["code"] == "auth.invalid"


def test_a_teacher_sees_their_classes_and_an_admin_the_school(live: Live) -> None:
    bindings = _apply(live, 4)
    by_class = {b["binding_id"]: b["class_name"] for b in bindings}

    def listed(username: str) -> dict[str, str]:
        answer = live.staff("GET", "/v1/staff/bindings", live.staff_token(username))
        assert answer.status_code == 200, answer.text
        rows = [StaffBindingOut.model_validate(row) for row in answer.json()["bindings"]]
        return {str(row.binding_id): row.class_name for row in rows}

    assert listed("t.lin") == {k: v for k, v in by_class.items() if v == "資訊二忠"}
    assert listed("t.wang") == {k: v for k, v in by_class.items() if v == "資訊二孝"}
    assert listed("admin.353301") == by_class
    assert listed("admin.353601") == {}
    row = live.staff("GET", "/v1/staff/bindings", live.staff_token("admin.353301")).json()
    first = row["bindings"][0]
    assert first["masked_parent_id"] == "YA94***61"
    assert first["masked_parent_email"] == "an***@hy-tech.com.tw"
    assert first["parent_name"] == "王曉明"


def test_out_of_scope_bindings_are_not_found(live: Live) -> None:
    bindings = _apply(live, 2)
    wang_binding = next(b for b in bindings if b["class_name"] == "資訊二孝")
    for username in ("t.lin", "admin.353601"):
        answer = live.staff(
            "POST",
            f"/v1/staff/bindings/{wang_binding['binding_id']}/approve",
            live.staff_token(username),
        )
        assert answer.status_code == 404
        assert error_of(answer)["code"] == "binding.not_found"


def test_the_first_approval_creates_the_account_and_emails_the_parent(live: Live) -> None:
    approved = _approve_first(live)
    assert approved["status"] == "approved"
    assert approved["decided_by"] == "林美玲"
    emails = [e for e in live.outbox.latest(20, to=EMAIL) if e.kind == "account_created"]
    assert len(emails) == 1
    assert INITIAL not in emails[0].body  # the rule is told, never the password
    # The parent's progress page shows 認證.
    token, _ = live.parent_session(EMAIL)
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(token)).json()
    assert [b["status"] for b in listed["bindings"]] == ["approved"]
    # The login is the email, the initial password the ID's last six, and it must change.
    login = _login(live, INITIAL)
    assert login.status_code == 200, login.text
    assert login.json() == {"must_change_password": True}
    # A second approval for the same parent makes no second account.
    second = _apply(live, 1, offset=2)[0]  # 資訊二忠 again
    answer = live.staff(
        "POST", f"/v1/staff/bindings/{second['binding_id']}/approve", live.staff_token("t.lin")
    )
    assert answer.status_code == 200, answer.text
    kinds = [e.kind for e in live.outbox.latest(50, to=EMAIL)]
    assert kinds.count("account_created") == 1
    assert kinds[-1] == "binding_approved"


def test_an_approved_binding_cannot_be_decided_again(live: Live) -> None:
    approved = _approve_first(live)
    token = live.staff_token("admin.353301")
    for action in ("approve", "reject"):
        answer = live.staff(
            "POST",
            f"/v1/staff/bindings/{approved['binding_id']}/{action}",
            token,
            json={"reason": "x"},
        )
        assert answer.status_code == 409
        assert error_of(answer)["code"] == "binding.not_pending"


def test_the_password_change_refuses_the_initial_password_and_id_derived_ones(
    live: Live,
) -> None:
    _approve_first(live)
    for new, code in (
        (INITIAL, "password.initial"),
        ("１０９１６１", "password.initial"),
        ("10-91-61", "password.initial"),
        ("ya94109161", "password.from_id"),
        ("my-94109161-pw", "password.from_id"),
        ("x16190149ay", "password.from_id"),
        ("pw-109161-pw", "password.from_id"),
        ("short", "password.too_short"),
    ):
        answer = _change(live, INITIAL, new)
        assert answer.status_code == 400, (new, answer.text)
        assert error_of(answer)["code"] == code, new
    wrong_current = _change(live, "000000", NEW_PASSWORD)
    assert error_of(wrong_current)["code"] == "login.failed"
    assert _change(live, INITIAL, NEW_PASSWORD).status_code == 204
    assert _login(live, NEW_PASSWORD).json() == {"must_change_password": False}
    assert error_of(_login(live, INITIAL))["code"] == "login.failed"


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(live: Live) -> None:
    _approve_first(live)
    for _ in range(4):
        assert error_of(_login(live, "wrong-password"))["code"] == "login.failed"
    fifth = _login(live, "wrong-password")
    assert fifth.status_code == 423
    assert error_of(fifth)["params"] == {"minutes": 15}
    assert _login(live, INITIAL).status_code == 423
    live.clock.advance(minutes=14, seconds=59)
    assert _login(live, INITIAL).status_code == 423
    live.clock.advance(seconds=1)
    assert _login(live, INITIAL).status_code == 200


def test_an_account_unused_for_fourteen_days_expires(live: Live) -> None:
    _approve_first(live)
    live.clock.advance(days=14)
    answer = _login(live, INITIAL)
    assert answer.status_code == 403
    assert error_of(answer) == {"code": "account.expired", "field": None, "params": {"days": 14}}


def test_an_account_used_in_time_does_not_expire(live: Live) -> None:
    _approve_first(live)
    live.clock.advance(days=13)
    assert _login(live, INITIAL).status_code == 200
    live.clock.advance(days=30)
    assert _login(live, INITIAL).status_code == 200


def test_an_unknown_email_fails_like_a_wrong_password(live: Live) -> None:
    answer = _login(live, "whatever", email="nobody@example.com")
    assert answer.status_code == 401
    assert error_of(answer) == {"code": "login.failed", "field": None, "params": {}}


def test_reject_with_a_reason_shows_on_the_progress_page(live: Live) -> None:
    binding = _apply(live, 1)[0]
    token = live.staff_token("t.lin")
    for nothing in (" ", "\u200b\u2060 \ufeff\u3000", "\u200e\t\u200d"):
        blank = live.staff(
            "POST",
            f"/v1/staff/bindings/{binding['binding_id']}/reject",
            token,
            json={"reason": nothing},
        )
        assert blank.status_code == 400, nothing
        error = blank.json()["error"]
        assert (error["code"], error["field"]) == ("request.invalid", "reason")
    answer = live.staff(
        "POST",
        f"/v1/staff/bindings/{binding['binding_id']}/reject",
        token,
        json={"reason": "\u200b關係人資料不符\ufeff"},
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == ("rejected", "關係人資料不符")
    parent, _ = live.parent_session(EMAIL)
    listed = live.http.get("/v1/bindings", headers=live.kiosk.headers(parent)).json()
    assert [(b["status"], b["reason"]) for b in listed["bindings"]] == [
        ("rejected", "關係人資料不符")
    ]
    kinds = [e.kind for e in live.outbox.latest(20, to=EMAIL)]
    assert "binding_rejected" in kinds
    # A rejected student may be applied for again.
    assert _apply(live, 1)[0]["status"] == "pending"


def test_the_paper_form_is_marked_received(live: Live) -> None:
    binding = _apply(live, 1)[0]
    token = live.staff_token("admin.353301")
    answer = live.staff("POST", f"/v1/staff/bindings/{binding['binding_id']}/paper-form", token)
    assert answer.status_code == 200, answer.text
    assert answer.json()["paper_form_received_at"] is not None
    assert answer.json()["status"] == "pending"


def test_an_approval_answers_with_a_listed_status_filter(live: Live) -> None:
    _approve_first(live)
    token = live.staff_token("t.lin")
    pending = live.staff("GET", "/v1/staff/bindings", token).json()["bindings"]
    approved = live.staff("GET", "/v1/staff/bindings", token, params={"status": "approved"}).json()[
        "bindings"
    ]
    assert pending == []
    assert [b["status"] for b in approved] == ["approved"]


def test_two_teachers_approving_two_children_of_one_parent_at_once_make_one_account(
    live: Live,
) -> None:
    bindings = _apply(live, 2)  # one child in 資訊二忠 (t.lin), one in 資訊二孝 (t.wang)
    teachers = {"資訊二忠": live.staff_token("t.lin"), "資訊二孝": live.staff_token("t.wang")}

    def approve(binding: dict[str, Any]) -> int:
        token = teachers[binding["class_name"]]
        path = f"/v1/staff/bindings/{binding['binding_id']}/approve"
        return live.staff("POST", path, token).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(approve, bindings)) == [200, 200]
    with live.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ParentAccount)) == 1
    kinds = [e.kind for e in live.outbox.latest(50, to=EMAIL)]
    assert kinds.count("account_created") == 1
