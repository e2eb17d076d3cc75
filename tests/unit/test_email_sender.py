"""The message as it leaves: the business's name as sender, replies to the business, CRLF line
endings and `Auto-Submitted` (issue 11, Sender and Delivery), parsed back as a mail client does."""

from __future__ import annotations

from shared.domain.emails.ics import build_ics
from shared.domain.emails.mime import build_mime
from shared.domain.emails.render import render_email
from tests.support.emails import email_context, parse, part

SENDER = "bookings@studio.test"


def raw_email(**kw: str | None) -> bytes:
    context = email_context(sender_email=SENDER, recipient_email="ada@example.com")
    return build_mime(
        SENDER, "ada@example.com", render_email(context), build_ics(context), "studio.test", **kw
    )


def test_from_carries_the_businesss_name() -> None:
    message = parse(raw_email(sender_name="Yoga Studio"))
    assert message["From"].addresses[0].display_name == "Yoga Studio"
    assert message["From"].addresses[0].addr_spec == SENDER


def test_a_name_that_is_not_ascii_is_encoded_and_reads_back_the_same() -> None:
    raw = raw_email(sender_name="Estúdio Ioga, São Paulo")
    from_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"From:"))
    assert from_line.isascii()
    assert b"=?utf-8?" in from_line  # RFC 2047
    assert parse(raw)["From"].addresses[0].display_name == "Estúdio Ioga, São Paulo"


def test_a_name_cannot_add_a_header() -> None:
    message = parse(raw_email(sender_name="Studio\r\nBcc: victim@example.com"))
    assert message["Bcc"] is None
    assert message["From"].addresses[0].addr_spec == SENDER


def test_reply_to_is_the_business_when_given_and_absent_otherwise() -> None:
    message = parse(raw_email(sender_name="Yoga Studio", reply_to="hello@yogastudio.example"))
    assert message["Reply-To"].addresses[0].addr_spec == "hello@yogastudio.example"
    assert message["Reply-To"].addresses[0].display_name == "Yoga Studio"
    assert parse(raw_email())["Reply-To"] is None


def test_every_line_ends_with_crlf() -> None:
    raw = raw_email(sender_name="Yoga Studio")
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")


def test_the_message_says_it_is_automatic() -> None:
    assert parse(raw_email())["Auto-Submitted"] == "auto-generated"


def test_every_part_is_7bit_safe() -> None:
    context = email_context(language="fr", client_name="Zoé Château")
    raw = build_mime(SENDER, "zoe@example.com", render_email(context), build_ics(context), "studio.test")
    assert raw.isascii()
    assert "Zoé Château" in part(parse(raw), "text/plain")
