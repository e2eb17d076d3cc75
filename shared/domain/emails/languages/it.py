"""Italiano (del "tu", come Wix Bookings; saluto "Gentile", non "Ciao"; "sessione", "staff")."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"

PHRASES = Phrases(
    email=EmailWording(
        greeting="Gentile [recipient_name],",
        greeting_unnamed="Buongiorno,",
        signoff="Cordiali saluti,",
        when="Data e ora: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                "La tua prenotazione è confermata: [service_name]",
                "La tua prenotazione per [service_name] è confermata.",
            ),
            T.REMINDER: (
                "Promemoria: [service_name] il [session_day]",
                "Ti ricordiamo la tua prossima sessione: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                "La tua prenotazione è stata modificata: [service_name]",
                "La tua prenotazione per [service_name] è stata modificata.",
            ),
            T.COURSE_CHANGED: (
                "Il tuo corso è stato modificato: [service_name]",
                "I dettagli del tuo corso [service_name] sono stati modificati.",
            ),
            T.REQUEST_APPROVED: (
                "La tua richiesta è stata approvata: [service_name]",
                "La tua richiesta di prenotazione per [service_name] è stata approvata.",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"Nuova prenotazione: [client_name], [service_name], {_ON}",
                "[client_name] ha prenotato [service_name].",
            ),
            T.REMINDER: (
                f"Promemoria: [service_name] con [client_name], {_ON}",
                "Ti ricordiamo la tua prossima sessione con [client_name]: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Prenotazione modificata: [client_name], [service_name], {_ON}",
                "La prenotazione di [client_name] per [service_name] è stata modificata.",
            ),
            T.COURSE_CHANGED: (
                f"Corso modificato: [client_name], [service_name], {_ON}",
                "Il corso [service_name] prenotato da [client_name] è stato modificato.",
            ),
            T.REQUEST_APPROVED: (
                f"Richiesta approvata: [client_name], [service_name], {_ON}",
                "La richiesta di prenotazione di [client_name] per [service_name] è stata approvata.",
            ),
        },
        booking_cancelled=(
            "La tua prenotazione è stata annullata: [service_name]",
            "La tua prenotazione per [service_name] è stata annullata.",
        ),
        session_cancelled=(
            "Sessione annullata: [service_name] del [session_day]",
            "Siamo spiacenti, abbiamo dovuto annullare la sessione [service_name]. La tua prenotazione "
            "è quindi annullata. Ci scusiamo per l'inconveniente.",
        ),
        staff_booking_cancelled=(
            f"Prenotazione annullata: [client_name], [service_name], {_ON}",
            "La prenotazione di [client_name] per [service_name] è stata annullata.",
        ),
        staff_session_cancelled=(
            f"Sessione annullata: [service_name], {_ON}",
            "La sessione [service_name] è stata annullata; anche la prenotazione di [client_name] "
            "è annullata.",
        ),
        changes_heading="Cosa è cambiato:",
        time_changed="Nuovo orario: {new} (invece di {old})",
        link_changed="Il link per partecipare è cambiato: usa quello qui sotto.",
        now_in_person="Questa sessione ora si svolge in presenza: non c’è più un link per partecipare.",
        now_online="Questa sessione ora si svolge online: partecipa con il link qui sotto.",
        password_changed="Nuova password: {password}",
        host_changed="La tua sessione sarà ora tenuta da {new}.",
        host_instead=" (invece di {old})",
        host_changed_unnamed="La tua sessione sarà tenuta da un'altra persona.",
        join_heading="Partecipa online",
        join_button="Partecipa alla sessione",
        join_link="Link per partecipare",
        host_heading="Il tuo link per avviare la riunione",
        host_button="Avvia la riunione",
        host_link="Link dell'host",
        password="Password",
        colon=": ",
        opens_at="Il link sarà attivo dalle {time}.",
        opens_on="Il link sarà attivo dalle {time} di {date}.",
    ),
    page=PageWording(
        unknown_title="Questo link non è valido",
        unknown_message="Il link potrebbe essere incompleto, oppure la prenotazione è stata annullata.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "Nessun link alla riunione",
                "L'attività non ha collegato un account di videoconferenza. Contattala direttamente.",
            ),
            Reason.SERVICE_NOT_ONLINE: (
                "Nessun link alla riunione",
                "Questo servizio non prevede una riunione online.",
            ),
            Reason.SESSION_CANCELLED: (
                "Questa sessione è stata annullata",
                "L'attività ha annullato la sessione.",
            ),
            Reason.OFFLINE: ("Questa sessione si svolge di persona", "Non è prevista una riunione online."),
            Reason.BOOKING_CANCELLED: (
                "Questa prenotazione è stata annullata",
                "Il suo link non apre più la riunione.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "Nessun link alla riunione qui",
                "L'attività non mostra qui i link alle riunioni. Usa il link che hai ricevuto via email.",
            ),
            Reason.NOT_YET_OPEN: (
                "La riunione non è ancora aperta",
                "Il link sarà attivo poco prima dell'inizio della sessione.",
            ),
            Reason.NEEDS_RECONNECT: (
                "La riunione non è disponibile",
                "L'attività deve collegare di nuovo il suo account di videoconferenza. Riprova più "
                "tardi o contattala.",
            ),
            Reason.PENDING: ("La riunione è in preparazione", "Riprova tra un momento."),
        },
        opens_at="Sarà attivo dalle {time} di {date} ({zone}).",
        zoom_failed_title="Zoom non è stato collegato",
        zoom_failed={
            "invalid-input": "Questa richiesta di collegamento non è valida. Ricomincia dal tuo sito.",
            "conflict": "Questa richiesta di collegamento è già stata usata. Ricomincia dal tuo sito.",
            "gone": "Questa richiesta di collegamento è scaduta. Ricomincia dal tuo sito.",
            "default": "Si è verificato un errore. Ricomincia dal tuo sito.",
        },
    ),
)
