"""Connections to a provider (Zoom, Google, Microsoft; S01, S08, W07, X07, X13, X14): attaching a
new one, marking one dead, removing one.

A connection (shared.domain.models.Connection) is one site's use of a provider user's grant,
owned by the site (its default account) or by one staff member; every connection of the same
provider user through the same app shares the grant's tokens (one secret: shared.adapters.zoom.tokens). The
accounts that use it embed a copy of its status and problem, so that resolving a link reads no
connection. A change of a connection that accounts or sessions depend on is a CONNECTION work
item (shared.services.pipeline): its accounts are brought in step first; when it goes away,
its upcoming sessions next (their meetings ended at the provider while the grant still works,
or moved to the same provider user's new connection), and its tokens and record last.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from shared.adapters.metrics import Metric, put
from shared.adapters.repository import Repository
from shared.domain.errors import Conflict, VclinksError
from shared.domain.models import (
    PROVIDER_TITLES,
    Connection,
    ConnectionStatus,
    HostedAccount,
    ProviderAccount,
    Removal,
    Staff,
    VcAccount,
    ZoomAccount,
    ZoomAppType,
    host_user_of,
)
from shared.domain.webhooks import EventType
from shared.domain.work import Retry, Scope, Work, WorkRef
from shared.services import platform_events

if TYPE_CHECKING:
    from shared.adapters.zoom.tokens import TokenSecrets
    from shared.services.pipeline import StepContext
    from shared.services.providers import AccountProvider

logger = Logger(service="vclinks")
HOSTED = (ZoomAccount, ProviderAccount)
"""Accounts that are a connection's grant (Zoom, Google Meet, Teams)."""
WAIT_FOR_SESSIONS = timedelta(seconds=30)
CONFIRM_SECONDS = 600
"""How long a connection made by the consent waits for its admin's confirmation (then it goes)."""


def account_state(connection: Connection, zoom_user_id: str) -> tuple[ConnectionStatus, str | None]:
    """What an account on this connection shows: the connection's status and problem, or, for a
    user of its Zoom account that Zoom deactivated or deleted, that (user.deactivated, user.deleted)."""
    inactive = connection.inactive_users.get(zoom_user_id)
    if inactive is not None:
        return ConnectionStatus.NEEDS_RECONNECT, f"zoom_user_{inactive}"
    return connection.status, connection.problem


def account_for(
    connection: Connection,
    zoom_user_id: str | None = None,
    email: str | None = None,
    user_type: int | None = None,
) -> ZoomAccount:
    """The account of the connection's own user, or (W07) of another user of its Zoom account."""
    user = zoom_user_id or connection.zoom_user_id
    status, problem = account_state(connection, user)
    own = user == connection.zoom_user_id
    return ZoomAccount(
        connection_id=connection.connection_id,
        zoom_user_id=user,
        email=connection.email if own else email,
        status=status,
        user_type=connection.zoom_user_type if own else user_type,
        problem=problem,
    )


def hosted_account_for(connection: Connection) -> HostedAccount:
    """The account a confirmed connection becomes: Zoom's, or a Google or Teams user's own."""
    if connection.provider == "zoom":
        return account_for(connection)
    status, problem = account_state(connection, connection.zoom_user_id)
    return ProviderAccount(
        provider=connection.provider,
        connection_id=connection.connection_id,
        user_id=connection.zoom_user_id,
        email=connection.email,
        status=status,
        problem=problem,
    )


def attach(repo: Repository, connection: Connection) -> list[WorkRef]:
    """A confirmed connection becomes the site default (no staff) or the staff member's own account.

    The connection the account held before is replaced: removed through the pipeline once its
    sessions moved on, its accounts re-pointed to this one (staff mappings to users of the same
    Zoom account kept; the same Zoom user's meetings stay, with no call to Zoom). It is the one
    this conditional write displaced, so connects that race each displace the one before them
    and the account keeps the last, still connected (a list of the owner's connections read
    beside the write let two connects remove each other's). Other connections of the same grant
    that needed reconnecting work again (the user signed in anew). Returns the work flagged, for
    the caller to queue."""
    site_id = connection.site_id
    _, confirmed = repo.update_connection(
        site_id, connection.connection_id, lambda c: c.model_copy(update={"confirmed": True}) if c else None
    )
    if confirmed is None:
        raise Conflict(
            f"This {PROVIDER_TITLES[connection.provider]} connection is gone (it waited too long for its "
            "confirmation). Start again from your site."
        )
    connection = confirmed
    account = hosted_account_for(connection)
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
    if connection.app is ZoomAppType.ADMIN_MANAGED:
        repo.index_account_connection(connection.zoom_account_id, site_id, connection.connection_id)
    if isinstance(displaced, HOSTED) and displaced.connection_id != connection.connection_id:
        old = repo.get_connection(site_id, displaced.connection_id)
        if old is not None and old.staff_id == connection.staff_id and old.removal is None:
            start_removal(repo, old, Removal.REPLACED)
            work.append(WorkRef.connection(site_id, old.connection_id))
    work += _revive(repo, connection)
    return work


