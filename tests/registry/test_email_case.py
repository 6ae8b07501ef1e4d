"""One mailbox, however it is spelled: limits, one-email-one-parent and logins compare the
case-folded address, while the address as typed is what is stored and shown."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from store.central import Application, ParentAccount
from tests.registry.harness import Live, error_of

EMAIL = "annie.sun2@hy-tech.com.tw"


def _spellings(local: str, count: int) -> list[str]:
    cases = itertools.product(*[(ch.lower(), ch.upper()) for ch in local])
    return ["".join(chars) + "@example.net" for chars in itertools.islice(cases, count)]


def test_forty_spellings_of_one_mailbox_get_five_codes_an_hour(live: Live) -> None:
    answers = [live.request_code(address) for address in _spellings("abcdefgh", 40)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(202) == live.settings.limits.email_max
    assert {error_of(a)["code"] for a in answers if a.status_code != 202} == {"limit.email"}


def test_a_second_parent_cannot_take_the_mailbox_by_changing_its_case(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    first = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert first.status_code == 201, first.text
    _token, challenge = live.parent_session("ANNIE.SUN2@hy-tech.com.tw")
    second = live.submit(
        live.submission(
            challenge,
            live.roster.at("353301")[1:2],
            parent_id="A123456789",
            email="ANNIE.SUN2@hy-tech.com.tw",
        )
    )
    assert second.status_code == 409, second.text
    assert error_of(second) == {
        "code": "parent.email_taken",
        "field": "parent.email",
        "params": {},
    }


def test_the_login_is_the_mailbox_and_the_address_stays_as_typed(live: Live) -> None:
    typed = "Annie.Sun2@hy-tech.com.tw"
    _token, challenge = live.parent_session(typed)
    submitted = live.submit(live.submission(challenge, live.roster.at("353301")[:1], email=typed))
    assert submitted.status_code == 201, submitted.text
    binding = submitted.json()["bindings"][0]["binding_id"]
    staff = live.staff_token(live.roster.teacher)
    approved = live.staff("POST", f"/v1/staff/bindings/{binding}/approve", staff)
    assert approved.status_code == 200, approved.text
    with live.sessions() as session:
        assert session.scalars(select(ParentAccount.email)).all() == [typed]
        assert session.scalars(select(Application.parent_email)).all() == [typed]
    for spelling in (typed, typed.lower(), typed.upper()):
        answer = live.http.post(
            "/v1/accounts/login", json={"email": spelling, "password": "109161"}
        )
        assert answer.status_code == 200, (spelling, answer.text)


def _listed(live: Live, token: str) -> list[dict[str, object]]:
    answer = live.http.get("/v1/bindings", headers=live.kiosk.headers(token))
    assert answer.status_code == 200, answer.text
    bindings: list[dict[str, object]] = answer.json()["bindings"]
    return bindings


def test_the_mailbox_verified_in_another_case_sees_its_bindings_in_full(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    submitted = live.submit(live.submission(challenge, live.roster.at("353301")[:1]))
    assert submitted.status_code == 201, submitted.text
    binding = submitted.json()["bindings"][0]["binding_id"]
    staff = live.staff_token(live.roster.teacher)
    approved = live.staff("POST", f"/v1/staff/bindings/{binding}/approve", staff)
    assert approved.status_code == 200, approved.text

    token, _challenge = live.parent_session("ANNIE.SUN2@HY-TECH.COM.TW")

    listed = _listed(live, token)
    assert [(b["binding_id"], b["status"], b["masked"]) for b in listed] == [
        (binding, "approved", False)
    ]


def test_a_new_code_for_one_spelling_kills_the_earlier_code_for_another(live: Live) -> None:
    first = live.request_code("foo@example.net")
    assert first.status_code == 202, first.text
    code = live.last_code("foo@example.net")
    second = live.request_code("Foo@example.net")
    assert second.status_code == 202, second.text

    late = live.verify(first.json()["challenge_id"], code)

    assert late.status_code == 400, late.text
    assert error_of(late)["code"] == "code.unknown"
