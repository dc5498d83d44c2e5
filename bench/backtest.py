"""How accurate each Priorities method has been: backtests on the demo data.

``python -m bench.backtest [--records 20000] [--wards FILE] [--cell-size 500]
[--radius 400]`` (``make bench-backtest``) generates the synthetic demo, releases it, and
rolls each method through its history (train on 12 weeks, test on the next 4, up to 12
tests; :mod:`analysis.backtest`), printing median hit rate, PAI and RRI with their
quartiles beside the two baselines (last period's counts, a uniform map). Everything comes
from released counts, as on the page.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from analysis.backtest import METHODS, backtest_atlas
from analysis.dataset import build_atlas_data
from analysis.filters import PRESET_ALL, Filters, preset_window
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.release import draw_record_keys
from geodata.schema import RECORD_KEY
from geodata.wards import load_wards_file

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WARDS = ROOT / "var" / "wards.geojson"


def measure(wards_path: Path, n_records: int, cell_size: int, radius_m: float) -> dict:
    geography = build_geography(load_wards_file(wards_path))
    demo = generate_demo(geography.wards, n_records=n_records)
    records = demo.records.copy()
    records[RECORD_KEY] = draw_record_keys(len(records), rng=np.random.default_rng(0))
    data = build_atlas_data(geography.wards, records, synthetic=True, version="bench",
                            geomask_key=b"bench-backtest", geography=geography)
    filters = Filters(window=preset_window(PRESET_ALL, data.last_day, first_day=data.first_day))
    out = {"records": n_records, "cell_size": cell_size, "radius_m": radius_m, "methods": {}}
    for method in METHODS:
        start = time.perf_counter()
        result = backtest_atlas(data, filters, method, cell_size=cell_size, radius_m=radius_m)
        out["methods"][method] = {
            "summary": result.summary().to_dict(orient="records"),
            "seconds": round(time.perf_counter() - start, 1),
            "sentence": result.sentence(),
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--wards", type=Path, default=DEFAULT_WARDS)
    parser.add_argument("--cell-size", type=int, default=500)
    parser.add_argument("--radius", type=float, default=400)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not args.wards.exists():
        parser.error(f"no ward boundaries at {args.wards}: run `make run` once, or give "
                     "--wards FILE (make bench-backtest WARDS_FILE=...)")
    result = measure(args.wards, args.records, args.cell_size, args.radius)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"Backtests on the demo at {args.records:,} records ({args.cell_size} m cells, "
          f"R = {args.radius:,.0f} m); median (quartiles) over the tests:\n")
    print("| method | area flagged (%) | hit rate (%) | PAI | RRI "
          "| last period's counts: hit rate (%) | PAI | a uniform map: hit rate (%) | tests |")
    print("|---|---|---|---|---|---|---|---|---|")
    for method, figures in result["methods"].items():
        own, last, uniform = figures["summary"]
        print(f"| {method} | {own['area flagged (%)']} | {own['hit rate (%)']} | {own['PAI']} | "
              f"{own['RRI']} | {last['hit rate (%)']} | {last['PAI']} | "
              f"{uniform['hit rate (%)']} | {own['folds']} |")
    print()
    for method, figures in result["methods"].items():
        print(f"- {method} ({figures['seconds']} s): {figures['sentence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
