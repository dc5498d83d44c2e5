"""The store: datasets of records, the crime context layer and the audit log.

SQLite by default (a file in the atlas home); PostgreSQL for multi-user deployments through
``DATABASE_URL`` (``postgresql+psycopg://user:password@host/db``), with the same behaviour.
The schema is created and migrated automatically. An import is one transaction: a failure
or a killed process leaves either the whole dataset or none of it. Every change bumps the
data version that caches are keyed by.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geodata.release.cellkey import draw_record_keys
from geodata.schema import (
    AGE_GROUP,
    CATEGORY,
    DATASET_ID,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    RECORD_COLUMNS,
    RECORD_ID,
    RECORD_KEY,
    SOURCE,
    SOURCE_ID_HASH,
    WARD_CODE,
    X,
    Y,
)
from geodata.settings import PRIVATE_FILE_MODE, private_file, private_folder

CRIME = "crime"
CRIME_MONTH = "month"
CRIME_TYPE = "crime_type"
CRIME_COLUMNS = (CRIME_MONTH, CRIME_TYPE, X, Y, WARD_CODE)
# What makes two records the same when neither carries a source id: everything stored.
CONTENT_COLUMNS = (KIND, DATE, X, Y, CATEGORY, SOURCE, AGE_GROUP, NATIONALITY_GROUP)


def content_keys(frame: pd.DataFrame) -> np.ndarray:
    """Return one text key per record from everything stored about it.

    Kind, day, place (to 0.1 m), category, source and the age and nationality groups: two
    records with the same key are the same as far as the atlas can tell.

    Parameters
    ----------
    frame : pandas.DataFrame
        With :data:`CONTENT_COLUMNS`.

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> row = pd.DataFrame({"kind": ["outreach"], "date": [pd.Timestamp("2023-09-24")],
    ...                     "x": [521250.04], "y": [189750.0], "category": ["patrol"],
    ...                     "source": ["Police"], "age_group": [None],
    ...                     "nationality_group": [None]})
    >>> content_keys(row).tolist()
    ['outreach|2023-09-24|521250.0|189750.0|patrol|Police||']
    """
    if not len(frame):
        return np.array([], dtype=object)
    parts = []
    for column in CONTENT_COLUMNS:
        values = frame[column]
        if column == DATE:
            parts.append(pd.to_datetime(values).dt.strftime("%Y-%m-%d"))
        elif column in (X, Y):
            rounded = np.round(values.to_numpy(dtype=float), 1)
            parts.append(pd.Series([f"{v:.1f}" for v in rounded], index=frame.index))
        else:
            parts.append(values.astype(object).where(values.notna(), "").astype(str))
    text = parts[0]
    for part in parts[1:]:
        text = text + "|" + part
    return text.to_numpy(dtype=object)

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

# Ordered migrations; each runs once, in its own transaction, and is recorded.
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
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            records_table.update().where(records_table.c.id == sa.bindparam("rid")),
            [{"rid": rid, RECORD_KEY: int(key)}
             for rid, key in zip(ids[start:start + _CHUNK], keys[start:start + _CHUNK],
                                 strict=True)],
        )


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    1: _migrate_to_1, 2: _migrate_to_2, 3: _migrate_to_3,
}


@dataclass(frozen=True)
class DatasetInfo:
    """One imported dataset."""

    id: int
    name: str
    kind: str
    imported_at: dt.datetime
    imported_by: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    synthetic: bool


class Store:
    """Records, crime context and audit log in SQLite or PostgreSQL.

    Parameters
    ----------
    url : str
        SQLAlchemy database URL.

    Examples
    --------
    >>> store = Store("sqlite://")
    >>> store.data_version()
    '0'
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self._migrate()

    # ----------------------------------------------------------------- schema

    def _migrate(self) -> None:
        """Create or upgrade the schema in one transaction, one process at a time.

        PostgreSQL serialises migrations with an advisory lock. SQLite cannot lock before
        its first read, so a process that loses the race to create a table starts again
        and finds the schema done.
        """
        for attempt in range(5):
            try:
                return self._migrate_once()
            except sa.exc.OperationalError as error:
                if "already exists" not in str(error) or attempt == 4:
                    raise
                time.sleep(0.1 * (attempt + 1))

    def _migrate_once(self) -> None:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # two servers starting at once wait here
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(72600103)"))
            meta_table.create(conn, checkfirst=True)
            current = int(self._meta(conn, "schema_version") or 0)
            for version in range(current + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[version](conn)
                self._set_meta(conn, "schema_version", str(version))
            if self._meta(conn, "data_version") is None:
                conn.execute(meta_table.insert().values(key="data_version", value="0"))

    @staticmethod
    def _meta(conn: Connection, key: str) -> str | None:
        row = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == key)).first()
        return row[0] if row else None

    def _set_meta(self, conn: Connection, key: str, value: str) -> None:
        updated = conn.execute(
            meta_table.update().where(meta_table.c.key == key).values(value=value)
        )
        if not updated.rowcount:
            conn.execute(meta_table.insert().values(key=key, value=value))

    @staticmethod
    def _bump_version(conn: Connection) -> None:
        """Add one to the data version in the database itself (safe under concurrency)."""
        value = meta_table.c.value
        conn.execute(
            meta_table.update()
            .where(meta_table.c.key == "data_version")
            .values(value=sa.cast(sa.cast(value, sa.Integer) + 1, sa.String))
        )

    def data_version(self) -> str:
        """Return a string that changes whenever datasets are added or deleted."""
        with self.engine.connect() as conn:
            return self._meta(conn, "data_version") or "0"

    def schema_version(self) -> int:
        """Return the schema version the database is at."""
        with self.engine.connect() as conn:
            return int(self._meta(conn, "schema_version") or 0)

    # ----------------------------------------------------------------- datasets

    def add_dataset(
        self,
        *,
        name: str,
        kind: str,
        rows: pd.DataFrame,
        imported_by: str,
        rows_read: int,
        rows_rejected: int,
        synthetic: bool = False,
        progress: Callable[[float], None] | None = None,
        replaces: int | None = None,
    ) -> int:
        """Store one import as a dataset, atomically.

        Parameters
        ----------
        name : str
            Usually the file name.
        kind : {"referral", "outreach", "crime"}
        rows : pandas.DataFrame
            Canonical records (:data:`geodata.schema.RECORD_COLUMNS` plus
            ``source_id_hash``), or crime rows (:data:`CRIME_COLUMNS`).
        imported_by : str
        rows_read, rows_rejected : int
            From the import report.
        synthetic : bool
            Whether the rows are synthetic demo data.
        progress : callable, optional
            Called with the fraction written so far.
        replaces : int, optional
            A dataset this one takes the place of: it is deleted in the same transaction
            (both happen or neither). A new record that matches one of its records (same
            source-id hash, or same content when it has no hash) keeps that record's
            release key, so replacing a dataset with the same records releases the same
            figures.

        Returns
        -------
        int
            The new dataset id.

        Raises
        ------
        LookupError
            When ``replaces`` names no stored dataset (nothing is changed).
        """
        table, columns = (
            (crime_table, CRIME_COLUMNS)
            if kind == CRIME
            else (records_table, (*RECORD_COLUMNS, SOURCE_ID_HASH, RECORD_KEY))
        )
        if kind != CRIME and RECORD_KEY not in rows.columns:
            rows = rows.assign(**{RECORD_KEY: draw_record_keys(len(rows))})
        with self.engine.begin() as conn:
            if replaces is not None and kind != CRIME:
                rows = _inherit_record_keys(conn, rows, replaces)
            dataset_id = conn.execute(
                datasets_table.insert().values(
                    name=name,
                    kind=kind,
                    imported_at=dt.datetime.now(dt.UTC),
                    imported_by=imported_by,
                    rows_read=rows_read,
                    rows_accepted=len(rows),
                    rows_rejected=rows_rejected,
                    synthetic=synthetic,
                )
            ).inserted_primary_key[0]
            frame = rows.loc[:, list(columns)].copy()
            frame.insert(0, DATASET_ID, dataset_id)
            _bulk_insert(conn, table, frame, progress)
            # deleted after the insert, so the new dataset never takes the old one's id
            if replaces is not None and not self._delete_dataset(conn, replaces):
                raise LookupError(f"there is no dataset {replaces} to replace")
            self._bump_version(conn)
        return int(dataset_id)

    def list_datasets(self) -> list[DatasetInfo]:
        """Return every dataset, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(datasets_table).order_by(datasets_table.c.id.desc())
            ).mappings()
            return [DatasetInfo(**dict(r)) for r in rows]

    def delete_dataset(self, dataset_id: int) -> bool:
        """Delete a dataset and its rows; return whether it existed."""
        with self.engine.begin() as conn:
            deleted = self._delete_dataset(conn, dataset_id)
            if deleted:
                self._bump_version(conn)
        return deleted

    @staticmethod
    def _delete_dataset(conn: Connection, dataset_id: int) -> bool:
        for table in (records_table, crime_table):
            conn.execute(table.delete().where(table.c[DATASET_ID] == dataset_id))
        return bool(
            conn.execute(datasets_table.delete().where(datasets_table.c.id == dataset_id)).rowcount
        )

    def has_records(self) -> bool:
        """Return whether any referral or outreach dataset is stored."""
        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(datasets_table).where(
                datasets_table.c.kind != CRIME
            )
            return bool(conn.execute(query).scalar())

    def is_synthetic(self) -> bool:
        """Return whether any stored dataset is synthetic demo data."""
        with self.engine.connect() as conn:
            query = sa.select(sa.func.count()).select_from(datasets_table).where(
                datasets_table.c.synthetic.is_(True)
            )
            return bool(conn.execute(query).scalar())

    def synthetic_dataset_ids(self) -> set[int]:
        """Return the ids of the stored datasets that are synthetic demo data."""
        with self.engine.connect() as conn:
            query = sa.select(datasets_table.c.id).where(datasets_table.c.synthetic.is_(True))
            return {int(row[0]) for row in conn.execute(query)}

    # ----------------------------------------------------------------- reading

    def load_records(self, columns: Sequence[str] = RECORD_COLUMNS) -> pd.DataFrame:
        """Return the stored referral and outreach records in canonical form.

        Read in chunks with dates parsed from ISO text, so a million records load in a few
        seconds; ask only for the columns needed to keep memory down.

        Parameters
        ----------
        columns : sequence of str
            Canonical columns to read (all by default).

        Returns
        -------
        pandas.DataFrame
        """
        selected = [
            sa.cast(records_table.c[c], sa.String).label(c) if c == DATE else records_table.c[c]
            for c in columns
        ]
        query = sa.select(*selected).order_by(records_table.c.id)
        chunks = []
        with self.engine.connect() as conn:
            for chunk in pd.read_sql(query, conn, chunksize=200_000):
                chunks.append(_compact(chunk))
        if not chunks:
            return _compact(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}))
        return pd.concat(chunks, ignore_index=True)

    def existing_hashes(self, hashes: Sequence[str]) -> set[str]:
        """Return which of the given source-id hashes are already stored."""
        wanted = [h for h in set(hashes) if h]
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 5000):
                chunk = wanted[start : start + 5000]
                query = sa.select(records_table.c[SOURCE_ID_HASH]).where(
                    records_table.c[SOURCE_ID_HASH].in_(chunk)
                )
                found.update(r[0] for r in conn.execute(query))
        return found

    def datasets_by_hash(self, hashes: Sequence[str]) -> dict[str, set[int]]:
        """Return, for each given source-id hash already stored, the datasets holding it."""
        wanted = [h for h in set(hashes) if h]
        found: dict[str, set[int]] = {}
        column = records_table.c[SOURCE_ID_HASH]
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 5000):
                query = sa.select(column, records_table.c[DATASET_ID]).distinct().where(
                    column.in_(wanted[start : start + 5000])
                )
                for value, dataset_id in conn.execute(query):
                    found.setdefault(value, set()).add(int(dataset_id))
        return found

    def datasets_by_content(self, rows: pd.DataFrame) -> dict[str, set[int]]:
        """Return, for each of the rows' content keys already stored, the datasets holding it.

        Parameters
        ----------
        rows : pandas.DataFrame
            Records with :data:`CONTENT_COLUMNS` (see :func:`content_keys`).

        Returns
        -------
        dict of str to set of int
            Content key -> ids of the datasets with a record of that content.
        """
        if not len(rows):
            return {}
        wanted = set(content_keys(rows))
        days = pd.to_datetime(rows[DATE])
        table = records_table
        query = (
            sa.select(table.c[DATASET_ID], *(
                sa.cast(table.c[c], sa.String).label(c) if c == DATE else table.c[c]
                for c in CONTENT_COLUMNS
            ))
            .where(table.c[DATE] >= days.min().date(), table.c[DATE] <= days.max().date())
            .where(table.c[KIND].in_(sorted(set(rows[KIND].astype(str)))))
        )
        found: dict[str, set[int]] = {}
        with self.engine.connect() as conn:
            for chunk in pd.read_sql(query, conn, chunksize=200_000):
                chunk = _compact(chunk)
                keys = content_keys(chunk)
                hit = np.isin(keys, list(wanted))
                for key, dataset_id in zip(keys[hit], chunk[DATASET_ID][hit], strict=True):
                    found.setdefault(key, set()).add(int(dataset_id))
        return found

    def load_crime(self) -> pd.DataFrame:
        """Return the stored police.uk crime rows (month, crime type, x, y, ward)."""
        query = sa.select(*(crime_table.c[c] for c in CRIME_COLUMNS))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    # ----------------------------------------------------------------- ward figures

    def save_ward_values(self, name: str, values: pd.DataFrame, *, role: str, source: str) -> None:
        """Store one figure per ward (replacing any figures of the same name).

        Parameters
        ----------
        name : str
            e.g. ``population`` or ``Born in Romania``.
        values : pandas.DataFrame
            ``ward_code``, ``value``.
        role : {"population", "indicator"}
        source : str
            Where the figures came from (file name or URL).
        """
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(ward_values_table.delete().where(ward_values_table.c.name == name))
            conn.execute(
                ward_values_table.insert(),
                [
                    {"name": name, WARD_CODE: code, "role": role, "value": float(value),
                     "source": source, "loaded_at": now}
                    for code, value in zip(values[WARD_CODE], values["value"], strict=True)
                ],
            )
            self._bump_version(conn)

    def load_ward_values(self) -> pd.DataFrame:
        """Return every stored ward figure (name, ward_code, role, value, source)."""
        query = sa.select(
            ward_values_table.c.name, ward_values_table.c[WARD_CODE], ward_values_table.c.role,
            ward_values_table.c.value, ward_values_table.c.source,
        )
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def delete_ward_values(self, name: str) -> bool:
        """Delete the figures of one name; return whether there were any."""
        with self.engine.begin() as conn:
            deleted = conn.execute(
                ward_values_table.delete().where(ward_values_table.c.name == name)
            ).rowcount
            if deleted:
                self._bump_version(conn)
        return bool(deleted)

    # ----------------------------------------------------------------- audit

    def audit(self, *, user: str, action: str, what: str, details: dict | None = None) -> None:
        """Record an import, export or deletion in the audit log.

        Parameters
        ----------
        user : str
        action : str
            e.g. ``import``, ``export``, ``delete``.
        what : str
            The file or format concerned.
        details : dict, optional
            Filters and counts; stored as JSON.
        """
        with self.engine.begin() as conn:
            conn.execute(
                audit_table.insert().values(
                    at=dt.datetime.now(dt.UTC),
                    user=user,
                    action=action,
                    what=what,
                    details=json.dumps(details or {}, default=str, sort_keys=True,
                                       ensure_ascii=False),
                )
            )

    def read_audit(self, limit: int = 1000) -> pd.DataFrame:
        """Return the newest audit entries first."""
        query = sa.select(audit_table).order_by(audit_table.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)


def _inherit_record_keys(conn: Connection, rows: pd.DataFrame, dataset_id: int) -> pd.DataFrame:
    """Give new rows the release keys of the matching records of the dataset they replace."""
    table = records_table
    query = sa.select(
        table.c[SOURCE_ID_HASH], table.c[RECORD_KEY], *(
            sa.cast(table.c[c], sa.String).label(c) if c == DATE else table.c[c]
            for c in CONTENT_COLUMNS
        )
    ).where(table.c[DATASET_ID] == dataset_id).order_by(table.c.id)
    old = _compact(pd.read_sql(query, conn))
    if old.empty or rows.empty:
        return rows
    old_keys = old[RECORD_KEY].astype("int64").to_numpy()
    by_hash = dict(zip(old[SOURCE_ID_HASH], old_keys, strict=True))
    by_hash.pop(None, None)
    # Several old records may share a content: hand their keys out in turn.
    by_content: dict[str, list[int]] = {}
    for key, value in zip(content_keys(old), old_keys, strict=True):
        by_content.setdefault(key, []).append(int(value))
    inherited = rows[RECORD_KEY].astype("int64").to_numpy().copy()
    hashes = (
        rows[SOURCE_ID_HASH].to_numpy(dtype=object) if SOURCE_ID_HASH in rows
        else np.full(len(rows), None, dtype=object)
    )
    for i, (source_hash, key) in enumerate(zip(hashes, content_keys(rows), strict=True)):
        if source_hash is not None and not pd.isna(source_hash):
            if source_hash in by_hash:
                inherited[i] = by_hash.pop(source_hash)
        elif by_content.get(key):
            inherited[i] = by_content[key].pop(0)
    return rows.assign(**{RECORD_KEY: inherited})


def _compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Parse dates from ISO text and make the coordinates floats."""
    if DATE in frame:
        frame[DATE] = pd.to_datetime(frame[DATE].str.slice(0, 10), format="%Y-%m-%d")
    for column in (X, Y):
        if column in frame:
            frame[column] = frame[column].astype("float64")
    return frame


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    database = sa.engine.make_url(url).database
    in_memory = database in (None, "", ":memory:")
    if in_memory:
        engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    else:
        _private_sqlite_file(Path(database).expanduser().resolve())
        engine = sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    return engine


