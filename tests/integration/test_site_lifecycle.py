"""A site's whole life through the API (issue 12): its API key rotated with an overlap, its token
secret rotated without breaking the tokens already out, an export of every record without a
secret, and its deletion: at once it answers as a site that does not exist; then the pipeline
deletes its Zoom meetings, revokes its grant, deletes the token secret and every item."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime
from typing import Any

import boto3
import pytest

from local.aws import count_aws_calls
from local.zoom_emulator import ZoomEmulator
from shared.bootstrap import container
from tests.support.api import Api, SiteHandle
from tests.support.aws import REGION
from tests.support.links import book, client_link, join_path, set_default, setup_session, staff_token
from tests.support.provider_kits import HostedKit, Tier, kit_for
from tests.support.zoom import connect, session


def _items(site_id: str) -> list[dict[str, Any]]:
    """Every item of both tables that names the site anywhere."""
    client, settings = boto3.client("dynamodb"), container().settings
    found = []
    for table in (settings.accounts_table, settings.session_links_table):
        found += [i for i in client.scan(TableName=table)["Items"] if site_id in json.dumps(i)]
    return found


def _zoom_secrets() -> list[str]:
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    return [name for name in names if name.startswith("vclinks/test/zoom/")]


def _settle_deletion(site_id: str, worker: Any, minutes: int = 30) -> None:
    """Let the pipeline run, a minute of its clock at a time, until the site record is gone."""
    root = container()
    for minute in range(minutes):
        worker.drain()
        if root.repo.get_site(site_id) is None:
            return
        root.repo.clock = lambda m=minute: time.time() + 60 * (m + 1)
        root.worker.dispatch()
    raise AssertionError(f"site {site_id} still there after {minutes} minutes of the pipeline")


# -- API key rotation --------------------------------------------------------------------------


def test_a_rotated_key_works_beside_the_previous_one_until_that_is_retired(site: SiteHandle) -> None:
    rotated = site.api.post(f"{site.base}/api-keys/rotate", {"overlap_seconds": 3600})

    assert rotated.status == 201
    assert rotated.headers["Cache-Control"] == "no-store"
    new_key = rotated.json["api_key"]
    assert new_key.startswith(f"vcl_{site.site_id}.")
    assert new_key != site.api_key
    old, new = site.api, site.api.as_(new_key)
    assert old.get(f"{site.base}/settings").status == 200  # the overlap: both work
    assert new.get(f"{site.base}/settings").status == 200

    retired = new.post(f"{site.base}/api-keys/retire")
    assert retired.status == 200
    assert retired.json == {"previous_key_expires_at": None}
    assert old.get(f"{site.base}/settings").status == 401
    assert new.get(f"{site.base}/settings").status == 200


def test_a_rotation_with_no_overlap_retires_the_key_at_once(site: SiteHandle) -> None:
    rotated = site.api.post(f"{site.base}/api-keys/rotate", {"overlap_seconds": 0})

    assert rotated.status == 201
    assert rotated.json["previous_key_expires_at"] is None
    assert site.api.get(f"{site.base}/settings").status == 401
    assert site.api.as_(rotated.json["api_key"]).get(f"{site.base}/settings").status == 200


def test_the_default_overlap_is_a_day(site: SiteHandle) -> None:
    before = time.time()
    rotated = site.api.post(f"{site.base}/api-keys/rotate", {})

    expires = datetime.fromisoformat(rotated.json["previous_key_expires_at"]).timestamp()
    assert before + 86400 - 5 <= expires <= time.time() + 86400


def test_the_previous_key_cannot_rotate_retire_or_delete(site: SiteHandle) -> None:
    new_key = site.api.post(f"{site.base}/api-keys/rotate", {}).json["api_key"]

    for method, path in (
        ("POST", "/api-keys/rotate"),
        ("POST", "/api-keys/retire"),
        ("POST", "/token-secret/rotate"),
        ("DELETE", ""),
    ):
        answer = site.api.call(method, f"{site.base}{path}", {} if method == "POST" else None)
        assert answer.status == 403, (method, path, answer.text)
    assert site.api.as_(new_key).get(f"{site.base}/settings").status == 200
    assert site.api.get(f"{site.base}/settings").status == 200  # still inside its overlap


def test_a_token_cannot_rotate_the_key_even_an_admin_token(site: SiteHandle) -> None:
    token = site.api.post(f"{site.base}/tokens", {"role": "admin"}).json["token"]

    assert site.api.as_(token).post(f"{site.base}/api-keys/rotate", {}).status == 403


def test_a_rotation_adds_no_call_to_the_link_resolve_path(site: SiteHandle, worker_switch: Any) -> None:
    set_default(site)
    setup_session(site)
    book(site)
    new_key = site.api.post(f"{site.base}/api-keys/rotate", {}).json["api_key"]
    path, query = f"{site.base}/sessions/s1/link", {"audience": "client", "booking": "b1"}

    assert site.api.get(path, query=query).status == 200  # this warm Lambda now knows s1
    for api in (site.api, site.api.as_(new_key)):  # the previous key and the new one
        with count_aws_calls() as calls, worker_switch.paused():
            assert api.get(path, query=query).status == 200
        assert dict(calls) == {"dynamodb.BatchGetItem": 1}


# -- token secret rotation ---------------------------------------------------------------------


def test_tokens_minted_before_a_token_secret_rotation_work_until_they_expire(site: SiteHandle) -> None:
    set_default(site)
    before = staff_token(site)
    path = f"{site.base}/staff/anna/vc-account"

    rotated = site.api.post(f"{site.base}/token-secret/rotate")

    assert rotated.status == 200
    until = rotated.json["previous_secret_valid_until"]
    assert until > time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 86400 - 60))
    after = staff_token(site)
    assert before.rpartition(".")[2] != after.rpartition(".")[2]  # signed with the new secret
    assert site.api.as_(before).get(path).status == 200
    assert site.api.as_(after).get(path).status == 200
    site.api.post(f"{site.base}/token-secret/rotate")  # a second rotation: the first secret is gone
    assert site.api.as_(before).get(path).status == 401
    assert site.api.as_(after).get(path).status == 200


# -- export ------------------------------------------------------------------------------------


def _export(site: SiteHandle, limit: int) -> tuple[list[dict[str, Any]], int]:
    records, pages, cursor = [], 0, None
    while True:
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        answer = site.api.get(f"{site.base}/export", query=query)
        assert answer.status == 200, answer.text
        assert answer.headers["Cache-Control"] == "no-store"
        records += answer.json["items"]
        pages += 1
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return records, pages


def test_an_export_holds_every_record_of_the_site_and_no_secret(make_site: Any, zoom: ZoomEmulator) -> None:
    site, other = make_site("Leaving Studio"), make_site("Staying Studio")
    connect(site, zoom)
    assert site.api.put(f"{site.base}/webhook", {"url": "https://hooks.studio.test/vclinks"}).status == 200
    assert site.api.put(f"{site.base}/staff/anna/vc-account", {"provider": "jitsi"}).status == 200
    template = {"language": "en", "subject": "See you", "body": "Hello [recipient_name]"}
    assert site.api.put(f"{site.base}/email-templates/reminder", template).status == 200
    assert site.api.put(f"{site.base}/services/svc", {"kind": "class", "online": True}).status == 200
    for n in range(3):
        assert site.api.put(f"{site.base}/sessions/s{n}", session(days=n)).status in (200, 201)
        for b in range(3):
            book(site, booking=f"b{n}{b}", session=f"s{n}")
    set_default(other)
    setup_session(other, session="theirs")

    records, pages = _export(site, limit=4)

    kinds = Counter(r["kind"] for r in records)
    assert kinds == {
        "site": 1,
        "staff": 1,
        "service": 1,
        "template": 1,
        "connection": 1,
        "session": 3,
        "booking": 9,
    }
    assert pages >= 5  # paged, as asked
    assert {r["record"]["session_id"] for r in records if r["kind"] == "booking"} == {"s0", "s1", "s2"}
    text = json.dumps(records)
    stored = container().repo.get_site(site.site_id)
    assert stored is not None
    assert stored.webhook is not None
    for secret in (stored.api_key_hash, stored.token_secret, stored.webhook.secret, site.api_key):
        assert secret not in text
    for name in (
        "api_key_hash",
        "token_secret",
        "join_secret",
        "staff_join_secret",
        "start_url",
        "secret_name",
    ):
        assert f'"{name}"' not in text, name
    assert other.site_id not in text
    assert "theirs" not in text


def test_an_export_cursor_of_one_site_is_refused_on_another(make_site: Any) -> None:
    site, other = make_site("A"), make_site("B")
    set_default(site)
    cursor = site.api.get(f"{site.base}/export", query={"limit": "1"}).json["next_cursor"]

    answer = other.api.get(f"{other.base}/export", query={"cursor": cursor})

    assert answer.status == 400


# -- deletion ----------------------------------------------------------------------------------


def test_a_deleted_site_answers_as_one_that_does_not_exist_at_once(
    site: SiteHandle, anonymous: Api, worker_switch: Any
) -> None:
    set_default(site)
    setup_session(site)
    join = join_path(book(site)["join_url"])
    token = staff_token(site)

    with worker_switch.paused():  # nothing deleted yet but the site's word
        deleted = site.api.delete(site.base)
        assert deleted.status == 202
        assert deleted.json["status"] == "deleting"
        assert site.api.get(f"{site.base}/settings").status == 401
        assert site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).status == 401
        assert site.api.as_(token).get(f"{site.base}/staff/anna/vc-account").status == 401
        assert site.api.delete(site.base).status == 401
        assert anonymous.get(join).status == 404
        assert (
            anonymous.get(f"{site.base}/settings", headers={"Authorization": "Bearer vcl_x.y"}).status == 404
        )


def test_deleting_a_site_revokes_zoom_deletes_its_secrets_and_every_item(
    make_site: Any, zoom: ZoomEmulator, worker: Any
) -> None:
    site, other = make_site("Leaving Studio"), make_site("Staying Studio")
    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "class", "online": True}).status == 200
    for n in range(30):  # more than one run's page
        assert site.api.put(f"{site.base}/sessions/s{n}", session(days=n)).status in (200, 201)
    book(site, booking="b1", session="s0")
    set_default(other)
    setup_session(other)
    book(other)
    assert len(zoom.meetings) == 30
    assert _zoom_secrets() != []
    theirs = _items(other.site_id)

    assert site.api.delete(site.base).status == 202
    _settle_deletion(site.site_id, worker)

    assert zoom.meetings == {}  # its meetings deleted at Zoom while the grant still worked
    assert zoom.counters["token_revoke"] == 1
    assert _zoom_secrets() == []
    left = _items(site.site_id)
    assert [i for i in left if "expires_at" not in i] == []  # only TTL'd markers may stay
    # used-once markers (sent emails, leases, OAuth states, used connect tickets) hold no data
    assert {i["pk"]["S"].partition("#")[0] for i in left} <= {"SENT", "LEASE", "OAUTH", "MEETING", "TICKET"}
    assert _items(other.site_id) == theirs
    assert client_link(other)["url"]


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_deleting_a_site_ends_its_meet_or_teams_meetings_and_deletes_its_grants_secrets(
    make_site: Any, tier: Tier, worker: Any, provider: str
) -> None:
    """X13, X14 as for Zoom above: the deleted site's upcoming meetings are ended while the grant
    still works (Teams meetings deleted; Meet spaces closed, as the API deletes none), Google's grant
    is revoked (Microsoft has no per-app revocation), and the grant's token secret is deleted."""
    kit = kit_for(provider, tier)
    assert isinstance(kit, HostedKit)
    site = make_site("Leaving Studio")
    account = kit.connect(site)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    for n in range(3):
        assert site.api.put(f"{site.base}/sessions/s{n}", session(days=n)).status in (200, 201)
    tier.settle()
    links = [site.api.get(f"{site.base}/sessions/s{n}/link?audience=staff").json["url"] for n in range(3)]
    held = {kit.meeting_of(account, url, True) for url in links}
    assert len(held) == 3
    assert None not in held
    assert len(_provider_secrets()) == 1
    revoked = kit.emulator("GET", "calls").get("token_revoke", 0)

    assert site.api.delete(site.base).status == 202
    _settle_deletion(site.site_id, worker)

    assert [kit.meeting_of(account, url, True) for url in links] == [None] * 3  # none opens a meeting
    revokes = kit.emulator("GET", "calls").get("token_revoke", 0) - revoked
    assert revokes == (1 if provider == "google" else 0)
    assert _provider_secrets() == []
    assert [i for i in _items(site.site_id) if "expires_at" not in i] == []


