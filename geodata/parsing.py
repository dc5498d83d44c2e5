"""Vectorised parsers for the values in record files: dates, numbers, groups.

Each parser takes a column of raw values and returns parsed values with NaN/NaT (or
``None``) where a value could not be read; callers turn those into row rejections.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from geodata.vocab import NATIONALITY_GROUPS, NOT_KNOWN

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's 1900 date system (with its leap bug)
EARLIEST = np.datetime64("2000-01-01", "D")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_UK_FORMATS = (
    "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d.%m.%Y",
    "%d/%m/%y", "%d/%m/%Y %I:%M %p",
)


def per_distinct(values: pd.Series, parse: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """Run a parser over each distinct text of a column once and spread the results back.

    Files repeat a few hundred dates, categories or age labels over a million rows; parsing
    each distinct text once gives the same values as parsing every row. A column that holds
    anything but text (numbers and dates from a spreadsheet) is parsed row by row, so that
    ``1`` and ``1.0`` or ``True`` are never taken for one value.

    Parameters
    ----------
    values : pandas.Series
    parse : callable
        Takes a Series of raw values and returns one parsed value per row.

    Returns
    -------
    numpy.ndarray
        What ``parse(values)`` returns.

    Examples
    --------
    >>> per_distinct(pd.Series(["a", "b", "a", None]), lambda s: s.str.upper().to_numpy())
    array(['A', 'B', 'A', nan], dtype=object)
    """
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
        if len(uniques) < len(values) // 2:
            return np.asarray(parse(pd.Series(uniques, dtype=object)))[codes]
    return np.asarray(parse(values))


def parse_dates(values: pd.Series) -> np.ndarray:
    """Read dates in the forms exports use.

    ISO (``2023-09-24``, with or without a time), UK ``dd/mm/yyyy``, Excel serial numbers,
    or date objects from a spreadsheet.

    Parameters
    ----------
    values : pandas.Series

    Returns
    -------
    numpy.ndarray of datetime64[D]
        NaT where the value is not a readable date.

    Examples
    --------
    >>> dates = ["2023-09-24", "24/09/2023 18:30", "45193", "9/24/2023"]
    >>> parse_dates(pd.Series(dates)).astype(str).tolist()
    ['2023-09-24', '2023-09-24', '2023-09-24', 'NaT']
    """
    return per_distinct(values, _parse_dates)


def _parse_dates(values: pd.Series) -> np.ndarray:
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    raw = values.reset_index(drop=True)
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        is_text = raw.notna().to_numpy(dtype=bool)  # a CSV column: text or missing
        is_date = is_number = np.zeros(len(raw), dtype=bool)
    else:
        is_text = raw.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
        is_date = raw.map(lambda v: hasattr(v, "year") and hasattr(v, "month")).to_numpy(
            dtype=bool
        )
        is_number = raw.map(
            lambda v: isinstance(v, int | float | np.integer | np.floating)
            and not isinstance(v, bool)
        ).to_numpy(dtype=bool)
    if is_date.any():
        out[is_date] = pd.to_datetime(raw[is_date], errors="coerce").to_numpy().astype(
            "datetime64[D]"
        )
    if is_number.any():
        out[is_number] = _excel_serial(pd.to_numeric(raw[is_number], errors="coerce"))
    if is_text.any():
        out[is_text] = _text_dates(raw[is_text].str.strip())
    return out


def _excel_serial(numbers: pd.Series) -> np.ndarray:
    days = np.floor(numbers.to_numpy(dtype="float64"))
    ok = np.isfinite(days) & (days > 0) & (days < 2_958_465)
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[D]")
    out[ok] = EXCEL_EPOCH + days[ok].astype("int64")
    return out


def _text_dates(text: pd.Series) -> np.ndarray:
    out = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[D]")
    todo = np.ones(len(text), dtype=bool)
    iso = text.str.match(_ISO).fillna(False).to_numpy(dtype=bool)
    if iso.any():
        parsed = pd.to_datetime(text[iso], format="ISO8601", errors="coerce")
        out[iso] = parsed.to_numpy().astype("datetime64[D]")
        todo &= ~iso
    for fmt in _UK_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce").to_numpy()
        hit = ~np.isnat(parsed)
        rows = np.flatnonzero(todo)[hit]
        out[rows] = parsed[hit].astype("datetime64[D]")
        todo[rows] = False
    serial = todo & text.str.fullmatch(r"\d{4,6}(\.\d+)?").fillna(False).to_numpy(dtype=bool)
    if serial.any():
        out[serial] = _excel_serial(pd.to_numeric(text[serial], errors="coerce"))
    return out


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Read numbers, accepting a decimal comma (``51,6``) and surrounding spaces.

    Parameters
    ----------
    values : pandas.Series

    Returns
    -------
    numpy.ndarray of float
        NaN where the value is not a number.
    """
    return per_distinct(values, _parse_numbers)


