"""Checking referral and outreach rows: kind, date, place, category, source, groups, duplicates."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import vocab
from geodata.columns import (
    SOURCE_ID,
    SYNTHETIC,
    ColumnMatch,
    normalise_header,
)
from geodata.importing.duplicates import DuplicateChecks
from geodata.importing.locating import place
from geodata.importing.rejections import (
    BAD_DATE,
    FUTURE_DATE,
    NO_DATE,
    OLD_DATE,
    UNKNOWN_KIND,
    WRONG_KIND,
    Rows,
    column_of,
)
from geodata.importing.report import ImportReport
from geodata.parsing import (
    EARLIEST,
    is_blank,
    parse_age_groups,
    parse_dates,
    parse_nationality_groups,
)
from geodata.readers import ROW_NUMBER, RawTable
from geodata.schema import (
    AGE_GROUP,
    CATEGORY,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    OUTREACH,
    RECORD_COLUMNS,
    RECORD_ID,
    REFERRAL,
    SOURCE,
    SOURCE_ID_HASH,
    WARD_CODE,
    X,
    Y,
)

MIXED = "mixed"
_KIND_WORDS = {
    REFERRAL: {"referral", "referrals", "nrm", "nrm referral", "duty to notify", "dtn"},
    OUTREACH: {"outreach", "outreach activity", "activity", "visit", "patrol"},
}
_TRUE = {"yes", "true", "1", "y", "synthetic", "synthetic demo data"}




@dataclass(frozen=True)
class RecordCheck:
    """What a referral/outreach file is checked against.

    Attributes
    ----------
    kind : str
        ``referral``, ``outreach`` or ``mixed``.
    wards : geopandas.GeoDataFrame
    duplicates : DuplicateChecks
    today : datetime.date
        For the future-date check.
    fix_swapped : bool
        Read recognised swapped latitude/longitude the right way round.
    """

    kind: str
    wards: gpd.GeoDataFrame
    duplicates: DuplicateChecks
    today: dt.date
    fix_swapped: bool = False


def validate_records(
    raw: RawTable,
    name: str,
    columns: ColumnMatch,
    check: RecordCheck,
    tell: Callable[[float, str], None],
) -> ImportReport:
    """Check referral and outreach rows; return the report (nothing is stored)."""
    kind, checks, fix_swapped = check.kind, check.duplicates, check.fix_swapped
    frame = raw.frame
    n = len(frame)
    rows = Rows(frame[ROW_NUMBER].to_numpy())
    notes = list(raw.notes)
    kinds = _record_kinds(raw, columns, kind, rows)
    dates = _check_dates(column_of(raw, columns, DATE), columns, rows, check.today)
    tell(0.45, "Locating rows")
    x, y, codes, swapped = place(raw, columns, rows, notes, check.wards, fix_swapped)
    tell(0.7, "Checking categories and duplicates")
    fallbacks: dict[str, dict[str, int]] = {}
    categories = _categories(column_of(raw, columns, CATEGORY), kinds, fallbacks)
    sources = _sources(column_of(raw, columns, SOURCE), kinds, fallbacks)
    is_referral = kinds == REFERRAL
    blank = np.full(n, None, dtype=object)
    ages = np.where(is_referral, _optional(raw, columns, AGE_GROUP, parse_age_groups, n), blank)
    nationalities = np.where(
        is_referral,
        _optional(raw, columns, NATIONALITY_GROUP, parse_nationality_groups, n),
        blank,
    )
    content = pd.DataFrame({
        KIND: _text(kinds), DATE: dates, X: x, Y: y, CATEGORY: _text(categories),
        SOURCE: _text(sources), AGE_GROUP: _text(ages), NATIONALITY_GROUP: _text(nationalities),
    })
    hashes, overlaps = checks.run(column_of(raw, columns, SOURCE_ID), content, rows)
    ok = rows.ok
    token = secrets.token_hex(8)
    accepted = pd.DataFrame(
        {
            RECORD_ID: _text(np.array([f"{token}-{r}" for r in rows.rows[ok].tolist()], object)),
            KIND: _text(kinds[ok]),
            DATE: dates[ok].astype("datetime64[s]"),
            CATEGORY: _text(categories[ok]),
            SOURCE: _text(sources[ok]),
            X: np.round(x[ok], 1),
            Y: np.round(y[ok], 1),
            WARD_CODE: _text(codes[ok]),
            AGE_GROUP: _text(ages[ok]),
            NATIONALITY_GROUP: _text(nationalities[ok]),
            SOURCE_ID_HASH: _text(hashes[ok]),
        },
        columns=[*RECORD_COLUMNS, SOURCE_ID_HASH],
    )
    synthetic_col = column_of(raw, columns, SYNTHETIC)
    synthetic = bool(
        synthetic_col is not None
        and synthetic_col.astype("string").str.strip().str.lower().isin(_TRUE).any()
    )
    tell(1.0, "Checked")
    return ImportReport.checked(
        raw, name, kind, columns, rows, notes, accepted, fallbacks=fallbacks,
        synthetic=synthetic, overlaps=overlaps, replacing=checks.replacing, swapped=swapped,
        swapped_fixed=fix_swapped and swapped > 0,
    )


def _text(values: np.ndarray) -> pd.Series:
    """Keep a column of Python strings as it is (pandas would copy it into Arrow)."""
    return pd.Series(values, dtype=object)


def _record_kinds(raw, columns, kind, rows) -> np.ndarray:
    n = len(raw.frame)
    column = column_of(raw, columns, KIND)
    if column is None:
        if kind == MIXED:
            rows.reject(np.ones(n, dtype=bool), "no kind (a mixed file needs a 'kind' column)",
                        None)
        return np.full(n, kind if kind != MIXED else REFERRAL, dtype=object)
    text = column.astype("string").fillna("").str.strip().str.lower()
    kinds = np.full(n, None, dtype=object)
    for canonical, words in _KIND_WORDS.items():
        kinds[text.isin(words).to_numpy()] = canonical
    blank = (text == "").to_numpy()
    if kind != MIXED:
        kinds[blank] = kind
        rows.reject((kinds != kind) & pd.notna(kinds), WRONG_KIND, columns.fields[KIND])
    rows.reject(pd.isna(kinds), UNKNOWN_KIND, columns.fields[KIND])
    kinds[pd.isna(kinds)] = REFERRAL  # a placeholder: these rows are rejected
    return kinds


def _check_dates(column, columns, rows, today) -> np.ndarray:
    n = len(rows.rows)
    if column is None:
        rows.reject(np.ones(n, dtype=bool), f"{NO_DATE} (the file has no date column)", None)
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    source = columns.fields[DATE]
    dates = parse_dates(column)
    rows.reject(is_blank(column), NO_DATE, source)
    rows.reject(np.isnat(dates), BAD_DATE, source)
    rows.reject(~np.isnat(dates) & (dates > np.datetime64(today, "D")), FUTURE_DATE, source)
    rows.reject(~np.isnat(dates) & (dates < EARLIEST), OLD_DATE, source)
    return dates


def _categories(column, kinds, fallbacks) -> np.ndarray:
    n = len(kinds)
    if column is None:
        return np.where(kinds == REFERRAL, vocab.fallback_category(REFERRAL),
                        vocab.fallback_category(OUTREACH)).astype(object)
    out = np.empty(n, dtype=object)
    values = column.astype("string").fillna("").to_numpy(dtype=object)
    for kind in (REFERRAL, OUTREACH):
        rows = np.flatnonzero(kinds == kind)
        if not len(rows):
            continue
        # Each distinct text is matched once, in order of first appearance.
        inverse, uniques = pd.factorize(values[rows])
        mapped = np.array([vocab.match_category(kind, u) for u in uniques], dtype=object)
        unknown = pd.isna(mapped)
        if unknown.any():
            counts = np.bincount(inverse, minlength=len(uniques))
            fallbacks[f"{kind} category"] = _most_common(uniques[unknown], counts[unknown])
        mapped[unknown] = vocab.fallback_category(kind)
        out[rows] = mapped[inverse]
    return out


def _most_common(values, counts) -> dict[str, int]:
    """Values by count, most first; ties in order of first appearance (as Counter does)."""
    order = np.argsort(-np.asarray(counts), kind="stable")
    return {str(values[i]): int(counts[i]) for i in order}


def _sources(column, kinds, fallbacks) -> np.ndarray:
    lists = vocab.load_vocabulary()
    n = len(kinds)
    if column is None:
        return np.full(n, vocab.NOT_KNOWN, dtype=object)
    text = column.astype("string").fillna("").str.strip().to_numpy(dtype=object)
    out = np.full(n, vocab.NOT_KNOWN, dtype=object)
    inverse, uniques = pd.factorize(text)
    keys = np.array([normalise_header(u) for u in uniques], dtype=object)
    unknown = np.zeros(len(uniques), dtype=np.int64)
    for kind in (REFERRAL, OUTREACH):
        allowed = {normalise_header(s): s for s in lists.sources_for(kind)}
        mapped = np.array([allowed.get(k) for k in keys], dtype=object)
        rows = kinds == kind
        codes = inverse[rows]
        named = mapped[codes]
        out[rows] = np.where(pd.isna(named), vocab.NOT_KNOWN, named)
        missing = pd.isna(mapped) & (keys != "")
        unknown += np.bincount(codes, minlength=len(uniques)) * missing
    if unknown.any():
        seen = np.flatnonzero(unknown)
        fallbacks["source or team"] = _most_common(uniques[seen], unknown[seen])
    return out


def _optional(raw, columns, field_name, parser, n) -> np.ndarray:
    column = column_of(raw, columns, field_name)
    return np.full(n, vocab.NOT_KNOWN, dtype=object) if column is None else parser(column)
