"""Render an email: a plain-text part and an HTML part (autoescaped), in the site's language.

Order, in both parts: the template's body (greeting, first sentence, date and time), what
changed, the online-join section, then the sign-off. The section is there when the
recipient has one (shown for this email type and a link resolved, W14) and the template
did not place the link itself (S05); a cancellation never has one. The HTML is one
600 px column that narrows on a phone, with explicit colours for light and dark mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from shared.domain.emails import dates
from shared.domain.emails.context import EmailContext, JoinDetails, PlaceChanged, TimeChanged
from shared.domain.emails.languages import EmailWording, phrases
from shared.domain.emails.templates import CustomTemplate, default_template
from shared.domain.emails.variables import (
    LINK_VARIABLES,
    VARIABLE,
    drop_empty,
    one_line,
    places_link,
    substitute,
    values,
)
from shared.domain.models import Language

if TYPE_CHECKING:
    from jinja2 import Template

LIGHT = {"page": "#f3f4f6", "card": "#ffffff", "text": "#1f2328", "muted": "#4b5563", "box": "#f6f8fa",
         "border": "#d0d7de", "link": "#0b5cad", "button": "#0b5cad", "button_text": "#ffffff"}  # fmt: skip
DARK = {"page": "#0d1117", "card": "#161b22", "text": "#e6edf3", "muted": "#9da7b3", "box": "#0d1117",
        "border": "#30363d", "link": "#79c0ff", "button": "#79c0ff", "button_text": "#0d1117"}  # fmt: skip
FONT = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

_HTML_LAYOUT = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">
<title>{{ subject }}</title>
<style>
body, .page { margin: 0; padding: 0; background: {{ light.page }}; color: {{ light.text }}; }
.card { background: {{ light.card }}; color: {{ light.text }}; }
.card a { color: {{ light.link }}; }
.join { background: {{ light.box }}; border-color: {{ light.border }}; }
.muted { color: {{ light.muted }}; }
.card a.button { background: {{ light.button }}; color: {{ light.button_text }}; }
@media (prefers-color-scheme: dark) {
  body, .page { background: {{ dark.page }} !important; color: {{ dark.text }} !important; }
  .card { background: {{ dark.card }} !important; color: {{ dark.text }} !important; }
  .card a { color: {{ dark.link }} !important; }
  .join { background: {{ dark.box }} !important; border-color: {{ dark.border }} !important; }
  .muted { color: {{ dark.muted }} !important; }
  .card a.button { background: {{ dark.button }} !important; color: {{ dark.button_text }} !important; }
}
</style></head>
<body class="page" style="margin: 0; padding: 0; background: {{ light.page }}; color: {{ light.text }};">
<div class="page" style="background: {{ light.page }}; padding: 16px 8px;">
<!--[if mso]><table role="presentation" width="600" align="center"><tr><td><![endif]-->
<div class="card" style="max-width: 600px; margin: 0 auto; box-sizing: border-box; padding: 24px 20px; \
border-radius: 8px; background: {{ light.card }}; color: {{ light.text }}; font-family: {{ font }}; \
font-size: 16px; line-height: 1.5; overflow-wrap: anywhere; word-break: break-word;">
{{ body }}
{% if changes %}<p style="margin: 16px 0 4px;"><strong>{{ wording.changes_heading }}</strong></p>
<ul style="margin: 0 0 16px; padding-left: 20px;">
{% for line in changes %}<li>{{ line }}</li>
{% endfor %}</ul>
{% endif %}{% if join %}<div class="join" style="margin: 24px 0; padding: 16px; border: 1px solid \
{{ light.border }}; border-radius: 8px; background: {{ light.box }};">
<h2 style="font-size: 18px; line-height: 1.3; margin: 0 0 12px;">{{ heading }}</h2>
<p style="margin: 0 0 12px;"><a class="button" href="{{ join.url }}" style="display: inline-block; \
padding: 12px 20px; border-radius: 6px; background: {{ light.button }}; color: {{ light.button_text }}; \
text-decoration: none; font-weight: bold;">{{ button }}</a></p>
<p class="muted" style="margin: 0 0 8px; font-size: 14px; color: {{ light.muted }}; \
word-break: break-all;">{{ link_label }}{{ wording.colon }}<a href="{{ join.url }}" \
style="color: {{ light.link }};">{{ join.url }}</a></p>
{% if join.password %}<p style="margin: 0 0 8px;">{{ wording.password }}{{ wording.colon }}\
<strong>{{ join.password }}</strong></p>
{% endif %}{% if join.description %}<p style="margin: 0 0 8px;">{{ join.description }}</p>
{% endif %}{% if opens %}<p style="margin: 0;">{{ opens }}</p>
{% endif %}</div>
{% endif %}{{ signoff }}
</div>
<!--[if mso]></td></tr></table><![endif]-->
</div></body></html>
"""


@lru_cache(maxsize=1)
def _html() -> Template:
    """The HTML layout, compiled on first use (Jinja2 loads only where an email is rendered)."""
    from jinja2 import Environment

    return Environment(autoescape=True, keep_trailing_newline=True).from_string(_HTML_LAYOUT)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _when(context: EmailContext, start_utc: datetime, end_utc: datetime) -> str:
    start, end = context.local(start_utc), context.local(end_utc)
    return f"{dates.long_date(start, context.language)}, {dates.time_range(start, end, context.language)}"


