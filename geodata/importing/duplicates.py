"""Telling records apart: source ids as keyed hashes, content for rows without one."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.importing.rejections import (
    DUPLICATE_IN_FILE,
    DUPLICATE_STORED,
    REPEAT_IN_FILE,
    REPEAT_STORED,
    Rows,
)
from geodata.store import Store, content_keys


def hash_source_id(values: pd.Series, key: bytes) -> np.ndarray:
    """Return a keyed hash (HMAC-SHA256) of each non-blank source id; ``None`` for blanks.

    The id itself is never stored; the hash only detects duplicates.
    """
    text = values.astype("string").fillna("").str.strip().str.upper()
    return np.array(
        [
            hmac.new(key, t.encode("utf-8"), hashlib.sha256).hexdigest() if t else None
            for t in text
        ],
        dtype=object,
    )


@dataclass(frozen=True)
class DuplicateChecks:
    """How rows are matched with each other and with the stored records.

    A row with a source id is the same record as another with the same id. A row without
    one is the same as another with the same content: kind, day, place, category, source
    and age and nationality groups (:func:`geodata.store.content_keys`).
    """

    hash_key: bytes
    known_hashes: Callable[[list[str]], set[str]] | None = None
    store: Store | None = None
    replacing: int | None = None
    keep_repeats: bool = False

    def run(self, column, content: pd.DataFrame, rows: Rows) -> tuple[np.ndarray, dict]:
        """Reject duplicates; return the source-id hashes and the overlap per dataset."""
        n = len(rows.rows)
        overlaps: Counter = Counter()
        if column is None:
            hashes = np.full(n, None, dtype=object)
        else:
            hashes = hash_source_id(column, self.hash_key)
        has = np.array([h is not None for h in hashes], dtype=bool)
        if has.any():
            series = pd.Series(hashes)
            rows.reject(has & series.duplicated(keep="first").to_numpy(), DUPLICATE_IN_FILE,
                        column.name)
            if self.store is not None:
                found = self.store.datasets_by_hash(hashes[has].tolist())
                held = [found.get(h, set()) if h is not None else set() for h in hashes]
                self._against_store(held, rows, overlaps, DUPLICATE_STORED, column.name)
            elif self.known_hashes is not None:
                stored = self.known_hashes(hashes[has].tolist())
                rows.reject(has & series.isin(stored).to_numpy(), DUPLICATE_STORED, column.name)
        unnamed = rows.ok & ~has
        if unnamed.any():
            keys = np.full(n, None, dtype=object)
            keys[rows.ok] = content_keys(content[rows.ok])
            if not self.keep_repeats:
                located = pd.Series(keys).where(rows.ok)
                repeat = located.duplicated(keep="first").to_numpy() & located.notna().to_numpy()
                rows.reject(repeat & unnamed, REPEAT_IN_FILE, None)
            unnamed &= rows.ok
            if self.store is not None and unnamed.any():
                found = self.store.datasets_by_content(content[unnamed])
                held = [found.get(k, set()) if u else set()
                        for k, u in zip(keys, unnamed, strict=True)]
                self._against_store(held, rows, overlaps, REPEAT_STORED, None)
        return hashes, dict(overlaps)

    def _against_store(self, held, rows, overlaps, reason, column) -> None:
        """Count each row's datasets; reject rows stored in any but the one replaced."""
        open_rows = rows.ok
        stored = np.zeros(len(held), dtype=bool)
        for i, datasets in enumerate(held):
            if datasets and open_rows[i]:
                overlaps.update(datasets)
                stored[i] = bool(datasets - {self.replacing})
        rows.reject(stored, reason, column)
