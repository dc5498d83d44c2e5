"""All caching of the app, in one place.

Caches are keyed by hashable values only (file versions, the store's data version, the
database URL), never by a GeoDataFrame: the working data (:class:`AtlasData`) is keyed by
its data version through ``hash_funcs``, so a cached function takes it as an ordinary
argument and no caller passes a version by hand. Everything cached here is shared between users, so
it holds only what any signed-in user may see the aggregates of: the ward geography, the
record index (referral locations only as ward and cell codes, outreach points geomasked)
and display geometry.
"""

from __future__ import annotations

import threading

import pandas as pd
import streamlit as st

from analysis.dataset import AtlasData, load_atlas_data
from analysis.filters import Filters
from analysis.hotspots import enable_kernel_cache, warm_up
from analysis.outlook import NextWeek, next_week_summary
from analysis.priorities_view import Priorities, compute_priorities
from dashboard import timing
from dashboard.maps import MapGeometry, build_map_geometry
from geodata.geography import Geography, build_geography
from geodata.release import ID_HASH_KEY_ENV, load_geomask_key, load_secret_key
from geodata.settings import Settings, load_settings, private_folder
from geodata.store import Store
from geodata.wards import load_wards_file


def settings() -> Settings:
    """Return the settings (read from the environment each time: it is cheap)."""
    return load_settings()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url)


def store() -> Store:
    """Return the store for the configured database."""
    return _store(settings().database_url)


def wards_version() -> str | None:
    """Return a version of the cached ward boundaries, or ``None`` when there are none."""
    path = settings().wards_cache
    if not path.exists():
        return None
    stat = path.stat()
    return f"{stat.st_mtime_ns}-{stat.st_size}"


@st.cache_resource(show_spinner="Loading ward boundaries…")
def _geography(path: str, version: str) -> tuple[Geography, MapGeometry]:
    geography = build_geography(load_wards_file(path))
    return geography, build_map_geometry(geography)


def geography() -> tuple[Geography, MapGeometry] | None:
    """Return the geography and its display geometry, or ``None`` before set-up."""
    version = wards_version()
    if version is None:
        return None
    return _geography(str(settings().wards_cache), version)


def _secret(name: str) -> str | None:
    try:
        return st.secrets.get(name)
    except FileNotFoundError:  # no secrets.toml at all
        return None


def id_hash_key() -> bytes:
    """Return the key that source ids are hashed with (secrets, environment or local)."""
    return load_secret_key(_secret("id_hash_key"), settings().id_hash_key_file, ID_HASH_KEY_ENV)


@st.cache_resource(show_spinner="Indexing records…", max_entries=2)
def _atlas_data(
    wards_path: str, wards_ver: str, db_url: str, data_version: str, demo_records: int
) -> AtlasData:
    geo, _ = _geography(wards_path, wards_ver)
    key = load_geomask_key(_secret("geomask_key"), settings().geomask_key_file)
    return load_atlas_data(_store(db_url), geo, geomask_key=key, demo_records=demo_records,
                           index_dir=settings().home / "index")


def atlas_data() -> AtlasData | None:
    """Return the working data: stored records, or the synthetic demo while none are stored."""
    version = wards_version()
    if version is None:
        return None
    config = settings()
    return _atlas_data(
        str(config.wards_cache),
        version,
        config.database_url,
        store().data_version(),
        config.demo_records,
    )


def clear_all() -> None:
    """Drop every cached resource (after new boundaries or a store change)."""
    st.cache_resource.clear()
    st.cache_data.clear()


def data_version(data: AtlasData) -> str:
    """Return the cache key of the working data: its version, which follows the records.

    The data holds the exact records inside its release (which refuses to be pickled or
    hashed), so caches never look inside it; the version covers the records and the stored
    ward figures, and new boundaries clear every cache (:func:`clear_all`).
    """
    return data.version


# How cached functions hash the arguments Streamlit cannot hash by value.
HASH_FUNCS = {AtlasData: data_version}


@st.cache_data(max_entries=64, show_spinner=False, hash_funcs=HASH_FUNCS)
def priorities(
    data: AtlasData,
    filters: Filters,
    cell_size: int,
    radius_m: float,
    sites: int,
    bandwidth_m: float | None,
    venues: pd.DataFrame | None,
    population: dict[str, float],
) -> Priorities:
    """Return the Priorities view, computed once per data version, filters and parameters.

    ``data`` is keyed by its version (:func:`data_version`); the venues (a few thousand rows
    at most) and the population by their contents. The result is computed from released
    counts only, so it may be shared.
    """
    return compute_priorities(
        data, filters, cell_size=cell_size, radius_m=radius_m, sites=sites,
        venues=venues, bandwidth_m=bandwidth_m, population=population,
    )


@st.cache_resource(show_spinner=False)
def warm_up_statistics() -> threading.Thread:
    """Compile the hot-spot kernels once per process, in the background.

    The compiled kernels are kept on disk under the atlas home (``numba-cache``), so a
    restart loads most of them instead of compiling. The thread runs at normal priority:
    numba compiles while holding Python's lock and its own, so a low-priority thread held
    back by a busy machine would keep the first Priorities visit waiting behind it.
    """

    def compile_kernels() -> None:
        enable_kernel_cache(private_folder(settings().home) / "numba-cache")
        warm_up()
        timing.mark("statistics warm")

    thread = threading.Thread(target=compile_kernels, name="esda-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_data(max_entries=32, show_spinner=False)
def next_week(
    version: str,
    filters: Filters,
    cell_size: int,
    radius_m: float,
    step_bins: int,
    neighbourhood_steps: int,
    method: str,
    _data: AtlasData,
) -> NextWeek:
    """Return the Next week summary, computed once per data version, filters and settings.

    Worked out from released counts only (emerging hot spots, backtests), so it may be
    shared between users.
    """
    return next_week_summary(
        _data, filters, cell_size=cell_size, radius_m=radius_m, step_bins=step_bins,
        neighbourhood_steps=neighbourhood_steps, method=method,
    )
