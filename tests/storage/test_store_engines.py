"""The real Store against moto and against DynamoDB Local: what the code sends, the engine accepts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from shared.adapters.repository import Store, booking_key, session_pk, site_key, site_pk
from shared.domain.errors import Conflict
from shared.domain.models import MeetingState
from tests import factories as f


def test_site_is_created_once_read_back_and_saved_only_if_it_exists(store: Store) -> None:
    """create_site refuses a second create; save_site refuses a site that was never created."""
    site = f.site()
    store.create_site(site)
    assert store.get_site(f.SITE) == site
    assert store.get_site("nobody") is None

    with pytest.raises(ClientError) as second:
        store.create_site(site)
    assert second.value.response["Error"]["Code"] == "ConditionalCheckFailedException"

    renamed = site.model_copy(update={"name": "Studio Two"})
    store.save_site(renamed)
    assert store.get_site(f.SITE) == renamed

    with pytest.raises(ClientError) as unknown:
        store.save_site(site.model_copy(update={"site_id": "ghost"}))
    assert unknown.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_staff_and_services_are_listed_by_sort_key_prefix_and_fetched_in_one_batch(store: Store) -> None:
    """list_staff reads only STAFF# items of the site; load_staff_and_service batches both reads."""
    store.create_site(f.site())
    anna, ben = f.staff(f.custom(f.STAFF_URL)), f.staff(staff_id="ben")
    store.save_staff(ben)
    store.save_staff(anna)
    service = f.service()
    store.save_service(service)

    assert store.list_staff(f.SITE) == [anna, ben]
    assert store.get_staff(f.SITE, "anna") == anna
    assert store.get_service(f.SITE, "svc") == service
    assert store.load_staff_and_service(f.SITE, "anna", "svc") == (anna, service)
    assert store.load_staff_and_service(f.SITE, None, "svc") == (None, service)
    assert store.load_staff_and_service(f.SITE, "nobody", "missing") == (None, None)


def test_delete_service_succeeds_once_then_reports_false(store: Store) -> None:
    """delete with condition attribute_exists(pk): True the first time, False when already gone."""
    store.save_service(f.service())
    assert store.delete_service(f.SITE, "svc") is True
    assert store.get_service(f.SITE, "svc") is None
    assert store.delete_service(f.SITE, "svc") is False


def test_save_session_bumps_version_and_a_stale_writer_gets_conflict(store: Store) -> None:
    """save_session writes version+1 under `version = :v`; a writer holding an old version loses."""
    first = store.save_session(f.session())
    assert first.version == 1
    assert store.get_session(f.SITE, "s1") == first

    second = store.save_session(first.model_copy(update={"jitsi_room": "room-2"}))
    assert second.version == 2

    with pytest.raises(Conflict):
        store.save_session(first.model_copy(update={"jitsi_room": "stale"}))
    with pytest.raises(Conflict):
        store.save_session(f.session())  # version 0 again: the item exists, so it is not new either
    assert store.get_session(f.SITE, "s1") == second


def test_pending_sessions_are_listed_by_the_sparse_index_and_leave_it_when_done(store: Store) -> None:
    """Only sessions with meeting_state PENDING carry gsi2 keys; saving them READY removes them."""
    pending = store.save_session(f.session(session_id="s1", meeting_state=MeetingState.PENDING))
    store.save_session(f.session(session_id="s2", meeting_state=MeetingState.PENDING, site_id="other"))
    store.save_session(f.session(session_id="s3"))

    assert sorted(store.list_pending_sessions()) == [("other", "s2"), (f.SITE, "s1")]

    store.save_session(pending.model_copy(update={"meeting_state": MeetingState.READY}))
    assert store.list_pending_sessions() == [("other", "s2")]


def test_sessions_between_two_dates_come_from_gsi1_in_start_order(store: Store) -> None:
    """list_sessions_between includes both ends, sorts by start, and stays within the site."""
    day = timedelta(days=1)
    for n in range(5):
        store.save_session(f.session(session_id=f"s{n}", start=f.START + n * day, end=f.START + n * day))
    store.save_session(f.session(session_id="elsewhere", site_id="other", start=f.START + day))

    found = store.list_sessions_between(f.SITE, f.START + day, f.START + 3 * day)
    assert [s.session_id for s in found] == ["s1", "s2", "s3"]
    assert [s.session_id for s in store.list_sessions_of_site(f.SITE)] == [f"s{n}" for n in range(5)]
    assert store.list_sessions_between(f.SITE, f.START - 2 * day, f.START - day) == []


