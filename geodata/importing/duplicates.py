"""Telling records apart: source ids as keyed hashes, content for rows without one."""

from __future__ import annotations

import hashlib
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
from geodata.store import Store, content_frame, content_keys

# HMAC's inner and outer pads (RFC 2104) as byte translation tables.
_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))


def hash_source_id(values: pd.Series, key: bytes) -> np.ndarray:
    """Return a keyed hash (HMAC-SHA256) of each non-blank source id; ``None`` for blanks.

    The id itself is never stored; the hash only detects duplicates. The key's two padded
    SHA-256 states are computed once and copied for each id (what :mod:`hmac` does for
    every call), which gives the same digests as ``hmac.new(key, id, sha256)``.
    """
    text = values.astype("string").fillna("").str.strip().str.upper()
    if len(key) > hashlib.sha256().block_size:
        key = hashlib.sha256(key).digest()
    key = key.ljust(hashlib.sha256().block_size, b"\0")
    inner, outer = hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))

    hashes = np.full(len(text), None, dtype=object)
    for i, value in enumerate(text.to_numpy(dtype=object)):
        if value:
            first = inner.copy()
            first.update(value.encode("utf-8"))
            second = outer.copy()
            second.update(first.digest())
            hashes[i] = second.hexdigest()
    return hashes


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
        has = pd.notna(hashes)
        if has.any():
            series = pd.Series(hashes)
            rows.reject(has & series.duplicated(keep="first").to_numpy(), DUPLICATE_IN_FILE,
                        column.name)
            if self.store is not None:
                found = self.store.datasets_by_hash(hashes[has].tolist())
                if found:
                    held = series.map(found).to_numpy(dtype=object)
                    self._against_store(held, rows, overlaps, DUPLICATE_STORED, column.name)
            elif self.known_hashes is not None:
                stored = self.known_hashes(hashes[has].tolist())
                rows.reject(has & series.isin(stored).to_numpy(), DUPLICATE_STORED, column.name)
        unnamed = rows.ok & ~has
        if unnamed.any():
            if not self.keep_repeats:
                ok = rows.ok
                repeat = np.zeros(n, dtype=bool)
                repeat[ok] = content_frame(content[ok]).duplicated(keep="first").to_numpy()
                rows.reject(repeat & unnamed, REPEAT_IN_FILE, None)
            unnamed &= rows.ok
            if self.store is not None and unnamed.any():
                found = self.store.datasets_by_content(content[unnamed])
                if found:
                    held = np.full(n, None, dtype=object)
                    keys = pd.Series(content_keys(content[unnamed]))
                    held[unnamed] = keys.map(found).to_numpy(dtype=object)
                    self._against_store(held, rows, overlaps, REPEAT_STORED, None)
        return hashes, dict(overlaps)

    def _against_store(self, held, rows, overlaps, reason, column) -> None:
        """Count each row's datasets; reject rows stored in any but the one replaced.

        ``held`` has the set of datasets holding each row, or a missing value.
        """
        stored = np.zeros(len(held), dtype=bool)
        for i in np.flatnonzero(pd.notna(held) & rows.ok):
            datasets = held[i]
            if datasets:
                overlaps.update(datasets)
                stored[i] = bool(datasets - {self.replacing})
        rows.reject(stored, reason, column)
