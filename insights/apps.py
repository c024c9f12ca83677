from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = "Insights: KPIs, backtests and verdicts"

    def ready(self):
        from .triggers import on_post_migrate

        # Migrations that rebuild a table on SQLite drop its triggers, so they are checked after every migrate.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="insights.touch_triggers")