def test_link_context_reads_site_session_and_booking_in_one_batch_across_tables(store: Store) -> None:
    """load_link_context's BatchGetItem spans both tables; a missing booking or session is None."""
    site = f.site()
    store.create_site(site)
    session = store.save_session(f.session())
    booking = f.booking("b1", client_email="kim@example.com")
    store.save_booking(booking)

    context = store.load_link_context(f.SITE, "s1", "b1")
    assert (context.site, context.session, context.booking) == (site, session, booking)

    missing_booking = store.load_link_context(f.SITE, "s1", "b-missing")
    assert (missing_booking.site, missing_booking.session, missing_booking.booking) == (site, session, None)

    no_booking_asked = store.load_link_context(f.SITE, "s1", None)
    assert no_booking_asked.booking is None
    assert no_booking_asked.session == session

    nothing = store.load_link_context("nobody", "none", "none")
    assert (nothing.site, nothing.session, nothing.booking) == (None, None, None)


def test_bookings_are_queried_by_sort_key_prefix_without_the_session_item(store: Store) -> None:
    """query(sk_prefix="BOOKING#") returns the bookings of one session only, never the SESSION item."""
    store.save_session(f.session())
    store.save_session(f.session(session_id="s2"))
    bookings = [f.booking(f"b{n}") for n in range(3)]
    for booking in bookings:
        store.save_booking(booking)
    store.save_booking(f.booking("x").model_copy(update={"session_id": "s2"}))

    assert store.list_bookings(f.SITE, "s1") == bookings
    assert store.get_booking(f.SITE, "s1", "b2") == bookings[2]
    raw = list(store.query(store.links, session_pk(f.SITE, "s1"), sk_prefix="BOOKING#b1"))
    assert [item["sk"]["S"] for item in raw] == ["BOOKING#b1"]
    assert len(list(store.query(store.links, session_pk(f.SITE, "s1")))) == 4


def test_put_raw_with_attribute_not_exists_writes_once_then_returns_false(store: Store) -> None:
    """A marker written with attribute_not_exists(pk) succeeds once (notifications' sent markers)."""
    marker = {"pk": "SENT#b1#client", "sk": "SENT", "recipient": "kim@example.com"}
    assert store.put_raw(store.links, marker, condition="attribute_not_exists(pk)") is True
    again = {**marker, "recipient": "someone-else@example.com"}
    assert store.put_raw(store.links, again, condition="attribute_not_exists(pk)") is False
    assert store.get_raw(store.links, {"pk": "SENT#b1#client", "sk": "SENT"}) == marker


def test_lease_is_taken_when_free_or_expired_and_released_only_by_its_holder(store: Store) -> None:
    """The Zoom leases (one token refresher, one meeting reconciler at a time)."""
    name = "LEASE#zoom-token#site#conn-1"
    assert store.take_lease(name, "a", 30, now=1000) is True
    assert store.take_lease(name, "b", 30, now=1010) is False  # still held
    assert store.take_lease(name, "b", 30, now=1031) is True  # expired: b takes it over
    assert store.release_lease(name, "a") is False  # a's late release leaves b's lease alone
    assert store.get_raw(store.accounts, {"pk": name, "sk": "LEASE"}) is not None
    assert store.release_lease(name, "b") is True
    assert store.get_raw(store.accounts, {"pk": name, "sk": "LEASE"}) is None
    assert store.take_lease(name, "c", 30, now=1040) is True


def test_take_reads_and_deletes_once_so_a_second_take_gets_none(store: Store) -> None:
    """take() is a single-use read (OAuth state nonces): delete with ALL_OLD, then nothing."""
    key = {"pk": "OAUTH#nonce-1", "sk": "STATE"}
    state = {**key, "site_id": f.SITE, "return_url": "https://admin.studio.test/", "expires_at": 1900000000}
    assert store.put_raw(store.accounts, state) is True

    assert store.take(store.accounts, key) == state
    assert store.take(store.accounts, key) is None
    assert store.get_raw(store.accounts, key) is None


def test_items_carry_the_ttl_attribute_as_a_number_and_tables_have_ttl_enabled(store: Store) -> None:
    """expires_at is stored as a DynamoDB number, read back as int, and ignored by record reads."""
    for table in (store.accounts, store.links):
        ttl = store.client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl.get("AttributeName") == "expires_at"
        assert ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")

    store.put(store.accounts, f.site(), site_key(f.SITE), expires_at=1900000000)
    raw = store.client.get_item(
        TableName=store.accounts, Key={"pk": {"S": site_pk(f.SITE)}, "sk": {"S": "SITE"}}
    )
    assert raw["Item"]["expires_at"] == {"N": "1900000000"}
    assert store.get_site(f.SITE) == f.site()

    store.put_raw(store.links, {**booking_key(f.SITE, "s1", "b9"), "note": "x", "expires_at": 1900000001})
    assert store.get_raw(store.links, booking_key(f.SITE, "s1", "b9")) == {
        **booking_key(f.SITE, "s1", "b9"),
        "note": "x",
        "expires_at": 1900000001,
    }
