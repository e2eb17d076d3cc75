"""One kit per provider a site or a staff member can use (custom link, Jitsi, Zoom, Google Meet,
Microsoft Teams): how to make it the site's default or a staff member's own account, and what
the link must then be. The link rules' table (tests/support/link_rules.py) and the email tests
run once per kit; what a link must be is derived from the rules, never written per case:

- a custom link is its own URL, the same for every session (W01, W03);
- Jitsi gives each session a room of its own, unguessable (X04);
- Zoom, Google Meet and Teams give each session a meeting of its own (W03, X13, X14), held at
  the provider by the account's user (W04): the client's link is that meeting's join URL (Zoom,
  in a group class: the client's own registrant link, S03), the staff member's its host link
  (S04). A URL is checked against what the provider's emulator holds, never against a string.

Hosted providers are connected as a person would: the connect link, the provider's consent page
(its emulator, an HTTP server on both tiers), our confirmation page, Connect."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from tests.support.api import Answer, SiteHandle

PROVIDERS = ("custom", "jitsi", "zoom", "google", "microsoft")
HOSTED = ("zoom", "google", "microsoft")
CUSTOM_DEFAULT = "https://meet.google.com/abc-defg-hij"
CUSTOM_PASSWORD, CUSTOM_DESCRIPTION = "s3cret", "Camera on, please"  # the default's (W01)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Tier(Protocol):
    """What a test tier gives the kits."""

    return_to: str  # a return URL the deployment allows (ALLOWED_RETURN_URLS)

    def emulator_url(self, provider: str) -> str:
        """The base URL of the provider's emulator (started on demand)."""

    def settle(self) -> None:
        """Wait until the worker has done what the requests so far queued."""

    def wait_for_worker(self) -> None:
        """From now on in this test, each request waits until the previous one's work is done."""


@dataclass(frozen=True)
class Account:
    """An account a kit connected: the site's default or a staff member's own."""

    provider: str
    owner: str  # custom: its URL; jitsi: ""; hosted: the provider's user id
    connection_id: str = ""


