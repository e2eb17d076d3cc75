"""X07: Google's Cross-Account Protection (RISC) through the API Gateway route on moto, with the
Google emulator as Google (its RISC configuration and keys over loopback, SETs signed as Google
signs them): a revoked grant is acted on when Google says so, on every connection of that Google
user across sites; a SET delivered again acts once; a forged or misaddressed SET is refused with
RFC 8935's error answer; the stored tokens are not used again (no call to Google)."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from local.google_emulator import GoogleEmulator
from local.google_risc import token_identifier, user_subject
from shared.adapters.provider_tokens import risc_token_hash
from shared.adapters.repository import refresh_token_key
from shared.adapters.zoom.tokens import TokenSecrets, secret_name
from shared.bootstrap import container
from shared.domain.models import Connection, ConnectionStatus
from shared.domain.work import WorkRef
from shared.services import connections
from shared.services.google_risc import EVENTS_REQUESTED
from tests.support.api import Answer, Api, SiteHandle
from tests.support.aws import reset_caches
from tests.support.links import START, iso
from tests.support.provider_kits import GoogleKit, Tier
from vclinks_cli.google_risc import throwaway_account
from vclinks_cli.main import main

SET_TYPE = {"Content-Type": "application/secevent+jwt"}


@pytest.fixture
def google(moto_aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleEmulator]:
    """The Google emulator in this process; the deployment's Google OAuth client (the SETs'
    audience) and the RISC configuration URL pointing at it."""
    emulator = GoogleEmulator()
    url = emulator.start()
    apps = {"google_client_id": emulator.client_id, "google_client_secret": emulator.client_secret}
    arn = boto3.client("secretsmanager").create_secret(
        Name="vclinks-test/providers", SecretString=json.dumps(apps)
    )
    monkeypatch.setenv("PROVIDER_APP_SECRET_ARN", arn["ARN"])
    monkeypatch.setenv("GOOGLE_RISC_CONFIGURATION_URL", f"{url}/.well-known/risc-configuration")
    monkeypatch.setenv("GOOGLE_ACCOUNTS_BASE_URL", url)
    monkeypatch.setenv("GOOGLE_OAUTH2_BASE_URL", url)
    monkeypatch.setenv("GOOGLE_MEET_BASE_URL", url)
    reset_caches()
    yield emulator
    emulator.stop()


def connect_google(site: SiteHandle, sub: str, staff: str | None = None, made: datetime | None = None) -> str:
    """Given: the site's default account (or `staff`'s own) is Google user `sub`'s grant, made
    an hour ago (the connect flow itself is tested over HTTP in tests/e2e)."""
    repo = container().repo
    connection = Connection(
        site_id=site.site_id,
        connection_id=f"gc-{secrets.token_hex(6)}",
        provider="google",
        staff_id=staff,
        zoom_account_id="google",
        zoom_user_id=sub,
        email=f"{sub}@studio.example",
        secret_name=secret_name(container().settings.provider_token_secret_prefix, ("google", sub)),
        created_at=made or datetime.now(UTC) - timedelta(hours=1),
    )
    ref = WorkRef.connection(site.site_id, connection.connection_id)
    repo.join_grant(connection.secret_name, site.site_id, connection.connection_id)
    repo.update_connection(site.site_id, connection.connection_id, lambda _: connection, [ref])
    container().queue.send(connections.attach(repo, connection))
    return connection.connection_id


def deliver(anonymous: Api, token: str, headers: dict[str, str] = SET_TYPE) -> Answer:
    return anonymous.post("/v1/google/risc", raw=token, headers=headers)


def revoked(google: GoogleEmulator, sub: str, event: str = "tokens-revoked", **fields: Any) -> str:
    return google.sign_event(user_subject(sub), event, fields)[1]


def account(site: SiteHandle, staff: str | None = None) -> tuple[str, str | None]:
    path = f"{site.base}/staff/{staff}/vc-account" if staff else f"{site.base}/vc-account"
    found = site.api.get(path).json["account"]
    return found["status"], found["problem"]


def test_x07_tokens_revoked_at_google_marks_every_connection_of_that_user_across_sites(
    make_site: Any, anonymous: Api, google: GoogleEmulator
) -> None:
    studio, gym, other = make_site("Studio"), make_site("Gym"), make_site("Other")
    connect_google(studio, "g-ada")
    connect_google(gym, "g-somebody")
    assert gym.api.put(f"{gym.base}/staff/ada", {"name": "Ada"}).status == 200
    connect_google(gym, "g-ada", staff="ada")
    connect_google(other, "g-bob")

    answer = deliver(anonymous, revoked(google, "g-ada"))

    assert (answer.status, answer.text) == (202, "")
    assert account(studio) == ("needs_reconnect", "google_tokens_revoked")
    assert account(gym, "ada") == ("needs_reconnect", "google_tokens_revoked")
    assert account(gym) == ("connected", None)  # another Google user
    assert account(other) == ("connected", None)


def test_x07_the_revoked_grants_tokens_are_not_used_again_and_the_link_says_reconnect(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator
) -> None:
    connect_google(site, "g-ada")
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert deliver(anonymous, revoked(google, "g-ada")).status == 202

    session = {"service_id": "svc", "start": iso(START), "end": iso(START + timedelta(hours=1))}
    assert site.api.put(f"{site.base}/sessions/s1", session).status == 201

    stored = site.api.get(f"{site.base}/sessions/s1").json
    assert (stored["meeting_state"], stored["pending_reason"]) == ("pending", "google_tokens_revoked")
    link = site.api.get(f"{site.base}/sessions/s1/link", query={"audience": "staff"}).json
    assert (link["decision"], link["reason"]) == ("none", "needs_reconnect")
    assert google.calls() == {}  # no refresh, no create: the stored tokens are not used


def test_x07_a_set_delivered_again_acts_zero_times(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator
) -> None:
    connection = connect_google(site, "g-ada")
    token = revoked(google, "g-ada")
    assert deliver(anonymous, token).status == 202
    assert account(site) == ("needs_reconnect", "google_tokens_revoked")
    repo = container().repo  # the admin's fix, as a reconnect would leave it
    repo.update_connection(
        site.site_id,
        connection,
        lambda c: c.model_copy(update={"status": ConnectionStatus.CONNECTED, "problem": None}) if c else None,
        [WorkRef.connection(site.site_id, connection)],
    )
    container().queue.send([WorkRef.connection(site.site_id, connection)])
    assert site.api.get(f"{site.base}/vc-account").status == 200  # the worker brings the account in step
    assert account(site) == ("connected", None)

    again = deliver(anonymous, token)  # Google delivers the same SET (same jti) again

    assert (again.status, again.text) == (202, "")
    assert account(site) == ("connected", None)


def test_x07_events_about_an_unknown_user_are_accepted_and_change_nothing(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator
) -> None:
    connection = connect_google(site, "g-ada")
    before = container().repo.get_connection(site.site_id, connection)

    answer = deliver(anonymous, revoked(google, "g-stranger"))

    assert (answer.status, answer.text) == (202, "")
    assert container().repo.get_connection(site.site_id, connection) == before


def test_x07_a_set_issued_before_the_grant_was_made_again_changes_nothing(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator
) -> None:
    """A late redelivery about tokens since replaced by a reconnect."""
    connect_google(site, "g-ada", made=datetime.now(UTC) + timedelta(minutes=5))
    assert deliver(anonymous, revoked(google, "g-ada")).status == 202
    assert account(site) == ("connected", None)


@pytest.mark.parametrize(
    ("event", "fields", "expected"),
    [
        ("account-disabled", {"reason": "hijacking"}, ("needs_reconnect", "google_account_disabled")),
        ("account-disabled", {}, ("needs_reconnect", "google_account_disabled")),
        ("account-purged", {}, ("needs_reconnect", "google_account_purged")),
        ("account-disabled", {"reason": "bulk-account"}, ("connected", None)),
        ("sessions-revoked", {}, ("connected", None)),
        ("account-enabled", {}, ("connected", None)),
        ("account-credential-change-required", {}, ("connected", None)),
    ],
)
def test_x07_what_each_account_event_does_to_the_users_connection(
    site: SiteHandle,
    anonymous: Api,
    google: GoogleEmulator,
    event: str,
    fields: dict[str, str],
    expected: tuple[str, str | None],
) -> None:
    connect_google(site, "g-ada")
    assert deliver(anonymous, revoked(google, "g-ada", event, **fields)).status == 202
    assert account(site) == expected


def test_x07_a_single_token_named_by_its_prefix_and_a_verification_are_recorded_only(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator
) -> None:
    connect_google(site, "g-ada")
    one_token = {
        "subject_type": "oauth_token",
        "token_type": "refresh_token",
        "token_identifier_alg": "prefix",
        "token": "1//0gAbCdEfGhIjK",
    }
    assert deliver(anonymous, google.sign_event(one_token, "token-revoked", {})[1]).status == 202
    assert deliver(anonymous, google.sign_event(None, "verification", {"state": "st-1"})[1]).status == 202
    assert account(site) == ("connected", None)


@pytest.mark.parametrize(
    ("fault", "err"),
    [
        ("wrong_audience", "invalid_audience"),
        ("unknown_kid", "invalid_key"),
        ("wrong_key", "authentication_failed"),
    ],
)
def test_x07_a_forged_or_misaddressed_set_is_refused_with_rfc_8935s_answer(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator, fault: str, err: str
) -> None:
    connect_google(site, "g-ada")
    token = google.sign_event(user_subject("g-ada"), "tokens-revoked", {}, fault)[1]

    answer = deliver(anonymous, token)

    assert answer.status == 400
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json["err"] == err
    assert isinstance(answer.json["description"], str)
    assert account(site) == ("connected", None)


def test_x07_a_body_that_is_no_set_is_refused(anonymous: Api, google: GoogleEmulator) -> None:
    garbage = deliver(anonymous, "not-a-jwt")
    assert (garbage.status, garbage.json["err"]) == (400, "invalid_request")
    wrong_type = deliver(anonymous, "not-a-jwt", {"Content-Type": "text/plain"})
    assert wrong_type.status == 415
    elsewhere = anonymous.post("/v1/zoom/webhook", raw="not-a-jwt", headers=SET_TYPE)  # this route only
    assert elsewhere.status == 415


def test_the_operator_registers_the_receiver_with_a_service_account_bearer(
    google: GoogleEmulator, tmp_path: Path
) -> None:
    """`vclinks google-risc register` (docs/GOOGLE-SETUP.md step 5) against the emulator's RISC API,
    which refuses a Bearer that is not a service account's self-signed JWT."""
    key = tmp_path / "risc-admin.json"
    key.write_text(json.dumps(throwaway_account()))
    receiver = "https://api.vclinks.test/v1/google/risc"

    code = main(
        ["google-risc", "register", "--key", str(key), "--receiver", receiver, "--api", google.base_url]
    )

    assert code == 0
    assert google.stream is not None
    assert google.stream["delivery"]["url"] == receiver
    assert set(google.stream["events_requested"]) == set(EVENTS_REQUESTED)
    not_a_jwt = httpx.post(
        f"{google.base_url}/v1beta/stream:update",
        json=google.stream,
        headers={"Authorization": "Bearer an-api-key"},
        timeout=10,
    )
    assert not_a_jwt.status_code == 401


