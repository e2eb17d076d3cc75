"""The real Repository against moto and against DynamoDB Local: what the code sends, the engine
accepts (keys, conditions, transactions, indexes, reserved words), and it means what we think."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.repository import Repository, due_shard
from shared.domain.errors import Conflict, InvalidInput, Unauthorized
from shared.domain.models import MeetingState, Session, Staff
from shared.domain.work import Scope, WorkRef
from tests.support import factories as f

SOON = datetime.fromtimestamp(1930305600, UTC) + timedelta(days=3)  # after the clock's "now"


def at(repo: Repository, moment: datetime) -> None:
    repo.clock.now = moment.timestamp()  # type: ignore[attr-defined]


def session(n: int | str, **kw: object) -> Session:
    return f.session(session_id=f"s{n}", start=SOON, end=SOON + timedelta(hours=1), **kw)


def put_session(repo: Repository, record: Session, work: list[WorkRef] | None = None) -> Session:
    _, after = repo.update_session(record.site_id, record.session_id, lambda _: record, work or [])
    assert after is not None
    return after


# -- records and versions ----------------------------------------------------------------------


def test_a_site_is_created_once_and_changed_only_if_it_exists(repo: Repository) -> None:
    site = f.site()
    repo.create_site(site)
    assert repo.get_site(f.SITE) == site
    with pytest.raises(Conflict):
        repo.create_site(site)
    before, after = repo.update_site(f.SITE, lambda s: s.model_copy(update={"name": "Studio Two"}))
    assert (before, after.name, after.version) == (site, "Studio Two", 1)
    assert repo.get_site(f.SITE) == after
    with pytest.raises(Unauthorized):  # a site gone since its caller was authenticated: 401
        repo.update_site("ghost", lambda s: s)


def test_a_writer_that_read_an_old_version_goes_round_again_and_keeps_the_other_change(
    repo: Repository,
) -> None:
    """Two settings PATCHes at once: the second writer's condition fails, it reads again, both land."""
    repo.create_site(f.site())
    calls = []

    def rename(current):  # type: ignore[no-untyped-def]
        calls.append(current.version)
        if len(calls) == 1:  # another request writes between our read and our write
            repo.update_site(
                f.SITE,
                lambda s: s.model_copy(update={"settings": s.settings.model_copy(update={"language": "fr"})}),
            )
        return current.model_copy(update={"name": "Renamed"})

    _, after = repo.update_site(f.SITE, rename)
    assert calls == [0, 1]
    assert (after.name, after.settings.language.value, after.version) == ("Renamed", "fr", 2)


def test_nothing_is_written_when_a_change_changes_nothing(repo: Repository) -> None:
    repo.create_site(f.site())
    before, after = repo.update_site(f.SITE, lambda s: s, [WorkRef.sessions(f.SITE, Scope.SITE)])
    assert before == after
    assert after.version == 0
    assert repo.get_work(WorkRef.sessions(f.SITE, Scope.SITE)) is None  # and no work is flagged


def test_staff_and_services_are_read_in_one_batch_and_a_service_is_deleted_once(repo: Repository) -> None:
    repo.create_site(f.site())
    repo.update_staff(f.SITE, "anna", lambda s: s.model_copy(update={"account": f.custom(f.STAFF_URL)}))
    repo.update_service(f.SITE, "svc", lambda _: f.service())
    staff, service = repo.load_staff_and_service(f.SITE, "anna", "svc")
    assert staff is not None
    assert (staff.account, service) == (f.custom(f.STAFF_URL), f.service().model_copy(update={"version": 1}))
    assert repo.load_staff_and_service(f.SITE, "nobody", "missing") == (None, None)
    assert [s.staff_id for s in repo.list_staff(f.SITE)] == ["anna"]
    before, after = repo.update_service(f.SITE, "svc", lambda _: None)
    assert (before is not None, after) == (True, None)
    assert repo.update_service(f.SITE, "svc", lambda _: None) == (None, None)


