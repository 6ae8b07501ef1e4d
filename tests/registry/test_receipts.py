"""Receipt numbers are unique per kiosk, and a kiosk can learn the last one the registry holds."""

from __future__ import annotations

from sqlalchemy import func, select

from store.central import Application
from tests.registry.harness import Live, error_of

EMAIL = "receipts@example.com"


def test_a_receipt_number_names_one_application_per_kiosk(live: Live) -> None:
    _token, challenge = live.parent_session(EMAIL)
    first, second = live.roster.at("353301")[:2]
    stored = live.submission(challenge, [first])
    assert live.submit(stored).status_code == 201
    # Another application under the same number from the same kiosk (a kiosk that lost its
    # counter): refused, nothing stored.
    again = live.submission(challenge, [second]).model_copy(update={"receipt": stored.receipt})
    answer = live.submit(again)
    assert answer.status_code == 409
    assert error_of(answer) == {"code": "application.conflict", "field": "receipt", "params": {}}
    # Another kiosk may use the same number (numbers carry the kiosk's code in practice).
    other = live.new_kiosk()
    other_token, other_challenge = live.parent_session("other.kiosk@example.com", kiosk=other)
    elsewhere = live.submission(other_challenge, [second]).model_copy(
        update={"receipt": stored.receipt}
    )
    assert live.submit(elsewhere, kiosk=other).status_code == 201, other_token
    with live.sessions() as session:
        held = session.scalar(select(func.count()).where(Application.receipt == stored.receipt))
    assert held == 2


def test_a_kiosk_learns_the_last_receipt_the_registry_holds(live: Live) -> None:
    mine = live.http.get("/v1/kiosks/me", headers=live.kiosk.headers())
    assert mine.status_code == 200
    assert mine.json() == {
        "kiosk_id": live.kiosk.kiosk_id,
        "school_code": "353301",
        "last_receipt": None,
    }
    _token, challenge = live.parent_session(EMAIL)
    pupils = live.roster.at("353301")[:2]
    for pupil, receipt in zip(pupils, ("KT1-20261130-0002", "KT1-20261130-0011"), strict=True):
        submission = live.submission(challenge, [pupil]).model_copy(update={"receipt": receipt})
        assert live.submit(submission).status_code == 201
    mine = live.http.get("/v1/kiosks/me", headers=live.kiosk.headers())
    assert mine.json()["last_receipt"] == "KT1-20261130-0011"
    assert live.http.get("/v1/kiosks/me").status_code == 401
