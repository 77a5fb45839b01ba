"""The operator's side of the outbox: what is waiting, which deliveries failed, and
retrying or discarding those a consumer gave up on. `vinculo outbox` and the settings page
"Event deliveries" both call these functions; they are the only writers of that state
besides the dispatcher (core.jobs).

Every count here is bounded (`COUNT_LIMIT`): an outbox with a million waiting events costs
the page no more than one with a thousand.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from vinculo.core import events
from vinculo.core.counts import Total, bounded_count
from vinculo.core.errors import ValidationFailed
from vinculo.core.models import OutboxDelivery, OutboxEvent
from vinculo.core.pagination import Page, keyset_page

logger = logging.getLogger(__name__)

COUNT_LIMIT = 1000
SELECTED_MAX = 500  # deliveries named one by one in one request
Status = OutboxDelivery.Status
# The partial indexes of OutboxDelivery hold the rows that are not done; a query states
# that condition itself, since SQLite uses a partial index only for queries that repeat it.
NOT_DONE = ~Q(status=Status.DONE)


def open_deliveries(status: str) -> QuerySet[OutboxDelivery]:
    """Deliveries failing ("retry") or given up ("failed"), through the partial index."""
    return OutboxDelivery.objects.filter(NOT_DONE, status=status)


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsumerStatus:
    """One consumer's deliveries: done (within the retention), failing, given up."""

    key: str
    registered: bool  # known to this process (a key may survive its consumer's removal)
    delivered: Total
    retrying: Total
    failed: Total


@dataclass(frozen=True)
class OutboxStatus:
    pending: Total  # events not yet had by every consumer
    due: Total  # of those, the ones a dispatcher may take now
    oldest_pending_at: dt.datetime | None
    consumers: list[ConsumerStatus]


def _capped(queryset: QuerySet[Any]) -> Total:
    counted = bounded_count(queryset, COUNT_LIMIT)
    if counted > COUNT_LIMIT:
        return Total(COUNT_LIMIT, is_lower_bound=True)
    return Total(counted)


def registered_consumers() -> list[str]:
    """The consumer keys apps register (in their `jobs` modules), sorted."""
    autodiscover_modules("jobs")
    return sorted(r.key for r in events.registered())


def consumers_with_open_deliveries(limit: int = 100) -> list[str]:
    """Consumer keys with failing or failed deliveries, registered or not (a key outlives a
    consumer that was removed), read from the consumer index."""
    keys = OutboxDelivery.objects.filter(NOT_DONE).values_list("consumer", flat=True)
    return list(keys.order_by("consumer").distinct()[:limit])


def summary(*, consumers: Iterable[str] = ()) -> OutboxStatus:
    """Pending events, and per consumer (those registered, plus `consumers`) its delivered,
    failing and failed deliveries; each count stops at COUNT_LIMIT."""
    now = timezone.now()
    pending = OutboxEvent.objects.filter(processed_at__isnull=True)
    # The oldest pending event has the smallest id: one probe of the pending index.
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    registered = registered_consumers()
    keys = sorted(set(registered) | set(consumers))
    rows = [
        ConsumerStatus(
            key=key,
            registered=key in registered,
            delivered=_capped(OutboxDelivery.objects.filter(consumer=key, status=Status.DONE)),
            retrying=_capped(open_deliveries(Status.RETRY).filter(consumer=key)),
            failed=_capped(open_deliveries(Status.FAILED).filter(consumer=key)),
        )
        for key in keys
    ]
    return OutboxStatus(
        pending=_capped(pending),
        due=_capped(pending.filter(available_at__lte=now)),
        oldest_pending_at=oldest,
        consumers=rows,
    )


def failures_page(*, status: str = Status.FAILED, cursor: str | None, size: int = 50) -> Page:
    """Failing or failed deliveries, newest first, with their events; keyset-paginated."""
    rows = open_deliveries(status).select_related("event")
    return keyset_page(rows, order=["-id"], cursor=cursor, size=size)


# --- writing ----------------------------------------------------------------------------------


def failed_selection(
    *,
    delivery_ids: Iterable[int] = (),
    consumer: str = "",
    event_id: int | None = None,
    everything: bool = False,
) -> QuerySet[OutboxDelivery]:
    """The failed deliveries an operator names: some by id, a consumer's, an event's (the
    last two together narrow each other), or every one. Naming none is a mistake, never
    "all"."""
    ids = sorted({int(i) for i in delivery_ids})
    if not (ids or consumer or event_id or everything):
        raise ValidationFailed(_("Choose the failed deliveries first."))
    if len(ids) > SELECTED_MAX:
        raise ValidationFailed(
            _("At most %(max)d deliveries can be chosen at once.") % {"max": SELECTED_MAX}
        )
    rows = open_deliveries(Status.FAILED)
    if ids:
        rows = rows.filter(pk__in=ids)
    if consumer:
        rows = rows.filter(consumer=consumer)
    if event_id:
        rows = rows.filter(event_id=event_id)
    return rows


@dataclass(frozen=True)
class Retried:
    deliveries: int
    events: int


def retry_failed(*, actor: Any = None, **selection: Any) -> Retried:
    """Deliver the selected failed deliveries again, on the next dispatch (every minute):
    their attempts start over and their events become pending again. Other consumers that
    had those events are not run again (their deliveries are done)."""
    now = timezone.now()
    with transaction.atomic():
        rows = failed_selection(**selection)
        # Events first, while the rows still say "failed" (subqueries: any number of rows).
        event_count = OutboxEvent.objects.filter(pk__in=rows.values("event_id")).update(
            processed_at=None, available_at=now
        )
        count = rows.update(status=Status.RETRY, attempts=0, next_attempt_at=now, updated_at=now)
    logger.info(
        "Outbox: %s retried %d failed deliveries of %d events",
        _who(actor),
        count,
        event_count,
    )
    return Retried(deliveries=count, events=event_count)


def discard_failed(*, actor: Any = None, **selection: Any) -> int:
    """Drop the selected failed deliveries: those consumers never get those events. The
    events are then pruned with the others after the retention."""
    with transaction.atomic():
        count = failed_selection(**selection).delete()[0]
    logger.info("Outbox: %s discarded %d failed deliveries", _who(actor), count)
    return count


def _who(actor: Any) -> str:
    return f"user {actor.pk}" if getattr(actor, "pk", None) else "an operator"
