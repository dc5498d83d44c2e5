"""A viewer's page and briefing pack show outreach per ward only, never masked points."""

import io

import pytest
from pypdf import PdfReader

from geodata.wards import save_wards
from tests.e2e.conftest import AtlasServer
from tests.e2e.test_map_page import open_expander, rerun, wait_until_idle, ward_paths
from tests.helpers import toy_wards

MASKED = "location masked"


@pytest.fixture(scope="module")
def viewer_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("viewer-home")
    save_wards(toy_wards(), home / "wards.geojson")
    server = AtlasServer(home, {"ATLAS_LOCAL_ROLE": "viewer"})
    yield server
    server.stop()


def test_a_viewers_map_and_pdf_pack_have_no_outreach_points(viewer_server, page):
    page.goto(f"{viewer_server.url}/?wards=E05013630,E05013631")
    assert ward_paths(page, 2) == 2
    assert "viewer role" in page.content()
    assert MASKED not in page.content()  # the legend speaks of outreach per ward
    open_expander(page, "Export this view")
    with rerun(page):
        page.get_by_text("PDF: a page for each selected ward").click()
    page.get_by_role("button", name="Prepare the downloads").click()
    button = page.get_by_role("button", name="Download PDF")
    button.wait_for(timeout=120_000)
    wait_until_idle(page)
    with page.expect_download() as info:
        button.click()
    reader = PdfReader(io.BytesIO(info.value.path().read_bytes()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) >= 5  # map, figures, priorities, notes, and the ward pages
    assert "per ward" in text
    assert MASKED not in text
