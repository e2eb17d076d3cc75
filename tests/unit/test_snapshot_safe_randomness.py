"""Lambda SnapStart (README, "Cold starts") restores many environments from one memory snapshot:
`random`'s state is copied into each, so whatever it draws is drawn alike everywhere. The ids of
work items' generations and every retry's jitter come from the OS instead. Two environments
restored from one snapshot are played here by giving `random` the same state twice."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from shared.adapters import repository
from shared.adapters.http_retry import RetryPolicy
from shared.domain.work import backoff, next_utc_midnight

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def twice[T](draw: object) -> tuple[T, T]:
    """What `draw` gives in two environments whose `random` state is the same."""
    assert callable(draw)
    random.seed(1234)
    first = draw()
    random.seed(1234)
    return first, draw()


def test_generation_ids_differ_between_environments_restored_from_one_snapshot() -> None:
    first, second = twice(repository._new_gen)
    assert first != second
    assert len(first) == len(second) == 16


def test_retry_backoff_is_not_drawn_in_step_by_restored_environments() -> None:
    # 30 draws each: equal sequences would mean the jitter follows random's copied state
    first, second = twice(lambda: [backoff(3, NOW) for _ in range(30)])
    assert first != second
    first, second = twice(lambda: [next_utc_midnight(NOW) for _ in range(30)])
    assert first != second


def test_http_retry_pauses_are_not_drawn_in_step() -> None:
    def pauses() -> list[float]:
        slept: list[float] = []
        policy = RetryPolicy(sleep=slept.append)
        for _ in range(30):
            policy.pause(5, None)
        return slept

    first, second = twice(pauses)
    assert first != second
