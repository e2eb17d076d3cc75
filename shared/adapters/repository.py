"""The DynamoDB store: the only module that speaks to the tables.

Records are stored as their JSON form plus the table's keys. Sessions carry a `version`
and are written with a condition on it, so two writers never lose each other's change
(the loser gets `Conflict` and the caller reads again). Reads that resolve a link are
batched: one BatchGetItem for the site, the session and the booking, one for the staff
member and the service (DESIGN.md: at most two round trips).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.config import get_settings
from shared.domain.errors import Conflict
from shared.domain.models import Booking, MeetingState, Service, Session, Site, Staff

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Key = dict[str, str]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_KEY_ATTRS = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "expires_at")
BATCH_RETRIES = 5


def site_pk(site_id: str) -> str:
    return f"SITE#{site_id}"


def session_pk(site_id: str, session_id: str) -> str:
    return f"SITE#{site_id}#SESSION#{session_id}"


def site_key(site_id: str) -> Key:
    return {"pk": site_pk(site_id), "sk": "SITE"}


def staff_key(site_id: str, staff_id: str) -> Key:
    return {"pk": site_pk(site_id), "sk": f"STAFF#{staff_id}"}


def service_key(site_id: str, service_id: str) -> Key:
    return {"pk": site_pk(site_id), "sk": f"SERVICE#{service_id}"}


def session_key(site_id: str, session_id: str) -> Key:
    return {"pk": session_pk(site_id, session_id), "sk": "SESSION"}


def booking_key(site_id: str, session_id: str, booking_id: str) -> Key:
    return {"pk": session_pk(site_id, session_id), "sk": f"BOOKING#{booking_id}"}


def to_item(record: BaseModel, key: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    """A record's DynamoDB item: its JSON form, the keys, and any index or TTL attributes."""
    body = record.model_dump(mode="json", exclude_none=True)
    return {k: _serializer.serialize(v) for k, v in {**body, **key, **extra}.items()}


def from_item[M: BaseModel](model: type[M], item: Mapping[str, Any]) -> M:
    plain = {k: _deserializer.deserialize(v) for k, v in item.items() if k not in _KEY_ATTRS}
    return model.model_validate(_plain_numbers(plain))


