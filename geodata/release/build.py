"""Turn canonical records into the release (referrals) and the outreach index.

This is where exact records are read for the last time: referrals go into a
:class:`~geodata.release.referrals.ReferralRelease` (which only answers released counts),
outreach into a geomasked :class:`~geodata.release.outreach.OutreachIndex`. Nothing else
keeps the records.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from geodata import vocab
from geodata.demo import DEFAULT_SEED as DEMO_SEED
from geodata.demo import generate_demo
from geodata.geography import Geography
from geodata.release import persist
from geodata.release.cellkey import draw_record_keys
from geodata.release.geomask import geomask_points
from geodata.release.outreach import OutreachIndex
from geodata.release.policy import DEFAULT_POLICY, ReleasePolicy
from geodata.release.referrals import WARDS, ReferralRelease
from geodata.release.weeks import week_index
from geodata.schema import (
    CATEGORY,
    DATASET_ID,
    DATE,
    IS_SYNTHETIC,
    KIND,
    KINDS,
    OUTREACH,
    RECORD_KEY,
    REFERRAL,
    WARD_CODE,
    X,
    Y,
)

if TYPE_CHECKING:  # the store imports the release's key drawing
    from geodata.store import Store

# What the release and the outreach index are built from (the store need not read more).
RELEASE_COLUMNS = (KIND, DATE, CATEGORY, X, Y, WARD_CODE, RECORD_KEY)


def keyed_record_keys(n: int, secret: bytes):
    """Return record keys for records that are generated, not stored (the demo).

    They are random to anyone without the installation's secret, and the same at every
    start, so the demo's released figures do not change between restarts.

    Parameters
    ----------
    n : int
    secret : bytes

    Returns
    -------
    numpy.ndarray of int64
    """
    seed = int.from_bytes(hmac.new(secret, b"record keys", hashlib.sha256).digest(), "big")
    return draw_record_keys(n, rng=np.random.default_rng(seed))


def load_release(
    store: Store,
    geography: Geography,
    *,
    geomask_key: bytes,
    demo_records: int,
    policy: ReleasePolicy = DEFAULT_POLICY,
    index_dir: Path | None = None,
) -> tuple[ReferralRelease, OutreachIndex, str]:
    """Read the stored records (or make the demo while none are stored) and release them.

    The exact records are read here and kept nowhere else: what comes back is the
    release, the masked outreach index and a version string for caches.

    Parameters
    ----------
    store : Store
    geography : Geography
    geomask_key : bytes
    demo_records : int
        Size of the synthetic demo used while the store holds no records.
    policy : ReleasePolicy
    index_dir : Path, optional
        A private folder inside the atlas home where the index built from the stored
        records is kept per data version (:mod:`geodata.release.persist`), so that a
        restart loads it instead of reading and indexing every record again.

    Returns
    -------
    tuple
        ``(ReferralRelease, OutreachIndex, version)``.
    """
    data_version = store.data_version()
    if store.has_records():
        version = f"store-{data_version}"
        key = None
        if index_dir is not None:
            key = persist.index_key(data_version=data_version, database=store.url,
                                    geography=geography, policy=policy,
                                    geomask_key=geomask_key)
            saved = persist.load_index(index_dir, key)
            if saved is not None and _fits(saved, geography):
                release, outreach = _from_parts(saved, policy)
                return release, outreach, version
        records = store.load_records((*RELEASE_COLUMNS, DATASET_ID))
        synthetic_ids = store.synthetic_dataset_ids()
        records[IS_SYNTHETIC] = records[DATASET_ID].isin(synthetic_ids)
        parts = _release_parts(records, geography, geomask_key, policy)
        del records
        if key is not None and index_dir is not None:
            persist.save_index(index_dir, key, parts)
        release, outreach = _from_parts(parts, policy)
        return release, outreach, version
    records = generate_demo(geography.wards, n_records=demo_records).records
    records[RECORD_KEY] = keyed_record_keys(len(records), geomask_key)
    records[IS_SYNTHETIC] = True
    version = f"demo-{DEMO_SEED}-{demo_records}-store-{data_version}"
    release, outreach = build_release(records, geography, geomask_key=geomask_key,
                                      policy=policy)
    return release, outreach, version


def build_release(
    records: pd.DataFrame,
    geography: Geography,
    *,
    geomask_key: bytes,
    policy: ReleasePolicy = DEFAULT_POLICY,
) -> tuple[ReferralRelease, OutreachIndex]:
    """Split canonical records into the referral release and the outreach index.

    Parameters
    ----------
    records : pandas.DataFrame
        Canonical records (``kind, date, category, x, y, ward_code, record_key``), with
        coordinates in EPSG:27700. It is not modified.
    geography : Geography
    geomask_key : bytes
        Secret key for the outreach geomask.
    policy : ReleasePolicy

    Returns
    -------
    tuple
        ``(ReferralRelease, OutreachIndex)``.

    Raises
    ------
    ValueError
        When a record has a kind, category or ward the atlas does not know, or falls
        outside the grids: records must be validated on import before they are released.
    """
    return _from_parts(_release_parts(records, geography, geomask_key, policy), policy)


def _release_parts(records, geography, geomask_key, policy) -> dict[str, np.ndarray]:
    """Work out the arrays the release and the outreach index are made of."""
    missing = [c for c in RELEASE_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records lack the column(s) {', '.join(missing)}")
    kinds = records[KIND].to_numpy()
    unknown = sorted(set(map(str, kinds)) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kind value(s): {', '.join(unknown[:5])}")
    if IS_SYNTHETIC not in records.columns:
        records = records.assign(**{IS_SYNTHETIC: False})
    referrals = records[kinds == REFERRAL]
    outreach = records[kinds == OUTREACH]
    return {**_referral_parts(referrals, geography),
            **_outreach_parts(outreach, geography, geomask_key, policy)}


def _fits(parts: dict[str, np.ndarray], geography: Geography) -> bool:
    """Whether saved arrays have every part this geography needs."""
    needed = ["r_weeks", "r_categories", "r_keys", "r_synthetic", "r_ward", "o_day",
              "o_week", "o_category", "o_ward", "o_x", "o_y", "o_synthetic"]
    needed += [f"{p}_cell_{size}" for size in geography.grids for p in ("r", "o")]
    return all(name in parts for name in needed)


def _from_parts(parts: dict[str, np.ndarray], policy) -> tuple[ReferralRelease, OutreachIndex]:
    sizes = sorted(int(name.rsplit("_", 1)[1]) for name in parts if name.startswith("r_cell_"))
    areas: dict[str | int, tuple[np.ndarray, int]] = {
        WARDS: (parts["r_ward"], int(parts["n_wards"]))}
    for size in sizes:
        areas[size] = (parts[f"r_cell_{size}"], int(parts[f"n_cells_{size}"]))
    release = ReferralRelease(
        weeks=parts["r_weeks"], categories=parts["r_categories"], areas=areas,
        record_keys=parts["r_keys"], category_names=vocab.categories_for(REFERRAL),
        policy=policy, synthetic=parts["r_synthetic"],
    )
    outreach = OutreachIndex(
        day=parts["o_day"], week=parts["o_week"], category=parts["o_category"],
        ward=parts["o_ward"], cells={size: parts[f"o_cell_{size}"] for size in sizes},
        x=parts["o_x"], y=parts["o_y"], synthetic=parts["o_synthetic"],
    )
    return release, outreach


def _codes(values: np.ndarray, table: dict, what: str) -> np.ndarray:
    codes = pd.Series(values).map(table)
    if codes.isna().any():
        bad = sorted({str(v) for v in pd.Series(values)[codes.isna()]})[:5]
        raise ValueError(f"unknown {what} value(s): {', '.join(bad)}")
    return codes.to_numpy(dtype="int64")


def _common(rows: pd.DataFrame, kind: str):
    names = vocab.categories_for(kind)
    category = _codes(rows[CATEGORY].to_numpy(), {c: i for i, c in enumerate(names)},
                      f"{kind} category")
    days = rows[DATE].to_numpy().astype("datetime64[D]")
    return names, category, days


def _cells_of(geography: Geography, x: np.ndarray, y: np.ndarray) -> dict[int, np.ndarray]:
    cells = {size: grid.cell_of(x, y) for size, grid in geography.grids.items()}
    for size, cell in cells.items():
        if np.any(cell < 0):
            raise ValueError(f"{int((cell < 0).sum())} record(s) fall outside the {size} m grid")
    return cells


def _referral_parts(rows, geography) -> dict[str, np.ndarray]:
    _, category, days = _common(rows, REFERRAL)
    ward_pos = {code: i for i, code in enumerate(geography.ward_codes)}
    ward = _codes(rows[WARD_CODE].to_numpy(), ward_pos, "ward_code").astype("int16")
    x, y = rows[X].to_numpy(dtype="float64"), rows[Y].to_numpy(dtype="float64")
    parts: dict[str, np.ndarray] = {
        "r_weeks": np.asarray(week_index(days)), "r_categories": category,
        "r_keys": rows[RECORD_KEY].to_numpy(dtype="int64"),
        "r_synthetic": rows[IS_SYNTHETIC].to_numpy(dtype=bool), "r_ward": ward,
        "n_wards": np.asarray(len(geography.ward_codes), dtype="int64"),
    }
    for size, cell in _cells_of(geography, x, y).items():
        parts[f"r_cell_{size}"] = cell
        parts[f"n_cells_{size}"] = np.asarray(geography.grids[size].n_cells, dtype="int64")
    return parts


def _outreach_parts(rows, geography, key, policy) -> dict[str, np.ndarray]:
    _, category, days = _common(rows, OUTREACH)
    mx, my = geomask_points(
        rows[X].to_numpy(dtype="float64"), rows[Y].to_numpy(dtype="float64"),
        key=key, within=geography.outline, policy=policy,
    )
    ward = geography.ward_of(mx, my)
    if np.any(ward < 0):  # on the outline's edge: the nearest ward
        lost = np.flatnonzero(ward < 0)
        ward[lost] = geography.wards.sindex.nearest(
            shapely.points(mx[lost], my[lost]), return_all=False
        )[1]
    parts = {
        "o_day": days.astype("int64").astype("int32"), "o_week": np.asarray(week_index(days)),
        "o_category": category.astype("int8"), "o_ward": ward,
        "o_x": mx.astype("float32"), "o_y": my.astype("float32"),
        "o_synthetic": rows[IS_SYNTHETIC].to_numpy(dtype=bool),
    }
    for size, cell in _cells_of(geography, mx, my).items():
        parts[f"o_cell_{size}"] = cell
    return parts
