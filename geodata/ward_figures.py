"""Figures per ward from outside: population (for rates) and context indicators.

Population comes from Census 2021 through the Nomis API, or from a CSV of ward code and
population; any other indicator (say, residents born in Romania) from a CSV of ward code and
value. Rows are matched on the ward code, never the name.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geodata import http
from geodata.errors import DownloadError, ImportFileError
from geodata.parsing import parse_numbers
from geodata.schema import BARNET_WARD_CODES, WARD_CODE

NOMIS_POPULATION_URL = (
    "https://www.nomisweb.co.uk/api/v01/dataset/NM_2021_1.data.csv"
    "?geography=E09000003TYPE153&measures=20100"
)
NOMIS_ATTRIBUTION = (
    "Population: Census 2021 (ONS, via Nomis), Open Government Licence v3.0."
)
POPULATION = "population"
VALUE = "value"
_CODE = re.compile(r"^E05\d{6}$")


def fetch_nomis_population(
    url: str = NOMIS_POPULATION_URL,
    *,
    timeout: float = 30.0,
    expected_codes: Sequence[str] = BARNET_WARD_CODES,
) -> pd.DataFrame:
    """Download usual residents per ward (Census 2021) from the Nomis API.

    Parameters
    ----------
    url : str
        A Nomis ``.data.csv`` query with ``GEOGRAPHY_CODE`` and ``OBS_VALUE`` columns.
    timeout : float
    expected_codes : sequence of str
        The wards the answer must cover.

    Returns
    -------
    pandas.DataFrame
        ``ward_code``, ``value``.

    Raises
    ------
    DownloadError
        For network failures, HTTP errors or an answer that is not the expected table.
    """
    response = http.get(url, timeout=timeout, service="Nomis",
                        fallback="load a CSV of ward code and population")
    try:
        table = pd.read_csv(io.StringIO(response.text), dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DownloadError("Nomis answered with something that is not a CSV table.",
                            source=url, fix="Check that the URL ends in .data.csv.") from exc
    missing = {"GEOGRAPHY_CODE", "OBS_VALUE"} - set(table.columns)
    if missing:
        raise DownloadError(
            f"The Nomis table has no {', '.join(sorted(missing))} column.",
            source=url,
            fix="Use a .data.csv query that returns GEOGRAPHY_CODE and OBS_VALUE.",
        )
    table = _totals_only(table)
    values = pd.DataFrame(
        {WARD_CODE: table["GEOGRAPHY_CODE"].str.strip(), VALUE: parse_numbers(table["OBS_VALUE"])}
    )
    return _validate(values.groupby(WARD_CODE, as_index=False)[VALUE].max(), url, expected_codes)


def _totals_only(table: pd.DataFrame) -> pd.DataFrame:
    """Keep the 'Total' rows when Nomis breaks the count down by another dimension."""
    for column in table.columns:
        if column.endswith("_NAME") and column != "GEOGRAPHY_NAME":
            total = table[column].astype(str).str.startswith("Total")
            if total.any():
                table = table[total]
    return table


def read_ward_figures(
    data: bytes, name: str, *, expected_codes: Sequence[str] = BARNET_WARD_CODES
) -> pd.DataFrame:
    """Read a CSV of ward code and one number per ward (population or an indicator).

    The code column is the one holding ward codes (``E05...``); the value column is the
    first other column that is numeric throughout.

    Parameters
    ----------
    data : bytes
    name : str
        File name, for messages.
    expected_codes : sequence of str

    Returns
    -------
    pandas.DataFrame
        ``ward_code``, ``value``.

    Raises
    ------
    ImportFileError
        When no code or value column is found, a value is not a number, or wards are missing.
    """
    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig",
                            sep=None, engine="python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ImportFileError("The file is not a readable CSV table.", source=name,
                              fix="Save it as CSV with a ward code column and a value column.",
                              ) from exc
    code_col = next(
        (c for c in table.columns if table[c].astype(str).str.strip().str.match(_CODE).all()),
        None,
    )
    if code_col is None:
        raise ImportFileError("No column holds ward codes (E05...) on every row.", source=name,
                              fix="Add a column of ward codes such as E05013628.")
    numeric = [
        c for c in table.columns
        if c != code_col and np.isfinite(parse_numbers(table[c].str.replace(",", ""))).all()
    ]
    if not numeric:
        raise ImportFileError("No column holds a number on every row.", source=name,
                              column=None, fix="Add a numeric column (population or value).")
    values = pd.DataFrame(
        {
            WARD_CODE: table[code_col].str.strip(),
            VALUE: parse_numbers(table[numeric[0]].str.replace(",", "")),
        }
    )
    try:
        return _validate(values, name, expected_codes)
    except DownloadError as exc:
        raise ImportFileError(exc.problem, source=name, fix=exc.fix) from exc


def _validate(values: pd.DataFrame, source: str, expected: Sequence[str]) -> pd.DataFrame:
    barnet = values[values[WARD_CODE].isin(expected)]
    missing = sorted(set(expected) - set(barnet[WARD_CODE]))
    if missing:
        raise DownloadError(
            f"{len(missing)} of Barnet's wards have no figure ({', '.join(missing[:4])}"
            f"{' ...' if len(missing) > 4 else ''}).",
            source=source,
            fix="Use figures for the current wards (2022 codes E05013628 to E05013651).",
        )
    if barnet[WARD_CODE].duplicated().any():
        raise DownloadError("Some wards appear more than once.", source=source,
                            fix="Keep one row per ward.")
    if (barnet[VALUE] < 0).any():
        raise DownloadError("Some values are negative.", source=source,
                            fix="Check the figures.")
    return barnet.sort_values(WARD_CODE, ignore_index=True)
