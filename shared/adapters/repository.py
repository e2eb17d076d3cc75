"""The DynamoDB repository: the only module that knows the tables, their keys and indexes.

Records are stored as their JSON form plus the table's key and index attributes; every
key string is built here and nowhere else. Methods are named for what they do in the
domain (`update_site`, `claim_work`, `sessions_of`...).

Concurrency: a read-modify-write of a site, staff member, service, session, booking or
connection is conditional on the record's `version` and retried on fresh data, so two
writers never lose each other's change. Work the change implies is written in the same
transaction (`work=`), so a change is never stored without its work (DESIGN.md: one
pipeline). Provider-owned fields (a session's meeting, a booking's registrant) are written
by the worker that holds the work item, with a condition on what it read.

Indexes of SessionLinks (template.yaml): `by_start` (a site's sessions by start: the
report), `by_service`, `by_staff`, `by_connection` (upcoming sessions by end time, for
fan-outs: past sessions are never read), `due_work` (work items by shard, site and due
time: the dispatcher's fair scan). Accounts: `by_provider_user` (the connections of one
Zoom user, for deauthorization).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import secrets
import time
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError
from pydantic import BaseModel

from shared.domain.auth import WRONG_KEY
from shared.domain.errors import Conflict, InvalidInput, Unauthorized
from shared.domain.models import (
    Booking,
    Connection,
    MeetingRef,
    MeetingState,
    Registrant,
    Service,
    Session,
    SessionCheck,
    Site,
    Staff,
    Told,
)
from shared.domain.work import Scope, Work, WorkKind, WorkRef

JITTER = random.SystemRandom()
"""Retry jitter from the OS: `random`'s own state would be copied, with the rest of memory, into
every environment a Lambda SnapStart snapshot restores (README, "Cold starts"), and they would
all retry in step."""

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Key = dict[str, str]
Item = dict[str, Any]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
INDEX_ATTRS = (
    "pk",
    "sk",
    "expires_at",
    "start_pk",
    "start_sk",
    "svc_pk",
    "svc_sk",
    "staff_pk",
    "staff_sk",
    "conn_pk",
    "conn_sk",
    "due_pk",
    "due_sk",
    "user_pk",
    "user_sk",
    "remind_pk",
    "remind_sk",
)
BATCH_RETRIES = 5
WRITE_ATTEMPTS = 8
DUE_SHARDS = 8
REMIND_SHARDS = 4
MEETING_INDEX_DAYS = 30
SESSION_MAX_HOURS = 24
TRANSACT_LIMIT = 100
QUOTA_DAYS = 3
CHECK_SHARDS = 4


# -- keys ------------------------------------------------------------------------------------


def _site_pk(site_id: str) -> str:
    return f"SITE#{site_id}"


def _session_pk(site_id: str, session_id: str) -> str:
    return f"SITE#{site_id}#SESSION#{session_id}"


def site_key(site_id: str) -> Key:
    return {"pk": _site_pk(site_id), "sk": "SITE"}


def staff_key(site_id: str, staff_id: str) -> Key:
    return {"pk": _site_pk(site_id), "sk": f"STAFF#{staff_id}"}


def service_key(site_id: str, service_id: str) -> Key:
    return {"pk": _site_pk(site_id), "sk": f"SERVICE#{service_id}"}


def connection_key(site_id: str, connection_id: str) -> Key:
    return {"pk": _site_pk(site_id), "sk": f"ZOOM#{connection_id}"}


def template_key(site_id: str, email_type: str, language: str) -> Key:
    return {"pk": _site_pk(site_id), "sk": f"TEMPLATE#{email_type}#{language}"}


def session_key(site_id: str, session_id: str) -> Key:
    return {"pk": _session_pk(site_id, session_id), "sk": "SESSION"}


def join_click_key(site_id: str, session_id: str, booking_id: str | None) -> Key:
    """X12: the clicks of one stable link (a client's booking, or the session's staff member)."""
    return {"pk": _session_pk(site_id, session_id), "sk": f"JOINED#{booking_id}" if booking_id else "JOINED"}


def booking_key(site_id: str, session_id: str, booking_id: str) -> Key:
    return {"pk": _session_pk(site_id, session_id), "sk": f"BOOKING#{booking_id}"}


def work_key(ref: WorkRef) -> Key:
    return {"pk": f"WORK#{ref.site_id}#{ref.kind.value}#{ref.target}", "sk": "WORK"}


def meeting_index_key(meeting_id: str) -> Key:
    return {"pk": f"MEETING#{meeting_id}", "sk": "MEETING"}


def check_index_key(site_id: str, session_id: str, start: datetime) -> Key:
    """X10's index item of a session by start time: one partition per start hour and shard."""
    shard = zlib.crc32(f"{site_id}/{session_id}".encode()) % CHECK_SHARDS
    bucket = start.astimezone(UTC).strftime("%Y-%m-%dT%H")
    return {"pk": f"ZCHECK#{bucket}#{shard}", "sk": f"{_sortable(start)}#{site_id}#{session_id}"}


def lease_key(name: str) -> Key:
    return {"pk": f"LEASE#{name}", "sk": "LEASE"}


def quota_key(zoom_user_id: str, day: date) -> Key:
    return {"pk": f"ZOOMQUOTA#{zoom_user_id}#{day.isoformat()}", "sk": "QUOTA"}


def grant_key(secret_name: str) -> Key:
    return {"pk": f"ZOOMGRANT#{secret_name}", "sk": "GRANT"}


def refresh_token_key(token_hash: str) -> Key:
    """A Google grant found by its refresh token's RISC hash (never the token itself)."""
    return {"pk": f"GTOKEN#{token_hash}", "sk": "GTOKEN"}


def _sortable(moment: datetime) -> str:
    """An ISO-8601 UTC string that sorts as time does."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def due_shard(site_id: str) -> str:
    """A site's work lives in one of DUE_SHARDS index partitions (spreads write heat across sites)."""
    return f"DUE#{zlib.crc32(site_id.encode()) % DUE_SHARDS}"


def remind_shard(site_id: str) -> str:
    """A site's sessions with a reminder to come live in one of REMIND_SHARDS index partitions."""
    return f"REMIND#{zlib.crc32(site_id.encode()) % REMIND_SHARDS}"


def undeliverable_key(site_id: str, address: str) -> Key:
    return {"pk": _site_pk(site_id), "sk": f"UNDELIVERABLE#{address.strip().lower()}"}


def sender_claim_key(address: str) -> Key:
    return {"pk": f"SENDER#{address.strip().lower()}", "sk": "SENDER"}


# -- (de)serialisation -----------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; our records hold integers (and epoch seconds)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set | frozenset | tuple):
        return [_plain(v) for v in value]
    return value


def _serialize(values: Mapping[str, Any]) -> Item:
    return {k: _serializer.serialize(v) for k, v in values.items()}


def _deserialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def to_item(record: BaseModel, key: Mapping[str, str], **extra: Any) -> Item:
    """A record's DynamoDB item: its JSON form, the keys, and any index or TTL attributes."""
    body = record.model_dump(mode="json", exclude_none=True)
    return _serialize({**body, **key, **{k: v for k, v in extra.items() if v is not None}})


def from_item[M: BaseModel](model: type[M], item: Mapping[str, Any]) -> M:
    plain = {k: v for k, v in _deserialize(item).items() if k not in INDEX_ATTRS and k not in _WORK_ATTRS}
    return model.model_validate(plain)


def _key(key: Key) -> Item:
    return {k: {"S": v} for k, v in key.items()}


