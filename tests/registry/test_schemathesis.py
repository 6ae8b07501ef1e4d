"""schemathesis over the registry's own OpenAPI document, against the live server: whatever it
is sent (valid and invalid data, with real credentials), no 500 and no answer breaking its own
schema (status, content type, body). Bounded: a few examples per operation, no deadline."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kiosk.domain.wire import STAFF_SESSION_HEADER
from tests.registry.harness import Live

#: Examples per operation and mode: enough to reach every error path, bounded in time.
EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_no_answer_is_a_500_or_breaks_the_schema(live: Live) -> None:
    schema = schemathesis.openapi.from_url(f"{live.base_url}/v1/openapi.json")
    parent_token, _challenge = live.parent_session("fuzz@example.com")
    staff_token = live.staff_token("admin.353301")

    def headers() -> dict[str, Any]:
        # A fresh kiosk JWT for every call (each token id is good once).
        return {**live.kiosk.headers(parent_token), STAFF_SESSION_HEADER: staff_token}

    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) >= 17
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case[Any]) -> None:
                case.call_and_validate(base_url=live.base_url, headers=headers(), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                # Nothing to make invalid: the operation takes no input (GET /v1/health).
                if mode is not GenerationMode.NEGATIVE:
                    raise
