"""Markdown in a link or in stored names: shown as text, never a link or an image fetched."""

from urllib.parse import urlencode

import pandas as pd
import pytest

from geodata.schema import BARNET_WARD_CODES
from geodata.settings import load_settings
from geodata.store import Store
from geodata.wards import save_wards
from tests.e2e.conftest import AtlasServer
from tests.helpers import toy_wards

TRAP = "127.0.0.1:9"  # the discard port: nothing should ever ask it for anything
IMAGE = f"![x](http://{TRAP}/x.png)"
LINK = f"[sign in again](http://{TRAP}/login)"


@pytest.fixture(scope="module")
def markdown_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("markdown")
    save_wards(toy_wards(), home / "wards.geojson")
    values = pd.DataFrame({"ward_code": list(BARNET_WARD_CODES), "value": range(24)})
    Store(load_settings({"ATLAS_HOME": str(home)}).database_url).save_ward_figures(
        LINK, values, role="indicator", source=IMAGE
    )
    server = AtlasServer(home)
    yield server
    server.stop()


def trap_elements(page) -> int:
    return sum(
        frame.locator(f'a[href*="{TRAP}"], img[src*="{TRAP}"]').count() for frame in page.frames
    )


def test_markdown_in_the_link_and_the_store_stays_text(markdown_server, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    query = urlencode({"ind": LINK, "wards": IMAGE, "dates": LINK, "kinds": IMAGE})
    page.goto(f"{markdown_server.url}/?{query}")
    # the stored indicator's name, in the map's credits, shows as the literal text
    page.get_by_text("[sign in again](http", exact=False).first.wait_for()
    page.get_by_text("in the link", exact=False).first.wait_for()
    page.wait_for_load_state("networkidle")
    notices = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert sum("in the link" in n for n in notices) == 3
    assert not any(TRAP in n or "sign in" in n for n in notices)  # nothing echoed
    assert trap_elements(page) == 0
    assert [url for url in requests if TRAP in url] == []


def test_out_of_range_dates_in_a_link_fall_back_with_a_notice(markdown_server, page):
    query = urlencode({"dates": "custom", "from": "0001-01-01", "to": "9999-12-31"})
    page.goto(f"{markdown_server.url}/?{query}")
    outcome = page.locator(
        '[data-testid="stAlert"]:has-text("outside the data"), [data-testid="stException"]'
    )
    outcome.first.wait_for()
    page.locator('.atlas-kpi-value').first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlert"]:has-text("outside the data")').count() == 1
