"""The site's default VC account and the staff members' individual accounts (W01, W04-W07)."""

from __future__ import annotations

from shared.adapters.repository import Store
from shared.domain.auth import Principal, Role
from shared.domain.errors import NotFound, PreconditionRequired
from shared.domain.models import Site, Staff, VcAccount, ZoomAccount
from shared.http.models import AccountView, CustomLinkInput, JitsiInput, ZoomUserInput


def account_view(account: VcAccount | None) -> AccountView:
    return AccountView(connected=account is not None, account=account)


def set_default_account(store: Store, site: Site, body: CustomLinkInput | JitsiInput) -> AccountView:
    """W01: a custom link or Jitsi serves every online service (Zoom connects through OAuth)."""
    account = body.to_record()
    store.save_site(site.model_copy(update={"default_account": account}))
    return account_view(account)


def disconnect_default_account(store: Store, site: Site) -> AccountView:
    """W06: with no default account, no session of the site shows a link; reconnecting restores them.

    S08: a Zoom default is disconnected for good: its tokens are revoked and deleted.
    """
    if isinstance(site.default_account, ZoomAccount):
        _remove_zoom_connection(store, site.site_id, site.default_account.connection_id)
        site = store.get_site(site.site_id) or site
    store.save_site(site.model_copy(update={"default_account": None}))
    return account_view(None)


def _remove_zoom_connection(store: Store, site_id: str, connection_id: str) -> None:
    from shared.adapters.zoom.tokens import get_token_secrets
    from shared.services.zoom.connect import remove_connection
    from shared.services.zoom.connections import get_connection  # Zoom code only where used
    from shared.services.zoom.wiring import get_zoom_client

    connection = get_connection(store, site_id, connection_id)
    if connection is not None:
        remove_connection(store, get_zoom_client(), get_token_secrets(), connection, revoke=True)


def get_staff_account(store: Store, site: Site, staff_id: str) -> AccountView:
    staff = store.get_staff(site.site_id, staff_id)
    return account_view(staff.account if staff else None)


def set_staff_account(
    store: Store,
    site: Site,
    staff_id: str,
    body: CustomLinkInput | JitsiInput | ZoomUserInput,
    caller: Principal,
) -> AccountView:
    """W04, W05, W07: an individual account, used for the staff member's sessions."""
    if caller.role is Role.STAFF and site.default_account is None:
        raise PreconditionRequired(
            "A staff member can add their own account only once the site's default account is connected."
        )
    account: VcAccount = (
        zoom_user_account(store, site, body) if isinstance(body, ZoomUserInput) else body.to_record()
    )
    staff = store.get_staff(site.site_id, staff_id) or Staff(site_id=site.site_id, staff_id=staff_id)
    store.save_staff(staff.model_copy(update={"account": account}))
    return account_view(account)


def zoom_user_account(store: Store, site: Site, body: ZoomUserInput) -> ZoomAccount:
    """W07: a user of one of this site's Zoom connections (checked against the connection)."""
    from shared.services.zoom.connections import find_connection_user  # Zoom code only where used

    user = find_connection_user(store, site.site_id, body.connection_id, body.zoom_user_id)
    if user is None:
        raise NotFound(f"No Zoom user '{body.zoom_user_id}' under connection '{body.connection_id}'.")
    return user


def delete_staff_account(store: Store, site: Site, staff_id: str) -> AccountView:
    """The staff member's sessions use the site default again; their own Zoom connection is removed."""
    staff = store.get_staff(site.site_id, staff_id)
    if staff is None or staff.account is None:
        raise NotFound(f"Staff member '{staff_id}' has no individual account.")
    account = staff.account
    if isinstance(account, ZoomAccount) and _owned_by_staff(
        store, site.site_id, account.connection_id, staff_id
    ):
        _remove_zoom_connection(store, site.site_id, account.connection_id)
        staff = store.get_staff(site.site_id, staff_id) or staff
    store.save_staff(staff.model_copy(update={"account": None}))
    return account_view(None)


def _owned_by_staff(store: Store, site_id: str, connection_id: str, staff_id: str) -> bool:
    from shared.services.zoom.connections import get_connection

    connection = get_connection(store, site_id, connection_id)
    return connection is not None and connection.staff_id == staff_id
