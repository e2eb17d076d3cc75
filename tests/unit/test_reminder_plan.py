"""X08: which reminder of a session is due, and when the next one is (shared.domain.reminders)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.models import Reminders, Session, SessionStatus, check_reminder_offsets
from shared.domain.reminders import plan

START = datetime(2031, 3, 3, 17, 0, tzinfo=UTC)
DAY_AND_HOUR = (1440, 60)


def session(**overrides: object) -> Session:
    fields: dict[str, object] = {
        "site_id": "s",
        "session_id": "s1",
        "service_id": "svc",
        "start": START,
        "end": START + timedelta(hours=1),
        "jitsi_room": "r",
        "staff_join_secret": "x",
    }
    return Session.model_validate(fields | overrides)


def before(minutes: int) -> datetime:
    return START - timedelta(minutes=minutes)


def test_x08_a_session_days_ahead_waits_for_its_first_reminder() -> None:
    decided = plan(session(), DAY_AND_HOUR, before(3 * 1440))
    assert decided.due is None
    assert decided.state == Reminders(start=START, flagged=(), next_at=before(1440))


def test_x08_each_offset_falls_due_in_turn_and_once() -> None:
    first = plan(session(), DAY_AND_HOUR, before(1439))
    assert first.due == 1440
    assert first.state == Reminders(start=START, flagged=(1440,), next_at=before(60))
    again = plan(session(reminders=first.state), DAY_AND_HOUR, before(1000))
    assert again.due is None
    assert again.state == first.state
    second = plan(session(reminders=first.state), DAY_AND_HOUR, before(59))
    assert second.due == 60
    assert second.state == Reminders(start=START, flagged=(1440, 60), next_at=None)
    assert plan(session(reminders=second.state), DAY_AND_HOUR, before(30)).due is None


def test_x08_a_session_set_up_late_gets_only_its_latest_reminder() -> None:
    decided = plan(session(), DAY_AND_HOUR, before(30))
    assert decided.due == 60
    assert decided.state == Reminders(start=START, flagged=(1440, 60), next_at=None)


def test_x08_a_rescheduled_session_gets_its_reminders_again_for_its_new_time() -> None:
    sent = Reminders(start=START, flagged=(1440, 60), next_at=None)
    moved = session(start=START + timedelta(days=7), end=START + timedelta(days=7, hours=1), reminders=sent)
    decided = plan(moved, DAY_AND_HOUR, before(30))
    assert decided.due is None
    assert decided.state == Reminders(
        start=moved.start, flagged=(), next_at=moved.start - timedelta(minutes=1440)
    )


@pytest.mark.parametrize(
    ("changes", "now"),
    [
        ({"status": SessionStatus.CANCELLED}, before(1439)),  # a cancelled session: none
        ({}, START),  # started: none
        ({}, START + timedelta(minutes=5)),
    ],
)
def test_x08_a_cancelled_or_started_session_gets_none(changes: dict[str, object], now: datetime) -> None:
    assert plan(session(**changes), DAY_AND_HOUR, now) == plan(session(**changes), (), now)
    assert plan(session(**changes), DAY_AND_HOUR, now).due is None
    assert plan(session(**changes), DAY_AND_HOUR, now).state is None


def test_x08_no_offsets_no_reminders() -> None:
    decided = plan(session(reminders=Reminders(start=START, flagged=(60,))), (), before(30))
    assert (decided.due, decided.state) == (None, None)


@pytest.mark.parametrize(
    ("offsets", "error"),
    [
        ((1440, 60, 30, 10), "at most 3 reminders"),
        ((60, 60), "each reminder offset once"),
        ((4,), "a reminder goes 5 to 43200 minutes before the session"),
        ((43201,), "a reminder goes 5 to 43200 minutes before the session"),
    ],
)
def test_x08_reminder_offsets_are_checked(offsets: tuple[int, ...], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        check_reminder_offsets(offsets)


def test_x08_offsets_are_kept_earliest_first() -> None:
    assert check_reminder_offsets((60, 1440)) == (1440, 60)
