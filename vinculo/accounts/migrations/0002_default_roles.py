from django.db import migrations


def create_roles(apps, schema_editor):
    from vinculo.accounts.models import role_defaults

    Role = apps.get_model("accounts", "Role")
    for values in role_defaults():
        Role.objects.update_or_create(code=values["code"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
