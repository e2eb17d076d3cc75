"""A Lambda killed between Zoom's answer and our store write (DESIGN.md: nothing lost, no
duplicate). The change and its work item were stored together before Zoom was called, so
the dispatcher finds the item once its lease runs out, and the worker finishes it (a create
whose answer was lost is adopted, never made twice). Zoom is the emulator, in process."""

from __future__ import annotations

import time
from typing import Any

import pytest

from local.zoom_emulator import ZoomEmulator
from tests.support.api import SiteHandle
from tests.support.links import iso
from tests.support.zoom import connect, session


class LambdaKilled(BaseException):
    """The runtime stops the process: no except clause of ours runs."""


@pytest.mark.parametrize("killed_at", ["update_meeting", "create_meeting", "delete_meeting"])
def test_a_lambda_killed_after_zoom_acted_leaves_work_the_worker_finishes(
    site: SiteHandle, zoom: ZoomEmulator, monkeypatch: pytest.MonkeyPatch, worker: Any, killed_at: str
) -> None:
    from shared.adapters.zoom.client import ZoomClient
    from shared.bootstrap import container
    from shared.domain.work import WorkRef

    connect(site, zoom)
    assert site.api.put(f"{site.base}/services/svc", {"kind": "appointment", "online": True}).status == 200
    if killed_at != "create_meeting":
        assert site.api.put(f"{site.base}/sessions/s1", session()).status == 201

    real = getattr(ZoomClient, killed_at)

    def acts_then_dies(self: ZoomClient, *args: Any, **kwargs: Any) -> Any:
        real(self, *args, **kwargs)  # Zoom did it...
        raise LambdaKilled  # ...and we never stored the answer

    monkeypatch.setattr(ZoomClient, killed_at, acts_then_dies)
    change = {
        "create_meeting": lambda: site.api.put(f"{site.base}/sessions/s1", session()),
        "update_meeting": lambda: site.api.put(f"{site.base}/sessions/s1", session(days=1)),
        "delete_meeting": lambda: site.api.delete(f"{site.base}/sessions/s1"),
    }[killed_at]
    with pytest.raises(LambdaKilled):
        change()
    monkeypatch.setattr(ZoomClient, killed_at, real)

    root = container()
    ref = WorkRef.session(site.site_id, "s1")
    assert root.repo.get_work(ref) is not None  # the work outlived the process
    assert root.worker.dispatch() == 0  # not yet: the dead attempt's lease and grace still hold it
    root.repo.clock = lambda: time.time() + 120  # two minutes later
    assert root.worker.dispatch() == 1
    worker.drain()

    assert root.repo.get_work(ref) is None
    after = root.repo.get_session(site.site_id, "s1")
    assert after is not None
    meetings = list(zoom.meetings.values())
    if killed_at == "delete_meeting":
        assert meetings == []
        assert after.meeting is None
    else:
        assert len(meetings) == 1  # never a duplicate
        assert after.meeting is not None
        assert after.meeting.meeting_id == str(meetings[0]["id"])
        assert meetings[0]["start_time"].startswith(iso(after.start)[:16])
        assert after.meeting_state.value == "ready"
