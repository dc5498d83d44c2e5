"""Importing records: every format, location form and date form, every rejection reason."""

import datetime as dt
import io

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import Point

from geodata import importing as imp
from geodata.cli import main
from geodata.importing import validate_file
from geodata.projection import to_lonlat
from geodata.schema import BARNET_WARD_CODES, CATEGORY, DATE, KIND, WARD_CODE, X, Y
from geodata.settings import load_settings
from geodata.store import Store
from geodata.wards import save_wards
from tests.helpers import toy_wards, ward_centre

TODAY = dt.date(2024, 6, 1)
KEY = b"test-hash-key"
WARDS = toy_wards()


def lonlat(ward: int) -> tuple[float, float]:
    return tuple(map(float, to_lonlat(*ward_centre(ward))))


def check(data, name="records.csv", kind="referral", **kwargs):
    if isinstance(data, str):
        data = data.encode("utf-8")
    report = validate_file(data, name, kind=kind, wards=WARDS, hash_key=KEY, today=TODAY,
                           **kwargs)
    assert report.rows_accepted + report.rows_rejected == report.rows_read
    return report


def reasons(report) -> dict[int, str]:
    return dict(zip(report.rejected["row"], report.rejected["reason"], strict=True))


LON0, LAT0 = lonlat(0)
LON5, LAT5 = lonlat(5)
E7, N7 = ward_centre(7)


# --------------------------------------------------------------------- formats


def test_csv_utf8_with_bom_and_synonym_headers():
    text = (
        "\ufeffDate of Referral, Lat ,LONGITUDE,Exploitation Type,Referrer\n"
        f"2023-09-24,{LAT0:.6f},{LON0:.6f},Forced Labour,NRM referral\n"
        f"24/09/2023,{LAT5:.6f},{LON5:.6f},sexual exploitation,Duty to Notify\n"
    )
    report = check(text)
    assert report.rows_accepted == 2 and report.rows_rejected == 0
    accepted = report.accepted
    assert accepted[CATEGORY].tolist() == ["labour", "sexual"]
    assert accepted[WARD_CODE].tolist() == [BARNET_WARD_CODES[0], BARNET_WARD_CODES[5]]
    assert accepted["source"].tolist() == ["NRM referral", "Duty to Notify"]
    assert "utf-8" in report.notes[0]


def test_csv_windows_1252_semicolons_and_decimal_commas():
    text = (
        "date;latitude;longitude;category;notes\n"
        f"01/10/2023;{LAT0:.6f};{LON0:.6f};domestic servitude;café worker\n"
    ).replace(f"{LAT0:.6f}", f"{LAT0:.6f}".replace(".", ",")).replace(
        f"{LON0:.6f}", f"{LON0:.6f}".replace(".", ",")
    )
    report = check(text.encode("cp1252"))
    assert report.rows_accepted == 1
    assert "cp1252" in report.notes[0] and "semicolon" in report.notes[0]
    assert report.columns.identifiers == ("notes",)


def test_excel_with_date_cells_and_serial_numbers():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Easting", "Northing", "Type", "Name"])
    sheet.append([dt.datetime(2023, 9, 24, 18, 30), E7, N7, "criminal", "Jane Doe"])
    sheet.append([45193, E7 + 10, N7, "criminal", "John Roe"])  # Excel serial for 2023-09-24
    sheet.append(["2023-09-25", E7, N7 + 10, "county lines", "A N Other"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = check(buffer.getvalue(), "export.xlsx")
    assert report.rows_accepted == 3
    assert report.accepted[DATE].dt.strftime("%Y-%m-%d").tolist() == [
        "2023-09-24", "2023-09-24", "2023-09-25",
    ]
    assert set(report.accepted[CATEGORY]) == {"criminal"}
    assert report.columns.identifiers == ("Name",)
    assert "Jane Doe" not in report.accepted.to_csv()


@pytest.mark.parametrize(
    ("suffix", "crs"), [("geojson", "EPSG:4326"), ("gpkg", "EPSG:27700")],
    ids=["geojson-wgs84", "geopackage-bng"],
)
def test_geographic_files_use_their_point_geometry(tmp_path, suffix, crs):
    layer = gpd.GeoDataFrame(
        {"date": ["2023-09-24", "2023-09-25"], "category": ["labour", "sexual"]},
        geometry=[Point(ward_centre(2)), Point(ward_centre(3))],
        crs="EPSG:27700",
    ).to_crs(crs)
    path = tmp_path / f"points.{suffix}"
    layer.to_file(path, driver="GeoJSON" if suffix == "geojson" else "GPKG")
    report = check(path.read_bytes(), path.name)
    assert report.rows_accepted == 2
    assert report.accepted[WARD_CODE].tolist() == list(BARNET_WARD_CODES[2:4])


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "empty"),
        (b"PK\x03\x04\x00\x00garbage", "fake.xlsx", "could not be opened"),
        (b"\x00\x01\x02binary", "binary.csv", "binary"),
        (b"just one header cell\n", "one.csv", "not a header"),
        (b"{}", "records.pdf", "cannot be imported"),
        (b"{not geojson", "bad.geojson", "could not be read"),
    ],
    ids=["empty", "bad-xlsx", "binary-csv", "no-header", "pdf", "bad-geojson"],
)
def test_unreadable_files_get_a_report_not_a_traceback(data, name, message):
    report = check(data, name)
    assert report.error and message in report.error
    assert report.rows_read == 0 and "could not be read" in report.summary()[0]


