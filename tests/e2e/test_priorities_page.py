"""The Priorities page in a real browser: recommended sites and hot spots on the map."""

from playwright.sync_api import expect

from dashboard.classes import HOTSPOT_COLOURS
from tests.e2e.test_map_page import ARTIFACTS, map_frame


def test_recommended_sites_are_on_the_map(atlas_server, page):
    page.set_default_timeout(120_000)  # the first visit compiles the hot-spot kernels
    page.goto(f"{atlas_server.url}/priorities")
    page.get_by_text("Recommended sites", exact=True).first.wait_for()
    frame = map_frame(page)
    sites = frame.locator('[aria-label^="Recommended site"]')
    expect(sites).to_have_count(5, timeout=120_000)
    assert sorted(sites.all_inner_texts()) == ["1", "2", "3", "4", "5"]
    hot = frame.locator(f'path.leaflet-interactive[fill="{HOTSPOT_COLOURS[3]}"]')  # 99 % hot
    assert hot.count() > 0
    page.screenshot(path=str(ARTIFACTS / "priorities.png"), full_page=True)
