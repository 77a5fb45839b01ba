"""The one way services write versioned records: audit entry, outbox event and the
optimistic-concurrency check happen here, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from vinculo.core import audit, events
from vinculo.core.errors import StaleVersion
from vinculo.core.models import AuditEntry, VersionedModel

M = TypeVar("M", bound=VersionedModel)


def _require_atomic() -> None:
    # The record, its audit entry and its event must commit together or not at all.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("persistence helpers must run inside transaction.atomic()")


def _event_name(obj: models.Model, verb: str) -> str:
    return f"{obj._meta.model_name}.{verb}"


def create(
    obj: M,
    *,
    actor: Any,
    save_related: Callable[[M], dict[str, list[Any]]] | None = None,
    event_payload: dict[str, Any] | None = None,
) -> M:
    """Insert `obj`, then its related rows (`save_related` returns their {name: [old, new]}),
    audit every value and emit "<model>.created"."""
    _require_atomic()
    obj.version = 1
    obj.save(force_insert=True)
    obj._loaded_values = obj.audit_snapshot()  # type: ignore[attr-defined]
    related = {k: v[1] for k, v in (save_related(obj) if save_related else {}).items()}
    after = {**obj._loaded_values, **related}  # type: ignore[attr-defined]
    changes = {k: [None, v] for k, v in after.items() if v not in (None, "", [], {})}
    audit.record(obj, action=AuditEntry.Action.CREATE, actor=actor, changes=changes)
    events.emit(_event_name(obj, "created"), obj, actor=actor, payload=event_payload)
    return obj


def update(
    obj: M,
    *,
    actor: Any,
    expected_version: int | None,
    related_changes: dict[str, list[Any]] | None = None,
    event_payload: dict[str, Any] | None = None,
) -> M:
    """Save the fields changed since load if nobody saved in between, else raise StaleVersion.

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
        _event_name(obj, "updated"),
        obj,
        actor=actor,
        payload={"version": obj.version, "fields": sorted(changes), **(event_payload or {})},
    )
    return obj


def touch(obj: M, *, actor: Any, expected_version: int | None, changes: dict[str, list[Any]]) -> M:
    """Bump the version for a change stored in related rows only (e.g. contact points)."""
    return update(obj, actor=actor, expected_version=expected_version, related_changes=changes)


def delete(obj: M, *, actor: Any, expected_version: int | None) -> None:
    """Delete `obj` if its version still matches, auditing the last values."""
    _require_atomic()
    model = type(obj)
    expected = obj.version if expected_version is None else expected_version
    pk = obj.pk
    before = obj.audit_snapshot()
    locked = model._default_manager.filter(pk=pk, version=expected).update(version=F("version") + 1)
    if locked != 1:
        raise StaleVersion()
    events.emit(_event_name(obj, "deleted"), obj, actor=actor)
    audit.record(
        obj,
        action=AuditEntry.Action.DELETE,
        actor=actor,
        changes={k: [v, None] for k, v in before.items() if v not in (None, "", [], {})},
        object_id=pk,
    )
    model._default_manager.filter(pk=pk).delete()
