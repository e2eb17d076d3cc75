"""What an email announces: a cancellation as a cancellation (whose: the booking's or the
session's), each change in the site's language (X02), the staff member's own copy (S04), and
never an empty greeting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from shared.domain.emails.context import HostChanged, LinkChanged, PasswordChanged, PlaceChanged, TimeChanged
from shared.domain.emails.ics import build_ics
from shared.domain.emails.languages import phrases
from shared.domain.emails.render import change_lines, render_email
from shared.domain.emails.variables import substitute, values
from shared.domain.models import EmailType, Language
from tests.support.emails import CLIENT_URL, STAFF_URL, START, email_context

EARLIER = TimeChanged(old_start=START - timedelta(days=1), old_end=START - timedelta(days=1, hours=-1))


def filled(text: str, language: Language, **kw: object) -> str:
    """A wording with its variables filled for the test's booking."""
    return substitute(text, values(email_context(language=language, **kw)))


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("email_type", list(EmailType))
def test_w13_a_session_the_business_cancelled_is_announced_as_cancelled(
    email_type: EmailType, language: Language
) -> None:
    context = email_context(email_type=email_type, language=language, session_cancelled=True)
    email = render_email(context)
    subject, intro = phrases(language).email.session_cancelled
    assert email.subject == filled(subject, language)
    assert filled(intro, language) in email.text
    confirmed = phrases(language).email.client[email_type][1]
    assert filled(confirmed, language) not in email.text  # never "your booking ... is confirmed"
    assert CLIENT_URL not in email.text + email.html  # no way into a cancelled session
    ics = build_ics(context).decode()
    assert "METHOD:CANCEL\r\n" in ics
    assert "STATUS:CANCELLED\r\n" in ics


@pytest.mark.parametrize("language", list(Language))
def test_w13_a_cancelled_booking_says_the_booking_was_cancelled_not_the_session(language: Language) -> None:
    booking = render_email(email_context(language=language, cancelled=True))
    session = render_email(email_context(language=language, cancelled=True, session_cancelled=True))
    wording = phrases(language).email
    assert booking.subject == filled(wording.booking_cancelled[0], language)
    assert filled(wording.booking_cancelled[1], language) in booking.text
    assert session.subject == filled(wording.session_cancelled[0], language)  # the business's wins
    assert booking.text != session.text


def test_w13_cancellation_wording_in_english() -> None:
    booking = render_email(email_context(email_type=EmailType.REMINDER, cancelled=True))
    session = render_email(email_context(email_type=EmailType.REMINDER, session_cancelled=True))
    assert booking.subject == "Your booking is cancelled: Morning Flow"
    assert "Your booking for Morning Flow has been cancelled." in booking.text
    assert session.subject == "Session cancelled: Morning Flow on 3 March"
    assert "we have had to cancel the session Morning Flow" in session.text
    assert "When: Monday, 3 March 2031, 18:00–19:00 (Paris time)" in session.text


def test_x02_a_change_email_states_each_change() -> None:
    email = render_email(
        email_context(
            email_type=EmailType.BOOKING_CHANGED,
            changes=(EARLIER, LinkChanged(), PasswordChanged(), HostChanged(old_name="Bob", new_name="Anna")),
        )
    )
    assert (
        "What has changed:\n"
        "- New time: Monday, 3 March 2031, 18:00–19:00 (was: Sunday, 2 March 2031, 18:00–19:00)\n"
        "- The link to join has changed: please use the one below.\n"
        "- New password: pw123\n"
        "- Your session is now with Anna (instead of Bob).\n"
    ) in email.text
    assert "<li>New password: pw123</li>" in email.html
    assert email.text.index("What has changed") < email.text.index(CLIENT_URL)


@pytest.mark.parametrize("language", list(Language))
def test_x02_changes_are_stated_in_the_sites_language(language: Language) -> None:
    wording = phrases(language).email
    email = render_email(
        email_context(language=language, email_type=EmailType.BOOKING_CHANGED, changes=(EARLIER,))
    )
    assert wording.changes_heading in email.text
    assert wording.time_changed.split("{")[0] in email.text
    assert wording.changes_heading in email.html


