from django.apps import AppConfig
from django.db.backends.signals import connection_created


class SegmentationConfig(AppConfig):
    name = "segmentation"
    verbose_name = "Segments and tiers"

    def ready(self):
        from .rules.expressions import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="segmentation_sqlite_functions")
