"""Ordered schema migrations; each runs once, in its own transaction, and is recorded."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geodata.release.cellkey import draw_record_keys
from geodata.schema import RECORD_KEY
from geodata.store.bulk import CHUNK
from geodata.store.tables import (
    audit_table,
    crime_table,
    datasets_table,
    meta_table,
    metadata,
    records_table,
    ward_values_table,
)

SCHEMA_VERSION = 3
VERSION_1_TABLES = (meta_table, datasets_table, records_table, crime_table, audit_table)


def _migrate_to_1(conn: Connection) -> None:
    metadata.create_all(conn, tables=list(VERSION_1_TABLES))


def _migrate_to_2(conn: Connection) -> None:
    ward_values_table.create(conn)


def _migrate_to_3(conn: Connection) -> None:
    """Give every record a random cell-key key (new databases have the column already)."""
    columns = {c["name"] for c in sa.inspect(conn).get_columns(records_table.name)}
    if RECORD_KEY not in columns:
        conn.execute(sa.text(
            f"ALTER TABLE {records_table.name} ADD COLUMN {RECORD_KEY} BIGINT NOT NULL DEFAULT 0"
        ))
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