def test_a_change_and_its_work_are_one_transaction(repo: Repository) -> None:
    """The session and its work item are written together; a conflicting write leaves neither."""
    ref = WorkRef.session(f.SITE, "s1")
    first = put_session(repo, session(1), [ref])
    work = repo.get_work(ref)
    assert work is not None
    assert work["due_pk"] == due_shard(f.SITE)
    assert first.version == 1

    def conflicting(current: Session | None) -> Session | None:
        repo.update_session(f.SITE, "s1", lambda s: s.model_copy(update={"jitsi_room": "theirs"}) if s else s)
        assert current is not None
        return current.model_copy(update={"online": False})

    other = WorkRef.sessions(f.SITE, Scope.staff("anna"))
    _, after = repo.update_session(f.SITE, "s1", conflicting, [other])
    assert after is not None
    assert (after.jitsi_room, after.online, after.version) == ("theirs", False, 3)


# -- work items ----------------------------------------------------------------------------------


def test_a_work_item_is_claimed_once_finished_only_for_the_gen_claimed(repo: Repository) -> None:
    ref = WorkRef.session(f.SITE, "s1")
    repo.flag_work([ref])
    work = repo.claim_work(ref, "w1", timedelta(minutes=2))
    assert work is not None
    assert work.attempts == 1
    assert repo.claim_work(ref, "w2", timedelta(minutes=2)) is None  # held
    repo.flag_work([ref])  # a new change while w1 works
    assert repo.finish_work(work, "w1") is False  # w1 did not see it: the item stays
    repo.release_work(work, "w1", repo.now(), None)
    again = repo.claim_work(ref, "w2", timedelta(minutes=2))
    assert again is not None
    assert again.gen != work.gen
    assert repo.finish_work(again, "w2") is True
    assert repo.get_work(ref) is None


def test_an_expired_lease_is_taken_over_and_the_late_holder_changes_nothing(repo: Repository) -> None:
    ref = WorkRef.session(f.SITE, "s1")
    repo.flag_work([ref])
    stale = repo.claim_work(ref, "dead", timedelta(seconds=30))
    assert stale is not None
    repo.clock.now += 31  # type: ignore[attr-defined]
    fresh = repo.claim_work(ref, "alive", timedelta(seconds=30))
    assert fresh is not None
    assert fresh.attempts == 2
    assert repo.finish_work(stale, "dead") is False
    repo.release_work(stale, "dead", repo.now(), "late")
    assert repo.finish_work(fresh, "alive") is True


def test_a_fan_out_keeps_its_cursor_unless_flagged_again(repo: Repository) -> None:
    ref = WorkRef.sessions(f.SITE, Scope.SITE)
    repo.flag_work([ref])
    work = repo.claim_work(ref, "w", timedelta(minutes=2))
    assert work is not None
    repo.release_work(work, "w", repo.now(), None, cursor="page-2")
    work = repo.claim_work(ref, "w", timedelta(minutes=2))
    assert work is not None
    assert work.cursor == "page-2"
    repo.flag_work([ref])  # the scope changed again: start from the first page
    repo.release_work(work, "w", repo.now(), None, cursor="page-3")
    again = repo.claim_work(ref, "w", timedelta(minutes=2))
    assert again is not None
    assert again.cursor is None


def test_the_dispatcher_scans_each_site_with_due_work_once_oldest_first(repo: Repository) -> None:
    """A skip-scan: one read finds the next site, one reads its due items (never another site's)."""
    now = repo.now()
    for site in ("alpha", "beta", "beta-2"):
        repo.flag_work([WorkRef.session(site, f"s{n}") for n in range(3)], timedelta())
    shards = {due_shard(s) for s in ("alpha", "beta", "beta-2")}
    seen = []
    for shard in sorted(shards):
        site = repo.next_site_with_work(shard, None)
        while site is not None:
            due = repo.due_work(shard, site, now, 2)
            assert [ref.site_id for ref, _ in due] == [site, site]
            seen.append(site)
            site = repo.next_site_with_work(shard, site)
    assert sorted(seen) == ["alpha", "beta", "beta-2"]
    later = WorkRef.session("alpha", "later")
    repo.flag_work([later], timedelta(hours=1))
    assert later not in [ref for ref, _ in repo.due_work(due_shard("alpha"), "alpha", now, 10)]


