"""The small page a join link shows when it cannot redirect (X01, X03): why, and when it opens.

Every page goes out with PAGE_HEADERS (`shared.http.api.handle` adds them to any text/html
answer): a Content-Security-Policy that allows nothing but the page's own stylesheet (by
its hash, so no inline script or style could ever run), no framing (clickjacking), no
content-type sniffing and no Referer (a join link's token must not leak to the meeting
provider or anywhere else).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from shared.domain.resolver import NoLink, Reason

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}\n"
    "h1{font-size:1.4rem}"
)
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">{refresh}
<title>{title}</title>
<style>{style}</style></head>
<body><main><h1>{title}</h1><p>{message}</p>{extra}</main></body></html>
"""
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def render(title: str, message: str, extra: str = "", refresh_seconds: int | None = None) -> str:
    refresh = f'\n<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    return _PAGE.format(
        title=escape(title), message=escape(message), extra=extra, refresh=refresh, style=_STYLE
    )


def unknown_link_page() -> str:
    return render("This link is not valid", "The link may be mistyped, or the booking was cancelled.")


def no_link_page(decision: NoLink, timezone: str, now: datetime) -> str:
    if decision.reason is Reason.NOT_YET_OPEN and decision.opens_at is not None:
        local = decision.opens_at.astimezone(ZoneInfo(timezone))
        when = local.strftime("%A %d %B %Y, %H:%M") + f" ({timezone})"
        wait = max(int((decision.opens_at - now).total_seconds()), 1)
        stamp = escape(decision.opens_at.isoformat())
        extra = f'<p>It opens at <time datetime="{stamp}">{escape(when)}</time>.</p>'
        return render("The meeting is not open yet", decision.detail, extra, refresh_seconds=min(wait, 300))
    return render("No meeting link", decision.detail)
