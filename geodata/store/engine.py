"""Opening the database: SQLite (a private file, WAL) or PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geodata.settings import PRIVATE_FILE_MODE, private_file, private_folder


def make_engine(url: str) -> Engine:
    """Return an engine for the URL; a SQLite file is made private before it is opened."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    database = sa.engine.make_url(url).database
    in_memory = database in (None, "", ":memory:")
    if in_memory:
        engine = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    else:
        _private_sqlite_file(Path(str(database)).expanduser().resolve())
        engine = sa.create_engine(url, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        # 64 MB of page cache (the default is 2 MB): a large import updates the source-id
        # index at random places, and with a small cache every row rereads index pages.
        cursor.execute("PRAGMA cache_size=-65536")
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
