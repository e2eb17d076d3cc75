"""The site's default VC account and the staff members' individual accounts (W01, W04-W07)."""

from __future__ import annotations

from shared.api_models import AccountView, CustomLinkInput, JitsiInput, ZoomUserInput
from shared.auth import Principal, Role
from shared.errors import NotFound, PreconditionRequired
from shared.models import Site, Staff, VcAccount, ZoomAccount
from shared.store import Store


def account_view(account: VcAccount | None) -> AccountView:
    return AccountView(connected=account is not None, account=account)


def set_default_account(store: Store, site: Site, body: CustomLinkInput | JitsiInput) -> AccountView:
    """W01: a custom link or Jitsi serves every online service (Zoom connects through OAuth)."""
    account = body.to_record()
    store.save_site(site.model_copy(update={"default_account": account}))
    return account_view(account)


def disconnect_default_account(store: Store, site: Site) -> AccountView:
    """W06: with no default account, no session of the site shows a link; reconnecting restores them."""
    store.save_site(site.model_copy(update={"default_account": None}))
    return account_view(None)


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
    account: VcAccount
    if isinstance(body, ZoomUserInput):
        account = zoom_user_account(store, site, body)
    else:
        account = body.to_record()
    staff = store.get_staff(site.site_id, staff_id) or Staff(site_id=site.site_id, staff_id=staff_id)
    store.save_staff(staff.model_copy(update={"account": account}))
    return account_view(account)


def zoom_user_account(store: Store, site: Site, body: ZoomUserInput) -> ZoomAccount:
    """W07: a user of one of this site's Zoom connections (checked against the connection)."""
    from shared.zoom.connections import find_connection_user  # Zoom code only where used

    user = find_connection_user(store, site.site_id, body.connection_id, body.zoom_user_id)
    if user is None:
        raise NotFound(f"No Zoom user '{body.zoom_user_id}' under connection '{body.connection_id}'.")
    return user


def delete_staff_account(store: Store, site: Site, staff_id: str) -> AccountView:
    staff = store.get_staff(site.site_id, staff_id)
    if staff is None or staff.account is None:
        raise NotFound(f"Staff member '{staff_id}' has no individual account.")
    store.save_staff(staff.model_copy(update={"account": None}))
    return account_view(None)
