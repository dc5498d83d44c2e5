"""A planner's journey across pages in a real browser: the filters stay, in the widgets, the
figures and the URL, through the sidebar's page links and the browser's Back; the map is
one named tab stop."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.test_map_page import (
    kpis,
    map_frame,
    pick_option,
    rerun,
    wait_until_idle,
    ward_paths,
)

WARD_3, WARD_4 = "E05013630", "E05013631"
CAMPAIGN = "18 Sep 2023 – 1 Oct 2023"
MAP_NAME = "Map of Barnet wards: referrals and outreach"


@pytest.fixture(autouse=True)
def patient(page):
    """Whole-page runs on a loaded two-core machine can pass 30 s."""
    page.set_default_timeout(90_000)


def settle(page):
    """Wait for the page's run to finish (a page change runs the whole script)."""
    wait_until_idle(page, timeout=240_000)


def query(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query, keep_blank_values=True).items()}


def caption_text(page) -> str:
    page.wait_for_selector('[data-testid="stCaptionContainer"]')
    text = " ".join(c.inner_text() for c in page.query_selector_all(
        '[data-testid="stMain"] [data-testid="stCaptionContainer"]'))
    return text.replace("\u2060", "")  # the word joiners that keep Markdown inert


def chosen(page, label: str) -> list[str]:
    """The chosen options of a sidebar multiselect, by its label."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(
        has_text=label)
    tags = box.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]:visible')
    return [t.get_attribute("aria-label") for t in tags.all()]


def go(page, title: str, path: str):
    """Click a sidebar page link; return when the new page's run has begun and finished."""
    with rerun(page, timeout=240_000):  # armed before the click: an idle page is not "done"
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.wait_for_url(
        lambda url: urlsplit(url).path in (f"/{path}", "/" if path == "map" else None))
    settle(page)  # the address changes during the new page's run: wait for its end too


def back(page):
    """The browser's Back; return when the run it starts has begun and finished."""
    with rerun(page, timeout=240_000):
        page.go_back()


def assert_same_filters(page, expected_query: dict, *, wards: list[str]):
    # The run has finished, so its view is in the URL: no waiting for it.
    assert query(page) == expected_query, page.url
    assert page.get_by_role("combobox", name="Dates").input_value() == "Campaign week"
    assert chosen(page, "Wards") == wards
    assert chosen(page, "Referral types") == ["labour"]
    assert page.get_by_role("checkbox", name="Referrals").is_checked()
    assert page.get_by_role("checkbox", name="Outreach").is_checked()
    text = caption_text(page)  # the page's own description of what it computed on
    assert CAMPAIGN in text and "referral categories: labour" in text
    for ward in wards:
        assert ward in text


def test_filters_follow_the_planner_across_pages_and_back(atlas_server, page):
    page.goto(atlas_server.url)
    assert ward_paths(page, 24) == 24
    pick_option(page, "Dates", "Campaign week")
    pick_option(page, "Wards", "Toy Ward 3")
    pick_option(page, "Referral types", "labour")
    assert ward_paths(page, 1) == 1
    on_map = kpis(page)
    planned = query(page)
    assert planned == {"dates": "campaign-week", "wards": WARD_3, "rcat": "labour"}

    go(page, "Priorities", "priorities")
    page.get_by_role("heading", name="Priorities: where outreach should go next").wait_for()
    assert_same_filters(page, planned, wards=["Toy Ward 3"])

    go(page, "Trends", "trends")
    assert_same_filters(page, planned, wards=["Toy Ward 3"])

    go(page, "Map", "map")
    assert_same_filters(page, planned, wards=["Toy Ward 3"])
    assert ward_paths(page, 1) == 1 and kpis(page) == on_map

    # A change on the Map is seen by the next page, and Back undoes it.
    pick_option(page, "Wards", "Toy Ward 4")
    assert ward_paths(page, 2) == 2
    both = query(page)
    assert both["wards"] == f"{WARD_3},{WARD_4}"
    go(page, "Trends", "trends")
    assert_same_filters(page, both, wards=["Toy Ward 3", "Toy Ward 4"])

    # Trends -> the Map with both wards: the page link left no history entry of Trends
    # without the filters (it did when the view reached the browser after the new address).
    back(page)
    assert urlsplit(page.url).path in ("/", "/map"), page.url
    assert_same_filters(page, both, wards=["Toy Ward 3", "Toy Ward 4"])
    assert ward_paths(page, 2) == 2

    back(page)  # -> the Map before Toy Ward 4 was added
    assert_same_filters(page, planned, wards=["Toy Ward 3"])
    assert ward_paths(page, 1) == 1 and kpis(page) == on_map


