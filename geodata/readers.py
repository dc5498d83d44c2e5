"""Reading record files into a table of raw values, keeping every row and its row number.

CSV (UTF-8 with or without BOM, Windows-1252, or UTF-16/UTF-32 with a BOM as Excel's
"Unicode text" writes; comma, semicolon or tab), Excel ``.xlsx``, GeoJSON and GeoPackage.
Nothing is dropped here: a CSV line with the wrong number of fields is kept as a *broken
row* for the report, with its row number.

Every file is held to :class:`~geodata.settings.InputLimits` before it is parsed: its size
in bytes, for a workbook the unzipped size and compression ratio read from the zip's
directory (before openpyxl opens it), then the columns of the header; reading stops at the
first row past the row limit.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from geodata.errors import ImportFileError
from geodata.schema import CRS_METRIC
from geodata.settings import InputLimits, load_settings

CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
GEO_SUFFIXES = {".geojson", ".json", ".gpkg"}
SUPPORTED = sorted(CSV_SUFFIXES | EXCEL_SUFFIXES | GEO_SUFFIXES)
# CSV cells are read as pandas' text (Arrow strings), by either splitter.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
ROW_NUMBER = "_row"  # spreadsheet row number: the header is row 1, the first record row 2
GEOM_X = "_geometry_x"  # from GeoJSON/GeoPackage geometry, EPSG:27700
GEOM_Y = "_geometry_y"
# The compression ratio is checked once a workbook unzips to more than this: small
# workbooks of repeated cells compress very well and are harmless.
RATIO_CHECKED_FROM_BYTES = 10_000_000
# Byte-order marks, UTF-32 first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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


def read_records(data: bytes, name: str, limits: InputLimits | None = None) -> RawTable:
    """Read a record file from its bytes.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        The file name; its suffix decides the format.
    limits : InputLimits, optional
        Defaults to the import limits of the settings.

    Returns
    -------
    RawTable

    Raises
    ------
    ImportFileError
        When the file cannot be read at all (unknown format, not a spreadsheet, no header)
        or is over a limit.
    """
    limits = limits or load_settings().import_limits
    check_size(len(data), name, limits)
    suffix = Path(name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(data, name, limits)
    if suffix in EXCEL_SUFFIXES:
        _check_workbook(data, name, limits)
        return _read_excel(data, name, limits)
    if suffix in GEO_SUFFIXES:
        return _read_geo(data, name, suffix, limits)
    raise ImportFileError(
        f"Files of type '{suffix or 'none'}' cannot be imported.",
        source=name,
        fix=f"Save the data as one of: {', '.join(SUPPORTED)}.",
    )


def check_size(size: int, name: str, limits: InputLimits) -> None:
    """Refuse a file over the byte limit, before anything reads it.

    Parameters
    ----------
    size : int
        The file's size in bytes.
    name : str
        The file name, for the message.
    limits : InputLimits

    Raises
    ------
    ImportFileError
        When ``size`` is over ``limits.max_bytes``.
    """
    if size > limits.max_bytes:
        raise ImportFileError(
            f"The file is {_size(size)}; the limit for this upload is "
            f"{_size(limits.max_bytes)}.",
            source=name,
            fix="Import it in parts: split it into smaller files (by month, say), or save an "
                "Excel workbook as CSV, which is smaller.",
        )


def _size(n: int) -> str:
    """Bytes in words: ``100 bytes``, ``2.0 kB``, ``50.0 MB``."""
    if n < 1000:
        return f"{n:,} bytes"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:,.1f} MB"


def _too_many_rows(name: str, limits: InputLimits) -> ImportFileError:
    return ImportFileError(
        f"The file has more than {limits.max_rows:,} rows, the most one upload may hold.",
        source=name,
        fix=f"Import it in parts: split it into files of at most {limits.max_rows:,} rows "
            "(by month, say).",
    )


def _check_columns(count: int, name: str, limits: InputLimits) -> None:
    if count > limits.max_columns:
        raise ImportFileError(
            f"The file has {count:,} columns; an upload may have at most "
            f"{limits.max_columns:,}.",
            source=name,
            fix="Keep only the columns the atlas uses (date, category, location, kind...) "
                "and save the file again.",
        )


def _check_workbook(data: bytes, name: str, limits: InputLimits) -> None:
    """Refuse a workbook that unzips too big, from the zip's directory alone.

    The sizes come from the central directory, before anything is decompressed; Python's
    zipfile, which openpyxl reads through, never returns more than the size declared there.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            parts = book.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ImportFileError(
            f"The workbook could not be opened ({type(exc).__name__}).",
            source=name,
            fix="Open it in Excel and save it again as .xlsx, or export the sheet as CSV.",
        ) from exc
    unzipped = sum(part.file_size for part in parts)
    if unzipped > limits.max_xlsx_uncompressed_bytes:
        raise ImportFileError(
            f"The workbook expands to {_size(unzipped)} when unzipped; the limit is "
            f"{_size(limits.max_xlsx_uncompressed_bytes)}.",
            source=name,
            fix="Save the sheet as CSV (File > Save As > CSV UTF-8), or split it into "
                "smaller workbooks.",
        )
    ratio = unzipped / max(len(data), 1)
    if unzipped > RATIO_CHECKED_FROM_BYTES and ratio > limits.max_xlsx_ratio:
        raise ImportFileError(
            f"The workbook is compressed {ratio:,.0f} times ({_size(unzipped)} in "
            f"{_size(len(data))}), more than {limits.max_xlsx_ratio:,} times, which real "
            "spreadsheets never are: it may be built to exhaust the server (a 'zip bomb').",
            source=name,
            fix="Open it in Excel and save it again, or save the sheet as CSV.",
        )


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    f"The file starts like {encoding.upper()} text but is not "
                    f"(byte {exc.start:,} cannot be read).",
                    source=name,
                    fix="Save it again as CSV UTF-8 (or Excel's Unicode text).",
                ) from exc
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


