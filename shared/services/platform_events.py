"""Events for the booking platform (issue 12): its webhook endpoint, the events, their delivery.

A site may set one endpoint (`set_endpoint`); its secret is shown once. An event is a
WEBHOOK work item (shared.domain.work) that carries the message: flagged in the same write as
the change that causes it wherever that change is one write (`event_ref`, passed as `work=`),
or on its own (`emit`). The pipeline's worker delivers it (`deliver`): signed as Standard
Webhooks says (shared.domain.webhooks), retried with the worker's backoff until MAX_ATTEMPTS,
each attempt written to a delivery log the platform reads (TTL DELIVERY_LOG_DAYS).

Events and where they are raised:
- session.link_changed: what a session's clients see changed (change_emails.tell_clients,
  in the write that records what they were told);
- meeting.ready: a session's provider meeting is in place (meetings.Meetings, in the write
  that stores it);
- connection.needs_reconnect: a Zoom grant died or was removed in Zoom (connections, in the
  write that marks the connection);
- email.bounced: for the bounce handler (`emit`).
Messages are thin: ids and states; the platform reads the details through the API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from shared.adapters.metrics import Metric, put
from shared.adapters.repository import Page, Repository
from shared.domain import webhooks
from shared.domain.errors import InvalidInput, NotFound
from shared.domain.models import Site, WebhookEndpoint
from shared.domain.webhooks import EventType
from shared.domain.work import Deferred, Retry, Work, WorkRef

if TYPE_CHECKING:
    from shared.adapters.queue import WorkQueue
    from shared.services.pipeline import StepContext

logger = Logger(service="vclinks")
MAX_ATTEMPTS = 10
"""About three and a half hours of the worker's backoff (30 s doubling, at most an hour)."""
DELIVERY_LOG_DAYS = 14


# -- the endpoint ------------------------------------------------------------------------------


def set_endpoint(
    repo: Repository, site: Site, url: str, *, rotate_secret: bool, allow_loopback: bool
) -> tuple[WebhookEndpoint, str | None]:
    """Set the endpoint; a new one (or `rotate_secret`) gets a new secret, returned once."""
    problem = webhooks.endpoint_problem(url, allow_loopback=allow_loopback)
    if problem is not None:
        raise InvalidInput(f"This webhook URL is refused: {problem}.")
    shown: list[str] = []

    def change(current: Site) -> Site:
        old = current.webhook
        shown.clear()
        if old is not None and not rotate_secret:
            endpoint = old.model_copy(update={"url": url})
        else:
            shown.append(webhooks.new_secret())
            endpoint = WebhookEndpoint(url=url, secret=shown[0], created_at=repo.now())
        return current.model_copy(update={"webhook": endpoint})

    _, after = repo.update_site(site.site_id, change)
    assert after.webhook is not None
    return after.webhook, (shown[0] if shown else None)


def endpoint_of(site: Site) -> WebhookEndpoint:
    if site.webhook is None:
        raise NotFound("This site has no webhook endpoint; set one with PUT.")
    return site.webhook


def delete_endpoint(repo: Repository, site: Site) -> None:
    """Events not yet delivered are dropped (their items find no endpoint)."""
    repo.update_site(site.site_id, lambda current: current.model_copy(update={"webhook": None}))


def deliveries(repo: Repository, site: Site, cursor: str | None, limit: int) -> Page[dict[str, Any]]:
    return repo.deliveries_page(site.site_id, cursor, limit)


# -- events ------------------------------------------------------------------------------------


def event_ref(site: Site | None, event: EventType, data: Mapping[str, Any], now: datetime) -> WorkRef | None:
    """The WEBHOOK item of one event, to flag with the change that causes it (`work=`).
    None when the site has no endpoint (or is being deleted): nothing to flag."""
    if site is None or site.webhook is None or site.deleted_at is not None:
        return None
    message = {
        "type": event.value,
        "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": {"site_id": site.site_id, **data},
    }
    return WorkRef.webhook(
        site.site_id, webhooks.new_message_id(), json.dumps(message, separators=(",", ":"))
    )


def emit(
    repo: Repository,
    site: Site | str,
    event: EventType,
    data: Mapping[str, Any],
    queue: WorkQueue | None = None,
) -> WorkRef | None:
    """Flag one event on its own (for a change that is not one write of ours: a bounce SES reports).
    The worker delivers it at once if `queue` is given, else the dispatcher within a minute."""
    record = repo.get_site(site) if isinstance(site, str) else site
    ref = event_ref(record, event, data, repo.now())
    if ref is not None:
        repo.flag_work([ref], timedelta())
        if queue is not None:
            queue.send([ref])
    return ref


# -- delivery (the WEBHOOK item's step) -------------------------------------------------------


def deliver(ctx: StepContext, work: Work) -> None:
    """One attempt: POST the signed message; a failure is retried with the worker's backoff."""
    site = ctx.repo.get_site(work.ref.site_id)
    endpoint = site.webhook if site is not None and site.deleted_at is None else None
    if endpoint is None or work.payload is None:
        return  # no endpoint any more: the event is dropped
    if ctx.webhooks is None:
        raise Deferred("webhooks are sent by the worker")
    now = ctx.clock()
    message_id = work.ref.target
    headers = webhooks.headers(endpoint.secret, message_id, int(now.timestamp()), work.payload)
    attempt = ctx.webhooks.post(endpoint.url, headers, work.payload)
    outcome = "delivered" if attempt.delivered else "gave_up" if work.attempts >= MAX_ATTEMPTS else "failed"
    entry: dict[str, Any] = {
        "id": message_id,
        "type": json.loads(work.payload).get("type", ""),
        "attempt": work.attempts,
        "at": now.astimezone(UTC).isoformat(),
        "outcome": outcome,
        "duration_ms": attempt.duration_ms,
    }
    if attempt.status_code is not None:
        entry["status_code"] = attempt.status_code
    if attempt.error:
        entry["error"] = attempt.error[:200]
    ctx.repo.log_delivery(work.ref.site_id, now, entry, DELIVERY_LOG_DAYS)
    put(Metric.WEBHOOKS_DELIVERED if attempt.delivered else Metric.WEBHOOKS_FAILED)
    if outcome == "failed":
        raise Retry(f"webhook_{attempt.status_code or 'unreachable'}")
    if outcome == "gave_up":
        logger.info("webhook given up", extra={"site_id": work.ref.site_id, "attempts": work.attempts})
