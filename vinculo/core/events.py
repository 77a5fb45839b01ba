"""Transactional outbox: services append events in the same transaction as their change."""

from __future__ import annotations

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


def claim_pending(limit: int = 100) -> list[OutboxEvent]:
    """Pending events, oldest first. Consumers mark each one processed after handling it."""
    return list(OutboxEvent.objects.filter(processed_at__isnull=True).order_by("id")[:limit])


def mark_processed(event_id: int) -> bool:
    """Conditional update: only one worker marks an event, so a second run sees it done."""
    return bool(
        OutboxEvent.objects.filter(pk=event_id, processed_at__isnull=True).update(
            processed_at=timezone.now()
        )
    )
