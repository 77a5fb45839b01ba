"""Shared kernel tables: audit trail, event outbox, idempotency keys, and the versioned base."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    """Base for every editable record: timestamps, an optimistic-concurrency version and a
    snapshot of the values as loaded, so the audit trail can record field-level changes."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    # Fields never shown in the audit trail (derived or bookkeeping values).
    audit_exclude: tuple[str, ...] = ("created_at", "updated_at", "version")

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:  # type: ignore[override]
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = instance.audit_snapshot()  # type: ignore[attr-defined]
        return instance

    def audit_snapshot(self) -> dict[str, Any]:
        """Plain, JSON-ready values of the audited concrete fields."""
        from vinculo.core.audit import snapshot

        return snapshot(self)


# Tags and custom fields (and the mixins through which any model takes them) live in their
# own module; imported here so they are models of this app.
from vinculo.core.tagging.models import (  # noqa: E402
    CustomFieldDefinition as CustomFieldDefinition,
)
from vinculo.core.tagging.models import HasCustomFields as HasCustomFields  # noqa: E402
from vinculo.core.tagging.models import Tag as Tag  # noqa: E402
from vinculo.core.tagging.models import Tagged as Tagged  # noqa: E402


class AuditEntry(models.Model):
    """One create, update, delete or merge of a record: who, when, and what changed."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        MERGE = "merge", _("merged")

    model = models.CharField(max_length=100)  # "app_label.modelname"
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # {"field": [before, after], ...}; for create only "after" values, for delete only "before".
    changes = models.JSONField(default=dict)
    via = models.CharField(max_length=20, blank=True)  # web, api, import, job, …

    class Meta:
        indexes = [models.Index(fields=["model", "object_id", "-id"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.model}#{self.object_id}"


class OutboxEvent(models.Model):
    """A domain event appended in the same transaction as the change that caused it;
    workers deliver it at least once to rules, webhooks and indexers."""

    name = models.CharField(max_length=100)  # e.g. "customer.created"
    aggregate = models.CharField(max_length=100)  # "customers.customer"
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_pending_idx",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.aggregate}#{self.aggregate_id}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST made with an Idempotency-Key, replayed on retries for 24 h."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")
        ]
