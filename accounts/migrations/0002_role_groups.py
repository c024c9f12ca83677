from django.db import migrations

# Written out here rather than imported so the migration stays valid if the
# module changes later.
GROUP_NAMES = ["RevOps", "Sales", "Marketing", "Customer Success"]
# Model permissions per group: RevOps manages every record, the other roles
# read records, and sales and customer success also edit accounts and contacts.
MODELS = ["account", "contact", "opportunity", "engagementevent", "intentsignal"]
GRANTS = {
    "RevOps": ["add", "change", "delete", "view"],
    "Sales": ["view"],
    "Marketing": ["view"],
    "Customer Success": ["view"],
}
EDITORS = {"Sales": ["account", "contact"], "Customer Success": ["account", "contact"]}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; create them now
    # so the groups can be granted them in a fresh database.
    app_config = apps.get_app_config("accounts")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in GROUP_NAMES:
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{action}_{model}" for action in GRANTS[name] for model in MODELS]
        codenames += [f"change_{model}" for model in EDITORS.get(name, [])]
        group.permissions.set(Permission.objects.filter(content_type__app_label="accounts", codename__in=codenames))


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
