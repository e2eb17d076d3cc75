"""The default templates (W13) in English, French, Italian, Portuguese and Dutch (X06).

Templates, default or custom (S05), are plain text with `[variables]` (variables.py).
The online-join section is not part of a default body: the renderer adds it, in the
site's language, when the site shows it for that email type and a link resolves (W14).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.models import EmailType, Language


@dataclass(frozen=True)
class CustomTemplate:
    subject: str
    body: str


T = EmailType
_WHEN = "[session_date], [session_time] ([timezone])"

_DEFAULTS: dict[Language, dict[EmailType, tuple[str, str]]] = {
    Language.EN: {
        T.BOOKING_CONFIRMATION: (
            "Your booking is confirmed: [service_name]",
            f"Your booking for [service_name] on {_WHEN} is confirmed.",
        ),
        T.REMINDER: (
            "Reminder: [service_name] on [session_date]",
            f"This is a reminder of your upcoming session: [service_name], {_WHEN}.",
        ),
        T.BOOKING_CHANGED: (
            "Your booking has changed: [service_name]",
            f"Your booking for [service_name] has changed. Here are its details now: {_WHEN}.",
        ),
        T.COURSE_CHANGED: (
            "Your course has changed: [service_name]",
            f"The details of your course [service_name] have changed. Session: {_WHEN}.",
        ),
        T.REQUEST_APPROVED: (
            "Your request is approved: [service_name]",
            f"Your request for [service_name] on {_WHEN} has been approved.",
        ),
    },
    Language.FR: {
        T.BOOKING_CONFIRMATION: (
            "Votre réservation est confirmée : [service_name]",
            f"Votre réservation pour [service_name] le {_WHEN} est confirmée.",
        ),
        T.REMINDER: (
            "Rappel : [service_name] le [session_date]",
            f"Nous vous rappelons votre prochaine séance : [service_name], {_WHEN}.",
        ),
        T.BOOKING_CHANGED: (
            "Votre réservation a changé : [service_name]",
            f"Votre réservation pour [service_name] a changé. Voici ses détails : {_WHEN}.",
        ),
        T.COURSE_CHANGED: (
            "Votre cours a changé : [service_name]",
            f"Les détails de votre cours [service_name] ont changé. Séance : {_WHEN}.",
        ),
        T.REQUEST_APPROVED: (
            "Votre demande est acceptée : [service_name]",
            f"Votre demande pour [service_name] le {_WHEN} a été acceptée.",
        ),
    },
    Language.IT: {
        T.BOOKING_CONFIRMATION: (
            "La tua prenotazione è confermata: [service_name]",
            f"La tua prenotazione per [service_name] il {_WHEN} è confermata.",
        ),
        T.REMINDER: (
            "Promemoria: [service_name] il [session_date]",
            f"Ti ricordiamo la tua prossima sessione: [service_name], {_WHEN}.",
        ),
        T.BOOKING_CHANGED: (
            "La tua prenotazione è cambiata: [service_name]",
            f"La tua prenotazione per [service_name] è cambiata. Ecco i dettagli: {_WHEN}.",
        ),
        T.COURSE_CHANGED: (
            "Il tuo corso è cambiato: [service_name]",
            f"I dettagli del tuo corso [service_name] sono cambiati. Sessione: {_WHEN}.",
        ),
        T.REQUEST_APPROVED: (
            "La tua richiesta è stata approvata: [service_name]",
            f"La tua richiesta per [service_name] il {_WHEN} è stata approvata.",
        ),
    },
    Language.PT: {
        T.BOOKING_CONFIRMATION: (
            "A sua reserva está confirmada: [service_name]",
            f"A sua reserva de [service_name] em {_WHEN} está confirmada.",
        ),
        T.REMINDER: (
            "Lembrete: [service_name] em [session_date]",
            f"Lembramos a sua próxima sessão: [service_name], {_WHEN}.",
        ),
        T.BOOKING_CHANGED: (
            "A sua reserva foi alterada: [service_name]",
            f"A sua reserva de [service_name] foi alterada. Os detalhes agora são: {_WHEN}.",
        ),
        T.COURSE_CHANGED: (
            "O seu curso foi alterado: [service_name]",
            f"Os detalhes do seu curso [service_name] foram alterados. Sessão: {_WHEN}.",
        ),
        T.REQUEST_APPROVED: (
            "O seu pedido foi aprovado: [service_name]",
            f"O seu pedido de [service_name] em {_WHEN} foi aprovado.",
        ),
    },
    Language.NL: {
        T.BOOKING_CONFIRMATION: (
            "Uw boeking is bevestigd: [service_name]",
            f"Uw boeking voor [service_name] op {_WHEN} is bevestigd.",
        ),
        T.REMINDER: (
            "Herinnering: [service_name] op [session_date]",
            f"Een herinnering aan uw volgende sessie: [service_name], {_WHEN}.",
        ),
        T.BOOKING_CHANGED: (
            "Uw boeking is gewijzigd: [service_name]",
            f"Uw boeking voor [service_name] is gewijzigd. De gegevens zijn nu: {_WHEN}.",
        ),
        T.COURSE_CHANGED: (
            "Uw cursus is gewijzigd: [service_name]",
            f"De gegevens van uw cursus [service_name] zijn gewijzigd. Sessie: {_WHEN}.",
        ),
        T.REQUEST_APPROVED: (
            "Uw aanvraag is goedgekeurd: [service_name]",
            f"Uw aanvraag voor [service_name] op {_WHEN} is goedgekeurd.",
        ),
    },
}

_GREETINGS = {
    Language.EN: "Hello",
    Language.FR: "Bonjour",
    Language.IT: "Ciao",
    Language.PT: "Olá",
    Language.NL: "Hallo",
}


@dataclass(frozen=True)
class Labels:
    join_heading: str
    join_link: str
    host_link: str
    password: str
    opens_at: str
    staff_copy: str
    months: tuple[str, ...]


LABELS: dict[Language, Labels] = {
    Language.EN: Labels(
        "Join online",
        "Join link",
        "Your host link",
        "Password",
        "The link opens at",
        "Staff copy: booking of",
        (
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ),
    ),
    Language.FR: Labels(
        "Rejoindre en ligne",
        "Lien pour rejoindre",
        "Votre lien d'animateur",
        "Mot de passe",
        "Le lien s'ouvre à",
        "Copie pour l'équipe : réservation de",
        (
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ),
    ),
    Language.IT: Labels(
        "Partecipa online",
        "Link per partecipare",
        "Il tuo link da organizzatore",
        "Password",
        "Il link si apre alle",
        "Copia per lo staff: prenotazione di",
        (
            "gennaio",
            "febbraio",
            "marzo",
            "aprile",
            "maggio",
            "giugno",
            "luglio",
            "agosto",
            "settembre",
            "ottobre",
            "novembre",
            "dicembre",
        ),
    ),
    Language.PT: Labels(
        "Participar online",
        "Link de acesso",
        "O seu link de anfitrião",
        "Senha",
        "O link abre às",
        "Cópia para a equipa: reserva de",
        (
            "janeiro",
            "fevereiro",
            "março",
            "abril",
            "maio",
            "junho",
            "julho",
            "agosto",
            "setembro",
            "outubro",
            "novembro",
            "dezembro",
        ),
    ),
    Language.NL: Labels(
        "Online deelnemen",
        "Deelnamelink",
        "Uw hostlink",
        "Wachtwoord",
        "De link opent om",
        "Kopie voor medewerker: boeking van",
        (
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ),
    ),
}


_CANCELLED: dict[Language, tuple[str, str]] = {
    Language.EN: (
        "Your booking is cancelled: [service_name]",
        f"Your booking for [service_name] on {_WHEN} is cancelled.",
    ),
    Language.FR: (
        "Votre réservation est annulée : [service_name]",
        f"Votre réservation pour [service_name] le {_WHEN} est annulée.",
    ),
    Language.IT: (
        "La tua prenotazione è annullata: [service_name]",
        f"La tua prenotazione per [service_name] il {_WHEN} è annullata.",
    ),
    Language.PT: (
        "A sua reserva foi cancelada: [service_name]",
        f"A sua reserva de [service_name] em {_WHEN} foi cancelada.",
    ),
    Language.NL: (
        "Uw boeking is geannuleerd: [service_name]",
        f"Uw boeking voor [service_name] op {_WHEN} is geannuleerd.",
    ),
}


def default_template(email_type: EmailType, language: Language, *, cancelled: bool = False) -> CustomTemplate:
    """The default of a type; a `booking_changed` email about a cancelled booking says so."""
    if cancelled and email_type is EmailType.BOOKING_CHANGED:
        subject, body = _CANCELLED[language]
        return CustomTemplate(
            subject=subject, body=f"{_GREETINGS[language]} [recipient_name],\n\n{body}\n\n[site_name]"
        )
    subject, body = _DEFAULTS[language][email_type]
    return CustomTemplate(
        subject=subject, body=f"{_GREETINGS[language]} [recipient_name],\n\n{body}\n\n[site_name]"
    )
