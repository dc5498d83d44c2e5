"""Telling whether records are already stored: content keys and release keys kept on replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geodata.schema import (
    AGE_GROUP,
    CATEGORY,
    DATASET_ID,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    RECORD_KEY,
    SOURCE,
    SOURCE_ID_HASH,
    X,
    Y,
)
from geodata.store.bulk import compact
from geodata.store.tables import records_table

# What makes two records the same when neither carries a source id: everything stored.
CONTENT_COLUMNS = (KIND, DATE, X, Y, CATEGORY, SOURCE, AGE_GROUP, NATIONALITY_GROUP)


def content_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the content columns as compared: day, place to 0.1 m, blanks as "".

    Two rows of this frame are equal exactly when their :func:`content_keys` are, so
    ``content_frame(rows).duplicated()`` finds repeated records without building keys.

    ``frame`` is any table of records with :data:`CONTENT_COLUMNS`; the result has one
    column per content column, on the frame's index.
    """
    out = {}
    for column in CONTENT_COLUMNS:
        values = frame[column]
        if column == DATE:
            out[column] = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
        elif column in (X, Y):
            out[column] = np.round(values.to_numpy(dtype=float), 1)
        else:
            out[column] = values.astype(object).where(values.notna(), "").astype(str).to_numpy()
    return pd.DataFrame(out, index=frame.index)


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
    content = content_frame(frame)
    parts = []
    for column in CONTENT_COLUMNS:
        values = content[column]
        if column == DATE:
            parts.append(pd.Series(np.datetime_as_string(values.to_numpy(), unit="D")))
        elif column in (X, Y):
            parts.append(_tenths_text(values.to_numpy()))
        else:
            parts.append(pd.Series(values.to_numpy(dtype=object), dtype="str"))
    return parts[0].str.cat(parts[1:], sep="|").to_numpy(dtype=object)


def _tenths_text(values: np.ndarray) -> pd.Series:
    """Numbers rounded to 0.1 as text with one decimal (what ``f"{v:.1f}"`` writes)."""
    tenths = np.rint(values * 10).astype("int64")
    whole, tenth = np.divmod(np.abs(tenths), 10)
    sign = np.where((tenths < 0) | np.signbit(values), "-", "")
    return (pd.Series(sign, dtype="str") + pd.Series(whole).astype("str") + "."
            + pd.Series(tenth).astype("str"))


def inherit_record_keys(conn: Connection, rows: pd.DataFrame, dataset_id: int) -> pd.DataFrame:
    """Give new rows the release keys of the matching records of the dataset they replace."""
    table = records_table
    query = sa.select(
        table.c[SOURCE_ID_HASH], table.c[RECORD_KEY], *(
            sa.cast(table.c[c], sa.String).label(c) if c == DATE else table.c[c]
            for c in CONTENT_COLUMNS
        )
    ).where(table.c[DATASET_ID] == dataset_id).order_by(table.c.id)
    old = compact(pd.read_sql(query, conn))
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
