from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """Pages that combine accounts, segments, tiers and plays: home, My accounts, the account page."""

    name = "workspace"
    verbose_name = "Workspace"
