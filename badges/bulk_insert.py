"""Many new rows of one model in one statement: COPY on PostgreSQL, `bulk_create` elsewhere.

On PostgreSQL, Django 5.2's `bulk_create` sends the rows as one array per column, and psycopg quotes every element
of those arrays in Python: for a chunk of signed credentials (a few kilobytes of JSON each, every quote escaped)
that cost as much as signing them. COPY sends the same values in PostgreSQL's text format, escaped by psycopg's C
code, and the server parses no statement per row. COPY returns nothing, so the primary keys are taken from the
table's sequence first, in one statement, and set on the objects as `bulk_create` sets them.

The values are the ones `bulk_create` would write: each field's `pre_save` (auto_now and auto_now_add) and
`get_db_prep_save` (JSON, UUID, file names) are applied the same way (tests/bulk/test_bulk_insert.py compares the
two paths column by column).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

Model = TypeVar("Model", bound=models.Model)

# Django's own field classes (exactly these, not subclasses, which may prepare values their own way) whose
# `get_db_prep_save` gives back a value of the listed type as it is, and None as None, and whose `pre_save` only reads
# the attribute: for such values the generic preparation, a dozen calls deep per value, is skipped.
_TEXT, _INTEGER = frozenset({str}), frozenset({int})
_PLAIN: dict[type[models.Field], frozenset[type]] = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.EmailField: _TEXT,
    models.SlugField: _TEXT,
    models.URLField: _TEXT,
    models.IntegerField: _INTEGER,
    models.BigIntegerField: _INTEGER,
    models.SmallIntegerField: _INTEGER,
    models.PositiveIntegerField: _INTEGER,
    models.PositiveBigIntegerField: _INTEGER,
    models.PositiveSmallIntegerField: _INTEGER,
    models.AutoField: _INTEGER,
    models.BigAutoField: _INTEGER,
    models.BooleanField: frozenset({bool}),
}


def _preparation(field: models.Field, target: BaseDatabaseWrapper) -> Callable[[models.Model], Any]:
    """The function that gives `field`'s value of an object as `bulk_create` would write it."""
    pre_save, prep_save = field.pre_save, field.get_db_prep_save
    kind = type(field.target_field) if type(field) is models.ForeignKey else type(field)
    plain = _PLAIN.get(kind)
    if plain is None:
        return lambda obj: prep_save(pre_save(obj, True), target)
    attname = field.attname

    def prepared(obj: models.Model) -> Any:
        value = getattr(obj, attname)
        if value is None or type(value) in plain:
            return value
        return prep_save(value, target)

    return prepared


def insert_many(objects: Sequence[Model]) -> None:
    """Insert unsaved instances of one model in the current transaction and set their primary keys."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None and pk.column is not None
    fields = [field for field in meta.concrete_fields if field.column is not None]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        for obj, pk_value in zip(objects, ids, strict=True):
            setattr(obj, pk.attname, pk_value)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        # The driver's cursor: Django's wrapper has no COPY. Its errors (a unique key taken meanwhile) still come
        # out as Django's IntegrityError, which callers catch as they would from bulk_create.
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            # Bound once: per row and field these lookups cost more than the values' own preparation.
            target = connections[connection.alias]
            prepare = [_preparation(field, target) for field in fields]
            for obj in objects:
                copy.write_row([prepared(obj) for prepared in prepare])
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