# --------------------------------------------------------------------- locations and dates


def test_every_location_form():
    lon, lat = lonlat(4)
    e, n = ward_centre(9)
    text = (
        "date,latitude,longitude,easting,northing,postcode\n"
        f"2023-09-24,{lat},{lon},,,\n"
        f"2023-09-24,,,{e},{n},\n"
        "2023-09-24,,,,,nw4 4aa\n"  # Hendon, from the ONS Postcode Directory
    )
    report = check(text)
    assert report.rows_accepted == 3
    assert report.accepted[WARD_CODE].iloc[0] == BARNET_WARD_CODES[4]
    assert report.accepted[WARD_CODE].iloc[1] == BARNET_WARD_CODES[9]
    assert (report.accepted[X].iloc[2], report.accepted[Y].iloc[2]) == (523278.0, 189174.0)


def test_columns_named_x_and_y_holding_degrees_are_read_as_lon_lat():
    text = f"date,X,Y\n2023-09-24,{LON0},{LAT0}\n"
    report = check(text)
    assert report.rows_accepted == 1
    assert any("read as longitude and latitude" in n for n in report.notes)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-24", "2023-09-24"),
        ("2023-09-24T18:30:00", "2023-09-24"),
        ("2023-09-24 18:30", "2023-09-24"),
        ("24/09/2023", "2023-09-24"),
        ("24/09/2023 18:30", "2023-09-24"),
        ("45193", "2023-09-24"),
        ("45193.77", "2023-09-24"),
    ],
    ids=["iso", "iso-t-time", "iso-time", "uk", "uk-time", "excel-serial", "excel-with-time"],
)
def test_every_date_form(value, expected):
    report = check(f"date,latitude,longitude\n{value},{LAT0},{LON0}\n")
    assert report.accepted[DATE].dt.strftime("%Y-%m-%d").tolist() == [expected]


