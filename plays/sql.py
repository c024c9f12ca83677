"""INSERT ... SELECT helpers for the set-based steps.

Django has no INSERT ... SELECT, so these compile a queryset to SQL with
its parameters and wrap it. They run unchanged on PostgreSQL and SQLite.
"""

import datetime

from django.db import connection


def db_param(value):
    """Adapt a parameter of raw SQL the way the ORM stores that type.

    SQLite keeps datetimes as text in UTC without an offset, so a raw
    parameter must take that exact form to compare equal with stored values.
    """
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def insert_select(model, *, constants: dict, copied: dict, source) -> int:
    """Insert one row into model's table for each row of the queryset source.

    constants maps column names to one value for every row; copied maps
    column names to columns of source, which must be a queryset whose
    values() holds exactly those columns. Returns the number of rows inserted.
    """
    quote = connection.ops.quote_name
    columns = list(constants) + list(copied)
    select_list = ["%s"] * len(constants) + [f"source.{quote(alias)}" for alias in copied.values()]
    source_sql, source_params = source.values(*copied.values()).query.sql_with_params()
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)}) "
        f"SELECT {', '.join(select_list)} FROM ({source_sql}) source"
    )
    params = [db_param(value) for value in constants.values()] + list(source_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
