"""Hostile text in every field that reaches the browser: nothing runs, exports are neutralised."""

import io

import pandas as pd
import pytest
from playwright.sync_api import expect

from geodata.cli import main as geodata_cli
from geodata.projection import to_lonlat
from geodata.settings import load_settings
from geodata.wards import save_wards
from tests.e2e.conftest import AtlasServer
from tests.e2e.test_map_page import map_frame, open_expander, rerun, wait_until_idle, ward_paths
from tests.helpers import toy_wards, ward_centre

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
    "${window.__pwned=1}",
    '=HYPERLINK("http://x","y")',
]


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("hostile")
    wards = toy_wards()
    for i, payload in enumerate(PAYLOADS):
        wards.loc[i, "ward_name"] = payload
    save_wards(wards, home / "wards.geojson")
    settings = load_settings({"ATLAS_HOME": str(home)})
    lon, lat = map(float, to_lonlat(*ward_centre(1)))
    crime = home / "crime.csv"
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
              "LSOA name,Crime type,Last outcome category,Context")
    rows = [f'x{i},2023-09,MPS,MPS,{lon},{lat},On or near,E0,Barnet,"{p}",,'
            for i, p in enumerate(PAYLOADS[:3])]
    crime.write_text("\n".join([header, *rows]) + "\n")
    assert geodata_cli(["import", str(crime), "--kind", "crime",
                        "--name", PAYLOADS[1]], settings) == 0
    records = home / "records.csv"
    lines = [f'2023-09-{d:02d},{lat},{lon},"{PAYLOADS[d % 4]}","{PAYLOADS[(d + 1) % 4]}"'
             for d in range(4, 28)]
    records.write_text("date,latitude,longitude,category,source\n" + "\n".join(lines) + "\n")
    assert geodata_cli(["import", str(records), "--kind", "referral",
                        "--name", PAYLOADS[2]], settings) == 0
    server = AtlasServer(home)
    yield server
    server.stop()


def assert_nothing_ran(page):
    for frame in page.frames:
        assert frame.evaluate("() => window.__pwned") is None, f"script ran in {frame.url}"
        assert frame.locator('img[src="x"]').count() == 0


def test_hostile_text_never_runs(hostile_server, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/?crime=all&dates=all", "/data", "/trends", "/audit", "/priorities"):
        page.goto(hostile_server.url + path)
        # every element of the page delivered (and any script run); the first page of a
        # fresh server builds its index, which can pass 30 s on a loaded two-core machine
        wait_until_idle(page, timeout=120_000)
        if path.startswith("/?"):
            assert ward_paths(page, 24) == 24
            frame = map_frame(page)
            # hover every ward so each tooltip renders its (escaped) name
            for area in frame.locator("path.leaflet-interactive").all()[:6]:
                area.hover(force=True)
            assert "<script>" in frame.content().replace("&lt;script&gt;", "<script>")
            open_expander(page, "Figures shown on the map, as a table")  # the names again
            expect(page.locator('[data-testid="stTable"] tbody tr')).to_have_count(24)
        assert_nothing_ran(page)
    assert dialogs == []


def test_exports_neutralise_formulas(hostile_server, page):
    page.goto(hostile_server.url)
    assert ward_paths(page, 24) == 24
    open_expander(page, "Export this view")
    page.get_by_role("button", name="Prepare the downloads").click()
    page.get_by_role("button", name="Download CSV").wait_for(timeout=120_000)
    with rerun(page), page.expect_download() as info:  # its audit entry reruns the page
        page.get_by_role("button", name="Download CSV").click()
    text = info.value.path().read_text()
    wards = pd.read_csv(io.StringIO(text), dtype=str)["Ward"].tolist()
    assert "'" + PAYLOADS[3] in wards
    assert not any(w.startswith(("=", "+", "-", "@")) for w in wards)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download HTML").last.click()
    html = info.value.path().read_text()
    assert "<script>window.__pwned" not in html and "${window.__pwned" not in html
    assert_nothing_ran(page)
