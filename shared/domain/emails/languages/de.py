"""Deutsch ("Sie", wie im Geschäftsverkehr mit Kundinnen und Kunden üblich; "Termin", "Buchung")."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"

PHRASES = Phrases(
    email=EmailWording(
        greeting="Guten Tag [recipient_name],",
        greeting_unnamed="Guten Tag,",
        signoff="Viele Grüße",  # no comma after the closing in German
        when="Datum und Uhrzeit: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                "Ihre Buchung ist bestätigt: [service_name]",
                "Ihre Buchung für [service_name] ist bestätigt.",
            ),
            T.REMINDER: (
                "Erinnerung: [service_name] am [session_day]",
                "Wir erinnern Sie an Ihren bevorstehenden Termin: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                "Ihre Buchung wurde geändert: [service_name]",
                "Ihre Buchung für [service_name] wurde geändert.",
            ),
            T.COURSE_CHANGED: (
                "Ihr Kurs wurde geändert: [service_name]",
                "Die Angaben zu Ihrem Kurs [service_name] wurden geändert.",
            ),
            T.REQUEST_APPROVED: (
                "Ihre Anfrage wurde angenommen: [service_name]",
                "Ihre Terminanfrage für [service_name] wurde angenommen.",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"Neue Buchung: [client_name], [service_name], {_ON}",
                "[client_name] hat [service_name] gebucht.",
            ),
            T.REMINDER: (
                f"Erinnerung: [service_name] mit [client_name], {_ON}",
                "Wir erinnern Sie an Ihren bevorstehenden Termin mit [client_name]: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Buchung geändert: [client_name], [service_name], {_ON}",
                "Die Buchung von [client_name] für [service_name] wurde geändert.",
            ),
            T.COURSE_CHANGED: (
                f"Kurs geändert: [client_name], [service_name], {_ON}",
                "Der Kurs [service_name], gebucht von [client_name], wurde geändert.",
            ),
            T.REQUEST_APPROVED: (
                f"Anfrage angenommen: [client_name], [service_name], {_ON}",
                "Die Terminanfrage von [client_name] für [service_name] wurde angenommen.",
            ),
        },
        booking_cancelled=(
            "Ihre Buchung wurde storniert: [service_name]",
            "Ihre Buchung für [service_name] wurde storniert.",
        ),
        session_cancelled=(
            "Termin abgesagt: [service_name] am [session_day]",
            "Leider müssen wir den Termin [service_name] absagen. Ihre Buchung ist damit storniert. "
            "Bitte entschuldigen Sie die Unannehmlichkeiten.",
        ),
        staff_booking_cancelled=(
            f"Buchung storniert: [client_name], [service_name], {_ON}",
            "Die Buchung von [client_name] für [service_name] wurde storniert.",
        ),
        staff_session_cancelled=(
            f"Termin abgesagt: [service_name], {_ON}",
            "Der Termin [service_name] wurde abgesagt; damit ist auch die Buchung von [client_name] "
            "storniert.",
        ),
        changes_heading="Was sich geändert hat:",
        time_changed="Neue Uhrzeit: {new} (bisher: {old})",
        link_changed="Der Link zur Teilnahme hat sich geändert: Bitte nutzen Sie den Link unten.",
        now_in_person=(
            "Dieser Termin findet jetzt vor Ort statt: Einen Link zur Teilnahme gibt es nicht mehr."
        ),
        now_online="Dieser Termin findet jetzt online statt: Bitte nehmen Sie über den Link unten teil.",
        password_changed="Neues Passwort: {password}",
        host_changed="Ihr Termin wird jetzt von {new} geleitet.",
        host_instead=" (bisher: {old})",
        host_changed_unnamed="Ihr Termin wird jetzt von einer anderen Person geleitet.",
        join_heading="Online teilnehmen",
        join_button="Jetzt teilnehmen",
        join_link="Link zur Teilnahme",
        host_heading="Ihr Host-Link",
        host_button="Meeting starten",
        host_link="Host-Link",
        password="Passwort",
        colon=": ",
        opens_at="Der Link ist ab {time} Uhr verfügbar.",
        opens_on="Der Link ist ab {date}, {time} Uhr verfügbar.",
    ),
    page=PageWording(
        unknown_title="Dieser Link ist ungültig",
        unknown_message="Der Link ist möglicherweise unvollständig, oder die Buchung wurde storniert.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "Kein Meeting-Link",
                "Das Unternehmen hat kein Videokonferenz-Konto verbunden. Bitte wenden Sie sich an "
                "das Unternehmen.",
            ),
            Reason.SERVICE_NOT_ONLINE: (
                "Kein Meeting-Link",
                "Für diese Leistung gibt es kein Online-Meeting.",
            ),
            Reason.SESSION_CANCELLED: (
                "Dieser Termin wurde abgesagt",
                "Das Unternehmen hat den Termin abgesagt.",
            ),
            Reason.OFFLINE: ("Dieser Termin findet vor Ort statt", "Es gibt dafür kein Online-Meeting."),
            Reason.BOOKING_CANCELLED: (
                "Diese Buchung wurde storniert",
                "Ihr Link öffnet das Meeting nicht mehr.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "Hier kein Meeting-Link",
                "Das Unternehmen zeigt Meeting-Links hier nicht an. Bitte nutzen Sie den Link aus "
                "Ihrer E-Mail.",
            ),
            Reason.NOT_YET_OPEN: (
                "Das Meeting ist noch nicht geöffnet",
                "Der Link ist kurz vor Beginn des Termins verfügbar.",
            ),
            Reason.NEEDS_RECONNECT: (
                "Das Meeting ist nicht verfügbar",
                "Das Unternehmen muss sein Videokonferenz-Konto erneut verbinden. Bitte versuchen "
                "Sie es später noch einmal oder wenden Sie sich an das Unternehmen.",
            ),
            Reason.PENDING: ("Das Meeting wird vorbereitet", "Bitte versuchen Sie es gleich noch einmal."),
        },
        opens_at="Er ist ab {date}, {time} Uhr verfügbar ({zone}).",
        zoom_failed_title="Zoom wurde nicht verbunden",
        zoom_failed={
            "invalid-input": "Diese Verbindungsanfrage ist ungültig. Bitte beginnen Sie erneut auf "
            "Ihrer Website.",
            "conflict": "Diese Verbindungsanfrage wurde bereits verwendet. Bitte beginnen Sie erneut "
            "auf Ihrer Website.",
            "gone": "Diese Verbindungsanfrage ist abgelaufen. Bitte beginnen Sie erneut auf Ihrer Website.",
            "default": "Etwas ist schiefgelaufen. Bitte beginnen Sie erneut auf Ihrer Website.",
        },
    ),
)
