"""API keys and scoped tokens (W02 tenant isolation; issue: auth from day one)."""

from __future__ import annotations

import pytest

from shared.domain.auth import Role, authenticate, hash_api_key, mint_token, new_api_key
from shared.domain.errors import Forbidden, NotFound, Unauthorized
from tests.support import factories as f


@pytest.fixture
def keyed_site():
    key = new_api_key(f.SITE)
    site = f.site().model_copy(
        update={"api_key_hash": hash_api_key(key), "token_secret": "site-token-secret"}
    )
    return site, key


def test_api_key_authenticates_as_admin(keyed_site) -> None:
    site, key = keyed_site
    assert authenticate(site, f.SITE, f"Bearer {key}").role is Role.ADMIN


def test_api_key_is_stored_only_as_a_hash(keyed_site) -> None:
    site, key = keyed_site
    assert key not in site.model_dump_json()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Token vcl_studio.x",
        "Bearer garbage",
        "Bearer vcl_studio.",
    ],
)
def test_missing_or_malformed_credentials_are_401(keyed_site, header) -> None:
    site, _ = keyed_site
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, header)


def test_wrong_key_for_the_right_site_is_401(keyed_site) -> None:
    site, _ = keyed_site
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {new_api_key(f.SITE)}")


def test_w02_another_sites_key_is_404_like_an_unknown_site(keyed_site) -> None:
    site, key = keyed_site
    with pytest.raises(NotFound):
        authenticate(None, "other-site", f"Bearer {key}")
    with pytest.raises(NotFound):
        authenticate(site, f.SITE, f"Bearer {new_api_key('other-site')}")


def test_scoped_staff_token_acts_only_for_its_staff_member(keyed_site) -> None:
    site, _ = keyed_site
    token, _ = mint_token(site, Role.STAFF, 600, staff_id="anna")
    caller = authenticate(site, f.SITE, f"Bearer {token}")
    assert (caller.role, caller.staff_id) == (Role.STAFF, "anna")
    caller.require_admin_or_staff("anna")
    with pytest.raises(Forbidden):
        caller.require_admin_or_staff("bob")
    with pytest.raises(Forbidden):
        caller.require_admin()


def test_expired_token_is_refused(keyed_site) -> None:
    site, _ = keyed_site
    token, expires = mint_token(site, Role.CLIENT, 60, session_id="s1", booking_id="b1", now=1_000_000)
    authenticate(site, f.SITE, f"Bearer {token}", now=expires)
    with pytest.raises(Unauthorized, match="expired"):
        authenticate(site, f.SITE, f"Bearer {token}", now=expires + 1)


def test_tampered_token_is_refused(keyed_site) -> None:
    site, _ = keyed_site
    token, _ = mint_token(site, Role.STAFF, 600, staff_id="anna")
    other, _ = mint_token(site, Role.STAFF, 600, staff_id="bob")
    forged = token.split(".")[0] + "." + other.split(".")[1]
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {forged}")


def test_token_signed_by_another_site_secret_is_refused(keyed_site) -> None:
    site, _ = keyed_site
    impostor = site.model_copy(update={"token_secret": "not-the-secret"})
    token, _ = mint_token(impostor, Role.STAFF, 600, staff_id="anna")
    with pytest.raises(Unauthorized):
        authenticate(site, f.SITE, f"Bearer {token}")


def test_token_lifetime_is_capped_at_a_day(keyed_site) -> None:
    site, _ = keyed_site
    _, expires = mint_token(site, Role.STAFF, 10**9, staff_id="anna", now=0)
    assert expires == 24 * 3600


def test_an_unknown_site_and_a_wrong_key_are_the_same_401(keyed_site) -> None:
    site, _ = keyed_site
    refusals = []
    for record, site_id in ((site, f.SITE), (None, "no-such-site")):
        with pytest.raises(Unauthorized) as refused:
            authenticate(record, site_id, f"Bearer vcl_{site_id}.not-the-key")
        refusals.append(refused.value.problem())
    assert refusals[0] == refusals[1]


def test_an_unknown_site_and_a_forged_token_are_the_same_401(keyed_site) -> None:
    site, _ = keyed_site
    impostor = site.model_copy(update={"token_secret": "guessed"})
    refusals = []
    for record, site_id in ((site, f.SITE), (None, "no-such-site")):
        token, _ = mint_token(impostor.model_copy(update={"site_id": site_id}), Role.ADMIN, 600)
        with pytest.raises(Unauthorized) as refused:
            authenticate(record, site_id, f"Bearer {token}")
        refusals.append(refused.value.problem())
    assert refusals[0] == refusals[1]


@pytest.mark.parametrize("secret", ["clé", "\u00e9" * 43, "\udcff", "日本"])
def test_a_credential_with_any_characters_is_a_401(keyed_site, secret: str) -> None:
    site, _ = keyed_site
    token, _ = mint_token(site, Role.ADMIN, 600)
    for credential in (f"vcl_{f.SITE}.{secret}", f"{token.rpartition('.')[0]}.{secret}"):
        with pytest.raises(Unauthorized):
            authenticate(site, f.SITE, f"Bearer {credential}")
