"""The plays feed: play entries, exits and SLA breaches become feed events and webhook event types.

Only changes recorded after this migration become events, so existing
subscriptions get no burst of old play changes.
"""

from django.db import migrations, models


def create_trigger(apps, schema_editor):
    from integrations.triggers import play_feed_triggers_install

    play_feed_triggers_install(schema_editor.connection)


def drop_trigger(apps, schema_editor):
    from integrations.triggers import play_feed_triggers_remove

    play_feed_triggers_remove(schema_editor.connection)


FEEDS = [
    ("tiers", "Tier changes"),
    ("stages", "Lifecycle stage changes"),
    ("memberships", "Segment entries and exits"),
    ("plays", "Play entries, exits and SLA breaches"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0005_membership_page_index"),
        ("plays", "0004_change_log_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedcursor",
            name="feed",
            field=models.CharField(choices=FEEDS, max_length=16, primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name="feedevent",
            name="feed",
            field=models.CharField(choices=FEEDS, max_length=16),
        ),
        migrations.AlterField(
            model_name="feedevent",
            name="kind",
            field=models.CharField(
                choices=[("changed", "Changed"), ("entered", "Entered"), ("exited", "Exited"), ("breached", "SLA breached")],
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="feedevent",
            name="source_id",
            field=models.BigIntegerField(
                help_text="Id of the history row: a tier change, stage change, membership or enrollment change."
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("tier.changed", "Tier changed"),
                    ("segment.entered", "Segment entered"),
                    ("segment.exited", "Segment exited"),
                    ("stage.changed", "Lifecycle stage changed"),
                    ("play.entered", "Play entered"),
                    ("play.exited", "Play exited"),
                    ("play.sla_breached", "Play SLA breached"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
