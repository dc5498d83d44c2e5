"""Importing a CSV in the browser and seeing it on the map."""

import re

import pytest

from geodata.projection import to_lonlat
from geodata.settings import load_settings
from geodata.store import Store
from geodata.wards import save_wards
from tests.e2e.conftest import GEOMASK_KEY, AtlasServer
from tests.e2e.test_map_page import ARTIFACTS, kpis, rerun, wait_until_idle, ward_paths
from tests.helpers import plausible_release, released_referral_total, toy_wards, ward_centre


@pytest.fixture
def fresh_server(tmp_path):
    save_wards(toy_wards(), tmp_path / "wards.geojson")
    server = AtlasServer(tmp_path)
    yield server
    server.stop()


def test_upload_confirm_and_see_it_on_the_map(fresh_server, page, tmp_path):
    lon, lat = map(float, to_lonlat(*ward_centre(8)))
    # All in one ISO week (so in one released cell, whatever the bins' alignment), at
    # points a few metres apart (rows repeating date, place and type would be refused).
    rows = [f"2023-09-{11 + i % 7:02d},{lat + i * 1e-4:.6f},{lon:.6f},Forced labour,Jane Doe"
            for i in range(17)]
    path = tmp_path / "referrals.csv"
    path.write_text("Date,Latitude,Longitude,Exploitation type,Name\n" + "\n".join(rows) + "\n")

    page.goto(f"{fresh_server.url}/data")
    page.get_by_text("CSV, Excel, GeoJSON or GeoPackage").wait_for(timeout=120_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(path)
    )
    # escaped text may carry an invisible word joiner after the colon (no autolinks)
    page.get_by_text(re.compile(r"Dropped, never stored \(identifying\):\W*'Name'")).wait_for()
    assert kpis(page)[:3] == ["17", "17", "0"]
    page.get_by_role("button", name="Store 17 rows").click()
    page.get_by_text("referrals.csv is stored as dataset 1").wait_for()
    # the file cannot be stored twice: the button goes once the rerun has finished
    page.get_by_role("button", name="Store 17 rows").wait_for(state="detached")
    page.screenshot(path=str(ARTIFACTS / "data-stored.png"), full_page=True)

    page.goto(f"{fresh_server.url}/map?kinds=referral")
    assert ward_paths(page, 24) == 24
    wait_until_idle(page)
    referrals, outreach, wards = kpis(page)
    # 17 referrals in one cell, released with a small adjustment (the records' own keys)
    assert referrals == released_referral_total(fresh_server.home, GEOMASK_KEY)
    assert plausible_release(17, int(referrals))
    assert wards == "1 of 24"
    assert "SYNTHETIC DEMO DATA" not in page.content()


def _datasets(server) -> dict[int, tuple[str, int]]:
    store = Store(load_settings({"ATLAS_HOME": str(server.home)}).database_url)
    return {d.id: (d.name, d.rows_accepted) for d in store.list_datasets()}


def _upload(page, path):
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(
        str(path)
    )


def test_a_fixed_file_adds_only_new_rows_or_replaces_its_dataset(fresh_server, page, tmp_path):
    lon, lat = to_lonlat(*ward_centre(3))
    good = [f"2023-09-{d:02d},{lat:.6f},{lon:.6f},Forced labour" for d in range(11, 16)]
    swapped = f"2023-09-20,{lon:.6f},{lat:.6f},Forced labour"
    header = "Date,Latitude,Longitude,Exploitation type\n"
    first = tmp_path / "first.csv"
    first.write_text(header + "\n".join([*good, swapped]) + "\n")
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(header + "\n".join([*good, swapped]) + "\n")

    page.goto(f"{fresh_server.url}/data")
    # the first run builds the demo data: slow on a loaded machine
    page.get_by_text("CSV, Excel, GeoJSON or GeoPackage").wait_for(timeout=120_000)
    _upload(page, first)
    page.get_by_role("button", name="Store 5 rows").click()
    page.get_by_text("first.csv is stored as dataset 1").wait_for()

    # the same rows again, the swapped one now read the right way round
    _upload(page, fixed)
    page.get_by_text(re.compile("5 row\\(s\\) of this file are already stored in dataset 1"))\
        .wait_for()
    assert kpis(page)[:3] == ["6", "0", "6"]
    page.get_by_text("Swap latitude and longitude back in the 1 row(s)").click()
    page.get_by_text("Latitude and longitude were swapped back in 1 row(s)").wait_for()
    store = page.get_by_role("button", name="Store 1 rows")
    assert store.is_disabled()  # nothing is stored until the overlap is decided
    with rerun(page):
        page.get_by_text("Add only the new rows (1)").click()
    page.get_by_role("button", name="Store 1 rows").click()
    page.get_by_text("fixed.csv is stored as dataset 2").wait_for()
    assert _datasets(fresh_server) == {1: ("first.csv", 5), 2: ("fixed.csv", 1)}

    # once more, this time in place of dataset 1: its five rows and the fixed one
    again = tmp_path / "again.csv"
    again.write_text(fixed.read_text())
    _upload(page, again)
    page.get_by_text(re.compile("already stored in dataset 1")).wait_for()
    with rerun(page):
        page.get_by_text("Swap latitude and longitude back in the 1 row(s)").click()
    page.get_by_text(re.compile(r"Replace dataset 1 \(first\.csv, 5 of this file")).click()
    page.get_by_text("Dataset 1 will be replaced").wait_for()
    # the fixed row is in dataset 2, which stays: it is left out
    page.get_by_role("button", name="Replace dataset 1 with 5 rows").click()
    page.get_by_text("again.csv is stored as dataset 3 in place of dataset 1").wait_for()
    page.screenshot(path=str(ARTIFACTS / "data-replaced.png"), full_page=True)
    assert _datasets(fresh_server) == {3: ("again.csv", 5), 2: ("fixed.csv", 1)}
