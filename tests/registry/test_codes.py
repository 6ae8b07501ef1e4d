"""One-time codes over HTTP: sending, limits, verifying, attempts, expiry, single use."""

from __future__ import annotations

import pytest

from kiosk.domain.contact import Channel
from tests.registry.harness import Live, error_of

EMAIL = "Annie.Sun2@HY-Tech.com.tw"
NORMALISED_EMAIL = "Annie.Sun2@hy-tech.com.tw"
MOBILE = "0928-942-045"
E164 = "+886928942045"


def test_an_email_code_opens_a_parent_session_for_the_normalised_address(live: Live) -> None:
    answer = live.request_code(EMAIL)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["channel"] == "email"
    assert body["masked_address"].endswith("@hy-tech.com.tw")
    assert "Sun2" not in body["masked_address"]
    code = live.last_code(NORMALISED_EMAIL)
    assert len(code) == 6
    assert code.isdigit()
    verified = live.verify(body["challenge_id"], code)
    assert verified.status_code == 200, verified.text
    session = verified.json()
    assert (session["channel"], session["address"]) == ("email", NORMALISED_EMAIL)
    assert session["session_token"].count(".") == 2


def test_an_sms_code_goes_to_the_mobile_number_in_e164(live: Live) -> None:
    answer = live.request_code(MOBILE, Channel.SMS)
    assert answer.status_code == 202, answer.text
    assert answer.json()["masked_address"] == "09***45"
    verified = live.verify(answer.json()["challenge_id"], live.last_code(E164))
    assert verified.status_code == 200, verified.text
    assert verified.json()["address"] == E164


def test_a_landline_cannot_receive_a_code(live: Live) -> None:
    answer = live.request_code("(02)8798-6336", Channel.SMS)
    assert answer.status_code == 400
    assert error_of(answer) == {"code": "phone.not_mobile", "field": "address", "params": {}}


def test_the_third_sms_within_an_hour_is_refused_with_the_limit(live: Live) -> None:
    assert live.request_code(MOBILE, Channel.SMS).status_code == 202
    live.clock.advance(minutes=30)
    assert live.request_code(MOBILE, Channel.SMS).status_code == 202
    live.clock.advance(minutes=29)
    third = live.request_code(MOBILE, Channel.SMS)
    assert third.status_code == 429
    assert error_of(third) == {
        "code": "limit.sms",
        "field": None,
        "params": {"max": 2, "minutes": 60},
    }
    sent = [e for e in live.outbox.latest(50, to=E164) if e.kind == "code"]
    assert len(sent) == 2
    # The window slides: an hour after the first send, one more may go (the second still counts).
    live.clock.advance(minutes=1, seconds=1)
    assert live.request_code(MOBILE, Channel.SMS).status_code == 202
    assert live.request_code(MOBILE, Channel.SMS).status_code == 429


def test_the_sixth_email_code_within_an_hour_is_refused(live: Live) -> None:
    for _ in range(5):
        assert live.request_code(EMAIL).status_code == 202
    sixth = live.request_code(EMAIL)
    assert sixth.status_code == 429
    assert error_of(sixth)["code"] == "limit.email"
    assert error_of(sixth)["params"] == {"max": 5, "minutes": 60}
    # Another address is not affected.
    assert live.request_code("someone.else@example.com").status_code == 202


def test_five_wrong_codes_kill_it_even_for_the_right_code_after(live: Live) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    right = live.last_code(NORMALISED_EMAIL)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for remaining in (4, 3, 2, 1):
        answer = live.verify(challenge, wrong)
        assert answer.status_code == 400
        assert error_of(answer) == {
            "code": "code.wrong",
            "field": "code",
            "params": {"remaining": remaining},
        }
    fifth = live.verify(challenge, wrong)
    assert error_of(fifth)["code"] == "code.dead"
    assert error_of(live.verify(challenge, right))["code"] == "code.dead"


def test_an_expired_code_is_refused(live: Live) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    code = live.last_code(NORMALISED_EMAIL)
    live.clock.advance(hours=1)
    answer = live.verify(challenge, code)
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "code.expired"


def test_a_code_works_until_the_last_second_of_its_hour(live: Live) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    code = live.last_code(NORMALISED_EMAIL)
    live.clock.advance(minutes=59, seconds=59)
    assert live.verify(challenge, code).status_code == 200


def test_a_used_code_is_refused(live: Live) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    code = live.last_code(NORMALISED_EMAIL)
    assert live.verify(challenge, code).status_code == 200
    again = live.verify(challenge, code)
    assert again.status_code == 400
    assert error_of(again)["code"] == "code.used"


def test_a_new_code_kills_the_earlier_one(live: Live) -> None:
    first = live.request_code(EMAIL).json()["challenge_id"]
    first_code = live.last_code(NORMALISED_EMAIL)
    second = live.request_code(EMAIL).json()["challenge_id"]
    assert error_of(live.verify(first, first_code))["code"] == "code.unknown"
    assert live.verify(second, live.last_code(NORMALISED_EMAIL)).status_code == 200


def test_full_width_digits_and_spaces_are_accepted(live: Live) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    code = live.last_code(NORMALISED_EMAIL)
    typed = " ".join(chr(ord("０") + int(digit)) for digit in code)
    assert live.verify(challenge, typed).status_code == 200


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", ""])
def test_a_code_that_is_not_six_digits_costs_no_attempt(live: Live, typed: str) -> None:
    challenge = live.request_code(EMAIL).json()["challenge_id"]
    answer = live.verify(challenge, typed)
    assert answer.status_code == 400
    assert error_of(answer)["code"] in ("code.format", "request.invalid")
    assert live.verify(challenge, live.last_code(NORMALISED_EMAIL)).status_code == 200


def test_an_unknown_challenge_is_refused(live: Live) -> None:
    answer = live.verify("00000000-0000-4000-8000-000000000000", "123456")
    assert error_of(answer)["code"] == "code.unknown"


def test_the_code_is_stored_only_as_a_keyed_hash(live: Live) -> None:
    live.request_code(EMAIL)
    code = live.last_code(NORMALISED_EMAIL)
    with live.engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT code_hash FROM code_challenges").all()
    assert rows
    assert all(code not in row[0] for row in rows)
    assert all(len(row[0]) == 64 for row in rows)
