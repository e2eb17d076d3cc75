"""Sites: creation (with their API key), settings and scoped tokens."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.adapters.repository import Store
from shared.domain.auth import Role, hash_api_key, mint_token, new_api_key, new_token_secret
from shared.domain.errors import InvalidInput, NotFound
from shared.domain.models import Site
from shared.http.models import SettingsPatch, SettingsView, TokenRequest, TokenView


def new_site_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "site"
    return f"{slug}-{secrets.token_hex(4)}"


def create_site(store: Store, name: str) -> tuple[Site, str]:
    """A new site and its API key. The key is shown once: only its hash is kept."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("A site name has 1 to 200 characters.")
    site_id = new_site_id(name)
    api_key = new_api_key(site_id)
    site = Site(
        site_id=site_id,
        name=name,
        api_key_hash=hash_api_key(api_key),
        token_secret=new_token_secret(),
        created_at=datetime.now(UTC),
    )
    store.create_site(site)
    return site, api_key


def settings_view(site: Site) -> SettingsView:
    s = site.settings
    return SettingsView(
        members_area_links=s.members_area_links,
        join_window_minutes=s.join_window_minutes,
        language=s.language,
        timezone=s.timezone,
        sender_email=s.sender_email,
        hidden_email_sections=sorted(s.hidden_email_sections),
        allowed_origins=list(s.allowed_origins),
    )


def update_settings(store: Store, site: Site, patch: SettingsPatch) -> SettingsView:
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}
    for name in ("members_area_links", "language", "timezone", "allowed_origins"):
        if name in changes and changes[name] is None:
            raise InvalidInput(f"'{name}' cannot be null.")
    if changes.get("timezone"):
        try:
            ZoneInfo(changes["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidInput(
                f"Unknown time zone '{changes['timezone']}'; use an IANA name like Europe/Paris."
            ) from error
    if changes.get("allowed_origins") is not None:
        changes["allowed_origins"] = tuple(changes["allowed_origins"])
    updated = site.model_copy(update={"settings": site.settings.model_copy(update=changes)})
    store.save_site(updated)
    return settings_view(updated)


def issue_token(store: Store, site: Site, request: TokenRequest) -> TokenView:
    """A short-lived token for a browser: an admin's, a staff member's, or one booking's client's."""
    scope = (request.session_id, request.booking_id)
    if request.role == "client" and store.get_booking(site.site_id, scope[0] or "", scope[1] or "") is None:
        raise NotFound(f"No booking '{request.booking_id}' in session '{request.session_id}'.")
    token, expires = mint_token(
        site,
        Role(request.role),
        request.ttl_seconds,
        staff_id=request.staff_id if request.role == "staff" else None,
        session_id=request.session_id if request.role == "client" else None,
        booking_id=request.booking_id if request.role == "client" else None,
    )
    return TokenView(token=token, expires_at=datetime.fromtimestamp(expires, UTC), role=request.role)