def test_every_rejection_reason_is_named(tmp_path):
    lon, lat = LON0, LAT0
    rows = [
        f"2023-09-24,{lat},{lon},,,,ID-1",          # 2 accepted
        f",{lat},{lon},,,,ID-2",                    # 3 no date
        f"sometime,{lat},{lon},,,,ID-3",            # 4 unreadable date
        f"2030-01-01,{lat},{lon},,,,ID-4",          # 5 future
        f"1999-12-31,{lat},{lon},,,,ID-5",          # 6 before 2000
        "2023-09-24,,,,,,ID-6",                     # 7 no location
        f"2023-09-24,{lon},{lat},,,,ID-7",          # 8 swapped
        f"2023-09-24,{E7},{N7},,,,ID-8",            # 9 eastings in lat/lon columns
        f"2023-09-24,,,{lon},{lat},,ID-9",          # 10 degrees in easting columns
        "2023-09-24,,,,,NOTAPOSTCODE,ID-10",        # 11 bad postcode
        "2023-09-24,,,,,ZZ9 9ZZ,ID-11",             # 12 unknown postcode
        "2023-09-24,55.95,-3.19,,,,ID-12",          # 13 Edinburgh: outside Barnet
        f"2023-09-24,{lat},{lon},,,,ID-1",          # 14 duplicate in file
        f"2023-09-24,{lat},{lon},,,,ID-STORED",     # 15 duplicate of a stored record
        f"2023-09-24,{lat},{lon},,,,ID-15,extra",   # 16 broken row
        "2023-09-24,0.5,120,,,,ID-16",              # 17 not in Great Britain
    ]
    text = "date,latitude,longitude,easting,northing,postcode,case id\n" + "\n".join(rows) + "\n"
    stored = imp.hash_source_id(pd.Series(["ID-STORED"]), KEY)[0]
    report = check(text, known_hashes=lambda hashes: {h for h in hashes if h == stored})
    assert report.rows_accepted == 1 and report.rows_read == 16
    assert reasons(report) == {
        3: imp.NO_DATE,
        4: imp.BAD_DATE,
        5: imp.FUTURE_DATE,
        6: imp.OLD_DATE,
        7: imp.NO_LOCATION,
        8: imp.SWAPPED,
        9: imp.EASTINGS_AS_DEGREES,
        10: imp.DEGREES_AS_EASTINGS,
        11: imp.BAD_POSTCODE,
        12: imp.UNKNOWN_POSTCODE,
        13: imp.OUTSIDE,
        14: imp.DUPLICATE_IN_FILE,
        15: imp.DUPLICATE_STORED,
        16: "broken row: has 8 fields where the header has 7",
        17: imp.NOT_GB,
    }
    summary = "\n".join(report.summary())
    assert "Recognised a common mistake in 1 row(s): latitude and longitude swapped" in summary
    csv = pd.read_csv(io.BytesIO(report.to_csv()), dtype=str, keep_default_na=False)
    assert len(csv) == 15
    assert csv.columns.tolist() == ["row", "reason", "column", "date", "latitude", "longitude",
                                    "easting", "northing", "postcode", "case id"]
    assert "None" not in report.to_csv().decode() and "nan" not in report.to_csv().decode()
    no_location = csv[csv["row"] == "7"].iloc[0]
    assert (no_location["column"], no_location["latitude"], no_location["case id"]) == (
        "", "", "ID-6")


def test_a_whole_file_outside_barnet_is_named():
    text = "date,latitude,longitude\n2023-09-24,53.48,-2.24\n2023-09-25,53.47,-2.25\n"
    report = check(text)
    assert report.rows_accepted == 0
    assert any("None of the 2 located rows lies in Barnet" in n for n in report.notes)


def test_kind_column_must_agree_with_the_import():
    text = (
        "kind,date,latitude,longitude\n"
        f"referral,2023-09-24,{LAT0},{LON0}\n"
        f"outreach,2023-09-24,{LAT0},{LON0}\n"
        f"juggling,2023-09-24,{LAT0},{LON0}\n"
    )
    assert reasons(check(text)) == {3: imp.WRONG_KIND, 4: imp.UNKNOWN_KIND}
    mixed = check(text, kind="mixed")
    assert mixed.accepted[KIND].tolist() == ["referral", "outreach"]
    no_kind = check("date,latitude,longitude\n2023-09-24,51.6,-0.2\n", kind="mixed")
    assert "needs a 'kind' column" in no_kind.rejected["reason"][0]


def test_unknown_categories_become_not_known_and_are_reported():
    text = (
        "date,latitude,longitude,category,source\n"
        f"2023-09-24,{LAT0},{LON0},juggling,Someone Unknown\n"
        f"2023-09-24,{LAT0},{LON0},Forced labor,NRM referral\n"
    )
    report = check(text)
    assert report.accepted[CATEGORY].tolist() == ["not known", "labour"]
    assert report.fallbacks["referral category"] == {"juggling": 1}
    assert report.accepted["source"].tolist() == ["not known", "NRM referral"]
    assert "Someone Unknown" not in report.accepted.to_csv()
    assert any("'juggling' (1)" in line for line in report.summary())


def test_identifiers_are_dropped_at_the_door():
    text = (
        "date,latitude,longitude,Full Name,Date of Birth,Address,Case Notes,Age\n"
        f"2023-09-24,{LAT0},{LON0},Jane Doe,01/02/1990,1 High St,seen at,34\n"
    )
    report = check(text)
    assert set(report.columns.identifiers) == {"Full Name", "Date of Birth", "Address",
                                               "Case Notes"}
    stored = report.accepted.to_csv()
    for value in ("Jane Doe", "1990", "High St", "seen at", "34"):
        assert value not in stored
    assert report.accepted["age_group"].tolist() == ["adult"]


