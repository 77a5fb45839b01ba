"""Moving tags and custom field definitions to core keeps every row, id, link and history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("customers", "0005_tax_id_identity_tag_folded"),
    ("core", "0002_outbox_deliveries_locks"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_existing_tags_and_fields_survive_the_move_and_back():
    migrate(BEFORE)
    now = timezone.now()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO customers_tag (id, name, folded)"
            " VALUES (5, 'vip', 'vip'), (9, 'B2B', 'b2b')"
        )
        c.execute(
            "INSERT INTO customers_customer (id, created_at, updated_at, version, kind, name,"
            " sort_name, job_title, stage, source, tax_id, tax_id_type, notes, custom_data)"
            " VALUES (1, %s, %s, 3, 'person', 'Ana', 'ana', '', 'lead', '', '', '', '', %s)",
            [now, now, '{"shoe": 38}'],
        )
        c.execute("INSERT INTO customers_customer_tags (customer_id, tag_id) VALUES (1, 5), (1, 9)")
        c.execute(
            "INSERT INTO customers_customfielddefinition (id, created_at, updated_at, version,"
            " key, label, field_type, choices, required, applies_to, position, is_active)"
            " VALUES (7, %s, %s, 2, 'shoe', 'Shoe size', 'number', '[]', %s, 'person', 3, %s)",
            [now.replace(year=2020), now, False, True],
        )
        c.execute(
            "INSERT INTO core_auditentry (model, object_id, object_repr, action, at, changes,"
            " via) VALUES ('customers.customfielddefinition', '7', 'Shoe size', 'create', %s,"
            " '{}', 'web')",
            [now],
        )
    executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    apps = executor.loader.project_state().apps
    customer = apps.get_model("customers", "Customer").objects.get(pk=1)
    assert sorted((t.pk, t.name, t.folded) for t in customer.tags.all()) == [
        (5, "vip", "vip"),
        (9, "B2B", "b2b"),
    ]
    assert customer.custom_data == {"shoe": 38}
    definition = apps.get_model("core", "CustomFieldDefinition").objects.get()
    assert (definition.pk, definition.model, definition.key, definition.version) == (
        7,
        "customers.customer",
        "shoe",
        2,
    )
    assert definition.created_at.year == 2020 and definition.applies_to == "person"
    audit = apps.get_model("core", "AuditEntry").objects.get()
    assert audit.model == "core.customfielddefinition"  # the history follows the row
    tag = apps.get_model("core", "Tag").objects.create(name="new")
    assert tag.pk > 9  # the id sequence continues after the copied rows

    migrate(BEFORE)  # and back, for an operator who must undo the upgrade
    with connection.cursor() as c:
        c.execute("SELECT id, name FROM customers_tag ORDER BY id")
        assert c.fetchall()[:2] == [(5, "vip"), (9, "B2B")]
        c.execute("SELECT tag_id FROM customers_customer_tags ORDER BY tag_id")
        assert [row[0] for row in c.fetchall()] == [5, 9]
        c.execute("SELECT id, key FROM customers_customfielddefinition")
        assert c.fetchall() == [(7, "shoe")]
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
