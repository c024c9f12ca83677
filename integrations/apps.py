from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "API and webhooks"

    def ready(self):
        from accounts.api.signals import records_written

        from . import schema  # noqa: F401 - registers the API token scheme with drf-spectacular
        from .recompute import on_records_written

        records_written.connect(on_records_written, dispatch_uid="integrations.recompute")
