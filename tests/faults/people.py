"""Pupils for the fault tests that need no registry (the harness's roster school)."""

from __future__ import annotations

import random

from kiosk.domain.ids import IdKind, make_id
from kiosk.domain.people import Level
from tests.registry.conftest import RosterStudent


def pupil(seed: int, name: str) -> RosterStudent:
    """A pupil of 臺北市立日新國民小學 with a valid ID made from ``seed``."""
    number = make_id(IdKind.CITIZEN, random.Random(seed)).value
    return RosterStudent(number, name, "353601", "三年一班", Level.ELEMENTARY)
