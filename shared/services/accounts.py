"""The site's default VC account and the staff members' individual accounts (W01, W04-W07).

An account change is stored with a fan-out to the sessions it serves (the site's, or the
staff member's), done by the worker: the request stays O(1) whatever the site's size.
A Zoom connection that stops being used is removed through the pipeline (S08), after its
upcoming meetings are deleted at Zoom.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.adapters.repository import Repository
from shared.domain.auth import Principal, Role
from shared.domain.errors import NotFound, PreconditionRequired
from shared.domain.models import ProviderAccount, Removal, Site, Staff, VcAccount, ZoomAccount
from shared.domain.work import Scope, WorkRef
from shared.services import connections
from shared.services.worker import Followup


@dataclass(frozen=True)
class Accounts:
    repo: Repository
    followup: Followup

    def set_default_account(self, site: Site, account: VcAccount) -> VcAccount:
        """W01: a custom link or Jitsi serves every online service (Zoom connects through OAuth).

        S08: a Zoom default it replaces is disconnected, as DELETE would (its grant revoked, its
        tokens deleted), rather than left attached to nothing."""
        fan_out = [WorkRef.sessions(site.site_id, Scope.SITE)]
        before, _ = self.repo.update_site(
            site.site_id, lambda s: s.model_copy(update={"default_account": account}), fan_out
        )
        if before.default_account != account:
            self._release_connection(site.site_id, before.default_account, staff_id=None)
        self.followup.after_write(fan_out)
        return account

    def disconnect_default_account(self, site: Site) -> None:
        """W06: with no default account, no session of the site shows a link; reconnecting restores them.

        S08: a Zoom default is disconnected for good: its meetings are deleted, its tokens revoked."""
        fan_out = [WorkRef.sessions(site.site_id, Scope.SITE)]
        before, _ = self.repo.update_site(
            site.site_id, lambda s: s.model_copy(update={"default_account": None}), fan_out
        )
        self._release_connection(site.site_id, before.default_account, staff_id=None)
        self.followup.after_write(fan_out)

    def get_staff_account(self, site: Site, staff_id: str) -> VcAccount | None:
        staff = self.repo.get_staff(site.site_id, staff_id)
        return staff.account if staff else None

    def set_staff_account(
        self, site: Site, staff_id: str, account: VcAccount, caller: Principal
    ) -> VcAccount:
        """W04, W05: an individual account, used for the staff member's sessions."""
        if caller.role is Role.STAFF and site.default_account is None:
            raise PreconditionRequired(
                "A staff member can add their own account only once the site's default account is connected."
            )
        fan_out = [WorkRef.sessions(site.site_id, Scope.staff(staff_id))]
        before, _ = self.repo.update_staff(
            site.site_id, staff_id, lambda s: s.model_copy(update={"account": account}), fan_out
        )
        if before is not None and before.account != account:
            self._release_connection(site.site_id, before.account, staff_id=staff_id)
        self.followup.after_write(fan_out)
        return account

    def delete_staff_account(self, site: Site, staff_id: str) -> None:
        """The staff member's sessions use the site default again; their own Zoom connection is removed."""
        fan_out = [WorkRef.sessions(site.site_id, Scope.staff(staff_id))]

        def clear(staff: Staff) -> Staff:
            if staff.account is None:
                raise NotFound(f"Staff member '{staff_id}' has no individual account.")
            return staff.model_copy(update={"account": None})

        before, _ = self.repo.update_staff(site.site_id, staff_id, clear, fan_out)
        if before is None:
            raise NotFound(f"Staff member '{staff_id}' has no individual account.")
        self._release_connection(site.site_id, before.account, staff_id=staff_id)
        self.followup.after_write(fan_out)

    def _release_connection(self, site_id: str, account: VcAccount | None, staff_id: str | None) -> None:
        """A connection (Zoom, Google, Microsoft) of this account's holder goes with the account."""
        if not isinstance(account, ZoomAccount | ProviderAccount):
            return
        connection = self.repo.get_connection(site_id, account.connection_id)
        if connection is not None and connection.staff_id == staff_id and connection.removal is None:
            connections.start_removal(self.repo, connection, Removal.DISCONNECTED)
            self.followup.after_write([WorkRef.connection(site_id, connection.connection_id)])
