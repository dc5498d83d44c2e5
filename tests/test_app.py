"""The pages, driven through Streamlit's AppTest (no browser)."""

import html
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geodata.escaping import escape_markdown
from geodata.projection import to_lonlat
from geodata.schema import BARNET_WARD_CODES
from tests.helpers import (
    geojson_bytes,
    http_server,
    plausible_release,
    released_referral_total,
    toy_ward_layer,
)

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
TIMEOUT = 60


def run_app(query=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if query:
        at.query_params.update(query)
    at.session_state["x_figures_open"] = True  # the Map page's table, drawn only when open
    return at.run()


def shows_figures(at: AppTest) -> bool:
    """Whether the run drew any figures: the Map page's KPI row or an st.metric."""
    return bool(at.metric) or any("atlas-kpi-value" in e.proto.body for e in at.get("html"))


def metric(at: AppTest, label: str) -> str:
    """A figure by its label: the Map page's KPI row (one HTML element) or an st.metric."""
    for element in at.get("html"):
        found = re.search(rf"<dt>{re.escape(label)}</dt><dd class=\"atlas-kpi-value\">([^<]*)<",
                          element.proto.body)
        if found:
            return html.unescape(found.group(1))
    return next(m.value for m in at.metric if m.label == label)


def test_map_page_renders_demo_data(atlas_home):
    at = run_app()
    assert not at.exception
    assert any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    assert any("Local single-user mode" in i.value for i in at.info)
    assert metric(at, "Outreach activities").replace(",", "").isdigit()
    referrals = metric(at, "Referrals")
    assert referrals == released_referral_total(atlas_home, "test-key")  # released
    assert not 1 <= int(referrals.replace(",", "")) <= 4
    table = at.table[0].value
    assert len(table) == 24 and table.index.name == "Ward"
    assert list(table.columns) == ["Referrals", "Outreach activities"]


def test_filters_change_the_figures_and_the_url(atlas_home):
    at = run_app()
    before = metric(at, "Outreach activities")
    at.multiselect(key="f_wards").set_value(list(BARNET_WARD_CODES[:2])).run()
    assert not at.exception
    assert len(at.table[0].value) == 2
    assert metric(at, "Outreach activities") != before
    assert at.query_params["wards"] == ",".join(BARNET_WARD_CODES[:2])
    at.selectbox(key="f_preset").set_value("campaign week").run()
    assert at.query_params["dates"] == "campaign-week"
    assert any("18 Sep 2023 – 1 Oct 2023" in c.value for c in at.caption)


def test_url_restores_the_view(atlas_home):
    at = run_app({"dates": "campaign-week", "wards": BARNET_WARD_CODES[5], "kinds": "referral",
                  "layer": "grid-500"})
    assert not at.exception
    assert at.selectbox(key="f_preset").value == "campaign week"
    assert at.multiselect(key="f_wards").value == [BARNET_WARD_CODES[5]]
    assert at.checkbox(key="f_kind_outreach").value is False
    assert at.radio(key="f_layer").value == "grid-500"
    assert metric(at, "Outreach activities") == "not shown"
    assert list(at.dataframe[0].value.columns) == ["Cell", "Referrals"]


def test_invalid_url_values_fall_back_with_a_notice(atlas_home):
    at = run_app({"dates": "tomorrow", "wards": "E00000000"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "unknown date preset" in notices and "unknown ward code" in notices
    assert "tomorrow" not in notices and "E00000000" not in notices  # a link is not quoted
    assert at.selectbox(key="f_preset").value == "all dates"


def test_no_kinds_selected_explains(atlas_home):
    at = run_app()
    at.checkbox(key="f_kind_referral").uncheck()
    at.checkbox(key="f_kind_outreach").uncheck().run()
    assert not at.exception
    assert any("Choose referrals, outreach or both" in i.value for i in at.info)


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    home = tmp_path / "empty"
    monkeypatch.setenv("ATLAS_HOME", str(home))
    monkeypatch.setenv("ATLAS_GEOMASK_KEY", "test-key")
    return home


def test_setup_page_when_there_are_no_boundaries(empty_home):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Ward boundaries"
    assert any("needs Barnet's 24 ward boundaries" in w.value for w in at.warning)


def test_setup_page_offline_says_what_is_missing_why_and_how_to_fix(empty_home, monkeypatch):
    from tests.e2e.conftest import free_port

    refused = f"http://127.0.0.1:{free_port()}/query?where=LAD24CD%3D%27E09000003%27&f=geojson"
    monkeypatch.setenv("ONS_WARDS_URL", refused)  # nothing listens there: connection refused
    at = run_app()
    assert not at.exception
    assert "The map needs Barnet's 24 ward boundaries" in at.warning[0].value
    steps = " ".join(m.value for m in at.markdown)
    assert "Wards (December 2022)" in steps and "E09000003" in steps
    assert "make run WARDS_FILE=path/to/barnet_wards.geojson" in steps
    assert refused in steps  # the exact address to open on a machine with internet access
    assert at.file_uploader(key="setup_upload")  # and the place to upload the file
    at.button(key="setup_fetch").click().run()
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("The ward boundaries could not be downloaded.")
    assert "could not be reached" in error.value  # why
    assert "make run WARDS_FILE=" in error.value and "upload it below" in error.value
    assert not (empty_home / "wards.geojson").exists()


def test_setup_page_download_failure_and_success(empty_home, monkeypatch):
    with http_server(lambda path: (500, b"")) as base:
        at = run_app()
        at.text_input(key="setup_url").set_value(f"{base}/query")
        at.button(key="setup_fetch").click().run()
    assert not at.exception
    assert "HTTP 500" in at.error[0].value
    assert not (empty_home / "wards.geojson").exists()

    with http_server(lambda path: (200, geojson_bytes(toy_ward_layer("24")))) as base:
        at.text_input(key="setup_url").set_value(f"{base}/query")
        at.button(key="setup_fetch").click().run()
    assert not at.exception
    assert (empty_home / "wards.geojson").exists()
    at = run_app()
    assert not at.exception and len(at.table[0].value) == 24


def upload_csv(lines: list[str]) -> bytes:

    from tests.helpers import ward_centre

    lon, lat = map(float, to_lonlat(*ward_centre(3)))
    body = [f"2023-09-{day:02d},{lat},{lon},labour" for day in range(18, 30)]
    return ("date,latitude,longitude,category\n" + "\n".join(body + lines) + "\n").encode()


def test_data_page_dry_run_store_and_delete(atlas_home):
    at = run_app()
    at.switch_page("screens/data.py").run()
    assert not at.exception
    at.file_uploader(key="import_file").upload(
        "referrals.csv", upload_csv(["not a date,51.6,-0.2,labour"]), "text/csv"
    )
    at.run()
    assert not at.exception
    assert metric(at, "Accepted") == "12" and metric(at, "Rejected") == "1"
    assert at.dataframe[0].value["Reason"].tolist() == [
        "unreadable date (use 2023-09-24, 24/09/2023 or an Excel date)"
    ]
    assert at.download_button(key="import_report_download")  # the report can be downloaded
    assert cache_store_datasets(atlas_home) == 0  # the dry run stored nothing

    at.button(key="import_confirm").click().run()
    assert not at.exception
    assert any("is stored as dataset 1" in s.value for s in at.success)
    assert "import_confirm" not in [b.key for b in at.button]  # no second store
    assert cache_store_datasets(atlas_home) == 1

    at.switch_page("screens/map.py").run()
    assert not at.exception
    assert not any("SYNTHETIC DEMO DATA" in w.value for w in at.warning)
    referrals = metric(at, "Referrals")  # 12 referrals, released with a small adjustment
    assert referrals == released_referral_total(atlas_home, "test-key")
    assert plausible_release(12, int(referrals))
    assert metric(at, "Outreach activities") == "0"

    at.switch_page("screens/data.py").run()
    at.checkbox(key="delete_confirm").check().run()
    at.button(key="delete_button").click().run()
    assert not at.exception
    assert cache_store_datasets(atlas_home) == 0


def cache_store_datasets(home) -> int:
    from geodata.store import Store

    return len(Store(f"sqlite:///{home / 'atlas.sqlite'}").list_datasets())


def test_priorities_page_through_its_parameters(atlas_home):
    at = run_app()
    at.switch_page("screens/priorities.py").run(timeout=120)
    assert not at.exception
    assert any("Today's outreach reaches about" in m.value and "5 new sites would add" in m.value
               for m in at.markdown)
    # the Next week section's tables come first: take the ward ranking by its columns
    wards = next(d.value for d in at.dataframe if "Rank" in d.value.columns)
    assert list(wards.columns)[:6] == ["Rank", "Ward", "Gap", "Referrals", "Outreach nearby",
                                       "Served by outreach nearby"]
    assert [1, 2, 3, 4, 5] in [t.value.index.tolist() for t in at.table]
    for cell in (250, 1000):
        at.select_slider(key="p_cell").set_value(cell).run(timeout=120)
        assert not at.exception
        assert f"Grid cells ({cell} m), most in need first" in [s.value for s in at.subheader]
    at.slider(key="p_radius").set_value(800).run(timeout=120)
    at.number_input(key="p_sites").set_value(2).run(timeout=120)
    assert not at.exception and len(at.table[0].value) == 2
    at.radio(key="p_layer").set_value("Smoothed surface").run(timeout=120)
    at.checkbox(key="p_own_bw").check().run(timeout=120)
    assert not at.exception


def test_priorities_with_uploaded_venues(atlas_home):
    at = run_app()
    at.switch_page("screens/priorities.py").run(timeout=120)
    venues = "venue,postcode\nHendon Town Hall,NW4 4AA\nNowhere,ZZ9 9ZZ\n"
    at.file_uploader(key="p_venues").upload("venues.csv", venues.encode(), "text/csv")
    at.run(timeout=120)
    assert not at.exception
    assert any("Choosing among 1 venues" in c.value for c in at.caption)
    # the venue's own name, then its ward and the sector of the nearest postcode
    assert re.fullmatch(r"Hendon Town Hall · Toy Ward \d+ · NW4 \d",
                        at.table[0].value["Where"].tolist()[0])


def test_trends_page(atlas_home):
    at = run_app()
    at.switch_page("screens/trends.py").run(timeout=60)
    assert not at.exception
    # the campaign verdict: one sentence per comparison, rates per week in a table
    verdict = " ".join(m.value for m in at.markdown)
    assert "Outreach activities per week in Barnet rose from about" in verdict
    assert verdict.count("per week in Barnet") == 4
    (rates,) = [d.value for d in at.dataframe if "Area" in d.value.columns]
    assert list(rates["Area"]) == ["Barnet", "Barnet"]
    assert rates.iloc[:, 2:].map(lambda v: v.startswith("about ")).all().all()
    at.radio(key="t_kind").set_value("outreach").run()
    at.multiselect(key="t_categories").set_value(["patrol"]).run()
    assert not at.exception
    at.selectbox(key="t_second").set_value("4 weeks before the campaign").run()
    assert any("two different periods" in i.value for i in at.info)
    at.selectbox(key="t_second").set_value("4 weeks after the campaign").run()
    table = at.dataframe[-1].value
    assert len(table) == 24 and "Change in neighbouring wards" in table.columns


def test_setup_page_upload(empty_home):
    at = run_app()
    at.file_uploader(key="setup_upload").upload("wards.geojson", b"{not json", "application/json")
    at.run()
    at.button(key="setup_use_file").click().run()
    assert not at.exception
    error = at.error[0].value
    assert "could not be read" in error and escape_markdown("wards.geojson") in error
    good = toy_ward_layer().to_json().encode()
    at.file_uploader(key="setup_upload").set_value(("wards.geojson", good, "application/json"))
    at.run()
    at.button(key="setup_use_file").click().run()
    assert not at.exception
    assert (empty_home / "wards.geojson").exists()
