"""Every release of data and every change to it leaves an entry in the audit log."""

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import exports
from dashboard.export_panel import PANEL
from geodata.cli import main
from geodata.schema import BARNET_WARD_CODES
from geodata.settings import load_settings
from geodata.store import Store
from geodata.wards import save_wards
from tests.helpers import geojson_bytes, toy_ward_layer, toy_wards
from tests.test_importer import LAT0, LON0

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def entries(settings) -> list[dict]:
    log = Store(settings.database_url).read_audit()
    return [
        {"user": r.user, "action": r.action, "what": r.what, **json.loads(r.details)}
        for r in log.iloc[::-1].itertuples()
    ]


def test_preparing_the_downloads_audits_every_file_without_a_click(atlas_home):
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[PANEL] = True  # the export panel is drawn only while open
    at.run()
    assert not at.exception
    at.button(key="x_prepare").click().run()
    assert not at.exception
    assert at.download_button(key="x_download_pdf")  # prepared, so served under /media/
    log = entries(load_settings())
    assert [e["what"] for e in log] == list(exports.FORMATS)
    for entry in log:
        assert entry["action"] == "export" and entry["user"] == "local user"
        assert entry["role"] == "admin"
        assert "all wards" in entry["filters"] and entry["file"].endswith(entry["what"])
        assert entry["marking"].startswith("OFFICIAL-SENSITIVE")


@pytest.fixture
def cli_settings(tmp_path):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    save_wards(toy_wards(), settings.wards_cache)
    return settings


def ward_csv(tmp_path, name="figures.csv", value=100) -> Path:
    path = tmp_path / name
    path.write_text("code,value\n" + "".join(f"{c},{value}\n" for c in BARNET_WARD_CODES))
    return path


def test_cli_ward_figures_are_audited(tmp_path, cli_settings):
    assert main(["population", "--from", str(ward_csv(tmp_path)), "--by", "ana@x"],
                cli_settings) == 0
    assert main(["indicator", "Born in Romania", str(ward_csv(tmp_path, value=7))],
                cli_settings) == 0
    assert entries(cli_settings) == [
        {"user": "ana@x", "action": "import", "what": "ward figures: population",
         "source": "figures.csv", "wards": 24, "command": "population"},
        {"user": "command line", "action": "import", "what": "ward figures: Born in Romania",
         "source": "figures.csv", "wards": 24, "command": "indicator"},
    ]


def test_cli_ward_boundaries_are_audited(tmp_path, cli_settings):
    layer = tmp_path / "wards.geojson"
    layer.write_bytes(geojson_bytes(toy_ward_layer()))
    assert main(["wards", "--from", str(layer), "--by", "admin@x"], cli_settings) == 0
    assert main(["wards", "--ensure"], cli_settings) == 0  # nothing changes, nothing logged
    assert entries(cli_settings) == [
        {"user": "admin@x", "action": "wards", "what": "ward boundaries",
         "source": str(layer), "wards": 24, "command": "wards"},
    ]


def test_cli_imports_are_audited_and_dry_runs_and_demo_files_are_not(tmp_path, cli_settings):
    good = tmp_path / "good.csv"
    good.write_text(f"date,latitude,longitude\n2023-09-24,{LAT0},{LON0}\n")
    assert main(["import", str(good), "--kind", "referral", "--dry-run"], cli_settings) == 0
    assert main(["demo", "--records", "50", "--out", str(tmp_path / "demo.csv")],
                cli_settings) == 0
    assert entries(cli_settings) == []
    assert main(["import", str(good), "--kind", "referral", "--by", "ana@x"], cli_settings) == 0
    [entry] = entries(cli_settings)
    assert (entry["user"], entry["action"], entry["what"]) == ("ana@x", "import", "good.csv")


def test_the_rejected_rows_file_is_audited_once_when_prepared(atlas_home):
    from tests.test_app import run_app, upload_csv

    at = run_app()
    at.switch_page("screens/data.py").run()
    at.file_uploader(key="import_file").upload(
        "referrals.csv", upload_csv(["not a date,51.6,-0.2,labour"]), "text/csv"
    )
    at.run()
    at.run()  # a second rerun prepares the same file again: still one entry
    assert not at.exception
    log = [e for e in entries(load_settings()) if e["what"] == "rejected rows"]
    assert len(log) == 1
    assert log[0]["action"] == "export" and log[0]["file"] == "referrals.csv"
    assert log[0]["rows"] == 1


def test_boundaries_set_on_the_set_up_page_are_audited(tmp_path, monkeypatch):
    from tests.test_app import run_app

    monkeypatch.setenv("ATLAS_HOME", str(tmp_path / "empty"))
    monkeypatch.setenv("ATLAS_GEOMASK_KEY", "test-key")
    at = run_app()
    good = toy_ward_layer().to_json().encode()
    at.file_uploader(key="setup_upload").upload("barnet.geojson", good, "application/json")
    at.run()
    at.button(key="setup_use_file").click().run()
    assert not at.exception
    log = [e for e in entries(load_settings()) if e["action"] == "wards"]
    assert len(log) == 1
    assert log[0]["source"] == "upload: barnet.geojson" and log[0]["wards"] == 24
