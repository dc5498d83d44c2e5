"""Ordered schema migrations; each runs once, in its own transaction, and is recorded."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geodata.release.cellkey import draw_record_keys
from geodata.schema import RECORD_KEY
from geodata.store import tables
from geodata.store.bulk import CHUNK
from geodata.store.tables import records_table

SCHEMA_VERSION = 3
VERSION_1_TABLES = (
    tables.meta_table, tables.datasets_table, records_table, tables.crime_table,
    tables.audit_table,
)


def _migrate_to_1(conn: Connection) -> None:
    tables.metadata.create_all(conn, tables=list(VERSION_1_TABLES))


def _migrate_to_2(conn: Connection) -> None:
    tables.figures_table.create(conn)


def _migrate_to_3(conn: Connection) -> None:
    """Give every record a random cell-key key (new databases have the column already)."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns(records_table.name)}
    if RECORD_KEY not in columns:
        # SQLAlchemy Core has no ALTER TABLE: the statement is made of the table's quoted
        # name and the column's own compiled definition (BIGINT, NOT NULL, DEFAULT '0').
        table = conn.dialect.identifier_preparer.format_table(records_table)
        column = sa.schema.CreateColumn(records_table.c[RECORD_KEY]).compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column}")
    ids = [row[0] for row in conn.execute(sa.select(records_table.c.id))]
    keys = draw_record_keys(len(ids))
    for start in range(0, len(ids), CHUNK):
        conn.execute(
            records_table.update().where(records_table.c.id == sa.bindparam("rid")),
            [{"rid": rid, RECORD_KEY: int(key)}
             for rid, key in zip(ids[start:start + CHUNK], keys[start:start + CHUNK],
                                 strict=True)],
        )


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _migrate_to_1, 2: _migrate_to_2, 3: _migrate_to_3,
}
