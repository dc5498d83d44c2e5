"""The store's tables (SQLAlchemy Core): datasets, records, crime rows, audit log, ward figures."""

from __future__ import annotations

import sqlalchemy as sa

from geodata.schema import (
    AGE_GROUP,
    CATEGORY,
    CRIME_MONTH,
    CRIME_TYPE,
    DATASET_ID,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    RECORD_ID,
    RECORD_KEY,
    SOURCE,
    SOURCE_ID_HASH,
    WARD_CODE,
    X,
    Y,
)

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

records_table = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        DATASET_ID, sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(RECORD_ID, sa.String(64), nullable=False),
    sa.Column(KIND, sa.String(16), nullable=False),
    sa.Column(DATE, sa.Date, nullable=False),
    sa.Column(CATEGORY, sa.String(64), nullable=False),
    sa.Column(SOURCE, sa.String(128)),
    sa.Column(X, sa.Float, nullable=False),
    sa.Column(Y, sa.Float, nullable=False),
    sa.Column(WARD_CODE, sa.String(9), nullable=False),
    sa.Column(AGE_GROUP, sa.String(32)),
    sa.Column(NATIONALITY_GROUP, sa.String(64)),
    sa.Column(SOURCE_ID_HASH, sa.String(64)),
    # The cell-key method's secret random key, fixed at import (geodata.release).
    sa.Column(RECORD_KEY, sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_records_dataset", DATASET_ID),
    sa.Index("ix_records_hash", SOURCE_ID_HASH),
)

crime_table = sa.Table(
    "crime",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        DATASET_ID, sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(CRIME_MONTH, sa.String(7), nullable=False),
    sa.Column(CRIME_TYPE, sa.String(64), nullable=False),
    sa.Column(X, sa.Float, nullable=False),
    sa.Column(Y, sa.Float, nullable=False),
    sa.Column(WARD_CODE, sa.String(9), nullable=False),
    sa.Index("ix_crime_dataset", DATASET_ID),
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

ward_values_table = sa.Table(
    "ward_values",
    metadata,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column(WARD_CODE, sa.String(9), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # population or indicator
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
)
