"""Every export opened and checked: PNG, PDF, HTML, CSV, GeoJSON, and the command line."""

import datetime as dt
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.testing.compare import compare_images
from PIL import Image
from pypdf import PdfReader

import exports
from analysis.dataset import build_atlas_data
from analysis.filters import Filters
from dashboard import maps
from exports import cli, printed, tables
from exports.html import render_html
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.release import DEFAULT_POLICY, WARDS, snap_to_weeks
from geodata.schema import BARNET_WARD_CODES, KIND, X
from geodata.settings import load_settings
from geodata.store import Store
from geodata.wards import save_wards
from tests.helpers import demo_scene, http_server, toy_wards, with_record_keys

REFERENCE = Path(__file__).parent / "reference" / "snapshot-toy-wards.png"
EXPORTED_AT = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
EVERYTHING = Filters(window=snap_to_weeks(dt.date(2023, 1, 2), dt.date(2024, 3, 31)))


@pytest.fixture(scope="module")
def scene():
    shared = demo_scene(n_records=1500, seed=3, version="e")  # the reference rendering's data
    return shared.data, shared.geometry, shared.records


def snap(data, **kwargs):
    return exports.prepare_snapshot(data, EVERYTHING, exported_at=EXPORTED_AT, **kwargs)


@pytest.mark.parametrize("dpi", [60, 300], ids=["60dpi", "300dpi"])
def test_png_has_the_requested_size(scene, dpi):
    data, _, _ = scene
    png = printed.render_png(snap(data), data.geography, dpi=dpi)
    width, height = Image.open(io.BytesIO(png)).size
    assert (width, height) == (int(297 / 25.4 * dpi), int(210 / 25.4 * dpi))


def test_png_matches_the_reference_rendering(scene, tmp_path):
    data, _, _ = scene
    actual = tmp_path / "actual.png"
    actual.write_bytes(printed.render_png(snap(data), data.geography, dpi=60))
    # A missing reference fails: it is made on purpose (see tests/reference/README.md).
    assert REFERENCE.exists(), f"{REFERENCE} is missing; see tests/reference/README.md"
    assert compare_images(str(REFERENCE), str(actual), tol=2) is None


def test_png_shows_the_wards_in_their_class_colours(scene):
    data, _, _ = scene
    view = snap(data)
    image = np.asarray(Image.open(io.BytesIO(
        printed.render_png(view, data.geography, dpi=100))).convert("RGB"))
    colours = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in view.classified.colours}
    present = {tuple(p) for p in image.reshape(-1, 3)[::7]}
    # the fills are drawn at 85 % opacity over white
    blended = {tuple(round(0.85 * v + 0.15 * 255) for v in c) for c in colours}
    found = {c for c in blended if any(np.abs(np.array(c) - np.array(p)).max() <= 3
                                       for p in present)}
    assert len(found) >= len(blended) - 1


def test_png_with_a_basemap_from_a_tile_server_and_without_one(scene):
    data, _, _ = scene
    tile = io.BytesIO()
    Image.new("RGB", (256, 256), (255, 0, 255)).save(tile, format="PNG")

    def answer(path):
        return 200, tile.getvalue()

    with http_server(answer) as base:
        tiles = maps.Basemap("Local tiles", f"{base}/{{z}}/{{x}}/{{y}}.png", "Local test tiles")
        png = printed.render_png(snap(data, basemap=tiles), data.geography, dpi=60)
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    assert ((pixels[:, 0] > 200) & (pixels[:, 1] < 60) & (pixels[:, 2] > 200)).sum() > 1000
    down = maps.Basemap("Down", "http://127.0.0.1:9/{z}/{x}/{y}.png", "nobody")
    png = printed.render_png(snap(data, basemap=down), data.geography, dpi=60)
    assert Image.open(io.BytesIO(png)).size == (701, 496)  # still a clean map


