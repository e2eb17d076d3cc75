"""What handlers receive through Powertools' `Depends`: the composition root's parts, the
checked caller of the request, the public base URL. One place instead of a copy per route
of "load the site, authenticate, require a role"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Request
from aws_lambda_powertools.event_handler.depends import Depends

from shared.bootstrap import Container, container
from shared.domain.auth import Principal, authenticate
from shared.domain.models import Site

logger = Logger(service="vclinks")


def deps() -> Container:
    return container()


def base_url(request: Request, root: Annotated[Container, Depends(deps)]) -> str:
    """The API's public base URL: the deployment's setting, or the domain this request came to."""
    configured = root.settings.public_base_url
    return configured or f"https://{request.resolved_event.raw_event['requestContext']['domainName']}"


@dataclass(frozen=True)
class Caller:
    """The site of the path and who is calling it, checked (a wrong or foreign credential never gets here)."""

    site: Site
    principal: Principal


def caller(request: Request, root: Annotated[Container, Depends(deps)]) -> Caller:
    site_id = str(request.path_parameters.get("site", ""))
    site = root.repo.get_site(site_id)
    principal = authenticate(site, site_id, request.headers.get("authorization"))
    assert site is not None  # authenticate() refuses a missing site
    logger.append_keys(site_id=site_id, role=principal.role.value)
    return Caller(site, principal)


def admin(who: Annotated[Caller, Depends(caller)]) -> Site:
    """The site, for a caller with the site's API key (or an admin token)."""
    who.principal.require_admin()
    return who.site


def key_holder(who: Annotated[Caller, Depends(caller)]) -> Site:
    """The site, for a caller with the site's API key itself (no scoped token, an admin's included)."""
    who.principal.require_api_key()
    return who.site


Root = Annotated[Container, Depends(deps)]
BaseUrl = Annotated[str, Depends(base_url)]
AnyCaller = Annotated[Caller, Depends(caller)]
AdminSite = Annotated[Site, Depends(admin)]
KeyHolderSite = Annotated[Site, Depends(key_holder)]
