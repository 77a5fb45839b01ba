"""Transactional outbox: services append events in the same transaction as their change;
the dispatcher (core.jobs) delivers each event to every registered consumer.

Event shape (docs/development/events.md): a name chosen by the domain ("task.completed",
"customer.merged") or the generic "<model>.created|updated|deleted"; the record's label
and id; a payload with at least {"id", "version"} and, for writes through
core.persistence, {"changes": {field: [before, after]}} (secrets left out, as in the
audit trail).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone

from vinculo.core.models import OutboxEvent

EMIT_BATCH = 1000  # events written per INSERT when a change emits many (cascades)


def event_for(
    name: str, obj: models.Model, *, actor: Any = None, payload: dict[str, Any] | None = None
) -> OutboxEvent:
    """An unsaved event about `obj`; its payload always names the record's id and, for
    versioned records, its version."""
    head: dict[str, Any] = {"id": obj.pk}
    version = getattr(obj, "version", None)
    if isinstance(version, int):
        head["version"] = version
    return OutboxEvent(
        name=name,
        aggregate=obj._meta.label_lower,
        aggregate_id=str(obj.pk),
        payload={**head, **(payload or {})},
        actor_id=getattr(actor, "pk", None),
    )


def emit(
    name: str, obj: models.Model, *, actor: Any = None, payload: dict[str, Any] | None = None
) -> OutboxEvent:
    """Append a domain event such as "customer.updated"; must run inside the writer's atomic."""
    event = event_for(name, obj, actor=actor, payload=payload)
    event.save(force_insert=True)
    return event


def emit_many(events: Iterable[OutboxEvent]) -> int:
    """Append many events, EMIT_BATCH per INSERT (cascades, bulk services). Inside the
    writer's atomic, like emit."""
    total = 0
    batch: list[OutboxEvent] = []
    for event in events:
        batch.append(event)
        if len(batch) >= EMIT_BATCH:
            total += len(OutboxEvent.objects.bulk_create(batch))
            batch = []
    if batch:
        total += len(OutboxEvent.objects.bulk_create(batch))
    return total


def claim_pending(
    limit: int = 100, *, after_id: int = 0, max_attempts: int | None = None
) -> list[OutboxEvent]:
    """Pending events a dispatcher may take now, oldest first (`after_id` continues a pass).
    Reading them claims nothing: `claim` does, one event at a time."""
    pending = OutboxEvent.objects.filter(
        processed_at__isnull=True, available_at__lte=timezone.now(), pk__gt=after_id
    )
    if max_attempts is not None:
        pending = pending.filter(attempts__lt=max_attempts)
    return list(pending.order_by("id")[:limit])


def claim(event_id: int, *, lease_seconds: float) -> bool:
    """Take one event for `lease_seconds` with a conditional UPDATE; commit before running
    consumers. A second dispatcher's UPDATE then finds it taken; a dispatcher that died
    holding it lets it go when the lease ends."""
    now = timezone.now()
    return bool(
        OutboxEvent.objects.filter(
            pk=event_id, processed_at__isnull=True, available_at__lte=now
        ).update(available_at=now + dt.timedelta(seconds=lease_seconds))
    )


def mark_processed(event_id: int) -> bool:
    """Conditional update: only one worker marks an event, so a second run sees it done."""
    return bool(
        OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    )


# --- Consumers: code that reacts to events, run by the outbox dispatcher (core.jobs) ---

Consumer = Callable[[OutboxEvent], None]


@dataclass(frozen=True)
class Registration:
    """One consumer: its key (the delivery state is kept under it), the event-name prefix
    it listens to, and whether it runs inside a transaction with its delivery record."""

    key: str
    prefix: str
    consumer: Consumer
    atomic: bool = True


_consumers: dict[str, Registration] = {}


def register_consumer(
    name_prefix: str, consumer: Consumer, *, key: str | None = None, atomic: bool = True
) -> str:
    """Call `consumer(event)` for every event whose name starts with `name_prefix`
    ("customer." or "" for all); returns the registration key. Register at import of an
    app's jobs module; the same key again replaces it, so re-imports never double-deliver.

    Delivery state is kept per key: keep the key stable across releases. With
    `atomic=True` (the default) the consumer's database writes and the record of its
    delivery commit together, so they happen exactly once; a consumer that calls other
    systems (webhooks, mail) takes `atomic=False`, runs with no transaction open and is
    delivered at least once: make it idempotent with the event's id. Either way keep it
    quick: slow work enqueues its own job."""
    name = key or f"{consumer.__module__}.{consumer.__qualname__}:{name_prefix}"
    _consumers[name] = Registration(name, name_prefix, consumer, atomic)
    return name


def unregister_consumer(key: str) -> None:
    _consumers.pop(key, None)


def registered() -> list[Registration]:
    """Every registration, in registration order."""
    return list(_consumers.values())


def registrations_for(event_name: str) -> list[Registration]:
    """The registrations that receive one event, in registration order."""
    return [r for r in _consumers.values() if event_name.startswith(r.prefix)]


def consumers_for(event_name: str) -> list[Consumer]:
    """The consumers of one event, in registration order."""
    return [r.consumer for r in registrations_for(event_name)]