def _revive(repo: Repository, fresh: Connection) -> list[WorkRef]:
    """The grant's other connections marked needs_reconnect use the new pair: they work again."""

    def revive(current: Connection | None) -> Connection | None:
        if current is None or current.removal is not None or current.status is ConnectionStatus.CONNECTED:
            return current
        return current.model_copy(update={"status": ConnectionStatus.CONNECTED, "problem": None})

    work = []
    for site_id, connection_id in repo.grant_members(fresh.secret_name):
        if (site_id, connection_id) == (fresh.site_id, fresh.connection_id):
            continue
        ref = WorkRef.connection(site_id, connection_id)
        before, after = repo.update_connection(site_id, connection_id, revive, [ref])
        if before != after:
            work.append(ref)
    return work


def start_removal(repo: Repository, connection: Connection, why: Removal) -> bool:
    """S08: the connection goes (disconnected, deauthorized in Zoom, or replaced); the pipeline
    detaches its accounts, settles its sessions and then deletes its tokens and record.
    False: nothing changed (it was going already, for this reason, or is gone)."""

    def mark(current: Connection | None) -> Connection | None:
        if current is None or (current.removal is not None and why is not Removal.DEAUTHORIZED):
            return current
        status = ConnectionStatus.NEEDS_RECONNECT if why is Removal.DEAUTHORIZED else current.status
        return current.model_copy(update={"removal": why, "status": status})

    work = [WorkRef.connection(connection.site_id, connection.connection_id)]
    before, after = repo.update_connection(
        connection.site_id,
        connection.connection_id,
        mark,
        work=_with_reconnect_event(repo, connection.site_id, work) if why is Removal.DEAUTHORIZED else work,
    )
    _count_lost(before, after)
    return before != after


def mark_needs_reconnect(
    repo: Repository, connection: Connection, problem: str | None = None
) -> list[WorkRef]:
    """X07: the provider refused the grant for good. Every connection of the grant needs reconnecting
    (they share its tokens), saying why; links of their sessions fall back to a clear reason once
    the accounts that embed them say so (each CONNECTION item does that at once)."""

    def mark(current: Connection | None) -> Connection | None:
        if current is None or (
            current.status is ConnectionStatus.NEEDS_RECONNECT and current.problem == problem
        ):
            return current
        return current.model_copy(update={"status": ConnectionStatus.NEEDS_RECONNECT, "problem": problem})

    members = repo.grant_members(connection.secret_name) or [(connection.site_id, connection.connection_id)]
    work: list[WorkRef] = []
    for site_id, connection_id in members:
        ref = WorkRef.connection(site_id, connection_id)
        events: list[WorkRef] = []
        before, after = repo.update_connection(
            site_id, connection_id, mark, _with_reconnect_event(repo, site_id, [ref], events)
        )
        _count_lost(before, after)
        work += [ref, *events[-1:]]  # the caller queues them (a retried write decides again: the last)
    return work


def _with_reconnect_event(
    repo: Repository, site_id: str, work: list[WorkRef], events: list[WorkRef] | None = None
) -> Callable[[Connection | None, Connection | None], list[WorkRef]]:
    """The write's work, plus connection.needs_reconnect for the platform when the write is the
    one that makes the connection need reconnecting (flagged in that same write)."""
    site = repo.get_site(site_id)

    def decide(before: Connection | None, after: Connection | None) -> list[WorkRef]:
        if not _loses_grant(before, after):
            return work
        assert after is not None
        data = {"connection_id": after.connection_id, "staff_id": after.staff_id, "provider": after.provider}
        event = platform_events.event_ref(site, EventType.CONNECTION_NEEDS_RECONNECT, data, repo.now())
        if event is None:
            return work
        if events is not None:
            events.append(event)
        return [*work, event]

    return decide


def _loses_grant(before: Connection | None, after: Connection | None) -> bool:
    return (
        before is not None
        and after is not None
        and before.status is not ConnectionStatus.NEEDS_RECONNECT
        and after.status is ConnectionStatus.NEEDS_RECONNECT
    )


def _count_lost(before: Connection | None, after: Connection | None) -> None:
    if _loses_grant(before, after):
        put(Metric.CONNECTIONS_NEEDING_RECONNECT)


