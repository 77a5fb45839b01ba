"""Column lists of the tables the benchmark loads (no Django import: usable before setup)."""

from __future__ import annotations

CUSTOMER_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "kind",
    "name",
    "sort_name",
    "organization_id",
    "job_title",
    "birth_date",
    "stage",
    "source",
    "owner_id",
    "tax_id",
    "tax_id_type",
    "notes",
    "custom_data",
]
POINT_COLUMNS = [
    "id",
    "customer_id",
    "kind",
    "value",
    "label",
    "platform",
    "is_primary",
    "position",
]
# Replaced at run time by SearchEntry's own columns (see bench.run.check_columns).
SEARCH_COLUMNS = ["customer_id", "text", "numbers"]
AUDIT_COLUMNS = ["id", "model", "object_id", "object_repr", "action", "actor_id", "at", "changes"]
AUDIT_COLUMNS += ["via"]
INTERACTION_COLUMNS = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "customer_id",
    "channel",
    "direction",
    "occurred_at",
    "subject",
    "body",
    "duration_seconds",
    "outcome",
    "created_by_id",
    "source",
    "external_id",
]
TASK_COLUMNS = ["id", "created_at", "updated_at", "version", "title", "notes", "due_date"]
TASK_COLUMNS += ["priority", "assignee_id", "customer_id", "created_by_id", "done_at"]

TABLES = {
    "customers_customer": CUSTOMER_COLUMNS,
    "customers_contactpoint": POINT_COLUMNS,
    "customers_searchentry": SEARCH_COLUMNS,
    "core_auditentry": AUDIT_COLUMNS,
    "timeline_interaction": INTERACTION_COLUMNS,
    "timeline_task": TASK_COLUMNS,
}
