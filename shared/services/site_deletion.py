"""A site's deletion, done by the pipeline (the DELETE_SITE item; shared.services.pipeline).

The request that deletes a site only marks it (`deleted_at`, with this item in the same
write): from then on it answers as a site that does not exist. The item then does the rest,
one bounded page per run, so that no run outlasts the worker's timeout and a crash anywhere
only makes it go on from where the tables say it is (every step reads what is left):

1. `remove_connections`: every connection of the site (Zoom, Google, Microsoft) goes through the
   CONNECTION item's own removal (shared.services.connections): its upcoming meetings ended at
   the provider (a deleted site wants none: shared.domain.meetings), its grant revoked where the
   provider can, its token secret deleted. The item waits until no connection is left.
2. `forget_sender`: the site's own From address (issue 11): its SES identity, which this
   deployment created for the site, and its claim on the address, so another site may take it.
3. `delete_items`: the sessions with their bookings (SessionLinks), then the site's other work
   items, then its Accounts partition (staff, services, templates, counters, delivery log), and
   the site record last.

Left to their TTL, because nothing indexes them by site: sent-email markers (a hash, 60 days),
the meeting index items of meetings already deleted (meeting id -> session id, 30 days after
the session), OAuth states (minutes), leases (minutes). None holds a secret or a person's data.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools import Logger

from shared.domain.models import Removal
from shared.domain.work import Retry, Work, WorkRef
from shared.services.connections import start_removal
from shared.services.pipeline import StepContext

logger = Logger(service="vclinks")
REMOVAL_WAIT = timedelta(seconds=30)
SESSIONS_PER_RUN = 25
MORE = "more"
"""The cursor a run returns when there is more to delete: the worker queues the item again now."""


def remove_connections(ctx: StepContext, work: Work) -> None:
    site_id = work.ref.site_id
    site = ctx.repo.get_site(site_id)
    if site is None or site.deleted_at is None:
        return
    connections = ctx.repo.list_connections(site_id)
    started = [c for c in connections if c.removal is None]
    for connection in started:
        start_removal(ctx.repo, connection, Removal.DISCONNECTED)
    ctx.queue.send([WorkRef.connection(site_id, c.connection_id) for c in started])
    if connections:
        raise Retry("waiting_for_connection_removal", at=ctx.clock() + REMOVAL_WAIT)


def forget_sender(ctx: StepContext, work: Work) -> None:
    site = ctx.repo.get_site(work.ref.site_id)
    if site is not None and site.deleted_at is not None and site.sender is not None:
        ctx.notifier.senders.remove(site)


def delete_items(ctx: StepContext, work: Work) -> str | None:
    repo, site_id = ctx.repo, work.ref.site_id
    site = repo.get_site(site_id)
    if site is None or site.deleted_at is None:
        return None
    if repo.delete_sessions_page(site_id, SESSIONS_PER_RUN):
        return MORE
    if repo.delete_work_of_site(site_id, keep=work.ref):
        return MORE
    if repo.delete_site_items(site_id):
        return MORE
    repo.delete_site_record(site_id)
    logger.info("site deleted", extra={"site_id": site_id})
    return None
