"""Two changes of one session, interleaved at the exact moment that used to lose one (found by
tests/e2e/test_concurrency.py, where 20 reschedules at once left the Zoom meeting at an earlier
time than the session). Here the interleaving is forced, so each race happens every run:

- a change flagged between another request's reads and its inline claim: the claimed item
  carries the newer change, so the reconcile must read the session after claiming;
- a change flagged while the worker runs the item's steps: the worker must go round again at
  once (it kept its own lease and could not claim the item again).

Zoom is the emulator, in process; AWS is moto.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from local.zoom_emulator import ZoomEmulator
from shared.domain.work import WorkKind, WorkRef
from tests.support.api import SiteHandle
from tests.support.links import START
from tests.support.zoom import connect, session

MOVED_ONCE = START + timedelta(hours=1)
MOVED_TWICE = START + timedelta(hours=2)


def _reschedule(root: Any, site_id: str, start: datetime) -> None:
    record = root.repo.get_site(site_id)
    root.sessions.put_session(
        record,
        "s1",
        service_id="svc",
        staff_id=None,
        start=start,
        end=start + timedelta(hours=1),
        online=None,
    )


def _meeting_start(zoom: ZoomEmulator) -> datetime:
    [meeting] = zoom.meetings.values()
    return datetime.fromisoformat(str(meeting["start_time"]).replace("Z", "+00:00"))


@pytest.fixture
def a_zoom_session(site: SiteHandle, zoom: ZoomEmulator) -> Any:
    from shared.bootstrap import container

    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201
    assert _meeting_start(zoom) == START
    return container()


def test_a_change_flagged_before_another_requests_claim_is_not_lost(
    site: SiteHandle, zoom: ZoomEmulator, a_zoom_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Request A writes (09:00 -> +1 h), request B writes (+2 h), then A's inline attempt claims
    the item, which now carries B's change; B's attempt finds it held or done."""
    root = a_zoom_session
    inline: list[tuple[list[Any], Any]] = []
    monkeypatch.setattr(root.followup, "after_write", lambda refs, hint=None: inline.append((refs, hint)))
    _reschedule(root, site.site_id, MOVED_ONCE)  # A: written and flagged, not followed up yet
    _reschedule(root, site.site_id, MOVED_TWICE)  # B: the same
    monkeypatch.undo()

    for refs, hint in inline:  # A's follow-up first, then B's
        root.worker.run_inline(refs[0], hint)

    stored = site.api.get(f"{site.base}/sessions/s1").json
    assert stored["start"] == "2031-03-03T19:00:00Z"
    assert _meeting_start(zoom) == MOVED_TWICE
    assert root.repo.get_work(inline[0][0][0]) is None


def test_a_change_flagged_while_the_steps_run_is_done_again_at_once(
    site: SiteHandle, zoom: ZoomEmulator, a_zoom_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """B's change lands while the worker reconciles A's: the worker finishes nothing it did not
    do; it goes round again right away and leaves no item behind (not leased, not waiting)."""
    from shared.services import worker as worker_module

    root = a_zoom_session
    real: Callable[[], Any] = worker_module.reactions
    landed: list[bool] = []

    def with_b_landing_during_the_first_step() -> Any:
        table = dict(real())
        first, *rest = table[WorkKind.SESSION]

        def first_then_b(ctx: Any, work: Any) -> Any:
            outcome = first(ctx, work)
            if not landed:
                landed.append(True)
                monkeypatch.setattr(root.followup, "after_write", lambda refs, hint=None: None)
                _reschedule(root, site.site_id, MOVED_TWICE)  # B: written and flagged meanwhile
                monkeypatch.setattr(root.followup, "after_write", follow)
            return outcome

        table[WorkKind.SESSION] = (first_then_b, *rest)
        return table

    follow = root.followup.after_write
    monkeypatch.setattr(worker_module, "reactions", with_b_landing_during_the_first_step)
    _reschedule(root, site.site_id, MOVED_ONCE)  # A, with its inline attempt

    assert landed == [True]
    assert _meeting_start(zoom) == MOVED_TWICE
    assert (
        root.repo.get_work(WorkRef.session(site.site_id, "s1")) is None
    )  # done, not leased for the next 30 s
