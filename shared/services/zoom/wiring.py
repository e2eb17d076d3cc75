"""Wiring of the Zoom parts for a warm Lambda, and their follow-up steps on session changes.

Importing this module registers the Zoom steps with `shared.services.follow_up`; only the
functions that act on Zoom import it (cold start of the others stays light).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING

from shared.adapters.repository import Store, get_store
from shared.adapters.zoom.scopes import ZoomAppType
from shared.adapters.zoom.tokens import TokenProvider, app_credentials, get_token_secrets
from shared.config import get_settings
from shared.domain.models import Booking, MeetingState, Service, Session, Site
from shared.services import follow_up
from shared.services.zoom.meetings import MeetingReconciler, desired_meeting

if TYPE_CHECKING:
    from shared.adapters.zoom.client import ZoomClient


@lru_cache(maxsize=1)
def get_zoom_client() -> ZoomClient:
    import httpx  # the HTTP client only where Zoom is called (cold start of session_hooks)

    from shared.adapters.zoom.client import ZoomClient

    settings = get_settings()
    app_credentials()  # a deployment without a Zoom app says so now
    return ZoomClient(
        api_base_url=settings.zoom_api_base_url,
        oauth_base_url=settings.zoom_oauth_base_url,
        credentials=_app_pairs,  # read again (5 minutes of cache): fixed credentials take effect
        http=httpx.Client(timeout=settings.zoom_timeout_seconds),
        timeout=settings.zoom_timeout_seconds,
        max_attempts=3,  # 3 x 5 s plus backoff stays inside the 29 s function timeout
    )


def _app_pairs() -> dict[ZoomAppType, tuple[str, str]]:
    credentials = app_credentials()
    return {
        ZoomAppType.USER_MANAGED: (credentials.client_id, credentials.client_secret),
        ZoomAppType.ADMIN_MANAGED: (credentials.admin_client_id, credentials.admin_client_secret),
    }


@lru_cache(maxsize=1)
def get_token_provider() -> TokenProvider:
    return TokenProvider(get_store(), get_token_secrets(), get_zoom_client())


@lru_cache(maxsize=1)
def get_reconciler() -> MeetingReconciler:
    return MeetingReconciler(get_store(), get_zoom_client(), get_token_provider(), time.time)


def zoom_involved(store: Store, site: Site, session: Session) -> bool:
    """Whether a session has or wants a Zoom meeting; sessions on other providers never touch Zoom."""
    if session.meeting is not None or session.meeting_state is MeetingState.PENDING:
        return True
    staff, service = store.load_staff_and_service(site.site_id, session.staff_id, session.service_id)
    return desired_meeting(site, service, session, staff) is not None


@follow_up.on_session_change
def reconcile_meeting(
    store: Store, site: Site, before: Session | None, after: Session, *, service_before: Service | None
) -> None:
    if zoom_involved(store, site, after):
        get_reconciler().reconcile(site.site_id, after.session_id)


@follow_up.on_booking_change
def sync_registrant(
    store: Store, site: Site, session: Session, before: Booking | None, after: Booking
) -> None:
    if session.meeting is not None and session.meeting.registration:
        get_reconciler().sync_booking(site.site_id, session, after)


def sweep(limit: int = 200) -> int:
    """Finish the meeting work of pending sessions (scheduled every few minutes). Returns how many."""
    store = get_store()
    done = 0
    for site_id, session_id in store.list_pending_sessions()[:limit]:
        site, session = store.get_site(site_id), store.get_session(site_id, session_id)
        if site is not None and session is not None:
            follow_up.session_changed(store, site, session, session)  # reconcile, then X02 emails
            done += 1
    return done
