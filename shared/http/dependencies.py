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
from shared.domain.auth import Principal
from shared.domain.join_tokens import JoinLinks
from shared.domain.models import Site
from shared.http.api import RequestState

logger = Logger(service="vclinks")


def deps() -> Container:
    return container()


def base_url(request: Request, root: Annotated[Container, Depends(deps)]) -> str:
    """The API's public base URL: the deployment's setting, or the domain this request came to."""
    configured = root.settings.public_base_url
    return configured or f"https://{request.resolved_event.raw_event['requestContext']['domainName']}"


def join_links(
    root: Annotated[Container, Depends(deps)], base: Annotated[str, Depends(base_url)]
) -> JoinLinks:
    """The stable join links an answer shows (X01)."""
    return root.join_links(base)


@dataclass(frozen=True)
class Caller:
    """The site of the path and who is calling it, checked (a wrong or foreign credential never gets here)."""

    site: Site
    principal: Principal


def request_state(request: Request) -> RequestState:
    """What `handle` learnt of this request before routing it (the caller it checked, the site)."""
    state = request.context.get("request_state")
    return state if isinstance(state, RequestState) else RequestState()


def caller(request: Request, state: Annotated[RequestState, Depends(request_state)]) -> Caller:
    """Checked once per request: `handle` may have done it before reading the body."""
    site, principal = state.check(
        str(request.path_parameters.get("site", "")), request.headers.get("authorization")
    )
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
State = Annotated[RequestState, Depends(request_state)]
BaseUrl = Annotated[str, Depends(base_url)]
Links = Annotated[JoinLinks, Depends(join_links)]
AnyCaller = Annotated[Caller, Depends(caller)]
AdminSite = Annotated[Site, Depends(admin)]
KeyHolderSite = Annotated[Site, Depends(key_holder)]
