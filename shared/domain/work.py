"""The work a change leaves behind, and when to try it again (DESIGN.md: "Writes: one pipeline").

A work item names *what* must be brought in step, never *how*: a session, a booking, every
booking of a session, every upcoming session of a scope, a connection being removed. The
worker reads the current state and acts on it (level-triggered, like the meeting
reconciler), so any number of changes to the same thing coalesce into one item, and doing
an item twice changes nothing the second time. Pure: no I/O here.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

JITTER = random.SystemRandom()
"""From the OS, not `random`'s state, which a Lambda SnapStart snapshot would copy into every
environment it restores (README, "Cold starts")."""
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=30)
RECONNECT_WAIT = timedelta(hours=6)
"""A session whose connection needs reconnecting waits; reconnecting flags it again at once."""
REFUSED_WAIT = timedelta(hours=6)
"""What the provider refused for good (a missing scope, an unknown user) is tried again rarely."""


class WorkKind(StrEnum):
    SESSION = "session"  # a session changed: reconcile its meeting, then tell its clients
    BOOKING = "booking"  # a booking changed, or its session's link did: registrant, then its client
    BOOKINGS = "bookings"  # every booking of one session (a paged fan-out)
    SESSIONS = "sessions"  # every upcoming session of a scope (a paged fan-out)
    CONNECTION = "connection"  # a provider connection goes away: its sessions first, then its data
    REMINDERS = "reminders"  # one reminder (an offset) of a session's start, to each booking (paged)
    DELETE_SITE = "delete_site"  # a site goes: its Zoom grants, then its items, a page at a time
    WEBHOOK = "webhook"  # one event for the platform's endpoint (its payload rides in the item)
    CHECK = "check"  # X10: a session's connection and provider meeting checked before it starts


class Scope:
    """What a SESSIONS fan-out covers: a narrow index each (DESIGN.md: never the whole site's past)."""

    SITE = "site"

    @staticmethod
    def service(service_id: str) -> str:
        return f"service:{service_id}"

    @staticmethod
    def staff(staff_id: str) -> str:
        return f"staff:{staff_id}"

    @staticmethod
    def connection(connection_id: str) -> str:
        return f"connection:{connection_id}"

    @staticmethod
    def parse(scope: str) -> tuple[str, str | None]:
        """("site", None) or ("service" | "staff" | "connection", id)."""
        kind, _, value = scope.partition(":")
        return kind, (value or None)


@dataclass(frozen=True, order=True)
class WorkRef:
    """Which work item: one per (site, kind, target), so repeated changes coalesce."""

    site_id: str
    kind: WorkKind
    target: str
    payload: str | None = field(default=None, compare=False, repr=False)
    """A WEBHOOK item's event (JSON), stored with the item when it is flagged; not part of its name."""

    @classmethod
    def session(cls, site_id: str, session_id: str) -> WorkRef:
        return cls(site_id, WorkKind.SESSION, session_id)

    @classmethod
    def booking(cls, site_id: str, session_id: str, booking_id: str) -> WorkRef:
        return cls(site_id, WorkKind.BOOKING, f"{session_id}/{booking_id}")

    @classmethod
    def bookings(cls, site_id: str, session_id: str) -> WorkRef:
        return cls(site_id, WorkKind.BOOKINGS, session_id)

    @classmethod
    def sessions(cls, site_id: str, scope: str) -> WorkRef:
        return cls(site_id, WorkKind.SESSIONS, scope)

    @classmethod
    def connection(cls, site_id: str, connection_id: str) -> WorkRef:
        return cls(site_id, WorkKind.CONNECTION, connection_id)

    @classmethod
    def reminders(cls, site_id: str, session_id: str, offset: int, start: datetime) -> WorkRef:
        """X08: one per session, offset and start: a session moved gets new items for its new start."""
        return cls(site_id, WorkKind.REMINDERS, f"{session_id}/{offset}/{int(start.timestamp())}")

    @classmethod
    def delete_site(cls, site_id: str) -> WorkRef:
        return cls(site_id, WorkKind.DELETE_SITE, site_id)

    @classmethod
    def webhook(cls, site_id: str, event_id: str, payload: str) -> WorkRef:
        return cls(site_id, WorkKind.WEBHOOK, event_id, payload)

    @classmethod
    def check(cls, site_id: str, session_id: str) -> WorkRef:
        return cls(site_id, WorkKind.CHECK, session_id)

    @property
    def session_id(self) -> str:
        """The session a SESSION, BOOKING, BOOKINGS, REMINDERS or CHECK item is about."""
        return self.target.partition("/")[0]

    @property
    def reminder(self) -> tuple[int, datetime]:
        """A REMINDERS item's offset (minutes) and the session start it was planned for."""
        _, offset, start = self.target.split("/")
        return int(offset), datetime.fromtimestamp(int(start), UTC)

    @property
    def booking_id(self) -> str:
        return self.target.partition("/")[2]

    def message(self) -> str:
        """The queue message that asks a worker to do this item."""
        return json.dumps({"site": self.site_id, "kind": self.kind.value, "target": self.target})

    @classmethod
    def from_message(cls, body: str) -> WorkRef:
        data = json.loads(body)
        return cls(str(data["site"]), WorkKind(data["kind"]), str(data["target"]))


@dataclass(frozen=True)
class Work:
    """A stored work item, as a worker claimed it."""

    ref: WorkRef
    gen: str  # changes whenever the item is flagged again: finishing an older gen does not remove it
    attempts: int = 0
    cursor: str | None = None  # where a paged fan-out goes on
    reason: str | None = None  # why the last attempt did not finish
    payload: str | None = None  # a WEBHOOK item's event


class Retry(Exception):
    """A step could not finish now: try again at `at` (None: after the usual backoff), saying why."""

    def __init__(self, reason: str, at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.at = at


class Deferred(Exception):
    """An inline attempt ran out of its budget: the worker finishes the item (not a failure)."""


def backoff(attempts: int, now: datetime, rng: random.Random | None = None) -> datetime:
    """Exponential backoff with jitter: about 30 s, 1, 2, 4 ... minutes, at most an hour."""
    base = min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)
    jitter = (rng or JITTER).uniform(0.5, 1.0)
    return now + base * jitter


def next_utc_midnight(now: datetime, rng: random.Random | None = None) -> datetime:
    """Zoom's daily limits reset at 00:00 UTC; start a few minutes after, spread out."""
    midnight = (now.astimezone(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(seconds=(rng or JITTER).uniform(60, 600))