def change_lines(context: EmailContext) -> list[str]:
    """What changed, as the recipient may read it (X02): a time change always, the link and
    password only with the online-join section shown (W14), a new host in the client's copy.

    Empty while `context.changes` is not: nothing this recipient sees changed (the caller
    may then send nothing)."""
    wording = phrases(context.language).email
    join = context.join
    lines: list[str] = []
    for change in context.changes:
        if isinstance(change, TimeChanged):
            old = _when(context, change.old_start, change.old_end)
            new = _when(context, context.session_start, context.session_end)
            lines.append(wording.time_changed.format(new=new, old=old))
        elif isinstance(change, PlaceChanged):
            if not change.online:
                lines.append(wording.now_in_person)
            elif join:
                lines.append(wording.now_online)
        elif change.kind == "link" and join:
            lines.append(wording.link_changed)
        elif change.kind == "password" and join and join.password:
            lines.append(wording.password_changed.format(password=join.password))
        elif change.kind == "host" and context.recipient == "client":
            lines.append(_host_line(wording, change.new_name, change.old_name))
    return lines


def _host_line(wording: EmailWording, new: str | None, old: str | None) -> str:
    if not new:
        return wording.host_changed_unnamed
    instead = wording.host_instead.format(old=old) if old else ""
    return wording.host_changed.format(new=f"{new}{instead}")


def _opens_line(context: EmailContext, join: JoinDetails, wording: EmailWording) -> str | None:
    if join.opens_at is None:
        return None
    opens, start = context.local(join.opens_at), context.local(context.session_start)
    time = dates.clock(opens, context.language)
    if opens.date() == start.date():
        return wording.opens_at.format(time=time)
    return wording.opens_on.format(date=dates.long_date(opens, context.language), time=time)


def _section_text(context: EmailContext, join: JoinDetails, wording: EmailWording) -> str:
    client = context.recipient == "client"
    heading = (wording.join_heading if client else wording.host_heading) + (
        f" ({join.provider})" if join.provider else ""
    )
    label = wording.join_link if client else wording.host_link
    lines = [heading, "", f"{label}{wording.colon}{join.url}"]
    if join.password:
        lines.append(f"{wording.password}{wording.colon}{join.password}")
    if join.description:
        lines.append(join.description)
    opens = _opens_line(context, join, wording)
    if opens:
        lines.append(opens)
    return "\n".join(lines)


def _paragraphs_html(template: str, known: dict[str, str]) -> Markup:
    """Paragraphs of escaped text; link variables become anchors."""

    def piece(text: str) -> Markup:
        out, last = Markup(""), 0
        for match in VARIABLE.finditer(text):
            out += escape(text[last : match.start()])
            name, value = match.group(1), known.get(match.group(1))
            if value is None:
                out += escape(match.group(0))
            elif name in LINK_VARIABLES and value:
                out += Markup('<a href="{0}" style="word-break: break-all;">{0}</a>').format(value)
            else:
                out += escape(value)
            last = match.end()
        return out + escape(text[last:])

    paragraphs = [p for p in template.split("\n\n") if p.strip()]
    return Markup("\n").join(
        Markup('<p style="margin: 0 0 16px;">{}</p>').format(
            Markup("<br>\n").join(piece(line) for line in p.strip().split("\n"))
        )
        for p in paragraphs
    )


def _template(context: EmailContext, custom: CustomTemplate | None, named: bool) -> CustomTemplate:
    """The custom template, except for a cancellation (its own words) and for the staff copy,
    which keeps its own words unless the custom template places the host link (S04, S05)."""
    staff_custom = custom is not None and "online_meeting_provider_link" in VARIABLE.findall(custom.body)
    if custom is not None and not context.cancellation and (context.recipient == "client" or staff_custom):
        return custom
    return default_template(
        context.email_type,
        context.language,
        recipient=context.recipient,
        cancellation=context.cancellation,
        named=named,
    )


def _finish(language: Language, text: str) -> str:
    return dates.elide_italian_articles(text) if language is Language.IT else text


def render_email(context: EmailContext, custom: CustomTemplate | None = None) -> RenderedEmail:
    wording = phrases(context.language).email
    known = values(context)
    template = _template(context, custom, named=bool(known["recipient_name"]))
    subject = _finish(
        context.language,
        one_line(substitute(drop_empty(template.subject, known, lines=False), known)),
    )
    body = drop_empty(template.body, known)
    signoff = drop_empty(template.signoff, known)
    join = None if context.cancellation or places_link(template.body) else context.join
    changes = [] if context.cancellation else change_lines(context)

    parts = [substitute(body, known)]
    if changes:
        parts.append("\n".join([wording.changes_heading, *(f"- {line}" for line in changes)]))
    if join:
        parts.append(_section_text(context, join, wording))
    if signoff:
        parts.append(substitute(signoff, known))
    text = _finish(context.language, "\n\n".join(part.strip("\n") for part in parts if part.strip()))

    client = context.recipient == "client"
    html = _html().render(
        lang=context.language.value,
        subject=subject,
        body=_paragraphs_html(body, known),
        changes=changes,
        join=join,
        heading=((wording.join_heading if client else wording.host_heading) if join else "")
        + (f" ({join.provider})" if join and join.provider else ""),
        button=wording.join_button if client else wording.host_button,
        link_label=wording.join_link if client else wording.host_link,
        opens=_opens_line(context, join, wording) if join else None,
        signoff=_paragraphs_html(signoff, known),
        wording=wording,
        light=LIGHT,
        dark=DARK,
        font=FONT,
    )
    return RenderedEmail(subject=subject, text=text + "\n", html=_finish(context.language, html))
