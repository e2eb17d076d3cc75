"""What the request bodies of every function share: the base of an input, an email address,
a custom link (an account's, W01, and a course's, W09). Each function's own bodies are in its
module (account_models, session_models, email_models), so that a function builds only the
pydantic classes of its own routes at a cold start (issue 14)."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.domain.models import CustomLink, Description, Password, WebUrl, check_web_url


class Body(BaseModel):
    """A request body: unknown fields refused. Its validator is built when a request first needs
    it (defer_build), so that a cold start builds no schema its first request does not use."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class View(BaseModel):
    """An answer's body; its schema built on first use, as a Body's."""

    model_config = ConfigDict(defer_build=True)


EmailAddress = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s<>]+@[^@\s<>]+$")]


class CustomLinkInput(Body):
    """A custom link for any provider: URL required, password and description optional (W01)."""

    provider: Literal["custom"] = "custom"
    url: WebUrl
    password: Password | None = None
    description: Description | None = None

    _check_url = field_validator("url")(check_web_url)

    def to_record(self) -> CustomLink:
        return CustomLink(url=self.url, password=self.password, description=self.description)
