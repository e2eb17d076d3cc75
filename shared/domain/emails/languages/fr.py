"""Français (vouvoiement, « séance » et « réservation » comme Wix Réservations ; espace
insécable avant les deux-points)."""

from shared.domain.emails.languages import EmailWording, PageWording, Phrases
from shared.domain.models import EmailType as T
from shared.domain.resolver import Reason

_ON = "[session_day], [session_time]"
_ = "\u00a0"  # no-break space before ":" (French typography)

PHRASES = Phrases(
    email=EmailWording(
        greeting="Bonjour [recipient_name],",
        greeting_unnamed="Bonjour,",
        signoff="Cordialement,",
        when=f"Date et heure{_}: [session_date], [session_time] ([timezone])",
        client={
            T.BOOKING_CONFIRMATION: (
                f"Votre réservation est confirmée{_}: [service_name]",
                "Votre réservation pour [service_name] est confirmée.",
            ),
            T.REMINDER: (
                f"Rappel{_}: [service_name] le [session_day]",
                f"Nous vous rappelons votre prochaine séance{_}: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Votre réservation a été modifiée{_}: [service_name]",
                "Votre réservation pour [service_name] a été modifiée.",
            ),
            T.COURSE_CHANGED: (
                f"Votre cours a été modifié{_}: [service_name]",
                "Les informations de votre cours [service_name] ont été modifiées.",
            ),
            T.REQUEST_APPROVED: (
                f"Votre demande a été acceptée{_}: [service_name]",
                "Votre demande de réservation pour [service_name] a été acceptée.",
            ),
        },
        staff={
            T.BOOKING_CONFIRMATION: (
                f"Nouvelle réservation{_}: [client_name], [service_name], {_ON}",
                "[client_name] a réservé [service_name].",
            ),
            T.REMINDER: (
                f"Rappel{_}: [service_name] avec [client_name], {_ON}",
                f"Nous vous rappelons votre prochaine séance avec [client_name]{_}: [service_name].",
            ),
            T.BOOKING_CHANGED: (
                f"Réservation modifiée{_}: [client_name], [service_name], {_ON}",
                "La réservation de [client_name] pour [service_name] a été modifiée.",
            ),
            T.COURSE_CHANGED: (
                f"Cours modifié{_}: [client_name], [service_name], {_ON}",
                "Le cours [service_name] réservé par [client_name] a été modifié.",
            ),
            T.REQUEST_APPROVED: (
                f"Demande acceptée{_}: [client_name], [service_name], {_ON}",
                "La demande de réservation de [client_name] pour [service_name] a été acceptée.",
            ),
        },
        booking_cancelled=(
            f"Votre réservation est annulée{_}: [service_name]",
            "Votre réservation pour [service_name] a été annulée.",
        ),
        session_cancelled=(
            f"Séance annulée{_}: [service_name] le [session_day]",
            "Nous sommes au regret d'annuler la séance [service_name]. Votre réservation est donc "
            "annulée. Veuillez nous excuser pour ce désagrément.",
        ),
        staff_booking_cancelled=(
            f"Réservation annulée{_}: [client_name], [service_name], {_ON}",
            "La réservation de [client_name] pour [service_name] a été annulée.",
        ),
        staff_session_cancelled=(
            f"Séance annulée{_}: [service_name], {_ON}",
            f"La séance [service_name] a été annulée{_}; la réservation de [client_name] l'est aussi.",
        ),
        changes_heading=f"Ce qui a changé{_}:",
        time_changed=f"Nouvel horaire{_}: {{new}} (au lieu de {{old}})",
        link_changed=f"Le lien pour rejoindre la séance a changé{_}: utilisez celui ci-dessous.",
        now_in_person=(
            f"Cette séance a désormais lieu en présentiel{_}: il n’y a plus de lien pour la rejoindre."
        ),
        now_online=f"Cette séance a désormais lieu en ligne{_}: rejoignez-la avec le lien ci-dessous.",
        password_changed=f"Nouveau mot de passe{_}: {{password}}",
        host_changed="Votre séance sera désormais animée par {new}.",
        host_instead=" (au lieu de {old})",
        host_changed_unnamed="Votre séance sera animée par une autre personne.",
        join_heading="Rejoindre en ligne",
        join_button="Rejoindre la séance",
        join_link="Lien pour rejoindre",
        host_heading="Votre lien d'animateur",
        host_button="Démarrer la réunion",
        host_link="Lien d'animateur",
        password="Mot de passe",
        colon=f"{_}: ",
        opens_at="Le lien sera actif à partir de {time}.",
        opens_on="Le lien sera actif à partir du {date} à {time}.",
    ),
    page=PageWording(
        unknown_title="Ce lien n'est pas valide",
        unknown_message="Le lien est peut-être incomplet, ou la réservation a été annulée.",
        reasons={
            Reason.DEFAULT_DISCONNECTED: (
                "Pas de lien de réunion",
                "L'établissement n'a connecté aucun compte de visioconférence. Veuillez le contacter.",
            ),
            Reason.SERVICE_NOT_ONLINE: ("Pas de lien de réunion", "Ce service n'a pas de réunion en ligne."),
            Reason.SESSION_CANCELLED: (
                "Cette séance a été annulée",
                "L'établissement a annulé cette séance.",
            ),
            Reason.OFFLINE: ("Cette séance a lieu en personne", "Elle n'a pas de réunion en ligne."),
            Reason.BOOKING_CANCELLED: (
                "Cette réservation a été annulée",
                "Son lien n'ouvre plus la réunion.",
            ),
            Reason.HIDDEN_FOR_CLIENT: (
                "Pas de lien de réunion ici",
                "L'établissement n'affiche pas les liens de réunion ici. Utilisez le lien reçu par e-mail.",
            ),
            Reason.NOT_YET_OPEN: (
                "La réunion n'est pas encore ouverte",
                "Le lien devient actif peu avant le début de la séance.",
            ),
            Reason.NEEDS_RECONNECT: (
                "La réunion n'est pas disponible",
                "L'établissement doit reconnecter son compte de visioconférence. Veuillez réessayer "
                "plus tard ou le contacter.",
            ),
            Reason.PENDING: ("La réunion est en cours de préparation", "Veuillez réessayer dans un instant."),
        },
        opens_at="Il sera actif à partir du {date} à {time} ({zone}).",
        zoom_failed_title="Zoom n'a pas été connecté",
        zoom_failed={
            "invalid-input": "Cette demande de connexion n'est pas valide. Recommencez depuis votre site.",
            "conflict": "Cette demande de connexion a déjà été utilisée. Recommencez depuis votre site.",
            "gone": "Cette demande de connexion a expiré. Recommencez depuis votre site.",
            "default": "Une erreur s'est produite. Recommencez depuis votre site.",
        },
    ),
)
