"""Temporary staging tables: bulk-load rows with COPY on PostgreSQL or one
executemany on SQLite, so the upsert can join them against the real tables.
"""

import io
import json
from datetime import date, datetime
from decimal import Decimal

from django.db import connection


def quote(name):
    return connection.ops.quote_name(name)


def is_postgresql():
    return connection.vendor == "postgresql"


def _copy_text(value):
    """Format one value for PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (datetime, date)):
        text = value.isoformat()
    elif isinstance(value, (int, Decimal, float)):
        return str(value)
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class StagingTable:
    """A temporary table with the given (name, SQL type) columns, dropped by drop()."""

    def __init__(self, name, columns):
        self.name = name
        self.columns = columns

    @property
    def sql_name(self):
        return quote(self.name)

    def create(self):
        definition = ", ".join(f"{quote(name)} {sql_type}" for name, sql_type in self.columns)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.sql_name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.sql_name} ({definition})")

    def load(self, rows, *, sqlite_adapters=None):
        """Load rows: sequences of Python values in column order.

        On SQLite, sqlite_adapters maps a column index to a function that turns
        the value into what Django would store (dates, datetimes and JSON as text).
        """
        names = ", ".join(quote(name) for name, _ in self.columns)
        with connection.cursor() as cursor:
            if is_postgresql():
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join(_copy_text(value) for value in row))
                    buffer.write("\n")
                buffer.seek(0)
                cursor.copy_expert(f"COPY {self.sql_name} ({names}) FROM STDIN", buffer)
            else:
                adapters = sqlite_adapters or {}
                prepared = [
                    [adapters[index](value) if index in adapters and value is not None else value
                     for index, value in enumerate(row)]
                    for row in rows
                ]
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.sql_name} ({names}) VALUES ({placeholders})", prepared)
        if is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.sql_name}")

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.sql_name}")


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
