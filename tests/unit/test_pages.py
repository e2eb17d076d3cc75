"""X06: every page a client or staff member sees speaks the site's language (the browser's where
no site is known): no meeting and why, not open yet and when, unknown link, Zoom not connected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.emails.languages import phrases
from shared.domain.models import Language
from shared.domain.resolver import NoLink, Reason, no_link
from shared.http import pages

NOW = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
ENGLISH = ("not open yet", "No meeting link", "cancelled", "being prepared", "This link", "It opens")


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("reason", list(Reason))
def test_x06_the_no_meeting_page_speaks_the_sites_language(reason: Reason, language: Language) -> None:
    page = pages.no_link_page(no_link(reason), "Europe/Paris", NOW, language)
    title, message = phrases(language).page.reasons[reason]
    assert f'<html lang="{language.value}">' in page
    assert f"<h1>{title.replace("'", '&#x27;')}</h1>" in page
    assert message.replace("'", "&#x27;") in page
    if language is not Language.EN:
        assert not any(english in page for english in ENGLISH)


@pytest.mark.parametrize(
    ("language", "when"),
    [
        (Language.EN, "It opens on Friday, 1 March 2030 at 09:50 (Paris time)."),
        (Language.FR, "Il sera actif à partir du vendredi 1er mars 2030 à 09:50 (heure de Paris)."),
        (Language.IT, "Sarà attivo dalle 09:50 di venerdì 1º marzo 2030 (ora di Parigi)."),
        (Language.PT, "Ele estará disponível a partir de sexta-feira, 1º de março de 2030, às 09:50"),
        (Language.DE, "Er ist ab Freitag, 1. März 2030, 09:50 Uhr verfügbar (Ortszeit Paris)."),
    ],
)
def test_x03_x06_the_not_open_yet_page_says_when_in_the_sites_language(language: Language, when: str) -> None:
    opens = NOW + timedelta(minutes=50)
    page = pages.no_link_page(
        NoLink(reason=Reason.NOT_YET_OPEN, detail="", opens_at=opens), "Europe/Paris", NOW, language
    )
    assert when in page
    assert '<meta http-equiv="refresh" content="300">' in page


@pytest.mark.parametrize("language", list(Language))
def test_x06_unknown_link_and_zoom_pages_in_every_language(language: Language) -> None:
    page = phrases(language).page
    unknown = pages.unknown_link_page(language)
    assert page.unknown_title.replace("'", "&#x27;") in unknown
    zoom = pages.zoom_not_connected_page("conflict", language)
    assert page.zoom_failed_title.replace("'", "&#x27;") in zoom
    assert page.zoom_failed["conflict"].replace("'", "&#x27;") in zoom
    other = pages.zoom_not_connected_page("zoom-unavailable", language)
    assert page.zoom_failed["default"].replace("'", "&#x27;") in other


def test_pages_are_readable_on_a_phone_and_in_dark_mode() -> None:
    page = pages.unknown_link_page(Language.NL)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<meta name="color-scheme" content="light dark">' in page
    assert "prefers-color-scheme: dark" in page


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", Language.FR),
        ("pt-BR", Language.PT),
        ("ja, de;q=0.5", Language.DE),
        ("en;q=0.2, es;q=0.9", Language.ES),
        ("fr;q=0, nl;q=0.1", Language.NL),
        ("ja", Language.EN),
        ("", Language.EN),
        (None, Language.EN),
        ("de;q=abc", Language.EN),
    ],
)
def test_x06_without_a_site_the_browsers_language_is_used(header: str | None, language: Language) -> None:
    assert pages.browser_language(header) == language
