"""The Priorities page in a real browser: recommended sites and hot spots on the map."""

from playwright.sync_api import expect

from analysis.classes import HOTSPOT_COLOURS
from tests.e2e.test_map_page import ARTIFACTS
from tests.e2e.test_next_week import folium_frame_with


def test_recommended_sites_are_on_the_map(atlas_server, page):
    # the first visit compiles the hot-spot kernels and works out Next week (backtests)
    page.set_default_timeout(180_000)
    page.goto(f"{atlas_server.url}/priorities")
    page.get_by_text("Recommended sites", exact=True).first.wait_for()
    # the page has two maps (Next week's emerging hot spots first): take the one with sites
    frame = folium_frame_with(page, '[aria-label^="Recommended site"]')
    sites = frame.locator('[aria-label^="Recommended site"]')
    expect(sites).to_have_count(5, timeout=120_000)
    assert sorted(sites.all_inner_texts()) == ["1", "2", "3", "4", "5"]
    hot = frame.locator(f'path.leaflet-interactive[fill="{HOTSPOT_COLOURS[3]}"]')  # 99 % hot
    assert hot.count() > 0
    page.screenshot(path=str(ARTIFACTS / "priorities.png"), full_page=True)