def test_typed_custom_dates_apply_without_leaving_the_field(atlas_server, page):
    page.goto(f"{atlas_server.url}/?dates=custom&from=2023-08-01&to=2023-10-31")
    assert ward_paths(page, 24) == 24
    page.get_by_role("spinbutton", name="day, From").click()
    page.keyboard.type("04092023")  # no Enter, no click elsewhere: focus stays in the field
    page.wait_for_url(lambda url: "from=2023-09-04" in url)
    assert query(page) == {"dates": "custom", "from": "2023-09-04", "to": "2023-10-31"}
    settle(page)
    assert caption_text(page).startswith("4 Sep 2023 – ")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "year, From"


def test_typed_custom_dates_survive_a_page_link_clicked_at_once(atlas_server, page):
    page.goto(f"{atlas_server.url}/?dates=custom&from=2023-08-01&to=2023-10-31")
    assert ward_paths(page, 24) == 24
    page.get_by_role("spinbutton", name="day, To").click()
    page.keyboard.type("24092023")
    go(page, "Trends", "trends")
    assert urlsplit(page.url).path == "/trends"
    assert query(page) == {"dates": "custom", "from": "2023-08-01", "to": "2023-09-24"}
    assert page.get_by_role("spinbutton", name="day, To").inner_text() == "24"


def test_trends_without_records_says_so(atlas_server, page):
    page.goto(f"{atlas_server.url}/trends?rcat=organ harvesting&kinds=referral&dates=campaign-week"
              f"&wards={WARD_3}")
    settle(page)
    page.get_by_text("nothing to chart").wait_for()
    assert "0.000000" not in page.locator('[data-testid="stMain"]').inner_text()


def focus_description(page) -> str:
    return page.evaluate(
        """() => {
            const a = document.activeElement;
            if (a.tagName !== 'IFRAME') return 'page:' + a.tagName;
            const inner = a.contentDocument && a.contentDocument.activeElement;
            if (!inner) return 'map:';
            return 'map:' + inner.tagName + '.' + (inner.getAttribute('class') || '');
        }"""
    )


@pytest.mark.parametrize("layer", ["wards", "grid-500"])
def test_the_map_is_a_few_tab_stops_and_named(atlas_server, page, layer):
    page.goto(f"{atlas_server.url}/?layer={layer}")
    frame = map_frame(page)
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
    areas = frame.locator("path.leaflet-interactive").count()
    assert areas >= 24
    # Every area is out of the tab order (Leaflet's focus listeners made each one a stop).
    assert frame.locator("path.leaflet-interactive:not([tabindex='-1'])").count() == 0
    names = page.evaluate("[...document.querySelectorAll('iframe')].map(f => f.title)")
    assert MAP_NAME in names and not any("live_map" in name for name in names)
    assert page.get_by_title(MAP_NAME).count() == 1  # a frame's name is its title

    page.get_by_role("switch", name="Taller map").focus()  # the control just before the map
    presses, inside = 0, []
    while True:
        page.keyboard.press("Tab")
        presses += 1
        where = focus_description(page)
        if not where.startswith("map:"):
            break
        inside.append(where)
        assert presses <= 10, f"still in the map after {presses} Tab presses: {inside[-3:]}"
    assert inside, "Tab never reached the map"
    assert inside[0].startswith("map:DIV.leaflet-container")  # the map itself: arrow keys pan
    assert presses <= 5, inside