def test_source_ids_are_kept_only_as_keyed_hashes():
    report = check(f"date,latitude,longitude,case number\n2023-09-24,{LAT0},{LON0},MSU/123\n")
    stored = report.accepted["source_id_hash"].iloc[0]
    assert "MSU" not in report.accepted.to_csv() and len(stored) == 64
    other_key = validate_file(
        f"date,latitude,longitude,case number\n2023-09-24,{LAT0},{LON0},MSU/123\n".encode(),
        "r.csv", kind="referral", wards=WARDS, hash_key=b"another", today=TODAY,
    )
    assert other_key.accepted["source_id_hash"].iloc[0] != stored


def test_police_uk_crime_file():
    header = (
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
        "LSOA name,Crime type,Last outcome category,Context"
    )
    rows = [
        f"abc,2023-01,Metropolitan Police Service,Metropolitan Police Service,{LON0},{LAT0},"
        "On or near ,E01000248,Barnet 001A,Other theft,Under investigation,",
        ",2023-01,Metropolitan Police Service,Metropolitan Police Service,,,No Location,,,"
        "Anti-social behaviour,,",
        "def,2023-01,Metropolitan Police Service,Metropolitan Police Service,-0.68,50.79,"
        "On or near Fletcher Way,E01031444,Arun 016B,Other theft,Under investigation,",
    ]
    report = check("\n".join([header, *rows]) + "\n", "2023-01-metropolitan-street.csv",
                   kind="crime")
    assert report.rows_accepted == 1
    assert report.accepted.iloc[0]["crime_type"] == "Other theft"
    assert reasons(report) == {3: imp.NO_LOCATION, 4: imp.OUTSIDE}
    assert "LSOA name" in report.columns.ignored


# --------------------------------------------------------------------- hostile input


CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2023-09-24", "24/09/2023", "45193", "51.6", "-0.2", "NW4 4AA", "=1+1",
                     "<script>alert(1)</script>", "${x}", '"', "\n", ";", ","]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(st.sampled_from(["date", "latitude", "longitude", "easting", "northing",
                                     "postcode", "category", "kind", "notes", "x", ""]),
                    min_size=1, max_size=6),
    body=st.lists(st.lists(CELLS, min_size=0, max_size=7), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_hostile_csv_files_always_get_a_complete_report(header, body, delimiter, encoding):
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(body)
    data = buffer.getvalue().encode(encoding, errors="replace")
    report = validate_file(data, "hostile.csv", kind="mixed", wards=WARDS, hash_key=KEY,
                           today=TODAY)
    assert report.error is not None or (
        report.rows_accepted + report.rows_rejected == report.rows_read
    )
    assert isinstance(report.summary(), list)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), suffix=st.sampled_from(["csv", "xlsx", "geojson", "gpkg"]))
def test_random_bytes_never_raise(data, suffix):
    report = validate_file(data, f"random.{suffix}", kind="referral", wards=WARDS,
                           hash_key=KEY, today=TODAY)
    assert report.error is not None or (
        report.rows_accepted + report.rows_rejected == report.rows_read
    )


# --------------------------------------------------------------------- command line


@pytest.fixture
def cli_settings(tmp_path):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    save_wards(WARDS, settings.wards_cache)
    return settings


def test_cli_import_exit_codes(tmp_path, cli_settings, capsys):
    good = tmp_path / "good.csv"
    good.write_text(f"date,latitude,longitude\n2023-09-24,{LAT0},{LON0}\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,latitude,longitude\nsometime,1,2\n")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")

    assert main(["import", str(good), "--kind", "referral", "--dry-run"], cli_settings) == 0
    assert "Dry run: nothing was stored" in capsys.readouterr().out
    assert Store(cli_settings.database_url).list_datasets() == []

    report = tmp_path / "report.csv"
    assert main(["import", str(bad), "--kind", "referral", "--report", str(report)],
                cli_settings) == 1
    assert "unreadable date" in report.read_text()
    assert main(["import", str(junk), "--kind", "referral"], cli_settings) == 2
    assert main(["import", str(tmp_path / "missing.csv"), "--kind", "referral"],
                cli_settings) == 2
    assert "does not exist" in capsys.readouterr().err

    assert main(["import", str(good), "--kind", "referral", "--by", "analyst@x"],
                cli_settings) == 0
    store = Store(cli_settings.database_url)
    [dataset] = store.list_datasets()
    assert (dataset.rows_read, dataset.rows_accepted, dataset.imported_by) == (1, 1, "analyst@x")
    assert store.read_audit()["action"].tolist() == ["import"]