def note_problem(repo: Repository, site_id: str, connection_id: str, problem: str) -> list[WorkRef]:
    """Something the admin must fix on a working connection (a scope its token lacks: 4711); its
    accounts show it (the CONNECTION item copies it)."""
    ref = WorkRef.connection(site_id, connection_id)

    def mark(current: Connection | None) -> Connection | None:
        if current is None or current.problem == problem:
            return current
        return current.model_copy(update={"problem": problem})

    before, after = repo.update_connection(site_id, connection_id, mark, [ref])
    return [ref] if before != after else []


def note_active_user(repo: Repository, site_id: str, connection_id: str, zoom_user_id: str) -> list[WorkRef]:
    """user.activated: a user Zoom deactivated hosts again (their accounts and sessions follow)."""
    ref = WorkRef.connection(site_id, connection_id)

    def mark(current: Connection | None) -> Connection | None:
        if current is None or current.removal is not None:
            return current
        if zoom_user_id == current.zoom_user_id and current.problem == "zoom_user_deactivated":
            return current.model_copy(update={"status": ConnectionStatus.CONNECTED, "problem": None})
        if current.inactive_users.get(zoom_user_id) == "deactivated":
            rest = {k: v for k, v in current.inactive_users.items() if k != zoom_user_id}
            return current.model_copy(update={"inactive_users": rest})
        return current

    before, after = repo.update_connection(site_id, connection_id, mark, [ref])
    return [ref] if before != after else []


def note_user_type(repo: Repository, connection: Connection, user_type: int) -> list[WorkRef]:
    """Zoom told us the connected user's type (a Basic host refusing registrants): its accounts
    and their sessions follow (a class's meeting then takes no registrants)."""
    ref = WorkRef.connection(connection.site_id, connection.connection_id)

    def mark(current: Connection | None) -> Connection | None:
        if current is None or current.zoom_user_type == user_type:
            return current
        return current.model_copy(update={"zoom_user_type": user_type})

    before, after = repo.update_connection(connection.site_id, connection.connection_id, mark, [ref])
    return [ref] if before != after else []


def note_inactive_user(
    repo: Repository, site_id: str, connection_id: str, zoom_user_id: str, what: str
) -> list[WorkRef]:
    """user.deactivated / user.deleted: a user of this connection's Zoom account can no longer host;
    the accounts mapped to them show it and their sessions say so (the CONNECTION item)."""
    ref = WorkRef.connection(site_id, connection_id)

    def mark(current: Connection | None) -> Connection | None:
        if current is None or current.removal is not None or current.inactive_users.get(zoom_user_id) == what:
            return current
        if zoom_user_id == current.zoom_user_id:  # the user whose grant it is: it no longer works
            return current.model_copy(
                update={"status": ConnectionStatus.NEEDS_RECONNECT, "problem": f"zoom_user_{what}"}
            )
        return current.model_copy(update={"inactive_users": {**current.inactive_users, zoom_user_id: what}})

    before, after = repo.update_connection(site_id, connection_id, mark, [ref])
    return [ref] if before != after else []


# -- the CONNECTION item's steps --------------------------------------------------------------


def expire_unconfirmed(ctx: StepContext, work: Work) -> None:
    """First: a connection its admin never confirmed goes once the confirmation has expired (its
    grant is revoked unless another connection of the same Zoom user uses it)."""
    connection = ctx.repo.get_connection(work.ref.site_id, work.ref.target)
    if connection is None or connection.confirmed or connection.removal is not None:
        return
    expires = connection.created_at + timedelta(seconds=CONFIRM_SECONDS)
    if ctx.clock() < expires:
        raise Retry("waiting_for_confirmation", at=expires)
    start_removal(ctx.repo, connection, Removal.DISCONNECTED)
    return


def sync_accounts(ctx: StepContext, work: Work) -> None:
    """The site default and staff accounts that embed the connection: its status and problem
    copied, or, when it goes, moved to its replacement (the same Zoom account's new connection,
    mappings kept where it reaches the user) or removed."""
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
    """When the connection goes: every upcoming session with a meeting under it is reconciled
    (S08: a disconnected connection's meetings are deleted at Zoom while its grant still works)."""
    connection = ctx.repo.get_connection(work.ref.site_id, work.ref.target)
    if connection is None or connection.removal is None:
        return
    fan_out = [WorkRef.sessions(work.ref.site_id, Scope.connection(connection.connection_id))]
    ctx.repo.flag_work(fan_out, timedelta())
    ctx.queue.send(fan_out)
    return


