"""X06: dates, times and zones as each language writes them (CLDR through Babel, plus the
ordinals and elisions CLDR does not give), and Babel loaded only when an email needs it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.emails import dates
from shared.domain.emails.render import render_email
from shared.domain.models import EmailType, Language
from tests.support.emails import email_context

L = Language


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        (L.PT, datetime(2030, 1, 7), "segunda-feira, 7 de janeiro de 2030"),
        (L.IT, datetime(2030, 1, 8), "martedì 8 gennaio 2030"),
        (L.FR, datetime(2030, 3, 1), "vendredi 1er mars 2030"),
        (L.PT, datetime(2030, 3, 1), "sexta-feira, 1º de março de 2030"),
        (L.IT, datetime(2030, 3, 1), "venerdì 1º marzo 2030"),
        (L.NL, datetime(2030, 1, 8), "dinsdag 8 januari 2030"),
        (L.DE, datetime(2030, 3, 1), "Freitag, 1. März 2030"),
        (L.ES, datetime(2030, 1, 8), "martes, 8 de enero de 2030"),
        (L.EN, datetime(2030, 1, 8), "Tuesday, 8 January 2030"),
        (L.FR, datetime(2030, 3, 11), "lundi 11 mars 2030"),  # only the 1st is an ordinal
    ],
)
def test_x06_long_dates_have_the_weekday_and_are_cldr_correct(
    language: Language, day: datetime, expected: str
) -> None:
    assert dates.long_date(day, language) == expected


@pytest.mark.parametrize(
    ("language", "day", "expected"),
    [
        (L.FR, datetime(2030, 3, 1), "1er mars"),
        (L.PT, datetime(2030, 1, 8), "8 de janeiro"),
        (L.DE, datetime(2030, 1, 8), "8. Januar"),
        (L.EN, datetime(2030, 1, 8), "8 January"),
    ],
)
def test_x06_short_days_for_subjects(language: Language, day: datetime, expected: str) -> None:
    assert dates.short_day(day, language) == expected


@pytest.mark.parametrize(
    ("day", "subject"),
    [
        (8, "Promemoria: Morning Flow l'8 gennaio"),
        (11, "Promemoria: Morning Flow l'11 gennaio"),
        (9, "Promemoria: Morning Flow il 9 gennaio"),
        (1, "Promemoria: Morning Flow il 1º gennaio"),
    ],
)
def test_x06_italian_elides_the_article_before_otto_and_undici(day: int, subject: str) -> None:
    start = datetime(2030, 1, day, 9, tzinfo=UTC)
    email = render_email(
        email_context(
            email_type=EmailType.REMINDER,
            language=L.IT,
            session_start=start,
            session_end=start + timedelta(hours=1),
            timezone="Europe/Rome",
        )
    )
    assert email.subject == subject


def test_x06_italian_elision_with_prepositions() -> None:
    assert dates.elide_italian_articles("Sessione annullata: Yoga del 8 gennaio") == (
        "Sessione annullata: Yoga dell'8 gennaio"
    )
    assert dates.elide_italian_articles("Dal 11 marzo al 8 aprile") == "Dall'11 marzo all'8 aprile"
    assert dates.elide_italian_articles("il 8% degli iscritti") == "il 8% degli iscritti"  # not a date


@pytest.mark.parametrize(
    ("zone", "language", "name"),
    [
        ("Europe/Paris", L.FR, "heure de Paris"),
        ("Europe/Amsterdam", L.FR, "heure d'Amsterdam"),
        ("America/Sao_Paulo", L.PT, "Horário de Brasília"),
        ("Europe/Rome", L.IT, "ora di Roma"),
        ("Europe/Amsterdam", L.NL, "tijd in Amsterdam"),
        ("Europe/Berlin", L.DE, "Ortszeit Berlin"),
        ("Europe/Madrid", L.ES, "hora de Madrid"),
        ("Europe/London", L.EN, "London time"),
        ("Asia/Tokyo", L.EN, "Japan Time"),  # a zone of one country: CLDR's own name
        ("UTC", L.FR, "UTC"),
        ("", L.DE, "UTC"),
        ("Not/AZone", L.PT, "UTC"),
    ],
)
def test_x06_zones_are_named_as_people_say_them(zone: str, language: Language, name: str) -> None:
    assert dates.zone_name(zone, language) == name


@pytest.mark.parametrize("language", list(Language))
def test_x06_a_site_that_never_set_a_zone_reads_utc_cleanly(language: Language) -> None:
    email = render_email(email_context(language=language, timezone="UTC"))
    assert "17:00" in email.text  # the session's time in UTC, not converted
    assert "(UTC)" in email.text
    for raw in ("Etc/UTC", "Unknown", "région", "Regione", "Región", "Região", "gebied", "Region"):
        assert raw not in email.text


def test_x06_time_ranges_follow_cldr() -> None:
    start = datetime(2030, 1, 8, 18, tzinfo=UTC)
    assert dates.time_range(start, start + timedelta(hours=1), L.DE) == "18:00–19:00 Uhr"
    assert dates.time_range(start, start + timedelta(hours=1), L.EN) == "18:00–19:00"


def test_babel_is_loaded_only_when_an_email_or_page_is_rendered() -> None:
    code = (
        "import sys\n"
        "import shared.domain.emails.render, shared.domain.emails.mime, shared.http.pages\n"
        "import shared.services.notifications\n"
        "assert 'babel' not in sys.modules, 'babel imported at import time'\n"
        "from tests.support.emails import email_context\n"
        "shared.domain.emails.render.render_email(email_context())\n"
        "assert 'babel' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
