"""`python manage.py seed_pipeline_defaults`: create the default ICP model and lifecycle rules if none exist."""

from django.core.management.base import BaseCommand

from segmentation.services.defaults import pipeline_defaults_seed


class Command(BaseCommand):
    help = "Create and publish the default ICP model, and create the default lifecycle rules, where none exist."

    def handle(self, *args, **options):
        created = pipeline_defaults_seed()
        if created["icp_model"]:
            self.stdout.write(f"Published the default ICP model as v{created['icp_model']}.")
        if created["lifecycle_rules"]:
            self.stdout.write(f"Created {created['lifecycle_rules']} default lifecycle rules.")
        if not created["icp_model"] and not created["lifecycle_rules"]:
            self.stdout.write("An ICP model and lifecycle rules exist already; nothing changed.")
