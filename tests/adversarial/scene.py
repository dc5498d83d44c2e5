"""The intruder's target, planted in otherwise ordinary data.

A planted secret: some domestic-servitude referrals in one ward ("Mill Hill" here, toy ward
9), in the ISO week of Monday 13 November 2023, at one point (so inside one 250 m cell).
The background has referrals of every kind in every ward and fortnight, except that no
other domestic-servitude referral falls in the planted fortnight: so every view filtered to
domestic servitude and that fortnight counts the planted records and nothing else, which
is the intruder's best case.
"""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np

from analysis.dataset import AtlasData, build_atlas_data
from analysis.filters import Filters
from geodata import vocab
from geodata.geography import build_geography
from geodata.release import draw_record_keys, perturbation_table, snap_to_weeks
from geodata.release.cellkey import cell_keys
from geodata.schema import RECORD_KEY
from tests.helpers import make_records, toy_wards, ward_centre

GEOGRAPHY = build_geography(toy_wards())
TARGET_WARD = 9
TARGET_CATEGORY = "domestic servitude"
TARGET_DAY = dt.date(2023, 11, 14)
TARGET_WINDOW = snap_to_weeks(dt.date(2023, 11, 13), dt.date(2023, 11, 19))
FIRST_DAY = dt.date(2023, 8, 21)  # ten fortnights, the target in the seventh
N_DAYS = 140
TABLE = perturbation_table()


def background_rows(seed: int = 11, n_referrals: int = 1200, n_outreach: int = 500) -> list:
    rng = np.random.default_rng(seed)
    rows = []
    categories = vocab.REFERRAL_CATEGORIES
    while len(rows) < n_referrals:
        day = FIRST_DAY + dt.timedelta(days=int(rng.integers(0, N_DAYS)))
        category = categories[int(rng.integers(0, len(categories)))]
        if category == TARGET_CATEGORY and TARGET_WINDOW.start <= day <= TARGET_WINDOW.end:
            continue
        rows.append(("referral", day, category, int(rng.integers(0, 24)),
                     float(rng.uniform(-900, 900)), float(rng.uniform(-1500, 1500))))
    outreach = vocab.OUTREACH_CATEGORIES
    for _ in range(n_outreach):
        day = FIRST_DAY + dt.timedelta(days=int(rng.integers(0, N_DAYS)))
        rows.append(("outreach", day, outreach[int(rng.integers(0, len(outreach)))],
                     int(rng.integers(0, 24)), float(rng.uniform(-900, 900)),
                     float(rng.uniform(-1500, 1500))))
    return rows


def planted_rows(n: int) -> list:
    return [("referral", TARGET_DAY, TARGET_CATEGORY, TARGET_WARD, 40.0, 60.0)] * n


def world(n_planted: int, planted_keys=None, *, seed: int = 11, key_seed: int = 3) -> AtlasData:
    """Background plus ``n_planted`` target records (with the given record keys)."""
    rows = background_rows(seed) + planted_rows(n_planted)
    records = make_records(rows, key_seed=key_seed)
    if planted_keys is not None and n_planted:
        keys = records[RECORD_KEY].to_numpy().copy()
        keys[len(keys) - n_planted:] = planted_keys
        records[RECORD_KEY] = keys
    return build_atlas_data(GEOGRAPHY.wards, records, synthetic=True, version=f"w{n_planted}",
                            geomask_key=b"intruder-test", geography=GEOGRAPHY)


def keys_releasing(counts: list[int], value: int) -> list[int]:
    """Record keys for nested planted sets of these sizes that all release ``value``.

    ``counts`` grows (say [2, 3]): the first 2 keys give a set of 2 records released as
    ``value``, adding the third gives a set of 3 released as ``value`` too.
    """
    rng = np.random.default_rng(value)
    keys: list[int] = []
    for n in counts:
        for _ in range(10_000):
            trial = keys + [int(k) for k in draw_record_keys(n - len(keys), rng=rng)]
            if TABLE.release([n], cell_keys([sum(trial)]))[0] == value:
                keys = trial
                break
        else:  # pragma: no cover - the table always offers such keys
            raise AssertionError(f"no keys release {n} as {value}")
    return keys


TWINS = {  # planted counts in the two worlds, and the value the release gives both
    "0-or-2": ((0, 2), 0),
    "2-or-3": ((2, 3), 5),
    "1-or-4": ((1, 4), 5),
}


def twin_worlds(name: str) -> tuple[AtlasData, AtlasData]:
    """The two worlds of ``TWINS[name]``: planted records whose cells release alike."""
    (low, high), value = TWINS[name]
    keys = keys_releasing([low, high] if low else [high], value)
    return world(low, keys[:low]), world(high, keys)


def same(a, b) -> bool:
    """Whether two outputs are identical to the last bit."""
    return pickle.dumps(a) == pickle.dumps(b)


def look_alike(outputs, twins: str) -> bool:
    """Whether ``outputs(data)`` is identical in the two worlds of ``TWINS[twins]``."""
    a, b = twin_worlds(twins)
    return same(outputs(a), outputs(b))


def target_filters(**changes) -> Filters:
    base = dict(window=TARGET_WINDOW, referral_categories=(TARGET_CATEGORY,))
    base.update(changes)
    return Filters(**base)


def target_code() -> str:
    return GEOGRAPHY.ward_codes[TARGET_WARD]


def target_point() -> tuple[float, float]:
    cx, cy = ward_centre(TARGET_WARD)
    return cx + 40.0, cy + 60.0