class Kit:
    """A provider, as the link rules see it."""

    provider = ""
    email_name = ""  # how emails name the provider ("" when they name none)

    def __init__(self, tier: Tier) -> None:
        self.tier = tier
        self.given: dict[str, str] = {}  # meeting or room -> the session it was given to

    def connect(self, site: SiteHandle, staff: str | None = None) -> Account:
        """The site's default account, or with `staff` that staff member's own (W01, W04)."""
        raise NotImplementedError

    def try_own_account(self, site: SiteHandle, staff: str, staff_token: str) -> Answer:
        """A staff member adds their own account (W05): the first answer on the way."""
        raise NotImplementedError

    def client_url(self, account: Account, session: str) -> Any:
        """What the client's link of `session` must be when it comes from `account`."""
        return self._meeting(account, session, host=False)

    def host_url(self, account: Account, session: str) -> Any:
        """What the staff member's (host) link of `session` must be (S04)."""
        return self._meeting(account, session, host=True)

    def _meeting(self, account: Account, session: str, host: bool) -> Any:
        return MeetingLink(self, account, session, host)

    def meeting_of(self, account: Account, url: str, host: bool) -> str | None:
        """The meeting (or room) `url` leads to, when it is one of `account`'s; else None."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.provider


class MeetingLink:
    """Equal to a link of a meeting (or room) of `account`'s own that no other session of the
    test was given (W03: each session its own meeting; X15: never another account's)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, kit: Kit, account: Account, session: str, host: bool) -> None:
        self.kit, self.account, self.session, self.host = kit, account, session, host

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        self.kit.tier.settle()
        meeting = self.kit.meeting_of(self.account, other, self.host)
        if meeting is None:
            return False
        return self.kit.given.setdefault(meeting, self.session) == self.session

    def __repr__(self) -> str:
        role, owner = "host" if self.host else "join", self.account.owner or "the site"
        return f"<{role} link of a {self.kit.provider} meeting of {owner} for {self.session}>"


# -- custom links and Jitsi: no provider account ------------------------------------------------


def put_account(site: SiteHandle, body: dict[str, Any], staff: str | None) -> None:
    path = f"{site.base}/staff/{staff}/vc-account" if staff else f"{site.base}/vc-account"
    answer = site.api.put(path, body)
    assert answer.status == 200, answer.text


class CustomKit(Kit):
    provider = "custom"

    @staticmethod
    def url_of(staff: str | None) -> str:
        return f"https://teams.example.com/l/{staff}" if staff else CUSTOM_DEFAULT

    def connect(self, site: SiteHandle, staff: str | None = None) -> Account:
        extra = {} if staff else {"password": CUSTOM_PASSWORD, "description": CUSTOM_DESCRIPTION}
        put_account(site, {"provider": "custom", "url": self.url_of(staff)} | extra, staff)
        return Account("custom", self.url_of(staff))

    def try_own_account(self, site: SiteHandle, staff: str, staff_token: str) -> Answer:
        body = {"provider": "custom", "url": self.url_of(staff)}
        return site.api.as_(staff_token).put(f"{site.base}/staff/{staff}/vc-account", body)

    def _meeting(self, account: Account, session: str, host: bool) -> Any:
        return account.owner  # W03: the same link for every session, for clients and staff alike


class JitsiKit(Kit):
    provider = "jitsi"
    ROOM = re.compile(r"^https://meet\.jit\.si/(vclinks-[A-Za-z0-9_-]{24,})$")

    def connect(self, site: SiteHandle, staff: str | None = None) -> Account:
        put_account(site, {"provider": "jitsi"}, staff)
        return Account("jitsi", "")

    def try_own_account(self, site: SiteHandle, staff: str, staff_token: str) -> Answer:
        return site.api.as_(staff_token).put(f"{site.base}/staff/{staff}/vc-account", {"provider": "jitsi"})

    def meeting_of(self, account: Account, url: str, host: bool) -> str | None:
        found = self.ROOM.match(url)  # X04: a room of its own, 24+ characters after the prefix
        return found.group(1) if found else None


# -- hosted providers: an account at the provider, connected through its consent page -----------


class HostedKit(Kit):
    """Zoom, Google Meet, Microsoft Teams: a user of its own at the emulator for each account."""

    def emulator(self, method: str, path: str, **kw: Any) -> Any:
        answer = httpx.request(method, f"{self.url}/_emulator/{path}", timeout=30, **kw)
        answer.raise_for_status()
        return answer.json()

    @property
    def url(self) -> str:
        return self.tier.emulator_url(self.provider)

    def new_user(self) -> str:
        raise NotImplementedError

    def connect(self, site: SiteHandle, staff: str | None = None) -> Account:
        user = self.new_user()
        page = self._consented(site, staff, user)
        browser = site.api.as_(None)
        found = re.search(r'name="request" value="([^"]+)"', page.text)
        assert found, page.text
        done = browser.post(
            "/v1/oauth/zoom/confirm",  # the confirmation page's form, for every provider
            raw=urlencode({"request": found.group(1), "decision": "connect"}),
            headers=FORM,
        )
        assert done.status == 303, done.text
        query = parse_qs(urlsplit(done.headers["Location"]).query)
        assert query[self.provider] == ["connected"], done.headers["Location"]
        return Account(self.provider, user, query["connection_id"][0])

    def try_own_account(self, site: SiteHandle, staff: str, staff_token: str) -> Answer:
        return self._start(site, staff)

    def _start(self, site: SiteHandle, staff: str | None) -> Answer:
        """The admin's browser opens the connect link with a fresh single-use ticket."""
        body: dict[str, Any] = {"role": "connect", "access": "user"} | ({"staff_id": staff} if staff else {})
        ticket = site.api.post(f"{site.base}/tokens", body)
        assert ticket.status == 201, ticket.text
        query = {"ticket": ticket.json["token"], "return_to": self.tier.return_to}
        return site.api.as_(None).get(f"/v1/oauth/{self.provider}/start", query=query)

    def _consented(self, site: SiteHandle, staff: str | None, user: str) -> Answer:
        """start -> the provider's consent page -> allow as `user` -> back: our confirmation page."""
        start = self._start(site, staff)
        assert start.status == 302, start.text
        authorize = start.headers["Location"]
        assert authorize.startswith(self.url), authorize
        assert httpx.get(authorize, timeout=30).status_code == 200  # the consent page
        form: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
        form |= {"user": user, "allow": "1"}
        if self.provider == "google":  # granular consent: the Meet box left ticked
            form["grant"] = [s for s in form["scope"].split() if s.startswith("https://")]
        consent = httpx.post(authorize.split("?")[0], data=form, timeout=30)
        assert consent.status_code == 302, consent.text
        back = urlsplit(consent.headers["location"])
        page = site.api.as_(None).get(back.path, query={k: v[0] for k, v in parse_qs(back.query).items()})
        assert page.status == 200, page.text
        return page


class ZoomKit(HostedKit):
    provider = "zoom"
    email_name = "Zoom"

    def new_user(self) -> str:
        tag = secrets.token_hex(4)
        body = {"account_id": f"acct-{tag}", "email": f"u-{tag}@zoom.test", "role": "Owner"}
        return str(self.emulator("POST", "users", json=body)["id"])

    def meeting_of(self, account: Account, url: str, host: bool) -> str | None:
        for meeting in self.emulator("GET", "meetings")["meetings"]:
            if meeting["host_id"] != account.owner:
                continue
            if host:
                mine = url.startswith(f"{self.url}/s/{meeting['id']}?zak=")
            else:  # the meeting's join link, or (group class, S03) the client's registrant link
                mine = url in [meeting["join_url"], *(r["join_url"] for r in meeting["registrants"])]
            if mine:
                return str(meeting["id"])
        return None


class GoogleKit(HostedKit):
    provider = "google"
    email_name = "Google Meet"

    def new_user(self) -> str:
        tag = secrets.token_hex(4)
        return str(self.emulator("POST", "users", json={"email": f"g-{tag}@studio.example"})["sub"])

    def meeting_of(self, account: Account, url: str, host: bool) -> str | None:
        for space in self.emulator("GET", "spaces")["spaces"]:
            closed = space.get("config", {}).get("entryPointAccess") == "CREATOR_APP_ONLY"  # cancelled
            if space["owner"] == account.owner and space["meetingUri"] == url and not closed:
                return str(space["name"])  # the owner, signed in, hosts on the same link
        return None


class TeamsKit(HostedKit):
    provider = "microsoft"
    email_name = "Microsoft Teams"

    def new_user(self) -> str:
        tag = secrets.token_hex(4)
        return str(self.emulator("POST", "users", json={"upn": f"m-{tag}@studio.example"})["id"])

    def meeting_of(self, account: Account, url: str, host: bool) -> str | None:
        for meeting in self.emulator("GET", "meetings")["meetings"]:
            if meeting["organizer"] == account.owner and meeting["joinWebUrl"] == url:
                return str(meeting["id"])  # the organiser signs in and is recognised on it
        return None


KITS: dict[str, type[Kit]] = {
    "custom": CustomKit,
    "jitsi": JitsiKit,
    "zoom": ZoomKit,
    "google": GoogleKit,
    "microsoft": TeamsKit,
}


def kit_for(provider: str, tier: Tier) -> Kit:
    return KITS[provider](tier)


@pytest.fixture(name="kit", params=PROVIDERS)
def kit_fixture(request: pytest.FixtureRequest, tier: Tier) -> Kit:
    """`kit`: the provider of the site's default and staff members' own accounts, one run per
    provider. Needs the tier's `tier` fixture; a test module imports it to use it."""
    made = kit_for(request.param, tier)
    if request.param in HOSTED:
        tier.emulator_url(request.param)  # its emulator runs before the test begins
        tier.wait_for_worker()  # its meetings are the worker's work
    return made