def test_when_googles_keys_cannot_be_read_the_answer_is_503_so_google_delivers_again(
    site: SiteHandle, anonymous: Api, google: GoogleEmulator
) -> None:
    connect_google(site, "g-ada")
    token = revoked(google, "g-ada")
    google.add_fault("GET", r"^/oauth2/v3/certs$", status=503, times=1)

    down = deliver(anonymous, token)

    assert down.status == 503
    assert down.json["type"].endswith("/provider-unavailable")
    assert account(site) == ("connected", None)
    assert deliver(anonymous, token).status == 202  # the redelivery, once Google answers again
    assert account(site) == ("needs_reconnect", "google_tokens_revoked")


def test_the_emulators_risc_api_refuses_what_google_refuses(google: GoogleEmulator, tmp_path: Path) -> None:
    """R: "Register your receiver": a push delivery to an https receiver, known event types; a
    verification goes to the registered receiver; SETs only for users who granted email/profile."""
    key = tmp_path / "risc-admin.json"
    key.write_text(json.dumps(throwaway_account()))
    base = ["--key", str(key), "--api", google.base_url]
    with pytest.raises(SystemExit, match="must be https"):
        main(["google-risc", "register", "--receiver", "http://api.vclinks.test/v1/google/risc", *base])
    assert google.stream is None  # a plain-http receiver off this machine is refused

    closed = "http://127.0.0.1:9/v1/google/risc"  # nothing listens: the delivery is recorded as failed
    assert main(["google-risc", "register", "--receiver", closed, *base]) == 0
    assert main(["google-risc", "verify", "--state", "check-1", *base]) == 0
    assert [d["status"] for d in google.deliveries] == [0]
    assert google.push_event("g-never-consented", "tokens-revoked") == {
        "pushed": False,
        "why": "the user granted neither email nor profile",
    }


