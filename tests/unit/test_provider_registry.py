"""Issue 13: a provider is made in its own package (`build(root)` in shared/adapters/<name>/build.py)
from what the composition root offers; the root keeps a table of names (`PROVIDERS`), imports a
provider's package on its first use only, and knows nothing of how any provider is made."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shared import bootstrap
from shared.adapters.provider_root import ProviderRoot
from shared.config import Settings
from tests.support.stack import ROOT

AWS = {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
"""The token store's client is made (no call is): region and credentials, so none is looked up."""
ENV = {"PATH": "/usr/bin:/bin", "POWERTOOLS_SERVICE_NAME": "vclinks", **AWS}
PACKAGES = ("shared.adapters.zoom", "shared.adapters.google", "shared.adapters.microsoft")
CLASSES = {"zoom": "ZoomMeetings", "google": "GoogleMeet", "microsoft": "TeamsMeetings"}
APPS = {
    "google_client_id": "google-id",
    "google_client_secret": "google-secret",
    "microsoft_client_id": "teams-id",
    "microsoft_client_secret": "teams-secret",
}


def settings() -> Settings:
    return Settings(
        accounts_table="acc",
        session_links_table="links",
        google_accounts_base_url="https://google.emulator.test",
        microsoft_login_base_url="https://microsoft.emulator.test",
    )


class Root(bootstrap.Container):
    """The composition root with the providers' OAuth clients given (no Secrets Manager read)."""

    provider_apps = APPS  # type: ignore[assignment]


def loaded_after_building(name: str) -> tuple[str, list[str]]:
    """In a fresh interpreter (as a Lambda's): the class built for `name`, and the provider
    modules then loaded."""
    probe = (
        "import json, sys\n"
        "from shared.bootstrap import Container\n"
        "from shared.config import Settings\n"
        "class Root(Container):\n"
        f"    provider_apps = {APPS!r}\n"
        "root = Root(Settings(accounts_table='acc', session_links_table='links'))\n"
        f"built = root.provider({name!r})\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith({PACKAGES!r}))\n"
        "print(json.dumps([type(built).__name__, loaded]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    kind, modules = json.loads(out.stdout)
    return kind, modules


@pytest.mark.parametrize("name", sorted(bootstrap.PROVIDERS))
def test_issue13_the_root_imports_only_the_package_of_the_provider_it_builds(name: str) -> None:
    kind, modules = loaded_after_building(name)
    assert kind == CLASSES[name]
    assert bootstrap.PROVIDERS[name] in modules
    others = [other for other in bootstrap.PROVIDERS if other != name]
    for other in others:  # Google's and Teams' tokens sit in Zoom's TokenSecrets: only that is shared
        assert not {f"shared.adapters.{other}.{part}" for part in ("build", "provider", "client")} & set(
            modules
        )
    if name == "zoom":  # its client is made on its first call: a deployment may have no Zoom app
        assert "shared.adapters.zoom.client" not in modules


@dataclass
class Rooms:
    """A provider the root was never told of (its package is this module)."""

    root: ProviderRoot


def build(root: ProviderRoot) -> Rooms:
    return Rooms(root)


def test_issue13_a_provider_added_to_the_table_is_built_by_its_own_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(bootstrap.PROVIDERS, "rooms", __name__)
    root = bootstrap.Container(settings())
    built: Any = root.provider("rooms")
    assert built == Rooms(root)
    assert root.provider("rooms") is built  # once per process
    with pytest.raises(ValueError, match="unknown provider 'whereby'"):
        root.provider("whereby")


@pytest.mark.parametrize(
    ("name", "authority", "client_id"),
    [
        ("google", "https://google.emulator.test", "google-id"),
        ("microsoft", "https://microsoft.emulator.test", "teams-id"),
    ],
)
def test_x13_x14_each_package_builds_its_provider_from_the_roots_settings_secrets_and_dead_grant(
    name: str, authority: str, client_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import import_module

    for key, value in AWS.items():
        monkeypatch.setenv(key, value)
    root = Root(settings())
    built: Any = import_module(f"shared.adapters.{name}.build").build(root)
    consent = urlsplit(built.authorize_url("https://api.test/v1/oauth/cb", "state-1", "challenge-1"))
    assert f"{consent.scheme}://{consent.netloc}" == authority
    assert parse_qs(consent.query)["client_id"] == [client_id]
    assert built.tokens.secrets is root.token_secrets
    assert built.tokens.on_dead_grant == root.dead_grant  # X07: the root marks the connections
    assert built.secret_prefix == root.settings.provider_token_secret_prefix  # the worker's alone
    assert built.state_key() == APPS[f"{name}_client_secret"]  # our OAuth client signs its flows' states