def _read_csv(data: bytes, name: str, limits: InputLimits) -> RawTable:
    text, encoding = _decode(data, name)
    first_line = next((line for line in io.StringIO(text) if line.strip()), None)
    if first_line is None:
        raise ImportFileError("The file is empty.", source=name, fix="Check the export.")
    delimiter = max((",", ";", "\t"), key=first_line.count)
    split = _split_plain(text, delimiter, name, limits)
    frame, broken = split if split is not None else _split_csv(text, delimiter, name, limits)
    names = {",": "comma", ";": "semicolon", "\t": "tab"}
    notes = [f"Read as CSV ({encoding}, {names[delimiter]}-separated)."]
    return RawTable(frame=frame, broken=broken, notes=notes)


def _header(cells: list[str], name: str, limits: InputLimits) -> list[str]:
    header = [h.strip() for h in cells]
    if len(header) < 2 or not any(header):
        raise ImportFileError(
            "The first line is not a header of column names.",
            source=name,
            fix="Put the column names (date, category, latitude, ...) on the first line.",
        )
    _check_columns(len(header), name, limits)
    return header


def _split_plain(
    text: str, delimiter: str, name: str, limits: InputLimits
) -> tuple[pd.DataFrame, list] | None:
    """Split a file without quotes whose every line has the header's fields, in C.

    The common case (an export with no quoted cells and no ragged lines) is read by
    pandas' C parser; every record is one line there, so row numbers are line numbers
    counted from the header. ``None`` when the file needs :func:`_split_csv` (quotes,
    bare carriage returns, NUL characters, or a line with the wrong number of fields),
    which reads it exactly as this would, record by record.

    The lines are measured on the UTF-8 bytes with numpy (line breaks and delimiters are
    single bytes there), not line by line in Python: a million lines took 3 s that way.
    """
    if '"' in text or "\x00" in text:
        return None
    text = text.replace("\r\n", "\n")
    if "\r" in text:
        return None
    data = text.encode("utf-8")
    lines = _Lines(data, delimiter)
    blank = lines.blank()
    if blank.all():
        return None  # no header (or nothing at all): the record reader says so
    first = int(np.argmax(~blank))
    header = _header(lines.text(first).split(delimiter), name, limits)
    body = np.flatnonzero(~blank)[1:]
    if len(body) > limits.max_rows:
        raise _too_many_rows(name, limits)
    if (lines.count(delimiter)[body] + 1 != len(header)).any():
        return None  # ragged lines: read record by record to say which
    columns = _unique(header)
    if len(body):
        longest = int((lines.ends - lines.starts)[body].max())
        frame = _split_lines(lines.join(body), delimiter, columns, longest)
    else:
        frame = pd.DataFrame({c: pd.Series(dtype=TEXT) for c in columns})
    frame[ROW_NUMBER] = (body - first + 1).astype("int64")
    return frame, []


def _split_lines(data: bytes, delimiter: str, columns: list[str], longest: int
                 ) -> pd.DataFrame:
    """Split lines that all have the columns' fields (no quotes, no blank lines) as text.

    Arrow's CSV reader, told that nothing is quoted, missing or anything but text, reads
    a million lines in about 0.5 s where pandas' C parser took about 1.8 s here, and the
    columns stay in Arrow, as the checks read them. Its blocks (1 MB by default) are made
    longer than the ``longest`` line, which no block may split.
    """
    table = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=columns,
                                        block_size=max(1 << 20, 2 * longest + 2)),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter, quote_char=False, escape_char=False,
            newlines_in_values=False, ignore_empty_lines=False,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return table.to_pandas(types_mapper={pa.string(): TEXT}.get)


