"""Helpers for tests that need a second PostgreSQL session beside Django's own."""

from django.db import connection


def second_connection():
    """Open a separate psycopg2 connection to the test database, to hold locks or snapshots from another session."""
    import psycopg2

    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
    )
