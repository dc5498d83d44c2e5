"""The Map page in a real browser: wards drawn, filters, URL state, privacy, accessibility."""

import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from dashboard.context_layers import INDICATOR_COLOUR
from dashboard.maps import CRIME_COLOUR, OUTREACH_COLOUR
from geodata.demo import generate_demo
from geodata.projection import to_lonlat
from geodata.schema import KIND, X, Y
from tests.e2e.accessibility import WCAG_AA, serious_axe_violations
from tests.e2e.conftest import DEMO_RECORDS, ROOT
from tests.helpers import toy_wards

OUTREACH_FILL = OUTREACH_COLOUR
SYMBOL_FILLS = (OUTREACH_COLOUR, CRIME_COLOUR, INDICATOR_COLOUR)  # drawn as symbols, not areas
ARTIFACTS = ROOT / "tests" / "artifacts"
MAP_IFRAME = 'iframe[src*="dashboard.maps.live.live_map"]'  # the Map page's live map
FOLIUM_IFRAME = 'iframe[src*="streamlit_folium.st_folium"]'  # the other pages' maps
WAIT_MS = 30_000  # for expect(), which does not follow the page's default timeout

# Streamlit marks its app root with the script's state: "initial", "running",
# "rerunRequested" or "notRunning" (idle, every element of the run delivered).
_APP = 'document.querySelector(\'[data-testid="stApp"]\')'
_IDLE = f"() => {{ const app = {_APP}; return app?.dataset.testScriptState === 'notRunning'; }}"
_ARM = "() => { window.__atlasArmedAt = window.__wsReceived; }"
# A rerun has answered once messages came after arming, the app is idle, and nothing more
# has come for a while (a rerun can be over before the page ever shows it "running").
_RERUN_DONE = f"""(quiet) => window.__wsReceived > window.__atlasArmedAt
    && Date.now() - window.__wsLastAt > quiet && ({_IDLE})()"""


def wait_until_idle(page, timeout: float | None = None) -> None:
    """Wait until the app's script has finished its run (timeout: the page's default)."""
    page.wait_for_function(_IDLE, timeout=timeout)


@contextmanager
def rerun(page, timeout: float | None = None, quiet_ms: int = 300):
    """Wait, after the block's action, for the rerun(s) it starts to finish.

    ``quiet_ms``: how long no message must have come; longer where one run starts another
    (the map reporting its view after the export switch is turned on).
    """
    wait_until_idle(page, timeout)  # a run still going would end and look like ours
    page.evaluate(_ARM)
    yield
    page.wait_for_function(_RERUN_DONE, arg=quiet_ms, timeout=timeout, polling=50)


def open_expander(page, label: str) -> None:
    """Open a section the Map page draws only while it is open, and wait for its run."""
    with rerun(page):
        page.get_by_text(label, exact=True).click()


def map_frame(page, iframe: str = MAP_IFRAME):
    """Return a map component's frame once it has loaded the component's page."""
    frame = page.wait_for_selector(iframe).content_frame()
    frame.wait_for_url(re.compile("live_map|st_folium"))  # at once when already there
    return frame


def ward_paths(page, expected: int) -> int:
    """Wait until the map shows the expected number of area polygons; return the count."""
    symbols = "".join(f':not([fill="{fill}"])' for fill in SYMBOL_FILLS)
    areas = map_frame(page).locator(f"path.leaflet-interactive{symbols}")
    expect(areas).to_have_count(expected, timeout=WAIT_MS)
    return areas.count()


KPI_VALUES = '.atlas-kpi-value, [data-testid="stMetricValue"]'  # the Map's row, the import's


def kpis(page) -> list[str]:
    page.wait_for_selector(KPI_VALUES)
    return [e.inner_text() for e in page.query_selector_all(KPI_VALUES)]


def pick_option(page, label: str, option: str):
    with rerun(page):
        page.get_by_role("combobox", name=label).click()
        page.get_by_role("option", name=option, exact=True).click()
        page.keyboard.press("Escape")


