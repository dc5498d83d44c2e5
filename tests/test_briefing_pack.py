"""The briefing pack fit for a meeting, and the export package without Streamlit."""

import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from PIL import Image
from pypdf import PdfReader

import exports
from analysis.dataset import build_atlas_data
from analysis.filters import Filters
from exports import printed, tables
from exports.html import render_html
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.release import ReleasePolicy, snap_to_weeks
from geodata.schema import BARNET_WARD_CODES, REFERRAL
from geodata.settings import load_settings
from geodata.wards import save_wards
from tests.helpers import toy_wards, with_record_keys

ROOT = Path(__file__).resolve().parent.parent
EXPORTED_AT = dt.datetime(2026, 11, 28, 9, 30, tzinfo=dt.UTC)
WINDOW = snap_to_weeks(dt.date(2023, 1, 2), dt.date(2024, 3, 31))


@pytest.fixture(scope="module")
def data():
    wards = toy_wards()
    geography = build_geography(wards)
    records = with_record_keys(generate_demo(wards, n_records=1500, seed=3).records)
    return build_atlas_data(wards, records, synthetic=True, version="p", geomask_key=b"k",
                            geography=geography)


def pick_wards(data, n=4):
    """Selected wards with distinct released counts, so their classes differ."""
    full = exports.prepare_snapshot(data, Filters(window=WINDOW), exported_at=EXPORTED_AT)
    values = full.view.wards.referrals.values
    order = np.argsort(values)
    picks = [order[0], order[len(order) // 3], order[2 * len(order) // 3], order[-1]][:n]
    return tuple(data.geography.ward_codes[i] for i in picks)


def pdf_text(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_ward_pages_keep_the_overview_classes_and_colours(data):
    snap = exports.prepare_snapshot(data, Filters(window=WINDOW, wards=pick_wards(data)),
                                    exported_at=EXPORTED_AT)
    overview = dict(zip(snap.view.wards.codes, snap.classified.colours, strict=True))
    assert len(set(overview.values())) >= 3  # the planted wards span several classes
    pages = exports.ward_snapshots(snap, data)
    for page in pages:
        (code,) = page.view.wards.codes
        assert page.classified.colours == (overview[code],)
        assert page.classified.legend == snap.classified.legend  # the full legend each time
    # and on the drawn pages: each ward page shows its overview colour
    figures = printed.pack_pages(snap, data.geography, ward_pages=True, data=data)
    for page, fig in zip(pages, figures[-len(pages):], strict=True):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=40)
        pixels = np.asarray(Image.open(buffer).convert("RGB")).reshape(-1, 3).astype(int)
        (code,) = page.view.wards.codes
        colour = np.array([int(overview[code][i:i + 2], 16) for i in (1, 3, 5)])
        blended = np.round(0.85 * colour + 0.15 * 255)
        assert (np.abs(pixels - blended).max(axis=1) <= 3).sum() > 500, code


def test_every_text_in_the_pack_is_at_least_9_pt_and_pages_are_numbered(data):
    snap = exports.prepare_snapshot(data, Filters(window=WINDOW, wards=pick_wards(data, 2)),
                                    exported_at=EXPORTED_AT, notes="Bring the ward plans.")
    ranking = exports.pack_priorities(data, snap.view.filters)
    figures = printed.pack_pages(snap, data.geography, priorities=ranking,
                                 notes=(exports.PRIORITIES_NOTE,), ward_pages=True, data=data)
    for fig in figures:
        fig.canvas.draw()  # tables size their cells on drawing
        small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
                 if t.get_text().strip() and t.get_fontsize() < 9]
        assert not small
    pdf = printed.render_pdf(snap, data.geography, priorities=ranking, ward_pages=True,
                             data=data)
    text = pdf_text(pdf)
    assert all(page.endswith(f"Page {i} of {len(text)}") or f"Page {i} of {len(text)}" in page
               for i, page in enumerate(text, start=1))
    assert any(page.count("Trends") for page in text)
    assert any("Referrals (released counts) per block of 2 weeks" in page for page in text)


def test_a_masking_note_wherever_masked_points_are_drawn(data):
    analyst = exports.prepare_snapshot(data, Filters(window=WINDOW), exported_at=EXPORTED_AT)
    viewer = dataclasses.replace(analyst, view=dataclasses.replace(
        analyst.view, outreach_points=None))
    note = "some are drawn outside their ward"
    assert note in " ".join(pdf_text(printed.render_pdf(analyst, data.geography))[0].split())
    assert note not in " ".join(pdf_text(printed.render_pdf(viewer, data.geography)))
    assert note in render_html(analyst, data.geography).decode()


def test_the_pdf_states_the_policy_it_was_released_under(data):
    snap = exports.prepare_snapshot(data, Filters(window=WINDOW), exported_at=EXPORTED_AT)
    strict = dataclasses.replace(snap, policy=ReleasePolicy(k=7))
    text = " ".join(pdf_text(printed.render_pdf(strict, data.geography)))
    assert "A count from 1 to 6 is never shown as itself" in text
    assert "A count from 1 to 4" not in text
    assert " ".join(ReleasePolicy(k=7).describe()[1].split()) in text


def test_custom_title_and_notes_are_printed_literally(data):
    title, notes = "Partnership <b>briefing</b> $5", "Line <script>one</script>\n${two}"
    snap = exports.prepare_snapshot(data, Filters(window=WINDOW), exported_at=EXPORTED_AT,
                                    title=title, notes=notes)
    text = pdf_text(printed.render_pdf(snap, data.geography))
    assert all(page.count(title) for page in text)
    assert "Line <script>one</script>" in " ".join(text) and "${two}" in " ".join(text)
    html = render_html(snap, data.geography).decode()
    assert "<script>one" not in html and "${two}" not in html and "<b>briefing" not in html
    assert "Partnership &lt;b&gt;briefing&lt;/b&gt; &#36;5" in html
    assert exports.prepare_snapshot(data, Filters(window=WINDOW), title="  ").title == \
        exports.TITLE


def test_html_has_title_language_ward_labels_and_a_full_legend(data):
    snap = exports.prepare_snapshot(data, Filters(window=WINDOW), exported_at=EXPORTED_AT)
    html = render_html(snap, data.geography).decode()
    assert '<html lang="en">' in html
    assert f"<title>{exports.TITLE} (OFFICIAL-SENSITIVE — SYNTHETIC DEMO DATA)</title>" in html
    payload = json.loads(html.split('id="atlas-data">')[1].split("</script>")[0])
    assert [label["name"] for label in payload["labels"]] == list(data.geography.ward_names)
    for entry in snap.classified.legend:
        assert entry.label in html
    assert "One outreach activity (location masked)" in html
    assert "ward-label" in html


def test_tables_use_a_place_column_when_the_ranking_has_one():
    ranking = pd.DataFrame({"rank": [1], "name": ["Colindale South"],
                            "place": ["Colindale South · NW9 5"], "referrals": ["12"],
                            "reason": ["why"]})
    table = tables.ranking_table(ranking, "Ward")
    assert list(table.columns) == ["Rank", "Ward", "Place", "Referrals", "Why"]
    assert "Place" not in tables.ranking_table(ranking.drop(columns="place"), "Ward")


def test_geojson_marks_figures_not_shown_as_null_with_a_label(data):
    snap = exports.prepare_snapshot(data, Filters(window=WINDOW, kinds=(REFERRAL,)),
                                    exported_at=EXPORTED_AT)
    features = json.loads(tables.export_geojson(snap, data.geography))["features"]
    assert all(f["properties"]["outreach"] is None for f in features)
    assert all(f["properties"]["outreach_label"] == "not shown" for f in features)
    assert all(isinstance(f["properties"]["referrals"], int) for f in features)


# ------------------------------------------------------------- the CLI without Streamlit

BLOCKER = '''
import sys

class NoStreamlit:
    def find_spec(self, name, path=None, target=None):
        if name == "streamlit" or name.startswith("streamlit."):
            raise ModuleNotFoundError("No module named 'streamlit' (blocked by the test)")
        return None

sys.meta_path.insert(0, NoStreamlit())
'''


def test_the_export_cli_runs_with_streamlit_unimportable(tmp_path):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    save_wards(toy_wards(), settings.wards_cache)
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "ATLAS_HOME": str(settings.home),
           "PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}
    check = subprocess.run([sys.executable, "-c", "import streamlit"], env=env,
                           capture_output=True, text=True, cwd=ROOT)
    assert check.returncode != 0 and "blocked by the test" in check.stderr  # the blocker works
    out = tmp_path / "pack.pdf"
    run = subprocess.run(
        [sys.executable, "-m", "exports", "--format", "pdf", "--out", str(out),
         "--wards", ",".join(BARNET_WARD_CODES[:2]), "--title", "Weekly briefing",
         "--note", "For the partnership meeting."],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert run.returncode == 0, run.stderr
    text = " ".join(pdf_text(out.read_bytes()))
    assert "Weekly briefing" in text and "For the partnership meeting." in text


def test_the_pack_prints_the_campaign_verdict_and_the_next_week_summary(data):
    from analysis.trends import campaign_verdict

    filters = Filters(window=WINDOW)
    snap = exports.prepare_snapshot(data, filters, exported_at=EXPORTED_AT)
    options = exports.pack_options(data, filters)
    pages = pdf_text(exports.render(snap, "pdf", data, **options))
    text = " ".join(pages)
    # The pack's own words come from the same objects the pages show, never retyped.
    for sentence in campaign_verdict(data, filters).sentences:
        assert " ".join(sentence.split()) in text
    outlook = options["outlook"]
    assert outlook.sentences
    for sentence in outlook.sentences:
        assert " ".join(sentence.split()) in text
    headings = [p for p in pages if p and "Next week: where to go" in p]
    assert headings, "the pack has a next-week page"
    assert any("How accurate this kind of map has been here" in p for p in pages)
