"""The Priorities page in a real browser: recommended sites and hot spots on the map."""

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
    sites.first.wait_for()
    for _ in range(100):
        if sites.count() == 5:
            break
        page.wait_for_timeout(100)
    assert sites.count() == 5
    assert sorted(sites.all_inner_texts()) == ["1", "2", "3", "4", "5"]
    hot = frame.locator('path.leaflet-interactive[fill="#b2182b"]')  # hot spot, 99 %
    assert hot.count() > 0
    page.screenshot(path=str(ARTIFACTS / "priorities.png"), full_page=True)
