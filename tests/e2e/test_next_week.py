"""The Next week section of the Priorities page in a real browser."""

from dashboard.next_week import CATEGORY_COLOURS
from tests.e2e.test_map_page import ARTIFACTS, FOLIUM_IFRAME

HOT_FILLS = tuple(c for name, c in CATEGORY_COLOURS.items() if name.endswith("hot spot"))


def folium_frame_with(page, selector: str):
    """Return the map frame (of several on the page) in which ``selector`` matches, once one does.

    The component's frames are served from the app's own origin, so the page can look into
    them; the wait follows the page's default timeout.
    """
    iframe = page.wait_for_function(
        """([frames, selector]) => [...document.querySelectorAll(frames)].find(
            (f) => f.contentDocument?.querySelector(selector)) ?? null""",
        arg=[FOLIUM_IFRAME, selector],
    )
    return iframe.as_element().content_frame()


def test_next_week_shows_the_summary_the_emerging_layer_and_the_hit_rate_curve(
    atlas_server, page
):
    page.set_default_timeout(180_000)  # the first visit compiles kernels and runs backtests
    page.goto(f"{atlas_server.url}/priorities")
    page.get_by_role("heading", name="Next week").wait_for()
    # the summary: what to look at, and how accurate such maps have been here
    page.get_by_text("In the last", exact=False).first.wait_for()
    body = page.inner_text("body")
    assert "Next week, look first at" in body or "No ward is both" in body
    assert "PAI about" in body
    # the emerging hot-spot layer: cells coloured by their category, named in the legend
    selector = ", ".join(f'path.leaflet-interactive[fill="{c}"]' for c in HOT_FILLS)
    frame = folium_frame_with(page, selector)
    assert frame.locator(selector).count() > 0
    page.get_by_text("Emerging hot spots (4-week periods)", exact=True).wait_for()
    # the table with place names, and the hit-rate curve (an image)
    page.get_by_text("Emerging hot spots: wards (4-week periods)").wait_for()
    page.get_by_text("How accurate this kind of map has been here").wait_for()
    curve = page.locator('[data-testid="stImage"] img, [data-testid="stPyplot"] img')
    curve.first.wait_for()
    assert curve.count() >= 1
    page.screenshot(path=str(ARTIFACTS / "next_week.png"), full_page=True)
