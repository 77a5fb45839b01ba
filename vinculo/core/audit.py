"""Field-level audit trail, written only by the persistence helpers in `core.persistence`."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from vinculo.core.context import current_channel
from vinculo.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """JSON-ready values of a record's audited concrete fields, keyed by field name."""
    exclude = set(getattr(obj, "audit_exclude", ()))
    # Deferred fields (e.g. rows the deletion collector loads with .only()) are skipped:
    # reading them would reload the row, whose from_db snapshots again, endlessly.
    deferred = obj.get_deferred_fields()
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in exclude or field.attname in deferred:
            continue
        values[field.name] = _plain(getattr(obj, field.attname))
    return values


def snapshot_of(obj: models.Model, loaded: dict[str, Any]) -> dict[str, Any]:
    """The snapshot `snapshot` would have taken of `obj` when it held `loaded` (values by
    attname, as the database returned them; fields not loaded are skipped like deferred)."""
    exclude = set(getattr(obj, "audit_exclude", ()))
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in exclude or field.attname not in loaded:
            continue
        values[field.name] = _plain(loaded[field.attname])
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value changed."""
    keys = before.keys() | after.keys()
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def model_label(obj_or_model: Any) -> str:
    """The "app.model" label of the stored table: a proxy's records are audited under the
    concrete model, so one row has one history whichever class loaded it."""
    return obj_or_model._meta.concrete_model._meta.label_lower


def record(
    obj: models.Model,
    *,
    action: str,
    actor: Any,
    changes: dict[str, list[Any]],
    object_id: Any = None,
) -> AuditEntry:
    """Append one audit entry; call inside the transaction that made the change."""
    return AuditEntry.objects.create(
        model=model_label(obj),
        object_id=str(object_id if object_id is not None else obj.pk),
        object_repr=str(obj)[:300],
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        changes=changes,
        via=current_channel(),
    )


def history(obj: models.Model, *, limit: int = 100) -> list[AuditEntry]:
    """The newest audit entries of one record."""
    qs = AuditEntry.objects.filter(model=model_label(obj), object_id=str(obj.pk))
    return list(qs.select_related("actor").order_by("-id")[:limit])
