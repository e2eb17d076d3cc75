"""Every site route, with a valid request (its sample event), refuses: no credential (401),
a wrong key (401), another site's key (404, as if the site did not exist), and a client
token acting as an admin (403). Nothing is written by a refused request."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from events import generate
from tests.support.events import invoke, route_of

SITE_SAMPLES = [
    relative
    for relative in sorted(generate.existing_samples())
    if json.loads((generate.EVENTS_DIR / relative).read_text()).get("rawPath", "").startswith("/v1/sites/")
]
WRONG_KEY = f"vcl_{generate.SITE}.this-is-not-the-key-of-this-site-at-all"


def _call(relative: Path, authorization: str | None) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(json.loads((generate.EVENTS_DIR / relative).read_text()))
    event["headers"].pop("authorization", None)
    if authorization is not None:
        event["headers"]["authorization"] = authorization
    route = route_of(event, relative.parent.name)
    assert route is not None
    result = invoke(route.function, route.module, route.handler, event)
    return int(result["statusCode"]), json.loads(result.get("body") or "{}")


def _snapshot() -> list[dict[str, Any]]:
    import boto3

    from shared.bootstrap import container

    client, settings = boto3.client("dynamodb"), container().settings
    items = []
    for table in (settings.accounts_table, settings.session_links_table):
        items += client.scan(TableName=table)["Items"]
    return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))


def test_there_are_site_routes_to_check() -> None:
    assert len(SITE_SAMPLES) >= 25


@pytest.mark.parametrize("relative", SITE_SAMPLES, ids=str)
def test_every_site_route_refuses_wrong_credentials(relative: Path, demo_world: None) -> None:
    from shared.bootstrap import container
    from shared.services.sites import create_site

    _, other_key = create_site(container().repo, "Another Studio")
    before = _snapshot()
    for authorization, expected in (
        (None, 401),
        ("Bearer ", 401),
        (f"Bearer {WRONG_KEY}", 401),
        (f"Basic {generate.API_KEY}", 401),
        (f"Bearer {other_key}", 404),
    ):
        status, body = _call(relative, authorization)
        assert status == expected, f"{relative} with {authorization!r}: {status} {body}"
        assert body["status"] == expected
        assert "meet.google.com" not in json.dumps(body)
    assert _snapshot() == before  # nothing written by any refused request


@pytest.mark.parametrize("relative", SITE_SAMPLES, ids=str)
def test_a_client_token_cannot_act_as_the_admin(relative: Path, demo_world: None) -> None:
    from shared.bootstrap import container
    from shared.domain.auth import Role
    from shared.services.sites import issue_token

    store = container().repo
    site = store.get_site(generate.SITE)
    assert site is not None
    token, _ = issue_token(
        store, site, Role.CLIENT, 900, session_id=generate.SESSION, booking_id=generate.BOOKING
    )
    status, _ = _call(relative, f"Bearer {token}")
    event = json.loads((generate.EVENTS_DIR / relative).read_text())
    own_link = event["routeKey"] == "GET /v1/sites/{site}/sessions/{session}/link"
    assert status == (200 if own_link else 403), f"{relative}: {status}"
