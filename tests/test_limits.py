"""Input limits, checked before parsing, and the text encodings Excel writes."""

import codecs
import io
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geodata import importing as imp
from geodata.cli import main
from geodata.importing import validate_file
from geodata.settings import InputLimits, load_settings
from geodata.store import Store
from geodata.wards import save_wards
from tests.helpers import toy_wards
from tests.test_importer import KEY, LAT0, LON0, TODAY, WARDS

SMALL = InputLimits(max_bytes=2_000, max_rows=10, max_columns=5,
                    max_xlsx_uncompressed_bytes=200_000_000, max_xlsx_ratio=100)
HEADER = "date,latitude,longitude,category\n"
ROW = f"2023-09-24,{LAT0:.6f},{LON0:.6f},labour\n"


def check(data, name="records.csv", **kwargs):
    return validate_file(data, name, kind="referral", wards=WARDS, hash_key=KEY, today=TODAY,
                         **kwargs)


# --------------------------------------------------------------------- settings


def test_limits_have_borough_sized_defaults_and_environment_overrides():
    defaults = load_settings({})
    assert defaults.import_limits == InputLimits(
        max_bytes=50_000_000, max_rows=1_000_000, max_columns=100,
        max_xlsx_uncompressed_bytes=200_000_000, max_xlsx_ratio=100,
    )
    assert defaults.venue_limits.max_bytes == 2_000_000
    assert defaults.venue_limits.max_rows == 5_000
    custom = load_settings({"ATLAS_MAX_UPLOAD_BYTES": "1000", "ATLAS_MAX_ROWS": "7",
                            "ATLAS_MAX_COLUMNS": "3", "ATLAS_MAX_VENUE_ROWS": "2"})
    assert (custom.import_limits.max_bytes, custom.import_limits.max_rows,
            custom.import_limits.max_columns) == (1000, 7, 3)
    assert custom.venue_limits.max_rows == 2 and custom.venue_limits.max_columns == 3


def test_a_bad_limit_setting_names_the_variable():
    with pytest.raises(ValueError, match="ATLAS_MAX_ROWS.*'lots'"):
        load_settings({"ATLAS_MAX_ROWS": "lots"})


# --------------------------------------------------------------------- bytes, rows, columns


def test_a_csv_over_the_byte_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr("geodata.readers._read_csv", _never)
    data = (HEADER + ROW * 60).encode()
    report = check(data, limits=SMALL)
    assert report.rows_read == 0
    size = f"{len(data) / 1000:.1f} kB"
    assert f"The file is {size}; the limit for this upload is 2.0 kB." in report.error
    assert "split" in report.error


def test_a_csv_over_the_row_limit_is_refused_with_the_limit():
    report = check((HEADER + ROW * 11).encode(), limits=SMALL)
    assert report.rows_read == 0
    assert "more than 10 rows" in report.error and "split" in report.error
    at_limit = check((HEADER + ROW * 10).encode(), limits=SMALL)
    # read in full (the nine repeats of the first row are then rejected as repeats)
    assert at_limit.error is None and at_limit.rows_read == 10


def test_the_row_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ATLAS_MAX_ROWS", "3")
    assert "more than 3 rows" in check((HEADER + ROW * 4).encode()).error
    at_limit = check((HEADER + ROW * 3).encode())
    assert at_limit.error is None and at_limit.rows_read == 3


def test_too_many_columns_are_refused():
    header = ",".join(["date", "latitude", "longitude", "category", "a", "b"]) + "\n"
    report = check((header + ROW.strip() + ",1,2\n").encode(), limits=SMALL)
    assert "6 columns" in report.error and "at most 5" in report.error


def test_an_excel_file_over_the_row_limit_is_refused():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "latitude", "longitude"])
    for _ in range(12):
        sheet.append(["2023-09-24", LAT0, LON0])
    buffer = io.BytesIO()
    book.save(buffer)
    report = check(buffer.getvalue(), "records.xlsx", limits=replace(SMALL, max_bytes=10**6))
    assert "more than 10 rows" in report.error


