"""Português do Brasil (como o Wix Bookings pt-BR: "agendamento", "equipe", "sessão", "senha")."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"

PHRASES = Phrases(
    email=EmailWording(
        greeting="Olá, [recipient_name],",
        greeting_unnamed="Olá,",
        signoff="Atenciosamente,",
        when="Data e horário: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                "Seu agendamento está confirmado: [service_name]",
                "Seu agendamento de [service_name] está confirmado.",
            ),
            T.REMINDER: (
                "Lembrete: [service_name] em [session_day]",
                "Este é um lembrete da sua próxima sessão: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                "Seu agendamento foi alterado: [service_name]",
                "Seu agendamento de [service_name] foi alterado.",
            ),
            T.COURSE_CHANGED: (
                "Seu curso foi alterado: [service_name]",
                "As informações do seu curso [service_name] foram alteradas.",
            ),
            T.REQUEST_APPROVED: (
                "Sua solicitação foi aprovada: [service_name]",
                "Sua solicitação de agendamento de [service_name] foi aprovada.",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"Novo agendamento: [client_name], [service_name], {_ON}",
                "[client_name] agendou [service_name].",
            ),
            T.REMINDER: (
                f"Lembrete: [service_name] com [client_name], {_ON}",
                "Este é um lembrete da sua próxima sessão com [client_name]: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Agendamento alterado: [client_name], [service_name], {_ON}",
                "O agendamento de [client_name] para [service_name] foi alterado.",
            ),
            T.COURSE_CHANGED: (
                f"Curso alterado: [client_name], [service_name], {_ON}",
                "O curso [service_name], agendado por [client_name], foi alterado.",
            ),
            T.REQUEST_APPROVED: (
                f"Solicitação aprovada: [client_name], [service_name], {_ON}",
                "A solicitação de agendamento de [client_name] para [service_name] foi aprovada.",
            ),
        },
        booking_cancelled=(
            "Seu agendamento foi cancelado: [service_name]",
            "Seu agendamento de [service_name] foi cancelado.",
        ),
        session_cancelled=(
            "Sessão cancelada: [service_name] em [session_day]",
            "Infelizmente, tivemos que cancelar a sessão [service_name]. Por isso, seu agendamento "
            "foi cancelado. Pedimos desculpas pelo transtorno.",
        ),
        staff_booking_cancelled=(
            f"Agendamento cancelado: [client_name], [service_name], {_ON}",
            "O agendamento de [client_name] para [service_name] foi cancelado.",
        ),
        staff_session_cancelled=(
            f"Sessão cancelada: [service_name], {_ON}",
            "A sessão [service_name] foi cancelada; o agendamento de [client_name] também foi cancelado.",
        ),
        changes_heading="O que mudou:",
        time_changed="Novo horário: {new} (antes: {old})",
        link_changed="O link para participar mudou: use o link abaixo.",
        now_in_person="Esta sessão agora é presencial: não há mais link para participar.",
        now_online="Esta sessão agora é online: participe pelo link abaixo.",
        password_changed="Nova senha: {password}",
        host_changed="Sua sessão agora será com {new}.",
        host_instead=" (antes: {old})",
        host_changed_unnamed="Sua sessão será conduzida por outra pessoa.",
        join_heading="Participar online",
        join_button="Entrar na sessão",
        join_link="Link para participar",
        host_heading="Seu link de anfitrião",
        host_button="Iniciar a reunião",
        host_link="Link de anfitrião",
        password="Senha",
        colon=": ",
        opens_at="O link estará disponível a partir das {time}.",
        opens_on="O link estará disponível a partir de {date}, às {time}.",
    ),
    page=PageWording(
        unknown_title="Este link não é válido",
        unknown_message="O link pode estar incompleto, ou o agendamento foi cancelado.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "Nenhum link de reunião",
                "A empresa não conectou uma conta de videoconferência. Entre em contato com ela.",
            ),
            Reason.SERVICE_NOT_ONLINE: ("Nenhum link de reunião", "Este serviço não tem reunião online."),
            Reason.SESSION_CANCELLED: ("Esta sessão foi cancelada", "A empresa cancelou esta sessão."),
            Reason.OFFLINE: ("Esta sessão é presencial", "Ela não tem reunião online."),
            Reason.BOOKING_CANCELLED: (
                "Este agendamento foi cancelado",
                "O link dele não abre mais a reunião.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "Nenhum link de reunião aqui",
                "A empresa não mostra os links de reunião aqui. Use o link que você recebeu por email.",
            ),
            Reason.NOT_YET_OPEN: (
                "A reunião ainda não está aberta",
                "O link fica disponível pouco antes do início da sessão.",
            ),
            Reason.NEEDS_RECONNECT: (
                "A reunião não está disponível",
                "A empresa precisa conectar de novo a conta de videoconferência. Tente novamente "
                "mais tarde ou entre em contato com ela.",
            ),
            Reason.PENDING: ("A reunião está sendo preparada", "Tente novamente em alguns instantes."),
        },
        opens_at="Ele estará disponível a partir de {date}, às {time} ({zone}).",
        zoom_failed_title="O Zoom não foi conectado",
        zoom_failed={
            "invalid-input": "Esta solicitação de conexão não é válida. Comece de novo pelo seu site.",
            "conflict": "Esta solicitação de conexão já foi usada. Comece de novo pelo seu site.",
            "gone": "Esta solicitação de conexão expirou. Comece de novo pelo seu site.",
            "default": "Ocorreu um erro. Comece de novo pelo seu site.",
        },
    ),
)
