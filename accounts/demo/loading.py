"""Write generated data frames into the database in bulk.

PostgreSQL gets COPY from in-memory CSV buffers, and SQLite gets
bulk_create in batches. Both write explicit ids, so `finish` resets the id
sequences. Each writer counts, per model, the seconds spent formatting
rows (`format_seconds`) and inserting them (`insert_seconds`).
"""

import io
import json
import logging
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
import pandas as pd
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

logger = logging.getLogger(__name__)

SQLITE_BATCH_SIZE = 500
# COPY buffers waiting for the background thread, which bounds the memory
# held by formatted rows.
MAX_PENDING_COPIES = 2
# Bytes psycopg2 reads from a buffer per call. Large reads keep the COPY
# thread from waiting for the GIL between small chunks.
COPY_READ_BYTES = 1 << 22
# Memory for rebuilding the indexes at the end of a fresh PostgreSQL load.
INDEX_BUILD_MEMORY = "256MB"


def frame_complete(model, frame, *, reference_time):
    """Return the frame with every concrete column of the model, in model order.

    Columns the generator left out get the field's default; created_at and
    updated_at get the reference time so that reruns write identical rows.
    JSON defaults are stored as JSON text, like the generated JSON columns.
    """
    columns = {}
    for field in model._meta.concrete_fields:
        if field.column in frame:
            columns[field.column] = frame[field.column]
        elif isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            columns[field.column] = np.full(len(frame), reference_time, dtype="datetime64[s]")
        elif field.null and not field.has_default():
            columns[field.column] = [None] * len(frame)
        else:
            # A blank-able text field without a default gets "".
            default = field.get_default()
            if default is None:
                raise ValueError(f"The demo data has no value for {model.__name__}.{field.name}, which has no default.")
            if isinstance(field, models.JSONField):
                default = json.dumps(default)
            columns[field.column] = [default] * len(frame)
    return pd.DataFrame(columns, index=frame.index)


class _Writer:
    """Timings and sequence bookkeeping shared by the two writers."""

    def __init__(self, model_list):
        self.models = list(model_list)
        self.format_seconds = defaultdict(float)
        self.insert_seconds = defaultdict(float)

    def _written_models(self):
        # Resetting the sequence of a table that got no rows could move it
        # below the ids of deleted rows, so only written tables are reset.
        return [model for model in self.models if model in self.format_seconds]


def _field_kinds(model):
    return {field.column: field for field in model._meta.concrete_fields}


def _datetimes_as_text(values, unit):
    array = np.asarray(values, dtype=f"datetime64[{unit}]")
    text = np.datetime_as_string(array, unit=unit)
    if unit == "s":
        text = np.strings.add(text, "+00")
    text = text.astype(object)
    text[np.isnat(array)] = None
    return text


