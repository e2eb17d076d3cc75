"""Credential rotation as pure rules (issue 12): the previous API key works until its overlap ends,
tokens signed with the previous token secret until they expire (at most a day), a deleted site
answers as one that does not exist; the previous key is told apart from the current one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.auth import (
    MAX_TOKEN_SECONDS,
    Credential,
    Role,
    authenticate,
    hash_api_key,
    mint_token,
    new_api_key,
    retire_previous_key,
    rotate_api_key,
    rotate_token_secret,
)
from shared.domain.errors import Forbidden, Unauthorized
from tests.support import factories as f

NOW = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
T = NOW.timestamp()


def keyed():
    key = new_api_key(f.SITE)
    return f.site().model_copy(update={"api_key_hash": hash_api_key(key), "token_secret": "first"}), key


def test_the_previous_key_works_until_its_overlap_ends_then_never() -> None:
    site, old = keyed()
    site, new = rotate_api_key(site, NOW, timedelta(hours=2))

    assert authenticate(site, f.SITE, f"Bearer {new}", now=T).credential is Credential.API_KEY
    assert authenticate(site, f.SITE, f"Bearer {old}", now=T + 7199).credential is Credential.PREVIOUS_API_KEY
    with pytest.raises(Unauthorized) as refused:
        authenticate(site, f.SITE, f"Bearer {old}", now=T + 7200)
    assert refused.value.detail == "The API key is not valid for this site."  # the same 401 as any wrong key
    assert authenticate(site, f.SITE, f"Bearer {new}", now=T + 10**6).role is Role.ADMIN


def test_retiring_ends_the_overlap_and_a_second_rotation_drops_the_oldest_key() -> None:
    site, first = keyed()
    site, second = rotate_api_key(site, NOW)
    site, third = rotate_api_key(site, NOW)

    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {first}", now=T)
    assert authenticate(site, f.SITE, f"Bearer {second}", now=T).role is Role.ADMIN
    site = retire_previous_key(site)
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {second}", now=T)
    assert authenticate(site, f.SITE, f"Bearer {third}", now=T).role is Role.ADMIN


def test_only_the_current_key_may_rotate_retire_or_delete() -> None:
    site, old = keyed()
    site, new = rotate_api_key(site, NOW)
    token, _ = mint_token(site, Role.ADMIN, 900, now=T)

    authenticate(site, f.SITE, f"Bearer {new}", now=T).require_current_key()
    for credential in (old, token):
        with pytest.raises(Forbidden):
            authenticate(site, f.SITE, f"Bearer {credential}", now=T).require_current_key()


def test_tokens_of_the_previous_secret_work_until_they_expire_and_no_longer_than_a_day() -> None:
    site, _ = keyed()
    before, expires = mint_token(site, Role.STAFF, MAX_TOKEN_SECONDS, staff_id="anna", now=T)
    site = rotate_token_secret(site, NOW)
    after, _ = mint_token(site, Role.STAFF, 900, staff_id="anna", now=T)

    assert authenticate(site, f.SITE, f"Bearer {before}", now=expires - 1).staff_id == "anna"
    assert authenticate(site, f.SITE, f"Bearer {after}", now=T).staff_id == "anna"
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {before}", now=expires + 1)  # expired
    forged = site.model_copy(update={"token_secret": "first"})  # the previous secret, signing anew
    late, _ = mint_token(forged, Role.STAFF, 900, staff_id="anna", now=T + MAX_TOKEN_SECONDS)
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {late}", now=T + MAX_TOKEN_SECONDS + 1)


def test_a_deleted_site_refuses_its_own_key_and_tokens_as_if_it_did_not_exist() -> None:
    site, key = keyed()
    token, _ = mint_token(site, Role.ADMIN, 900, now=T)
    deleted = site.model_copy(update={"deleted_at": NOW})

    for credential in (key, token):
        with pytest.raises(Unauthorized) as refused:
            authenticate(deleted, f.SITE, f"Bearer {credential}", now=T)
        with pytest.raises(Unauthorized) as missing:
            authenticate(None, f.SITE, f"Bearer {credential}", now=T)
        assert refused.value.detail == missing.value.detail