# --------------------------------------------------------------------- zip bombs


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> bytes:
    """A workbook of a few hundred kB whose sheet XML is 300 MB once unzipped."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    row = b'<row><c t="inlineStr"><is><t>2023-09-24</t></is></c></row>' * 16_384
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b"<worksheet><sheetData>")
            for _ in range(-(-300_000_000 // len(row))):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    data = path.read_bytes()
    assert len(data) < 2_000_000
    return data


@pytest.fixture
def no_excel_parsing(monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", _never)
    monkeypatch.setattr(pd, "read_excel", _never)


def _never(*args, **kwargs):
    raise AssertionError("the file was parsed although it is over a limit")


def test_a_zip_bomb_workbook_is_refused_from_its_directory(zip_bomb, no_excel_parsing):
    report = check(zip_bomb, "records.xlsx")
    assert report.rows_read == 0
    assert "expands to 300." in report.error and "limit is 200.0 MB" in report.error
    assert "CSV" in report.error


def test_a_workbook_compressed_too_well_is_refused(zip_bomb, no_excel_parsing):
    generous = InputLimits(max_bytes=50_000_000, max_rows=1_000_000, max_columns=100,
                           max_xlsx_uncompressed_bytes=1_000_000_000, max_xlsx_ratio=100)
    report = check(zip_bomb, "records.xlsx", limits=generous)
    assert "compressed" in report.error and "more than 100 times" in report.error


def test_the_venue_upload_refuses_a_zip_bomb(zip_bomb, no_excel_parsing):
    report = imp.read_venues(zip_bomb, "venues.xlsx", wards=WARDS)
    assert report.error and "limit" in report.error


# --------------------------------------------------------------------- venues


def test_venue_uploads_have_smaller_limits():
    header = "venue,latitude,longitude\n"
    line = f"Church,{LAT0},{LON0}\n"
    many = imp.read_venues((header + line * 5_001).encode(), "venues.csv", wards=WARDS)
    assert "more than 5,000 rows" in many.error
    big = imp.read_venues((header + line * 60_000).encode(), "venues.csv", wards=WARDS)
    assert "limit for this upload is 2.0 MB" in big.error
    ok = imp.read_venues((header + line * 5_000).encode(), "venues.csv", wards=WARDS)
    assert ok.error is None and ok.rows_accepted == 5_000


# --------------------------------------------------------------------- command line


def test_cli_refuses_a_file_over_the_byte_limit_without_reading_it(tmp_path, monkeypatch,
                                                                   capsys):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home"),
                              "ATLAS_MAX_UPLOAD_BYTES": "100"})
    save_wards(toy_wards(), settings.wards_cache)
    big = tmp_path / "big.csv"
    big.write_text(HEADER + ROW * 5)
    monkeypatch.setattr(Path, "read_bytes", _never)
    assert main(["import", str(big), "--kind", "referral"], settings) == 2
    assert "the limit for this upload is 100 bytes" in capsys.readouterr().err
    assert Store(settings.database_url).list_datasets() == []


# --------------------------------------------------------------------- encodings


TAB_TEXT = (
    "Date of referral\tLatitude\tLongitude\tCategory\r\n"
    f"2023-09-24\t{LAT0:.6f}\t{LON0:.6f}\tForced labour – Zoë's café\r\n"
)


def test_utf16_with_bom_tab_separated_as_excel_unicode_text_writes_it():
    data = codecs.BOM_UTF16_LE + TAB_TEXT.encode("utf-16-le")
    report = check(data, "unicode.txt")
    assert report.error is None and report.rows_accepted == 1
    assert any("utf-16" in note and "tab-separated" in note for note in report.notes)


@pytest.mark.parametrize("encoding", ["utf-32", "utf-16-be-bom"])
def test_utf32_and_big_endian_utf16_with_bom(encoding):
    data = (codecs.BOM_UTF16_BE + TAB_TEXT.encode("utf-16-be") if encoding == "utf-16-be-bom"
            else TAB_TEXT.replace("\t", ",").encode("utf-32"))
    report = check(data, "unicode.csv")
    assert report.error is None and report.rows_accepted == 1
