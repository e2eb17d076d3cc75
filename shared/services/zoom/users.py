"""W07, S01: the Zoom users of the site's admin-connected account."""

from __future__ import annotations

from shared.adapters.repository import Store
from shared.adapters.zoom.client import ZoomClient
from shared.adapters.zoom.tokens import TokenProvider
from shared.domain.errors import Forbidden, NotFound
from shared.domain.models import Site, ZoomAccount
from shared.http.models import ZoomUsers, ZoomUserView
from shared.services.zoom.connections import get_connection


def list_zoom_users(store: Store, zoom: ZoomClient, tokens: TokenProvider, site: Site) -> ZoomUsers:
    account = site.default_account
    if not isinstance(account, ZoomAccount):
        raise NotFound("The site's default account is not a Zoom connection; connect Zoom first.")
    connection = get_connection(store, site.site_id, account.connection_id)
    if connection is None:
        raise NotFound("The site's Zoom connection is gone; connect Zoom again.")
    if not connection.can_list_users:
        raise Forbidden(
            "The site's Zoom connection reaches only its own Zoom user: an owner or admin of the Zoom "
            "account connects it again with access=account (the admin-managed app)."
        )
    users = tokens.call(connection, zoom.list_users)
    views = [
        ZoomUserView(id=u.id, email=u.email, first_name=u.first_name, last_name=u.last_name) for u in users
    ]
    return ZoomUsers(connection_id=connection.connection_id, users=views)
