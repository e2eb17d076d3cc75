"""Site administration from the command line: the operator's (whoever deploys runs it).

Who is the operator? Whoever holds AWS credentials for the deployment's tables. These commands
talk to DynamoDB (and SQS, CloudWatch) directly with those credentials, not to the HTTP API:
the API knows only one credential per site (its key), and a key above every site, reachable from
the internet, would be the one secret that opens every tenant. AWS credentials are already what
can read the tables, are audited (CloudTrail) and can need MFA; so listing sites, or acting on a
site whose key is lost, is theirs. The platform acts on its own site through the API with its key.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from shared import bootstrap
from shared.domain.errors import NotFound
from shared.domain.models import Site
from shared.services import sites


def _site(site_id: str) -> Site:
    site = bootstrap.container().repo.get_site(site_id)
    if site is None or site.deleted_at is not None:
        raise NotFound(f"No site '{site_id}' in these tables.")
    return site


def create_site(name: str) -> tuple[str, str]:
    """Create a site in the tables the environment names; returns (site id, API key)."""
    site, api_key = sites.create_site(bootstrap.reset().repo, name)
    return site.site_id, api_key


def list_sites() -> Iterator[Site]:
    """Every site (a Scan of the Accounts table, page by page)."""
    repo, cursor = bootstrap.reset().repo, None
    while True:
        page = repo.list_sites(cursor)
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor


def rotate_key(site_id: str, overlap: timedelta) -> tuple[str, Site]:
    bootstrap.reset()
    after, api_key = sites.rotate_api_key(bootstrap.container().repo, _site(site_id), overlap)
    return api_key, after


def rotate_token_secret(site_id: str) -> Site:
    bootstrap.reset()
    return sites.rotate_token_secret(bootstrap.container().repo, _site(site_id))


def export(site_id: str) -> Iterator[dict[str, Any]]:
    """Every record of the site, without a secret (the API's export, all pages)."""
    bootstrap.reset()
    site, cursor = _site(site_id), None
    while True:
        records, cursor = sites.export_page(bootstrap.container().repo, site, cursor, 500)
        yield from records
        if cursor is None:
            return


def delete(site_id: str) -> Site:
    """Accept the deletion; the pipeline does it (the worker, or the dispatcher within a minute)."""
    root = bootstrap.reset()
    return sites.request_deletion(root.repo, root.queue, _site(site_id))
