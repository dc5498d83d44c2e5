"""A deterministic generator of synthetic referral and outreach records for Barnet.

Nothing it makes is real, and everything it makes says so. The records are plausible
enough to exercise every view of the atlas:

- in space, referrals cluster around Barnet's town centres and transport hubs with some
  background everywhere; outreach follows most clusters, but a few clusters are planted
  *under-served* (many referrals, little outreach nearby) and reported by the generator so
  that the priority analysis can be tested against them;
- in time, both kinds follow a weekly rhythm (fewer referrals at weekends; patrols on
  Friday and Saturday; faith-venue visits on Sundays), and the campaign week that began on
  Sunday 24 September 2023 brings a surge of outreach and, after it, more referrals;
- in categories, the lists of docs/records.md with realistic proportions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import vocab
from geodata.locate import ward_codes_of
from geodata.projection import to_metric
from geodata.schema import (
    AGE_GROUP,
    CAMPAIGN_END,
    CAMPAIGN_START,
    CATEGORY,
    DATE,
    KIND,
    NATIONALITY_GROUP,
    OUTREACH,
    RECORD_ID,
    REFERRAL,
    SOURCE,
    WARD_CODE,
    X,
    Y,
)

DEMO_START = dt.date(2023, 1, 2)
DEMO_END = dt.date(2024, 3, 31)
DEFAULT_SEED = 20230924
SYNTHETIC_MARK = "SYNTHETIC DEMO DATA"


@dataclass(frozen=True)
class Hub:
    """A town centre or transport hub around which records cluster."""

    name: str
    lat: float
    lon: float
    referral_weight: float
    outreach_weight: float
    spread_m: float = 350.0
    transport: bool = False


# Approximate centres of Barnet's town centres and hubs. The outreach weight of an
# under-served hub is a small fraction of its referral weight.
HUBS = (
    Hub("Edgware", 51.6137, -0.2750, 9, 10, transport=True),
    Hub("Burnt Oak", 51.6028, -0.2644, 8, 8),
    Hub("Colindale", 51.5954, -0.2499, 9, 0.4, transport=True),
    Hub("Hendon Central", 51.5830, -0.2265, 6, 6, transport=True),
    Hub("Golders Green", 51.5724, -0.1941, 7, 8, transport=True),
    Hub("Cricklewood", 51.5600, -0.2150, 8, 0.3),
    Hub("Brent Cross", 51.5770, -0.2230, 4, 4, transport=True),
    Hub("Finchley Central", 51.6010, -0.1930, 5, 6, transport=True),
    Hub("North Finchley", 51.6130, -0.1770, 6, 6),
    Hub("East Finchley", 51.5874, -0.1650, 3, 3, transport=True),
    Hub("Whetstone", 51.6300, -0.1760, 6, 0.3),
    Hub("Chipping Barnet", 51.6510, -0.2000, 4, 5),
    Hub("New Barnet", 51.6480, -0.1730, 2, 2, transport=True),
    Hub("Mill Hill Broadway", 51.6130, -0.2490, 3, 4, transport=True),
)
UNDER_SERVED_RATIO = 0.2  # outreach weight / referral weight below this is "under-served"

REFERRAL_SHARE = 0.55  # of records outside the campaign surge
BACKGROUND_SHARE = 0.15  # of each kind, spread over the whole borough
CAMPAIGN_OUTREACH_FACTOR = 6.0
POST_CAMPAIGN_REFERRAL_FACTOR = 1.35
POST_CAMPAIGN_WEEKS = 6

# Monday..Sunday
REFERRAL_WEEKDAY = np.array([1.25, 1.2, 1.15, 1.1, 1.0, 0.55, 0.45])
OUTREACH_WEEKDAY = np.array([0.8, 0.9, 0.9, 1.0, 1.3, 1.2, 1.4])

REFERRAL_CATEGORY_P = {
    "labour": 0.30,
    "sexual": 0.24,
    "criminal": 0.20,
    "domestic servitude": 0.08,
    "organ harvesting": 0.004,
    "multiple": 0.07,
    "not known": 0.106,
}
REFERRAL_SOURCE_P = (0.55, 0.2, 0.1, 0.15)
AGE_P = {"adult": 0.8, "child": 0.15, "not known": 0.05}
NATIONALITY_P = {
    "UK": 0.24,
    "Romanian": 0.18,
    "Albanian": 0.15,
    "Vietnamese": 0.08,
    "Eritrean": 0.05,
    "Other EU": 0.09,
    "Other": 0.13,
    "not known": 0.08,
}


@dataclass(frozen=True)
class PlantedCluster:
    """Where the generator put a cluster of referrals, in EPSG:27700."""

    name: str
    x: float
    y: float
    radius_m: float
    under_served: bool


@dataclass(frozen=True)
class DemoData:
    """Synthetic records and what the generator planted in them.

    Attributes
    ----------
    records : pandas.DataFrame
        Canonical records (``record_id, kind, date, category, source, x, y, ward_code,
        age_group, nationality_group``), coordinates in EPSG:27700.
    planted : tuple of PlantedCluster
        Every referral cluster, with ``under_served`` set where outreach was kept away.
    seed : int
        The seed that reproduces them.
    """

    records: pd.DataFrame
    planted: tuple[PlantedCluster, ...]
    seed: int

    @property
    def under_served(self) -> tuple[PlantedCluster, ...]:
        """The planted clusters with many referrals and little outreach nearby."""
        return tuple(c for c in self.planted if c.under_served)


def generate_demo(
    wards: gpd.GeoDataFrame,
    *,
    n_records: int = 1000,
    seed: int = DEFAULT_SEED,
    start: dt.date = DEMO_START,
    end: dt.date = DEMO_END,
) -> DemoData:
    """Generate synthetic records inside Barnet's wards.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Validated wards in EPSG:27700; every record falls inside one of them.
    n_records : int
        How many records, referrals and outreach together (1,000 to 1,000,000 and more).
    seed : int
        Same seed, same records.
    start, end : datetime.date
        First and last day of the records; the default span includes the campaign week.

    Returns
    -------
    DemoData

    Raises
    ------
    ValueError
        For a non-positive size or an empty date range.

    Examples
    --------
    >>> demo = generate_demo(wards, n_records=1000, seed=1)  # doctest: +SKIP
    >>> demo.records["kind"].value_counts()  # doctest: +SKIP
    """
    if not isinstance(n_records, int | np.integer) or n_records < 1:
        raise ValueError(f"n_records must be a positive whole number, not {n_records!r}")
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    rng = np.random.default_rng(seed)
    hubs_xy = _hub_coordinates()
    days = pd.date_range(start, end, freq="D")
    referral_day_w, outreach_day_w = _daily_weights(days)
    # Split the records between kinds so that the expected daily rates hold.
    total_w = REFERRAL_SHARE * referral_day_w.sum() + (1 - REFERRAL_SHARE) * outreach_day_w.sum()
    n_ref = int(round(n_records * REFERRAL_SHARE * referral_day_w.sum() / total_w))
    n_ref = min(max(n_ref, 1 if n_records > 1 else n_records), n_records)
    n_out = n_records - n_ref

    ref_hubs = [h.referral_weight for h in HUBS]
    out_hubs = [h.outreach_weight for h in HUBS]
    referrals = _make_kind(REFERRAL, n_ref, rng, wards, hubs_xy, days, referral_day_w, ref_hubs)
    outreach = _make_kind(OUTREACH, n_out, rng, wards, hubs_xy, days, outreach_day_w, out_hubs)
    records = pd.concat([referrals, outreach], ignore_index=True)
    order = np.lexsort((records[KIND].to_numpy(), records[DATE].to_numpy()))
    records = records.iloc[order].reset_index(drop=True)
    records.insert(0, RECORD_ID, [f"DEMO-{seed}-{i:07d}" for i in range(len(records))])
    planted = tuple(
        PlantedCluster(
            name=h.name,
            x=float(xy[0]),
            y=float(xy[1]),
            radius_m=2 * h.spread_m,
            under_served=h.outreach_weight < UNDER_SERVED_RATIO * h.referral_weight,
        )
        for h, xy in zip(HUBS, hubs_xy, strict=True)
    )
    return DemoData(records=records, planted=planted, seed=seed)


def _hub_coordinates() -> np.ndarray:
    x, y = to_metric([h.lon for h in HUBS], [h.lat for h in HUBS])
    return np.column_stack([x, y])


def _daily_weights(days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    weekday = days.day_of_week.to_numpy()
    referral = REFERRAL_WEEKDAY[weekday].copy()
    outreach = OUTREACH_WEEKDAY[weekday].copy()
    day = days.date
    campaign = (day >= CAMPAIGN_START) & (day <= CAMPAIGN_END)
    after = (day > CAMPAIGN_END) & (
        day <= CAMPAIGN_END + dt.timedelta(weeks=POST_CAMPAIGN_WEEKS)
    )
    outreach[campaign] *= CAMPAIGN_OUTREACH_FACTOR
    referral[after] *= POST_CAMPAIGN_REFERRAL_FACTOR
    return referral, outreach


def _make_kind(
    kind: str,
    n: int,
    rng: np.random.Generator,
    wards: gpd.GeoDataFrame,
    hubs_xy: np.ndarray,
    days: pd.DatetimeIndex,
    day_weights: np.ndarray,
    hub_weights: list[float],
) -> pd.DataFrame:
    day_idx = rng.choice(len(days), size=n, p=day_weights / day_weights.sum())
    dates = days.to_numpy()[day_idx].astype("datetime64[D]")
    x, y, wards_of = _sample_locations(kind, n, rng, wards, hubs_xy, np.asarray(hub_weights))
    if kind == REFERRAL:
        categories = _draw(rng, REFERRAL_CATEGORY_P, n)
        sources = rng.choice(vocab.DEFAULT_REFERRAL_SOURCES, size=n, p=REFERRAL_SOURCE_P)
        ages = _draw(rng, AGE_P, n)
        nationalities = _draw(rng, NATIONALITY_P, n)
    else:
        categories = _outreach_categories(rng, days[day_idx])
        sources = rng.choice(vocab.DEFAULT_OUTREACH_TEAMS, size=n)
        ages = np.full(n, None, dtype=object)
        nationalities = np.full(n, None, dtype=object)
    return pd.DataFrame(
        {
            KIND: kind,
            DATE: dates,
            CATEGORY: categories,
            SOURCE: sources,
            X: x,
            Y: y,
            WARD_CODE: wards_of,
            AGE_GROUP: ages,
            NATIONALITY_GROUP: nationalities,
        }
    )


def _sample_locations(kind, n, rng, wards, hubs_xy, hub_weights):
    """Draw points around hubs (and some background), redrawing any outside every ward."""
    x = np.empty(n)
    y = np.empty(n)
    codes = np.full(n, None, dtype=object)
    spreads = np.array([h.spread_m for h in HUBS]) * (0.8 if kind == OUTREACH else 1.0)
    minx, miny, maxx, maxy = wards.total_bounds
    todo = np.arange(n)
    while len(todo):
        m = len(todo)
        background = rng.random(m) < BACKGROUND_SHARE
        hub = rng.choice(len(HUBS), size=m, p=hub_weights / hub_weights.sum())
        px = hubs_xy[hub, 0] + rng.normal(0, spreads[hub])
        py = hubs_xy[hub, 1] + rng.normal(0, spreads[hub])
        px[background] = rng.uniform(minx, maxx, background.sum())
        py[background] = rng.uniform(miny, maxy, background.sum())
        px, py = np.round(px, 1), np.round(py, 1)  # decimetres: the precision written out
        found = ward_codes_of(px, py, wards)
        inside = found != None  # noqa: E711 - elementwise comparison on an object array
        keep = todo[inside]
        x[keep], y[keep], codes[keep] = px[inside], py[inside], found[inside]
        todo = todo[~inside]
    return x, y, codes


def _draw(rng: np.random.Generator, probabilities: dict[str, float], n: int) -> np.ndarray:
    names = list(probabilities)
    p = np.array([probabilities[k] for k in names])
    return np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=p / p.sum())]


def _outreach_categories(rng: np.random.Generator, days: pd.DatetimeIndex) -> np.ndarray:
    """Pick activity types that fit the day: Sunday faith visits, weekend patrols, campaign."""
    cats = np.asarray(vocab.OUTREACH_CATEGORIES, dtype=object)
    # patrol, community, faith, shelter, transport, other
    base = np.array([0.30, 0.22, 0.10, 0.18, 0.12, 0.08])
    weekday = days.day_of_week.to_numpy()
    day = days.date
    campaign = (day >= CAMPAIGN_START) & (day <= CAMPAIGN_END)
    p = np.tile(base, (len(days), 1))
    p[weekday == 6] = [0.10, 0.20, 0.50, 0.10, 0.05, 0.05]
    p[weekday >= 4] += [0.20, 0, 0, 0, 0, 0]
    p[campaign] = [0.15, 0.35, 0.20, 0.05, 0.22, 0.03]
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(days))[:, None]
    return cats[(u > np.cumsum(p, axis=1)).sum(axis=1).clip(max=len(cats) - 1)]


def demo_import_frame(demo: DemoData) -> pd.DataFrame:
    """Return the records in the import format (docs/records.md), marked synthetic.

    Parameters
    ----------
    demo : DemoData

    Returns
    -------
    pandas.DataFrame
        ``source_id, kind, date, category, source, easting, northing, age_group,
        nationality_group, synthetic``.
    """
    r = demo.records
    return pd.DataFrame(
        {
            "source_id": r[RECORD_ID],
            "kind": r[KIND],
            "date": pd.to_datetime(r[DATE]).dt.strftime("%Y-%m-%d"),
            "category": r[CATEGORY],
            "source": r[SOURCE],
            "easting": r[X].round(0).astype("int64"),
            "northing": r[Y].round(0).astype("int64"),
            "age_group": r[AGE_GROUP],
            "nationality_group": r[NATIONALITY_GROUP],
            "synthetic": SYNTHETIC_MARK,
        }
    )


def write_demo_csv(demo: DemoData, path: str | Path) -> Path:
    """Write the records as an import CSV (UTF-8).

    Parameters
    ----------
    demo : DemoData
    path : str or Path

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    demo_import_frame(demo).to_csv(path, index=False)
    return path
