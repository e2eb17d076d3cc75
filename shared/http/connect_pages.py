"""The page an admin sees after Zoom's consent: which site, for whom, which Zoom account; only
their confirmation attaches the connection (a consent given in the wrong place is cancelled
here). For a site's admin, not its clients: in English (the client pages speak the site's
language, shared.http.pages)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, get_args
from urllib.parse import urlsplit

from shared.domain.models import PROVIDER_TITLES, GrantProvider
from shared.http.pages import content_security_policy, render

if TYPE_CHECKING:
    from shared.services.connect import Confirmation

CONFIRM_PATH = "/v1/oauth/zoom/confirm"
"""Every provider's confirmation is answered here (the record says whose connection it is)."""
TITLES = {name: str(PROVIDER_TITLES[name]) for name in get_args(GrantProvider)}
"""The providers whose confirmation page is the plain one (Zoom's names its app and account)."""


def confirm_page_policy(confirmation: Confirmation) -> str:
    """The page posts to us ('self') and the answer redirects to the site's return URL."""
    parts = urlsplit(confirmation.return_to)
    return content_security_policy(f"'self' {parts.scheme}://{parts.netloc}")


def confirm_page(confirmation: Confirmation) -> str:
    if confirmation.provider in TITLES:
        return _provider_page(confirmation, TITLES[confirmation.provider])
    who = (
        f"the staff member <strong>{escape(confirmation.staff_id)}</strong>"
        if confirmation.staff_id
        else "the site's default video-conference account"
    )
    reach = (
        "every user of this Zoom account (staff members can be mapped to them)"
        if confirmation.account_wide
        else "this Zoom user's own meetings"
    )
    account = escape(confirmation.email or "(no email)")
    details = (
        f'<dl><dt>Site</dt><dd id="site">{escape(confirmation.site_name)}</dd>'
        f"<dt>For</dt><dd id='for'>{who}</dd>"
        f'<dt>Zoom account</dt><dd id="zoom-account">{account} '
        f"(account {escape(confirmation.account_id)})</dd>"
        f"<dt>Reaches</dt><dd>{escape(reach)}</dd></dl>"
    )
    form = (
        f'<form method="post" action="{CONFIRM_PATH}">'
        f'<input type="hidden" name="request" value="{escape(confirmation.request_id)}">'
        '<button type="submit" name="decision" value="connect" id="connect">Connect</button> '
        '<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button></form>'
    )
    message = (
        "Zoom allowed the connection. Check the site and the Zoom account below: nothing is "
        "connected until you press Connect. If you did not start this, press Cancel."
    )
    return render("Connect Zoom to this site?", message, details + form)


def _provider_page(confirmation: Confirmation, title: str) -> str:
    """Google Meet or Teams: the signed-in user's own meetings (X13, X14)."""
    who = (
        f"the staff member <strong>{escape(confirmation.staff_id)}</strong>"
        if confirmation.staff_id
        else "the site's default video-conference account"
    )
    details = (
        f'<dl><dt>Site</dt><dd id="site">{escape(confirmation.site_name)}</dd>'
        f"<dt>For</dt><dd id='for'>{who}</dd>"
        f'<dt>{escape(title)} account</dt><dd id="provider-account">'
        f"{escape(confirmation.email or '(no email)')}</dd>"
        f"<dt>Reaches</dt><dd>the meetings vclinks makes for this account's sessions</dd></dl>"
    )
    form = (
        f'<form method="post" action="{CONFIRM_PATH}">'
        f'<input type="hidden" name="request" value="{escape(confirmation.request_id)}">'
        '<button type="submit" name="decision" value="connect" id="connect">Connect</button> '
        '<button type="submit" name="decision" value="cancel" id="cancel">Cancel</button></form>'
    )
    message = (
        f"{escape(title)} allowed the connection. Check the site and the account below: nothing is "
        "connected until you press Connect. If you did not start this, press Cancel."
    )
    return render(f"Connect {title} to this site?", message, details + form)
