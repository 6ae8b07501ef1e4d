"""Every error is a JSON ErrorOut with a stable code: bad input, unknown paths, oversize bodies,
and even the registry's own failures; never a 500 for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from kiosk.domain.wire import MAX_BODY_BYTES
from registry.app import create_app
from registry.notify.base import Notification
from registry.settings import RegistrySettings
from store.engine import make_engine, make_session_factory
from tests.registry.conftest import Database
from tests.registry.harness import (
    FAST_HASHING,
    Clock,
    Live,
    enroll_kiosk,
    error_of,
    serve_in_thread,
)


def test_a_body_over_64_kib_is_refused_before_it_is_read(live: Live) -> None:
    body = b'{"channel":"email","address":"' + b"a" * MAX_BODY_BYTES + b'"}'
    answer = live.http.post(
        "/v1/codes",
        content=body,
        headers={**live.kiosk.headers(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert error_of(answer) == {"code": "request.too_large", "field": None, "params": {}}


def test_a_chunked_body_over_64_kib_is_cut_off_while_it_arrives(live: Live) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"channel":"email","address":"'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    answer = live.http.post(
        "/v1/codes",
        content=chunks(),
        headers={**live.kiosk.headers(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert error_of(answer)["code"] == "request.too_large"


def test_a_body_just_under_the_cap_is_read(live: Live) -> None:
    # Valid JSON of 60 KiB with an unknown field: read, then refused for what it says.
    body = b'{"channel":"email","address":"x@example.com","pad":"' + b"a" * 60_000 + b'"}'
    answer = live.http.post(
        "/v1/codes",
        content=body,
        headers={**live.kiosk.headers(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert error_of(answer) == {
        "code": "request.invalid",
        "field": "pad",
        "params": {"field": "pad"},
    }


def test_malformed_json_is_request_invalid(live: Live) -> None:
    answer = live.http.post(
        "/v1/codes",
        content=b'{"channel": "email", ',
        headers={**live.kiosk.headers(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "request.invalid"
    assert error_of(answer)["field"] == "body"


def test_a_wrong_value_names_its_field(live: Live) -> None:
    answer = live.http.post(
        "/v1/codes", json={"channel": "fax", "address": "x"}, headers=live.kiosk.headers()
    )
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "channel"
    missing = live.http.post("/v1/codes", json={"channel": "sms"}, headers=live.kiosk.headers())
    assert error_of(missing)["field"] == "address"


def test_unknown_paths_and_methods_answer_json(live: Live) -> None:
    missing = live.http.get("/v1/nothing-here")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "request.not_found"
    method = live.http.put("/v1/codes", json={})
    assert method.status_code == 405
    assert error_of(method)["code"] == "request.method"
    bad_id = live.http.delete("/v1/bindings/not-a-uuid", headers=live.kiosk.headers())
    assert bad_id.status_code in (400, 401)
    assert error_of(bad_id)["code"] in ("request.invalid", "session.invalid")


def test_the_openapi_document_is_served_and_says_errors_are_error_bodies(live: Live) -> None:
    document = live.http.get("/v1/openapi.json").json()
    assert "/v1/applications" in document["paths"]
    responses = document["paths"]["/v1/codes"]["post"]["responses"]
    assert "422" not in responses
    assert responses["429"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert {"KioskToken", "ParentSession", "StaffSession"} <= set(
        document["components"]["securitySchemes"]
    )


class _BrokenNotifier:
    """A notifier with a bug (not a delivery failure): the registry must still answer JSON."""

    def send(self, notification: Notification) -> None:
        raise RuntimeError("bug")


def test_an_unexpected_failure_is_a_json_500_without_details(
    database: Database, tmp_path: Path
) -> None:
    settings = RegistrySettings(
        database_url=database.url, data_dir=tmp_path / "data", password_hashing=FAST_HASHING
    )
    clock = Clock()
    app = create_app(settings, clock=clock, notifier=_BrokenNotifier())
    base_url, stop = serve_in_thread(app)
    try:
        engine = make_engine(database.url)
        with httpx.Client(base_url=base_url, timeout=30) as http:
            kiosk = enroll_kiosk(http, make_session_factory(engine), clock, settings.limits)
            answer = http.post(
                "/v1/codes",
                json={"channel": "email", "address": "x@example.com"},
                headers=kiosk.headers(),
            )
        engine.dispose()
    finally:
        stop()
    assert answer.status_code == 500
    assert answer.json() == {"error": {"code": "server.error", "field": None, "params": {}}}


def test_health_answers(live: Live) -> None:
    answer = live.http.get("/v1/health")
    assert answer.json() == {"status": "ok", "version": live.settings.version}
