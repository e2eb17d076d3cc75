"""A site's own From address (issue 11, Sender): an SES identity verified for THAT site.

The site asks for an address; SES emails it a verification link; once its owner clicks it,
the site's emails go from it (with the business's name as display name). Until then, and
whenever it is not verified, they go from the deployment's SenderEmail, with Reply-To the
business. One address belongs to one site (a claim item): a site can never send as an
address another site verified, nor as an identity of the AWS account that this deployment
did not create for it (the IAM policy says the same: template.yaml, SendEmail statements).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from botocore.exceptions import ClientError

from shared.adapters.mailer import SenderIdentities
from shared.adapters.repository import Repository
from shared.domain.errors import Conflict, NotFound
from shared.domain.models import SenderStatus, Site, SiteSender

RECHECK = timedelta(minutes=5)
"""A pending address is asked about again at most this often when an email is sent."""


@dataclass(frozen=True)
class Senders:
    repo: Repository
    identities: SenderIdentities
    deployment_sender: str
    clock: Callable[[], datetime]

    def request(self, site: Site, address: str) -> SiteSender:
        """Start verifying `address` for this site (SES emails it a link); replaces the site's
        former sender, which stops being used at once."""
        address = address.strip()
        if address.lower() == self.deployment_sender.lower():
            raise Conflict(
                "This is the deployment's own sender address; sites without one send from it already."
            )
        if not self.repo.claim_sender(site.site_id, address):
            raise Conflict(f"'{address}' is the sender of another site.")
        found = self.identities.get(address)
        if found.exists and not found.ours:
            self.repo.release_sender(site.site_id, address)
            raise Conflict(
                f"'{address}' is already an SES identity of this AWS account that vclinks did not create; "
                "an operator must delete it in SES before a site can verify it."
            )
        if found.exists and not found.verified:
            self.identities.delete(address)  # a new verification email (the old link may have expired)
        if not found.verified:
            try:
                self.identities.create(address)
            except ClientError as error:
                # AlreadyExists: the same site asked for this address at the same instant (the claim
                # is the site's) and SES emailed the link: pending, as that request answers. The
                # claim stays (releasing it let another site take the address the site now uses).
                code = error.response.get("Error", {}).get("Code", "")
                if code != "AlreadyExistsException":
                    self.repo.release_sender(site.site_id, address)
                    raise Conflict(
                        f"SES did not start verifying '{address}' ({code}); try again.", retryable=True
                    ) from error
        status = SenderStatus.VERIFIED if found.verified else SenderStatus.PENDING
        sender = SiteSender(email=address, status=status, checked_at=self.clock())
        before, _ = self.repo.update_site(site.site_id, lambda s: s.model_copy(update={"sender": sender}))
        if before.sender is not None and before.sender.email.lower() != address.lower():
            self._forget(site.site_id, before.sender.email)
        return sender

    def current(self, site: Site) -> SiteSender:
        """The site's sender, its status asked of SES again unless it is verified."""
        if site.sender is None:
            raise NotFound("The site has no sender address of its own; POST one to verify it.")
        return self._refresh(site, force=True)

    def remove(self, site: Site) -> None:
        """The sender the site has when this write lands goes (a DELETE repeated at once finds none:
        404, as one sent after it; the address let go is the one this write removed)."""

        def clear(current: Site) -> Site:
            if current.sender is None:
                raise NotFound("The site has no sender address of its own.")
            return current.model_copy(update={"sender": None})

        before, _ = self.repo.update_site(site.site_id, clear)
        assert before.sender is not None
        self._forget(site.site_id, before.sender.email)

    def from_address(self, site: Site) -> str:
        """The From address of the site's emails: its own once verified, else the deployment's."""
        if site.sender is None:
            return self.deployment_sender
        sender = site.sender
        if sender.status is SenderStatus.PENDING and self.clock() - sender.checked_at >= RECHECK:
            sender = self._refresh(site, force=False)
        return sender.email if sender.status is SenderStatus.VERIFIED else self.deployment_sender

    def _refresh(self, site: Site, *, force: bool) -> SiteSender:
        sender = site.sender
        assert sender is not None
        if sender.status is SenderStatus.VERIFIED and not force:
            return sender
        found = self.identities.get(sender.email)
        if found.verified:
            status = SenderStatus.VERIFIED
        elif found.failed or not found.exists:
            status = SenderStatus.FAILED
        else:
            status = SenderStatus.PENDING
        fresh = sender.model_copy(update={"status": status, "checked_at": self.clock()})

        def store(current: Site) -> Site:
            if current.sender is None or current.sender.email != sender.email:
                return current  # replaced or removed meanwhile
            return current.model_copy(update={"sender": fresh})

        self.repo.update_site(site.site_id, store)
        return fresh

    def _forget(self, site_id: str, address: str) -> None:
        """An address the site no longer uses: its SES identity (ours) and its claim go."""
        if self.identities.get(address).ours:
            self.identities.delete(address)
        self.repo.release_sender(site_id, address)
