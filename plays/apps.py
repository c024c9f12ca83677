from django.apps import AppConfig


class PlaysConfig(AppConfig):
    name = "plays"
    verbose_name = "Plays and journeys"
