"""Kernel jobs: prune expired rows, deliver outbox events to their consumers, and the
expiring locks periodic jobs run under.

Delivery, per event: claim it with a conditional UPDATE that leases it for
OUTBOX_CLAIM_SECONDS and commit (a second dispatcher's UPDATE then finds it taken); then,
outside that transaction, run each consumer that has not had it yet and record its
delivery (core.models.OutboxDelivery, one row per consumer and event). An atomic consumer
runs in one transaction with its delivery record, so its writes happen once; a failing
consumer rolls back alone, is retried later with a growing delay up to MAX_ATTEMPTS
times, and never makes the others run again. When every consumer has had the event
(delivered, or given up for an operator) it is marked processed; processed events are
pruned after OUTBOX_RETENTION_DAYS.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from vinculo.core import events
from vinculo.core.models import IdempotencyRecord, JobLock, OutboxDelivery, OutboxEvent

logger = logging.getLogger(__name__)

PRUNE_BATCH = 5000
DISPATCH_BATCH = 100
DISPATCH_BUDGET_SECONDS = 50.0  # runs every minute: leave room before the next run
MAX_ATTEMPTS = 10  # per consumer and event; then it waits for an operator (`vinculo outbox`)
RETRY_BASE_SECONDS = 60  # first retry a minute later, then 2, 4, 8… minutes
RETRY_MAX_SECONDS = 3600  # never more than an hour apart: 10 attempts span about 4 hours
ERROR_MAX = 4000
DISPATCH_LOCK_SECONDS = 120  # > DISPATCH_BUDGET_SECONDS: a live run never loses its lock


# --- Locks that expire --------------------------------------------------------------------


def acquire_lock(name: str, *, ttl_seconds: float) -> str | None:
    """Take the lock `name` for `ttl_seconds`, or None if someone holds it. A holder that
    died (kill -9) loses it when it expires. Returns the holder token for release_lock."""
    now = timezone.now()
    holder = uuid.uuid4().hex
    expires = now + dt.timedelta(seconds=ttl_seconds)
    # Conditional UPDATE of an expired lock, else INSERT: on PostgreSQL a racing second
    # caller waits for the first one's row and then finds it taken; SQLite serialises both.
    if JobLock.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=expires
    ):
        return holder
    try:
        with transaction.atomic():
            JobLock.objects.create(name=name, holder=holder, expires_at=expires)
    except IntegrityError:
        return None
    return holder


def release_lock(name: str, holder: str) -> None:
    """Release a lock this holder still has (never one taken over after it expired)."""
    JobLock.objects.filter(name=name, holder=holder).delete()


@contextmanager
def job_lock(name: str, *, ttl_seconds: float) -> Iterator[bool]:
    """`with job_lock("x", ttl_seconds=60) as acquired:` – skip the work when not acquired."""
    holder = acquire_lock(name, ttl_seconds=ttl_seconds)
    try:
        yield holder is not None
    finally:
        if holder is not None:
            release_lock(name, holder)


def flush_job_locks() -> int:
    """Drop every job lock: a consumer starting up holds none, and one killed before it
    may have left some behind (`vinculo worker` calls this, as Huey's flush_locks)."""
    return JobLock.objects.all().delete()[0]


def delete_in_batches(queryset: models.QuerySet[Any], *, order_by: str = "pk") -> int:
    """Delete matching rows a batch at a time, so no delete holds locks for long."""
    model = queryset.model
    total = 0
    while True:
        ids = list(queryset.order_by(order_by).values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return total
        model.objects.filter(pk__in=ids).delete()
        total += len(ids)


def prune_idempotency_records(now: dt.datetime | None = None) -> int:
    """Forget stored Idempotency-Key answers older than IDEMPOTENCY_TTL_SECONDS."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    return delete_in_batches(IdempotencyRecord.objects.filter(created_at__lt=cutoff))


def prune_outbox_events(now: dt.datetime | None = None) -> int:
    """Forget events processed more than OUTBOX_RETENTION_DAYS ago, with their delivery
    records. Events a consumer gave up on stay until an operator retries or discards
    them (`vinculo outbox`)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    done = OutboxEvent.objects.filter(processed_at__lt=cutoff).exclude(
        deliveries__status=OutboxDelivery.Status.FAILED
    )
    return delete_in_batches(done, order_by="processed_at")


@db_periodic_task(crontab(minute="*/10"))
def prune_expired() -> dict[str, int]:
    """Every ten minutes: drop expired idempotency answers."""
    return {"idempotency_records": prune_idempotency_records()}


def optimize_database() -> str:
    """Refresh the query planner's statistics on SQLite, which never does it by itself
    (PostgreSQL's autovacuum does): without them, SQLite guesses table sizes and can pick
    a scan where an index fits. analysis_limit keeps ANALYZE to a sample: seconds, not
    minutes, at millions of rows."""
    if connection.vendor != "sqlite":
        return "skipped"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    return "analyzed"


@db_periodic_task(crontab(hour="3", minute="17"))
def nightly_optimize() -> str:
    """Every night: planner statistics (see optimize_database)."""
    return optimize_database()


@dataclass
class DispatchReport:
    processed: int = 0  # every consumer has had the event
    failed: int = 0  # a consumer failed this time (retried later, or given up)
    skipped: int = 0  # another dispatcher had claimed or finished it


class AlreadyDelivered(Exception):
    """Another dispatcher recorded this consumer's delivery first: undo ours."""


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait after the n-th failed attempt: 1, 2, 4… minutes, at most RETRY_MAX_SECONDS."""
    seconds = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def _record_done(event: OutboxEvent, key: str, previous: OutboxDelivery | None) -> None:
    # The unique (consumer, event) row is what makes delivery idempotent per consumer.
    if previous is None:
        try:
            with transaction.atomic():
                OutboxDelivery.objects.create(
                    event=event, consumer=key, status=OutboxDelivery.Status.DONE
                )
            return
        except IntegrityError:
            pass
    updated = (
        OutboxDelivery.objects.filter(event=event, consumer=key)
        .exclude(status=OutboxDelivery.Status.DONE)
        .update(status=OutboxDelivery.Status.DONE, next_attempt_at=None, updated_at=timezone.now())
    )
    if not updated:
        raise AlreadyDelivered()


def _record_failure(event: OutboxEvent, key: str, exc: BaseException) -> OutboxDelivery | None:
    """Count a failed attempt: retry later, or give up after MAX_ATTEMPTS."""
    detail = "".join(traceback.format_exception(exc))[-ERROR_MAX:]
    now = timezone.now()
    with transaction.atomic():
        delivery, _created = OutboxDelivery.objects.select_for_update().get_or_create(
            event=event, consumer=key, defaults={"status": OutboxDelivery.Status.RETRY}
        )
        if delivery.status == OutboxDelivery.Status.DONE:
            return None  # delivered meanwhile by another dispatcher
        delivery.attempts += 1
        delivery.last_error = detail
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = OutboxDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = OutboxDelivery.Status.RETRY
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save()
    return delivery


def _run_consumer(
    registration: events.Registration, event: OutboxEvent, previous: OutboxDelivery | None
) -> OutboxDelivery | None:
    """Run one consumer on one event and record the outcome; a failure is returned."""
    try:
        if registration.atomic:
            with transaction.atomic():
                registration.consumer(event)
                _record_done(event, registration.key, previous)
        else:
            registration.consumer(event)
            with transaction.atomic():
                _record_done(event, registration.key, previous)
    except AlreadyDelivered:
        return None
    except Exception as exc:  # noqa: BLE001 - any consumer error is recorded and retried
        logger.warning(
            "Outbox event %s (%s): consumer %s failed: %s",
            event.pk,
            event.name,
            registration.key,
            exc,
        )
        return _record_failure(event, registration.key, exc)
    return None


def deliver(event: OutboxEvent) -> str:
    """Claim one event and run the consumers that have not had it yet:
    "processed", "failed" (a consumer failed; the event comes back at its retry time)
    or "skipped" (another dispatcher has it)."""
    if not events.claim(event.pk, lease_seconds=settings.OUTBOX_CLAIM_SECONDS):
        return "skipped"
    # Read after the claim: a dispatcher killed mid-event may have delivered to some.
    known = {d.consumer: d for d in OutboxDelivery.objects.filter(event_id=event.pk)}
    now = timezone.now()
    waiting: list[dt.datetime] = []  # retry times of consumers still to deliver to
    failures: list[str] = []
    for registration in events.registrations_for(event.name):
        previous = known.get(registration.key)
        if previous is not None and previous.status != OutboxDelivery.Status.RETRY:
            continue  # delivered, or given up until an operator retries it
        if previous is not None and previous.next_attempt_at and previous.next_attempt_at > now:
            waiting.append(previous.next_attempt_at)  # its retry is not due yet
            continue
        failed = _run_consumer(registration, event, previous)
        if failed is None:
            continue
        last_line = (failed.last_error.strip().splitlines() or [""])[-1]
        failures.append(f"{registration.key}: {last_line}")
        if failed.next_attempt_at is not None:
            waiting.append(failed.next_attempt_at)
    done = timezone.now()
    if waiting:
        OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            available_at=min(waiting),
            attempts=F("attempts") + (1 if failures else 0),
            last_error=("\n".join(failures) if failures else F("last_error")),
        )
    else:
        changes: dict[str, Any] = {"processed_at": done, "available_at": done}
        if failures:
            changes.update(attempts=F("attempts") + 1, last_error="\n".join(failures))
        OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(**changes)
    return "failed" if failures else "processed"


def _mark_unconsumed(pending: list[OutboxEvent]) -> tuple[int, list[OutboxEvent]]:
    """Mark the events no consumer listens to processed in one UPDATE: (how many, the
    events that do have consumers)."""
    idle = {e.pk for e in pending if not events.registrations_for(e.name)}
    marked = 0
    if idle:
        now = timezone.now()
        marked = OutboxEvent.objects.filter(
            pk__in=idle, processed_at__isnull=True, available_at__lte=now
        ).update(processed_at=now, available_at=now)
    return marked, [e for e in pending if e.pk not in idle]


def dispatch_pending(
    *, batch: int = DISPATCH_BATCH, budget_seconds: float = DISPATCH_BUDGET_SECONDS
) -> DispatchReport:
    """One pass over the events due now, in id order. A failed event is not retried within
    the same pass (it waits for its retry time), so one bad event cannot hold up the rest."""
    report = DispatchReport()
    deadline = time.monotonic() + budget_seconds
    after_id = 0
    while time.monotonic() < deadline:
        pending = events.claim_pending(batch, after_id=after_id)
        if not pending:
            break
        after_id = pending[-1].pk
        marked, consumed = _mark_unconsumed(pending)
        report.processed += marked
        for event in consumed:
            outcome = deliver(event)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if time.monotonic() >= deadline:
                break
    return report


@db_periodic_task(crontab(minute="*"))
def dispatch_outbox() -> dict[str, int]:
    """Every minute: deliver pending outbox events. The lock only saves wasted work when
    several consumers run (claims keep delivery right without it); it expires, so a
    consumer killed mid-run cannot stop dispatching for good."""
    with job_lock("outbox-dispatch", ttl_seconds=DISPATCH_LOCK_SECONDS) as acquired:
        if not acquired:
            return asdict(DispatchReport())
        return asdict(dispatch_pending())


@db_periodic_task(crontab(minute="23"))
def prune_outbox() -> int:
    """Every hour: processed events past their retention (see prune_outbox_events)."""
    return prune_outbox_events()
