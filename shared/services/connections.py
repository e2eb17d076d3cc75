"""Zoom connections (S01, S08, W07, X07): attaching a new one, marking one dead, removing one.

A connection (shared.domain.models.ZoomConnection) is one OAuth grant, owned by the site
(its default account) or by one staff member. The accounts that use it embed a copy of its
status, so that resolving a link reads no connection. A change of a connection that
accounts or sessions depend on is a CONNECTION work item (shared.services.pipeline): its
accounts are brought in step first; when it goes away, its upcoming sessions next (their
meetings deleted at Zoom while the grant still works, or moved to the same Zoom user's
new connection), and its tokens and record last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from shared.adapters.metrics import Metric, put
from shared.adapters.repository import Repository
from shared.domain.errors import VclinksError
from shared.domain.models import (
    ConnectionStatus,
    Removal,
    Staff,
    VcAccount,
    ZoomAccount,
    ZoomConnection,
)
from shared.domain.webhooks import EventType
from shared.domain.work import Retry, Scope, Work, WorkRef
from shared.services import platform_events

if TYPE_CHECKING:
    from shared.adapters.zoom.client import ZoomClient
    from shared.adapters.zoom.tokens import TokenSecrets
    from shared.services.pipeline import StepContext

logger = Logger(service="vclinks")
WAIT_FOR_SESSIONS = timedelta(seconds=30)


def account_for(
    connection: ZoomConnection, zoom_user_id: str | None = None, email: str | None = None
) -> ZoomAccount:
    return ZoomAccount(
        connection_id=connection.connection_id,
        zoom_user_id=zoom_user_id or connection.zoom_user_id,
        email=email if zoom_user_id else connection.email,
        status=connection.status,
    )


def find_connection_user(
    repo: Repository, site_id: str, connection_id: str, zoom_user_id: str
) -> ZoomAccount | None:
    """W07: a user under an admin-connected Zoom account of this site, as a staff account."""
    connection = repo.get_connection(site_id, connection_id)
    if connection is None or connection.removal is not None:
        return None
    if zoom_user_id != connection.zoom_user_id and not connection.can_list_users:
        return None
    return account_for(connection, zoom_user_id)


def attach(repo: Repository, connection: ZoomConnection) -> list[WorkRef]:
    """A new connection becomes the site default (no staff) or the staff member's own account.

    The connection the account held before is replaced: removed through the pipeline once its
    sessions moved on (the same Zoom user's meetings stay, with no call to Zoom). It is the one
    this conditional write displaced, so connects that race each displace the one before them
    and the account keeps the last, still connected (a list of the owner's connections read
    beside the write let two connects remove each other's). Returns the work flagged, for the
    caller to queue."""
    site_id = connection.site_id
    repo.update_connection(site_id, connection.connection_id, lambda _: connection)
    account = account_for(connection)
    displaced: VcAccount | None
    if connection.staff_id is None:
        work = [WorkRef.sessions(site_id, Scope.SITE)]
        site, _ = repo.update_site(
            site_id, lambda site: site.model_copy(update={"default_account": account}), work
        )
        displaced = site.default_account
    else:
        work = [WorkRef.sessions(site_id, Scope.staff(connection.staff_id))]
        staff, _ = repo.update_staff(
            site_id, connection.staff_id, lambda staff: staff.model_copy(update={"account": account}), work
        )
        displaced = staff.account if staff else None
    if isinstance(displaced, ZoomAccount) and displaced.connection_id != connection.connection_id:
        old = repo.get_connection(site_id, displaced.connection_id)
        if old is not None and old.staff_id == connection.staff_id and old.removal is None:
            start_removal(repo, old, Removal.REPLACED)
            work.append(WorkRef.connection(site_id, old.connection_id))
    return work


def start_removal(repo: Repository, connection: ZoomConnection, why: Removal) -> bool:
    """S08: the connection goes (disconnected, deauthorized in Zoom, or replaced); the pipeline
    detaches its accounts, settles its sessions and then deletes its tokens and record.
    False: nothing changed (it was going already, for this reason, or is gone)."""

    def mark(current: ZoomConnection | None) -> ZoomConnection | None:
        if current is None or (current.removal is not None and why is not Removal.DEAUTHORIZED):
            return current
        status = ConnectionStatus.NEEDS_RECONNECT if why is Removal.DEAUTHORIZED else current.status
        return current.model_copy(update={"removal": why, "status": status})

    work = [WorkRef.connection(connection.site_id, connection.connection_id)]
    before, after = repo.update_connection(
        connection.site_id,
        connection.connection_id,
        mark,
        work=_with_reconnect_event(repo, connection, work) if why is Removal.DEAUTHORIZED else work,
    )
    _count_lost(before, after)
    return before != after


def mark_needs_reconnect(repo: Repository, connection: ZoomConnection) -> list[WorkRef]:
    """X07: Zoom refused the grant for good. Links of its sessions fall back to a clear reason
    once the accounts that embed it say so (the CONNECTION item does that at once)."""

    def mark(current: ZoomConnection | None) -> ZoomConnection | None:
        if current is None or current.status is ConnectionStatus.NEEDS_RECONNECT:
            return current
        return current.model_copy(update={"status": ConnectionStatus.NEEDS_RECONNECT})

    work = [WorkRef.connection(connection.site_id, connection.connection_id)]
    events: list[WorkRef] = []
    before, after = repo.update_connection(
        connection.site_id,
        connection.connection_id,
        mark,
        _with_reconnect_event(repo, connection, work, events),
    )
    _count_lost(before, after)
    return work + events[-1:]  # the caller queues them


def _with_reconnect_event(
    repo: Repository, connection: ZoomConnection, work: list[WorkRef], events: list[WorkRef] | None = None
) -> Callable[[ZoomConnection | None, ZoomConnection | None], list[WorkRef]]:
    """The write's work, plus connection.needs_reconnect for the platform when the write is the
    one that makes the connection need reconnecting (flagged in that same write)."""
    site = repo.get_site(connection.site_id)

    def decide(before: ZoomConnection | None, after: ZoomConnection | None) -> list[WorkRef]:
        if not _loses_grant(before, after):
            return work
        assert after is not None
        data = {"connection_id": after.connection_id, "staff_id": after.staff_id, "provider": "zoom"}
        event = platform_events.event_ref(site, EventType.CONNECTION_NEEDS_RECONNECT, data, repo.now())
        if event is None:
            return work
        if events is not None:
            events.append(event)
        return [*work, event]

    return decide


def _loses_grant(before: ZoomConnection | None, after: ZoomConnection | None) -> bool:
    return (
        before is not None
        and after is not None
        and before.status is not ConnectionStatus.NEEDS_RECONNECT
        and after.status is ConnectionStatus.NEEDS_RECONNECT
    )


def _count_lost(before: ZoomConnection | None, after: ZoomConnection | None) -> None:
    if _loses_grant(before, after):
        put(Metric.CONNECTIONS_NEEDING_RECONNECT)


# -- the CONNECTION item's steps --------------------------------------------------------------


def sync_accounts(ctx: StepContext, work: Work) -> None:
    """The site default and staff accounts that embed the connection: its status copied, or,
    when it goes, moved to its replacement (the same Zoom account's new connection) or removed."""
    repo, site_id = ctx.repo, work.ref.site_id
    connection = repo.get_connection(site_id, work.ref.target)
    if connection is None:
        return
    rewrite = _rewriter(repo, connection)
    flagged: list[WorkRef] = []

    def fan_out(scope: str) -> Callable[[object, object], list[WorkRef]]:
        """The scope's sessions are reconciled if the account changed (noted, to be queued)."""

        def work(before: object, after: object) -> list[WorkRef]:
            flagged.append(WorkRef.sessions(site_id, scope))
            return flagged[-1:]

        return work

    repo.update_site(
        site_id,
        lambda site: site.model_copy(update={"default_account": rewrite(site.default_account)}),
        fan_out(Scope.SITE),
    )
    for staff in repo.list_staff(site_id):
        if _uses(staff.account, connection):
            repo.update_staff(
                site_id, staff.staff_id, _staff_rewrite(rewrite), fan_out(Scope.staff(staff.staff_id))
            )
    ctx.queue.send(flagged)
    return


def reconcile_its_sessions(ctx: StepContext, work: Work) -> None:
    """When the connection goes: every upcoming session with a meeting under it is reconciled."""
    connection = ctx.repo.get_connection(work.ref.site_id, work.ref.target)
    if connection is None or connection.removal is None:
        return
    fan_out = [WorkRef.sessions(work.ref.site_id, Scope.connection(connection.connection_id))]
    ctx.repo.flag_work(fan_out, timedelta())
    ctx.queue.send(fan_out)
    return


def remove_when_unused(ctx: StepContext, work: Work) -> None:
    """Last: once no upcoming session holds a meeting under it, revoke the grant (unless the same
    Zoom user still has another connection: Zoom keeps one grant per user) and delete the tokens."""
    repo, site_id = ctx.repo, work.ref.site_id
    connection = repo.get_connection(site_id, work.ref.target)
    if connection is None or connection.removal is None:
        return
    if repo.sessions_of(site_id, Scope.connection(connection.connection_id), ctx.clock(), None, 1).items:
        raise Retry("waiting_for_sessions", at=ctx.clock() + WAIT_FOR_SESSIONS)
    others = [
        c
        for c in repo.connections_of_zoom_user(connection.zoom_account_id, connection.zoom_user_id)
        if c.connection_id != connection.connection_id and c.removal is None
    ]
    revoke = (
        connection.removal is not Removal.DEAUTHORIZED and connection.status is ConnectionStatus.CONNECTED
    )
    ctx.revoker.remove(connection, revoke=revoke and not others)
    repo.update_connection(site_id, connection.connection_id, lambda _: None)
    logger.info("zoom connection removed", extra={"site_id": site_id, "removal": connection.removal.value})
    return


def _rewriter(repo: Repository, connection: ZoomConnection) -> Callable[[VcAccount | None], VcAccount | None]:
    replacement = _replacement(repo, connection) if connection.removal is not None else None

    def rewrite(account: VcAccount | None) -> VcAccount | None:
        if not _uses(account, connection):
            return account
        assert isinstance(account, ZoomAccount)
        if connection.removal is None:
            return account.model_copy(update={"status": connection.status})
        if replacement is None:
            return None
        return account.model_copy(
            update={"connection_id": replacement.connection_id, "status": replacement.status}
        )

    return rewrite


def _staff_rewrite(rewrite: Callable[[VcAccount | None], VcAccount | None]) -> Callable[[Staff], Staff]:
    return lambda staff: staff.model_copy(update={"account": rewrite(staff.account)})


def _replacement(repo: Repository, old: ZoomConnection) -> ZoomConnection | None:
    """The connection that takes over from `old`: its owner's newer one in the same Zoom account."""
    for candidate in repo.list_connections(old.site_id):
        if (
            candidate.removal is None
            and candidate.staff_id == old.staff_id
            and candidate.zoom_account_id == old.zoom_account_id
            and candidate.connection_id != old.connection_id
        ):
            return candidate
    return None


def _uses(account: object, connection: ZoomConnection) -> bool:
    return isinstance(account, ZoomAccount) and account.connection_id == connection.connection_id


@dataclass
class ZoomRevoker:
    """Revokes a grant at Zoom and deletes its tokens (S08: the stored Zoom data is deleted)."""

    zoom: Callable[[], ZoomClient]
    secrets: TokenSecrets

    def remove(self, connection: ZoomConnection, *, revoke: bool) -> None:
        if revoke:
            try:
                tokens = self.secrets.read(connection.secret_name)
                self.zoom().revoke(tokens.refresh_token, connection.app)
            except VclinksError as failure:
                logger.info("zoom revoke failed; removing anyway", extra={"problem": failure.slug})
        self.secrets.delete(connection.secret_name)


def predates(event_time: datetime | None, connection: ZoomConnection) -> bool:
    """A deauthorization sent before the connection was made is about an older grant (a replay)."""
    return event_time is not None and event_time < connection.created_at
