"""The idle watch: when a kiosk left alone asks 「仍在使用嗎？」 and when it wipes the session."""

from __future__ import annotations

import pytest

from kiosk.domain.idle import Idleness, IdleState, IdleWatch


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_active_then_asking_then_expired() -> None:
    clock = Clock()
    watch = IdleWatch(120, clock)
    clock.now += 119.5
    assert watch.check().idleness is Idleness.ACTIVE
    clock.now += 0.5
    assert watch.check() == IdleState(Idleness.ASKING, 20)
    clock.now += 19.2
    assert watch.check() == IdleState(Idleness.ASKING, 1)
    clock.now += 0.8
    assert watch.check() == IdleState(Idleness.EXPIRED, 0)


def test_a_touch_starts_the_idle_time_again() -> None:
    clock = Clock()
    watch = IdleWatch(120, clock)
    clock.now += 130
    watch.touch()
    clock.now += 119
    assert watch.check().idleness is Idleness.ACTIVE


def test_busy_counts_as_use() -> None:
    clock = Clock()
    watch = IdleWatch(120, clock)
    clock.now += 1000
    assert watch.check(busy=True).idleness is Idleness.ACTIVE
    clock.now += 119
    assert watch.check().idleness is Idleness.ACTIVE


@pytest.mark.parametrize(("idle", "countdown"), [(0, 20), (120, 0), (-1, 20)])
def test_durations_must_be_positive(idle: float, countdown: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        IdleWatch(idle, Clock(), countdown_seconds=countdown)
