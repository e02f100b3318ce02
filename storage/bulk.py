"""Many rows into one table in one executemany, without the per-row work of SQLAlchemy's statement
layer: the INSERT is compiled once and each value goes through its column type's bind processor
(the dialect's own conversion, e.g. SQLite's dates as text) and straight to the driver.

For a sweep's hundreds of thousands of escalation and event rows, where building parameters row by
row through ``Connection.execute`` cost more than the database's own work.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys, column names of ``table``) in this transaction."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = table.insert().compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    convert = [(key, table.c[key].type._cached_bind_processor(dialect)) for key in order]
    if compiled.positional:
        params = [tuple(value if proc is None or value is None else proc(value)
                        for key, proc in convert for value in (row[key],)) for row in rows]
    else:
        params = [{key: row[key] if proc is None or row[key] is None else proc(row[key]) for key, proc in convert}
                  for row in rows]
    connection.exec_driver_sql(str(compiled), params)
