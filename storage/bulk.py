"""Many rows into one table at once, without the per-row work of SQLAlchemy's statement layer.

SQLite: the INSERT is compiled once, each value goes through its column type's bind processor (the
dialect's own conversion, e.g. dates as text) and the rows go to the driver in one executemany.
PostgreSQL: ``COPY … FROM STDIN`` in the same transaction, in binary when psycopg can write every
column so (``_column_types``), several times faster than an INSERT per row for the server too. A
unique violation is raised as SQLAlchemy's ``IntegrityError`` either way, so a unit of work reports
it as a concurrent change.

For a sweep's hundreds of thousands of escalation and event rows, where building parameters row by
row through ``Connection.execute`` cost more than the database's own work. Rows may come as
tuples with their column names given once, so a caller need not build a dict per row.
"""

from __future__ import annotations

import json

from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

_STATEMENTS: dict = {}  # (table, column names, dialect) → the INSERT's text and its parameters' order


def insert_rows(session: Session, table: Table, rows: list, columns: tuple[str, ...] | None = None) -> None:
    """INSERT ``rows`` in this transaction: dicts with the same keys (column names of ``table``), or,
    with ``columns``, tuples of those columns' values in that order."""
    if not rows:
        return
    keys = tuple(rows[0]) if columns is None else tuple(columns)
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        # COPY takes the rows as they come (no columns of values built for it)
        tuples = rows if columns is not None else [tuple(map(row.__getitem__, keys)) for row in rows]
        _copy(connection, table, keys, tuples)
        return
    if columns is None:
        values = [[row[key] for row in rows] for key in keys]
    else:
        values = [list(column) for column in zip(*rows)]
    dialect = connection.dialect
    statement, order, positional = _statement(table, keys, dialect)
    position = {key: n for n, key in enumerate(keys)}
    ordered = [values[position[key]] for key in order]
    for column, key in zip(ordered, order):
        proc = table.c[key].type._cached_bind_processor(dialect)
        if proc is not None:
            column[:] = _converted(column, proc)
    if positional:
        params = list(zip(*ordered))
    else:
        params = [dict(zip(order, row)) for row in zip(*ordered)]
    connection.exec_driver_sql(statement, params)


def among(column, ids: list[int], dialect: str):
    """SQL condition ``column IN ids`` for a batch's thousands of ids. SQLite: the ids as one JSON
    array parameter read by ``json_each``; an IN list binds each id as a parameter of its own, and
    expanding those per execution cost SQLAlchemy ≈ 2 µs of CPU per id. Elsewhere an IN list."""
    if dialect != "sqlite":
        return column.in_(ids)
    return column.in_(select(func.json_each(json.dumps(ids)).table_valued("value").c.value))


def reserved_ids(session: Session, table: Table, count: int) -> list[int] | None:
    """``count`` new ids for ``table``'s rows, taken from its id sequence in one statement, in
    ascending order (PostgreSQL; None elsewhere: SQLite has no sequence, the caller lets the INSERT
    assign them).

    So a batch inserted by COPY knows its rows' ids without reading them back: reading them back
    by a range of the primary key was planned as a scan of the whole table (its statistics said
    empty: the sweep fills it faster than ANALYZE runs, and autovacuum may be off), which grew with
    every batch: 1 s of PostgreSQL's CPU at 200 k items, 15–23 s at 1 M (bench/README.md)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql" or count < 1:
        return None
    known = connection.connection.info.setdefault("duban_sequences", {})  # per connection: its search_path
    statement = known.get(table.name)
    if statement is None:  # the sequence named in the SQL, so the server resolves it once, not per id
        column = table.primary_key.columns.values()[0].name
        sequence = connection.exec_driver_sql("SELECT pg_get_serial_sequence(%(table)s, %(column)s)",
                                              {"table": table.name, "column": column}).scalar_one()
        quoted = sequence.replace("'", "''")
        statement = known[table.name] = (f"SELECT nextval('{quoted}'::regclass) "
                                         "FROM generate_series(1, %(count)s::integer)")
    return sorted(connection.exec_driver_sql(statement, {"count": count}).scalars().all())


def _statement(table: Table, keys: tuple[str, ...], dialect) -> tuple[str, list[str], bool]:
    """The INSERT of ``keys`` into ``table``, compiled once per process (a sweep inserts per batch)."""
    cache_key = (table, keys, dialect)
    if cache_key not in _STATEMENTS:
        compiled = table.insert().compile(dialect=dialect, column_keys=list(keys))
        order = list(compiled.positiontup) if compiled.positional else list(keys)
        _STATEMENTS[cache_key] = str(compiled), order, bool(compiled.positional)
    return _STATEMENTS[cache_key]


def _converted(values: list, proc) -> list:
    """``proc`` over a column's values, each distinct value converted once: a sweep's rows share
    their timestamp, business date and flags, and the dialect's date-to-text conversion is the
    costly part of the rows' parameters."""
    try:
        done = {value: proc(value) for value in set(values) if value is not None}
    except TypeError:  # an unhashable value (a JSON column's dict): convert each
        return [None if value is None else proc(value) for value in values]
    done[None] = None
    return list(map(done.__getitem__, values))


# Column types whose binary form psycopg writes from the Python values a bulk insert passes (int,
# str, bool, date, naive datetime): int2, int4, int8, text, varchar, bool, date, timestamp. A
# table with any other column type goes as text.
_BINARY_TYPES = frozenset({21, 23, 20, 25, 1043, 16, 1082, 1114})


def _copy(connection, table: Table, keys: tuple[str, ...], rows) -> None:
    import psycopg

    preparer = connection.dialect.identifier_preparer
    types = _column_types(connection, table, keys)
    statement = (f"COPY {preparer.format_table(table)} ({', '.join(preparer.quote(key) for key in keys)}) "
                 f"FROM STDIN{' (FORMAT BINARY)' if types else ''}")
    try:
        with connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            if types:
                copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc


def _column_types(connection, table: Table, keys: tuple[str, ...]) -> list[int] | None:
    """The type oids of ``keys`` for a binary COPY, or None (text) if one has no binary form here.

    Binary: psycopg writes each value's binary form instead of formatting it as text, and the
    server reads it without parsing dates, timestamps and numbers: a sweep batch's rows cost the
    client a quarter to a third of the CPU of text (bench/README.md). Asked of the server once per
    connection (its search_path names the table; a column's type changes only by a migration)."""
    known = connection.connection.info.setdefault("duban_column_types", {})
    if table.name not in known:
        known[table.name] = dict(connection.exec_driver_sql(
            "SELECT attname, atttypid::integer FROM pg_attribute "
            "WHERE attrelid = %(table)s::regclass AND attnum > 0 AND NOT attisdropped",
            {"table": connection.dialect.identifier_preparer.format_table(table)}).all())
    types = known[table.name]
    oids = [types.get(key) for key in keys]
    return oids if all(oid in _BINARY_TYPES for oid in oids) else None