def _parse_numbers(values: pd.Series) -> np.ndarray:
    text = values.astype("string").fillna("").str.strip()
    text = text.where(~text.str.fullmatch(r"-?\d+,\d+").fillna(False), text.str.replace(",", "."))
    return pd.to_numeric(text.replace("", pd.NA), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )


def is_blank(values: pd.Series) -> np.ndarray:
    """Return which values are empty (missing or only spaces)."""
    return values.isna().to_numpy() | (
        values.astype("string").fillna("").str.strip() == ""
    ).to_numpy(dtype=bool)


_ADULT = {"adult", "a", "18", "over 18", "18 and over", "18 plus", "adults"}
_CHILD = {"child", "c", "minor", "under 18", "u18", "children", "young person", "juvenile"}


def parse_age_groups(values: pd.Series) -> np.ndarray:
    """Map ages and age labels onto adult / child / not known (an exact age is never kept).

    Examples
    --------
    >>> parse_age_groups(pd.Series(["Adult", "16", 34, "Under 18", "", None])).tolist()
    ['adult', 'child', 'adult', 'child', 'not known', 'not known']
    """
    return per_distinct(values, _age_groups)


def _age_groups(values: pd.Series) -> np.ndarray:
    text = values.astype("string").fillna("").str.strip().str.lower()
    text = text.str.replace(r"[^a-z0-9 ]+", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    age = pd.to_numeric(text, errors="coerce")
    out = np.full(len(values), NOT_KNOWN, dtype=object)
    out[text.isin(_ADULT).to_numpy()] = "adult"
    out[text.isin(_CHILD).to_numpy()] = "child"
    numeric = age.notna().to_numpy() & ~text.isin(_ADULT | _CHILD).to_numpy()
    ages = age.to_numpy(dtype="float64", na_value=np.nan)
    out[numeric & (ages >= 18) & (ages < 120)] = "adult"
    out[numeric & (ages >= 0) & (ages < 18)] = "child"
    return out


_EU = {
    "austria", "austrian", "belgium", "belgian", "bulgaria", "bulgarian", "croatia",
    "croatian", "cyprus", "cypriot", "czech", "czechia", "czech republic", "denmark", "danish",
    "estonia", "estonian", "finland", "finnish", "france", "french", "germany", "german",
    "greece", "greek", "hungary", "hungarian", "ireland", "irish", "italy", "italian",
    "latvia", "latvian", "lithuania", "lithuanian", "luxembourg", "malta", "maltese",
    "netherlands", "dutch", "poland", "polish", "portugal", "portuguese", "slovakia",
    "slovak", "slovenia", "slovenian", "spain", "spanish", "sweden", "swedish",
}
_NATIONALITY = {
    "UK": {"uk", "british", "united kingdom", "england", "english", "scottish", "welsh", "gb"},
    "Romanian": {"romania", "romanian", "ro"},
    "Albanian": {"albania", "albanian"},
    "Vietnamese": {"vietnam", "viet nam", "vietnamese"},
    "Eritrean": {"eritrea", "eritrean"},
    "Other EU": _EU | {"other eu", "eu"},
}


def parse_nationality_groups(values: pd.Series) -> np.ndarray:
    """Map nationalities onto the atlas's groups; anything else named is "Other".

    Examples
    --------
    >>> parse_nationality_groups(pd.Series(["Romanian", "british", "Polish", "Sudanese", ""]))
    array(['Romanian', 'UK', 'Other EU', 'Other', 'not known'], dtype=object)
    """
    return per_distinct(values, _nationality_groups)


def _nationality_groups(values: pd.Series) -> np.ndarray:
    text = values.astype("string").fillna("").str.strip().str.lower()
    out = np.where(text.to_numpy() == "", NOT_KNOWN, "Other").astype(object)
    out[text.isin({"unknown", "not known", "n/a", "na", "not recorded"}).to_numpy()] = NOT_KNOWN
    for group, names in _NATIONALITY.items():
        out[text.isin(names).to_numpy()] = group
    exact = {g.lower(): g for g in NATIONALITY_GROUPS}
    for lower, group in exact.items():
        out[(text == lower).to_numpy()] = group
    return out
