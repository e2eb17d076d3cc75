"""Español (tuteo, como Wix Bookings; "reserva", "sesión"; "Hola, Ada:" con dos puntos)."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"

PHRASES = Phrases(
    email=EmailWording(
        greeting="Hola, [recipient_name]:",
        greeting_unnamed="Hola:",
        signoff="Un saludo,",
        when="Fecha y hora: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                "Tu reserva está confirmada: [service_name]",
                "Tu reserva de [service_name] está confirmada.",
            ),
            T.REMINDER: (
                "Recordatorio: [service_name] el [session_day]",
                "Te recordamos tu próxima sesión: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                "Se ha modificado tu reserva: [service_name]",
                "Se ha modificado tu reserva de [service_name].",
            ),
            T.COURSE_CHANGED: (
                "Se ha modificado tu curso: [service_name]",
                "Se han modificado los detalles de tu curso [service_name].",
            ),
            T.REQUEST_APPROVED: (
                "Se ha aprobado tu solicitud: [service_name]",
                "Se ha aprobado tu solicitud de reserva de [service_name].",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"Nueva reserva: [client_name], [service_name], {_ON}",
                "[client_name] ha reservado [service_name].",
            ),
            T.REMINDER: (
                f"Recordatorio: [service_name] con [client_name], {_ON}",
                "Te recordamos tu próxima sesión con [client_name]: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Reserva modificada: [client_name], [service_name], {_ON}",
                "Se ha modificado la reserva de [client_name] para [service_name].",
            ),
            T.COURSE_CHANGED: (
                f"Curso modificado: [client_name], [service_name], {_ON}",
                "Se ha modificado el curso [service_name] que reservó [client_name].",
            ),
            T.REQUEST_APPROVED: (
                f"Solicitud aprobada: [client_name], [service_name], {_ON}",
                "Se ha aprobado la solicitud de reserva de [client_name] para [service_name].",
            ),
        },
        booking_cancelled=(
            "Se ha cancelado tu reserva: [service_name]",
            "Se ha cancelado tu reserva de [service_name].",
        ),
        session_cancelled=(
            "Sesión cancelada: [service_name] el [session_day]",
            "Lamentablemente, hemos tenido que cancelar la sesión [service_name]. Por eso, tu reserva "
            "queda cancelada. Disculpa las molestias.",
        ),
        staff_booking_cancelled=(
            f"Reserva cancelada: [client_name], [service_name], {_ON}",
            "Se ha cancelado la reserva de [client_name] para [service_name].",
        ),
        staff_session_cancelled=(
            f"Sesión cancelada: [service_name], {_ON}",
            "Se ha cancelado la sesión [service_name]; la reserva de [client_name] también queda cancelada.",
        ),
        changes_heading="Qué ha cambiado:",
        time_changed="Nuevo horario: {new} (antes: {old})",
        link_changed="El enlace para unirte ha cambiado: usa el que aparece abajo.",
        now_in_person="Esta sesión ahora es presencial: ya no hay enlace para unirte.",
        now_online="Esta sesión ahora es en línea: únete con el enlace que aparece abajo.",
        password_changed="Nueva contraseña: {password}",
        host_changed="Tu sesión la impartirá ahora {new}.",
        host_instead=" (en lugar de {old})",
        host_changed_unnamed="Tu sesión la impartirá otra persona.",
        join_heading="Unirse en línea",
        join_button="Unirme a la sesión",
        join_link="Enlace para unirte",
        host_heading="Tu enlace de anfitrión",
        host_button="Iniciar la reunión",
        host_link="Enlace de anfitrión",
        password="Contraseña",
        colon=": ",
        opens_at="El enlace estará disponible a partir de las {time}.",
        opens_on="El enlace estará disponible a partir del {date}, a las {time}.",
    ),
    page=PageWording(
        unknown_title="Este enlace no es válido",
        unknown_message="Puede que el enlace esté incompleto o que la reserva se haya cancelado.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "No hay enlace a la reunión",
                "El negocio no ha conectado ninguna cuenta de videoconferencia. Ponte en contacto con él.",
            ),
            Reason.SERVICE_NOT_ONLINE: (
                "No hay enlace a la reunión",
                "Este servicio no tiene reunión en línea.",
            ),
            Reason.SESSION_CANCELLED: ("Esta sesión se ha cancelado", "El negocio ha cancelado esta sesión."),
            Reason.OFFLINE: ("Esta sesión es presencial", "No tiene reunión en línea."),
            Reason.BOOKING_CANCELLED: (
                "Esta reserva se ha cancelado",
                "Su enlace ya no abre la reunión.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "Aquí no hay enlace a la reunión",
                "El negocio no muestra aquí los enlaces. Usa el enlace que recibiste por correo electrónico.",
            ),
            Reason.NOT_YET_OPEN: (
                "La reunión aún no está abierta",
                "El enlace estará disponible poco antes de que empiece la sesión.",
            ),
            Reason.NEEDS_RECONNECT: (
                "La reunión no está disponible",
                "El negocio tiene que volver a conectar su cuenta de videoconferencia. Inténtalo más "
                "tarde o ponte en contacto con él.",
            ),
            Reason.PENDING: ("Estamos preparando la reunión", "Inténtalo de nuevo en un momento."),
        },
        opens_at="Estará disponible a partir del {date}, a las {time} ({zone}).",
        zoom_failed_title="Zoom no se ha conectado",
        zoom_failed={
            "invalid-input": "Esta solicitud de conexión no es válida. Vuelve a empezar desde tu sitio.",
            "conflict": "Esta solicitud de conexión ya se ha usado. Vuelve a empezar desde tu sitio.",
            "gone": "Esta solicitud de conexión ha caducado. Vuelve a empezar desde tu sitio.",
            "default": "Se ha producido un error. Vuelve a empezar desde tu sitio.",
        },
    ),
)