def test_map_page_draws_wards_and_follows_filters(atlas_server, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(atlas_server.url)
    assert ward_paths(page, 24) == 24
    before = kpis(page)
    # the masked outreach points are drawn above the areas, not washed out under them
    points = map_frame(page).locator(".leaflet-atlasPoints-pane canvas")
    expect(points).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "map-default.png"), full_page=True)

    pick_option(page, "Dates", "Campaign week")
    assert ward_paths(page, 24) == 24
    campaign = kpis(page)
    assert campaign != before
    assert "dates=campaign-week" in page.url

    pick_option(page, "Wards", "Toy Ward 3")
    pick_option(page, "Wards", "Toy Ward 4")
    assert ward_paths(page, 2) == 2
    assert kpis(page) != campaign
    query = parse_qs(urlsplit(page.url).query)
    assert query["wards"] == ["E05013630,E05013631"] and query["dates"] == ["campaign-week"]
    page.screenshot(path=str(ARTIFACTS / "map-filtered.png"), full_page=True)

    # the link reopens the same view
    shared = page.url
    fresh = page.context.new_page()
    fresh.on("request", lambda r: requests.append(r.url))
    fresh.goto(shared)
    assert ward_paths(fresh, 2) == 2
    assert kpis(fresh) == kpis(page)
    assert fresh.get_by_role("combobox", name="Dates").input_value() == "Campaign week"
    fresh.close()

    # with the basemap off nothing is asked of any host but the app's own
    hosts = {urlsplit(u).netloc for u in requests if u.startswith("http")}
    assert hosts == {urlsplit(atlas_server.url).netloc}


def test_table_and_export_form_are_drawn_when_opened_and_keep_what_was_typed(atlas_server,
                                                                           page):
    page.goto(f"{atlas_server.url}/?wards=E05013630,E05013631")
    assert ward_paths(page, 2) == 2
    table = page.locator('[data-testid="stTable"]')
    notes = page.get_by_label("Notes for the briefing (printed in the PDF and the HTML)")
    assert table.count() == 0 and notes.count() == 0  # closed: not drawn on a filter click

    open_expander(page, "Figures shown on the map, as a table")
    expect(table.locator("tbody tr")).to_have_count(2)
    assert "Toy Ward 3" in table.inner_text() and "Toy Ward 4" in table.inner_text()

    open_expander(page, "Export this view")
    with rerun(page):
        notes.fill("Night shift at the car wash")
        notes.press("Control+Enter")
    open_expander(page, "Export this view")  # closed again: the form is gone from the page
    expect(notes).to_have_count(0)
    pick_option(page, "Dates", "Campaign week")
    open_expander(page, "Export this view")
    expect(notes).to_have_value("Night shift at the car wash")  # nothing typed is lost
    switch = page.get_by_role("switch", name="Use the map's current view for exports")
    with rerun(page, quiet_ms=1500):  # the switch's run, then the map's report of its view
        page.get_by_text("Use the map's current view for exports").click()  # its label
    expect(switch).to_be_checked()
    open_expander(page, "Export this view")
    open_expander(page, "Export this view")
    expect(switch).to_be_checked()  # the switch, too, is as it was left


def area_fills(frame) -> list[str]:
    symbols = "".join(f':not([fill="{fill}"])' for fill in SYMBOL_FILLS)
    return frame.locator(f"path.leaflet-interactive{symbols}").evaluate_all(
        "paths => paths.map(p => p.getAttribute('fill'))")


