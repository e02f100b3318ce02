"""Many rows into one table at once, without the per-row work of SQLAlchemy's statement layer.

SQLite: the INSERT is compiled once, each value goes through its column type's bind processor (the
dialect's own conversion, e.g. dates as text) and the rows go to the driver in one executemany.
PostgreSQL: ``COPY … FROM STDIN`` in the same transaction (psycopg adapts the values), several
times faster than an INSERT per row for the server too. A unique violation is raised as
SQLAlchemy's ``IntegrityError`` either way, so a unit of work reports it as a concurrent change.

For a sweep's hundreds of thousands of escalation and event rows, where building parameters row by
row through ``Connection.execute`` cost more than the database's own work.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys, column names of ``table``) in this transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, rows)
        return
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    columns = [[row[key] for row in rows] for key in order]
    for values, key in zip(columns, order):
        proc = table.c[key].type._cached_bind_processor(dialect)
        if proc is not None:
            values[:] = _converted(values, proc)
    if compiled.positional:
        params = list(zip(*columns))
    else:
        params = [dict(zip(order, values)) for values in zip(*columns)]
    connection.exec_driver_sql(str(compiled), params)


def _converted(values: list, proc) -> list:
    """``proc`` over a column's values, each distinct value converted once: a sweep's rows share
    their timestamp, business date and flags, and the dialect's date-to-text conversion is the
    costly part of the rows' parameters."""
    done: dict = {None: None}
    try:
        return [done[value] if value in done else done.setdefault(value, proc(value)) for value in values]
    except TypeError:  # an unhashable value (a JSON column's dict): convert each
        return [None if value is None else proc(value) for value in values]


def _copy(connection, table: Table, rows: list[dict]) -> None:
    import psycopg

    keys = list(rows[0])
    preparer = connection.dialect.identifier_preparer
    statement = (f"COPY {preparer.format_table(table)} ({', '.join(preparer.quote(key) for key in keys)}) "
                 "FROM STDIN")
    try:
        with connection.connection.dbapi_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[key] for key in keys])
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
