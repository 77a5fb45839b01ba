"""External ids become unique per source (the system they come from), not per channel."""

from django.db import migrations, models


def fill_sources(apps, schema_editor):
    """Ids logged before sources existed came through the API: give them the API's default
    source. An id that was used on two channels (allowed until now) keeps one row per
    channel by naming the channel in the source."""
    Interaction = apps.get_model("timeline", "Interaction")
    rows = Interaction.objects.exclude(external_id="").order_by("id")
    channels: dict[str, set[str]] = {}
    for external_id, channel in rows.values_list("external_id", "channel").iterator():
        channels.setdefault(external_id, set()).add(channel)
    rows.update(source="api")
    for external_id, used in channels.items():
        if len(used) > 1:
            for channel in used:
                rows.filter(external_id=external_id, channel=channel).update(
                    source=f"api:{channel}"
                )
    if schema_editor.connection.vendor == "postgresql":
        # The updates queued deferred foreign-key checks; PostgreSQL creates no index on a
        # table with pending trigger events, so run the checks now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0003_attachment_file_index"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="interactionlink",
            options={"ordering": ["id"]},
        ),
        migrations.RemoveConstraint(
            model_name="interaction",
            name="interaction_external_uniq",
        ),
        migrations.AddField(
            model_name="interaction",
            name="source",
            field=models.CharField(blank=True, max_length=100, verbose_name="source"),
        ),
        migrations.RunPython(fill_sources, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="interaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("source", "external_id"),
                name="interaction_source_external_uniq",
            ),
        ),
    ]