def _private_sqlite_file(path: Path) -> None:
    """Make the SQLite file and its folder private before SQLite opens them.

    The folder becomes 0700 and the file 0600, created so or tightened; SQLite gives its
    ``-wal``, ``-shm`` and ``-journal`` files the database file's mode, and any left over
    with wider modes are tightened too.
    """
    private_folder(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_file(path.with_name(path.name + suffix))


_CHUNK = 50_000


def _bulk_insert(conn: Connection, table: sa.Table, frame: pd.DataFrame, progress) -> None:
    """Insert many rows fast: COPY on PostgreSQL, executemany of tuples elsewhere."""
    columns = list(frame.columns)
    values = _python_values(frame)
    n = len(values)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(
                f"COPY {table.name} ({', '.join(_quote(c) for c in columns)}) FROM STDIN"
            ) as copy:
                for start in range(0, n, _CHUNK):
                    for row in values[start : start + _CHUNK]:
                        copy.write_row(row)
                    if progress:
                        progress(min(1.0, (start + _CHUNK) / max(n, 1)))
        return
    sql = (
        f"INSERT INTO {table.name} ({', '.join(_quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    cursor = conn.connection.driver_connection.cursor()
    for start in range(0, n, _CHUNK):
        cursor.executemany(sql, values[start : start + _CHUNK])
        if progress:
            progress(min(1.0, (start + _CHUNK) / max(n, 1)))
    cursor.close()


def _quote(column: str) -> str:
    return f'"{column}"'


def _python_values(frame: pd.DataFrame) -> list[tuple]:
    """Rows as tuples of plain Python values (None for missing), dates as ISO text."""
    columns = []
    for name in frame.columns:
        series = frame[name]
        if name == DATE:
            columns.append(pd.to_datetime(series).dt.strftime("%Y-%m-%d").tolist())
        elif pd.api.types.is_float_dtype(series):
            columns.append([None if np.isnan(v) else float(v) for v in series.to_numpy()])
        elif pd.api.types.is_integer_dtype(series):
            columns.append(series.astype("int64").tolist())
        else:
            columns.append([None if pd.isna(v) else str(v) for v in series.to_numpy(object)])
    return list(zip(*columns, strict=True))


