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
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geodata.release.cellkey import draw_record_keys
from geodata.schema import (
    CRIME,
    CRIME_COLUMNS,
    DATASET_ID,
    DATE,
    KIND,
    RECORD_COLUMNS,
    RECORD_KEY,
    SOURCE_ID_HASH,
    WARD_CODE,
)
from geodata.store.bulk import bulk_insert, compact
from geodata.store.engine import make_engine
from geodata.store.matching import CONTENT_COLUMNS, content_keys, inherit_record_keys
from geodata.store.migrations import MIGRATIONS, SCHEMA_VERSION
from geodata.store.tables import (
    audit_table,
    crime_table,
    datasets_table,
    figures_table,
    meta_table,
    records_table,
)


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
        self.engine = make_engine(url)
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
                rows = inherit_record_keys(conn, rows, replaces)
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
                ).returning(datasets_table.c.id)
            ).scalar_one()
            frame = rows.loc[:, list(columns)].copy()
            frame.insert(0, DATASET_ID, dataset_id)
            bulk_insert(conn, table, frame, progress)
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
                chunks.append(compact(chunk))
        if not chunks:
            return compact(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}))
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
        """Return, for each given source-id hash already stored, the datasets holding it.

        Whichever is smaller is read: the stored hashes (one pass over the hash index) when
        fewer are stored than asked about, such as a large first import, else the asked
        hashes, looked up in batches.
        """
        wanted = {h for h in hashes if h}
        found: dict[str, set[int]] = {}
        column, dataset = records_table.c[SOURCE_ID_HASH], records_table.c[DATASET_ID]
        with self.engine.connect() as conn:
            stored = conn.execute(sa.select(sa.func.count(column))).scalar_one() if wanted else 0
            if not stored:
                return found
            if stored <= len(wanted):
                pairs = pd.read_sql(sa.select(column, dataset).where(column.is_not(None)), conn)
                pairs = pairs[pairs[SOURCE_ID_HASH].isin(wanted)].drop_duplicates()
                rows: Iterable[tuple[Any, Any]] = zip(
                    pairs[SOURCE_ID_HASH], pairs[DATASET_ID], strict=True
                )
            else:
                listed = list(wanted)
                rows = (
                    (row[0], row[1])
                    for start in range(0, len(listed), 5000)
                    for row in conn.execute(
                        sa.select(column, dataset).distinct()
                        .where(column.in_(listed[start : start + 5000]))
                    )
                )
            for value, dataset_id in rows:
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
                chunk = compact(chunk)
                keys = content_keys(chunk)
                hit = pd.Series(keys).isin(wanted).to_numpy()
                for key, dataset_id in zip(keys[hit], chunk[DATASET_ID][hit], strict=True):
                    found.setdefault(key, set()).add(int(dataset_id))
        return found

    def load_crime(self) -> pd.DataFrame:
        """Return the stored police.uk crime rows (month, crime type, x, y, ward)."""
        query = sa.select(*(crime_table.c[c] for c in CRIME_COLUMNS))
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    # ----------------------------------------------------------------- ward figures

    def save_ward_figures(self, name: str, values: pd.DataFrame, *, role: str, source: str) -> None:
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
            conn.execute(figures_table.delete().where(figures_table.c.name == name))
            conn.execute(
                figures_table.insert(),
                [
                    {"name": name, WARD_CODE: code, "role": role, "value": float(value),
                     "source": source, "loaded_at": now}
                    for code, value in zip(values[WARD_CODE], values["value"], strict=True)
                ],
            )
            self._bump_version(conn)

    def load_ward_figures(self) -> pd.DataFrame:
        """Return every stored ward figure (name, ward_code, role, value, source)."""
        query = sa.select(
            figures_table.c.name, figures_table.c[WARD_CODE], figures_table.c.role,
            figures_table.c.value, figures_table.c.source,
        )
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def delete_ward_figures(self, name: str) -> bool:
        """Delete the figures of one name; return whether there were any."""
        with self.engine.begin() as conn:
            deleted = conn.execute(
                figures_table.delete().where(figures_table.c.name == name)
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