def test_a_queued_item_is_held_by_the_one_dispatcher_that_queued_it(repo: Repository) -> None:
    ref = WorkRef.session(f.SITE, "s1")
    repo.flag_work([ref], timedelta())
    ((found, seen),) = repo.due_work(due_shard(f.SITE), f.SITE, repo.now(), 10)
    assert found == ref
    assert repo.postpone_work(ref, seen, repo.now() + timedelta(minutes=3)) is True
    assert repo.postpone_work(ref, seen, repo.now() + timedelta(minutes=3)) is False  # a second dispatcher
    assert repo.due_work(due_shard(f.SITE), f.SITE, repo.now(), 10) == []


# -- narrow indexes and pages -------------------------------------------------------------------


def test_fan_outs_read_only_upcoming_sessions_of_their_scope_a_page_at_a_time(repo: Repository) -> None:
    day = timedelta(days=1)
    for n in range(5):
        start = SOON + n * day
        put_session(repo, f.session(session_id=f"s{n}", start=start, end=start + timedelta(hours=1)))
    past = SOON - 10 * day
    put_session(repo, f.session(session_id="old", start=past, end=past + timedelta(hours=1)))
    put_session(repo, session("ben", staff_id="ben", service_id="other"))
    now = repo.now()

    first = repo.sessions_of(f.SITE, Scope.service("svc"), now, None, 3)
    assert first.items == ["s0", "s1", "s2"]
    rest = repo.sessions_of(f.SITE, Scope.service("svc"), now, first.cursor, 3)
    assert (rest.items, rest.cursor) == (["s3", "s4"], None)
    assert repo.sessions_of(f.SITE, Scope.staff("ben"), now, None, 10).items == ["sben"]
    assert "old" not in repo.sessions_of(f.SITE, Scope.SITE, now, None, 100).items
    assert len(repo.sessions_of(f.SITE, Scope.SITE, now, None, 100).items) == 6
    with pytest.raises(InvalidInput):  # a cursor of another scope is refused, not followed
        repo.sessions_of(f.SITE, Scope.staff("ben"), now, first.cursor, 3)


def test_the_connection_index_follows_the_meeting(repo: Repository) -> None:
    stored = put_session(repo, session(1))
    scope = Scope.connection("conn-1")
    assert repo.sessions_of(f.SITE, scope, repo.now(), None, 10).items == []
    recorded = repo.record_meeting(stored, f.meeting(), MeetingState.READY, None)
    assert recorded is not None
    assert recorded.meeting == f.meeting()
    assert repo.sessions_of(f.SITE, scope, repo.now(), None, 10).items == ["s1"]
    assert repo.session_of_meeting("111") == (f.SITE, "s1")
    assert repo.record_meeting(stored, None, MeetingState.NONE, None) is None  # it no longer holds none
    assert repo.forget_meeting(f.SITE, "s1", "111", "meeting_deleted_at_zoom") is True
    assert repo.forget_meeting(f.SITE, "s1", "111", "meeting_deleted_at_zoom") is False  # a retried webhook
    assert repo.sessions_of(f.SITE, scope, repo.now(), None, 10).items == []
    assert repo.get_work(WorkRef.session(f.SITE, "s1")) is not None


def test_the_report_pages_a_sites_sessions_by_start(repo: Repository) -> None:
    day = timedelta(days=1)
    for n in range(5):
        start = SOON + n * day
        put_session(repo, f.session(session_id=f"s{n}", start=start, end=start + timedelta(hours=1)))
    put_session(
        repo, f.session(session_id="elsewhere", site_id="other", start=SOON + day, end=SOON + 2 * day)
    )
    page = repo.sessions_between(f.SITE, SOON + day, SOON + 3 * day, None, 2)
    assert [s.session_id for s in page.items] == ["s1", "s2"]
    rest = repo.sessions_between(f.SITE, SOON + day, SOON + 3 * day, page.cursor, 2)
    assert [s.session_id for s in rest.items] == ["s3"]
    with pytest.raises(InvalidInput):
        repo.sessions_between("other", SOON, SOON + 9 * day, page.cursor, 2)  # another site's cursor


