"""X02: after a session change, clients whose link changed are emailed once (registers a follow-up step).

Imported by the session_hooks function after the Zoom steps, so that a new meeting is in
place before the link is compared with what each client was last told.
"""

from __future__ import annotations

from shared.adapters.repository import Store
from shared.config import get_settings
from shared.domain.models import Service, Session, Site
from shared.http.api import current_base_url
from shared.services import follow_up
from shared.services.follow_up import logger


@follow_up.on_session_change
def email_changed_links(
    store: Store, site: Site, before: Session | None, after: Session, *, service_before: Service | None
) -> None:
    if before is None:
        return  # a new session: its bookings get their confirmation
    base_url = current_base_url()
    if not base_url:
        logger.warning("no public base URL for join links: change emails wait for the next request")
        return
    from shared.adapters.mailer import get_mailer  # email code only when a change may need it
    from shared.services.notifications import Notifier

    notifier = Notifier(store, get_mailer(), get_settings().sender_email, base_url)
    notifier.notify_changes(site, store.get_session(site.site_id, after.session_id) or after)
