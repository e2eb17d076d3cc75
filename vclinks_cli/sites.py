"""Site administration from the command line (whoever deploys runs it)."""

from __future__ import annotations

from shared import bootstrap
from shared.services.sites import create_site as _create_site


def create_site(name: str) -> tuple[str, str]:
    """Create a site in the tables the environment names; returns (site id, API key)."""
    site, api_key = _create_site(bootstrap.reset().repo, name)
    return site.site_id, api_key