def test_bookings_are_paged_without_the_session_item(repo: Repository) -> None:
    put_session(repo, session(1))
    for n in range(3):
        repo.update_booking(
            f.SITE, "s1", f"b{n}", lambda _, n=n: f.booking(f"b{n}").model_copy(update={"session_id": "s1"})
        )
    page = repo.bookings_page(f.SITE, "s1", None, 2)
    assert [b.booking_id for b in page.items] == ["b0", "b1"]
    assert [b.booking_id for b in repo.bookings_page(f.SITE, "s1", page.cursor, 2).items] == ["b2"]


# -- single-use and exclusive items ----------------------------------------------------------


def test_a_sent_marker_is_written_once(repo: Repository) -> None:
    assert repo.mark_sent(f.SITE, "s1", "digest", 60) is True
    assert repo.mark_sent(f.SITE, "s1", "digest", 60) is False
    repo.unmark_sent(f.SITE, "s1", "digest")
    assert repo.mark_sent(f.SITE, "s1", "digest", 60) is True


def test_an_oauth_state_is_taken_once(repo: Repository) -> None:
    repo.save_oauth_state("nonce-1", {"site_id": f.SITE, "return_to": "https://a.test/"}, 1930309200)
    assert repo.take_oauth_state("nonce-1") == {
        "pk": "OAUTH#nonce-1",
        "sk": "STATE",
        "site_id": f.SITE,
        "return_to": "https://a.test/",
        "expires_at": 1930309200,
    }
    assert repo.take_oauth_state("nonce-1") is None


def test_a_lease_is_taken_when_free_or_expired_and_released_only_by_its_holder(repo: Repository) -> None:
    assert repo.take_lease("zoom-token#site#conn-1", "a", 30) is True
    repo.clock.now += 10  # type: ignore[attr-defined]
    assert repo.take_lease("zoom-token#site#conn-1", "b", 30) is False
    repo.clock.now += 21  # type: ignore[attr-defined]
    assert repo.take_lease("zoom-token#site#conn-1", "b", 30) is True
    assert repo.release_lease("zoom-token#site#conn-1", "a") is False
    assert repo.release_lease("zoom-token#site#conn-1", "b") is True


def test_tables_expire_items_and_meeting_index_items_carry_their_expiry(repo: Repository) -> None:
    for table in (repo.accounts, repo.links):
        ttl = repo.client.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        assert ttl.get("AttributeName") == "expires_at"
    stored = put_session(repo, session(1))
    repo.record_meeting(stored, f.meeting(), MeetingState.READY, None)
    raw = repo.client.get_item(TableName=repo.links, Key={"pk": {"S": "MEETING#111"}, "sk": {"S": "MEETING"}})
    assert raw["Item"]["expires_at"] == {"N": str(int((stored.end + timedelta(days=30)).timestamp()))}


def test_staff_is_created_on_first_change(repo: Repository) -> None:
    before, after = repo.update_staff(f.SITE, "new", lambda s: s.model_copy(update={"name": "New"}))
    assert before is None
    assert after == Staff(site_id=f.SITE, staff_id="new", name="New", version=1)


# -- reminders (X08) -----------------------------------------------------------------------


def test_x08_the_reminder_index_gives_the_due_sessions_across_sites_and_only_those(repo: Repository) -> None:
    from shared.adapters.repository import REMIND_SHARDS
    from shared.domain.models import Reminders

    due_at = SOON - timedelta(hours=1)
    for site_id, n, next_at in (("a", 1, due_at), ("b", 2, due_at - timedelta(minutes=5)), ("c", 3, SOON)):
        put_session(repo, session(n, site_id=site_id, reminders=Reminders(start=SOON, next_at=next_at)))
    put_session(repo, session(4, site_id="d", reminders=Reminders(start=SOON, flagged=(60,))))  # none to come
    put_session(repo, session(5, site_id="e"))

    def due(now: datetime) -> list[tuple[str, str]]:
        found = []
        for shard in range(REMIND_SHARDS):
            cursor = None
            while True:
                page = repo.reminders_due(shard, now, cursor, 1)  # pages of one: the cursor is followed
                found += page.items
                if (cursor := page.cursor) is None:
                    break
        return sorted(found)

    assert due(due_at - timedelta(minutes=10)) == []
    assert due(due_at) == [("a", "s1"), ("b", "s2")]
    assert due(SOON) == [("a", "s1"), ("b", "s2"), ("c", "s3")]
    _, moved = repo.update_session(
        "a", "s1", lambda s: s.model_copy(update={"reminders": Reminders(start=SOON, flagged=(60,))})
    )
    assert moved is not None
    assert due(SOON) == [("b", "s2"), ("c", "s3")]  # a session with no reminder to come leaves the index


