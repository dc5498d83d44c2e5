"""Text from links, files and the store reaches Streamlit's Markdown only escaped.

Each test drives one entry point through AppTest with a hostile value and reads the
elements that render Markdown: the value must be there only in its escaped form, so that
no link, image, heading, LaTeX or ``:color[...]`` directive is interpreted.
"""

import datetime as dt

import pandas as pd
import pytest

from geodata.escaping import escape_markdown
from geodata.schema import BARNET_WARD_CODES, WARD_NAME
from geodata.store import Store
from geodata.wards import save_wards
from tests.helpers import app_data, toy_wards
from tests.test_app import run_app, upload_csv

IMAGE = "![x](http://127.0.0.1:9/x.png)"
LINK = "[sign in again](http://127.0.0.1:9/login)"
DIRECTIVE = ":red[alarm] $x$ # heading"
RELATIVE = "![x](x.png)"  # a file name cannot hold a slash


def markdown_bodies(at) -> list[str]:
    """The text of every element that renders Markdown."""
    kinds = ("caption", "markdown", "title", "header", "subheader", "info", "warning",
             "error", "success", "toast")
    return [e.value for kind in kinds for e in at.get(kind)]


def assert_inert(at, hostile: str, *, shown: bool = True) -> None:
    """No Markdown element carries ``hostile`` raw; one carries it escaped (if ``shown``)."""
    bodies = markdown_bodies(at)
    for body in bodies:
        assert hostile not in body, body
        assert "](" not in body and "![" not in body, body
    if shown:
        assert any(escape_markdown(hostile) in body for body in bodies), bodies


def store(home) -> Store:
    return Store(f"sqlite:///{home / 'atlas.sqlite'}")


def test_hostile_url_values_are_not_echoed(atlas_home):
    at = run_app({"dates": IMAGE, "wards": LINK, "ind": LINK, "layer": DIRECTIVE,
                  "kinds": IMAGE})
    assert not at.exception
    notices = [w.value for w in at.warning if "in the link" in w.value]
    assert len(notices) == 5
    for notice in notices:
        for part in ("127", "sign in", "x.png", ":red", "red[", "alarm"):
            assert part not in notice, notice
    assert_inert(at, IMAGE, shown=False)
    assert_inert(at, LINK, shown=False)
    assert at.selectbox(key="f_preset").value == "all dates"
    assert at.radio(key="f_layer").value == "wards"


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        ("2022-12-01", "2023-12-31", ("first", dt.date(2023, 12, 31))),
        ("0001-01-01", "9999-12-31", ("first", "last")),
        ("2030-01-01", "2030-02-01", None),
        ("1900-01-01", "1900-02-01", None),
    ],
    ids=["starts-before-data", "year-1-to-9999", "after-data", "before-data"],
)
def test_link_dates_outside_the_data_fall_back_with_a_notice(atlas_home, start, end, shown):
    at = run_app({"dates": "custom", "from": start, "to": end})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "outside the data" in notices
    if shown:  # clamped to the data's span
        data = app_data(atlas_home, "test-key")
        span = {"first": data.first_day, "last": data.last_day}
        first, last = (span.get(d, d) for d in shown)
        assert at.selectbox(key="f_preset").value == "custom"
        assert escape_markdown(f"{first:%d/%m/%Y} to {last:%d/%m/%Y}") in notices
        assert (at.date_input(key="f_from").value, at.date_input(key="f_to").value) == (first, last)
    else:
        assert at.selectbox(key="f_preset").value == "all dates"


def test_hostile_indicator_name_in_the_map_credits(atlas_home):
    values = pd.DataFrame({"ward_code": list(BARNET_WARD_CODES), "value": range(24)})
    store(atlas_home).save_ward_figures(LINK, values, role="indicator", source=IMAGE)
    at = run_app({"ind": LINK})
    assert not at.exception
    assert at.selectbox(key="f_indicator").value == LINK  # the option itself is plain text
    assert_inert(at, LINK)
    assert_inert(at, IMAGE)


