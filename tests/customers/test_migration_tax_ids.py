"""Upgrading to unique tax ids keeps existing data: repeated ones are released, not lost."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0004_search_owner")]
AFTER = [("customers", "0005_tax_id_identity_tag_folded")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_repeated_tax_ids_are_released_with_a_note_and_an_audit_entry():
    old = _migrate(BEFORE)
    try:
        Customer = old.get_model("customers", "Customer")
        Tag = old.get_model("customers", "Tag")
        keeper = Customer.objects.create(name="First", sort_name="first", tax_id="11144477735")
        later = Customer.objects.create(
            name="Second", sort_name="second", tax_id="11144477735", tax_id_type="br_cpf"
        )
        other = Customer.objects.create(name="Other", sort_name="other", tax_id="52998224725")
        Tag.objects.create(name="Cliente Fiél")
        new = _migrate(AFTER)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    Customer = new.get_model("customers", "Customer")
    assert Customer.objects.get(pk=keeper.pk).tax_id == "11144477735"
    assert Customer.objects.get(pk=other.pk).tax_id == "52998224725"
    released = Customer.objects.get(pk=later.pk)
    assert released.tax_id == "" and released.tax_id_type == ""
    assert f"customer #{keeper.pk} (First)" in released.notes and "11144477735" in released.notes
    AuditEntry = new.get_model("core", "AuditEntry")
    entry = AuditEntry.objects.get(model="customers.customer", object_id=str(later.pk))
    assert entry.changes["tax_id"] == ["11144477735", ""]
    # Tags live in core since customers 0006 (tags and custom fields for any model).
    from vinculo.customers.models import Tag as CurrentTag

    assert CurrentTag.objects.get().folded == "cliente fiel"
