"""The raw MIME message SES sends: text, HTML and the invitation, with CRLF line endings.

Shape (as calendar services send invitations): multipart/mixed holding a
multipart/alternative of text/plain, text/html and, inline, `text/calendar; method=...;
charset=utf-8` (what Outlook and Gmail read as an invitation), then the same calendar as
an `invite.ics` attachment for clients that only look at attachments. Without an
invitation: just the multipart/alternative.

From carries the business's name as display name (RFC 5322, RFC 2047 encoded when it is not
ASCII); Reply-To, when given, sends answers to the business rather than the sending address;
`Auto-Submitted: auto-generated` (RFC 3834) keeps out-of-office replies away.
"""

from __future__ import annotations

import base64
import re
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from shared.domain.emails.render import RenderedEmail
from shared.domain.emails.variables import one_line

POLICY = policy.SMTP.clone(cte_type="7bit")
"""CRLF line endings, and parts that are not ASCII encoded (quoted-printable or base64) for any relay."""
_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def _address(address: str, display_name: str | None) -> Address:
    """`address` may already carry a name ("Studio <b@studio.test>"); `display_name` wins."""
    name, spec = parseaddr(address)
    username, _, domain = spec.rpartition("@")
    name = one_line(display_name or name)  # no CR or LF can reach a header
    return Address(display_name=name, username=username, domain=domain)


def _calendar_part(ics: bytes, method: str) -> EmailMessage:
    """The inline calendar alternative, its Content-Type written as calendar clients expect it
    (`text/calendar; method=REQUEST; charset=utf-8`, unquoted: headers read from source are
    written back as they are) and base64 for any relay."""
    head = f"Content-Type: text/calendar; method={method}; charset=utf-8\r\nContent-Transfer-Encoding: base64"
    body = base64.encodebytes(ics).replace(b"\n", b"\r\n")
    return message_from_bytes(head.encode() + b"\r\n\r\n" + body, policy=POLICY)


def build_mime(
    sender: str,
    to: str,
    rendered: RenderedEmail,
    ics: bytes | None,
    message_id_domain: str,
    *,
    sender_name: str | None = None,
    reply_to: str | None = None,
) -> bytes:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = one_line(rendered.subject)
    message["From"] = _address(sender, sender_name)
    message["To"] = to
    if reply_to:
        message["Reply-To"] = _address(reply_to, sender_name)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if ics is not None:
        found = _METHOD.search(ics)
        method = found.group(1).decode() if found else "PUBLISH"
        message.attach(_calendar_part(ics, method))
        message.make_mixed()
        message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_bytes(policy=POLICY)
