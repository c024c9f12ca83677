"""Temporary staging tables: bulk-load rows with COPY on PostgreSQL or one
executemany on SQLite, so the upsert can join them against the real tables.
"""

import io
import json

import pandas as pd
from django.db import connection

from .frames import is_blank


def quote(name):
    return connection.ops.quote_name(name)


def is_postgresql():
    return connection.vendor == "postgresql"


# One encoder for every value: json.dumps with options builds a new encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


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

    def load(self, frame, *, sqlite_adapters=None):
        """Load a DataFrame with one column per staging column, in order; None or NaN is NULL.

        On SQLite, sqlite_adapters maps a column name to a function that turns
        a value into what Django would store (dates, datetimes and JSON as text).
        """
        names = ", ".join(quote(name) for name, _ in self.columns)
        if frame.empty:
            return
        with connection.cursor() as cursor:
            if is_postgresql():
                cursor.copy_expert(f"COPY {self.sql_name} ({names}) FROM STDIN WITH (FORMAT csv)", self._csv(frame))
            else:
                adapters = sqlite_adapters or {}
                columns = []
                for name, _ in self.columns:
                    adapt = adapters.get(name)
                    column = []
                    for value in frame[name]:
                        if is_blank(value) or value == "":
                            value = None
                        elif adapt:
                            value = adapt(value)
                        column.append(value)
                    columns.append(column)
                prepared = list(zip(*columns))
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.sql_name} ({names}) VALUES ({placeholders})", prepared)

    def _csv(self, frame):
        """Write the frame as CSV for COPY: JSON columns serialized, NULL as an unquoted empty field.

        pandas' CSV writer quotes any value that contains a delimiter, quote or
        line break. It also writes an empty string unquoted, so "" loads as NULL,
        which the upsert treats like a blank cell.
        """
        columns = {}
        for name, sql_type in self.columns:
            values = frame[name]
            if sql_type == "jsonb":
                values = pd.Series(
                    [None if is_blank(value) else _JSON.encode(value) for value in values],
                    index=frame.index, dtype=object,
                )
            columns[name] = values
        buffer = io.StringIO()
        pd.DataFrame(columns).to_csv(buffer, index=False, header=False, na_rep="")
        buffer.seek(0)
        return buffer

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.sql_name}")


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