def _provider_secrets() -> list[str]:
    names = [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]]
    return [name for name in names if name.startswith(container().settings.provider_token_secret_prefix)]


def test_a_deleted_sites_sender_address_is_let_go(make_site: Any, worker: Any) -> None:
    """Issue 11's sender per site: its SES identity (ours) is deleted and the address is free
    for another site; an address claim is not in the site's partition, so only this step frees it."""
    from local.ses import click_verification_link

    site, other = make_site("Leaving Studio"), make_site("Next Studio")
    assert site.api.post(f"{site.base}/sender", {"email": "hello@leaving.example"}).status == 202
    click_verification_link("hello@leaving.example", REGION)
    sesv2 = boto3.client("sesv2")
    assert "hello@leaving.example" in [
        i["IdentityName"] for i in sesv2.list_email_identities()["EmailIdentities"]
    ]

    assert site.api.delete(site.base).status == 202
    _settle_deletion(site.site_id, worker)

    assert "hello@leaving.example" not in [
        i["IdentityName"] for i in sesv2.list_email_identities()["EmailIdentities"]
    ]
    assert other.api.post(f"{other.base}/sender", {"email": "hello@leaving.example"}).status == 202


@pytest.mark.parametrize("overlap", [0, 60])
def test_a_site_deleted_after_a_rotation_refuses_both_keys(site: SiteHandle, overlap: int) -> None:
    new_key = site.api.post(f"{site.base}/api-keys/rotate", {"overlap_seconds": overlap}).json["api_key"]
    new = site.api.as_(new_key)

    assert new.delete(site.base).status == 202

    assert new.get(f"{site.base}/settings").status == 401
    assert site.api.get(f"{site.base}/settings").status == 401