class PostgresWriter(_Writer):
    """COPY frames into PostgreSQL tables inside the caller's transaction.

    The calling thread formats the next frame as CSV while a background
    thread runs the COPY of the previous one on the same connection, so
    Python and the database server work at the same time. The caller must
    not use the connection between the first `write` and `finish`, and must
    call `close` when it is done, also after an error.

    With `defer_indexes` (only for tables that start empty) the secondary
    indexes and the foreign keys of the tables are dropped first and
    recreated by `finish`, which checks every row at once: far faster than
    maintaining them row by row. The drop takes an exclusive lock on the
    tables until the transaction ends.
    """

    def __init__(self, model_list, *, defer_indexes):
        super().__init__(model_list)
        self.defer_indexes = defer_indexes
        self.deferred_sql = []
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-data-copy")
        self._pending = deque()
        # `connection` resolves to a different wrapper in each thread, so the
        # COPY thread uses the one of the thread that owns the transaction.
        self._wrapper = connections[DEFAULT_DB_ALIAS]
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if defer_indexes:
                self._drop_indexes_and_foreign_keys(cursor)

    def _drop_indexes_and_foreign_keys(self, cursor):
        tables = [model._meta.db_table for model in self.models]
        cursor.execute(
            """
            SELECT quote_ident(table_class.relname), quote_ident(index_class.relname), pg_get_indexdef(index_class.oid)
            FROM pg_index
            JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid
            JOIN pg_class table_class ON table_class.oid = pg_index.indrelid
            WHERE table_class.oid = ANY (SELECT to_regclass(name) FROM unnest(%s::text[]) AS name)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE pg_constraint.conindid = pg_index.indexrelid)
            ORDER BY 1, 2
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT quote_ident(table_class.relname), quote_ident(conname), pg_get_constraintdef(pg_constraint.oid)
            FROM pg_constraint
            JOIN pg_class table_class ON table_class.oid = pg_constraint.conrelid
            WHERE contype = 'f'
              AND conrelid = ANY (SELECT to_regclass(name) FROM unnest(%s::text[]) AS name)
            ORDER BY 1, 2
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for _, name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        self.deferred_sql = [definition for _, _, definition in indexes] + [
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in foreign_keys
        ]
        logger.info("Dropped %d indexes and %d foreign keys for the bulk load", len(indexes), len(foreign_keys))

    def write(self, model, frame):
        """Format the frame as CSV and queue its COPY, waiting while MAX_PENDING_COPIES are queued."""
        started = time.perf_counter()
        fields = _field_kinds(model)
        text = frame.copy()
        for column in text.columns:
            field = fields[column]
            if isinstance(field, models.DateTimeField):
                text[column] = _datetimes_as_text(text[column].to_numpy(), "s")
            elif isinstance(field, models.DateField):
                text[column] = _datetimes_as_text(text[column].to_numpy(), "D")
        buffer = io.StringIO()
        text.to_csv(buffer, header=False, index=False, na_rep="\\N", float_format="%.2f")
        buffer.seek(0)
        quote = connection.ops.quote_name
        column_list = ", ".join(quote(column) for column in text.columns)
        sql = f"COPY {quote(model._meta.db_table)} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        self.format_seconds[model] += time.perf_counter() - started

        while len(self._pending) >= MAX_PENDING_COPIES:
            self._pending.popleft().result()
        self._pending.append(self._executor.submit(self._copy, model, sql, buffer))

    def _copy(self, model, sql, buffer):
        started = time.perf_counter()
        # Raise Django's database errors, such as IntegrityError, as the ORM does.
        with self._wrapper.wrap_database_errors, self._wrapper.connection.cursor() as cursor:
            cursor.copy_expert(sql, buffer, size=COPY_READ_BYTES)
        self.insert_seconds[model] += time.perf_counter() - started

    def close(self):
        """Wait for the queued COPY statements to end and stop the background thread."""
        wait(self._pending)
        self._executor.shutdown()

    def finish(self):
        """Recreate what was dropped, reset the id sequences and refresh the planner statistics.

        Raises the error of the first COPY that failed.
        """
        while self._pending:
            self._pending.popleft().result()
        with connection.cursor() as cursor:
            if self.deferred_sql:
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
            for statement in self.deferred_sql:
                cursor.execute(statement)
            for statement in connection.ops.sequence_reset_sql(no_style(), self._written_models()):
                cursor.execute(statement)
            for model in self.models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


class SqliteWriter(_Writer):
    """bulk_create frames in batches, for SQLite and any other database."""

    def write(self, model, frame):
        started = time.perf_counter()
        fields = _field_kinds(model)
        values = {}
        for column in frame.columns:
            field = fields[column]
            series = frame[column]
            if isinstance(field, models.DateTimeField):
                instants = pd.to_datetime(series, utc=True)
                values[column] = [None if pd.isna(instant) else instant.to_pydatetime() for instant in instants]
            elif isinstance(field, models.DateField):
                values[column] = [None if pd.isna(day) else day.date() for day in pd.to_datetime(series)]
            elif isinstance(field, models.JSONField):
                values[column] = [json.loads(text) for text in series]
            else:
                values[column] = series.astype(object).where(series.notna(), None).tolist()
        names = {column: fields[column].attname for column in frame.columns}
        rows = [dict(zip(names.values(), row)) for row in zip(*(values[column] for column in frame.columns))]
        instances = [model(**row) for row in rows]
        inserting = time.perf_counter()
        self.format_seconds[model] += inserting - started

        model.objects.bulk_create(instances, batch_size=SQLITE_BATCH_SIZE)
        # bulk_create stamps auto_now fields with the current time; put back
        # the generated timestamps so reruns write identical rows.
        stamps = {
            field.attname: values[field.column][0]
            for field in model._meta.concrete_fields
            if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add)
        }
        if stamps and rows:
            first_id, last_id = int(frame["id"].min()), int(frame["id"].max())
            model.objects.filter(id__gte=first_id, id__lte=last_id).update(**stamps)
        self.insert_seconds[model] += time.perf_counter() - inserting

    def close(self):
        pass

    def finish(self):
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), self._written_models()):
                cursor.execute(statement)
