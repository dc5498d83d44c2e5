"""Server-side timings at one data size, printed as JSON (run as a subprocess by bench.run).

``python -m bench.server_timing --home ATLAS_HOME [--repeats N]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time
import warnings
from pathlib import Path

import folium
import numpy as np
from folium.plugins import FastMarkerCluster, HeatMap
from pyproj import Transformer

from analysis.dataset import load_atlas_data
from analysis.filters import Filters, preset_window
from analysis.hotspots import enable_kernel_cache, warm_up
from analysis.priorities_view import compute_priorities
from analysis.views import compute_map_view
from geodata.geography import build_geography
from geodata.settings import load_settings
from geodata.store import Store
from geodata.wards import load_cached_wards


def _median_ms(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return round(1000 * float(np.median(times)), 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--home", required=True)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    settings = load_settings({"ATLAS_HOME": args.home})
    store = Store(settings.database_url)
    geography = build_geography(load_cached_wards(settings))
    started = time.perf_counter()
    data = load_atlas_data(store, geography, geomask_key=b"bench-key")
    load_s = time.perf_counter() - started
    last, first = data.last_day, data.first_day
    filters = [
        Filters(window=preset_window("last quarter", last)),
        Filters(window=preset_window("all dates", last, first_day=first)),
        Filters(window=preset_window("campaign week", last), wards=geography.ward_codes[:6]),
    ]
    result = {
        "records": len(data.outreach),
        "load_and_index_s": round(load_s, 2),
        "index_mb": round(data.outreach.nbytes / 1e6, 1),
        "filter_aggregate_wards_ms": _median_ms(
            lambda i: compute_map_view(data, filters[i % 3]), args.repeats),
        "filter_aggregate_grid250_ms": _median_ms(
            lambda i: compute_map_view(data, filters[i % 3], cell_size=250),
            args.repeats),
    }
    # As the app does at start, in the background after the first map: esda's kernels
    # loaded from (or compiled into) the on-disk cache in the atlas home. Then a user's
    # first Priorities visit, and a warm one (the next visit, other filters).
    started = time.perf_counter()
    enable_kernel_cache(Path(args.home) / "numba-cache")
    warm_up()
    result["kernels_warm_up_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    compute_priorities(data, filters[1])
    result["priorities_first_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    compute_priorities(data, filters[0])  # the page's defaults, other filters
    result["priorities_warm_s"] = round(time.perf_counter() - started, 2)
    result.update(_raw_points(store, filters[1].window.start))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(result))


def _raw_points(store: Store, since: dt.date) -> dict:
    """Time the raw-point approach's server side: build and render HeatMap and clusters."""
    records = store.load_records(("kind", "date", "x", "y"))
    refs = records[records["kind"] == "referral"]
    lon, lat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True).transform(
        refs["x"].to_numpy(), refs["y"].to_numpy()
    )
    points = np.column_stack([lat, lon]).tolist()
    out = {}
    for name, layer in (("heatmap", HeatMap), ("fastmarkercluster", FastMarkerCluster)):
        started = time.perf_counter()
        m = folium.Map(location=[51.61, -0.21], tiles=None)
        layer(points).add_to(m)
        html = m.get_root().render()
        out[f"raw_{name}_server_s"] = round(time.perf_counter() - started, 2)
        out[f"raw_{name}_payload_kb"] = round(len(html.encode()) / 1024)
    return out


if __name__ == "__main__":
    main()
