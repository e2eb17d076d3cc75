"""Per-site email template settings (W14) and custom templates (S05)."""

import dataclasses
from dataclasses import dataclass

from pydantic import BaseModel

from shared.adapters.repository import Repository
from shared.domain.emails.templates import CustomTemplate, default_template
from shared.domain.emails.variables import missing_join_details, validate_custom_template
from shared.domain.errors import InvalidInput
from shared.domain.models import EmailType, Language, Site


class StoredTemplate(BaseModel):
    site_id: str
    email_type: EmailType
    language: Language
    subject: str
    body: str


@dataclass(frozen=True)
class TemplateState:
    """What a site's email of one type looks like in one language."""

    email_type: EmailType
    language: Language
    show_online_section: bool
    custom: CustomTemplate | None
    subject: str
    warnings: tuple[str, ...] = ()  # what a saved template leaves out that clients need (S05)


def custom_template(
    repo: Repository, site_id: str, email_type: EmailType, language: Language
) -> CustomTemplate | None:
    stored = repo.get_template(site_id, email_type.value, language.value, StoredTemplate)
    return CustomTemplate(subject=stored.subject, body=stored.body) if stored else None


def state(repo: Repository, site: Site, email_type: EmailType, language: Language | None) -> TemplateState:
    language = language or site.settings.language
    custom = custom_template(repo, site.site_id, email_type, language)
    return TemplateState(
        email_type=email_type,
        language=language,
        show_online_section=email_type not in site.settings.hidden_email_sections,
        custom=custom,
        subject=custom.subject if custom else default_template(email_type, language).subject,
    )


def save(
    repo: Repository,
    site: Site,
    email_type: EmailType,
    *,
    show_online_section: bool | None,
    language: Language | None,
    subject: str | None,
    body: str | None,
) -> TemplateState:
    """W14 show/hide the section; S05 a custom template, checked now rather than when an email goes out."""
    language = language or site.settings.language
    if (subject is None) != (body is None):
        raise InvalidInput("A custom template needs both 'subject' and 'body'.")

    def toggle(current: Site) -> Site:
        if show_online_section is None:
            return current
        hidden = set(current.settings.hidden_email_sections)
        (hidden.discard if show_online_section else hidden.add)(email_type)
        settings = current.settings.model_copy(update={"hidden_email_sections": frozenset(hidden)})
        return current.model_copy(update={"settings": settings})

    if subject is not None and body is not None:
        validate_custom_template(subject, body)
        stored = StoredTemplate(
            site_id=site.site_id, email_type=email_type, language=language, subject=subject, body=body
        )
        site = repo.save_template(site.site_id, email_type.value, language.value, stored, toggle)
    elif show_online_section is not None:
        _, site = repo.update_site(site.site_id, toggle)
    saved = state(repo, site, email_type, language)
    missing = missing_join_details(body or "")
    if not missing:
        return saved
    names = ", ".join(f"[{name}]" for name in missing)
    warning = f"The body places [online_meeting_link] without {names}: clients will not see them."
    return dataclasses.replace(saved, warnings=(warning,))


def reset(repo: Repository, site: Site, email_type: EmailType) -> TemplateState:
    """W14: back to the default template in every language, with the online-join section shown."""

    def show(current: Site) -> Site:
        hidden = frozenset(current.settings.hidden_email_sections - {email_type})
        return current.model_copy(
            update={"settings": current.settings.model_copy(update={"hidden_email_sections": hidden})}
        )

    site = repo.reset_templates(site.site_id, email_type.value, show)
    return state(repo, site, email_type, None)
