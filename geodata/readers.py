"""Reading record files into a table of raw values, keeping every row and its row number.

CSV (UTF-8 with or without BOM, or Windows-1252; comma, semicolon or tab), Excel ``.xlsx``,
GeoJSON and GeoPackage. Nothing is dropped here: a CSV line with the wrong number of
fields is kept as a *broken row* for the report, with its row number.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import ImportFileError
from geodata.schema import CRS_METRIC

CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
GEO_SUFFIXES = {".geojson", ".json", ".gpkg"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES | GEO_SUFFIXES)
ROW_NUMBER = "_row"  # spreadsheet row number: the header is row 1, the first record row 2
GEOM_X = "_geometry_x"  # from GeoJSON/GeoPackage geometry, EPSG:27700
GEOM_Y = "_geometry_y"


@dataclass
class RawTable:
    """The records of a file as read.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per record with the file's own column names (values as read) plus
        ``_row``; geographic files add ``_geometry_x`` and ``_geometry_y`` (EPSG:27700).
    broken : list of tuple
        ``(row number, reason)`` for lines that could not be split into the header's fields.
    notes : list of str
        How the file was read (encoding, delimiter, sheet).
    """

    frame: pd.DataFrame
    broken: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        """Every record row found, readable or not."""
        return len(self.frame) + len(self.broken)


def read_records(data: bytes, name: str) -> RawTable:
    """Read a record file from its bytes.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file name; its suffix decides the format.

    Returns
    -------
    RawTable

    Raises
    ------
    ImportFileError
        When the file cannot be read at all (unknown format, not a spreadsheet, no header).
    """
    suffix = Path(name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(data, name)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(data, name)
    if suffix in GEO_SUFFIXES:
        return _read_geo(data, name, suffix)
    raise ImportFileError(
        f"Files of type '{suffix or 'none'}' cannot be imported.",
        source=name,
        fix=f"Save the data as one of: {', '.join(SUPPORTED)}.",
    )


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ImportFileError(
            "The file is binary, not text (is it an Excel file with a .csv name?).",
            source=name,
            fix="Export it as CSV (comma-separated values) or save it as .xlsx.",
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _read_csv(data: bytes, name: str) -> RawTable:
    text, encoding = _decode(data, name)
    if not text.strip():
        raise ImportFileError("The file is empty.", source=name, fix="Check the export.")
    first_line = text.lstrip().splitlines()[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    while rows and not any(cell.strip() for cell in rows[0]):
        rows.pop(0)
    header = [h.strip() for h in rows[0]]
    if len(header) < 2 or not any(header):
        raise ImportFileError(
            "The first line is not a header of column names.",
            source=name,
            fix="Put the column names (date, category, latitude, ...) on the first line.",
        )
    width = len(header)
    good, numbers, broken = [], [], []
    for offset, row in enumerate(rows[1:]):
        number = offset + 2
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not records
        if len(row) == width:
            good.append(row)
            numbers.append(number)
        elif len(row) > width and not any(c.strip() for c in row[width:]):
            good.append(row[:width])  # trailing empty cells from a spreadsheet export
            numbers.append(number)
        else:
            broken.append((number, f"has {len(row)} fields where the header has {width}"))
    frame = pd.DataFrame(good, columns=_unique(header), dtype=object)
    frame[ROW_NUMBER] = np.asarray(numbers, dtype="int64")
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    notes = [f"Read as CSV ({encoding}, {names[delimiter]}-separated)."]
    return RawTable(frame=frame, broken=broken, notes=notes)


def _read_excel(data: bytes, name: str) -> RawTable:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object, header=0)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise ImportFileError(
            f"The workbook could not be opened ({type(exc).__name__}).",
            source=name,
            fix="Open it in Excel and save it again as .xlsx, or export the sheet as CSV.",
        ) from exc
    filled = [(sheet, f) for sheet, f in sheets.items() if not f.dropna(how="all").empty]
    if not filled:
        raise ImportFileError("Every sheet of the workbook is empty.", source=name,
                              fix="Check that the export holds data.")
    sheet, frame = filled[0]
    keep = ~frame.isna().all(axis=1)
    frame = frame[keep].copy()
    frame.columns = _unique([str(c).strip() for c in frame.columns])
    frame[ROW_NUMBER] = np.flatnonzero(keep.to_numpy()) + 2
    notes = [f"Read sheet '{sheet}' of the workbook."]
    if len(filled) > 1:
        notes.append(
            f"Only the first sheet with data was read; ignored: "
            f"{', '.join(str(s) for s, _ in filled[1:])}."
        )
    return RawTable(frame=frame.reset_index(drop=True), notes=notes)


def _read_geo(data: bytes, name: str, suffix: str) -> RawTable:
    try:
        with warnings.catch_warnings():
            # GDAL notes that an in-memory GeoPackage has no .gpkg extension; harmless.
            warnings.filterwarnings("ignore", message=".*non conformant file extension")
            layer = gpd.read_file(io.BytesIO(data))
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise ImportFileError(
            f"The file could not be read as {suffix[1:].upper()} ({exc}).",
            source=name,
            fix="Check the export, or save the records as CSV with coordinate columns.",
        ) from exc
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name, errors="ignore"))
    frame = frame.astype(object)
    frame[ROW_NUMBER] = np.arange(len(frame), dtype="int64") + 2
    xs = np.full(len(frame), np.nan)
    ys = np.full(len(frame), np.nan)
    geoms = layer.geometry
    points = geoms.notna() & (geoms.geom_type == "Point")
    if points.any():
        if layer.crs is None:
            raise ImportFileError(
                "The layer has no coordinate reference system.",
                source=name,
                fix="Save it with its CRS (EPSG:4326 or EPSG:27700).",
            )
        metric = geoms[points].to_crs(CRS_METRIC)
        xs[points.to_numpy()] = metric.x.to_numpy()
        ys[points.to_numpy()] = metric.y.to_numpy()
    frame[GEOM_X], frame[GEOM_Y] = xs, ys
    notes = [f"Read {len(frame):,} features; point geometry used for locations."]
    if (~points & geoms.notna()).any():
        notes.append("Features that are not points have no usable location.")
    return RawTable(frame=frame, notes=notes)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"column {i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n} ({seen[n]})"
        else:
            seen[n] = 1
        out.append(n)
    return out