def test_demo_file_round_trip(tmp_path, cli_settings):
    out = tmp_path / "demo.csv"
    assert main(["demo", "--records", "500", "--out", str(out)], cli_settings) == 0
    assert main(["import", str(out), "--kind", "mixed"], cli_settings) == 0
    store = Store(cli_settings.database_url)
    assert store.is_synthetic() and len(store.load_records()) == 500
    records = store.load_records()
    assert set(records[KIND]) == {"referral", "outreach"}
    assert np.issubdtype(records[DATE].dtype, np.datetime64)


def test_venues_keep_their_names_and_need_a_location():
    text = (
        "Venue,Postcode,Latitude,Longitude\n"
        "St Mary's Church,NW4 4AA,,\n"
        f"Night shelter,,{LAT0},{LON0}\n"
        "Nowhere,,,\n"
    )
    report = imp.read_venues(text.encode(), "venues.csv", wards=WARDS)
    assert report.accepted["name"].tolist() == ["St Mary's Church", "Night shelter"]
    assert reasons(report) == {4: imp.NO_LOCATION}


# --------------------------------------------------------------------- double counting


def _rows(*cells: str, header="date,latitude,longitude,category") -> str:
    return header + "\n" + "\n".join(cells) + "\n"


def _store_file(store, text, name="first.csv", **kwargs):
    report = check(text, name, store=store, **kwargs)
    return imp.store_report(store, report, imported_by="tester"), report


def test_exact_repeats_without_an_id_are_rejected_within_the_file():
    a = f"2023-09-24,{LAT0},{LON0},labour"
    b = f"2023-09-25,{LAT0},{LON0},labour"
    child = f"2023-09-24,{LAT0},{LON0},labour,child"
    report = check(_rows(a + ",", b + ",", a + ",", child, header=(
        "date,latitude,longitude,category,age")))
    assert reasons(report) == {4: imp.REPEAT_IN_FILE}  # row 5 differs in its age group
    assert report.rows_accepted == 3
    kept = check(_rows(a, a), keep_repeats=True)
    assert kept.rows_accepted == 2 and kept.rows_rejected == 0


def test_rows_with_ids_are_told_apart_by_their_ids_not_their_content():
    a = f"2023-09-24,{LAT0},{LON0},labour"
    report = check(_rows(f"{a},A-1", f"{a},A-2", f"{a},A-1",
                         header="date,latitude,longitude,category,case id"))
    assert reasons(report) == {4: imp.DUPLICATE_IN_FILE}


def test_reimporting_a_fixed_file_adds_only_new_rows_or_replaces_the_dataset():
    store = Store("sqlite://")
    good = [f"2023-09-{d},{LAT0},{LON0},labour" for d in (11, 12, 13)]
    first_id, first = _store_file(store, _rows(*good, f"2023-09-14,{LON0},{LAT0},labour"))
    assert first.rows_accepted == 3 and reasons(first) == {5: imp.SWAPPED}

    fixed = _rows(*good, f"2023-09-14,{LAT0},{LON0},labour")
    again = check(fixed, "fixed.csv", store=store)
    assert again.overlaps == {first_id: 3}
    assert reasons(again) == {2: imp.REPEAT_STORED, 3: imp.REPEAT_STORED, 4: imp.REPEAT_STORED}
    assert again.rows_accepted == 1
    assert any(f"3 row(s) of this file are already stored in dataset {first_id}" in line
               for line in again.summary())
    imp.store_report(store, again, imported_by="tester")
    assert len(store.load_records()) == 4  # the three good rows once, the fixed row once

    store2 = Store("sqlite://")
    old_id, _ = _store_file(store2, _rows(*good))
    keys_before = store2.load_records(["date", "record_key"]).sort_values("date")
    replace = check(fixed, "fixed.csv", store=store2, replacing=old_id)
    assert replace.rows_accepted == 4 and replace.rows_rejected == 0
    assert replace.overlaps == {old_id: 3}
    assert any(f"Dataset {old_id} will be replaced" in line for line in replace.summary())
    new_id = imp.store_report(store2, replace, imported_by="tester")
    assert [d.id for d in store2.list_datasets()] == [new_id]
    after = store2.load_records(["date", "record_key"]).sort_values("date")
    assert len(after) == 4
    # the records that stayed keep their release keys: replacing releases the same figures
    assert after["record_key"].tolist()[:3] == keys_before["record_key"].tolist()
    audit = store2.read_audit()
    assert f'"replaced_dataset_id": {old_id}' in audit["details"].iloc[0]


