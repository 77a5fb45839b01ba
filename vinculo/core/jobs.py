"""Kernel jobs: prune expired rows, and deliver outbox events to their consumers.

Delivery is at least once. Each event is handled inside one transaction that first marks
it processed with a conditional UPDATE (events.mark_processed) and then runs its
consumers: a second worker's UPDATE waits for that transaction and then finds the event
done, so two workers never both deliver it; if a consumer fails, the whole transaction
(mark included) rolls back and the failure is recorded on the event, which is tried
again on a later run, up to MAX_ATTEMPTS times.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task
from huey.exceptions import TaskLockedException

from vinculo.core import events
from vinculo.core.models import IdempotencyRecord, OutboxEvent

logger = logging.getLogger(__name__)

PRUNE_BATCH = 5000
DISPATCH_BATCH = 100
DISPATCH_BUDGET_SECONDS = 50.0  # runs every minute: leave room before the next run
MAX_ATTEMPTS = 10  # events failing this often wait for an operator (see docs/operations.md)
ERROR_MAX = 4000


def delete_in_batches(queryset: models.QuerySet[Any]) -> int:
    """Delete matching rows a batch at a time, so no delete holds locks for long."""
    model = queryset.model
    total = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return total
        model.objects.filter(pk__in=ids).delete()
        total += len(ids)


def prune_idempotency_records(now: dt.datetime | None = None) -> int:
    """Forget stored Idempotency-Key answers older than IDEMPOTENCY_TTL_SECONDS."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=settings.IDEMPOTENCY_TTL_SECONDS)
    return delete_in_batches(IdempotencyRecord.objects.filter(created_at__lt=cutoff))


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
    processed: int = 0
    failed: int = 0
    skipped: int = 0  # another worker had already delivered them


def deliver(event: OutboxEvent) -> str:
    """Run the consumers of one event: "processed", "skipped" (done elsewhere) or "failed"."""
    try:
        with transaction.atomic():
            if not events.mark_processed(event.pk):
                return "skipped"
            for consumer in events.consumers_for(event.name):
                consumer(event)
    except Exception as exc:  # noqa: BLE001 - any consumer error is recorded and retried
        logger.warning("Outbox event %s (%s) failed: %s", event.pk, event.name, exc)
        detail = "".join(traceback.format_exception(exc))[-ERROR_MAX:]
        OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=detail
        )
        return "failed"
    return "processed"


def dispatch_pending(
    *, batch: int = DISPATCH_BATCH, budget_seconds: float = DISPATCH_BUDGET_SECONDS
) -> DispatchReport:
    """One pass over pending events in id order. A failed event is not retried within the
    same pass (it waits for the next run), so one bad event cannot hold up the rest."""
    report = DispatchReport()
    deadline = time.monotonic() + budget_seconds
    after_id = 0
    while time.monotonic() < deadline:
        pending = events.claim_pending(batch, after_id=after_id, max_attempts=MAX_ATTEMPTS)
        if not pending:
            break
        for event in pending:
            outcome = deliver(event)
            setattr(report, outcome, getattr(report, outcome) + 1)
        after_id = pending[-1].pk
    return report


@db_periodic_task(crontab(minute="*"))
def dispatch_outbox() -> dict[str, int]:
    """Every minute: deliver pending outbox events. The lock only saves wasted work when
    several consumers run; correctness comes from the conditional UPDATE in `deliver`."""
    try:
        with HUEY.lock_task("vinculo-outbox-dispatch"):
            return asdict(dispatch_pending())
    except TaskLockedException:
        return asdict(DispatchReport())
