from django.db import migrations

# Written out here rather than imported so the migration stays valid if the
# role module changes later.
LEADERSHIP = "Leadership"
VIEWERS = ["RevOps", LEADERSHIP]
# Leaders read the records behind the figures they drill into.
RECORD_MODELS = ["account", "contact", "opportunity", "engagementevent", "intentsignal"]


def create_leadership(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; create them now
    # so the groups can be granted them in a fresh database.
    for label in ("accounts", "insights"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_insights = Permission.objects.get(content_type__app_label="insights", codename="view_insights")
    leadership, _ = Group.objects.get_or_create(name=LEADERSHIP)
    leadership.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts", codename__in=[f"view_{model}" for model in RECORD_MODELS]
        )
    )
    for name in VIEWERS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(view_insights)


def delete_leadership(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=LEADERSHIP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_figures_and_snapshots"),
        ("accounts", "0002_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_leadership, delete_leadership)]
