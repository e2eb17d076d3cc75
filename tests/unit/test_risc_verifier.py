"""X07: verifying Google's Security Event Tokens (Cross-Account Protection, RISC) as a table:
https://developers.google.com/identity/protocols/risc ("Validate and decode the token"): RS256
with a key of the configuration's JWKS, `iss` the configuration's issuer, `aud` our client id,
`exp` NOT checked. Refusals carry RFC 8935 section 2.4's error codes. No network: Google's
configuration and keys come from a dict, and each read is counted."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from shared.adapters.google.risc import RiscVerifier, SetRefused
from tests.support.risc import (
    CLIENT_ID,
    CONFIGURATION_URL,
    ISSUER,
    JWKS_URL,
    TOKENS_REVOKED,
    RiscKeys,
    claims,
    hmac_signed,
    unsigned,
)


class Google:
    """Google's configuration and JWKS as `fetch_json` reads them; counts the reads."""

    def __init__(self, keys: RiscKeys) -> None:
        self.keys = keys
        self.reads: Counter[str] = Counter()

    def __call__(self, url: str) -> dict[str, Any]:
        self.reads[url] += 1
        if url == CONFIGURATION_URL:
            return {"issuer": ISSUER, "jwks_uri": JWKS_URL}
        assert url == JWKS_URL
        return self.keys.jwks()


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> RiscKeys:
    return RiscKeys("k1", "k2")


@pytest.fixture
def google(keys: RiscKeys) -> Google:
    return Google(keys)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def verifier(google: Google, clock: Clock) -> RiscVerifier:
    return RiscVerifier(CONFIGURATION_URL, lambda: ("other-client", CLIENT_ID), google, clock)


def refusal(verifier: RiscVerifier, token: str) -> str:
    with pytest.raises(SetRefused) as refused:
        verifier.verify(token)
    return refused.value.err


def test_x07_a_set_signed_by_google_for_our_client_is_accepted(
    verifier: RiscVerifier, keys: RiscKeys
) -> None:
    sent = claims(TOKENS_REVOKED, sub="g-1")
    assert verifier.verify(keys.sign(sent, "k1")) == sent


def test_x07_a_set_whose_exp_passed_long_ago_is_accepted(verifier: RiscVerifier, keys: RiscKeys) -> None:
    """Google's page: do not verify expiry; a SET tells of a past event and may be redelivered."""
    old = claims(iat=time.time() - 30 * 86400) | {"exp": int(time.time()) - 29 * 86400}
    assert verifier.verify(keys.sign(old, "k2"))["jti"] == old["jti"]


@pytest.mark.parametrize(
    ("change", "err"),
    [
        ({"aud": "someone-elses-client.apps.googleusercontent.com"}, "invalid_audience"),
        ({"iss": "https://accounts.google.com"}, "invalid_issuer"),  # no trailing slash: not Google's
        ({"iss": "https://evil.example/"}, "invalid_issuer"),
    ],
)
def test_x07_a_set_for_another_app_or_from_another_issuer_is_refused(
    verifier: RiscVerifier, keys: RiscKeys, change: dict[str, str], err: str
) -> None:
    assert refusal(verifier, keys.sign(claims() | change, "k1")) == err


def test_x07_a_set_signed_with_another_key_under_googles_kid_is_refused(
    verifier: RiscVerifier, keys: RiscKeys
) -> None:
    assert refusal(verifier, keys.sign(claims(), "k1", signer="k2")) == "authentication_failed"


def test_x07_an_unknown_kid_reads_the_jwks_once_more_then_is_refused(
    verifier: RiscVerifier, keys: RiscKeys, google: Google, clock: Clock
) -> None:
    stranger = RiscKeys("k9")
    verifier.verify(keys.sign(claims(), "k1"))  # keys cached
    assert google.reads[JWKS_URL] == 1

    assert refusal(verifier, stranger.sign(claims(), "k9")) == "invalid_key"
    assert google.reads[JWKS_URL] == 2  # keys rotate: one fresh read before refusing
    assert refusal(verifier, stranger.sign(claims(), "k9")) == "invalid_key"
    assert google.reads[JWKS_URL] == 2  # not on every forged kid: at most once a minute
    clock.now += 61
    assert refusal(verifier, stranger.sign(claims(), "k9")) == "invalid_key"
    assert google.reads[JWKS_URL] == 3


def test_x07_a_key_google_rotated_in_is_found_by_the_fresh_read(
    verifier: RiscVerifier, keys: RiscKeys, google: Google
) -> None:
    rotating = RiscKeys("old")
    google.keys = rotating
    verifier.verify(rotating.sign(claims(), "old"))
    rotating.add("new")
    assert verifier.verify(rotating.sign(claims(sub="g-2"), "new"))["events"][TOKENS_REVOKED]["subject"][
        "sub"
    ] == ("g-2")
    assert google.reads[JWKS_URL] == 2


def test_x07_alg_none_and_hs256_keyed_with_googles_public_key_are_refused_before_any_key_read(
    verifier: RiscVerifier, keys: RiscKeys, google: Google
) -> None:
    """Algorithm confusion: only RS256 is accepted, whatever the header says."""
    none = unsigned(claims(), {"alg": "none", "typ": "JWT", "kid": "k1"})
    assert refusal(verifier, none) == "invalid_key"
    confused = hmac_signed(claims(), "k1", keys.public_pem("k1"))
    assert refusal(verifier, confused) == "invalid_key"
    assert google.reads == Counter()


@pytest.mark.parametrize(
    ("body", "err"),
    [
        ("", "invalid_request"),
        ("not a jwt", "invalid_request"),
        ("a.b.c", "invalid_request"),
        ("eyJhbGciOiJSUzI1NiJ9.e30.", "invalid_key"),  # RS256 but no kid: no key to check it with
    ],
)
def test_x07_a_body_that_is_no_signed_jwt_is_refused(verifier: RiscVerifier, body: str, err: str) -> None:
    assert refusal(verifier, body) == err


def test_x07_a_set_without_events_or_jti_is_an_invalid_request(
    verifier: RiscVerifier, keys: RiscKeys
) -> None:
    no_events = {k: v for k, v in claims().items() if k != "events"}
    assert refusal(verifier, keys.sign(no_events, "k1")) == "invalid_request"
    no_jti = {k: v for k, v in claims().items() if k != "jti"}
    assert refusal(verifier, keys.sign(no_jti, "k1")) == "invalid_request"


def test_x07_configuration_and_keys_are_read_once_an_hour(
    verifier: RiscVerifier, keys: RiscKeys, google: Google, clock: Clock
) -> None:
    for _ in range(3):
        verifier.verify(keys.sign(claims(), "k1"))
    assert google.reads == Counter({CONFIGURATION_URL: 1, JWKS_URL: 1})
    clock.now += 3600
    verifier.verify(keys.sign(claims(), "k1"))
    assert google.reads == Counter({CONFIGURATION_URL: 2, JWKS_URL: 2})
