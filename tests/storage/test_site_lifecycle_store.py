"""The store's side of a site's life (issue 12), on moto and on DynamoDB Local: a window's counter
rises atomically; an export pages through both tables and keeps to its site; deleting pages
removes every session, booking, work item and Accounts item of the site and nothing of another;
the dispatcher's hold reads back when an item was first flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.adapters.repository import Repository, due_shard
from shared.domain.work import WorkRef
from tests.support import factories as f

SOON = datetime.fromtimestamp(1930305600, UTC) + timedelta(days=3)


def _world(repo: Repository, site_id: str, sessions: int, bookings: int) -> None:
    repo.create_site(f.site().model_copy(update={"site_id": site_id}))
    repo.update_staff(site_id, "anna", lambda s: s)
    for n in range(sessions):
        record = f.session(site_id=site_id, session_id=f"s{n}", start=SOON, end=SOON + timedelta(hours=1))
        repo.update_session(
            site_id, record.session_id, lambda _, r=record: r, [WorkRef.session(site_id, record.session_id)]
        )
        repo.import_bookings(
            [
                f.booking(f"b{n}-{b}").model_copy(update={"site_id": site_id, "session_id": f"s{n}"})
                for b in range(bookings)
            ]
        )


def test_a_windows_counter_rises_once_per_request(repo: Repository) -> None:
    counts = [repo.count_request(f.SITE, "writes", 100, 200) for _ in range(3)]
    assert counts == [1, 2, 3]
    assert repo.count_request(f.SITE, "writes", 101, 200) == 1
    assert repo.count_request(f.SITE, "tokens", 100, 200) == 1


def test_an_export_pages_through_both_tables_and_keeps_to_its_site(repo: Repository) -> None:
    _world(repo, "leaving", sessions=3, bookings=4)
    _world(repo, "staying", sessions=1, bookings=1)

    found, cursor, pages = [], None, 0
    while True:
        page = repo.export_page("leaving", cursor, 5)
        found += page.items
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break

    kinds = sorted(kind for kind, _ in found)
    assert kinds == ["booking"] * 12 + ["session"] * 3 + ["site", "staff"]
    assert {record["site_id"] for _, record in found} == {"leaving"}
    assert pages >= 4


def test_deleting_pages_removes_every_item_of_the_site_and_nothing_else(repo: Repository) -> None:
    _world(repo, "leaving", sessions=4, bookings=3)
    _world(repo, "staying", sessions=2, bookings=2)
    own = WorkRef.delete_site("leaving")
    repo.flag_work([own])

    while repo.delete_sessions_page("leaving", 2):
        pass
    while repo.delete_work_of_site("leaving", keep=own, limit=2):
        pass
    while repo.delete_site_items("leaving", limit=1):
        pass

    assert repo.get_session("leaving", "s0") is None
    assert repo.list_bookings("leaving", "s3") == []
    assert repo.get_staff("leaving", "anna") is None
    assert repo.get_site("leaving") is not None  # the site record goes last, only once marked
    assert repo.get_work(own) is not None
    assert [
        s.session_id for s in repo.sessions_of("leaving", "site", SOON - timedelta(days=1), None, 10).items
    ] == []
    assert len(repo.list_bookings("staying", "s1")) == 2
    assert repo.get_work(WorkRef.session("staying", "s0")) is not None
    assert repo.get_staff("staying", "anna") is not None


def test_the_dispatchers_hold_reads_back_when_the_item_was_first_flagged(repo: Repository) -> None:
    ref = WorkRef.session(f.SITE, "s1")
    repo.flag_work([ref], timedelta())
    first = int(repo.clock())
    repo.clock.now += 300  # type: ignore[attr-defined]
    repo.flag_work([ref], timedelta())  # flagged again: still pending since the first time
    ((_, seen),) = repo.due_work(due_shard(f.SITE), f.SITE, repo.now(), 5)

    since: list[int] = []
    assert repo.postpone_work(ref, seen, repo.now() + timedelta(minutes=3), since) is True
    assert since == [first]
