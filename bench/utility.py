"""What the release layer costs planners: released against exact figures on the demo data.

``python -m bench.utility [--records 20000] [--draws 3] [--wards FILE]`` (``make
bench-utility``) generates the synthetic demo and releases it under several fresh draws of
record keys. For "all dates" it prints:

- the mean absolute difference between released and exact referral counts per ward;
- the Spearman correlation of the ward outreach-gap ranking with the one exact counts give;
- where the demo's planted under-served clusters rank (the best-ranked ward named after
  each), and the hottest Gi* class (250 m cells) within each cluster,

each beside the same figure worked out from exact counts (a reference release with no
noise), so the release's own cost is seen apart from the method's. Exact figures are
computed here for comparison only; the atlas never computes them.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.dataset import AtlasData
from analysis.filters import PRESET_ALL, Filters, preset_window
from analysis.priorities_view import compute_priorities
from geodata.demo import generate_demo
from geodata.geography import build_geography
from geodata.release import DEFAULT_POLICY, WARDS, ReleasePolicy, build_release, draw_record_keys
from geodata.schema import RECORD_KEY
from geodata.wards import load_wards_file

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WARDS = ROOT / "var" / "wards.geojson"
# counts as they are, but for a count of 1 (released as 0 or 2): the exact reference
EXACT = ReleasePolicy(k=2, noise=(1.0,), small_spread=0)


def measure(wards_path: Path, n_records: int, draws: int) -> dict:
    geography = build_geography(load_wards_file(wards_path))
    demo = generate_demo(geography.wards, n_records=n_records)
    rows = []
    for draw in range(draws):
        records = demo.records.copy()
        records[RECORD_KEY] = draw_record_keys(len(records), rng=np.random.default_rng(draw))
        views = {name: _view(geography, records, policy)
                 for name, policy in (("released", DEFAULT_POLICY), ("exact", EXACT))}
        released, exact = views["released"], views["exact"]
        ranks = released["ranks"].rename(columns={"rank": "rank_r"}).join(
            exact["ranks"].rename(columns={"rank": "rank_e"}), how="outer"
        ).fillna(len(geography.ward_codes) + 1)
        rows.append({
            "mad": float(np.abs(released["wards"] - exact["wards"]).mean()),
            "mean_exact": float(exact["wards"].mean()),
            "spearman": float(stats.spearmanr(ranks["rank_r"], ranks["rank_e"]).statistic),
            **{f"{k}_{name}": v for name, view in views.items()
               for k, v in _planted(demo, view).items()},
        })
    frame = pd.DataFrame(rows)
    return {
        "records": n_records,
        "key_draws": draws,
        "ward_mean_abs_difference": round(frame["mad"].mean(), 2),
        "ward_mean_exact_count": round(frame["mean_exact"].mean(), 1),
        "gap_ranking_spearman_min": round(frame["spearman"].min(), 3),
        **{f"planted_ward_worst_rank_{n}": int(frame[f"ward_rank_{n}"].max())
           for n in ("released", "exact")},
        **{f"planted_lowest_hot_class_{n}": int(frame[f"hot_{n}"].min())
           for n in ("released", "exact")},
    }


def _view(geography, records, policy) -> dict:
    release, outreach = build_release(records, geography, geomask_key=b"utility",
                                      policy=policy)
    data = AtlasData(geography=geography, release=release, outreach=outreach, synthetic=True,
                     version=str(policy))
    filters = Filters(window=preset_window(PRESET_ALL, data.last_day, first_day=data.first_day))
    result = compute_priorities(data, filters, cell_size=250)  # default R and K
    return {
        "wards": release.counts(WARDS, filters.window).values.astype(float),
        "ranks": result.ward_gaps.set_index("area")[["rank"]],
        "gaps": result.ward_gaps,
        "result": result,
        "geography": geography,
    }


def _planted(demo, view) -> dict:
    gaps, result, geo = view["gaps"], view["result"], view["geography"]
    centres = geo.grids[250].centroids()[result.cells]
    ward_ranks, hot = [], []
    for cluster in demo.under_served:
        named = gaps[gaps["name"].str.contains(cluster.name, case=False)]
        ward_ranks.append(int(named["rank"].min()) if len(named) else 999)
        near = np.hypot(*(centres - [cluster.x, cluster.y]).T) <= cluster.radius_m
        hot.append(int(result.hotspot_classes[near].max()) if near.any() else -9)
    return {"ward_rank": max(ward_ranks), "hot": min(hot)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--wards", type=Path, default=DEFAULT_WARDS)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = measure(args.wards, args.records, args.draws)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