def test_pdf_text_holds_filters_legend_and_attributions(scene):
    data, _, _ = scene
    view = snap(data, marking="OFFICIAL-SENSITIVE")
    ranking = pd.DataFrame({"Rank": [1], "Ward": ["Toy Ward 3"], "Why": ["about 10 referrals"]})
    pdf = printed.render_pdf(view, data.geography, priorities=ranking,
                              notes=(exports.PRIORITIES_NOTE,))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())  # long lines are wrapped on the page
    # 2 Jan 2023 - 31 Mar 2024, widened to the fixed 2-week bins holding its ends
    assert "26 Dec 2022 – 31 Mar 2024 (66 ISO weeks); all wards" in text
    for entry in view.classified.legend:
        assert entry.label in text
    assert "Open Government Licence v3.0" in text and "Crown copyright" in text
    assert "OFFICIAL-SENSITIVE — SYNTHETIC DEMO DATA" in text
    assert "Priorities: wards most in need first" in text and "about 10 referrals" in text


def test_pdf_states_the_release_rules_not_the_old_ones(scene):
    data, _, _ = scene
    pdf = printed.render_pdf(snap(data), data.geography, notes=(exports.PRIORITIES_NOTE,))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = " ".join(text.split())
    for old_rule in ("show as <5", "rounded to the nearest 5", "'c' marks"):
        assert old_rule not in text
    assert " ".join(DEFAULT_POLICY.describe()[1].split()) in text


def test_csv_holds_only_released_aggregates(scene):
    data, _, records = scene
    view = snap(data)
    table = pd.read_csv(io.BytesIO(tables.export_csv(view)), dtype=str)
    assert list(table.columns) == ["Ward code", "Ward", "Referrals", "Outreach activities",
                                   "Marking", "Filters"]
    assert len(table) == 24
    assert table["Ward code"].tolist() == list(data.geography.ward_codes)
    assert not table["Referrals"].isin([str(n) for n in range(1, 5)]).any()
    released = data.release.counts(WARDS, EVERYTHING.window)
    assert table["Referrals"].tolist() == list(released.labels)
    assert table["Marking"].str.contains("SYNTHETIC DEMO DATA").all()
    refs = records[records[KIND] == "referral"]
    text = tables.export_csv(view).decode()
    assert not any(f"{x:.1f}" in text for x in refs[X])


def test_geojson_holds_only_polygons_with_released_figures(scene):
    data, _, _ = scene
    for cell_size in (None, 500):
        collection = json.loads(tables.export_geojson(snap(data, cell_size=cell_size),
                                                        data.geography))
        kinds = {f["geometry"]["type"] for f in collection["features"]}
        assert kinds <= {"Polygon", "MultiPolygon"}
        referrals = [f["properties"]["referrals"] for f in collection["features"]]
        labels = [f["properties"]["referrals_label"] for f in collection["features"]]
        assert all(type(n) is int for n in referrals)  # numbers as numbers
        assert not set(referrals) & set(range(1, 5))
        system = WARDS if cell_size is None else cell_size
        released = data.release.counts(system, EVERYTHING.window)
        positions = snap(data, cell_size=cell_size).areas.positions
        assert referrals == [int(released.values[i]) for i in positions]
        assert labels == [released.labels[i] for i in positions]
        outreach = [f["properties"]["outreach"] for f in collection["features"]]
        assert all(type(n) is int for n in outreach)
        assert collection["marking"].endswith("SYNTHETIC DEMO DATA")
        assert "Open Government Licence" in collection["attribution"]


def test_html_is_self_contained(scene):
    data, geometry, _ = scene
    html = render_html(snap(data), data.geography).decode()
    assert "<script src=" not in html and "<link rel=\"stylesheet\" href=" not in html
    assert "L.map(" in html or "L.map (" in html or "L.map" in html
    assert "SYNTHETIC DEMO DATA" in html


def test_hostile_text_is_neutralised_in_exports(scene):
    data, _, _ = scene
    wards = data.geography.wards.copy()
    wards.loc[0, "ward_name"] = '=HYPERLINK("http://x","y")'
    wards.loc[1, "ward_name"] = "<script>alert(1)</script>"
    records = with_record_keys(generate_demo(wards, n_records=200).records)
    hostile = build_atlas_data(wards, records, synthetic=True, version="h", geomask_key=b"k")
    view = exports.prepare_snapshot(hostile, EVERYTHING, marking="${alert(1)}")
    csv_text = tables.export_csv(view).decode()
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text
    html = render_html(view, hostile.geography).decode()
    assert "<script>alert(1)" not in html and "${alert(1)}" not in html