def _plain_numbers(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; our records only hold integers."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list | set | frozenset | tuple):
        return [_plain_numbers(v) for v in value]
    return value


def _condition(condition: str | None, values: Mapping[str, Any] | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if condition:
        kwargs["ConditionExpression"] = condition
    if values:
        kwargs["ExpressionAttributeValues"] = {k: _serializer.serialize(v) for k, v in values.items()}
    return kwargs


def _key(key: Key) -> dict[str, Any]:
    return {k: {"S": v} for k, v in key.items()}


def is_conditional_failure(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


@dataclass(frozen=True)
class LinkContext:
    """Everything one link resolution reads (besides staff and service)."""

    site: Site | None
    session: Session | None
    booking: Booking | None


class Store:
    """Reads and writes the records of both tables. Create one per warm Lambda (`get_store()`)."""

    def __init__(self, client: DynamoDBClient, accounts_table: str, session_links_table: str) -> None:
        self.client = client
        self.accounts = accounts_table
        self.links = session_links_table

    # -- generic ---------------------------------------------------------------------------

    def get[M: BaseModel](self, table: str, key: Key, model: type[M]) -> M | None:
        item = self.client.get_item(TableName=table, Key=_key(key), ConsistentRead=True).get("Item")
        return from_item(model, item) if item else None

    def get_raw(self, table: str, key: Key) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=table, Key=_key(key), ConsistentRead=True).get("Item")
        return {k: _plain_numbers(_deserializer.deserialize(v)) for k, v in item.items()} if item else None

    def put(
        self,
        table: str,
        record: BaseModel,
        key: Key,
        *,
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        **extra: Any,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": table, "Item": to_item(record, key, **extra)}
        kwargs.update(_condition(condition, values))
        self.client.put_item(**kwargs)

    def put_raw(
        self,
        table: str,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Write a plain item; False when `condition` does not hold (leases, markers, nonces)."""
        kwargs: dict[str, Any] = {
            "TableName": table,
            "Item": {k: _serializer.serialize(v) for k, v in item.items()},
        }
        kwargs.update(_condition(condition, values))
        try:
            self.client.put_item(**kwargs)
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def delete(
        self, table: str, key: Key, *, condition: str | None = None, values: Mapping[str, Any] | None = None
    ) -> bool:
        """Delete an item; False when `condition` does not hold (for example: not the lease's owner)."""
        kwargs: dict[str, Any] = {"TableName": table, "Key": _key(key)}
        kwargs.update(_condition(condition, values))
        try:
            self.client.delete_item(**kwargs)
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def take(self, table: str, key: Key) -> dict[str, Any] | None:
        """Delete an item and return it, atomically: a single-use read (OAuth state nonces)."""
        try:
            answer = self.client.delete_item(
                TableName=table,
                Key=_key(key),
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        item = answer.get("Attributes") or {}
        return {k: _plain_numbers(_deserializer.deserialize(v)) for k, v in item.items()}

    def take_lease(self, name: str, owner: str, seconds: int, now: float) -> bool:
        """A short exclusive lease (one refresher, one reconciler); an expired one can be taken over."""
        item = {"pk": name, "sk": "LEASE", "lease_owner": owner, "expires_at": int(now) + seconds}
        return self.put_raw(
            self.accounts,
            item,
            condition="attribute_not_exists(pk) OR expires_at < :now",
            values={":now": int(now)},
        )

    def release_lease(self, name: str, owner: str) -> bool:
        """Give a lease back, unless it expired and another holder took it over meanwhile."""
        return self.delete(
            self.accounts, {"pk": name, "sk": "LEASE"}, condition="lease_owner = :o", values={":o": owner}
        )

    def batch_get(self, requests: Mapping[str, Sequence[Key]]) -> dict[str, list[dict[str, Any]]]:
        """One BatchGetItem across tables (retrying unprocessed keys); items by table name."""
        pending: dict[str, Any] = {
            table: {"Keys": [_key(k) for k in keys], "ConsistentRead": True}
            for table, keys in requests.items()
            if keys
        }
        found: dict[str, list[dict[str, Any]]] = {table: [] for table in requests}
        for attempt in range(BATCH_RETRIES):
            if not pending:
                break
            if attempt:
                time.sleep(min(0.05 * 2**attempt, 1.0))
            answer = self.client.batch_get_item(RequestItems=pending)
            for table, items in answer.get("Responses", {}).items():
                found[table].extend(items)
            pending = answer.get("UnprocessedKeys") or {}
        if pending:
            raise Conflict("The database is busy; try again.", retryable=True)
        return found

    def query(
        self, table: str, pk: str, *, sk_prefix: str | None = None, index: str | None = None
    ) -> Iterator[dict[str, Any]]:
        key_name, sort_name = (f"{index}pk", f"{index}sk") if index else ("pk", "sk")
        expression = f"{key_name} = :pk"
        values: dict[str, Any] = {":pk": {"S": pk}}
        if sk_prefix is not None:
            expression += f" AND begins_with({sort_name}, :sk)"
            values[":sk"] = {"S": sk_prefix}
        yield from self._query(table, expression, values, index)

    def query_between(self, table: str, index: str, pk: str, low: str, high: str) -> Iterator[dict[str, Any]]:
        expression = f"{index}pk = :pk AND {index}sk BETWEEN :lo AND :hi"
        values = {":pk": {"S": pk}, ":lo": {"S": low}, ":hi": {"S": high}}
        yield from self._query(table, expression, values, index)

    def _query(
        self, table: str, expression: str, values: dict[str, Any], index: str | None
    ) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": expression,
            "ExpressionAttributeValues": values,
        }
        if index:
            kwargs["IndexName"] = index
        while True:
            page = self.client.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- sites, staff, services ------------------------------------------------------------

    def create_site(self, site: Site) -> None:
        self.put(self.accounts, site, site_key(site.site_id), condition="attribute_not_exists(pk)")

    def get_site(self, site_id: str) -> Site | None:
        return self.get(self.accounts, site_key(site_id), Site)

    def save_site(self, site: Site) -> None:
        self.put(self.accounts, site, site_key(site.site_id), condition="attribute_exists(pk)")

    def get_staff(self, site_id: str, staff_id: str) -> Staff | None:
        return self.get(self.accounts, staff_key(site_id, staff_id), Staff)

    def save_staff(self, staff: Staff) -> None:
        self.put(self.accounts, staff, staff_key(staff.site_id, staff.staff_id))

    def list_staff(self, site_id: str) -> list[Staff]:
        items = self.query(self.accounts, site_pk(site_id), sk_prefix="STAFF#")
        return [from_item(Staff, item) for item in items]

    def get_service(self, site_id: str, service_id: str) -> Service | None:
        return self.get(self.accounts, service_key(site_id, service_id), Service)

    def save_service(self, service: Service) -> None:
        self.put(self.accounts, service, service_key(service.site_id, service.service_id))

    def delete_service(self, site_id: str, service_id: str) -> bool:
        return self.delete(self.accounts, service_key(site_id, service_id), condition="attribute_exists(pk)")

    # -- sessions and bookings -------------------------------------------------------------

    def get_session(self, site_id: str, session_id: str) -> Session | None:
        return self.get(self.links, session_key(site_id, session_id), Session)

    def save_session(self, session: Session) -> Session:
        """Write `session` as version+1 if the stored version is still `session.version`."""
        saved = session.model_copy(update={"version": session.version + 1})
        try:
            self.put(
                self.links,
                saved,
                session_key(session.site_id, session.session_id),
                condition="attribute_not_exists(pk) OR version = :v",
                values={":v": session.version},
                gsi1pk=site_pk(session.site_id),
                gsi1sk=f"{_sortable(session.start)}#{session.session_id}",
                **_pending_index(saved),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                raise Conflict(
                    "The session was changed by another request; try again.", retryable=True
                ) from error
            raise
        return saved

    def list_pending_sessions(self) -> list[tuple[str, str]]:
        """(site, session) of every session whose meeting work is unfinished (sparse index)."""
        found = []
        for item in self.query(self.links, "PENDING", index="gsi2"):
            pk = item["pk"]["S"]  # SITE#{site}#SESSION#{session}
            site_part, _, session_part = pk.partition("#SESSION#")
            found.append((site_part.removeprefix("SITE#"), session_part))
        return found

    def list_sessions_between(self, site_id: str, start: datetime, end: datetime) -> list[Session]:
        items = self.query_between(
            self.links, "gsi1", site_pk(site_id), _sortable(start), _sortable(end) + "#\uffff"
        )
        return [from_item(Session, item) for item in items]

    def list_sessions_of_site(self, site_id: str) -> list[Session]:
        return [from_item(Session, item) for item in self.query(self.links, site_pk(site_id), index="gsi1")]

    def list_sessions_of_service(self, site_id: str, service_id: str) -> list[Session]:
        return [s for s in self.list_sessions_of_site(site_id) if s.service_id == service_id]

    def get_booking(self, site_id: str, session_id: str, booking_id: str) -> Booking | None:
        return self.get(self.links, booking_key(site_id, session_id, booking_id), Booking)

    def save_booking(self, booking: Booking) -> None:
        self.put(self.links, booking, booking_key(booking.site_id, booking.session_id, booking.booking_id))

    def list_bookings(self, site_id: str, session_id: str) -> list[Booking]:
        items = self.query(self.links, session_pk(site_id, session_id), sk_prefix="BOOKING#")
        return [from_item(Booking, item) for item in items]

    # -- link resolution reads -------------------------------------------------------------

    def load_link_context(self, site_id: str, session_id: str, booking_id: str | None) -> LinkContext:
        """Round trip 1: the site, the session and (if asked) the booking, in one BatchGetItem."""
        links_keys = [session_key(site_id, session_id)]
        if booking_id is not None:
            links_keys.append(booking_key(site_id, session_id, booking_id))
        found = self.batch_get({self.accounts: [site_key(site_id)], self.links: links_keys})
        site = next((from_item(Site, i) for i in found[self.accounts]), None)
        session = booking = None
        for item in found[self.links]:
            if item["sk"]["S"] == "SESSION":
                session = from_item(Session, item)
            else:
                booking = from_item(Booking, item)
        return LinkContext(site=site, session=session, booking=booking)

    def load_staff_and_service(
        self, site_id: str, staff_id: str | None, service_id: str
    ) -> tuple[Staff | None, Service | None]:
        """Round trip 2: the session's staff member and service, in one BatchGetItem."""
        keys = [service_key(site_id, service_id)]
        if staff_id is not None:
            keys.append(staff_key(site_id, staff_id))
        found = self.batch_get({self.accounts: keys})[self.accounts]
        staff = service = None
        for item in found:
            if item["sk"]["S"].startswith("STAFF#"):
                staff = from_item(Staff, item)
            else:
                service = from_item(Service, item)
        return staff, service


def _pending_index(session: Session) -> dict[str, str]:
    """Sessions whose meeting work is unfinished are listed in the sparse index gsi2 (the sweep)."""
    if session.meeting_state is MeetingState.PENDING:
        return {"gsi2pk": "PENDING", "gsi2sk": f"{session.site_id}#{session.session_id}"}
    return {}


def _sortable(moment: datetime) -> str:
    """An ISO-8601 UTC string that sorts as time does."""
    from datetime import UTC

    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dynamodb_client() -> DynamoDBClient:
    """A client with adaptive retries (throttling) and short timeouts; honours AWS_ENDPOINT_URL."""
    config = Config(retries={"max_attempts": 5, "mode": "adaptive"}, connect_timeout=3, read_timeout=5)
    return boto3.client("dynamodb", config=config)


@lru_cache(maxsize=1)
def get_store() -> Store:
    settings = get_settings()
    return Store(dynamodb_client(), settings.accounts_table, settings.session_links_table)
