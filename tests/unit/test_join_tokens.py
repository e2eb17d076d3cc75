"""X01: stable join tokens are unguessable, scoped, and revoked by the data."""

from __future__ import annotations

import pytest

from shared.domain import join_tokens
from tests.support import factories as f


def test_x01_client_token_names_its_booking_and_matches_only_its_secret() -> None:
    booking = f.booking("b1")
    target = join_tokens.parse(join_tokens.client_token(booking))
    assert target is not None
    assert (target.site_id, target.session_id, target.booking_id) == (f.SITE, "s1", "b1")
    assert join_tokens.matches(target, f.session(), booking)
    assert not join_tokens.matches(
        target, f.session(), f.booking("b1").model_copy(update={"join_secret": "other"})
    )


def test_x01_a_clients_token_does_not_open_another_booking() -> None:
    target = join_tokens.parse(join_tokens.client_token(f.booking("b1")))
    assert target is not None
    assert not join_tokens.matches(target, f.session(), f.booking("b2"))


def test_x01_staff_token_ends_when_the_staff_secret_changes() -> None:
    session = f.session()
    target = join_tokens.parse(join_tokens.staff_token(session))
    assert target is not None
    assert target.booking_id is None
    assert join_tokens.matches(target, session, None)
    assert not join_tokens.matches(target, session.model_copy(update={"staff_join_secret": "new"}), None)


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".secret", "!!!.x", "x" * 600, "YWJj.secret"])
def test_x01_malformed_tokens_parse_to_nothing(token: str) -> None:
    assert join_tokens.parse(token) is None


def test_x01_secrets_are_long_and_random() -> None:
    secrets = {join_tokens.new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) >= 32 for s in secrets)
