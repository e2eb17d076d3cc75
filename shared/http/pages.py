"""The small page a join link shows when it cannot redirect (X01, X03): why, and when it opens."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from shared.domain.resolver import NoLink, Reason

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">{refresh}
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}
h1{{font-size:1.4rem}}</style></head>
<body><main><h1>{title}</h1><p>{message}</p>{extra}</main></body></html>
"""


def render(title: str, message: str, extra: str = "", refresh_seconds: int | None = None) -> str:
    refresh = f'\n<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    return _PAGE.format(title=escape(title), message=escape(message), extra=extra, refresh=refresh)


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
