"""Importing a CSV in the browser and seeing it on the map."""

import re

import pytest

from geodata.projection import to_lonlat
from geodata.wards import save_wards
from tests.e2e.conftest import GEOMASK_KEY, AtlasServer
from tests.e2e.test_map_page import ARTIFACTS, kpis, wait_until_idle, ward_paths
from tests.helpers import plausible_release, released_referral_total, toy_wards, ward_centre


@pytest.fixture
def fresh_server(tmp_path):
    save_wards(toy_wards(), tmp_path / "wards.geojson")
    server = AtlasServer(tmp_path)
    yield server
    server.stop()


def test_upload_confirm_and_see_it_on_the_map(fresh_server, page, tmp_path):
    lon, lat = map(float, to_lonlat(*ward_centre(8)))
    rows = [f"2023-09-{d:02d},{lat:.6f},{lon:.6f},Forced labour,Jane Doe" for d in range(11, 28)]
    path = tmp_path / "referrals.csv"
    path.write_text("Date,Latitude,Longitude,Exploitation type,Name\n" + "\n".join(rows) + "\n")

    page.goto(f"{fresh_server.url}/data")
    page.get_by_text("CSV, Excel, GeoJSON or GeoPackage").wait_for()
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
    # 17 referrals, released with a small adjustment (the stored records' own keys)
    assert referrals == released_referral_total(fresh_server.home, GEOMASK_KEY)
    assert plausible_release(17, int(referrals))
    assert wards == "1 of 24"
    assert "SYNTHETIC DEMO DATA" not in page.content()
