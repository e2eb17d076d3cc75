"""Sites: creation (with their API key), settings and scoped tokens."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.adapters.repository import Repository
from shared.domain.auth import Role, hash_api_key, mint_token, new_api_key, new_token_secret
from shared.domain.errors import InvalidInput, NotFound
from shared.domain.models import Site, SiteSettings

NOT_NULL = ("members_area_links", "language", "timezone", "meeting_check_hours")


def new_site_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "site"
    return f"{slug}-{secrets.token_hex(4)}"


def create_site(repo: Repository, name: str) -> tuple[Site, str]:
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
    repo.create_site(site)
    return site, api_key


def update_settings(repo: Repository, site: Site, changes: Mapping[str, Any]) -> SiteSettings:
    """Only the fields given change; two PATCHes of different fields at once both land."""
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise InvalidInput(f"'{name}' cannot be null.")
    if changes.get("timezone"):
        try:
            ZoneInfo(changes["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidInput(
                f"Unknown time zone '{changes['timezone']}'; use an IANA name like Europe/Paris."
            ) from error
    if changes.get("meeting_check_hours") is not None:  # X10: a set, however it was sent
        changes = {**changes, "meeting_check_hours": frozenset(changes["meeting_check_hours"])}
    _, after = repo.update_site(
        site.site_id, lambda s: s.model_copy(update={"settings": s.settings.model_copy(update=dict(changes))})
    )
    return after.settings


def issue_token(
    repo: Repository,
    site: Site,
    role: Role,
    ttl_seconds: int,
    *,
    staff_id: str | None = None,
    session_id: str | None = None,
    booking_id: str | None = None,
    access: str | None = None,
) -> tuple[str, datetime]:
    """A short-lived token for a browser: an admin's, a staff member's, one booking's client's, or
    a single-use ticket that opens the Zoom connect flow (for the site, or a staff member)."""
    if role is Role.CLIENT and repo.get_booking(site.site_id, session_id or "", booking_id or "") is None:
        raise NotFound(f"No booking '{booking_id}' in session '{session_id}'.")
    token, expires = mint_token(
        site,
        role,
        ttl_seconds,
        staff_id=staff_id if role in (Role.STAFF, Role.CONNECT) else None,
        session_id=session_id if role is Role.CLIENT else None,
        booking_id=booking_id if role is Role.CLIENT else None,
        access=(access or "user") if role is Role.CONNECT else None,
    )
    return token, datetime.fromtimestamp(expires, UTC)
