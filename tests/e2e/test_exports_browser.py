"""Exports in a real browser: each download button, and the HTML snapshot offline."""

import datetime as dt
import io
import json
import sqlite3

import pandas as pd
from PIL import Image
from playwright.sync_api import expect

import exports
from analysis.dataset import build_atlas_data
from analysis.filters import Filters
from exports.html import render_html
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.release import snap_to_weeks
from tests.e2e.test_map_page import ARTIFACTS, OUTREACH_FILL, open_expander, rerun, ward_paths
from tests.helpers import toy_wards, with_record_keys


def test_html_snapshot_draws_the_wards_with_the_network_blocked(browser, tmp_path):
    wards = toy_wards()
    geography = build_geography(wards)
    records = with_record_keys(generate_demo(wards, n_records=800).records)
    data = build_atlas_data(wards, records, synthetic=True, version="h", geomask_key=b"k",
                            geography=geography)
    view = exports.prepare_snapshot(
        data, Filters(window=snap_to_weeks(dt.date(2023, 1, 2), dt.date(2024, 3, 31))))
    path = tmp_path / "snapshot.html"
    path.write_bytes(render_html(view, geography))

    context = browser.new_context()
    context.set_offline(True)
    requested = []

    def block(route):
        requested.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.goto(path.as_uri())
    areas = page.locator(f'path.leaflet-interactive:not([fill="{OUTREACH_FILL}"])')
    areas.first.wait_for()
    assert areas.count() == 24
    assert all(u.startswith("file://") for u in requested)
    page.screenshot(path=str(ARTIFACTS / "html-snapshot-offline.png"))
    context.close()


def test_each_download_button(atlas_server, page):
    page.goto(f"{atlas_server.url}/?wards=E05013630,E05013631")
    assert ward_paths(page, 2) == 2
    open_expander(page, "Export this view")
    page.get_by_role("button", name="Prepare the downloads").click()
    page.get_by_role("button", name="Download PNG").wait_for(timeout=120_000)
    files = {}
    for fmt in exports.FORMATS:
        button = page.get_by_role("button", name=f"Download {fmt.upper()}")
        expect(button).to_have_count(1)  # while a rerun replaces the buttons, both show
        with rerun(page), page.expect_download() as info:  # its audit entry reruns the page
            button.click()
        download = info.value
        assert download.suggested_filename.endswith(f".{fmt}")
        files[fmt] = download.path().read_bytes()
    assert Image.open(io.BytesIO(files["png"])).size == (2338, 1653)  # A4 at 200 dpi
    assert files["pdf"].startswith(b"%PDF")
    assert b"SYNTHETIC DEMO DATA" in files["html"] and b"<script src=" not in files["html"]
    table = pd.read_csv(io.BytesIO(files["csv"]), dtype=str)
    assert table["Ward"].tolist() == ["Toy Ward 3", "Toy Ward 4"]
    collection = json.loads(files["geojson"])
    assert len(collection["features"]) == 2
    page.screenshot(path=str(ARTIFACTS / "export-panel.png"), full_page=True)
    with sqlite3.connect(atlas_server.home / "atlas.sqlite") as db:  # every rerun has ended
        exported = [r[0] for r in db.execute("select what from audit_log where action='export'")]
    assert set(exports.FORMATS) <= set(exported)