def test_x02_w14_with_the_section_hidden_a_time_change_still_shows_the_new_time() -> None:
    context = email_context(
        email_type=EmailType.BOOKING_CHANGED,
        client_join=None,
        changes=(EARLIER, LinkChanged(), PasswordChanged()),
    )
    email = render_email(context)
    assert "- New time: Monday, 3 March 2031, 18:00–19:00 (was: Sunday, 2 March 2031" in email.text
    assert "link to join" not in email.text
    assert "password" not in email.text.lower()
    assert "pw123" not in email.text + email.html


def test_x02_nothing_the_client_sees_changed_when_only_hidden_details_changed() -> None:
    hidden = email_context(client_join=None, changes=(LinkChanged(), PasswordChanged()))
    assert change_lines(hidden) == []
    shown = email_context(changes=(PasswordChanged(),))
    assert change_lines(shown) == ["New password: pw123"]


@pytest.mark.parametrize("language", list(Language))
def test_x02_a_session_now_in_person_or_online_says_so_in_the_sites_language(language: Language) -> None:
    wording = phrases(language).email
    gone = email_context(language=language, client_join=None, changes=(PlaceChanged(online=False),))
    assert change_lines(gone) == [wording.now_in_person]  # said even with nothing to join
    back = email_context(language=language, changes=(PlaceChanged(online=True),))
    assert change_lines(back) == [wording.now_online]
    assert len({wording.now_in_person, wording.now_online, wording.link_changed}) == 3
    hidden = email_context(language=language, client_join=None, changes=(PlaceChanged(online=True),))
    assert change_lines(hidden) == []  # W14: no section, no "join with the link below"


def test_x02_a_new_host_without_names() -> None:
    email = render_email(email_context(email_type=EmailType.BOOKING_CHANGED, changes=(HostChanged(),)))
    assert "- Your session will be led by someone else." in email.text


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("email_type", list(EmailType))
def test_s04_the_staff_copy_has_its_own_words_and_the_host_link(
    email_type: EmailType, language: Language
) -> None:
    wording = phrases(language).email
    email = render_email(email_context(email_type=email_type, language=language, recipient="staff"))
    assert email.subject == filled(wording.staff[email_type][0], language, recipient="staff")
    assert filled(wording.staff[email_type][1], language, recipient="staff") in email.text
    client_subject, client_intro = wording.client[email_type]
    assert filled(client_intro, language) not in email.text  # not "Your booking ... is confirmed"
    assert email.subject != filled(client_subject, language)
    assert STAFF_URL in email.text
    assert wording.host_button in email.html
    assert CLIENT_URL not in email.text + email.html


def test_s04_new_booking_for_the_staff_member_in_english() -> None:
    email = render_email(email_context(recipient="staff"))
    assert email.subject == "New booking: Ada Lovelace, Morning Flow, 3 March, 18:00–19:00"
    assert email.text.startswith("Hello Anna,\n\nAda Lovelace has booked Morning Flow.\n")
    assert "Your booking" not in email.text + email.html
    assert f"Host link: {STAFF_URL}" in email.text


def test_s04_the_staff_copy_without_a_client_name_keeps_a_clean_subject() -> None:
    email = render_email(email_context(recipient="staff", client_name=""))
    assert email.subject == "New booking: Morning Flow, 3 March, 18:00–19:00"


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("recipient", ["client", "staff"])
def test_no_empty_greeting_anywhere(language: Language, recipient: str) -> None:
    for email_type in EmailType:
        email = render_email(
            email_context(
                email_type=email_type, language=language, recipient=recipient, client_name="", staff_name=None
            )
        )
        first_line = email.text.split("\n")[0]
        assert first_line == phrases(language).email.greeting_unnamed
        assert not re.search(r"\w ,|\w :\s*$", first_line)  # "Hello ," / "Hola :"
        assert "Hello ," not in email.text + email.html
