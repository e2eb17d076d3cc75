"""Nederlands ("je", zoals Wix Bookings NL; "sessie", "boeking", "Online deelnemen")."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"

PHRASES = Phrases(
    email=EmailWording(
        greeting="Hallo [recipient_name],",
        greeting_unnamed="Hallo,",
        signoff="Met vriendelijke groet,",
        when="Datum en tijd: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                "Je boeking is bevestigd: [service_name]",
                "Je boeking voor [service_name] is bevestigd.",
            ),
            T.REMINDER: (
                "Herinnering: [service_name] op [session_day]",
                "Een herinnering aan je aankomende sessie: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                "Je boeking is gewijzigd: [service_name]",
                "Je boeking voor [service_name] is gewijzigd.",
            ),
            T.COURSE_CHANGED: (
                "Je cursus is gewijzigd: [service_name]",
                "De gegevens van je cursus [service_name] zijn gewijzigd.",
            ),
            T.REQUEST_APPROVED: (
                "Je afspraakverzoek is goedgekeurd: [service_name]",
                "Je afspraakverzoek voor [service_name] is goedgekeurd.",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"Nieuwe boeking: [client_name], [service_name], {_ON}",
                "[client_name] heeft [service_name] geboekt.",
            ),
            T.REMINDER: (
                f"Herinnering: [service_name] met [client_name], {_ON}",
                "Een herinnering aan je aankomende sessie met [client_name]: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Boeking gewijzigd: [client_name], [service_name], {_ON}",
                "De boeking van [client_name] voor [service_name] is gewijzigd.",
            ),
            T.COURSE_CHANGED: (
                f"Cursus gewijzigd: [client_name], [service_name], {_ON}",
                "De cursus [service_name], geboekt door [client_name], is gewijzigd.",
            ),
            T.REQUEST_APPROVED: (
                f"Afspraakverzoek goedgekeurd: [client_name], [service_name], {_ON}",
                "Het afspraakverzoek van [client_name] voor [service_name] is goedgekeurd.",
            ),
        },
        booking_cancelled=(
            "Je boeking is geannuleerd: [service_name]",
            "Je boeking voor [service_name] is geannuleerd.",
        ),
        session_cancelled=(
            "Sessie geannuleerd: [service_name] op [session_day]",
            "Helaas moeten we de sessie [service_name] annuleren. Je boeking is daarom geannuleerd. "
            "Excuses voor het ongemak.",
        ),
        staff_booking_cancelled=(
            f"Boeking geannuleerd: [client_name], [service_name], {_ON}",
            "De boeking van [client_name] voor [service_name] is geannuleerd.",
        ),
        staff_session_cancelled=(
            f"Sessie geannuleerd: [service_name], {_ON}",
            "De sessie [service_name] is geannuleerd; daarmee is ook de boeking van [client_name] "
            "geannuleerd.",
        ),
        changes_heading="Wat er is gewijzigd:",
        time_changed="Nieuwe tijd: {new} (was: {old})",
        link_changed="De link om deel te nemen is gewijzigd: gebruik de link hieronder.",
        now_in_person="Deze sessie vindt nu op locatie plaats: er is geen link meer om deel te nemen.",
        now_online="Deze sessie vindt nu online plaats: neem deel via de link hieronder.",
        password_changed="Nieuw wachtwoord: {password}",
        host_changed="Je sessie wordt nu gegeven door {new}.",
        host_instead=" (in plaats van {old})",
        host_changed_unnamed="Je sessie wordt door iemand anders gegeven.",
        join_heading="Online deelnemen",
        join_button="Deelnemen aan de sessie",
        join_link="Link om deel te nemen",
        host_heading="Je link om de vergadering te starten",
        host_button="Vergadering starten",
        host_link="Hostlink",
        password="Wachtwoord",
        colon=": ",
        opens_at="De link is beschikbaar vanaf {time}.",
        opens_on="De link is beschikbaar vanaf {date}, {time}.",
    ),
    page=PageWording(
        unknown_title="Deze link is niet geldig",
        unknown_message="De link is misschien niet volledig, of de boeking is geannuleerd.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "Geen link naar de vergadering",
                "Het bedrijf heeft geen videoconferentie-account gekoppeld. Neem contact met ze op.",
            ),
            Reason.SERVICE_NOT_ONLINE: (
                "Geen link naar de vergadering",
                "Deze dienst heeft geen online sessie.",
            ),
            Reason.SESSION_CANCELLED: (
                "Deze sessie is geannuleerd",
                "Het bedrijf heeft deze sessie geannuleerd.",
            ),
            Reason.OFFLINE: ("Deze sessie vindt ter plaatse plaats", "Er is geen online sessie."),
            Reason.BOOKING_CANCELLED: (
                "Deze boeking is geannuleerd",
                "De link opent de vergadering niet meer.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "Hier geen link naar de vergadering",
                "Het bedrijf toont hier geen links. Gebruik de link uit je e-mail.",
            ),
            Reason.NOT_YET_OPEN: (
                "De vergadering is nog niet open",
                "De link is kort voor het begin van de sessie beschikbaar.",
            ),
            Reason.NEEDS_RECONNECT: (
                "De vergadering is niet beschikbaar",
                "Het bedrijf moet zijn videoconferentie-account opnieuw koppelen. Probeer het later "
                "nog eens of neem contact met ze op.",
            ),
            Reason.PENDING: ("De vergadering wordt voorbereid", "Probeer het over een ogenblik opnieuw."),
        },
        opens_at="De link is beschikbaar vanaf {date}, {time} ({zone}).",
        zoom_failed_title="Zoom is niet gekoppeld",
        zoom_failed={
            "invalid-input": "Dit koppelverzoek is niet geldig. Begin opnieuw vanaf je website.",
            "conflict": "Dit koppelverzoek is al gebruikt. Begin opnieuw vanaf je website.",
            "gone": "Dit koppelverzoek is verlopen. Begin opnieuw vanaf je website.",
            "default": "Er is iets misgegaan. Begin opnieuw vanaf je website.",
        },
    ),
)
