"""S01, W07: the scopes each Zoom app needs are written once (shared.adapters.zoom.scopes);
the operator's guide lists exactly those, and the callback's check names what is missing."""

from __future__ import annotations

import re
from pathlib import Path

from shared.adapters.zoom.scopes import (
    ADMIN_MANAGED_SCOPES,
    USER_MANAGED_SCOPES,
    ZoomAppType,
    missing_scopes,
)

SETUP = Path(__file__).resolve().parents[2] / "docs" / "ZOOM-SETUP.md"
SCOPE = re.compile(r"`((?:meeting|user):[a-z_:]+)`")


def section(title: str) -> str:
    text = SETUP.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_s01_the_setup_guide_lists_exactly_the_scopes_each_app_needs() -> None:
    assert set(SCOPE.findall(section("2. Create the user-managed app"))) == USER_MANAGED_SCOPES
    assert set(SCOPE.findall(section("3. Create the admin-managed app"))) == ADMIN_MANAGED_SCOPES


def test_s01_missing_scopes_names_what_zooms_scope_answer_lacks() -> None:
    granted = " ".join(sorted(USER_MANAGED_SCOPES - {"meeting:write:registrant"}))
    assert missing_scopes(ZoomAppType.USER_MANAGED, granted) == ["meeting:write:registrant"]
    assert missing_scopes(ZoomAppType.USER_MANAGED, " ".join(USER_MANAGED_SCOPES) + " extra:scope") == []
    assert missing_scopes(ZoomAppType.ADMIN_MANAGED, " ".join(USER_MANAGED_SCOPES)) == sorted(
        ADMIN_MANAGED_SCOPES
    )
