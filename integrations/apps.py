from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "API and webhooks"

    def ready(self):
        from accounts.api.signals import records_written

        from . import schema  # noqa: F401 - registers the API token scheme with drf-spectacular
        from .recompute import on_records_written
        from .triggers import on_post_migrate

        records_written.connect(on_records_written, dispatch_uid="integrations.recompute")
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="integrations.feed_triggers")
