from django.db import migrations


def create_roles(apps, schema_editor):
    from vinculo.accounts.models import role_defaults

    Role = apps.get_model("accounts", "Role")
    # Only the fields this migration's Role has: later capabilities come with their own.
    fields = {f.name for f in Role._meta.get_fields()}
    for values in role_defaults():
        values = {k: v for k, v in values.items() if k in fields}
        Role.objects.update_or_create(code=values["code"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
