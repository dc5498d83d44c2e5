"""The record index kept on disk per data version, so a restart need not rebuild it.

Building the release and the outreach index reads every record from the store, geomasks
the outreach points and places each record in its ward and grid cells: over a minute at a
million records on a small machine. The result is a handful of integer arrays (and the
masked outreach points), which this module saves as one ``.npz`` file inside the private
atlas home (0600, never pickled) and loads back on the next start, when nothing it was
built from has changed.

The file holds no more than the store already does (the store holds the exact records;
this holds codes derived from them and the *masked* outreach points), it lives beside the
store with the same permissions, and only :func:`geodata.release.load_release` reads it,
so it is released exactly like the store's records. Its name is a keyed hash of everything
the index depends on: the data version, the database, the geography, the release policy
and the geomasking key (through an HMAC, never the key itself). Any change gives a new
name, and saving a new index removes the old ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import zipfile
from pathlib import Path

import numpy as np

from geodata.settings import private_file, private_folder

FORMAT = 1
SUFFIX = ".npz"


def index_key(*, data_version: str, database: str, geography, policy,
              geomask_key: bytes) -> str:
    """Return the file name stem for an index built from these inputs.

    Parameters
    ----------
    data_version : str
        The store's data version.
    database : str
        The store's database URL (only hashed).
    geography : Geography
    policy : ReleasePolicy
    geomask_key : bytes
        Only enters through an HMAC, so the name reveals nothing about it.

    Returns
    -------
    str
    """
    grids = sorted(
        (int(size), g.n_cells, g.x0, g.y0, g.n_cols, g.n_rows,
         hashlib.sha256(np.asarray(g.full_codes, dtype="int64").tobytes()).hexdigest())
        for size, g in geography.grids.items()
    )
    outline = geography.outline.wkb if hasattr(geography.outline, "wkb") else b""
    parts = [str(FORMAT), data_version, database, repr(tuple(geography.ward_codes)),
             repr(grids), hashlib.sha256(outline).hexdigest(), repr(policy)]
    digest = hmac.new(geomask_key, "\x1f".join(parts).encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def save_index(folder: Path, key: str, arrays: dict[str, np.ndarray]) -> Path | None:
    """Write the arrays as ``folder/key.npz`` (0600, atomically) and drop older indexes.

    Returns ``None`` when the folder cannot be written (the atlas then rebuilds on each
    start, as it did before).
    """
    try:
        folder = private_folder(folder)
        target = folder / f"{key}{SUFFIX}"
        partial = folder / f".{key}.{os.getpid()}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]  # numpy stubs: kwargs as bool
        private_file(partial)
        os.replace(partial, target)
    except OSError:
        return None
    for old in folder.glob(f"*{SUFFIX}"):
        if old != target:
            with contextlib.suppress(OSError):
                old.unlink()
    return target


def load_index(folder: Path, key: str) -> dict[str, np.ndarray] | None:
    """Return the arrays saved under ``key``, or ``None`` when there are none (or unreadable)."""
    path = Path(folder) / f"{key}{SUFFIX}"
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as saved:
            return {name: saved[name] for name in saved.files}
    except (OSError, ValueError, zipfile.BadZipFile, KeyError):
        return None