def test_a_filter_click_restyles_the_map_the_planner_has(atlas_server, page):
    page.goto(atlas_server.url)
    assert ward_paths(page, 24) == 24
    frame = map_frame(page)
    box = frame.locator("#map")
    scale = frame.locator(".leaflet-control-scale-line").first  # metric
    wide = scale.inner_text()
    frame.get_by_role("button", name="Zoom in").click()
    expect(scale).not_to_have_text(wide, timeout=WAIT_MS)
    zoomed = scale.inner_text()
    frame.evaluate("() => document.querySelectorAll('path.leaflet-interactive')"
                   ".forEach(p => { p.dataset.kept = 'yes'; })")
    fills, renders = area_fills(frame), box.get_attribute("data-renders")

    pick_option(page, "Dates", "Campaign week")
    expect(box).not_to_have_attribute("data-renders", renders, timeout=WAIT_MS)
    assert area_fills(frame) != fills  # new classes...
    # ...on the same elements of the same map, at the zoom the planner chose
    assert frame.locator("path.leaflet-interactive:not([data-kept])").count() == 0
    assert scale.inner_text() == zoomed

    # Panning tells the server nothing (no rerun) until exports are to follow the view.
    page.evaluate(_ARM)
    frame.get_by_role("button", name="Zoom out").click()
    page.wait_for_timeout(1500)
    assert page.evaluate("() => window.__wsReceived === window.__atlasArmedAt")
    open_expander(page, "Export this view")
    with rerun(page, quiet_ms=1500):  # the switch's run, then the map's report of its view
        page.get_by_text("Use the map's current view for exports").click()
    with rerun(page):  # each move now reports the map's bounds
        frame.get_by_role("button", name="Zoom in").click()


def referral_locations():
    demo = generate_demo(toy_wards(), n_records=DEMO_RECORDS)
    refs = demo.records[demo.records[KIND] == "referral"]
    lon, lat = to_lonlat(refs[X].to_numpy(), refs[Y].to_numpy())
    return refs, lon, lat


@pytest.mark.parametrize("layer", ["wards", "grid-250"])
def test_no_referral_coordinate_reaches_the_browser(atlas_server, page, layer):
    received: list[bytes] = []

    def on_ws(ws):
        ws.on("framereceived", lambda payload: received.append(
            payload if isinstance(payload, bytes) else payload.encode()
        ))

    page.on("websocket", on_ws)
    page.on("response", lambda r: received.append(r.body()) if r.ok else None)
    page.goto(f"{atlas_server.url}/?layer={layer}")
    if layer == "wards":
        assert ward_paths(page, 24) == 24
    else:  # thousands of cells are drawn on a canvas
        map_frame(page).locator(".leaflet-overlay-pane canvas").first.wait_for()
    received.append(page.content().encode())
    received.append(map_frame(page).content().encode())
    text = b"\n".join(received).decode("latin-1")
    pairs = {
        (float(a), float(b)) for a, b in re.findall(r"\[(-?\d+\.\d+), (-?\d+\.\d+)\]", text)
    }
    assert pairs, "the scan found no coordinates at all: it is not looking at the map payload"
    refs, lon, lat = referral_locations()
    for decimals in (4, 5, 6):
        leaked = set(zip(np.round(lon, decimals), np.round(lat, decimals), strict=True)) & pairs
        assert not leaked, f"referral locations in the browser: {sorted(leaked)[:3]}"
    # British National Grid pairs (easting 5xxxxx, northing 1xxxxx) next to each other
    grid_pairs = {
        (round(float(e)), round(float(n)))
        for e, n in re.findall(r"\b(5\d{5}(?:\.\d+)?)\D{1,4}(1\d{5}(?:\.\d+)?)\b", text)
    }
    true_pairs = set(zip(np.round(refs[X]).astype(int), np.round(refs[Y]).astype(int), strict=True))
    assert not grid_pairs & true_pairs


def test_map_page_and_its_map_have_no_serious_accessibility_violations(atlas_server, page):
    page.goto(atlas_server.url)
    assert ward_paths(page, 24) == 24
    serious = serious_axe_violations(page)
    assert not serious, "\n".join(serious)
    # inside the map's frame too (Leaflet's own markup; WCAG 2.2 left out there)
    serious = serious_axe_violations(map_frame(page), tags=WCAG_AA[:4])
    assert not serious, "\n".join(serious)


def test_keyboard_reaches_the_filters(atlas_server, page):
    page.goto(atlas_server.url)
    assert ward_paths(page, 24) == 24
    seen = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => document.activeElement && (document.activeElement.getAttribute('aria-label')"
            " || document.activeElement.innerText || '').trim()"
        )
        seen.add(label)
    assert {"Dates", "Wards"} <= {s.split("\n")[0] for s in seen if s} | seen

