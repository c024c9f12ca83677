"""Temporary staging tables: bulk-load rows with COPY on PostgreSQL or one
executemany on SQLite, so the upsert can join them against the real tables.
"""

import io
import json
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connection

from .frames import is_blank


def quote(name):
    return connection.ops.quote_name(name)


def is_postgresql():
    return connection.vendor == "postgresql"


# One encoder for every value: json.dumps with options builds a new encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _copy_scalar(value):
    """Format one non-null value as text for COPY, before escaping."""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        return _JSON.encode(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_SEPARATOR = "\x00"  # cannot occur in PostgreSQL text, so it safely joins a column for one-pass escaping


def _copy_column(series, sql_type):
    """Format a column for PostgreSQL's COPY text format: escaped text, \\N for NULL; returns a list."""
    values = series.to_numpy(dtype=object)
    blank = pd.isna(values)
    texts = np.full(len(values), "\\N", dtype=object)
    present = values[~blank]
    if not len(present):
        return texts.tolist()
    if sql_type.startswith(("varchar", "text", "char")):
        formatted = [value if isinstance(value, str) else str(value) for value in present]
    elif sql_type.startswith(("integer", "bigint", "smallint", "numeric", "double", "real")):
        formatted = list(map(str, present))
    else:
        formatted = list(map(_copy_scalar, present))
    joined = _SEPARATOR.join(formatted)
    if any(character in joined for character in "\\\t\n\r"):
        formatted = [_escape(text) for text in formatted]
    texts[~blank] = formatted
    return texts.tolist()


def _escape(text):
    for plain, escaped in _COPY_ESCAPES:
        text = text.replace(plain, escaped)
    return text


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
                texts = [_copy_column(frame[name], sql_type) for name, sql_type in self.columns]
                buffer = io.StringIO("\n".join(map("\t".join, zip(*texts))) + "\n")
                cursor.copy_expert(f"COPY {self.sql_name} ({names}) FROM STDIN", buffer)
            else:
                adapters = sqlite_adapters or {}
                columns = []
                for name, _ in self.columns:
                    adapt = adapters.get(name)
                    column = []
                    for value in frame[name]:
                        if is_blank(value):
                            value = None
                        elif adapt:
                            value = adapt(value)
                        column.append(value)
                    columns.append(column)
                prepared = list(zip(*columns))
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.sql_name} ({names}) VALUES ({placeholders})", prepared)

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.sql_name}")


def fetch(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
