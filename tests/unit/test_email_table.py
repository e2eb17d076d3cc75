"""The rendering table (W13, W14, X05, X06, X09): 5 email types x 7 languages x the online-join
section shown or hidden, each built into the raw message SES sends and read back as a mail
client reads it (email.parser, policy.default; the invitation with icalendar)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import icalendar
import pytest

from shared.domain.emails.ics import build_ics, calendar_uid
from shared.domain.emails.languages import phrases
from shared.domain.emails.mime import build_mime
from shared.domain.emails.render import render_email
from shared.domain.emails.variables import VARIABLES
from shared.domain.models import EmailType, Language
from tests.support.emails import CLIENT_URL, email_context, parse, part

L = Language
DATE = {  # START, Monday 3 March 2031 18:00 in Paris, as each language writes it (CLDR)
    L.EN: "Monday, 3 March 2031",
    L.FR: "lundi 3 mars 2031",
    L.IT: "lunedì 3 marzo 2031",
    L.PT: "segunda-feira, 3 de março de 2031",
    L.NL: "maandag 3 maart 2031",
    L.DE: "Montag, 3. März 2031",
    L.ES: "lunes, 3 de marzo de 2031",
}
ZONE = {
    L.EN: "Paris time",
    L.FR: "heure de Paris",
    L.IT: "ora di Parigi",
    L.PT: "Horário de Paris",
    L.NL: "tijd in Parijs",
    L.DE: "Ortszeit Paris",
    L.ES: "hora de París",
}
ENGLISH_ONLY = ("Your booking", "When:", "Join online", "Kind regards", "Link to join", "Hello")
SENDER, CLIENT = "bookings@studio.test", "ada@example.com"


def sent(email_type: EmailType, language: Language, shown: bool) -> EmailMessage:
    context = email_context(
        email_type=email_type,
        language=language,
        client_join=None if not shown else email_context().client_join,
        sender_email=SENDER,
        recipient_email=CLIENT,
        calendar_uid=calendar_uid("site-1", "s1", "b1"),
        sequence=4,
    )
    raw = build_mime(
        SENDER, CLIENT, render_email(context), build_ics(context), "studio.test", sender_name="Yoga Studio"
    )
    return parse(raw)


@pytest.mark.parametrize("shown", [True, False], ids=["shown", "hidden"])
@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("email_type", list(EmailType))
def test_w13_w14_x05_x06_x09_every_email_as_a_mail_client_reads_it(
    email_type: EmailType, language: Language, shown: bool
) -> None:
    wording = phrases(language).email
    message = sent(email_type, language, shown)
    text, html = (part(message, kind).replace("\r\n", "\n") for kind in ("text/plain", "text/html"))
    ics = part(message, "text/calendar")

    subject_start = wording.client[email_type][0].split("[")[0]
    assert message["Subject"].startswith(subject_start)
    assert "Morning Flow" in message["Subject"]
    assert message["From"].addresses[0].display_name == "Yoga Studio"

    greeting = wording.greeting.replace("[recipient_name]", "Ada Lovelace")
    assert text.startswith(greeting + "\n")
    for piece in (text, html):
        assert DATE[language] in piece
        assert ZONE[language] in piece
        assert "Morning Flow" in piece
        assert not set(re.findall(r"\[([a-z_]+)\]", piece)) & VARIABLES.keys()  # every variable filled
    if language is not L.EN:
        assert not any(english in text for english in ENGLISH_ONLY)

    assert f'<html lang="{language.value}">' in html
    assert 'name="viewport"' in html
    signoff = wording.signoff.split(",")[0]
    if shown:
        for piece in (text, html, ics.replace("\r\n ", "")):
            assert CLIENT_URL in piece
            assert "pw123" in piece
        assert wording.join_heading in text
        assert wording.join_button in html
        assert text.index(wording.join_heading) < text.index(signoff)  # the section before the sign-off
        assert html.index(wording.join_button) < html.rindex(signoff)
        assert f"{wording.password}{wording.colon}pw123" in text
    else:
        for piece in (text, html, ics):
            assert CLIENT_URL not in piece
            assert "pw123" not in piece
            assert "Camera on" not in piece
        assert wording.join_heading not in text

    calendar = icalendar.Calendar.from_ical(ics)
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == calendar_uid("site-1", "s1", "b1")
    assert int(event["SEQUENCE"]) == 4
    assert str(event["SUMMARY"]) == "Morning Flow – Yoga Studio"
    assert (f"{wording.password}{wording.colon}pw123" in str(event["DESCRIPTION"])) is shown
