"""The batch upload's bodies (``POST /v1/applications/batch``): a kiosk's sync worker sends many
saved applications in one request, and the registry stores them in one transaction, each
idempotent on its application id as a single submission is."""

from __future__ import annotations

from typing import Annotated, Final
from uuid import UUID

from pydantic import Field

from kiosk.domain.wire import ErrorDetailOut, SubmissionIn, SubmissionOut, WireModel

#: The most applications one batch may carry (its body is also under the 64 KiB cap).
MAX_BATCH: Final = 100


class ApplicationBatchIn(WireModel):
    """Saved applications, in the order the kiosk saved them."""

    applications: Annotated[list[SubmissionIn], Field(min_length=1, max_length=MAX_BATCH)]


class BatchItemOut(WireModel):
    """What became of one application of a batch, as its own submission would have answered:
    201 with the stored result, 200 for a replay, or an error's status with the error."""

    application_id: UUID
    status: int
    result: SubmissionOut | None = None
    error: ErrorDetailOut | None = None


class ApplicationBatchOut(WireModel):
    """One item per application sent, in the same order."""

    results: list[BatchItemOut]
