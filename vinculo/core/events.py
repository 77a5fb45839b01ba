"""Transactional outbox: services append events in the same transaction as their change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from vinculo.core.models import OutboxEvent


def emit(
    name: str, obj: models.Model, *, actor: Any = None, payload: dict[str, Any] | None = None
) -> OutboxEvent:
    """Append a domain event such as "customer.updated"; must run inside the writer's atomic."""
    return OutboxEvent.objects.create(
        name=name,
        aggregate=obj._meta.label_lower,
        aggregate_id=str(obj.pk),
        payload={"id": obj.pk, **(payload or {})},
        actor_id=getattr(actor, "pk", None),
    )


def claim_pending(
    limit: int = 100, *, after_id: int = 0, max_attempts: int | None = None
) -> list[OutboxEvent]:
    """Pending events, oldest first. Consumers mark each one processed after handling it.
    `after_id` continues a pass; `max_attempts` leaves out events that keep failing."""
    pending = OutboxEvent.objects.filter(processed_at__isnull=True, pk__gt=after_id)
    if max_attempts is not None:
        pending = pending.filter(attempts__lt=max_attempts)
    return list(pending.order_by("id")[:limit])


def mark_processed(event_id: int) -> bool:
    """Conditional update: only one worker marks an event, so a second run sees it done."""
    return bool(
        OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    )


# --- Consumers: code that reacts to events, run by the outbox dispatcher (core.jobs) ---

Consumer = Callable[[OutboxEvent], None]
_consumers: dict[str, tuple[str, Consumer]] = {}


def register_consumer(name_prefix: str, consumer: Consumer, *, key: str | None = None) -> str:
    """Call `consumer(event)` for every event whose name starts with `name_prefix`
    ("customer." or "" for all); returns the registration key. Register at import of an
    app's jobs module; the same key again replaces it, so re-imports never double-deliver.
    Consumers must be idempotent (delivery is at least once) and quick: slow work
    enqueues its own job."""
    name = key or f"{consumer.__module__}.{consumer.__qualname__}:{name_prefix}"
    _consumers[name] = (name_prefix, consumer)
    return name


def unregister_consumer(key: str) -> None:
    _consumers.pop(key, None)


def consumers_for(event_name: str) -> list[Consumer]:
    """The consumers of one event, in registration order."""
    return [c for prefix, c in _consumers.values() if event_name.startswith(prefix)]