# -- issue 10: Zoom grants, quotas, checks, webhook markers --------------------------------------


def test_the_holder_of_a_work_item_flagged_again_takes_it_back_at_once(repo: Repository) -> None:
    ref = WorkRef.session(f.SITE, "s1")
    repo.flag_work([ref])
    work = repo.claim_work(ref, "w1", timedelta(minutes=2))
    assert work is not None
    repo.flag_work([ref])  # a change while w1 works: w1 goes round again, without waiting its lease
    assert repo.finish_work(work, "w1") is False
    again = repo.claim_work(ref, "w1", timedelta(minutes=2))
    assert again is not None
    assert again.gen != work.gen
    assert repo.claim_work(ref, "w2", timedelta(minutes=2)) is None  # still held, against others


def test_a_grant_lists_its_connections_and_goes_with_the_last(repo: Repository) -> None:
    name = "vclinks/test/zoom/user/acct/zu-1"
    repo.join_grant(name, "site-a", "zc-1")
    repo.join_grant(name, "site-b", "zc-2")
    repo.join_grant(name, "site-b", "zc-2")  # a retried join changes nothing
    assert repo.grant_members(name) == [("site-a", "zc-1"), ("site-b", "zc-2")]
    assert repo.note_refresh(name, "fp-1") is None
    assert repo.note_refresh(name, "fp-1") == "fp-1"  # a refresh never settled is seen by the next
    repo.settle_refresh(name)
    assert repo.note_refresh(name, "fp-2") is None
    assert repo.leave_grant(name, "site-a", "zc-1") == [("site-b", "zc-2")]
    assert repo.leave_grant(name, "site-b", "zc-2") == []
    assert repo.grant_members(name) == []
    assert repo.note_refresh(name, "fp-3") is None  # the record went with its last member


def test_a_hosts_daily_count_stops_at_the_limit_and_lists_the_work_waiting(repo: Repository) -> None:
    day = datetime(2031, 3, 3, tzinfo=UTC).date()
    assert [repo.spend_zoom_quota("zu-1", day, 3) for _ in range(4)] == [True, True, True, False]
    assert repo.spend_zoom_quota("zu-1", day + timedelta(days=1), 3) is True  # a new day, a new count
    repo.note_quota_waiting("zu-1", day, f.SITE, "s9")
    repo.note_quota_waiting("zu-1", day, f.SITE, "s9")
    repo.fill_zoom_quota("zu-2", day, 3)
    assert repo.spend_zoom_quota("zu-2", day, 3) is False
    assert repo.zoom_usage(["zu-1", "zu-2", "zu-3"], day) == {
        "zu-1": (3, [(f.SITE, "s9")]),
        "zu-2": (3, []),
    }


