"""Shared kernel tables: audit trail, event outbox, idempotency keys, and the versioned base."""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

M = TypeVar("M", bound=models.Model)


def one_or_none(queryset: models.QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key, or None. Unlike `.first()` it adds no ORDER BY,
    whose compilation costs more than the indexed lookup itself on the hottest paths."""
    return next(iter(queryset.order_by()[:1]), None)


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
        # The values as loaded, kept as they came; the snapshot is built from them only
        # when an update asks (most rows are loaded to be shown, never saved).
        instance.__dict__["_loaded_row"] = (field_names, values)
        return instance

    @property
    def _loaded_values(self) -> dict[str, Any] | None:
        """The audit snapshot of the values as loaded from the database (None for a
        record built in memory): what `persistence.update` diffs against."""
        cached = self.__dict__.get("_loaded_snapshot")
        if cached is None and "_loaded_row" in self.__dict__:
            from vinculo.core.audit import snapshot_of

            field_names, values = self.__dict__.pop("_loaded_row")
            cached = snapshot_of(self, dict(zip(field_names, values, strict=False)))
            self.__dict__["_loaded_snapshot"] = cached
        return cached

    @_loaded_values.setter
    def _loaded_values(self, value: dict[str, Any] | None) -> None:
        self.__dict__.pop("_loaded_row", None)
        self.__dict__["_loaded_snapshot"] = value

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
    workers deliver it at least once to every registered consumer (see core.events)."""

    name = models.CharField(max_length=100)  # e.g. "customer.created", "task.completed"
    aggregate = models.CharField(max_length=100)  # "customers.customer"
    aggregate_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    actor_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once every consumer has had it (delivered, or given up after MAX_ATTEMPTS).
    processed_at = models.DateTimeField(null=True, blank=True)
    # A dispatcher may take the event from this moment: a claim pushes it a lease ahead,
    # a failed delivery to the consumer's next retry.
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)  # dispatch passes that had a failure
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="outbox_pending_idx",
                condition=models.Q(processed_at__isnull=True),
            ),
            # Retention pruning walks processed events oldest first.
            models.Index(
                fields=["processed_at"],
                name="outbox_processed_idx",
                condition=models.Q(processed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.aggregate}#{self.aggregate_id}"


class OutboxDelivery(models.Model):
    """What one consumer made of one event: done, failing (retried later) or failed for
    good. One row per (consumer, event) keeps delivery idempotent per consumer, so a
    failing consumer is retried alone and never re-runs the others."""

    class Status(models.TextChoices):
        DONE = "done", _("delivered")
        RETRY = "retry", _("failing, will retry")
        FAILED = "failed", _("failed, waits for an operator")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    consumer = models.CharField(max_length=200)  # the key given by events.register_consumer
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event"], name="outbox_delivery_uniq")
        ]
        indexes = [
            # The operator's list of failures (`vinculo outbox failures`).
            models.Index(
                fields=["status", "id"],
                name="outbox_delivery_open_idx",
                condition=~models.Q(status="done"),
            ),
            # Each consumer's failing and failed deliveries (the settings page's summary).
            models.Index(
                fields=["consumer", "status"],
                name="outbox_delivery_consumer_idx",
                condition=~models.Q(status="done"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} ← event {self.event_id}: {self.status}"


class JobLock(models.Model):
    """A lock for a periodic job that expires: a consumer killed while holding it (kill -9)
    blocks the job only until `expires_at`, never forever (Huey's own locks do not expire
    on SQLite or on Redis before 7.4)."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(models.Model):
    """The stored answer to a POST made with an Idempotency-Key, replayed on retries for 24 h."""

    emits_events = False  # bookkeeping: deleting its user emits no "idempotencyrecord.deleted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    # Who runs the request now: a new token when an abandoned reservation is taken over, so
    # the request that lost it can never store its answer (and its write) as well.
    token = models.CharField(max_length=32, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_uniq")
        ]
