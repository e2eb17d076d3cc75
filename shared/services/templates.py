"""Per-site email template settings (W14) and custom templates (S05)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.adapters.repository import Store, from_item, site_pk
from shared.domain.emails.templates import CustomTemplate, default_template
from shared.domain.emails.variables import missing_join_details, validate_custom_template
from shared.domain.models import EmailType, Language, Site


class StoredTemplate(BaseModel):
    site_id: str
    email_type: EmailType
    language: Language
    subject: str
    body: str


class TemplateInput(BaseModel):
    """Show or hide the online-join section; optionally a custom subject and body for one language."""

    model_config = {"extra": "forbid"}
    show_online_section: bool | None = None
    language: Language | None = None
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=20000)


class TemplateView(BaseModel):
    email_type: EmailType
    language: Language
    show_online_section: bool
    custom: bool
    subject: str
    body: str | None = Field(
        default=None, description="The custom body; null while the default template is used"
    )
    warnings: list[str] = Field(
        default_factory=list, description="What the saved template leaves out that clients need (S05)"
    )


def _key(site_id: str, email_type: EmailType, language: Language) -> dict[str, str]:
    return {"pk": site_pk(site_id), "sk": f"TEMPLATE#{email_type.value}#{language.value}"}


def custom_template(
    store: Store, site_id: str, email_type: EmailType, language: Language
) -> CustomTemplate | None:
    stored = store.get(store.accounts, _key(site_id, email_type, language), StoredTemplate)
    return CustomTemplate(subject=stored.subject, body=stored.body) if stored else None


def view(store: Store, site: Site, email_type: EmailType, language: Language | None) -> TemplateView:
    language = language or site.settings.language
    custom = custom_template(store, site.site_id, email_type, language)
    return TemplateView(
        email_type=email_type,
        language=language,
        show_online_section=email_type not in site.settings.hidden_email_sections,
        custom=custom is not None,
        subject=custom.subject if custom else default_template(email_type, language).subject,
        body=custom.body if custom else None,
    )


def save(store: Store, site: Site, email_type: EmailType, body: TemplateInput) -> TemplateView:
    """W14 show/hide the section; S05 a custom template, checked now rather than when an email goes out."""
    language = body.language or site.settings.language
    if (body.subject is None) != (body.body is None):
        from shared.domain.errors import InvalidInput

        raise InvalidInput("A custom template needs both 'subject' and 'body'.")
    if body.subject is not None and body.body is not None:
        validate_custom_template(body.subject, body.body)
        stored = StoredTemplate(
            site_id=site.site_id,
            email_type=email_type,
            language=language,
            subject=body.subject,
            body=body.body,
        )
        store.put(store.accounts, stored, _key(site.site_id, email_type, language))
    if body.show_online_section is not None:
        hidden = set(site.settings.hidden_email_sections)
        (hidden.discard if body.show_online_section else hidden.add)(email_type)
        site = site.model_copy(
            update={"settings": site.settings.model_copy(update={"hidden_email_sections": frozenset(hidden)})}
        )
        store.save_site(site)
    saved = view(store, site, email_type, language)
    missing = missing_join_details(body.body or "")
    if not missing:
        return saved
    names = ", ".join(f"[{name}]" for name in missing)
    warning = f"The body places [online_meeting_link] without {names}: clients will not see them."
    return saved.model_copy(update={"warnings": [warning]})


def reset(store: Store, site: Site, email_type: EmailType) -> TemplateView:
    """W14: back to the default template in every language, with the online-join section shown."""
    for item in list(
        store.query(store.accounts, site_pk(site.site_id), sk_prefix=f"TEMPLATE#{email_type.value}#")
    ):
        stored = from_item(StoredTemplate, item)
        store.delete(store.accounts, _key(site.site_id, stored.email_type, stored.language))
    hidden = frozenset(site.settings.hidden_email_sections - {email_type})
    site = site.model_copy(
        update={"settings": site.settings.model_copy(update={"hidden_email_sections": hidden})}
    )
    store.save_site(site)
    return view(store, site, email_type, None)
