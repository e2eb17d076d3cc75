"""What follows each kind of change, in order: the pipeline's one table (DESIGN.md "Writes").

A change is stored together with the work it implies (a work item, shared.domain.work),
in one atomic write; the worker (shared.services.worker) then runs the steps below for
the item, in this order, every time it is due. Every step is idempotent: it reads the
current state and brings the outside world in line with it, so running an item again
after a crash, a retry or a duplicate message changes nothing more.

    SESSION     reconcile the meeting, tell the clients (the email needs the new link), plan its reminders
    BOOKING     the client's registrant in a class meeting, then the client's email
    REMINDERS   one reminder of a session's start to each of its bookings (paged)
    BOOKINGS    every booking of a session -> a BOOKING item each (paged)
    SESSIONS    every upcoming session of a scope -> a SESSION item each (paged)
    CONNECTION  an unconfirmed connection expires; the accounts that embed a connection, then
                (when it goes) its sessions (meetings ended at the provider), its grant and data
    DELETE_SITE its connections removed (as CONNECTION does), its sender let go, its items (paged)
    WEBHOOK     one event delivered to the platform's endpoint (Standard Webhooks), with backoff
    CHECK       X10: before a session, its connection and provider meeting (repaired, or why not)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shared.domain.work import Work, WorkKind

if TYPE_CHECKING:
    from shared.adapters.queue import WorkQueue
    from shared.adapters.repository import Repository
    from shared.adapters.webhook_sender import WebhookSender
    from shared.adapters.zoom.tokens import TokenSecrets
    from shared.domain.models import Session
    from shared.services.connections import Revoker
    from shared.services.meetings import Meetings, Snapshot
    from shared.services.notifications import Notifier


@dataclass
class StepContext:
    """What the steps act with, built by the composition root for one attempt of one item."""

    repo: Repository
    meetings: Meetings
    notifier: Notifier
    revoker: Revoker
    token_secrets: TokenSecrets
    queue: WorkQueue
    clock: Callable[[], datetime]
    hint: Snapshot | None = None  # the records the request that flagged the item has just read
    session: Session | None = None  # the session as the reconcile step stored it
    page_size: int = 100
    webhooks: WebhookSender | None = None  # the HTTP sender of WEBHOOK items (built by the root)


Step = Callable[[StepContext, Work], "str | None"]
"""A step acts on one item; it returns a cursor when a paged fan-out has more to do."""


def reactions() -> Mapping[WorkKind, tuple[Step, ...]]:
    """The table. Imported on first use: a handler that only flags work loads none of the steps."""
    from shared.services import (
        change_emails,
        checks,
        connections,
        fan_out,
        meetings,
        platform_events,
        registrants,
        reminders,
        site_deletion,
    )

    return {
        WorkKind.SESSION: (meetings.reconcile_meeting, change_emails.tell_clients, reminders.plan_reminders),
        WorkKind.BOOKING: (registrants.sync_registrant, change_emails.tell_client),
        WorkKind.BOOKINGS: (fan_out.to_bookings,),
        WorkKind.SESSIONS: (fan_out.to_sessions,),
        WorkKind.CONNECTION: (
            connections.expire_unconfirmed,
            connections.sync_accounts,
            connections.reconcile_its_sessions,
            connections.remove_when_unused,
        ),
        WorkKind.REMINDERS: (reminders.send_reminders,),
        WorkKind.DELETE_SITE: (
            site_deletion.remove_connections,
            site_deletion.forget_sender,
            site_deletion.delete_items,
        ),
        WorkKind.WEBHOOK: (platform_events.deliver,),
        WorkKind.CHECK: (checks.check_before_session,),
    }
