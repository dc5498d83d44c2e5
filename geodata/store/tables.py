"""The store's tables (SQLAlchemy Core): datasets, records, crime rows, audit log, ward figures."""

from __future__ import annotations

import sqlalchemy as sa

from geodata import schema as s

metadata = sa.MetaData()

meta_table = sa.Table(
    "atlas_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)

datasets_table = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.String(255), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_accepted", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("synthetic", sa.Boolean, nullable=False, default=False),
)



def _rows_of_datasets(name: str, index_name: str, *columns: sa.Column | sa.Index) -> sa.Table:
    """Return a table whose rows each belong to one dataset and go when it is deleted."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(s.DATASET_ID, sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"),
                  nullable=False),
        *columns,
        sa.Column(s.X, sa.Float, nullable=False),
        sa.Column(s.Y, sa.Float, nullable=False),
        sa.Column(s.WARD_CODE, sa.String(9), nullable=False),
        sa.Index(index_name, s.DATASET_ID),
    )


records_table = _rows_of_datasets(
    "records",
    "ix_records_dataset",
    sa.Column(s.RECORD_ID, sa.String(64), nullable=False),
    sa.Column(s.KIND, sa.String(16), nullable=False),
    sa.Column(s.DATE, sa.Date, nullable=False),
    sa.Column(s.CATEGORY, sa.String(64), nullable=False),
    sa.Column(s.SOURCE, sa.String(128)),
    sa.Column(s.AGE_GROUP, sa.String(32)),
    sa.Column(s.NATIONALITY_GROUP, sa.String(64)),
    sa.Column(s.SOURCE_ID_HASH, sa.String(64)),
    # The cell-key method's secret random key, fixed at import (geodata.release).
    sa.Column(s.RECORD_KEY, sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_records_hash", s.SOURCE_ID_HASH),
)

crime_table = _rows_of_datasets(
    "crime",
    "ix_crime_dataset",
    sa.Column(s.CRIME_MONTH, sa.String(7), nullable=False),
    sa.Column(s.CRIME_TYPE, sa.String(64), nullable=False),
)

audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user", sa.String(255), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("what", sa.String(255), nullable=False),
    sa.Column("details", sa.Text, nullable=False),
)

# Ward figures (population, indicators); the SQL name is kept for existing databases.
figures_table = sa.Table(
    "ward_values",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column(s.WARD_CODE, sa.String(9), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # population or indicator
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
)
