"""Which reminder of a session is due, and when the next one is (X08). Pure: no I/O.

A site sets offsets (minutes before the start: 1440 and 60, say). Each offset is sent once
per session start: a session moved to another start has none flagged for the new one, so it
gets its reminders again for its new time, and a cancelled or started session gets none.
When several offsets are overdue at once (a session booked or set up late), only the latest
is sent and the earlier ones are skipped: a client never gets "tomorrow" and "in an hour" in
the same minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.models import Reminders, Session, SessionStatus


@dataclass(frozen=True)
class ReminderPlan:
    due: int | None  # the offset to send now (None: nothing due)
    state: Reminders | None  # what the session keeps (None: no reminder will ever be due)


def plan(session: Session, offsets: tuple[int, ...], now: datetime) -> ReminderPlan:
    """What to flag now for `session`, and the session's reminder state after that."""
    if session.status is SessionStatus.CANCELLED or now >= session.start or not offsets:
        return ReminderPlan(None, None)
    kept = session.reminders
    flagged = set(kept.flagged) if kept is not None and kept.start == session.start else set()
    pending = sorted((o for o in offsets if o not in flagged), reverse=True)  # earliest due first
    overdue = [o for o in pending if session.start - timedelta(minutes=o) <= now]
    due = overdue[-1] if overdue else None
    flagged |= set(overdue)
    later = [o for o in pending if o not in flagged]
    next_at = session.start - timedelta(minutes=later[0]) if later else None
    if due is None and next_at is None and not flagged:
        return ReminderPlan(None, None)
    state = Reminders(start=session.start, flagged=tuple(sorted(flagged, reverse=True)), next_at=next_at)
    return ReminderPlan(due, state)


def reminder_key(offset: int, start: datetime) -> str:
    """What makes a reminder one email per booking: its offset and the session start it is for."""
    return f"reminder:{offset}:{int(start.timestamp())}"
