"""Sites: creation (with their API key), settings, scoped tokens, and their life after that:
key and token-secret rotation, export, deletion (issue 12)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.adapters.queue import WorkQueue
from shared.adapters.repository import Repository
from shared.domain import auth
from shared.domain.auth import (
    DEFAULT_KEY_OVERLAP,
    MAX_KEY_OVERLAP,
    Role,
    hash_api_key,
    mint_token,
    new_api_key,
    new_token_secret,
)
from shared.domain.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from shared.domain.models import Site, SiteSettings
from shared.domain.work import Scope, WorkRef

if TYPE_CHECKING:
    from shared.services.worker import Followup

NOT_NULL = (
    "members_area_links",
    "language",
    "timezone",
    "allowed_origins",
    "reminder_offsets_minutes",
    "meeting_check_hours",
)


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


def update_settings(
    repo: Repository, site: Site, changes: Mapping[str, Any], followup: Followup | None = None
) -> SiteSettings:
    """Only the fields given change; two PATCHes of different fields at once both land. New
    reminder offsets re-plan the reminders of every upcoming session of the site (X08)."""
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
    changes = dict(changes)
    for name in ("allowed_origins", "reminder_offsets_minutes"):
        if changes.get(name) is not None:
            changes[name] = tuple(changes[name])
    if changes.get("meeting_check_hours") is not None:  # X10: a set, however it was sent
        changes["meeting_check_hours"] = frozenset(changes["meeting_check_hours"])

    def replan(before: Site | None, after: Site | None) -> list[WorkRef]:
        offsets = [s.settings.reminder_offsets_minutes if s else () for s in (before, after)]
        return [WorkRef.sessions(site.site_id, Scope.SITE)] if offsets[0] != offsets[1] else []

    before, after = repo.update_site(
        site.site_id,
        lambda s: s.model_copy(update={"settings": s.settings.model_copy(update=dict(changes))}),
        replan,
    )
    if followup is not None and replan(before, after):
        followup.after_write(replan(before, after))
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


# -- lifecycle (issue 12) ----------------------------------------------------------------------


def rotate_api_key(
    repo: Repository, site: Site, overlap: timedelta = DEFAULT_KEY_OVERLAP
) -> tuple[Site, str]:
    """A new API key, shown once; the current one keeps working for `overlap` (0: retired now)."""
    if not timedelta(0) <= overlap <= MAX_KEY_OVERLAP:
        raise InvalidInput(f"The overlap is 0 to {int(MAX_KEY_OVERLAP.total_seconds())} seconds.")
    new_key: list[str] = []

    def rotate(current: Site) -> Site:
        rotated, key = auth.rotate_api_key(_with_key_of(site, current), repo.now(), overlap)
        new_key[:] = [key]
        return rotated

    _, after = repo.update_site(site.site_id, rotate)
    return after, new_key[0]


def retire_previous_key(repo: Repository, site: Site) -> Site:
    """End the overlap now: only the newest key works from here on."""
    return repo.update_site(
        site.site_id, lambda current: auth.retire_previous_key(_with_key_of(site, current))
    )[1]


def rotate_token_secret(repo: Repository, site: Site) -> Site:
    """A new secret for scoped tokens; tokens already minted work until they expire."""
    return repo.update_site(
        site.site_id, lambda current: auth.rotate_token_secret(_with_key_of(site, current), repo.now())
    )[1]


def _with_key_of(authenticated: Site, current: Site) -> Site:
    """`current`, when the key the caller was checked against (`authenticated`, read before this
    write) is still the current key. A rotation that landed in between made it the previous key,
    which rotates, retires and deletes nothing (auth.require_current_key): refused as one sent
    after that rotation is. Without this, 20 rotations at once all answered 201 and left only the
    last key working (the caller's own key retired with no overlap)."""
    if current.deleted_at is not None:
        raise Unauthorized(auth.WRONG_KEY)  # deleted meanwhile: as a request after the deletion
    if current.api_key_hash != authenticated.api_key_hash:
        raise Forbidden(auth.NOT_CURRENT_KEY)
    return current


def request_deletion(repo: Repository, queue: WorkQueue, site: Site) -> Site:
    """Accept a site's deletion: from this write on the site answers as one that does not exist;
    the pipeline's DELETE_SITE item (flagged in the same write) revokes its Zoom grants, deletes
    their secrets, then every item of both tables, a page at a time (shared.services.site_deletion)."""
    work = [WorkRef.delete_site(site.site_id)]

    def mark(current: Site) -> Site:
        return _with_key_of(site, current).model_copy(update={"deleted_at": repo.now()})

    _, after = repo.update_site(site.site_id, mark, work)
    queue.send(work)
    return after


SECRET_FIELDS = {
    "site": ("api_key_hash", "previous_api_key_hash", "token_secret", "previous_token_secret"),
    "session": ("staff_join_secret",),
    "booking": ("join_secret",),
    "connection": ("secret_name",),
}
"""What an export never shows: key hashes, signing secrets, join-link secrets, where tokens are kept."""


def export_page(
    repo: Repository, site: Site, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of every record of the site, without a secret or a key hash."""
    page = repo.export_page(site.site_id, cursor, limit)
    records = []
    for kind, fields in page.items:
        clean = {k: v for k, v in fields.items() if k not in SECRET_FIELDS.get(kind, ())}
        if kind == "site" and isinstance(clean.get("webhook"), dict):
            clean["webhook"] = {k: v for k, v in clean["webhook"].items() if k != "secret"}
        if kind == "session" and isinstance(clean.get("meeting"), dict):  # the host link carries a host key
            clean["meeting"] = {
                k: v for k, v in clean["meeting"].items() if k not in ("start_url", "start_url_at")
            }
        records.append({"kind": kind, "record": clean})
    return records, page.cursor