def test_ids_match_stored_records_in_the_dataset_they_came_from():
    store = Store("sqlite://")
    text = _rows(f"2023-09-24,{LAT0},{LON0},A-1", f"2023-09-25,{LAT0},{LON0},A-2",
                 header="date,latitude,longitude,case id")
    first_id, _ = _store_file(store, text)
    other = _rows(f"2023-09-26,{LAT5},{LON5},A-2", f"2023-09-27,{LAT5},{LON5},A-3",
                  header="date,latitude,longitude,case id")
    report = check(other, store=store)
    assert report.overlaps == {first_id: 1} and reasons(report) == {2: imp.DUPLICATE_STORED}


def test_a_recognised_swap_can_be_fixed_in_place():
    text = _rows(f"2023-09-24,{LON5},{LAT5},labour")
    refused = check(text)
    assert reasons(refused) == {2: imp.SWAPPED} and refused.swapped == 1
    assert any("--fix-swapped" in note for note in refused.notes)
    fixed = check(text, fix_swapped=True)
    assert fixed.rows_accepted == 1 and fixed.swapped_fixed
    assert fixed.accepted[WARD_CODE].tolist() == [BARNET_WARD_CODES[5]]
    assert any("swapped back in 1 row(s)" in note for note in fixed.notes)


def test_rejected_rows_file_carries_values_to_fix_never_identifiers_and_is_formula_safe():
    text = (
        "Date,Latitude,Longitude,Exploitation type,Full Name,Notes,Team colour\n"
        f"sometime,{LAT0},{LON0},=HYPERLINK(\"http://x\"),Jane Doe,seen at the car wash,red\n"
        f"2023-09-24,,{LON0},labour,John Roe,,blue\n"
        f"2023-09-24,{LAT0},{LON0},labour,Ann Poe,,green\n"
    )
    report = check(text)
    csv_text = report.to_csv().decode()
    for dropped in ("Jane Doe", "John Roe", "car wash", "Full Name", "Notes", "red", "blue"):
        assert dropped not in csv_text
    table = pd.read_csv(io.BytesIO(report.to_csv()), dtype=str, keep_default_na=False)
    assert table.columns.tolist() == ["row", "reason", "column", "Date", "Latitude",
                                      "Longitude", "Exploitation type"]
    first, second = table.iloc[0], table.iloc[1]
    assert first["Exploitation type"] == "'=HYPERLINK(\"http://x\")"
    assert first["Longitude"] == f"{LON0}"  # a negative number stays a number
    assert (second["Latitude"], second["column"]) == ("", "")
    assert "None" not in csv_text and "nan" not in csv_text
    shown = report.rejected_rows()
    assert not shown.isna().any().any() and "None" not in shown.astype(str).to_numpy()

    # fix the two rows in the file and import it again: both go in
    fixed = table.drop(columns=["row", "reason", "column"])
    fixed.loc[0, "Date"], fixed.loc[0, "Exploitation type"] = "2023-09-24", "sexual"
    fixed.loc[1, "Latitude"] = f"{LAT5}"
    again = check(fixed.to_csv(index=False), "fixed.csv")
    assert again.rows_accepted == 2 and again.rows_rejected == 0


