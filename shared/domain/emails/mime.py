"""The raw MIME message SES sends: text and HTML alternatives, and the .ics when there is one."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from shared.domain.emails.render import RenderedEmail


def build_mime(
    sender: str, to: str, rendered: RenderedEmail, ics: bytes | None, message_id_domain: str
) -> bytes:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if ics is not None:
        method = "CANCEL" if b"METHOD:CANCEL" in ics else "PUBLISH"
        message.add_attachment(
            ics, maintype="text", subtype="calendar", filename="invite.ics", params={"method": method}
        )
    return message.as_bytes()