def test_hostile_indicator_name_stored_from_the_data_page(atlas_home):
    at = run_app()
    at.switch_page("screens/data.py").run()
    csv = "ward_code,value\n" + "".join(f"{c},{i}\n" for i, c in enumerate(BARNET_WARD_CODES))
    at.text_input(key="wf_name").set_value(DIRECTIVE + LINK)
    at.file_uploader(key="wf_indicator").upload("values.csv", csv.encode(), "text/csv")
    at.run()
    at.button(key="wf_ind_use").click().run()
    assert not at.exception
    assert any("Stored" in s.value for s in at.success)
    assert_inert(at, DIRECTIVE + LINK)


def test_hostile_file_in_the_ward_figures_error(atlas_home):
    at = run_app()
    at.switch_page("screens/data.py").run()
    at.file_uploader(key="wf_population").upload(f"{IMAGE}.csv", b"no,codes\n1,2\n", "text/csv")
    at.run()
    at.button(key="wf_pop_use").click().run()
    assert not at.exception and at.error
    assert_inert(at, IMAGE)


def test_hostile_upload_file_name_and_columns_on_the_data_page(atlas_home):
    at = run_app()
    at.switch_page("screens/data.py").run()
    body = upload_csv([]).decode().splitlines()
    body = [f"{body[0]},{LINK}", *(f"{line},x" for line in body[1:])]
    at.file_uploader(key="import_file").upload(f"{IMAGE}.csv", "\n".join(body).encode(),
                                               "text/csv")
    at.run()
    assert not at.exception
    assert_inert(at, LINK)  # the unused column is listed in the report, escaped
    at.text_input(key="import_name").set_value(DIRECTIVE)
    at.button(key="import_confirm").click().run()
    assert not at.exception
    assert any("is stored as dataset" in s.value for s in at.success)
    assert_inert(at, IMAGE)
    assert_inert(at, DIRECTIVE, shown=False)  # the dataset name is shown only in tables
    assert DIRECTIVE in at.dataframe[-1].value["Name"].tolist()


def test_unreadable_upload_quotes_its_name_escaped(atlas_home):
    at = run_app()
    at.switch_page("screens/data.py").run()
    at.file_uploader(key="import_file").upload(f"{LINK}.csv", b"\x00\x01", "text/csv")
    at.run()
    assert not at.exception and at.error
    assert_inert(at, LINK)


def test_hostile_venue_file_name_on_the_priorities_page(atlas_home):
    at = run_app()
    at.switch_page("screens/priorities.py").run(timeout=120)
    venues = "venue,postcode\nHendon Town Hall,NW4 4AA\nNowhere,ZZ9 9ZZ\n"
    at.file_uploader(key="p_venues").upload(f"{LINK}.csv", venues.encode(), "text/csv")
    at.run(timeout=120)
    assert not at.exception
    assert any("Choosing among 1 venues" in c.value for c in at.caption)
    assert_inert(at, LINK)


def test_hostile_ward_name_in_the_filter_caption(atlas_home):
    wards = toy_wards()
    wards.loc[0, WARD_NAME] = IMAGE
    save_wards(wards, atlas_home / "wards.geojson")
    at = run_app({"wards": BARNET_WARD_CODES[0]})
    assert not at.exception
    assert_inert(at, IMAGE)


def test_hostile_boundary_file_name_on_the_setup_page(tmp_path, monkeypatch):
    monkeypatch.setenv("ATLAS_HOME", str(tmp_path / "empty"))
    monkeypatch.setenv("ATLAS_GEOMASK_KEY", "test-key")
    at = run_app()
    at.file_uploader(key="setup_upload").upload(f"{RELATIVE}.geojson", b"{not json",
                                                "application/json")
    at.run()
    at.button(key="setup_use_file").click().run()
    assert not at.exception and at.error
    assert_inert(at, RELATIVE)


def test_hostile_ward_name_in_the_campaign_verdict(atlas_home):
    wards = toy_wards()
    wards.loc[0, WARD_NAME] = IMAGE
    save_wards(wards, atlas_home / "wards.geojson")
    from dashboard.sidebar import KEYS

    at = run_app()
    at.switch_page("screens/trends.py").run(timeout=60)
    at.multiselect(key=KEYS["wards"]).set_value([BARNET_WARD_CODES[0]]).run(timeout=60)
    assert not at.exception
    sentences = [m.value for m in at.markdown if "per week in" in m.value]
    assert any(f"per week in {escape_markdown(IMAGE)}" in s for s in sentences), sentences
    assert_inert(at, IMAGE)