def test_excel_blank_cells_never_read_none():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "latitude", "longitude", "category", "source"])
    sheet.append([dt.datetime(2023, 9, 24), LAT0, LON0, None, None])
    sheet.append([dt.datetime(2023, 9, 25), None, LON0, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = check(buffer.getvalue(), "records.xlsx")
    assert report.accepted[CATEGORY].tolist() == ["not known"]
    assert report.fallbacks == {}
    table = report.rejected_rows()
    assert table.iloc[0][["column", "latitude", "category", "date"]].tolist() == [
        "", "", "", "2023-09-25"]
    assert "None" not in "\n".join(report.summary()) + report.to_csv().decode()


def test_cli_asks_before_storing_rows_already_stored(tmp_path, cli_settings, capsys):
    first = tmp_path / "first.csv"
    first.write_text(_rows(f"2023-09-24,{LAT0},{LON0},labour"))
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(_rows(f"2023-09-24,{LAT0},{LON0},labour",
                           f"2023-09-25,{LON5},{LAT5},labour"))
    assert main(["import", str(first), "--kind", "referral"], cli_settings) == 0
    capsys.readouterr()
    assert main(["import", str(fixed), "--kind", "referral", "--fix-swapped"],
                cli_settings) == 1
    out = capsys.readouterr().out
    assert "already stored in dataset 1" in out and "--only-new" in out and "--replace 1" in out
    store = Store(cli_settings.database_url)
    assert len(store.list_datasets()) == 1
    assert main(["import", str(fixed), "--kind", "referral", "--fix-swapped", "--only-new"],
                cli_settings) == 0
    assert len(store.load_records()) == 2
    assert main(["import", str(fixed), "--kind", "referral", "--fix-swapped",
                 "--replace", "2"], cli_settings) == 0
    assert [d.id for d in store.list_datasets()] == [3, 1]
    assert len(store.load_records()) == 2  # dataset 1's row stays there, left out of 3
    assert main(["import", str(fixed), "--kind", "referral", "--replace", "9"],
                cli_settings) == 2
    assert "There is no dataset 9" in capsys.readouterr().err


@pytest.mark.parametrize("key", [b"k", b"k" * 64, b"k" * 65, bytes(range(200))])
def test_source_id_hashes_are_hmac_sha256_of_the_cleaned_id(key):
    import hashlib
    import hmac

    ids = pd.Series([" ab-1 ", None, "", "x", "ÄÖ", 7])
    cleaned = ["AB-1", None, None, "X", "ÄÖ", "7"]
    expected = [hmac.new(key, c.encode(), hashlib.sha256).hexdigest() if c else None
                for c in cleaned]
    assert imp.hash_source_id(ids, key).tolist() == expected


def test_plain_csv_is_read_as_the_record_reader_reads_it():
    # A file without quotes goes through pandas' C parser, one with quotes record by
    # record: the same rows, values and row numbers (blank lines skipped, still counted).
    from geodata import readers

    limits = load_settings().import_limits
    plain = "\n date ,category,x\n\n2023-01-02,labour, 1 \n  , ,\n2023-01-03, sexual ,\n"
    assert readers._split_plain(plain, ",", "a.csv", limits) is not None
    quoted = plain.replace("labour", '"labour"')
    assert readers._split_plain(quoted, ",", "b.csv", limits) is None
    a = readers.read_records(plain.encode(), "a.csv").frame
    b = readers.read_records(quoted.encode(), "b.csv").frame
    pd.testing.assert_frame_equal(a, b)
    assert a.columns.tolist() == ["date", "category", "x", "_row"]
    assert a["_row"].tolist() == [3, 5] and a["x"].tolist() == [" 1 ", ""]
    # Wide spaces make a blank line too; other non-ASCII text does not; no final break.
    wide = plain + "\u00a0,\u2003,\r\n2023-01-04,Łabour,\u00a0"
    assert readers._split_plain(wide, ",", "d.csv", limits) is not None
    c = readers.read_records(wide.encode(), "d.csv").frame
    d = readers.read_records(wide.replace("labour", '"labour"').encode(), "e.csv").frame
    pd.testing.assert_frame_equal(c, d)
    assert c["_row"].tolist() == [3, 5, 7] and c["category"].tolist()[-1] == "Łabour"
    # a cell longer than the reader's blocks
    long = "x" * 3_000_000
    e = readers.read_records((plain + f"2023-01-05,{long},2\n").encode(), "f.csv").frame
    assert e["category"].tolist()[-1] == long and e["_row"].tolist()[-1] == 6
    ragged = plain + "2023-01-04,labour\n"
    assert readers._split_plain(ragged, ",", "c.csv", limits) is None
    assert readers.read_records(ragged.encode(), "c.csv").broken == [
        (6, "has 2 fields where the header has 3")]
