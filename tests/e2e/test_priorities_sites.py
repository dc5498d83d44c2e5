"""The Priorities page in a real browser on planted data: a new site goes where outreach is not.

Two busy clusters: the west one (toy ward 8) has more referrals but outreach already works
there; the east one (toy ward 11) has fewer referrals and no outreach. With one site to
recommend, the page must put it in the east, say what it adds to today's outreach, and name
places by ward and postcode sector, with the wards named on the map.
"""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from geodata.wards import save_wards
from tests.e2e.conftest import ROOT, AtlasServer
from tests.e2e.test_map_page import ARTIFACTS, FOLIUM_IFRAME, map_frame, rerun
from tests.helpers import toy_wards, ward_centre

WEST, EAST = 7, 10  # toy ward positions: "Toy Ward 8" and "Toy Ward 11"


def planted_rows() -> list[str]:
    rows = []
    wx, wy = ward_centre(WEST)
    ex, ey = ward_centre(EAST)
    for i in range(40):  # every row differs in place or day: none is a duplicate
        day = 4 + i % 14
        rows.append(f"referral,2023-09-{day:02d},{wx + 7 * (i % 6) - 20:.0f},"
                    f"{wy + 9 * (i // 6) - 30:.0f},Forced labour")
    for i in range(30):
        day = 4 + i % 14
        rows.append(f"referral,2023-09-{day:02d},{ex + 7 * (i % 6) - 20:.0f},"
                    f"{ey + 9 * (i // 6) - 25:.0f},Forced labour")
    for i in range(240):  # outreach in the west only, at many nearby places
        day = 4 + i % 14
        rows.append(f"outreach,2023-09-{day:02d},{wx + 11 * (i % 15) - 80:.0f},"
                    f"{wy + 11 * (i // 15) - 80:.0f},Patrol")
    return rows


@pytest.fixture(scope="module")
def planted_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("atlas-sites")
    save_wards(toy_wards(), home / "wards.geojson")
    records = home / "planted.csv"
    records.write_text("kind,date,easting,northing,category\n" + "\n".join(planted_rows())
                       + "\n")
    env = {"ATLAS_HOME": str(home), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "geodata", "import", str(records), "--kind", "mixed",
         "--by", "e2e"], cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    server = AtlasServer(home)
    yield server
    server.stop()


def test_one_new_site_goes_to_the_busy_unserved_cluster(planted_server, page):
    page.set_default_timeout(900_000)  # first visit: the hot-spot kernels compile (slow under load)
    page.goto(f"{planted_server.url}/priorities")
    try:
        page.get_by_text("Recommended sites", exact=True).first.wait_for()
    finally:
        page.screenshot(path=str(ARTIFACTS / "priorities-sites-first.png"), full_page=True)
    sites = page.get_by_label("Sites to recommend (K)")
    sites.fill("1")
    with rerun(page):
        sites.press("Enter")
    headline = page.get_by_text(re.compile(r"^Today's outreach reaches about \d+ % of "
                                           r"referrals; 1 new site would add about \d+ %\.$"))
    headline.wait_for()
    served, added = map(int, re.findall(r"(\d+) %", headline.inner_text()))
    assert added >= 25 and served >= 40  # the east's referrals; the west's, served already

    table = page.locator('[data-testid="stTable"]').last
    where = table.locator("tbody tr").first.locator("td").nth(0).inner_text()
    # named by its ward and a postcode sector, and it is the east cluster's ward
    assert re.match(r"Toy Ward 11 · [A-Z]{1,2}\d{1,2} \d", where), where
    assert "cell at" not in where

    # the gap and its parts are on the page
    page.get_by_text(re.compile(r"Ordered by gap = referrals − served by outreach nearby"))\
        .first.wait_for()

    frame = map_frame(page, FOLIUM_IFRAME)
    markers = frame.locator('[aria-label^="Recommended site"]')
    markers.first.wait_for()
    labels = frame.locator(".atlas-ward-label")
    expect(labels).to_have_count(24)
    assert "Toy Ward 11" in labels.all_inner_texts()
    page.screenshot(path=str(ARTIFACTS / "priorities-sites.png"), full_page=True)