def test_sessions_with_a_meeting_are_listed_by_start_and_each_check_is_flagged_once(repo: Repository) -> None:
    stored = put_session(repo, session(1))
    meeting = f.meeting().model_copy(update={"start": SOON})
    recorded = repo.record_meeting(stored, meeting, MeetingState.READY, None)
    assert recorded is not None
    found = repo.sessions_starting(SOON - timedelta(minutes=5), SOON + timedelta(minutes=5))
    assert found == [(f.SITE, "s1", SOON, set())]
    assert repo.flag_check(f.SITE, "s1", SOON, 24) is True
    assert repo.flag_check(f.SITE, "s1", SOON, 24) is False  # once per offset
    assert repo.get_work(WorkRef.check(f.SITE, "s1")) is not None
    assert repo.sessions_starting(SOON - timedelta(minutes=5), SOON)[0][3] == {24}

    moved = meeting.model_copy(update={"start": SOON + timedelta(hours=2)})
    assert repo.record_meeting(recorded, moved, MeetingState.READY, None) is not None
    assert repo.sessions_starting(SOON - timedelta(minutes=5), SOON + timedelta(minutes=5)) == []
    assert [s[1] for s in repo.sessions_starting(SOON, SOON + timedelta(hours=3))] == ["s1"]


def test_x07_a_google_grant_is_found_by_its_refresh_tokens_risc_hash(repo: Repository) -> None:
    from shared.adapters.repository import refresh_token_key

    token_hash = "/Z8nyyc01W3bUcRArLdNrkgucDUpAtGGqTIYD86+mcHmkskEU5ffxNe2GXsWe7cD7rKIiTdBVKVXWxp8znF1MQ=="
    assert repo.grant_of_refresh_token(token_hash) is None
    repo.index_refresh_token(token_hash, "vclinks/test/providers/google/g-1", 190)
    repo.index_refresh_token(token_hash, "vclinks/test/providers/google/g-1", 190)  # written again: the same
    assert repo.grant_of_refresh_token(token_hash) == "vclinks/test/providers/google/g-1"
    assert repo.grant_of_refresh_token(token_hash.rstrip("=")) is None  # the exact form written
    item = repo.client.get_item(
        TableName=repo.accounts, Key={k: {"S": v} for k, v in refresh_token_key(token_hash).items()}
    )["Item"]
    assert int(item["expires_at"]["N"]) == int(repo.clock()) + 190 * 86400  # TTL


def test_a_webhook_marker_says_an_event_was_handled(repo: Repository) -> None:
    assert repo.webhook_seen("digest-1") is False
    repo.mark_webhook("digest-1", 3)
    assert repo.webhook_seen("digest-1") is True


# -- link reads and join clicks (issue 14, X12) --------------------------------------------------


def test_x01_hints_read_the_service_and_staff_member_in_the_first_batch(repo: Repository) -> None:
    from shared.adapters.repository import LinkHints

    repo.create_site(f.site())
    repo.update_service(f.SITE, "svc", lambda _: f.service(), [])
    repo.update_staff(f.SITE, "anna", lambda _: f.staff(), [])
    record = put_session(repo, session(1))

    context = repo.load_link_context(f.SITE, "s1", None, hints=LinkHints("svc", "anna"), strong=False)
    stale = repo.load_link_context(f.SITE, "s1", None, hints=LinkHints("svc", "ben"), strong=("links",))

    assert context.session == record
    staff, service = context.accounts_of(record) or (None, None)
    assert (staff and staff.staff_id, service and service.service_id) == ("anna", "svc")
    assert stale.accounts_of(record) is None  # the session moved on: a second trip


def test_x12_a_click_keeps_its_first_time_and_moves_its_latest_and_stores_nothing_else(
    repo: Repository,
) -> None:
    from shared.adapters.repository import join_click_key

    first, later = SOON, SOON + timedelta(hours=1)

    repo.record_join_click(f.SITE, "s1", "b1", first)
    repo.record_join_click(f.SITE, "s1", "b1", later)
    repo.record_join_click(f.SITE, "s1", None, later)

    client = repo.load_link_context(f.SITE, "s1", "b1", clicks=True).clicks
    assert client is not None
    assert (client.first_at, client.last_at) == (first, later)
    staff = repo.join_clicks_of_staff(f.SITE, ["s1", "s2"])
    assert {k: (v.first_at, v.last_at) for k, v in staff.items()} == {"s1": (later, later)}
    key = {name: {"S": value} for name, value in join_click_key(f.SITE, "s1", "b1").items()}
    item = repo.client.get_item(TableName=repo.links, Key=key)
    assert set(item["Item"]) == {"pk", "sk", "first_at", "last_at"}  # times only, nothing about the person
