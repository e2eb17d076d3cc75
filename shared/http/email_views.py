"""Answers of send_confirmation made from what the use cases return."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.http.email_models import TemplateView

if TYPE_CHECKING:
    from shared.services.templates import TemplateState


def template_view(state: TemplateState) -> TemplateView:
    return TemplateView(
        email_type=state.email_type,
        language=state.language,
        show_online_section=state.show_online_section,
        custom=state.custom is not None,
        subject=state.subject,
        body=state.custom.body if state.custom else None,
        warnings=list(state.warnings),
    )
