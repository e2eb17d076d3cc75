"""Dates, times and time zones as each language writes them (X06), from CLDR through Babel.

Babel is imported on first use, not at import time: only a Lambda that renders an email or a
join page pays for it (about 40 ms, see docs/EMAIL-LANGUAGES.md), never a cold start that
does not. The few things CLDR does not say are written here, each with its reason:

- the first day of a month is an ordinal in French ("1er mars"), Brazilian Portuguese
  ("1º de março") and Italian ("1º marzo"); CLDR formats it as a cardinal;
- Italian elides the article before a day that starts with a vowel sound ("l'8 gennaio",
  "dell'11 marzo", never "il 8"), see `elide_italian_articles`;
- a zone is named as people say it: by its CLDR name when that name belongs to one
  country ("Horário de Brasília", "heure du Japon"), otherwise by its city ("heure de
  Paris", rather than "heure d'Europe centrale", shared by 33 countries); UTC is "UTC".
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.domain.models import Language

LOCALES: dict[Language, str] = {
    Language.EN: "en_GB",  # day before month and a 24-hour clock, as in the other six
    Language.FR: "fr",
    Language.IT: "it",
    Language.PT: "pt_BR",  # Brazilian Portuguese, as the seed (Wix Bookings pt-BR)
    Language.NL: "nl",
    Language.DE: "de",
    Language.ES: "es",
}
_FIRST_OF_MONTH = {Language.FR: "1er", Language.PT: "1º", Language.IT: "1º"}
_CITY_TIME = {  # "<city> time" where the zone's CLDR name is shared by several countries
    Language.EN: "{city} time",
    Language.FR: "heure de {city}",
    Language.IT: "ora di {city}",
    Language.PT: "Horário de {city}",
    Language.NL: "tijd in {city}",
    Language.DE: "Ortszeit {city}",
    Language.ES: "hora de {city}",
}
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"})
_ITALIAN_MONTHS = (
    "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre"
)
_ITALIAN_ELISION = re.compile(
    rf"\b(il|del|dal|al|nel|sul)\s+(8|11)(?=\s+(?:{_ITALIAN_MONTHS})\b)", re.IGNORECASE
)
_ELIDED = {"il": "l'", "del": "dell'", "dal": "dall'", "al": "all'", "nel": "nell'", "sul": "sull'"}


@cache
def _babel_dates() -> Any:
    from babel import dates

    return dates


def zone(name: str) -> tzinfo:
    """The site's zone; UTC when it was never set or is not a zone this machine knows."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def is_utc(name: str) -> bool:
    return not name or name in _UTC_NAMES or zone(name) is UTC


def _first_of_month(language: Language, moment: datetime, text: str) -> str:
    ordinal = _FIRST_OF_MONTH.get(language)
    if moment.day != 1 or ordinal is None:
        return text
    return re.sub(r"(?<!\d)1(?!\d)", ordinal, text, count=1)


def long_date(moment: datetime, language: Language) -> str:
    """Weekday, day, month and year: "segunda-feira, 8 de janeiro de 2030", "lundi 1er mars 2030"."""
    text = _babel_dates().format_date(moment, format="full", locale=LOCALES[language])
    return _first_of_month(language, moment, text)


def short_day(moment: datetime, language: Language) -> str:
    """Day and month, for subjects: "8 January", "1er mars", "8. Januar", "8 de enero"."""
    text = _babel_dates().format_skeleton("MMMMd", moment, locale=LOCALES[language])
    return _first_of_month(language, moment, text)


def clock(moment: datetime, language: Language) -> str:
    return str(_babel_dates().format_time(moment, format="short", locale=LOCALES[language]))


def time_range(start: datetime, end: datetime, language: Language) -> str:
    """CLDR's interval: "18:00–19:00", "18:00 – 19:00" (fr, pt), "18:00–19:00 Uhr" (de)."""
    if start.date() != end.date():
        return f"{clock(start, language)} – {long_date(end, language)}, {clock(end, language)}"
    return str(_babel_dates().format_interval(start, end, "Hm", locale=LOCALES[language]))


@cache
def _territories_of_metazones() -> dict[str, frozenset[str]]:
    from babel.core import get_global

    territories: dict[str, set[str]] = defaultdict(set)
    zone_territories = get_global("zone_territories")
    for zone_id, metazone in get_global("meta_zones").items():
        territory = zone_territories.get(zone_id)
        if territory and territory not in ("001", "ZZ"):
            territories[metazone].add(territory)
    return {metazone: frozenset(found) for metazone, found in territories.items()}


def zone_name(name: str, language: Language) -> str:
    """The site's zone as its clients say it: "heure de Paris", "Horário de Brasília", "UTC"."""
    if is_utc(name):
        return "UTC"
    dates = _babel_dates()
    from babel.core import get_global

    locale = LOCALES[language]
    info = zone(name)
    metazone = get_global("meta_zones").get(name)
    if metazone and len(_territories_of_metazones().get(metazone, ())) == 1:
        return str(dates.get_timezone_name(info, width="long", zone_variant="generic", locale=locale))
    city = str(dates.get_timezone_location(info, locale=locale, return_city=True))
    if language is Language.FR and city[:1].upper() in "AEIOUYÉÈÎ":
        return f"heure d'{city}"  # elision: "heure d'Amsterdam"
    return _CITY_TIME[language].format(city=city)


def elide_italian_articles(text: str) -> str:
    """ "il 8 gennaio" -> "l'8 gennaio", "del 11 marzo" -> "dell'11 marzo" (otto, undici)."""

    def elide(match: re.Match[str]) -> str:
        article = match.group(1)
        elided = _ELIDED[article.lower()]
        return (elided.capitalize() if article[0].isupper() else elided) + match.group(2)

    return _ITALIAN_ELISION.sub(elide, text)
