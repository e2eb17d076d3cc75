"""Zoom connections: one per OAuth grant, owned by a site (its default) or by one staff member.

A connection record (`SITE#{site}` / `ZOOM#{connection}`) names the Zoom account and
user, whether that user may list the account's users (S01, W07), its status (X07), and
the Secrets Manager secret holding its tokens. The accounts that use it embed a copy of
its status so that resolving a link needs no extra read; `set_status` keeps them in step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from shared.adapters.repository import Store, from_item, site_pk
from shared.adapters.zoom.scopes import ZoomAppType
from shared.domain.models import ConnectionStatus, Id, Record, Staff, ZoomAccount


class ZoomConnection(Record):
    site_id: Id
    connection_id: Id
    staff_id: Id | None = None  # None: the site's default connection
    zoom_account_id: str = Field(max_length=64)
    zoom_user_id: str = Field(max_length=64)
    email: str | None = Field(default=None, max_length=320)
    can_list_users: bool = False
    app: ZoomAppType = ZoomAppType.USER_MANAGED  # the Zoom app its tokens belong to
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    secret_name: str
    created_at: datetime


def connection_key(site_id: str, connection_id: str) -> dict[str, str]:
    return {"pk": site_pk(site_id), "sk": f"ZOOM#{connection_id}"}


def zoom_user_index(zoom_account_id: str, zoom_user_id: str) -> str:
    return f"ZOOMUSER#{zoom_account_id}#{zoom_user_id}"


def save_connection(store: Store, connection: ZoomConnection) -> None:
    store.put(
        store.accounts,
        connection,
        connection_key(connection.site_id, connection.connection_id),
        gsi1pk=zoom_user_index(connection.zoom_account_id, connection.zoom_user_id),
        gsi1sk=f"SITE#{connection.site_id}#{connection.connection_id}",
    )


def get_connection(store: Store, site_id: str, connection_id: str) -> ZoomConnection | None:
    return store.get(store.accounts, connection_key(site_id, connection_id), ZoomConnection)


def list_connections(store: Store, site_id: str) -> list[ZoomConnection]:
    return [
        from_item(ZoomConnection, i) for i in store.query(store.accounts, site_pk(site_id), sk_prefix="ZOOM#")
    ]


def connections_of_zoom_user(store: Store, zoom_account_id: str, zoom_user_id: str) -> list[ZoomConnection]:
    """S08: every site's connection of one Zoom user (a deauthorization names the user)."""
    items = store.query(store.accounts, zoom_user_index(zoom_account_id, zoom_user_id), index="gsi1")
    return [from_item(ZoomConnection, item) for item in items]


def delete_connection(store: Store, connection: ZoomConnection) -> None:
    store.delete(store.accounts, connection_key(connection.site_id, connection.connection_id))


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
    store: Store, site_id: str, connection_id: str, zoom_user_id: str
) -> ZoomAccount | None:
    """W07: a user under an admin-connected Zoom account of this site, as a staff account.

    The user id is checked against Zoom when the first meeting is created for it: an
    unknown user leaves that session `pending` with the reason, never a broken link.
    """
    connection = get_connection(store, site_id, connection_id)
    if connection is None:
        return None
    if zoom_user_id != connection.zoom_user_id and not connection.can_list_users:
        return None
    return account_for(connection, zoom_user_id)


def set_status(store: Store, connection: ZoomConnection, status: ConnectionStatus) -> ZoomConnection:
    """X07: mark the connection and every account embedding it (site default, staff)."""
    updated = connection.model_copy(update={"status": status})
    save_connection(store, updated)
    _rewrite_accounts(store, connection, lambda account: account.model_copy(update={"status": status}))
    return updated


def detach(store: Store, connection: ZoomConnection) -> None:
    """S08: accounts that used the connection no longer have one (the site default then hides links, W06)."""
    _rewrite_accounts(store, connection, lambda account: None)


def _rewrite_accounts(store: Store, connection: ZoomConnection, change: Any) -> None:
    site = store.get_site(connection.site_id)
    if site is not None and _uses(site.default_account, connection):
        store.save_site(site.model_copy(update={"default_account": change(site.default_account)}))
    for staff in store.list_staff(connection.site_id):
        if _uses(staff.account, connection):
            store.save_staff(staff.model_copy(update={"account": change(staff.account)}))


def _uses(account: object, connection: ZoomConnection) -> bool:
    return isinstance(account, ZoomAccount) and account.connection_id == connection.connection_id


def attach(store: Store, connection: ZoomConnection) -> ZoomAccount:
    """A new connection becomes the site default (no staff) or the staff member's own account."""
    account = account_for(connection)
    if connection.staff_id is None:
        site = store.get_site(connection.site_id)
        if site is not None:
            store.save_site(site.model_copy(update={"default_account": account}))
    else:
        staff = store.get_staff(connection.site_id, connection.staff_id) or Staff(
            site_id=connection.site_id, staff_id=connection.staff_id
        )
        store.save_staff(staff.model_copy(update={"account": account}))
    return account
