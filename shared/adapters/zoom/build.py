"""Zoom's provider, made from what the composition root offers (shared.adapters.provider_root).
The Zoom client and its token store are the root's (Zoom's connect flow, webhooks and host links
use them too) and are built on the provider's first call: a deployment without a Zoom app, or a
process that only reads links, never builds them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from shared.adapters.provider_root import ProviderRoot
from shared.adapters.zoom.provider import ZoomMeetings

if TYPE_CHECKING:
    from shared.adapters.zoom.client import ZoomClient
    from shared.adapters.zoom.tokens import AppCredentialsCache, TokenProvider


class ZoomRoot(ProviderRoot, Protocol):
    @property
    def zoom(self) -> ZoomClient: ...

    @property
    def tokens(self) -> TokenProvider: ...

    @property
    def zoom_app(self) -> AppCredentialsCache: ...


def build(root: ZoomRoot) -> ZoomMeetings:
    return ZoomMeetings(
        lambda: root.zoom,
        lambda: root.tokens,
        root.repo,
        root.repo.now,
        secret_prefix=root.token_secrets.prefix,
        state_key=lambda: root.zoom_app.get().client_secret,
    )
