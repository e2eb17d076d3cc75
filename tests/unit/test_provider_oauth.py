"""The OAuth answers of Google and Microsoft read into one shape, and their refusals told apart
(X07: only a refused stored grant means "needs reconnect")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.adapters.microsoft.client import granted
from shared.adapters.oauth import code_challenge, new_code_verifier, read_token_answer, token_refusal
from shared.domain.errors import (
    ProviderConnectFailed,
    ProviderMisconfigured,
    ProviderNeedsReconnect,
    ProviderRejected,
)

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_pkce_s256_challenge_is_unpadded_base64url_of_43_characters() -> None:
    verifier = new_code_verifier()
    challenge = code_challenge(verifier)
    assert len(challenge) == 43
    assert set(challenge) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert 43 <= len(verifier) <= 128  # RFC 7636 4.1
    assert code_challenge(verifier + "x") != challenge


def test_a_refresh_answer_without_a_refresh_token_keeps_the_stored_one() -> None:
    tokens = read_token_answer({"access_token": "a", "expires_in": 3599, "scope": "x y"}, "stored", NOW)
    assert tokens.refresh_token == "stored"
    assert tokens.scopes == frozenset({"x", "y"})
    assert (tokens.expires_at - NOW).total_seconds() == 3599


def test_a_new_refresh_token_replaces_the_stored_one() -> None:
    assert (
        read_token_answer({"access_token": "a", "refresh_token": "new"}, "stored", NOW).refresh_token == "new"
    )


def test_a_token_repr_shows_no_token() -> None:
    tokens = read_token_answer({"access_token": "secret-a", "refresh_token": "secret-r"}, now=NOW)
    assert "secret" not in repr(tokens)


@pytest.mark.parametrize(
    ("error", "refreshing", "expected"),
    [
        ("invalid_grant", True, ProviderNeedsReconnect),
        ("interaction_required", True, ProviderNeedsReconnect),
        ("invalid_grant", False, ProviderConnectFailed),
        ("invalid_client", True, ProviderMisconfigured),
        ("unauthorized_client", False, ProviderMisconfigured),
        ("invalid_request", True, ProviderRejected),
    ],
)
def test_x07_only_a_refused_stored_grant_needs_reconnect(
    error: str, refreshing: bool, expected: type
) -> None:
    refusal = token_refusal(
        "google", 400, {"error": error, "error_description": "AADSTS1: x"}, refreshing=refreshing
    )
    assert type(refusal) is expected
    assert refusal.extra["provider"] == "google"


def test_microsoft_scopes_are_compared_without_resource_or_case() -> None:
    tokens = read_token_answer(
        {"access_token": "a", "scope": "https://graph.microsoft.com/OnlineMeetings.ReadWrite User.Read"},
        now=NOW,
    )
    assert granted(tokens) == {"onlinemeetings.readwrite", "user.read"}
