"""Render an email: a plain-text part and an HTML part (autoescaped), in the site's language.

The template, default or custom, is text with `[variables]`. The online-join section
(link, password, description, when the link opens) is added after the body when the
recipient has one (it is shown for this email type and a link resolved, W14) and the
template did not place the link itself with `[online_meeting_link]` (S05).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from shared.domain.emails.context import EmailContext, JoinDetails
from shared.domain.emails.templates import LABELS, CustomTemplate, Labels, default_template
from shared.domain.emails.variables import LINK_VARIABLES, VARIABLE, format_date, substitute, values

if TYPE_CHECKING:
    from jinja2 import Template

_HTML_LAYOUT = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; line-height: 1.5; color: #1f2328;">
{% if staff_note %}<p><em>{{ staff_note }}</em></p>
{% endif %}{{ body }}
{% if join %}<div class="online-join" style="margin-top: 1.5em; padding: 1em; border: 1px solid #d0d7de;">
<h2 style="font-size: 1.1em; margin: 0 0 .5em;">{{ labels.join_heading }}
{%- if join.provider %} ({{ join.provider }}){% endif %}</h2>
<p><a href="{{ join.url }}">{{ link_label }}</a><br><span style="font-size: .9em;">{{ join.url }}</span></p>
{% if join.password %}<p>{{ labels.password }}: <strong>{{ join.password }}</strong></p>
{% endif %}{% if join.description %}<p>{{ join.description }}</p>
{% endif %}{% if opens %}<p>{{ labels.opens_at }} {{ opens }}</p>
{% endif %}</div>
{% endif %}</body></html>
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


def _opens(context: EmailContext, join: JoinDetails) -> str | None:
    if join.opens_at is None:
        return None
    opens, start = context.local(join.opens_at), context.local(context.session_start)
    day = "" if opens.date() == start.date() else f"{format_date(context, join.opens_at)}, "
    return f"{day}{opens:%H:%M}"


def _section_text(context: EmailContext, join: JoinDetails, labels: Labels) -> str:
    heading = labels.join_heading + (f" ({join.provider})" if join.provider else "")
    label = labels.join_link if context.recipient == "client" else labels.host_link
    lines = [heading, "", f"{label}: {join.url}"]
    if join.password:
        lines.append(f"{labels.password}: {join.password}")
    if join.description:
        lines.append(join.description)
    opens = _opens(context, join)
    if opens:
        lines.append(f"{labels.opens_at} {opens}")
    return "\n".join(lines)


def _body_html(body: str, known: dict[str, str]) -> Markup:
    """Paragraphs of escaped text; link variables become anchors."""

    def piece(text: str) -> Markup:
        out, last = Markup(""), 0
        for match in VARIABLE.finditer(text):
            out += escape(text[last : match.start()])
            name, value = match.group(1), known.get(match.group(1))
            if value is None:
                out += escape(match.group(0))
            elif name in LINK_VARIABLES and value:
                out += Markup('<a href="{0}">{0}</a>').format(value)
            else:
                out += escape(value)
            last = match.end()
        return out + escape(text[last:])

    paragraphs = [p for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(piece(line) for line in p.strip().split("\n")))
        for p in paragraphs
    )


def render_email(context: EmailContext, custom: CustomTemplate | None = None) -> RenderedEmail:
    template = custom or default_template(context.email_type, context.language, cancelled=context.cancelled)
    labels = LABELS[context.language]
    known = values(context)
    subject = " ".join(substitute(template.subject, known).split())
    join = context.join
    placed = bool(set(VARIABLE.findall(template.body)) & LINK_VARIABLES)
    section = join if join is not None and not placed else None
    staff_note = f"{labels.staff_copy} {context.client_name}" if context.recipient == "staff" else None

    text = substitute(template.body, known).strip()
    if staff_note:
        text = f"{staff_note}\n\n{text}"
    if section:
        text = f"{text}\n\n{_section_text(context, section, labels)}"
    html = _html().render(
        lang=context.language.value,
        subject=subject,
        staff_note=staff_note,
        body=_body_html(template.body, known),
        join=section,
        labels=labels,
        link_label=labels.join_link if context.recipient == "client" else labels.host_link,
        opens=_opens(context, section) if section else None,
    )
    return RenderedEmail(subject=subject, text=text + "\n", html=html)
