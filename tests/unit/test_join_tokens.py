"""X01: stable join tokens are unguessable, scoped, revoked by the data, and opaque: no id can be
read from one or changed in one; tokens of the first format keep working."""

from __future__ import annotations

import base64
import re
import uuid

import pytest

from shared.domain import join_tokens
from shared.domain.join_tokens import JoinKey
from tests.support import factories as f

KEY = JoinKey.derive("k" * 64)
OTHER_KEY = JoinKey.derive("o" * 64)
URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def legacy(site: str, session: str, booking: str, secret: str) -> str:
    """A token of the first format, as links already sent carry it."""
    ids = "\x1f".join((site, session, booking)).encode()
    return f"{base64.urlsafe_b64encode(ids).rstrip(b'=').decode()}.{secret}"


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_x01_client_token_names_its_booking_and_matches_only_its_secret() -> None:
    booking = f.booking("b1")
    target = join_tokens.parse(join_tokens.client_token(booking, KEY, f.session()), KEY)
    assert target is not None
    assert (target.site_id, target.session_id, target.booking_id) == (f.SITE, "s1", "b1")
    assert join_tokens.matches(target, f.session(), booking)
    assert not join_tokens.matches(
        target, f.session(), f.booking("b1").model_copy(update={"join_secret": "other"})
    )


def test_x01_a_clients_token_does_not_open_another_booking() -> None:
    target = join_tokens.parse(join_tokens.client_token(f.booking("b1"), KEY), KEY)
    assert target is not None
    assert not join_tokens.matches(target, f.session(), f.booking("b2"))
    assert not join_tokens.matches(target, f.session(), None)


def test_x01_staff_token_ends_when_the_staff_secret_changes() -> None:
    session = f.session()
    target = join_tokens.parse(join_tokens.staff_token(session, KEY), KEY)
    assert target is not None
    assert target.booking_id is None
    assert join_tokens.matches(target, session, None)
    assert not join_tokens.matches(target, session.model_copy(update={"staff_join_secret": "new"}), None)


def test_x01_tokens_reveal_no_id_and_no_secret() -> None:
    session = f.session(session_id="session-visible", service_id="service-visible", staff_id="staff-visible")
    booking = f.booking("booking-visible").model_copy(update={"session_id": "session-visible"})
    for token in (join_tokens.client_token(booking, KEY, session), join_tokens.staff_token(session, KEY)):
        assert URL_SAFE.match(token), token
        assert "." not in token
        decoded = raw(token)
        for visible in (f.SITE, "session-visible", "booking-visible", "service-visible", "staff-visible"):
            assert visible.encode() not in decoded
            assert visible not in token
        assert booking.join_secret.encode() not in decoded
        assert session.staff_join_secret.encode() not in decoded


def test_x01_issue14_tokens_carry_the_hints_for_a_one_trip_read() -> None:
    session = f.session(service_id="consult", staff_id="anna")
    client = join_tokens.parse(join_tokens.client_token(f.booking("b1"), KEY, session), KEY)
    staff = join_tokens.parse(join_tokens.staff_token(session, KEY), KEY)
    assert client is not None
    assert staff is not None
    assert (client.service_id, client.staff_id) == ("consult", "anna")
    assert (staff.service_id, staff.staff_id) == ("consult", "anna")
    without = join_tokens.parse(join_tokens.client_token(f.booking("b1"), KEY), KEY)
    assert without is not None
    assert (without.service_id, without.staff_id) == (None, None)
    no_staff = join_tokens.parse(join_tokens.staff_token(f.session(staff_id=None), KEY), KEY)
    assert no_staff is not None
    assert (no_staff.service_id, no_staff.staff_id) == ("svc", None)


def test_x01_the_same_booking_always_gets_the_same_link() -> None:
    """An email's dedup marker holds the link: a link that changed at each read would send twice."""
    first = join_tokens.client_token(f.booking("b1"), KEY, f.session())
    assert join_tokens.client_token(f.booking("b1"), KEY, f.session()) == first
    assert join_tokens.client_token(f.booking("b2"), KEY, f.session()) != first
    assert join_tokens.client_token(f.booking("b1"), OTHER_KEY, f.session()) != first


def test_x01_realistic_tokens_are_under_200_characters() -> None:
    site = "yoga-studio-3823a33d"
    session = f.session(
        site_id=site, session_id=str(uuid.uuid4()), service_id=str(uuid.uuid4()), staff_id="staff-42"
    )
    booking = f.booking(str(uuid.uuid4())).model_copy(
        update={"site_id": site, "session_id": session.session_id}
    )
    client = join_tokens.client_token(booking, KEY, session)
    assert len(client) < 200
    assert join_tokens.parse(client, KEY) is not None
    assert len(join_tokens.staff_token(session, KEY)) < 200


def test_x01_hints_are_left_out_rather_than_passing_200_characters() -> None:
    long = "x" * 36
    session = f.session(session_id=f"s-{long}", service_id=f"svc-{long}", staff_id=f"staff-{long}")
    booking = f.booking(f"b-{long}").model_copy(update={"session_id": session.session_id})
    token = join_tokens.client_token(booking, KEY, session)
    assert len(token) < 200
    target = join_tokens.parse(token, KEY)
    assert target is not None
    assert (target.booking_id, target.service_id, target.staff_id) == (f"b-{long}", None, None)


def test_x01_the_longest_ids_still_make_a_valid_token() -> None:
    top = "x" * 64
    session = f.session(site_id=top, session_id=top, service_id=top, staff_id=top)
    booking = f.booking(top).model_copy(update={"site_id": top, "session_id": top})
    target = join_tokens.parse(join_tokens.client_token(booking, KEY, session), KEY)
    assert target is not None
    assert (target.site_id, target.session_id, target.booking_id) == (top, top, top)


def test_x01_a_token_is_refused_under_another_key_or_with_any_byte_changed() -> None:
    token = join_tokens.client_token(f.booking("b1"), KEY, f.session())
    assert join_tokens.parse(token, OTHER_KEY) is None
    blob = raw(token)
    for index in range(len(blob)):
        changed = bytearray(blob)
        changed[index] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(changed)).rstrip(b"=").decode()
        assert join_tokens.parse(forged, KEY) is None, index
    assert join_tokens.parse(base64.urlsafe_b64encode(blob[:-1]).rstrip(b"=").decode(), KEY) is None


def test_x01_links_sent_in_the_first_format_keep_working() -> None:
    booking = f.booking("b1")
    target = join_tokens.parse(legacy(f.SITE, "s1", "b1", booking.join_secret), KEY)
    assert target is not None
    assert (target.site_id, target.session_id, target.booking_id) == (f.SITE, "s1", "b1")
    assert join_tokens.matches(target, f.session(), booking)
    assert not join_tokens.matches(target, f.session(), booking.model_copy(update={"join_secret": "new"}))
    staff = join_tokens.parse(legacy(f.SITE, "s1", "", "staff-secret"), KEY)
    assert staff is not None
    assert join_tokens.matches(staff, f.session(), None)


@pytest.mark.parametrize(
    "token",
    ["", ".", "abc", "abc.", ".secret", "!!!.x", "x" * 600, "YWJj.secret", "AQ", "é", "AQé", "ab=c"],
)
def test_x01_malformed_tokens_parse_to_nothing(token: str) -> None:
    assert join_tokens.parse(token, KEY) is None


def test_x01_secrets_are_long_and_random() -> None:
    secrets = {join_tokens.new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) >= 32 for s in secrets)


def test_the_key_must_be_long_enough() -> None:
    with pytest.raises(ValueError, match="32"):
        JoinKey.derive("short")