class _Lines:
    """The lines of UTF-8 text (without their line breaks), measured as arrays."""

    # What str.strip() removes, within ASCII; other bytes of a line are checked in Python.
    _SPACE = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32)
    _SOLID, _WIDE = 1, 2  # a byte's class: 0 for white space and the delimiter

    def __init__(self, data: bytes, delimiter: str) -> None:
        self.data = data
        self.bytes = np.frombuffer(data, dtype=np.uint8)
        breaks = np.flatnonzero(self.bytes == ord("\n"))
        # The final line break ends the last line; it starts no new one.
        tail = [len(data)] if data and not data.endswith(b"\n") else []
        self.ends = np.concatenate([breaks, tail]).astype(np.int64)
        self.starts = np.concatenate([[0], self.ends + 1])[: len(self.ends)].astype(np.int64)
        self.delimiter = delimiter

    def count(self, character: str) -> np.ndarray:
        """How many times an ASCII character is on each line."""
        at = np.flatnonzero(self.bytes == ord(character))
        return np.searchsorted(at, self.ends) - np.searchsorted(at, self.starts)

    def blank(self) -> np.ndarray:
        """Lines that are only delimiters and white space, as ``str.strip`` sees it."""
        classes = np.full(256, self._SOLID, dtype=np.uint8)
        classes[[*self._SPACE, ord(self.delimiter)]] = 0
        classes[128:] = self._WIDE
        found = np.zeros(len(self.starts), dtype=np.uint8)
        if len(self.starts):
            # Each segment runs from a line's start to the next line's start: the line
            # and its break (class 0). An empty line is only its break.
            found = np.bitwise_or.reduceat(classes[self.bytes], self.starts)
            found[self.ends == self.starts] = 0
        blank = found == 0
        for i in np.flatnonzero(found == self._WIDE):  # non-ASCII only: maybe wide spaces
            blank[i] = not self.text(int(i)).replace(self.delimiter, "").strip()
        return blank

    def text(self, i: int) -> str:
        return self.data[self.starts[i] : self.ends[i]].decode("utf-8")

    def join(self, rows: np.ndarray) -> bytes:
        """Return the given lines as one text: a slice of the file when they follow on."""
        if rows[-1] - rows[0] + 1 == len(rows):
            return self.data[self.starts[rows[0]] : self.ends[rows[-1]]]
        return b"\n".join(self.data[self.starts[i] : self.ends[i]] for i in rows)


def _split_csv(
    text: str, delimiter: str, name: str, limits: InputLimits
) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Split any CSV text record by record, keeping ragged lines as broken rows."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    first_row = next((row for row in rows if "".join(row).strip()), [])
    header = _header(first_row, name, limits)
    width = len(header)
    good: list[list[str]] = []
    numbers: list[int] = []
    broken: list[tuple[int, str]] = []
    for offset, row in enumerate(rows):
        number = offset + 2
        if not "".join(row).strip():
            continue  # blank lines are not records
        if len(good) + len(broken) == limits.max_rows:
            raise _too_many_rows(name, limits)  # stop reading here, not after the last row
        if len(row) == width:
            good.append(row)
            numbers.append(number)
        elif len(row) > width and not "".join(row[width:]).strip():
            good.append(row[:width])  # trailing empty cells from a spreadsheet export
            numbers.append(number)
        else:
            broken.append((number, f"has {len(row)} fields where the header has {width}"))
    frame = pd.DataFrame(good, columns=_unique(header), dtype=TEXT)
    frame[ROW_NUMBER] = np.asarray(numbers, dtype="int64")
    return frame, broken


def _read_excel(data: bytes, name: str, limits: InputLimits) -> RawTable:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object, header=0,
                               nrows=limits.max_rows + 1)  # openpyxl stops reading there
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise ImportFileError(
            f"The workbook could not be opened ({type(exc).__name__}).",
            source=name,
            fix="Open it in Excel and save it again as .xlsx, or export the sheet as CSV.",
        ) from exc
    for frame in sheets.values():
        if len(frame) > limits.max_rows:
            raise _too_many_rows(name, limits)
        _check_columns(frame.shape[1], name, limits)
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


def _read_geo(data: bytes, name: str, suffix: str, limits: InputLimits) -> RawTable:
    try:
        with warnings.catch_warnings():
            # GDAL notes that an in-memory GeoPackage has no .gpkg extension; harmless.
            warnings.filterwarnings("ignore", message=".*non conformant file extension")
            layer = gpd.read_file(io.BytesIO(data), rows=limits.max_rows + 1)
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise ImportFileError(
            f"The file could not be read as {suffix[1:].upper()} ({exc}).",
            source=name,
            fix="Check the export, or save the records as CSV with coordinate columns.",
        ) from exc
    if len(layer) > limits.max_rows:
        raise _too_many_rows(name, limits)
    frame = pd.DataFrame(layer.drop(columns=layer.geometry.name, errors="ignore"))
    _check_columns(frame.shape[1], name, limits)
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
