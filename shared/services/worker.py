"""Doing work items: claim, run the pipeline's steps in order, finish or try again later.

Three ways in, one way of doing:
- `run` (a queue message, shared.adapters.queue): the worker function's SQS batch.
- `run_inline` (the request that flagged the item): the same steps, right away, with a
  budget of one provider call; whatever needs more is left to the worker (`Deferred`).
- `dispatch` (the schedule, and after every fan-out page): a fair round over the due
  items: at most ROUND_PER_SITE items of each site are queued per round, so one site's
  ten thousand items delay another site's item by at most one round (DESIGN.md fairness).

What decides whether an item is done is the table: an item is removed only when its
steps succeeded for the `gen` that was claimed; a failure sets the next attempt (backoff,
00:00 UTC for a provider's daily limit, hours while a connection needs reconnecting) and
the reason, which the API shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from shared.adapters.metrics import SECONDS, Metric, put
from shared.adapters.queue import WorkQueue, is_dispatch
from shared.adapters.repository import DUE_SHARDS, Repository
from shared.domain.errors import (
    Conflict,
    ProviderAccountUnsupported,
    ProviderNeedsReconnect,
    ProviderRateLimited,
    ProviderUnavailable,
    StorageBusy,
    VclinksError,
    ZoomNeedsReconnect,
    ZoomRateLimited,
    ZoomUnavailable,
)
from shared.domain.work import (
    RECONNECT_WAIT,
    REFUSED_WAIT,
    Deferred,
    Retry,
    Work,
    WorkKind,
    WorkRef,
    backoff,
    next_utc_midnight,
)
from shared.services.pipeline import StepContext, reactions

if TYPE_CHECKING:
    from shared.domain.models import Session

logger = Logger(service="vclinks")
WORKER_LEASE = timedelta(minutes=2)  # longer than the worker function's timeout
INLINE_LEASE = timedelta(seconds=30)  # longer than an HTTP request can last
DISPATCH_HOLD = timedelta(minutes=3)  # a queued item is due again if no worker finished it by then
ROUND_PER_SITE = 25
ROUNDS_PER_ITEM = 3
DISPATCH_LEASE_SECONDS = 60
TRANSIENT = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)


@dataclass
class RunResult:
    done: bool
    reason: str | None = None
    queued_again: bool = False
    session: Session | None = None  # the session as the last step stored it (for the request's answer)


@dataclass
class Worker:
    repo: Repository
    queue: WorkQueue
    context: Callable[[bool], StepContext]  # inline? -> what the steps act with (the composition root)
    clock: Callable[[], datetime]
    ran: list[WorkRef] = field(default_factory=list)  # what this process did (bench and tests)

    # -- items -----------------------------------------------------------------------------

    def take(self, message: str) -> None:
        """One message of the work queue: a dispatcher round, or one work item (a failure is the
        item's, recorded on it and retried later: the message itself is done)."""
        if is_dispatch(message):
            self.dispatch()
            return
        self.run(WorkRef.from_message(message))

    def run(self, ref: WorkRef) -> RunResult:
        """Do an item a queue message asked for (if it is due and nobody holds it)."""
        return self._run(ref, inline=False, hint=None)

    def run_inline(self, ref: WorkRef, hint: object | None = None) -> RunResult:
        """Do an item right after the request that flagged it; queue it for the worker if that
        takes more than the inline budget, or if it fails now (it is then retried later)."""
        return self._run(ref, inline=True, hint=hint)

    def _run(self, ref: WorkRef, *, inline: bool, hint: object | None) -> RunResult:
        owner = uuid.uuid4().hex
        lease = INLINE_LEASE if inline else WORKER_LEASE
        work: Work | None = None
        for _ in range(ROUNDS_PER_ITEM):
            work = self.repo.claim_work(ref, owner, lease)
            if work is None:
                return RunResult(done=False, reason="held_or_gone")
            context = self.context(inline)
            context.hint = hint  # type: ignore[assignment]
            hint = None  # a second round reads afresh
            outcome = self._steps(context, work, inline)
            if isinstance(outcome, _Later):
                self.repo.release_work(work, owner, outcome.at, outcome.reason, outcome.cursor)
                if outcome.queue:
                    self.queue.send([ref])
                return RunResult(False, outcome.reason, outcome.queue, context.session)
            self.ran.append(ref)
            if self.repo.finish_work(work, owner):
                return RunResult(done=True, session=context.session)
            # flagged again while we worked: the new change is not in what we did; go round
            # again (the lease is given back first: a claim never takes a held item, ours too)
            self.repo.release_work(work, owner, self.clock(), None)
        self.queue.send([ref])
        return RunResult(done=False, reason="changing", queued_again=True)

    def _steps(self, context: StepContext, work: Work, inline: bool) -> _Later | None:
        now = self.clock()
        try:
            for step in reactions()[work.ref.kind]:
                cursor = step(context, work)
                if cursor is not None:  # a fan-out page done: go on soon, in this item's turn
                    return _Later(now, None, cursor, queue=True)
        except Deferred:
            return _Later(now, None, work.cursor, queue=True)
        except Retry as retry:
            return _Later(retry.at or backoff(work.attempts, now), retry.reason, work.cursor)
        except VclinksError as error:
            at, reason = _when_again(error, work.attempts, now)
            if inline and _transient(error) and not error.extra.get("uncertain"):
                # the worker retries at once, with its full budget; but a create that may have
                # happened (a timeout) waits its backoff, so the retry finds it and adopts it
                return _Later(now, reason, work.cursor, queue=True)
            logger.info(
                "work not finished; retried later", extra={"kind": work.ref.kind.value, "reason": reason}
            )
            return _Later(at, reason, work.cursor)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in TRANSIENT:
                logger.exception(
                    "work failed on an AWS error; retried later", extra={"kind": work.ref.kind.value}
                )
            return _Later(backoff(work.attempts, now), f"aws:{code}", work.cursor)
        except Exception:
            logger.exception("work failed unexpectedly; retried later", extra={"kind": work.ref.kind.value})
            return _Later(backoff(work.attempts, now), "internal_error", work.cursor)
        return None

    # -- the dispatcher --------------------------------------------------------------------

    def dispatch(self, now: datetime | None = None) -> int:
        """One fair round: queue up to ROUND_PER_SITE due items of every site with due work.

        Runs under a lease (one round at a time). Returns how many items it queued; when a
        site had more due items than its share, another round is asked for at once, and it
        is queued behind this round's items: the next round starts as this one is taken up.
        """
        now = now or self.clock()
        owner = uuid.uuid4().hex
        if not self.repo.take_lease("dispatcher", owner, DISPATCH_LEASE_SECONDS):
            return 0
        queued: list[WorkRef] = []
        since: list[int] = []  # when each queued item was first flagged
        seen = 0
        more = False
        try:
            for shard in range(DUE_SHARDS):
                name = f"DUE#{shard}"
                site = self.repo.next_site_with_work(name, None)
                while site is not None:
                    due = self.repo.due_work(name, site, now, ROUND_PER_SITE + 1)
                    more = more or len(due) > ROUND_PER_SITE
                    seen += len(due)
                    for ref, due_sk in due[:ROUND_PER_SITE]:
                        if self.repo.postpone_work(ref, due_sk, now + DISPATCH_HOLD, since):
                            queued.append(ref)
                    site = self.repo.next_site_with_work(name, site)
            self.queue.send(queued)
            if more:
                self.queue.send_dispatch()
        finally:
            self.repo.release_lease("dispatcher", owner)
        oldest = int(now.timestamp()) - min(since) if since else 0
        put(Metric.DUE_WORK, seen)
        put(Metric.OLDEST_PENDING_WORK, max(oldest, 0), SECONDS)
        return len(queued)


@dataclass(frozen=True)
class _Later:
    at: datetime
    reason: str | None
    cursor: str | None
    queue: bool = False


def _when_again(error: VclinksError, attempts: int, now: datetime) -> tuple[datetime, str]:
    """When to try again after a failure, and the reason shown meanwhile."""
    from shared.services.meetings import failure_reason

    reason = failure_reason(error)
    if isinstance(error, ZoomRateLimited) and error.extra.get("daily_limit"):
        return next_utc_midnight(now), reason
    if isinstance(error, ZoomNeedsReconnect | ProviderNeedsReconnect | ProviderAccountUnsupported):
        return now + RECONNECT_WAIT, reason  # the admin's to mend (X07, X15)
    if _transient(error):
        return backoff(attempts, now), reason
    return now + REFUSED_WAIT, reason


def _transient(error: VclinksError) -> bool:
    """A failure that a retry soon may mend (not a daily limit, a dead grant or a refusal)."""
    if isinstance(error, ZoomRateLimited):
        return not error.extra.get("daily_limit")
    if isinstance(error, Conflict):
        return bool(error.extra.get("retryable"))
    transient = ZoomUnavailable | StorageBusy | ProviderUnavailable | ProviderRateLimited
    return isinstance(error, transient) or error.slug == "email-not-sent"


@dataclass
class Followup:
    """What a request does after its write: a session's or booking's item right away (one
    provider call at most), fan-outs and connection work queued for the worker."""

    worker: Callable[[], Worker]
    queue: WorkQueue

    def after_write(self, refs: list[WorkRef], hint: object | None = None) -> RunResult | None:
        inline = [r for r in refs if r.kind in (WorkKind.SESSION, WorkKind.BOOKING)]
        queued = [r for r in refs if r not in inline[:1]]
        if queued:
            self.queue.send(queued)
        return self.worker().run_inline(inline[0], hint) if inline else None
