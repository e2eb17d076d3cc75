"""W07, S01: the Zoom users of the site's admin-connected account, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from shared.adapters.repository import Repository
from shared.adapters.zoom.client import ZoomClient, ZoomUser
from shared.adapters.zoom.tokens import TokenProvider
from shared.domain.errors import Forbidden, NotFound
from shared.domain.models import Site, ZoomAccount


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
