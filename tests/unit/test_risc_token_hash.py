"""X07: how Google's Cross-Account Protection names one revoked refresh token
(https://developers.google.com/identity/protocols/risc, "OAuth token identifiers"):
`hash_base64_sha512_sha512` is "the double hash of the token using SHA-512", base64-encoded. The
expected value was computed outside Python, from that definition:

    printf '%s' '1//0gExampleRefreshToken-abc_XYZ' | openssl dgst -sha512 -binary \\
      | openssl dgst -sha512 -binary | base64 -w0

(the SHA-512 of the raw SHA-512 digest, not of its hex text, and not a single SHA-512)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from local.google_risc import token_identifier
from shared.adapters.provider_tokens import canonical_token_hash, risc_token_hash

TOKEN = "1//0gExampleRefreshToken-abc_XYZ"
DOUBLE_SHA512 = "/Z8nyyc01W3bUcRArLdNrkgucDUpAtGGqTIYD86+mcHmkskEU5ffxNe2GXsWe7cD7rKIiTdBVKVXWxp8znF1MQ=="
SINGLE_SHA512 = "tSQm2S/DvIL7aDb3egawslqU8omy7j3Bw4wjqOQjAG0UjKer+rQ3d5B1XjwIgA/+dNYE6Mpil4T9Np9FSHBSXA=="
SHA512_OF_HEX = "VSAZG0qC0MbxsOFma789WHS1a41N1XMs9tuz5INVnyTOhbowoEaRCHbIHNx9XRwyIDIfAvtN7jP7+H7cMSkEFQ=="


def test_x07_a_refresh_token_is_named_by_base64_of_sha512_of_its_sha512_digest() -> None:
    assert risc_token_hash(TOKEN) == DOUBLE_SHA512
    assert risc_token_hash(TOKEN) not in (SINGLE_SHA512, SHA512_OF_HEX)


def test_x07_the_google_emulator_names_a_token_as_the_receiver_hashes_it() -> None:
    """The emulator's transmitter (local/google_risc.py) computes it on its own, as Google does."""
    assert token_identifier(TOKEN, "hash_base64_sha512_sha512") == DOUBLE_SHA512
    assert token_identifier(TOKEN, "prefix") == "1//0gExampleRefr"


@pytest.mark.parametrize(
    "sent",
    [
        DOUBLE_SHA512,
        DOUBLE_SHA512.rstrip("="),  # unpadded
        DOUBLE_SHA512.replace("+", "-").replace("/", "_"),  # the URL-safe alphabet
        DOUBLE_SHA512.replace("+", "-").replace("/", "_").rstrip("="),
        f" {DOUBLE_SHA512}\n",
    ],
)
def test_x07_an_events_hash_is_matched_whatever_base64_spelling_it_comes_in(sent: str) -> None:
    assert canonical_token_hash(sent) == DOUBLE_SHA512


@pytest.mark.parametrize(
    "sent",
    [
        "",
        "not base64 at all!",
        base64.b64encode(hashlib.sha256(TOKEN.encode()).digest()).decode(),  # 32 bytes: no SHA-512
        TOKEN[:16],  # a prefix identifier is no hash
    ],
)
def test_x07_what_is_no_sha512_digest_is_no_hash(sent: str) -> None:
    assert canonical_token_hash(sent) is None
