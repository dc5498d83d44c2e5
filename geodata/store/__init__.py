"""The store: datasets of records, the crime context layer and the audit log.

Rooms: :mod:`~geodata.store.tables` (the schema), :mod:`~geodata.store.migrations`,
:mod:`~geodata.store.engine` (opening SQLite or PostgreSQL), :mod:`~geodata.store.bulk`
(writing many rows fast), :mod:`~geodata.store.matching` (is a record already stored?) and
:mod:`~geodata.store.database` (the :class:`Store` itself).
"""

from geodata.schema import CRIME, CRIME_COLUMNS, CRIME_MONTH, CRIME_TYPE
from geodata.store.database import DatasetInfo, Store
from geodata.store.matching import CONTENT_COLUMNS, content_frame, content_keys
from geodata.store.migrations import MIGRATIONS, SCHEMA_VERSION, VERSION_1_TABLES
from geodata.store.tables import (
    audit_table,
    crime_table,
    datasets_table,
    figures_table,
    meta_table,
    metadata,
    records_table,
)

__all__ = [
    "CONTENT_COLUMNS",
    "CRIME",
    "CRIME_COLUMNS",
    "CRIME_MONTH",
    "CRIME_TYPE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "VERSION_1_TABLES",
    "DatasetInfo",
    "Store",
    "audit_table",
    "content_frame",
    "content_keys",
    "crime_table",
    "datasets_table",
    "meta_table",
    "metadata",
    "records_table",
    "figures_table",
]