# --------------------------------------------------------------------- command line


@pytest.fixture
def cli_settings(tmp_path):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    save_wards(toy_wards(), settings.wards_cache)
    return settings


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_cli_writes_every_format_and_audits_it(cli_settings, tmp_path, fmt):
    out = tmp_path / f"briefing.{fmt}"
    args = ["--format", fmt, "--out", str(out), "--from", "2023-09-01", "--to", "24/12/2023",
            "--wards", ",".join(BARNET_WARD_CODES[:3]), "--by", "scheduler"]
    assert cli.main(args, cli_settings) == 0
    assert out.stat().st_size > 100
    log = Store(cli_settings.database_url).read_audit()
    assert log["action"].tolist() == ["export"] and log["user"].tolist() == ["scheduler"]
    # 1 Sep 2023 falls in the bin of 21 Aug - 3 Sep (bins are fixed, from 18 Sep 2023)
    assert "21 Aug 2023 – 24 Dec 2023" in log["details"][0]


def test_cli_rejects_bad_input(cli_settings, tmp_path, capsys):
    out = tmp_path / "x.csv"
    assert cli.main(["--format", "csv", "--out", str(out), "--wards", "E05000000"],
                       cli_settings) == 2
    assert "Unknown ward code(s): E05000000" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(SystemExit):
        cli.main(["--format", "csv", "--out", str(out), "--from", "yesterday"],
                    cli_settings)


# --------------------------------------------------------------------- text drawn by matplotlib

MATH = "$x^2$ \\frac{a}{b}"


@pytest.fixture(scope="module")
def dollar_scene():
    wards = toy_wards()
    wards.loc[0, "ward_name"] = "Cost $5 $_$"
    geography = build_geography(wards)
    data = build_atlas_data(wards, with_record_keys(generate_demo(wards, n_records=300,
                                                                  seed=5).records),
                            synthetic=True, version="d", geomask_key=b"k", geography=geography)
    return data


@pytest.fixture
def no_mathtext(monkeypatch):
    from matplotlib.mathtext import MathTextParser

    def refuse(self, s, *args, **kwargs):
        raise AssertionError(f"drawn as mathematics: {s!r}")

    monkeypatch.setattr(MathTextParser, "parse", refuse)


@pytest.mark.parametrize("marking", [MATH, "a$_$b"], ids=["formula", "unparsable"])
def test_png_draws_dollars_in_the_marking_as_plain_text(dollar_scene, no_mathtext, marking):
    view = exports.prepare_snapshot(dollar_scene, EVERYTHING, marking=marking,
                                     exported_at=EXPORTED_AT)
    png = printed.render_png(view, dollar_scene.geography, dpi=60)
    assert Image.open(io.BytesIO(png)).size == (701, 496)


def test_pdf_shows_dollars_and_backslashes_literally(dollar_scene, no_mathtext):
    view = exports.prepare_snapshot(dollar_scene, EVERYTHING, marking=MATH,
                                     exported_at=EXPORTED_AT)
    ranking = pd.DataFrame({"Rank": [1], "Ward": ["Cost $5 $_$"], "Why": ["$1 $2"]})
    pdf = printed.render_pdf(view, dollar_scene.geography, priorities=ranking,
                              notes=("Spent $3 on $\\alpha$.",))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"{MATH} — SYNTHETIC DEMO DATA" in text
    assert "Cost $5 $_$" in text and "$1 $2" in text and "Spent $3 on $\\alpha$." in text


def write_reference() -> None:  # pragma: no cover - run by hand, see tests/reference/README.md
    """Render the reference image on purpose (never from inside a test)."""
    wards = toy_wards()
    geography = build_geography(wards)
    records = with_record_keys(generate_demo(wards, n_records=1500, seed=3).records)
    data = build_atlas_data(wards, records, synthetic=True, version="e", geomask_key=b"k",
                            geography=geography)
    REFERENCE.write_bytes(printed.render_png(snap(data), data.geography, dpi=60))
