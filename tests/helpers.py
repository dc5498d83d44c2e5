"""Small hand-made data shared by the tests (no files from ../shared needed)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import box

from analysis.dataset import AtlasData, build_atlas_data
from geodata.demo import DemoData, generate_demo
from geodata.geography import build_geography
from geodata.release import draw_record_keys
from geodata.schema import (
    AGE_GROUP,
    BARNET_WARD_CODES,
    CATEGORY,
    CRS_METRIC,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    RECORD_ID,
    RECORD_KEY,
    SOURCE,
    WARD_CODE,
    WARD_NAME,
    X,
    Y,
)

if TYPE_CHECKING:
    from dashboard.maps import MapGeometry

ROOT_DIR = Path(__file__).resolve().parent.parent

# 24 rectangular "wards", 6 columns by 4 rows, covering Barnet's extent in BNG.
TOY_X0, TOY_Y0, TOY_W, TOY_H, TOY_COLS = 517_000.0, 185_400.0, 2_200.0, 3_300.0, 6


def toy_wards(crs: str = CRS_METRIC) -> gpd.GeoDataFrame:
    """Barnet's 24 ward codes on a regular grid of rectangles."""
    geoms, names = [], []
    for i in range(24):
        row, col = divmod(i, TOY_COLS)
        x, y = TOY_X0 + col * TOY_W, TOY_Y0 + row * TOY_H
        geoms.append(box(x, y, x + TOY_W, y + TOY_H))
        names.append("Totteridge & Woodside" if i == 22 else f"Toy Ward {i + 1}")
    wards = gpd.GeoDataFrame(
        {WARD_CODE: list(BARNET_WARD_CODES), WARD_NAME: names}, geometry=geoms, crs=CRS_METRIC
    )
    return wards.to_crs(crs)


def toy_ward_layer(year: str = "22", crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """The toy wards with ONS-style field names (WD22CD, WD22NM, LAD22CD)."""
    wards = toy_wards(crs)
    return gpd.GeoDataFrame(
        {
            f"WD{year}CD": wards[WARD_CODE],
            f"WD{year}NM": wards[WARD_NAME],
            f"LAD{year}CD": "E09000003",
        },
        geometry=wards.geometry,
        crs=wards.crs,
    )


def ward_centre(i: int) -> tuple[float, float]:
    """The centre of toy ward i (0-based)."""
    row, col = divmod(i, TOY_COLS)
    return TOY_X0 + (col + 0.5) * TOY_W, TOY_Y0 + (row + 0.5) * TOY_H


def make_records(rows, *, key_seed: int = 7) -> pd.DataFrame:
    """Canonical records from (kind, date, category, ward index, dx, dy) tuples.

    Each record gets a cell-key record key drawn with ``key_seed`` (as an import would).
    """
    out = []
    for n, (kind, day, category, ward, dx, dy) in enumerate(rows):
        cx, cy = ward_centre(ward)
        out.append(
            {
                RECORD_ID: f"R{n}",
                KIND: kind,
                DATE: np.datetime64(day, "D"),
                CATEGORY: category,
                SOURCE: "NRM referral" if kind == "referral" else "MSU patrol team",
                X: cx + dx,
                Y: cy + dy,
                WARD_CODE: BARNET_WARD_CODES[ward],
                AGE_GROUP: "adult" if kind == "referral" else None,
                NATIONALITY_GROUP: "UK" if kind == "referral" else None,
            }
        )
    frame = pd.DataFrame(out)
    frame[DATE] = frame[DATE].astype("datetime64[s]")
    frame[RECORD_KEY] = draw_record_keys(len(frame), rng=np.random.default_rng(key_seed))
    return frame


MONDAY = dt.date(2023, 9, 18)


@contextmanager
def http_server(handler_fn):
    """Serve ``handler_fn(path) -> (status, body bytes or None to hang)`` on loopback."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server API
            status, body = handler_fn(self.path)
            if body is None:  # simulate a server that never answers in time
                threading.Event().wait(5)
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def geojson_bytes(frame: gpd.GeoDataFrame, **extra) -> bytes:
    """A GeoDataFrame as an ArcGIS-style GeoJSON answer."""
    data = json.loads(frame.to_json(drop_id=True))
    data.update(extra)
    return json.dumps(data).encode()


def with_record_keys(records: pd.DataFrame, *, key_seed: int = 7) -> pd.DataFrame:
    """Generated records (the demo) with cell-key record keys, as an import would add."""
    keyed = records.copy()
    keyed[RECORD_KEY] = draw_record_keys(len(keyed), rng=np.random.default_rng(key_seed))
    return keyed


def app_data(home: Path, geomask_key: str):
    """The data the app loads from an atlas home: its stored records, or the keyed demo."""
    from analysis.dataset import load_atlas_data
    from geodata.geography import build_geography
    from geodata.store import Store
    from geodata.wards import load_wards_file

    geography = build_geography(load_wards_file(home / "wards.geojson"))
    return load_atlas_data(
        Store(f"sqlite:///{home / 'atlas.sqlite'}"), geography,
        geomask_key=geomask_key.encode("utf-8"),
    )


def released_referral_total(home: Path, geomask_key: str) -> str:
    """The referral total the Map page shows by default ("all dates"), as released."""
    from analysis.filters import PRESET_ALL, preset_window

    data = app_data(home, geomask_key)
    window = preset_window(PRESET_ALL, data.last_day, first_day=data.first_day)
    return f"{data.release.total(window):,}"


def plausible_release(true: int, shown: int, policy=None) -> bool:
    """Whether the release rules allow a true referral count to be shown as ``shown``.

    0 stays 0; a count that is (or whose adjustment makes it) below k shows as 0 or as
    k .. k + 2 * small_spread; otherwise it moves by at most the largest adjustment.
    """
    from geodata.release import DEFAULT_POLICY

    policy = policy or DEFAULT_POLICY
    k, m, spread = policy.k, policy.max_noise, getattr(policy, "small_spread", 0)
    if true == 0:
        return shown == 0
    if 1 <= shown < k:
        return False
    can_fall_below_k = true - m < k
    if shown == 0:
        return can_fall_below_k
    if can_fall_below_k and k <= shown <= k + 2 * spread:
        return True
    return abs(shown - true) <= m


@dataclass(frozen=True)
class Scene:
    """The synthetic demo on the toy wards, indexed as the app indexes it."""

    demo: DemoData
    records: pd.DataFrame  # the demo's records with their record keys
    data: AtlasData
    geometry: MapGeometry


@functools.cache
def demo_scene(n_records: int = 3000, seed: int = 11, version: str = "t") -> Scene:
    """Build (once per process and arguments) the demo on the toy wards.

    Module and session fixtures share it; treat it as read-only.
    """
    from dashboard.maps import build_map_geometry  # the UI layer, only for display geometry

    wards = toy_wards()
    geography = build_geography(wards)
    demo = generate_demo(wards, n_records=n_records, seed=seed)
    records = with_record_keys(demo.records)
    data = build_atlas_data(wards, records, synthetic=True, version=version,
                            geomask_key=b"k", geography=geography)
    return Scene(demo=demo, records=records, data=data, geometry=build_map_geometry(geography))
