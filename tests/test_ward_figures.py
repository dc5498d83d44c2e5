"""Population and indicators per ward: Nomis against a local server, and CSV files."""

import pytest

from geodata.cli import main
from geodata.errors import DownloadError, ImportFileError
from geodata.schema import BARNET_WARD_CODES
from geodata.settings import load_settings
from geodata.store import Store
from geodata.ward_figures import fetch_nomis_population, read_ward_figures
from tests.helpers import http_server


def nomis_csv(codes=BARNET_WARD_CODES, breakdown=True) -> bytes:
    lines = ["DATE,GEOGRAPHY_CODE,GEOGRAPHY_NAME,C2021_RESTYPE_3_NAME,OBS_VALUE"]
    for i, code in enumerate(codes):
        lines.append(f"2021,{code},Ward {i},Total: All usual residents,{15000 + i}")
        if breakdown:
            lines.append(f"2021,{code},Ward {i},Resides in communal establishment,{10 + i}")
    return ("\n".join(lines) + "\n").encode()


def test_nomis_population_keeps_the_totals():
    with http_server(lambda path: (200, nomis_csv())) as base:
        values = fetch_nomis_population(f"{base}/api/v01/dataset/NM_2021_1.data.csv", timeout=5)
    assert len(values) == 24 and values["value"].iloc[0] == 15000


@pytest.mark.parametrize(
    ("status", "body", "match"),
    [
        (500, b"", "HTTP 500"),
        (200, b"a,b\n1,2\n", "no GEOGRAPHY_CODE, OBS_VALUE column"),
        (200, None, "did not answer"),
    ],
    ids=["http-500", "wrong-table", "timeout"],
)
def test_nomis_failures(status, body, match):
    with http_server(lambda path: (status, body)) as base:
        with pytest.raises(DownloadError, match=match):
            fetch_nomis_population(f"{base}/x.data.csv", timeout=0.5)


def test_nomis_answer_missing_wards():
    with http_server(lambda path: (200, nomis_csv(BARNET_WARD_CODES[:20]))) as base:
        with pytest.raises(DownloadError, match="4 of Barnet's wards have no figure"):
            fetch_nomis_population(f"{base}/x.data.csv", timeout=5)


def test_indicator_csv_with_any_column_names():
    body = "Ward name;Code;Born in Romania\n" + "\n".join(
        f"W{i};{c};{i * 10}" for i, c in enumerate(BARNET_WARD_CODES)
    )
    values = read_ward_figures(body.encode(), "romania.csv")
    assert values["value"].tolist()[:3] == [0, 10, 20]


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("name,value\nA,1\n", "No column holds ward codes"),
        ("code,label\nE05013628,x\n", "No column holds a number"),
        ("code,value\nE05013628,1\n", "23 of Barnet's wards have no figure"),
    ],
    ids=["no-codes", "no-numbers", "missing-wards"],
)
def test_bad_indicator_files(body, match):
    with pytest.raises(ImportFileError, match=match):
        read_ward_figures(body.encode(), "bad.csv")


def test_cli_population_and_indicator(tmp_path):
    settings = load_settings({"ATLAS_HOME": str(tmp_path)})
    with http_server(lambda path: (200, nomis_csv())) as base:
        assert main(["population", "--fetch", "--url", f"{base}/n.data.csv"], settings) == 0
    path = tmp_path / "romania.csv"
    path.write_text("code,value\n" + "\n".join(f"{c},5" for c in BARNET_WARD_CODES))
    assert main(["indicator", "Born in Romania", str(path)], settings) == 0
    stored = Store(settings.database_url).load_ward_figures()
    assert set(stored["name"]) == {"population", "Born in Romania"}
    assert main(["indicator", "x", str(tmp_path / "missing.csv")], settings) == 2
