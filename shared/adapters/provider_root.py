"""What the composition root (shared.bootstrap) offers a provider package's `build(root)`: each
package makes its provider from these, so the root keeps a table of names and nothing of how any
provider is made. A package that needs more says so in its own Protocol (Zoom: its client and
token store, which its connect flow and webhooks share)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from shared.adapters.repository import Repository
    from shared.adapters.zoom.tokens import TokenSecrets
    from shared.config import Settings
    from shared.domain.errors import VclinksError
    from shared.domain.models import Connection


class ProviderRoot(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def repo(self) -> Repository: ...

    @property
    def token_secrets(self) -> TokenSecrets:
        """Where every connection's tokens are kept (one secret per provider user)."""
        ...

    def provider_credentials(self, name: str) -> tuple[str, str]:
        """(client id, client secret) of the provider's OAuth client; raises ProviderMisconfigured
        when the operator set none."""
        ...

    def dead_grant(self, connection: Connection, why: VclinksError) -> None:
        """X07: a refresh refused for good; the connection and its accounts need reconnecting."""
        ...
