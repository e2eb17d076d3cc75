"""W07, S01: the Zoom users of the site's admin-connected account, a page at a time, and the
mapping of a staff member to one of them, checked against Zoom when it is saved."""

from __future__ import annotations

from dataclasses import dataclass

from shared.adapters.repository import Repository
from shared.adapters.zoom.client import ZoomClient, ZoomUser
from shared.adapters.zoom.errors import ZoomNotFound
from shared.adapters.zoom.tokens import TokenProvider
from shared.domain.auth import Principal, Role
from shared.domain.errors import Forbidden, NotFound, ZoomUserNotInAccount
from shared.domain.models import Site, ZoomAccount
from shared.services.connections import account_for


@dataclass(frozen=True)
class ZoomUsersPage:
    connection_id: str
    users: list[ZoomUser]
    cursor: str | None  # Zoom's next_page_token, passed through


def list_zoom_users(
    repo: Repository, zoom: ZoomClient, tokens: TokenProvider, site: Site, limit: int, cursor: str | None
) -> ZoomUsersPage:
    account = site.default_account
    if not isinstance(account, ZoomAccount):
        raise NotFound("The site's default account is not a Zoom connection; connect Zoom first.")
    connection = repo.get_connection(site.site_id, account.connection_id)
    if connection is None:
        raise NotFound("The site's Zoom connection is gone; connect Zoom again.")
    if not connection.can_list_users:
        raise Forbidden(
            "The site's Zoom connection reaches only its own Zoom user: an owner or admin of the Zoom "
            "account connects it again with access=account (the admin-managed app)."
        )
    users, next_token = tokens.call(connection, lambda token: zoom.list_users_page(token, limit, cursor))
    return ZoomUsersPage(connection.connection_id, users, next_token)


def staff_zoom_account(
    repo: Repository,
    zoom: ZoomClient,
    tokens: TokenProvider,
    site: Site,
    caller: Principal,
    staff_id: str,
    connection_id: str,
    zoom_user_id: str,
) -> ZoomAccount:
    """W04, W07: the Zoom account a staff member's sessions will be hosted by.

    A staff member may only pick their own connection's own user; only the admin maps a staff
    member to another user of an admin-connected Zoom account, and that user is checked with
    Zoom now (GET /users/{id} through the connection: unknown, or of another account, Zoom
    answers 404), so a mapping never points at a user the sessions could not be hosted by."""
    connection = repo.get_connection(site.site_id, connection_id)
    if (
        connection is None
        or connection.removal is not None
        or not connection.confirmed
        or connection.provider != "zoom"  # a Google or Teams connection is attached by its connect flow
    ):
        raise NotFound(f"No Zoom connection '{connection_id}' on this site.")
    if caller.role is not Role.ADMIN:
        if connection.staff_id != staff_id or zoom_user_id != connection.zoom_user_id:
            raise Forbidden(
                "A staff member may only use their own Zoom connection (connect it with a connect "
                "ticket); only the site's admin maps a staff member to another Zoom user."
            )
        return account_for(connection)
    if zoom_user_id == connection.zoom_user_id:
        return account_for(connection)
    if not connection.can_list_users:
        raise ZoomUserNotInAccount(
            f"Connection '{connection_id}' reaches only its own Zoom user: map staff to other users "
            "through a connection made with access=account (the admin-managed app)."
        )
    try:
        user = tokens.call(connection, lambda token: zoom.get_user(token, zoom_user_id))
    except ZoomNotFound as error:
        raise ZoomUserNotInAccount(
            f"Zoom has no user '{zoom_user_id}' in the Zoom account of connection '{connection_id}' "
            "(unknown, or a user of another account): pick one from GET /zoom/users."
        ) from error
    if user.account_id and user.account_id != connection.zoom_account_id:
        raise ZoomUserNotInAccount(
            f"Zoom user '{zoom_user_id}' belongs to another Zoom account than connection '{connection_id}'."
        )
    return account_for(connection, user.id, user.email, user.type)
