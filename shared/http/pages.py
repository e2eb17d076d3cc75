"""The small pages a client or staff member sees instead of a meeting (X01, X03), in the site's
language (X06): why there is no meeting, when the link opens, an unknown link, and the end of
a Zoom connection that failed. Where no site is known (an unknown link), the browser's
Accept-Language picks among the seven languages.

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
from typing import TYPE_CHECKING

from shared.domain.models import Language
from shared.domain.resolver import NoLink, Reason

if TYPE_CHECKING:
    from shared.domain.emails.languages import Phrases

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;\n"
    "color:#1f2328;background:#ffffff;overflow-wrap:anywhere}h1{font-size:1.4rem}\n"
    "@media (prefers-color-scheme: dark){body{color:#e6edf3;background:#0d1117}}"
)
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def content_security_policy(form_action: str = "'none'") -> str:
    """Nothing but the page's stylesheet; a form only where `form_action` allows it (CSP 3's
    form-action also covers the redirects after the post, so a form's target origin is named)."""
    return (
        f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; form-action {form_action}; "
        "frame-ancestors 'none'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">{refresh}
<title>{title}</title>
<style>{style}</style></head>
<body><main><h1>{title}</h1><p>{message}</p>{extra}</main></body></html>
"""


def render(
    title: str,
    message: str,
    extra: str = "",
    refresh_seconds: int | None = None,
    language: Language = Language.EN,
) -> str:
    refresh = f'\n<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    return _PAGE.format(
        lang=language.value,
        title=escape(title),
        message=escape(message),
        extra=extra,
        refresh=refresh,
        style=_STYLE,
    )


def browser_language(accept_language: str | None) -> Language:
    """The first of the browser's languages (RFC 9110 Accept-Language, by q) that we speak; else English."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((-quality, position, tag.strip().lower()))
    known = {language.value: language for language in Language}
    for quality, _, tag in sorted(ranked):
        if quality < 0 and tag.split("-")[0] in known:
            return known[tag.split("-")[0]]
    return Language.EN


def phrases(language: Language) -> Phrases:
    """The wording, loaded with the first page (a join that redirects never needs it: cold start)."""
    from shared.domain.emails.languages import phrases as wording

    return wording(language)


def unknown_link_page(language: Language = Language.EN) -> str:
    page = phrases(language).page
    return render(page.unknown_title, page.unknown_message, language=language)


def no_link_page(decision: NoLink, timezone: str, now: datetime, language: Language = Language.EN) -> str:
    page = phrases(language).page
    title, message = page.reasons[decision.reason]
    if decision.reason is Reason.NOT_YET_OPEN and decision.opens_at is not None:
        from shared.domain.emails import dates

        local = decision.opens_at.astimezone(dates.zone(timezone))
        when = page.opens_at.format(
            date=dates.long_date(local, language),
            time=dates.clock(local, language),
            zone=dates.zone_name(timezone, language),
        )
        wait = max(int((decision.opens_at - now).total_seconds()), 1)
        stamp = escape(decision.opens_at.isoformat())
        extra = f'<p><time datetime="{stamp}">{escape(when)}</time></p>'
        return render(title, message, extra, refresh_seconds=min(wait, 300), language=language)
    refresh = 30 if decision.reason is Reason.PENDING else None
    return render(title, message, refresh_seconds=refresh, language=language)


def zoom_not_connected_page(problem: str, language: Language = Language.EN) -> str:
    """The end of a Zoom connect flow that failed (a forged, used or expired request)."""
    page = phrases(language).page
    message = page.zoom_failed.get(problem, page.zoom_failed["default"])
    return render(page.zoom_failed_title, message, language=language)


def provider_not_connected_page(problem: str, provider_title: str, language: Language = Language.EN) -> str:
    """The end of a Google Meet or Teams connect flow that failed: Zoom's page in every language,
    naming the provider that was being connected (the phrases name Zoom as a word of its own)."""
    page = phrases(language).page
    message = page.zoom_failed.get(problem, page.zoom_failed["default"])
    title = page.zoom_failed_title.replace("Zoom", provider_title)
    return render(title, message.replace("Zoom", provider_title), language=language)
