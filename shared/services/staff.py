"""Staff members' names and addresses (S04): the name greets them in their copy and tells
clients who leads their session; the address receives the staff copy when asked for."""

from __future__ import annotations

from shared.adapters.repository import Repository
from shared.domain.errors import NotFound
from shared.domain.models import Site, Staff


def set_profile(repo: Repository, site: Site, staff_id: str, name: str | None, email: str | None) -> Staff:
    """PUT: both fields as given (null clears one); the staff member's VC account is kept."""
    _, after = repo.update_staff(
        site.site_id, staff_id, lambda s: s.model_copy(update={"name": name, "email": email})
    )
    return after


def get_profile(repo: Repository, site: Site, staff_id: str) -> Staff:
    staff = repo.get_staff(site.site_id, staff_id)
    if staff is None:
        raise NotFound(f"No staff member '{staff_id}'.")
    return staff
