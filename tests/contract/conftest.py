"""The Zoom emulator, in process, with a user-managed app (its default) and an admin-managed one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.zoom_emulator import ADMIN_SCOPES, Managed, ZoomApp, ZoomEmulator
from tests.contract.emulated import ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, ADMIN_WEBHOOK_TOKEN, REDIRECT


@pytest.fixture
def emulator() -> Iterator[ZoomEmulator]:
    zoom = ZoomEmulator(redirect_uris=(REDIRECT,))
    zoom.register_app(
        ZoomApp(
            ADMIN_CLIENT_ID,
            ADMIN_CLIENT_SECRET,
            Managed.ADMIN,
            ADMIN_SCOPES,
            redirect_uris=(REDIRECT,),
            webhook_secret_token=ADMIN_WEBHOOK_TOKEN,
        )
    )
    zoom.start()
    yield zoom
    zoom.stop()
