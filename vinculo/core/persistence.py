"""The one way services write versioned records: audit entry, outbox event and the
optimistic-concurrency check happen here, inside the caller's transaction.

Events are named "<model>.created|updated|deleted" unless the service passes the domain's
own name (`event_name="task.completed"`). Their payload carries the record's id and version
and {"changes": {field: [before, after]}}: the same values as the audit entry, so fields in
`audit_exclude` (password hashes, derived values) never leave in an event either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from vinculo.core import audit, events
from vinculo.core.errors import StaleVersion
from vinculo.core.models import AuditEntry, OutboxEvent, VersionedModel

M = TypeVar("M", bound=VersionedModel)


def _require_atomic() -> None:
    # The record, its audit entry and its event must commit together or not at all.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("persistence helpers must run inside transaction.atomic()")


def _event_name(obj: models.Model | type[models.Model], verb: str) -> str:
    return f"{obj._meta.model_name}.{verb}"


def create(
    obj: M,
    *,
    actor: Any,
    save_related: Callable[[M], dict[str, list[Any]]] | None = None,
    event_payload: dict[str, Any] | None = None,
    event_name: str | None = None,
) -> M:
    """Insert `obj`, then its related rows (`save_related` returns their {name: [old, new]}),
    audit every value and emit "<model>.created" (or `event_name`)."""
    _require_atomic()
    obj.version = 1
    obj.save(force_insert=True)
    obj._loaded_values = obj.audit_snapshot()  # type: ignore[attr-defined]
    related = {k: v[1] for k, v in (save_related(obj) if save_related else {}).items()}
    after = {**obj._loaded_values, **related}  # type: ignore[attr-defined]
    changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})}
    audit.record(obj, action=AuditEntry.Action.CREATE, actor=actor, changes=changes)
    events.emit(
        event_name or _event_name(obj, "created"),
        obj,
        actor=actor,
        payload={"changes": changes, **(event_payload or {})},
    )
    return obj


def update(
    obj: M,
    *,
    actor: Any,
    expected_version: int | None,
    related_changes: dict[str, list[Any]] | None = None,
    event_payload: dict[str, Any] | None = None,
    event_name: str | None = None,
) -> M:
    """Save the fields changed since load if nobody saved in between, else raise StaleVersion.
    Emits "<model>.updated" (or `event_name`) with the changes; a save that changes
    nothing writes and emits nothing.

    The check is a conditional UPDATE … WHERE version = expected, so two concurrent saves
    of the same version cannot both win, on SQLite or PostgreSQL alike.
    """
    _require_atomic()
    loaded = getattr(obj, "_loaded_values", None)
    if loaded is None:
        raise ValueError("update() needs a record loaded from the database")
    if expected_version is None:
        expected_version = obj.version
    changes = audit.diff(loaded, obj.audit_snapshot())
    changes.update(related_changes or {})
    model = type(obj)
    if not changes:
        if not model._default_manager.filter(pk=obj.pk, version=expected_version).exists():
            raise StaleVersion()
        return obj
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in changes:
            values[field.attname] = getattr(obj, field.attname)
    now = timezone.now()
    rows = model._default_manager.filter(pk=obj.pk, version=expected_version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if rows != 1:
        raise StaleVersion()
    obj.version = expected_version + 1
    obj.updated_at = now
    obj._loaded_values = obj.audit_snapshot()  # type: ignore[attr-defined]
    audit.record(obj, action=AuditEntry.Action.UPDATE, actor=actor, changes=changes)
    events.emit(
        event_name or _event_name(obj, "updated"),
        obj,
        actor=actor,
        payload={"fields": sorted(changes), "changes": changes, **(event_payload or {})},
    )
    return obj


def touch(obj: M, *, actor: Any, expected_version: int | None, changes: dict[str, list[Any]]) -> M:
    """Bump the version for a change stored in related rows only (e.g. contact points)."""
    return update(obj, actor=actor, expected_version=expected_version, related_changes=changes)


def delete(
    obj: M, *, actor: Any, expected_version: int | None, event_name: str | None = None
) -> None:
    """Delete `obj` if its version still matches, auditing the last values. Emits
    "<model>.deleted" (or `event_name`), then "<model>.deleted" for every row the database
    deletes with it (CASCADE), so consumers hear of those too."""
    _require_atomic()
    model = type(obj)
    expected = obj.version if expected_version is None else expected_version
    pk = obj.pk
    before = obj.audit_snapshot()
    locked = model._default_manager.filter(pk=pk, version=expected).update(version=F("version") + 1)
    if locked != 1:
        raise StaleVersion()
    last = {k: [v, None] for k, v in before.items() if v not in (None, "", [], {})}
    events.emit(
        event_name or _event_name(obj, "deleted"), obj, actor=actor, payload={"changes": last}
    )
    events.emit_many(cascade_events(obj, actor=actor))
    audit.record(obj, action=AuditEntry.Action.DELETE, actor=actor, changes=last, object_id=pk)
    model._default_manager.filter(pk=pk).delete()


CASCADE_DEPTH = 4  # relations followed below a deleted record (customer → interaction → …)
CASCADE_CHUNK = 1000  # rows read per query while emitting their events


def _cascaded(
    model: type[models.Model], rows: models.QuerySet[Any], path: tuple[type[models.Model], ...]
) -> Iterator[tuple[type[models.Model], models.QuerySet[Any]]]:
    """(model, rows) the database deletes along with `rows`, following CASCADE relations.
    Many-to-many link rows, one-to-one extensions keyed by the parent (a search row) and
    models with `emits_events = False` are not records of their own: left out."""
    if len(path) > CASCADE_DEPTH:
        return
    for rel in model._meta.related_objects:
        if getattr(rel, "on_delete", None) is not models.CASCADE:
            continue
        related = rel.related_model
        if not isinstance(related, type) or related._meta.auto_created or related in path:
            continue
        if not getattr(related, "emits_events", True):
            continue
        if rel.one_to_one and rel.field.primary_key:
            continue
        children = related._base_manager.filter(**{f"{rel.field.name}__in": rows})
        yield related, children
        yield from _cascaded(related, children.values("pk"), (*path, related))


def cascade_events(obj: models.Model, *, actor: Any) -> Iterator[OutboxEvent]:
    """A "<model>.deleted" event for every row deleted by cascade with `obj`, read
    CASCADE_CHUNK rows at a time: {"id", "version" (versioned records), "deleted_with":
    {"model", "id"}}. Nothing is loaded whole, so a customer with 100,000 interactions
    costs memory for one chunk."""
    root = {"model": obj._meta.label_lower, "id": obj.pk}
    actor_id = getattr(actor, "pk", None)
    model = type(obj)
    rows = model._base_manager.filter(pk=obj.pk).values("pk")
    for related, children in _cascaded(model, rows, (model,)):
        versioned = any(f.name == "version" for f in related._meta.concrete_fields)
        fields = ["pk", "version"] if versioned else ["pk"]
        name = _event_name(related, "deleted")
        label = related._meta.label_lower
        for values in children.order_by("pk").values_list(*fields).iterator(CASCADE_CHUNK):
            payload: dict[str, Any] = {"id": values[0]}
            if versioned:
                payload["version"] = values[1]
            payload["deleted_with"] = root
            yield OutboxEvent(
                name=name,
                aggregate=label,
                aggregate_id=str(values[0]),
                payload=payload,
                actor_id=actor_id,
            )