# -- token-revoked: one refresh token, named by Google's double SHA-512 hash --------------------


class Collect(logging.Handler):
    """Every line the service logs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage() + json.dumps(record.__dict__, default=str))


@pytest.fixture
def consenting_google(meet_and_teams: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> GoogleEmulator:
    """The Google emulator the connect flow consents at (tests/support/provider_kits.py), also
    the RISC transmitter whose SETs the receiver verifies."""
    emulator: GoogleEmulator = meet_and_teams["google"]
    monkeypatch.setenv("GOOGLE_RISC_CONFIGURATION_URL", f"{emulator.base_url}/.well-known/risc-configuration")
    reset_caches()
    return emulator


class SameUserKit(GoogleKit):
    """The same Google user consents again (a reconnect, or their staff account too)."""

    def __init__(self, tier: Tier, user: str) -> None:
        super().__init__(tier)
        self.user = user

    def new_user(self) -> str:
        return self.user


def revoke_newest_token(google: GoogleEmulator, user: str) -> str:
    """Google revokes the user's newest refresh token and signs `token-revoked` naming it by hash
    (the emulator's control route; it computes the hash itself)."""
    signed = httpx.post(
        f"{google.base_url}/_emulator/risc/sign", json={"sub": user, "event": "token-revoked"}, timeout=10
    )
    assert signed.status_code == 200, signed.text
    return str(signed.json()["token"])


def stored_refresh_token(user: str) -> str:
    name = secret_name(container().settings.provider_token_secret_prefix, ("google", user))
    return container().token_secrets.read(name).refresh_token


def test_x07_a_refresh_token_google_revoked_marks_the_grant_that_holds_it_and_no_other(
    make_site: Any, anonymous: Api, consenting_google: GoogleEmulator, tier: Tier
) -> None:
    studio, gym = make_site("Studio"), make_site("Gym")
    ada = GoogleKit(tier).connect(studio)  # the consent: the grant's tokens stored, its hash indexed
    bob = GoogleKit(tier).connect(gym)

    answer = deliver(anonymous, revoke_newest_token(consenting_google, ada.owner))

    assert (answer.status, answer.text) == (202, "")
    assert account(studio) == ("needs_reconnect", "google_token_revoked")
    assert account(gym) == ("connected", None)
    assert bob.owner != ada.owner


def test_x07_token_revoked_marks_every_connection_of_the_grant_and_only_while_we_hold_that_token(
    site: SiteHandle, anonymous: Api, consenting_google: GoogleEmulator, tier: Tier
) -> None:
    """A reconnect stores a new refresh token for the same grant: an event about the token it
    replaced changes nothing; one about the token held now ends every connection of the grant."""
    ada = GoogleKit(tier).connect(site)
    replaced = stored_refresh_token(ada.owner)
    assert site.api.put(f"{site.base}/staff/ada", {"name": "Ada"}).status == 200
    SameUserKit(tier, ada.owner).connect(site, staff="ada")  # her own account: the same grant
    assert stored_refresh_token(ada.owner) != replaced
    about_replaced = {
        "subject_type": "oauth_token",
        "token_type": "refresh_token",
        "token_identifier_alg": "hash_base64_sha512_sha512",
        "token": token_identifier(replaced, "hash_base64_sha512_sha512"),
    }

    old = deliver(anonymous, consenting_google.sign_event(about_replaced, "token-revoked", {})[1])

    assert old.status == 202
    assert (account(site), account(site, "ada")) == (("connected", None), ("connected", None))

    held = deliver(anonymous, revoke_newest_token(consenting_google, ada.owner))

    assert held.status == 202
    assert account(site) == ("needs_reconnect", "google_token_revoked")
    assert account(site, "ada") == ("needs_reconnect", "google_token_revoked")


def test_x07_a_grant_stored_before_the_index_is_matched_after_its_next_refresh(
    site: SiteHandle, anonymous: Api, consenting_google: GoogleEmulator, tier: Tier
) -> None:
    """A grant stored without the index (as every grant was before it existed) is not matched:
    the next refresh finds it (X07). That refresh stores the tokens again, and indexes them."""
    ada = GoogleKit(tier).connect(site)
    repo, token = container().repo, stored_refresh_token(ada.owner)
    lookup = refresh_token_key(risc_token_hash(token))
    repo.client.delete_item(TableName=repo.accounts, Key={k: {"S": v} for k, v in lookup.items()})
    unmatched = consenting_google.sign_event(
        {
            "subject_type": "oauth_token",
            "token_type": "refresh_token",
            "token_identifier_alg": "hash_base64_sha512_sha512",
            "token": token_identifier(token, "hash_base64_sha512_sha512"),
        },
        "token-revoked",
        {},
    )[1]
    assert deliver(anonymous, unmatched).status == 202
    assert account(site) == ("connected", None)

    consenting_google.expire_access_tokens()
    name = secret_name(container().settings.provider_token_secret_prefix, ("google", ada.owner))
    stale = container().token_secrets.read(name)
    TokenSecrets(container().token_secrets.client, "").write(name, replace(stale, expires_at=0.0))
    reset_caches()  # a new process: nothing indexed or cached in memory
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    session = {"service_id": "svc", "start": iso(START), "end": iso(START + timedelta(hours=1))}
    assert site.api.put(f"{site.base}/sessions/s1", session).status == 201
    assert consenting_google.calls().get("token_refresh") == 1  # the worker refreshed the grant

    answer = deliver(anonymous, revoke_newest_token(consenting_google, ada.owner))

    assert answer.status == 202
    assert account(site) == ("needs_reconnect", "google_token_revoked")


def test_x07_the_index_keeps_the_tokens_hash_never_the_token_and_no_log_line_names_either(
    site: SiteHandle, anonymous: Api, consenting_google: GoogleEmulator, tier: Tier
) -> None:
    logs = Collect()
    logging.getLogger("vclinks").addHandler(logs)
    try:
        ada = GoogleKit(tier).connect(site)
        token = stored_refresh_token(ada.owner)
        assert deliver(anonymous, revoke_newest_token(consenting_google, ada.owner)).status == 202
    finally:
        logging.getLogger("vclinks").removeHandler(logs)
    assert account(site) == ("needs_reconnect", "google_token_revoked")

    repo = container().repo
    items = json.dumps(repo.client.scan(TableName=repo.accounts)["Items"])
    token_hash = risc_token_hash(token)
    assert token not in items
    assert token[:16] not in items
    assert token_hash in items  # the index: the hash and the grant's secret name
    logged = "\n".join(logs.lines)
    assert logs.lines
    assert "google grant lost" in logged
    assert token not in logged
    assert token_hash not in logged
