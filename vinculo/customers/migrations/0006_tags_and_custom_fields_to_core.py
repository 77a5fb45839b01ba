"""Tags and custom field definitions move to core (vinculo.core.tagging), so any model can
take them. Rows keep their ids: customers' tag links stay as they are (the link table is
repointed to core_tag), existing definitions become the definitions of
"customers.customer", and their audit history follows them."""

from django.core.management.color import no_style
from django.db import migrations, models

CUSTOMER = "customers.customer"
OLD_LABEL = "customers.customfielddefinition"
NEW_LABEL = "core.customfielddefinition"
DEFINITION_COLUMNS = (
    "id, created_at, updated_at, version, key, label, field_type, choices, required,"
    " applies_to, position, is_active"
)


def _reset_sequences(apps, schema_editor, models_):
    connection = schema_editor.connection
    for sql in connection.ops.sequence_reset_sql(no_style(), models_):
        schema_editor.execute(sql)


def copy_to_core(apps, schema_editor):
    """Copy tags and definitions with their ids (plain SQL: no auto_now overwrites)."""
    execute = schema_editor.execute
    # Tags already in core (left there by an earlier undo of this migration) are kept.
    execute(
        "INSERT INTO core_tag (id, name, folded) SELECT id, name, folded FROM customers_tag"
        " WHERE id NOT IN (SELECT id FROM core_tag)"
    )
    execute(
        f"INSERT INTO core_customfielddefinition ({DEFINITION_COLUMNS}, model)"
        f" SELECT {DEFINITION_COLUMNS}, %s FROM customers_customfielddefinition",
        params=[CUSTOMER],
    )
    _reset_sequences(
        apps,
        schema_editor,
        [apps.get_model("core", "Tag"), apps.get_model("core", "CustomFieldDefinition")],
    )
    audit = apps.get_model("core", "AuditEntry")
    audit.objects.filter(model=OLD_LABEL).update(model=NEW_LABEL)


def copy_back(apps, schema_editor):
    """Undo: the customers' tables again, from core. The definitions go back; the tags stay
    in core too (other models may use them)."""
    execute = schema_editor.execute
    execute("INSERT INTO customers_tag (id, name, folded) SELECT id, name, folded FROM core_tag")
    execute(
        f"INSERT INTO customers_customfielddefinition ({DEFINITION_COLUMNS})"
        f" SELECT {DEFINITION_COLUMNS} FROM core_customfielddefinition WHERE model = %s",
        params=[CUSTOMER],
    )
    execute("DELETE FROM core_customfielddefinition WHERE model = %s", params=[CUSTOMER])
    _reset_sequences(
        apps,
        schema_editor,
        [apps.get_model("customers", "Tag"), apps.get_model("customers", "CustomFieldDefinition")],
    )
    audit = apps.get_model("core", "AuditEntry")
    audit.objects.filter(model=NEW_LABEL).update(model=OLD_LABEL)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_tags_and_custom_fields"),
        ("customers", "0005_tax_id_identity_tag_folded"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, migrations.RunPython.noop),
        # The link table customers_customer_tags now points at core_tag (same ids).
        migrations.AlterField(
            model_name="customer",
            name="tags",
            field=models.ManyToManyField(blank=True, to="core.tag", verbose_name="tags"),
        ),
        # Going back, the old tables are filled again before the link table is repointed.
        migrations.RunPython(migrations.RunPython.noop, copy_back),
        migrations.DeleteModel(name="CustomFieldDefinition"),
        migrations.DeleteModel(name="Tag"),
        migrations.CreateModel(
            name="CustomFieldDefinition",
            fields=[],
            options={
                "verbose_name": "custom field",
                "verbose_name_plural": "custom fields",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("core.customfielddefinition",),
        ),
    ]