def is_conditional_failure(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


_WORK_ATTRS = (
    "gen",
    "attempts",
    "page_cursor",
    "last_reason",
    "lease_owner",
    "lease_until",
    "site_id_w",
    "payload",
    "pending_since",
)


# -- index attributes of a session -------------------------------------------------------------


def _session_indexes(session: Session) -> dict[str, str | None]:
    """The index attributes of a session item (None: the session is not in that index)."""
    site, sid, end = session.site_id, session.session_id, _sortable(session.end)
    meeting = session.meeting
    remind_at = session.reminders.next_at if session.reminders else None
    return {
        "start_pk": _site_pk(site),
        "start_sk": f"{_sortable(session.start)}#{sid}",
        "svc_pk": f"{_site_pk(site)}#SERVICE#{session.service_id}",
        "svc_sk": f"{end}#{sid}",
        "staff_pk": f"{_site_pk(site)}#STAFF#{session.staff_id}" if session.staff_id else None,
        "staff_sk": f"{end}#{sid}" if session.staff_id else None,
        "conn_pk": f"{_site_pk(site)}#CONN#{meeting.connection_id}" if meeting else None,
        "conn_sk": f"{end}#{sid}" if meeting else None,
        "remind_pk": remind_shard(site) if remind_at else None,
        "remind_sk": f"{_sortable(remind_at)}#{site}#{sid}" if remind_at else None,
    }


def _session_item(session: Session) -> Item:
    return to_item(session, session_key(session.site_id, session.session_id), **_session_indexes(session))


# -- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    cursor: str | None  # opaque: give it back to read the next page; None: this was the last


def encode_cursor(last_key: Mapping[str, Any] | None) -> str | None:
    if not last_key:
        return None
    plain = {k: v["S"] for k, v in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, expected: Mapping[str, str]) -> Item | None:
    """The start key a cursor stands for; refused unless it belongs where `expected` says."""
    if not cursor:
        return None
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput("The cursor is not valid; start again without it.") from error
    if (
        not isinstance(plain, dict)
        or not all(isinstance(v, str) for v in plain.values())
        or any(plain.get(k) != v for k, v in expected.items())
    ):
        raise InvalidInput("The cursor is not valid for this request; start again without it.")
    return {k: {"S": v} for k, v in plain.items()}


@dataclass(frozen=True)
class LinkHints:
    """The session's service and staff ids as someone believed them (a join token's, or a warm
    Lambda's last read): read beside the session, checked against it after."""

    service_id: str
    staff_id: str | None


@dataclass(frozen=True)
class JoinClicks:
    """X12: when a stable link was first and last followed (times only)."""

    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class LinkContext:
    """Everything one link resolution reads in its first round trip. With hints, the staff
    member and the service they name come too (`hints` says which were read)."""

    site: Site | None
    session: Session | None
    booking: Booking | None
    hints: LinkHints | None = None
    staff: Staff | None = None
    service: Service | None = None
    clicks: JoinClicks | None = None

    def accounts_of(self, session: Session) -> tuple[Staff | None, Service | None] | None:
        """The session's staff member and service if the hints read them (None: a second trip)."""
        if self.hints != LinkHints(session.service_id, session.staff_id):
            return None
        return self.staff, self.service


class Repository:
    """Reads and writes the records of both tables. One per warm Lambda (the composition root)."""

    def __init__(
        self,
        client: DynamoDBClient,
        accounts_table: str,
        session_links_table: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.accounts = accounts_table
        self.links = session_links_table
        self.clock = clock

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # -- primitives ------------------------------------------------------------------------

    def _get_item(self, table: str, key: Key, consistent: bool = True) -> Item | None:
        return self.client.get_item(TableName=table, Key=_key(key), ConsistentRead=consistent).get("Item")

    def _get[M: BaseModel](self, table: str, key: Key, model: type[M]) -> M | None:
        item = self._get_item(table, key)
        return from_item(model, item) if item else None

    def _put(self, table: str, item: Item, condition: str | None = None, values: Item | None = None) -> bool:
        """Write an item; False when `condition` does not hold."""
        kwargs: dict[str, Any] = {"TableName": table, "Item": item}
        if condition:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self.client.put_item(**kwargs)
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def _delete(self, table: str, key: Key, condition: str | None = None, values: Item | None = None) -> bool:
        kwargs: dict[str, Any] = {"TableName": table, "Key": _key(key)}
        if condition:
            kwargs["ConditionExpression"] = condition
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self.client.delete_item(**kwargs)
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def _transact(self, actions: Sequence[Item]) -> bool:
        """One atomic write of several items; False when a condition does not hold."""
        try:
            if len(actions) == 1:
                self._single(actions[0])
            else:
                self.client.transact_write_items(TransactItems=list(actions))  # type: ignore[arg-type]
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def _single(self, action: Item) -> None:
        """A one-item 'transaction' as the plain write it is (half the cost of a transaction)."""
        ((kind, params),) = action.items()
        call: dict[str, Callable[..., Any]] = {
            "Put": self.client.put_item,
            "Update": self.client.update_item,
            "Delete": self.client.delete_item,
        }
        call[kind](**params)

    def batch_get(
        self, requests: Mapping[str, Sequence[Key]], consistent: bool | Collection[str] = True
    ) -> dict[str, list[Item]]:
        """One BatchGetItem across tables (retrying unprocessed keys); raw items by table name.
        `consistent`: for every table, or the names of the tables read strongly (DynamoDB
        chooses per table; the others are read eventually, at half the read units)."""
        pending: dict[str, Any] = {
            table: {
                "Keys": [_key(dict(k)) for k in _unique(tuple(sorted(k.items())) for k in keys)],
                "ConsistentRead": consistent if isinstance(consistent, bool) else table in consistent,
            }
            for table, keys in requests.items()
            if keys
        }
        found: dict[str, list[Item]] = {table: [] for table in requests}
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

    def _batch_write(self, table: str, items: Sequence[Item]) -> None:
        """Put items 25 at a time (BatchWriteItem), retrying what DynamoDB did not process."""
        for start in range(0, len(items), 25):
            pending: dict[str, Any] = {
                table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]
            }
            for attempt in range(BATCH_RETRIES * 2):
                if attempt:
                    time.sleep(min(0.05 * 2**attempt, 1.0))
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise Conflict("The database is busy; try again.", retryable=True)

    def _query(
        self,
        table: str,
        condition: str,
        values: Item,
        *,
        index: str | None = None,
        limit: int | None = None,
        start: Item | None = None,
        forward: bool = True,
    ) -> tuple[list[Item], Item | None]:
        """One page of a query (DynamoDB's own page when `limit` is None)."""
        kwargs: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        if limit:
            kwargs["Limit"] = limit
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self.client.query(**kwargs)
        return page.get("Items", []), page.get("LastEvaluatedKey")

    def _query_all(
        self, table: str, condition: str, values: Item, index: str | None = None
    ) -> Iterator[Item]:
        start: Item | None = None
        while True:
            items, start = self._query(table, condition, values, index=index, start=start)
            yield from items
            if not start:
                return

    def _update_versioned[R: BaseModel](
        self,
        table: str,
        key: Key,
        model: type[R],
        change: Callable[[R | None], R | None],
        work: Work_,
        extra: Callable[[R], Mapping[str, Any]] | None = None,
        also: Callable[[], Sequence[Item]] | None = None,
    ) -> tuple[R | None, R | None]:
        """Read, apply `change`, write if the version is still the one read; retry on conflict.

        `change` gets the current record (None: none yet) and returns the new one (None:
        delete it). Nothing is written when it returns the record unchanged (unless `also`
        has writes: they go with a new version of the record). The work items (a list, or a
        function of the record before and after) and the writes `also` gives (read again on
        each attempt) are made in the same transaction.
        """
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                time.sleep(JITTER.uniform(0.005, 0.02 * 2**attempt))  # spreading retries
            current = self._get(table, key, model)
            updated = change(current)
            others = list(also()) if also else []
            if updated == current and not others:
                return current, current
            version = getattr(current, "version", 0) if current is not None else None
            if current is None:
                condition, values = "attribute_not_exists(pk)", None
            else:
                condition, values = "version = :v", _serialize({":v": version})
            if updated is None:
                action: Item = {
                    "Delete": {"TableName": table, "Key": _key(key), "ConditionExpression": condition}
                }
                if values:
                    action["Delete"]["ExpressionAttributeValues"] = values
                saved = None
            else:
                saved = updated.model_copy(update={"version": (version or 0) + 1})
                item = to_item(saved, key, **(extra(saved) if extra else {}))
                action = {"Put": {"TableName": table, "Item": item, "ConditionExpression": condition}}
                if values:
                    action["Put"]["ExpressionAttributeValues"] = values
            refs = work(current, updated) if callable(work) else work
            if self._transact([action, *others, *self._flag_actions(refs)]):
                return current, saved
        raise Conflict("The record keeps changing under concurrent requests; try again.", retryable=True)

    # -- sites -----------------------------------------------------------------------------

    def create_site(self, site: Site) -> None:
        if not self._put(self.accounts, to_item(site, site_key(site.site_id)), "attribute_not_exists(pk)"):
            raise Conflict(f"Site '{site.site_id}' exists already.")

    def get_site(self, site_id: str) -> Site | None:
        return self._get(self.accounts, site_key(site_id), Site)

    def update_site(
        self,
        site_id: str,
        change: Callable[[Site], Site],
        work: Work_ = (),
        also: Callable[[], Sequence[Item]] | None = None,
    ) -> tuple[Site, Site]:
        """A conditional read-modify-write of an existing site (settings, default account...). A
        site gone by then (deleted since its caller was authenticated) answers as a site that does
        not exist does to its key: 401, word for word (shared.domain.auth)."""

        def apply(current: Site | None) -> Site | None:
            if current is None:
                raise _Missing
            return change(current)

        try:
            before, after = self._update_versioned(
                self.accounts, site_key(site_id), Site, apply, work, also=also
            )
        except _Missing:
            raise Unauthorized(WRONG_KEY) from None
        assert before is not None
        assert after is not None
        return before, after

    # -- staff -----------------------------------------------------------------------------

    def get_staff(self, site_id: str, staff_id: str) -> Staff | None:
        return self._get(self.accounts, staff_key(site_id, staff_id), Staff)

    def update_staff(
        self,
        site_id: str,
        staff_id: str,
        change: Callable[[Staff], Staff],
        work: Work_ = (),
    ) -> tuple[Staff | None, Staff]:
        """Create or change a staff member (an absent one starts empty)."""

        def apply(current: Staff | None) -> Staff:
            return change(current or Staff(site_id=site_id, staff_id=staff_id))

        before, after = self._update_versioned(
            self.accounts, staff_key(site_id, staff_id), Staff, apply, work
        )
        assert after is not None
        return before, after

    def list_staff(self, site_id: str) -> list[Staff]:
        condition = "pk = :pk AND begins_with(sk, :sk)"
        values = _serialize({":pk": _site_pk(site_id), ":sk": "STAFF#"})
        return [from_item(Staff, i) for i in self._query_all(self.accounts, condition, values)]

    # -- services --------------------------------------------------------------------------

    def get_service(self, site_id: str, service_id: str) -> Service | None:
        return self._get(self.accounts, service_key(site_id, service_id), Service)

    def update_service(
        self,
        site_id: str,
        service_id: str,
        change: Callable[[Service | None], Service | None],
        work: Work_ = (),
    ) -> tuple[Service | None, Service | None]:
        """Create, change or (returning None) delete a service, with the work it implies."""
        return self._update_versioned(self.accounts, service_key(site_id, service_id), Service, change, work)

    # -- sessions --------------------------------------------------------------------------

    def get_session(self, site_id: str, session_id: str) -> Session | None:
        return self._get(self.links, session_key(site_id, session_id), Session)

    def update_session(
        self,
        site_id: str,
        session_id: str,
        change: Callable[[Session | None], Session | None],
        work: Work_ = (),
    ) -> tuple[Session | None, Session | None]:
        """Create or change a session (conditional on its version), with the work it implies."""
        return self._update_versioned(
            self.links, session_key(site_id, session_id), Session, change, work, _session_indexes
        )

    def import_sessions(self, sessions: Sequence[Session]) -> None:
        """New sessions written in bulk (an import, a test's seed): no version check and no work
        flagged; flag their SESSION items after, if they need meetings."""
        self._batch_write(self.links, [_session_item(s) for s in sessions])

    def import_bookings(self, bookings: Sequence[Booking]) -> None:
        """New bookings written in bulk (as `import_sessions`)."""
        keys = [booking_key(b.site_id, b.session_id, b.booking_id) for b in bookings]
        self._batch_write(self.links, [to_item(b, k) for b, k in zip(bookings, keys, strict=True)])

    def import_work(self, refs: Sequence[WorkRef], due: datetime) -> None:
        """Work items written in bulk, all due at `due` (a backlog's seed: `flag_work` is one write each)."""
        self._batch_write(self.links, [work_item(ref, due) for ref in refs])

    def record_meeting(
        self,
        session: Session,
        meeting: MeetingRef | None,
        state: MeetingState,
        reason: str | None,
        *,
        clients_fingerprint: str | None = None,
        work: Sequence[WorkRef] = (),
    ) -> Session | None:
        """Store a reconcile's outcome, if the session still holds the meeting `session` holds.

        Only the meeting fields change (the platform's fields may have moved meanwhile: that
        change flagged the work again). None: the meeting was changed by someone else (a
        webhook): the caller reads the session again. `work` (an event for the platform) is
        flagged in the same write; the session is then read back (a transaction returns nothing).
        """
        sets = ["meeting_state = :state", "version = version + :one"]
        removes = []
        values: dict[str, Any] = {":state": state.value, ":one": 1}
        if meeting is not None:
            sets.append("meeting = :meeting")
            values[":meeting"] = meeting.model_dump(mode="json", exclude_none=True)
            end = _sortable(session.end)
            sets += ["conn_pk = :conn_pk", "conn_sk = :conn_sk"]
            values[":conn_pk"] = f"{_site_pk(session.site_id)}#CONN#{meeting.connection_id}"
            values[":conn_sk"] = f"{end}#{session.session_id}"
        else:
            removes += ["meeting", "conn_pk", "conn_sk"]
        if reason is not None:
            sets.append("pending_reason = :reason")
            values[":reason"] = reason
        else:
            removes.append("pending_reason")
        if clients_fingerprint is not None:
            sets.append("clients_fingerprint = :told")
            values[":told"] = clients_fingerprint
        held = session.meeting.meeting_id if session.meeting else None
        condition = "attribute_exists(pk) AND " + (
            "meeting.meeting_id = :held" if held else "attribute_not_exists(meeting)"
        )
        if held:
            values[":held"] = held
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        if work:
            return self._record_meeting_with_work(session, meeting, expression, condition, values, work)
        try:
            answer = self.client.update_item(
                TableName=self.links,
                Key=_key(session_key(session.site_id, session.session_id)),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeValues=_serialize(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        if meeting is not None and (not session.meeting or session.meeting.meeting_id != meeting.meeting_id):
            self._index_meeting(session, meeting)
        self._index_check(session, session.meeting, meeting)
        return from_item(Session, answer["Attributes"])

    def _record_meeting_with_work(
        self,
        session: Session,
        meeting: MeetingRef | None,
        expression: str,
        condition: str,
        values: dict[str, Any],
        work: Sequence[WorkRef],
    ) -> Session | None:
        update = {
            "TableName": self.links,
            "Key": _key(session_key(session.site_id, session.session_id)),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": _serialize(values),
        }
        if not self._transact([{"Update": update}, *self._flag_actions(work, timedelta())]):
            return None
        if meeting is not None and (not session.meeting or session.meeting.meeting_id != meeting.meeting_id):
            self._index_meeting(session, meeting)
        return self.get_session(session.site_id, session.session_id)

    def mark_pending(self, site_id: str, session_id: str, reason: str) -> Session | None:
        """The meeting work did not finish: say why (the meeting reference, if any, is kept)."""
        try:
            answer = self.client.update_item(
                TableName=self.links,
                Key=_key(session_key(site_id, session_id)),
                UpdateExpression="SET meeting_state = :p, pending_reason = :r",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=_serialize({":p": MeetingState.PENDING.value, ":r": reason}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        return from_item(Session, answer["Attributes"])

    def set_clients_fingerprint(
        self, session: Session, fingerprint: str, work: Sequence[WorkRef] = ()
    ) -> None:
        """What the session's clients were last brought in step with, and the work (an event for
        the platform) that implies, in one write."""
        update: dict[str, Any] = {
            "TableName": self.links,
            "Key": _key(session_key(session.site_id, session.session_id)),
            "UpdateExpression": "SET clients_fingerprint = :f",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": _serialize({":f": fingerprint}),
        }
        if not work:
            self.client.update_item(**update)
            return
        self._transact([{"Update": update}, *self._flag_actions(work, timedelta())])

    def forget_meeting(self, site_id: str, session_id: str, meeting_id: str, reason: str) -> bool:
        """The provider lost the meeting (deleted there): drop the reference if it is still that one,
        and flag the session so the reconciler makes a new one. False: nothing to forget."""
        update = {
            "Update": {
                "TableName": self.links,
                "Key": _key(session_key(site_id, session_id)),
                "UpdateExpression": "SET meeting_state = :p, pending_reason = :r, version = version + :one "
                "REMOVE meeting, conn_pk, conn_sk",
                "ConditionExpression": "meeting.meeting_id = :m",
                "ExpressionAttributeValues": _serialize(
                    {":p": MeetingState.PENDING.value, ":r": reason, ":one": 1, ":m": meeting_id}
                ),
            }
        }
        return self._transact([update, *self._flag_actions([WorkRef.session(site_id, session_id)])])

    def store_start_url(self, session: Session, start_url: str, read_at: datetime) -> None:
        """A fresh host link read from the provider (only if the meeting is still the same one)."""
        if session.meeting is None:
            return
        try:
            self.client.update_item(
                TableName=self.links,
                Key=_key(session_key(session.site_id, session.session_id)),
                UpdateExpression="SET meeting.start_url = :u, meeting.start_url_at = :t",
                ConditionExpression="meeting.meeting_id = :m",
                ExpressionAttributeValues=_serialize(
                    {":u": start_url, ":t": read_at.isoformat(), ":m": session.meeting.meeting_id}
                ),
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def _index_meeting(self, session: Session, meeting: MeetingRef) -> None:
        """MEETING#{id} -> the session: the provider's meeting.deleted webhook names only the meeting."""
        expires = session.end + timedelta(days=MEETING_INDEX_DAYS)
        item = {
            **meeting_index_key(meeting.meeting_id),
            "site_id": session.site_id,
            "session_id": session.session_id,
            "expires_at": int(expires.timestamp()),
        }
        self._put(self.links, _serialize(item))

    def _index_check(self, session: Session, before: MeetingRef | None, after: MeetingRef | None) -> None:
        """X10: a session with a provider meeting is listed by its start time (an index item in a
        partition per start hour and shard), so the checks before sessions find it from a schedule.
        A stale item (a session moved or cancelled since) is skipped by the check itself."""
        old = before.start if before else None
        new = after.start if after else None
        if old == new:
            return
        if old is not None:
            self._delete(self.links, check_index_key(session.site_id, session.session_id, old))
        if new is not None:
            item = {
                **check_index_key(session.site_id, session.session_id, new),
                "site_id": session.site_id,
                "session_id": session.session_id,
                "expires_at": int((new + timedelta(days=2)).timestamp()),
            }
            self._put(self.links, _serialize(item))

    def sessions_starting(self, start: datetime, end: datetime) -> list[tuple[str, str, datetime, set[int]]]:
        """X10: (site, session, start, hours already checked) of every session with a provider meeting
        that starts within [start, end], across sites (the check index, a few partitions per hour)."""
        found = []
        hour = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        while hour <= end:
            for shard in range(CHECK_SHARDS):
                pk = f"ZCHECK#{hour.strftime('%Y-%m-%dT%H')}#{shard}"
                values = _serialize({":pk": pk, ":lo": _sortable(start), ":hi": _sortable(end) + "#\uffff"})
                for item in self._query_all(self.links, "pk = :pk AND sk BETWEEN :lo AND :hi", values):
                    plain = _deserialize(item)
                    when = datetime.fromisoformat(str(plain["sk"]).partition("#")[0].replace("Z", "+00:00"))
                    done = {int(h) for h in plain.get("done", [])}
                    found.append((str(plain["site_id"]), str(plain["session_id"]), when, done))
            hour += timedelta(hours=1)
        return found

    def flag_check(self, site_id: str, session_id: str, start: datetime, hours: int) -> bool:
        """Flag a session's check for `hours` before its start, once (False: flagged before)."""
        ref = WorkRef(site_id, WorkKind.CHECK, session_id)
        mark = {
            "Update": {
                "TableName": self.links,
                "Key": _key(check_index_key(site_id, session_id, start)),
                "UpdateExpression": "ADD done :h",
                "ConditionExpression": "attribute_exists(pk) AND NOT contains(done, :one)",
                "ExpressionAttributeValues": {":h": {"NS": [str(hours)]}, ":one": {"N": str(hours)}},
            }
        }
        return self._transact([mark, *self._flag_actions([ref], timedelta())])

    def record_check(self, site_id: str, session_id: str, check: SessionCheck) -> None:
        """X10: the outcome of a session's last check, for its admin (a field the platform never writes)."""
        try:
            self.client.update_item(
                TableName=self.links,
                Key=_key(session_key(site_id, session_id)),
                UpdateExpression="SET #check = :c",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#check": "check"},
                ExpressionAttributeValues=_serialize(
                    {":c": check.model_dump(mode="json", exclude_none=True)}
                ),
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def note_meeting_at_zoom(
        self, site_id: str, session_id: str, meeting_id: str, start: datetime | None, duration: int | None
    ) -> bool:
        """The provider's meeting was changed there (its portal, meeting.updated) or found so by a
        check: its stored times become what the provider has, and the session's item is flagged,
        so the reconciler puts the session's own times back. False: not that session's meeting."""
        sets, values = ["version = version + :one"], {":one": 1, ":m": meeting_id}
        names = {}
        if start is not None:
            sets.append("meeting.#start = :start")
            values[":start"] = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
            names["#start"] = "start"
        if duration is not None:
            sets.append("meeting.duration_minutes = :duration")
            values[":duration"] = duration
        update: Item = {
            "TableName": self.links,
            "Key": _key(session_key(site_id, session_id)),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "meeting.meeting_id = :m",
            "ExpressionAttributeValues": _serialize(values),
        }
        if names:
            update["ExpressionAttributeNames"] = names
        return self._transact(
            [{"Update": update}, *self._flag_actions([WorkRef.session(site_id, session_id)])]
        )

    # -- webhook markers -------------------------------------------------------------------

    def webhook_seen(self, digest: str) -> bool:
        """Whether a webhook event with this digest was handled already (Zoom retries)."""
        return self._get_item(self.links, {"pk": f"HOOK#{digest}", "sk": "HOOK"}) is not None

    def mark_webhook(self, digest: str, days: int) -> None:
        """A webhook event was handled: its retries are answered without acting again (TTL)."""
        item = {"pk": f"HOOK#{digest}", "sk": "HOOK", "expires_at": int(self.clock()) + days * 86400}
        self._put(self.links, _serialize(item))

    def session_of_meeting(self, meeting_id: str) -> tuple[str, str] | None:
        item = self._get_item(self.links, meeting_index_key(meeting_id))
        if item is None:
            return None
        plain = _deserialize(item)
        return str(plain["site_id"]), str(plain["session_id"])

    def sessions_of(
        self, site_id: str, scope: str, now: datetime, cursor: str | None, limit: int
    ) -> Page[str]:
        """Ids of the sessions of a scope that have not ended (a narrow index each; never the past)."""
        kind, value = Scope.parse(scope)
        site = _site_pk(site_id)
        if kind == "site":  # by start: a session lasts at most 24 h, so one starting earlier has ended
            index, pk_name, sk_name, pk = "by_start", "start_pk", "start_sk", site
            low = _sortable(now - timedelta(hours=SESSION_MAX_HOURS))
        else:
            index, pk_name, sk_name, label = _NARROW_INDEXES[kind]
            pk, low = f"{site}#{label}#{value}", _sortable(now)
        condition = f"{pk_name} = :pk AND {sk_name} >= :low"
        start = decode_cursor(cursor, {pk_name: pk})
        items, last = self._query(
            self.links, condition, _serialize({":pk": pk, ":low": low}), index=index, limit=limit, start=start
        )
        ids = [i["pk"]["S"].partition("#SESSION#")[2] for i in items]
        return Page(ids, encode_cursor(last))

    def sessions_between(
        self, site_id: str, start: datetime, end: datetime, cursor: str | None, limit: int
    ) -> Page[Session]:
        """A page of a site's sessions that start within [start, end] (the report), by start."""
        pk = _site_pk(site_id)
        condition = "start_pk = :pk AND start_sk BETWEEN :lo AND :hi"
        values = _serialize({":pk": pk, ":lo": _sortable(start), ":hi": _sortable(end) + "#\uffff"})
        begin = decode_cursor(cursor, {"start_pk": pk})
        items, last = self._query(self.links, condition, values, index="by_start", limit=limit, start=begin)
        return Page([from_item(Session, i) for i in items], encode_cursor(last))

    def reminders_due(
        self, shard: int, now: datetime, cursor: str | None, limit: int
    ) -> Page[tuple[str, str]]:
        """(site, session) of the sessions whose next reminder is due by `now`, across sites, oldest
        first (X08). A session leaves the index when it has no reminder to come."""
        pk = f"REMIND#{shard}"
        values = _serialize({":pk": pk, ":hi": f"{_sortable(now)}#\uffff"})
        start = decode_cursor(cursor, {"remind_pk": pk})
        items, last = self._query(
            self.links,
            "remind_pk = :pk AND remind_sk <= :hi",
            values,
            index="by_reminder",
            limit=limit,
            start=start,
        )
        found = []
        for item in items:
            site_part, _, session_id = item["pk"]["S"].partition("#SESSION#")
            found.append((site_part.removeprefix("SITE#"), session_id))
        return Page(found, encode_cursor(last))

    # -- bookings --------------------------------------------------------------------------

    def get_booking(self, site_id: str, session_id: str, booking_id: str) -> Booking | None:
        return self._get(self.links, booking_key(site_id, session_id, booking_id), Booking)

    def update_booking(
        self,
        site_id: str,
        session_id: str,
        booking_id: str,
        change: Callable[[Booking | None], Booking | None],
        work: Work_ = (),
    ) -> tuple[Booking | None, Booking | None]:
        return self._update_versioned(
            self.links, booking_key(site_id, session_id, booking_id), Booking, change, work
        )

    def set_registrant(self, booking: Booking, registrant: Registrant | None) -> None:
        """The worker's registrant of a booking (a field the platform's writes never touch)."""
        key = _key(booking_key(booking.site_id, booking.session_id, booking.booking_id))
        if registrant is None:
            expression, values = "REMOVE registrant", None
        else:
            expression = "SET registrant = :r"
            values = _serialize({":r": registrant.model_dump(mode="json")})
        kwargs: dict[str, Any] = {
            "TableName": self.links,
            "Key": key,
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(pk)",
        }
        if values:
            kwargs["ExpressionAttributeValues"] = values
        try:
            self.client.update_item(**kwargs)
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def remember_email(
        self, booking: Booking, told: Told | None, calendar_uid: str | None, sequence: int | None
    ) -> None:
        """What a client's email told them (X02) and the invitation it carried (X09), after it went.

        Raises the version: a platform write that read the booking before this one retries on
        fresh data instead of putting the old state back."""
        sets = ["version = version + :one"]
        values: dict[str, Any] = {":one": 1}
        removes = ["email_problem"]
        for name, value in (
            ("told", told.model_dump(mode="json", exclude_none=True) if told else None),
            ("calendar_uid", calendar_uid),
            ("calendar_sequence", sequence),
        ):
            if value is not None:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = value
        self._update_booking(booking, "SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes), values)

    def set_email_problem(self, site_id: str, session_id: str, booking_id: str, problem: str) -> None:
        """An email to the booking's client was refused or bounced for good (shown to the admin)."""
        key = booking_key(site_id, session_id, booking_id)
        values = {":p": problem[:500], ":one": 1}
        self._update_booking_key(key, "SET email_problem = :p, version = version + :one", values)

    def _update_booking(self, booking: Booking, expression: str, values: dict[str, Any]) -> None:
        self._update_booking_key(
            booking_key(booking.site_id, booking.session_id, booking.booking_id), expression, values
        )

    def _update_booking_key(self, key: Key, expression: str, values: dict[str, Any]) -> None:
        try:
            self.client.update_item(
                TableName=self.links,
                Key=_key(key),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=_serialize(values),
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    # -- addresses emails cannot reach -------------------------------------------------------

    def mark_undeliverable(self, site_id: str, address: str, reason: str, at: datetime) -> None:
        """A site's client address that bounced for good or complained: never emailed again."""
        item = {**undeliverable_key(site_id, address), "reason": reason[:500], "at": at.isoformat()}
        self._put(self.accounts, _serialize(item))

    def undeliverable(self, site_id: str, address: str) -> str | None:
        """Why this site may not email this address any more (None: it may)."""
        item = self._get_item(self.accounts, undeliverable_key(site_id, address))
        return str(_deserialize(item)["reason"]) if item else None

    # -- sender addresses (one site each) ---------------------------------------------------

    def claim_sender(self, site_id: str, address: str) -> bool:
        """Make `address` this site's sender; False when another site holds it."""
        item = _serialize({**sender_claim_key(address), "site_id": site_id})
        return self._put(
            self.accounts, item, "attribute_not_exists(pk) OR site_id = :site", _serialize({":site": site_id})
        )

    def release_sender(self, site_id: str, address: str) -> None:
        self._delete(
            self.accounts, sender_claim_key(address), "site_id = :site", _serialize({":site": site_id})
        )

    def bookings_page(self, site_id: str, session_id: str, cursor: str | None, limit: int) -> Page[Booking]:
        pk = _session_pk(site_id, session_id)
        condition = "pk = :pk AND begins_with(sk, :sk)"
        values = _serialize({":pk": pk, ":sk": "BOOKING#"})
        start = decode_cursor(cursor, {"pk": pk})
        items, last = self._query(self.links, condition, values, limit=limit, start=start)
        return Page([from_item(Booking, i) for i in items], encode_cursor(last))

    def list_bookings(self, site_id: str, session_id: str) -> list[Booking]:
        condition = "pk = :pk AND begins_with(sk, :sk)"
        values = _serialize({":pk": _session_pk(site_id, session_id), ":sk": "BOOKING#"})
        return [from_item(Booking, i) for i in self._query_all(self.links, condition, values)]

    # -- link resolution reads -------------------------------------------------------------

    def load_link_context(
        self,
        site_id: str,
        session_id: str,
        booking_id: str | None,
        *,
        hints: LinkHints | None = None,
        clicks: bool = False,
        strong: bool | Collection[str] = True,
    ) -> LinkContext:
        """Round trip 1: the site, the session and (if asked) the booking, in one BatchGetItem;
        with `hints`, the staff member and the service they name too (no second trip when they
        still hold); with `clicks`, the join clicks of the booking's link (or the staff's).
        `strong`: True, False, or which of "accounts" / "links" is read strongly."""
        links_keys = [session_key(site_id, session_id)]
        if booking_id is not None:
            links_keys.append(booking_key(site_id, session_id, booking_id))
        if clicks:
            links_keys.append(join_click_key(site_id, session_id, booking_id))
        accounts_keys = [site_key(site_id)]
        if hints is not None:
            accounts_keys.append(service_key(site_id, hints.service_id))
            if hints.staff_id is not None:
                accounts_keys.append(staff_key(site_id, hints.staff_id))
        tables = {"accounts": self.accounts, "links": self.links}
        consistent = strong if isinstance(strong, bool) else {tables[name] for name in strong}
        found = self.batch_get({self.accounts: accounts_keys, self.links: links_keys}, consistent)
        site, staff, service = _site_staff_service(found[self.accounts])
        session = booking = joined = None
        for item in found[self.links]:
            sk = item["sk"]["S"]
            if sk == "SESSION":
                session = from_item(Session, item)
            elif sk.startswith("JOINED"):
                joined = _clicks(item)
            else:
                booking = from_item(Booking, item)
        return LinkContext(site, session, booking, hints, staff, service, joined)

    def load_staff_and_service(
        self, site_id: str, staff_id: str | None, service_id: str, *, strong: bool = True
    ) -> tuple[Staff | None, Service | None]:
        """Round trip 2: the session's staff member and service, in one BatchGetItem."""
        keys = [service_key(site_id, service_id)]
        if staff_id is not None:
            keys.append(staff_key(site_id, staff_id))
        found = self.batch_get({self.accounts: keys}, strong)[self.accounts]
        staff = service = None
        for item in found:
            if item["sk"]["S"].startswith("STAFF#"):
                staff = from_item(Staff, item)
            else:
                service = from_item(Service, item)
        return staff, service

    def record_join_click(self, site_id: str, session_id: str, booking_id: str | None, at: datetime) -> None:
        """X12: one UpdateItem, no read: the first click kept (if_not_exists), the latest set. Its
        own item, so the versioned writes of the session and the booking never race with it."""
        self.client.update_item(
            TableName=self.links,
            Key=_key(join_click_key(site_id, session_id, booking_id)),
            UpdateExpression="SET first_at = if_not_exists(first_at, :at), last_at = :at",
            ExpressionAttributeValues=_serialize({":at": at.isoformat()}),
        )

    def join_clicks_of_staff(self, site_id: str, session_ids: Iterable[str]) -> dict[str, JoinClicks]:
        """X12: the staff member's clicks of each session (a report page's), by session id; one
        BatchGetItem a 100 sessions, eventually consistent (a click a second old may be missed)."""
        keys = [join_click_key(site_id, s, None) for s in _unique(session_ids)]
        found: dict[str, JoinClicks] = {}
        for start in range(0, len(keys), 100):
            for item in self.batch_get({self.links: keys[start : start + 100]}, False)[self.links]:
                clicks = _clicks(item)
                if clicks is not None:
                    found[item["pk"]["S"].rsplit("#", 1)[1]] = clicks
        return found

    def load_accounts(
        self, site_id: str, staff_ids: Iterable[str], service_ids: Iterable[str]
    ) -> tuple[dict[str, Staff], dict[str, Service]]:
        """Staff members and services by id, in one BatchGetItem (a report page's)."""
        keys = [staff_key(site_id, s) for s in staff_ids] + [service_key(site_id, s) for s in service_ids]
        staff: dict[str, Staff] = {}
        services: dict[str, Service] = {}
        for start in range(0, len(keys), 100):
            for item in self.batch_get({self.accounts: keys[start : start + 100]})[self.accounts]:
                if item["sk"]["S"].startswith("STAFF#"):
                    member = from_item(Staff, item)
                    staff[member.staff_id] = member
                else:
                    service = from_item(Service, item)
                    services[service.service_id] = service
        return staff, services

    def load_change_context(
        self, site_id: str, session_id: str, service_id: str, staff_id: str | None
    ) -> tuple[Site | None, Session | None, Service | None, Staff | None]:
        """What a session write needs to check before writing, in one BatchGetItem."""
        accounts = [site_key(site_id), service_key(site_id, service_id)]
        if staff_id:
            accounts.append(staff_key(site_id, staff_id))
        found = self.batch_get({self.accounts: accounts, self.links: [session_key(site_id, session_id)]})
        site, staff, service = _site_staff_service(found[self.accounts])
        session = next((from_item(Session, i) for i in found[self.links]), None)
        return site, session, service, staff

    # -- work items (DESIGN.md: one pipeline) ----------------------------------------------

    def _flag_actions(self, refs: Sequence[WorkRef], delay: timedelta = timedelta(seconds=60)) -> list[Item]:
        """Flag work items (create, or mark again): a new `gen`, due after `delay`, attempts reset.

        A lease a worker holds is kept: its finish will see the new gen and go round again.
        The delay leaves the caller time to do the item inline or to queue it; if it dies
        first, the dispatcher finds the item when it falls due.
        """
        due = self.now() + delay
        return [{"Update": self._flag_update(ref, due)} for ref in _unique(refs)]

    def _flag_update(self, ref: WorkRef, due: datetime) -> Item:
        """`pending_since`: when the item was first flagged and not yet finished (its age, for the
        operator's metrics); a WEBHOOK item's event rides in `payload`."""
        values: dict[str, Any] = {
            ":gen": _new_gen(),
            ":zero": 0,
            ":due_pk": due_shard(ref.site_id),
            ":due_sk": _due_sk(ref, due),
            ":site": ref.site_id,
            ":now": int(self.clock()),
        }
        sets = "SET gen = :gen, attempts = :zero, due_pk = :due_pk, due_sk = :due_sk, site_id_w = :site, "
        sets += "pending_since = if_not_exists(pending_since, :now)"
        if ref.payload is not None:
            sets += ", payload = :payload"
            values[":payload"] = ref.payload
        return {
            "TableName": self.links,
            "Key": _key(work_key(ref)),
            "UpdateExpression": sets + " REMOVE page_cursor, last_reason",
            "ExpressionAttributeValues": _serialize(values),
        }

    def flag_work(self, refs: Sequence[WorkRef], delay: timedelta = timedelta(seconds=60)) -> None:
        """Flag items outside a record's transaction (fan-outs: each item is its own write)."""
        for start in range(0, len(refs), TRANSACT_LIMIT):
            for action in self._flag_actions(refs[start : start + TRANSACT_LIMIT], delay):
                self.client.update_item(**action["Update"])

    def claim_work(self, ref: WorkRef, owner: str, lease: timedelta) -> Work | None:
        """Take an item for `lease` (no other worker acts on it meanwhile). None: gone or held.

        A message is a request to do the item now, whatever its due time says: the due time is
        when the dispatcher queues it unasked (a retry, or a request that died before queueing)."""
        now = self.now()
        # (its own holder takes it again: a round that saw the item flagged anew goes on at once)
        condition = (
            "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now "
            "OR lease_owner = :o)"
        )
        values: dict[str, Any] = {
            ":o": owner,
            ":until": int((now + lease).timestamp()),
            ":one": 1,
            ":now": int(now.timestamp()),
            ":due_sk": _due_sk(ref, now + lease),
        }
        try:
            answer = self.client.update_item(
                TableName=self.links,
                Key=_key(work_key(ref)),
                UpdateExpression="SET lease_owner = :o, lease_until = :until, attempts = attempts + :one, "
                "due_sk = :due_sk",
                ConditionExpression=condition,
                ExpressionAttributeValues=_serialize(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        plain = _deserialize(answer["Attributes"])
        return Work(
            ref=ref,
            gen=str(plain["gen"]),
            attempts=int(plain.get("attempts", 1)),
            cursor=plain.get("page_cursor"),
            reason=plain.get("last_reason"),
            payload=plain.get("payload"),
        )

    def finish_work(self, work: Work, owner: str) -> bool:
        """Done: remove the item, unless it was flagged again meanwhile (then False: go round again)."""
        return self._delete(
            self.links,
            work_key(work.ref),
            "gen = :gen AND lease_owner = :o",
            _serialize({":gen": work.gen, ":o": owner}),
        )

    def release_work(
        self, work: Work, owner: str, due: datetime, reason: str | None, cursor: str | None = None
    ) -> None:
        """Give the item back, due at `due` (a retry, a continuation, or a flag that came meanwhile).

        A fan-out's cursor is kept only if the item was not flagged again meanwhile: a new
        change to the scope starts the fan-out from its first page."""
        if cursor is not None and self._release(work, owner, due, reason, cursor, same_gen=True):
            return
        self._release(work, owner, due, reason, None, same_gen=False)

    def _release(
        self, work: Work, owner: str, due: datetime, reason: str | None, cursor: str | None, *, same_gen: bool
    ) -> bool:
        sets = ["due_sk = :due_sk"]
        values: dict[str, Any] = {":due_sk": _due_sk(work.ref, due), ":o": owner}
        removes = ["lease_owner", "lease_until"]
        for name, value in (("last_reason", reason), ("page_cursor", cursor)):
            if value is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = value
        condition = "lease_owner = :o"
        if same_gen:
            condition += " AND gen = :gen"
            values[":gen"] = work.gen
        try:
            self.client.update_item(
                TableName=self.links,
                Key=_key(work_key(work.ref)),
                UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
                ConditionExpression=condition,
                ExpressionAttributeValues=_serialize(values),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def get_work(self, ref: WorkRef) -> dict[str, Any] | None:
        """A work item as stored (for the API's views of pending work, and the tests)."""
        item = self._get_item(self.links, work_key(ref))
        return _deserialize(item) if item else None

    def next_site_with_work(self, shard: str, after_site: str | None) -> str | None:
        """The first site after `after_site` with work in a shard (a skip-scan: one read per site)."""
        low = f"{after_site}#\uffff" if after_site else "#"  # "#" sorts before every id
        items, _ = self._query(
            self.links,
            "due_pk = :pk AND due_sk > :low",
            _serialize({":pk": shard, ":low": low}),
            index="due_work",
            limit=1,
        )
        return items[0]["due_sk"]["S"].partition("#")[0] if items else None

    def due_work(self, shard: str, site_id: str, now: datetime, limit: int) -> list[tuple[WorkRef, str]]:
        """Up to `limit` of a site's items that are due, oldest first: (ref, its due_sk)."""
        items, _ = self._query(
            self.links,
            "due_pk = :pk AND due_sk BETWEEN :lo AND :hi",
            _serialize({":pk": shard, ":lo": f"{site_id}#", ":hi": f"{site_id}#{_sortable(now)}#\uffff"}),
            index="due_work",
            limit=limit,
        )
        found = []
        for item in items:
            due_sk = item["due_sk"]["S"]
            _, kind, target = item["pk"]["S"].split("#", 3)[1:]
            found.append((WorkRef(site_id, WorkKind(kind), target), due_sk))
        return found

    def postpone_work(
        self, ref: WorkRef, seen_due_sk: str, due: datetime, pending_since: list[int] | None = None
    ) -> bool:
        """The dispatcher's hold on an item it queued: due again later unless a worker finishes it.
        False: the item changed since it was read (another dispatcher took it, or it is gone).
        `pending_since` gets the item's first-flagged time (epoch seconds), read by the same write."""
        try:
            answer = self.client.update_item(
                TableName=self.links,
                Key=_key(work_key(ref)),
                UpdateExpression="SET due_sk = :new",
                ConditionExpression="due_sk = :seen",
                ExpressionAttributeValues=_serialize({":new": _due_sk(ref, due), ":seen": seen_due_sk}),
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        since = _deserialize(answer.get("Attributes") or {}).get("pending_since")
        if pending_since is not None and since is not None:
            pending_since.append(int(since))
        return True

    # -- leases ----------------------------------------------------------------------------

    def take_lease(self, name: str, owner: str, seconds: int) -> bool:
        """A short exclusive lease (one token refresher, one dispatcher); an expired one is taken over."""
        now = int(self.clock())
        item = _serialize({**lease_key(name), "lease_owner": owner, "expires_at": now + seconds})
        return self._put(
            self.accounts,
            item,
            "attribute_not_exists(pk) OR expires_at < :now",
            _serialize({":now": now}),
        )

    def release_lease(self, name: str, owner: str) -> bool:
        """Give a lease back, unless it expired and another holder took it over meanwhile."""
        return self._delete(self.accounts, lease_key(name), "lease_owner = :o", _serialize({":o": owner}))

    # -- sent-email markers ----------------------------------------------------------------

    def mark_sent(self, site_id: str, session_id: str, digest: str, days: int) -> bool:
        """Record an email about to be sent; False when the same email was recorded before."""
        item = {
            "pk": f"SENT#{site_id}#{session_id}#{digest}",
            "sk": "SENT",
            "expires_at": int(self.clock()) + days * 86400,
        }
        return self._put(self.links, _serialize(item), "attribute_not_exists(pk)")

    def unmark_sent(self, site_id: str, session_id: str, digest: str) -> None:
        """The send failed: the same email may be tried again."""
        self._delete(self.links, {"pk": f"SENT#{site_id}#{session_id}#{digest}", "sk": "SENT"})

    # -- OAuth states ----------------------------------------------------------------------

    def save_oauth_state(self, nonce: str, record: Mapping[str, Any], expires_at: int) -> None:
        item = {"pk": f"OAUTH#{nonce}", "sk": "STATE", **record, "expires_at": expires_at}
        self._put(self.accounts, _serialize(item))

    def take_oauth_state(self, nonce: str) -> dict[str, Any] | None:
        """Delete a state and return it, atomically: a state works once."""
        return self._take_once({"pk": f"OAUTH#{nonce}", "sk": "STATE"})

    def save_confirmation(self, request_id: str, record: Mapping[str, Any], expires_at: int) -> None:
        """A connection waiting for its admin's confirmation (the page after Zoom's consent)."""
        item = {"pk": f"OAUTH#{request_id}", "sk": "CONFIRM", **record, "expires_at": expires_at}
        self._put(self.accounts, _serialize(item))

    def take_confirmation(self, request_id: str) -> dict[str, Any] | None:
        """Delete a confirmation and return it, atomically: it is answered once."""
        return self._take_once({"pk": f"OAUTH#{request_id}", "sk": "CONFIRM"})

    def _take_once(self, key: Key) -> dict[str, Any] | None:
        """Delete an accounts item and return it, or None if another taker was first."""
        try:
            answer = self.client.delete_item(
                TableName=self.accounts,
                Key=_key(key),
                ConditionExpression="attribute_exists(pk)",
                ReturnValues="ALL_OLD",
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return None
            raise
        return _deserialize(answer.get("Attributes") or {})

    def use_ticket(self, site_id: str, ticket_id: str, expires_at: int) -> bool:
        """A single-use ticket (a connect ticket) is used now; False if it was used before."""
        item = {"pk": f"TICKET#{site_id}#{ticket_id}", "sk": "TICKET", "expires_at": expires_at}
        return self._put(self.accounts, _serialize(item), "attribute_not_exists(pk)")

    # -- Zoom connections ------------------------------------------------------------------

    def get_connection(self, site_id: str, connection_id: str) -> Connection | None:
        return self._get(self.accounts, connection_key(site_id, connection_id), Connection)

    def update_connection(
        self,
        site_id: str,
        connection_id: str,
        change: Callable[[Connection | None], Connection | None],
        work: Work_ = (),
    ) -> tuple[Connection | None, Connection | None]:
        def indexes(connection: Connection) -> dict[str, str]:
            return {
                "user_pk": f"ZOOMUSER#{connection.zoom_account_id}#{connection.zoom_user_id}",
                "user_sk": f"SITE#{connection.site_id}#{connection.connection_id}",
            }

        return self._update_versioned(
            self.accounts, connection_key(site_id, connection_id), Connection, change, work, indexes
        )

    def list_connections(self, site_id: str) -> list[Connection]:
        condition = "pk = :pk AND begins_with(sk, :sk)"
        values = _serialize({":pk": _site_pk(site_id), ":sk": "ZOOM#"})
        return [from_item(Connection, i) for i in self._query_all(self.accounts, condition, values)]

    def connections_of_zoom_user(self, zoom_account_id: str, zoom_user_id: str) -> list[Connection]:
        """S08: every site's connection of one Zoom user (a deauthorization names the user)."""
        values = _serialize({":pk": f"ZOOMUSER#{zoom_account_id}#{zoom_user_id}"})
        items = self._query_all(self.accounts, "user_pk = :pk", values, index="by_provider_user")
        return [from_item(Connection, i) for i in items]

    def index_account_connection(self, zoom_account_id: str, site_id: str, connection_id: str) -> None:
        """An admin-managed connection reaches every user of its Zoom account: a user.deactivated
        about any of them must find it (an index item; a stale one is skipped by its reader)."""
        item = {"pk": f"ZOOMACCT#{zoom_account_id}", "sk": f"SITE#{site_id}#{connection_id}"}
        self._put(self.accounts, _serialize({**item, "site_id": site_id, "connection_id": connection_id}))

    def unindex_account_connection(self, zoom_account_id: str, site_id: str, connection_id: str) -> None:
        self._delete(
            self.accounts, {"pk": f"ZOOMACCT#{zoom_account_id}", "sk": f"SITE#{site_id}#{connection_id}"}
        )

    def connections_in_account(self, zoom_account_id: str) -> list[tuple[str, str]]:
        """(site, connection) of the admin-managed connections of one Zoom account."""
        values = _serialize({":pk": f"ZOOMACCT#{zoom_account_id}"})
        items = self._query_all(self.accounts, "pk = :pk", values)
        return [(str(i["site_id"]["S"]), str(i["connection_id"]["S"])) for i in items]

    # -- Zoom quotas (X11): one counter per host and UTC day ---------------------------------

    def spend_zoom_quota(self, zoom_user_id: str, day: date, limit: int) -> bool:
        """Count one meeting create or update of the host today; False (nothing counted) at the limit."""
        expires = int(datetime.combine(day, datetime.min.time(), UTC).timestamp()) + QUOTA_DAYS * 86400
        try:
            self.client.update_item(
                TableName=self.accounts,
                Key=_key(quota_key(zoom_user_id, day)),
                UpdateExpression="SET used = if_not_exists(used, :zero) + :one, expires_at = :exp",
                ConditionExpression="attribute_not_exists(used) OR used < :limit",
                ExpressionAttributeValues=_serialize(
                    {":zero": 0, ":one": 1, ":exp": expires, ":limit": limit}
                ),
            )
        except ClientError as error:
            if is_conditional_failure(error):
                return False
            raise
        return True

    def refund_zoom_quota(self, zoom_user_id: str, day: date) -> None:
        """A counted create or update was never sent after all."""
        try:
            self.client.update_item(
                TableName=self.accounts,
                Key=_key(quota_key(zoom_user_id, day)),
                UpdateExpression="ADD used :minus",
                ConditionExpression="used > :zero",
                ExpressionAttributeValues=_serialize({":minus": -1, ":zero": 0}),
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def fill_zoom_quota(self, zoom_user_id: str, day: date, limit: int) -> None:
        """Zoom says the host's day is used up (by other apps too): nothing more is sent today."""
        expires = int(datetime.combine(day, datetime.min.time(), UTC).timestamp()) + QUOTA_DAYS * 86400
        self.client.update_item(
            TableName=self.accounts,
            Key=_key(quota_key(zoom_user_id, day)),
            UpdateExpression="SET used = :limit, expires_at = :exp",
            ExpressionAttributeValues=_serialize({":limit": limit, ":exp": expires}),
        )

    def note_quota_waiting(self, zoom_user_id: str, day: date, site_id: str, session_id: str) -> None:
        """A session's meeting work waits for the host's next day (shown with the host's counter)."""
        expires = int(datetime.combine(day, datetime.min.time(), UTC).timestamp()) + QUOTA_DAYS * 86400
        self.client.update_item(
            TableName=self.accounts,
            Key=_key(quota_key(zoom_user_id, day)),
            UpdateExpression="ADD waiting :w SET expires_at = :exp",
            ExpressionAttributeValues={
                ":w": {"SS": [f"{site_id}/{session_id}"]},
                ":exp": {"N": str(expires)},
            },
        )

    def zoom_usage(
        self, zoom_user_ids: Sequence[str], day: date
    ) -> dict[str, tuple[int, list[tuple[str, str]]]]:
        """Per host: the creates and updates counted today, and the (site, session) pairs waiting."""
        usage: dict[str, tuple[int, list[tuple[str, str]]]] = {}
        keys = [quota_key(user, day) for user in zoom_user_ids]
        for start in range(0, len(keys), 100):
            for item in self.batch_get({self.accounts: keys[start : start + 100]})[self.accounts]:
                user = item["pk"]["S"].removeprefix("ZOOMQUOTA#").rpartition("#")[0]
                waiting = [
                    (s, x) for s, _, x in (v.partition("/") for v in item.get("waiting", {}).get("SS", []))
                ]
                usage[user] = (int(item.get("used", {}).get("N", "0")), sorted(waiting))
        return usage

    # -- Zoom grants: one per (app, Zoom account, Zoom user), shared by its connections ------

    def join_grant(self, secret_name: str, site_id: str, connection_id: str) -> None:
        """A connection uses the grant whose tokens are `secret_name` (strongly consistent, unlike
        the by_provider_user index: the last one to leave revokes the grant)."""
        self.client.update_item(
            TableName=self.accounts,
            Key=_key(grant_key(secret_name)),
            UpdateExpression="ADD members :m",
            ExpressionAttributeValues={":m": {"SS": [f"{site_id}/{connection_id}"]}},
        )

    def leave_grant(self, secret_name: str, site_id: str, connection_id: str) -> list[tuple[str, str]]:
        """The connection no longer uses the grant; the (site, connection) pairs that still do.
        The grant's record goes with its last member."""
        answer = self.client.update_item(
            TableName=self.accounts,
            Key=_key(grant_key(secret_name)),
            UpdateExpression="DELETE members :m",
            ExpressionAttributeValues={":m": {"SS": [f"{site_id}/{connection_id}"]}},
            ReturnValues="ALL_NEW",
        )
        remaining = _members(answer.get("Attributes") or {})
        if not remaining:
            self._delete(self.accounts, grant_key(secret_name), "attribute_not_exists(members)")
        return remaining

    def grant_members(self, secret_name: str) -> list[tuple[str, str]]:
        """The (site, connection) pairs that use the grant."""
        return _members(self._get_item(self.accounts, grant_key(secret_name)) or {})

    def note_refresh(self, secret_name: str, fingerprint: str) -> str | None:
        """A refresh with the refresh token of this fingerprint is about to be sent to Zoom (which
        rotates it). Returns the fingerprint noted before, if a refresh was never settled."""
        answer = self.client.update_item(
            TableName=self.accounts,
            Key=_key(grant_key(secret_name)),
            UpdateExpression="SET refresh_fp = :fp",
            ExpressionAttributeValues={":fp": {"S": fingerprint}},
            ReturnValues="ALL_OLD",  # (moto leaves out of UPDATED_OLD a value set to itself)
        )
        old = (answer.get("Attributes") or {}).get("refresh_fp")
        return str(old["S"]) if old else None

    def settle_refresh(self, secret_name: str) -> None:
        """The refresh ended with its answer saved, or surely before Zoom rotated anything."""
        try:
            self.client.update_item(
                TableName=self.accounts,
                Key=_key(grant_key(secret_name)),
                UpdateExpression="REMOVE refresh_fp",
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as error:
            if not is_conditional_failure(error):
                raise

    def index_refresh_token(self, token_hash: str, secret_name: str, days: int) -> None:
        """Google's `token-revoked` names a refresh token by a hash: this one is the grant's
        (shared.adapters.provider_tokens). Kept `days` after the last write (TTL)."""
        item = {
            **refresh_token_key(token_hash),
            "secret_name": secret_name,
            "expires_at": int(self.clock()) + days * 86400,
        }
        self._put(self.accounts, _serialize(item))

    def grant_of_refresh_token(self, token_hash: str) -> str | None:
        """The secret of the grant whose refresh token had this hash, if one was indexed."""
        item = self._get_item(self.accounts, refresh_token_key(token_hash))
        return str(_deserialize(item)["secret_name"]) if item else None

    # -- email templates -------------------------------------------------------------------

    def get_template[M: BaseModel](
        self, site_id: str, email_type: str, language: str, model: type[M]
    ) -> M | None:
        return self._get(self.accounts, template_key(site_id, email_type, language), model)

    def save_template(
        self, site_id: str, email_type: str, language: str, record: BaseModel, change: Callable[[Site], Site]
    ) -> Site:
        """A custom template (W14, S05) and the site's change (its online-join section shown or
        hidden), in one transaction on the site's version: two saves never mix their parts."""
        item = to_item(record, template_key(site_id, email_type, language))
        put = {"Put": {"TableName": self.accounts, "Item": item}}
        _, after = self.update_site(site_id, change, also=lambda: [put])
        return after

    def reset_templates(self, site_id: str, email_type: str, change: Callable[[Site], Site]) -> Site:
        """Every language's custom template of one type deleted (W14: back to the default) and
        the site's change, in one transaction on the site's version (a save alongside waits)."""
        condition = "pk = :pk AND begins_with(sk, :sk)"
        values = _serialize({":pk": _site_pk(site_id), ":sk": f"TEMPLATE#{email_type}#"})

        def deletes() -> list[Item]:
            found = self._query_all(self.accounts, condition, values)
            keys = [{"pk": item["pk"], "sk": item["sk"]} for item in found]
            return [{"Delete": {"TableName": self.accounts, "Key": key}} for key in keys]

        _, after = self.update_site(site_id, change, also=deletes)
        return after

    # -- site lifecycle (issue 12): list, export, delete, request counters, webhook log -----

    def list_sites(self, cursor: str | None, limit: int = 100) -> Page[Site]:
        """A page of every site: a Scan of Accounts for its SITE records. Only the operator's
        command reads across sites (no API route does); a page may be short, follow the cursor."""
        kwargs: dict[str, Any] = {
            "TableName": self.accounts,
            "FilterExpression": "sk = :site",
            "ExpressionAttributeValues": _serialize({":site": "SITE"}),
            "Limit": limit,
        }
        start = decode_cursor(cursor, {})
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = self.client.scan(**kwargs)
        return Page(
            [from_item(Site, i) for i in page.get("Items", [])], encode_cursor(page.get("LastEvaluatedKey"))
        )

    def export_page(self, site_id: str, cursor: str | None, limit: int) -> Page[tuple[str, dict[str, Any]]]:
        """A page of a site's records as (kind, stored fields): its Accounts partition first (site,
        staff, services, templates, connections), then each session with its bookings. Counters,
        logs and work items are not records. The caller removes secrets."""
        state = _read_state(cursor, site_id)
        found: list[tuple[str, dict[str, Any]]] = []
        if state.get("p", "a") == "a":
            items, last = self._query(
                self.accounts,
                "pk = :pk",
                _serialize({":pk": _site_pk(site_id)}),
                limit=limit,
                start=_start(state.get("k")),
            )
            for item in items:
                kind = _record_kind(item["sk"]["S"])
                if kind:
                    found.append((kind, _plain_record(item)))
            state = {"p": "a", "k": _plain_key(last)} if last else {"p": "l"}
            return Page(found, _write_state(state))
        for _ in range(EXPORT_QUERIES // 2):  # a session, then its bookings; two queries a turn
            sessions, next_key = self._query(
                self.links,
                "start_pk = :pk",
                _serialize({":pk": _site_pk(site_id)}),
                index="by_start",
                limit=1,
                start=_start(state.get("s")),
            )
            if not sessions:
                return Page(found, None)
            session = sessions[0]
            if "b" not in state:
                found.append(("session", _plain_record(session)))
            bookings, last = self._query(
                self.links,
                "pk = :pk AND begins_with(sk, :b)",
                _serialize({":pk": session["pk"]["S"], ":b": "BOOKING#"}),
                limit=max(limit - len(found), 1),
                start=_start(state.get("b")),
            )
            found += [("booking", _plain_record(b)) for b in bookings]
            if last:
                state = {"p": "l", "s": state.get("s"), "b": _plain_key(last)}
            else:
                state = {"p": "l", "s": _plain_key(next_key) if next_key else _index_key(session)}
            if len(found) >= limit:
                break
        return Page(found, _write_state({k: v for k, v in state.items() if v is not None}))

    def delete_sessions_page(self, site_id: str, limit: int) -> int:
        """Delete the first `limit` sessions of a site (each with its bookings and meeting index
        item); how many sessions were found. Level-triggered: call again until it finds none."""
        sessions, _ = self._query(
            self.links,
            "start_pk = :pk",
            _serialize({":pk": _site_pk(site_id)}),
            index="by_start",
            limit=limit,
        )
        for session in sessions:
            pk = session["pk"]["S"]
            keys = [{"pk": pk, "sk": "SESSION"}]
            meeting = _deserialize(session).get("meeting")
            if isinstance(meeting, dict) and meeting.get("meeting_id"):
                keys.append(meeting_index_key(str(meeting["meeting_id"])))
            for item in self._query_all(self.links, "pk = :pk", _serialize({":pk": pk})):
                keys.append({"pk": item["pk"]["S"], "sk": item["sk"]["S"]})
            self._batch_delete(self.links, keys)
        return len(sessions)

    def delete_work_of_site(self, site_id: str, keep: WorkRef, limit: int = 100) -> int:
        """Delete up to `limit` work items of a site but `keep` (the deletion's own); how many."""
        items, _ = self._query(
            self.links,
            "due_pk = :pk AND begins_with(due_sk, :site)",
            _serialize({":pk": due_shard(site_id), ":site": f"{site_id}#"}),
            index="due_work",
            limit=limit + 1,
        )
        own = work_key(keep)["pk"]
        keys = [{"pk": i["pk"]["S"], "sk": i["sk"]["S"]} for i in items if i["pk"]["S"] != own]
        self._batch_delete(self.links, keys[:limit])
        return len(keys[:limit])

    def delete_site_items(self, site_id: str, limit: int = 100) -> int:
        """Delete up to `limit` items of the site's Accounts partition but the site record itself."""
        items, _ = self._query(
            self.accounts, "pk = :pk", _serialize({":pk": _site_pk(site_id)}), limit=limit + 1
        )
        keys = [{"pk": i["pk"]["S"], "sk": i["sk"]["S"]} for i in items if i["sk"]["S"] != "SITE"]
        self._batch_delete(self.accounts, keys[:limit])
        return len(keys[:limit])

    def delete_site_record(self, site_id: str) -> None:
        """Last: the site record, only if its deletion was accepted."""
        self._delete(self.accounts, site_key(site_id), "attribute_exists(deleted_at)")

    def _batch_delete(self, table: str, keys: Sequence[Key]) -> None:
        unique = _unique(tuple(sorted(k.items())) for k in keys)
        for start in range(0, len(unique), 25):
            pending: dict[str, Any] = {
                table: [{"DeleteRequest": {"Key": _key(dict(k))}} for k in unique[start : start + 25]]
            }
            for attempt in range(BATCH_RETRIES * 2):
                if attempt:
                    time.sleep(min(0.05 * 2**attempt, 1.0))
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise Conflict("The database is busy; try again.", retryable=True)

    def work_backlog(self, now: datetime) -> tuple[int, int, int | None]:
        """The operator's view of the pipeline: (work items, items due now, the earliest
        `pending_since` of each site's first due item). Reads the whole due_work index: the
        `vclinks status` command's, never a request's."""
        total = due = 0
        firsts: dict[str, WorkRef] = {}
        cutoff = _sortable(now)
        for shard in range(DUE_SHARDS):
            for item in self._query_all(
                self.links, "due_pk = :pk", _serialize({":pk": f"DUE#{shard}"}), index="due_work"
            ):
                total += 1
                site_id, due_at, kind, target = item["due_sk"]["S"].split("#", 3)
                if due_at <= cutoff:
                    due += 1
                    firsts.setdefault(site_id, WorkRef(site_id, WorkKind(kind), target))
        since = [self.get_work(ref) for ref in firsts.values()]
        oldest = [int(w["pending_since"]) for w in since if w and "pending_since" in w]
        return total, due, min(oldest) if oldest else None

    def connections_needing_reconnect(self) -> list[Connection]:
        """Every site's Zoom connections whose grant died (a Scan: the operator's command only)."""
        found: list[Connection] = []
        kwargs: dict[str, Any] = {
            "TableName": self.accounts,
            "FilterExpression": "begins_with(sk, :zoom) AND #status = :needs",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": _serialize({":zoom": "ZOOM#", ":needs": "needs_reconnect"}),
        }
        while True:
            page = self.client.scan(**kwargs)
            found += [from_item(Connection, i) for i in page.get("Items", [])]
            if not page.get("LastEvaluatedKey"):
                return found
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def count_request(self, site_id: str, bucket: str, window: int, expires_at: int) -> int:
        """One more request in a site's fixed window (an atomic ADD); the window's count after it."""
        answer = self.client.update_item(
            TableName=self.accounts,
            Key=_key({"pk": _site_pk(site_id), "sk": f"RATE#{bucket}#{window}"}),
            UpdateExpression="ADD requests :one SET expires_at = :ttl",
            ExpressionAttributeValues=_serialize({":one": 1, ":ttl": expires_at}),
            ReturnValues="UPDATED_NEW",
        )
        return int(_deserialize(answer["Attributes"])["requests"])

    def log_delivery(self, site_id: str, at: datetime, entry: Mapping[str, Any], days: int) -> None:
        """A webhook delivery attempt, kept `days` (TTL) for the platform to read."""
        sk = f"DELIVERY#{_sortable(at)}#{entry['id']}#{entry['attempt']:03d}"
        item = {"pk": _site_pk(site_id), "sk": sk, **entry, "expires_at": int(at.timestamp()) + days * 86400}
        self._put(self.accounts, _serialize(item))

    def deliveries_page(self, site_id: str, cursor: str | None, limit: int) -> Page[dict[str, Any]]:
        """The site's webhook delivery log, newest first."""
        pk = _site_pk(site_id)
        items, last = self._query(
            self.accounts,
            "pk = :pk AND begins_with(sk, :d)",
            _serialize({":pk": pk, ":d": "DELIVERY#"}),
            limit=limit,
            start=decode_cursor(cursor, {"pk": pk}),
            forward=False,
        )
        entries = [{k: v for k, v in _deserialize(i).items() if k not in INDEX_ATTRS} for i in items]
        return Page(entries, encode_cursor(last))


_NARROW_INDEXES = {
    "service": ("by_service", "svc_pk", "svc_sk", "SERVICE"),
    "staff": ("by_staff", "staff_pk", "staff_sk", "STAFF"),
    "connection": ("by_connection", "conn_pk", "conn_sk", "CONN"),
}
"""Fan-out scope -> (index, its key attributes, the label in its partition key)."""


EXPORT_QUERIES = 40
"""At most this many queries per export page (each session costs two: itself, its bookings)."""
_RECORD_KINDS = (
    ("SITE", "site"),
    ("STAFF#", "staff"),
    ("SERVICE#", "service"),
    ("ZOOM#", "connection"),
    ("TEMPLATE#", "template"),
)


def _record_kind(sk: str) -> str | None:
    return next(
        (
            kind
            for prefix, kind in _RECORD_KINDS
            if sk == prefix or (prefix.endswith("#") and sk.startswith(prefix))
        ),
        None,
    )


def _plain_record(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in _deserialize(item).items() if k not in INDEX_ATTRS and k not in _WORK_ATTRS}


def _plain_key(key: Mapping[str, Any] | None) -> dict[str, str] | None:
    return {k: v["S"] for k, v in key.items()} if key else None


def _start(key: Mapping[str, str] | None) -> Item | None:
    return {k: {"S": v} for k, v in key.items()} if key else None


def _index_key(session: Mapping[str, Any]) -> dict[str, str]:
    """A by_start index key of a session item (to go on after it)."""
    return {k: session[k]["S"] for k in ("pk", "sk", "start_pk", "start_sk")}


def _write_state(state: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def _read_state(cursor: str | None, site_id: str) -> dict[str, Any]:
    """An export cursor, refused unless every key in it is of this site."""
    if not cursor:
        return {}
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidInput("The cursor is not valid; start again without it.") from error
    site_pk, session_pk = _site_pk(site_id), f"{_site_pk(site_id)}#SESSION#"
    valid = isinstance(state, dict) and state.get("p") in ("a", "l")
    for name, check in (
        ("k", lambda k: k.get("pk") == site_pk),
        ("s", lambda k: k.get("start_pk") == site_pk),
        ("b", lambda k: str(k.get("pk", "")).startswith(session_pk)),
    ):
        key = state.get(name) if isinstance(state, dict) else None
        if key is not None and not (
            isinstance(key, dict) and all(isinstance(v, str) for v in key.values()) and check(key)
        ):
            valid = False
    if not valid:
        raise InvalidInput("The cursor is not valid for this request; start again without it.")
    return state


Work_ = Sequence[WorkRef] | Callable[[Any, Any], Sequence[WorkRef]]
"""The work a write implies: fixed, or decided from the record before and after the change."""


class _Missing(Exception):
    pass


def work_item(ref: WorkRef, due: datetime) -> Item:
    """A work item as `flag_work` leaves it (new, nobody working on it)."""
    item: dict[str, Any] = {
        **work_key(ref),
        "gen": _new_gen(),
        "attempts": 0,
        "due_pk": due_shard(ref.site_id),
        "due_sk": _due_sk(ref, due),
        "site_id_w": ref.site_id,
        "pending_since": int(due.timestamp()),
    }
    if ref.payload is not None:
        item["payload"] = ref.payload
    return _serialize(item)


def _members(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A grant's members: "site/connection" strings as (site, connection) pairs."""
    values = (item.get("members") or {}).get("SS", [])
    return sorted((site, connection) for site, _, connection in (v.partition("/") for v in values))


def _site_staff_service(
    items: Iterable[Mapping[str, Any]],
) -> tuple[Site | None, Staff | None, Service | None]:
    """A batch read's site, staff member and service items, told apart by their sort keys."""
    site = staff = service = None
    for item in items:
        sk = item["sk"]["S"]
        if sk == "SITE":
            site = from_item(Site, item)
        elif sk.startswith("STAFF#"):
            staff = from_item(Staff, item)
        else:
            service = from_item(Service, item)
    return site, staff, service


def _new_gen() -> str:
    """From the OS (not `random`, whose state a Lambda SnapStart snapshot would copy into every
    environment restored from it)."""
    return secrets.token_hex(8)


def _due_sk(ref: WorkRef, due: datetime) -> str:
    return f"{ref.site_id}#{_sortable(due)}#{ref.kind.value}#{ref.target}"


def _clicks(item: Mapping[str, Any]) -> JoinClicks | None:
    plain = _deserialize(item)
    first, last = plain.get("first_at"), plain.get("last_at")
    if not isinstance(first, str) or not isinstance(last, str):
        return None
    return JoinClicks(datetime.fromisoformat(first), datetime.fromisoformat(last))


def _unique[T](values: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(values))


def dynamodb_client() -> DynamoDBClient:
    """A client with adaptive retries (throttling) and short timeouts; honours AWS_ENDPOINT_URL."""
    config = Config(retries={"max_attempts": 5, "mode": "adaptive"}, connect_timeout=3, read_timeout=5)
    return boto3.client("dynamodb", config=config)