def remove_when_unused(ctx: StepContext, work: Work) -> None:
    """Last: once no upcoming session holds a meeting under it, the connection leaves its grant;
    the last connection of the grant revokes it at Zoom and deletes its tokens (Zoom keeps one
    grant per user per app: revoking while another connection uses it would end that one too)."""
    repo, site_id = ctx.repo, work.ref.site_id
    connection = repo.get_connection(site_id, work.ref.target)
    if connection is None or connection.removal is None:
        return
    if repo.sessions_of(site_id, Scope.connection(connection.connection_id), ctx.clock(), None, 1).items:
        raise Retry("waiting_for_sessions", at=ctx.clock() + WAIT_FOR_SESSIONS)
    sync_accounts(ctx, work)  # the removal may have come after this item's first step read the connection
    revoke = (
        connection.removal is not Removal.DEAUTHORIZED and connection.status is ConnectionStatus.CONNECTED
    )
    ctx.revoker.remove(connection, revoke=revoke)
    if connection.app is ZoomAppType.ADMIN_MANAGED:
        repo.unindex_account_connection(connection.zoom_account_id, site_id, connection.connection_id)
    repo.update_connection(site_id, connection.connection_id, lambda _: None)
    logger.info("zoom connection removed", extra={"site_id": site_id, "removal": connection.removal.value})
    return


def _rewriter(repo: Repository, connection: Connection) -> Callable[[VcAccount | None], VcAccount | None]:
    replacement = _replacement(repo, connection) if connection.removal is not None else None

    def rewrite(account: VcAccount | None) -> VcAccount | None:
        if not _uses(account, connection):
            return account
        assert isinstance(account, HOSTED)
        user = host_user_of(account)
        target = connection if connection.removal is None else replacement
        if target is None or not _reaches(target, user):
            return None
        status, problem = account_state(target, user)
        update: dict[str, object] = {
            "connection_id": target.connection_id,
            "status": status,
            "problem": problem,
        }
        if (
            isinstance(account, ZoomAccount)
            and account.zoom_user_id == target.zoom_user_id
            and target.zoom_user_type is not None
        ):
            update["user_type"] = target.zoom_user_type
        return account.model_copy(update=update)

    return rewrite


def _reaches(connection: Connection, zoom_user_id: str) -> bool:
    """A connection reaches its own user, and (admin-managed) every user of its Zoom account."""
    return zoom_user_id == connection.zoom_user_id or connection.can_list_users


def _staff_rewrite(rewrite: Callable[[VcAccount | None], VcAccount | None]) -> Callable[[Staff], Staff]:
    return lambda staff: staff.model_copy(update={"account": rewrite(staff.account)})


def _replacement(repo: Repository, old: Connection) -> Connection | None:
    """The connection that takes over from `old`: its owner's newer confirmed one in the same Zoom account."""
    for candidate in repo.list_connections(old.site_id):
        if (
            candidate.removal is None
            and candidate.confirmed
            and candidate.staff_id == old.staff_id
            and candidate.provider == old.provider
            and candidate.zoom_account_id == old.zoom_account_id
            and candidate.connection_id != old.connection_id
        ):
            return candidate
    return None


def _uses(account: object, connection: Connection) -> bool:
    return isinstance(account, HOSTED) and account.connection_id == connection.connection_id


@dataclass
class Revoker:
    """Takes a connection out of its grant; the last one revokes the grant at its provider and
    deletes its tokens (S08: the stored provider data is deleted). Under the grant's lease, so that
    a sign-in of the same provider user at that moment is either seen (kept) or comes after (stores
    its tokens anew). Through the provider interface: `revoke`, or `revoke_connection` where the
    connection decides how (shared.services.providers.RevokesConnection: Zoom's two apps)."""

    repo: Repository
    providers: Callable[[str], AccountProvider]
    secrets: TokenSecrets

    def remove(self, connection: Connection, *, revoke: bool) -> None:
        from shared.adapters.zoom.tokens import LEASE_SECONDS, lease_name
        from shared.services.providers import RevokesConnection

        owner = uuid.uuid4().hex
        held = self.repo.take_lease(lease_name(connection.secret_name), owner, LEASE_SECONDS)
        if not held:
            raise Retry("zoom_tokens_busy")  # a refresh or a sign-in of this user: shortly
        try:
            name = connection.secret_name
            remaining = self.repo.leave_grant(name, connection.site_id, connection.connection_id)
            if remaining:
                return  # the provider user's other connections keep the grant and its tokens
            if revoke:
                try:
                    provider = self.providers(connection.provider)
                    if isinstance(provider, RevokesConnection):
                        provider.revoke_connection(connection, lambda: self.secrets.read(name).refresh_token)
                    else:
                        provider.revoke(self.secrets.read(name).refresh_token)
                except VclinksError as failure:
                    logger.info(
                        f"{connection.provider} revoke failed; removing anyway",
                        extra={"problem": failure.slug},
                    )
            self.secrets.delete(name)
        finally:
            self.repo.release_lease(lease_name(connection.secret_name), owner)


def predates(event_time: datetime | None, connection: Connection) -> bool:
    """A deauthorization sent before the connection was made is about an older grant (a replay)."""
    return event_time is not None and event_time < connection.created_at
