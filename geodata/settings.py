"""Where the atlas keeps its files and which services it talks to, read from the environment.

Every setting has a working default, so a fresh clone runs with no configuration.

========================  ===========================================================
variable                  meaning
========================  ===========================================================
``ATLAS_HOME``            folder for the ward cache, the SQLite store and the local
                          geomasking key (default: ``var/`` in the repository)
``DATABASE_URL``          SQLAlchemy URL of the store (default: SQLite in ATLAS_HOME);
                          ``postgresql+psycopg://...`` for multi-user deployments
``ONS_WARDS_SERVICE``     ArcGIS feature service of the ONS ward boundaries
``ONS_WARDS_URL``         full query URL, overriding the service name
``ATLAS_HTTP_TIMEOUT``    seconds before a download gives up (default 30)
``ATLAS_MARKING``         protective marking printed on every export (default
                          ``OFFICIAL-SENSITIVE``; an export can override it)
``ATLAS_LOCAL_ROLE``      role of everyone when no sign-in is configured (default admin)
``ATLAS_DEMO_RECORDS``    records in the synthetic demo shown while the store is empty
                          (default 1000)
``ATLAS_VOCAB_FILE``      TOML file replacing the referral sources and outreach teams
                          (see :mod:`geodata.vocab`)
``ATLAS_BENCH_TIMING``    file the benchmark reads the server's timestamps from (unset:
                          none are written)
========================  ===========================================================

Basemaps (:class:`TileSettings`): OpenStreetMap's tiles are offered unless
``ATLAS_TILES_OSM=0``; ``ATLAS_TILES_URL`` adds another tile server (say, one inside a police
network), named by ``ATLAS_TILES_NAME`` and credited by ``ATLAS_TILES_ATTRIBUTION``.

Limits on uploaded and imported files, checked before a file is parsed (record imports on
the Data page and ``python -m geodata import``; the venue upload on the Priorities page,
open to viewers, has its own smaller byte and row limits):

===========================================  ================  ===============================
variable                                     default           meaning
===========================================  ================  ===============================
``ATLAS_MAX_UPLOAD_BYTES``                   50000000 (50 MB)  largest file
``ATLAS_MAX_ROWS``                           1000000           most record rows
``ATLAS_MAX_COLUMNS``                        100               most columns
``ATLAS_MAX_XLSX_UNCOMPRESSED_BYTES``        200000000         largest .xlsx once unzipped
``ATLAS_MAX_XLSX_RATIO``                     100               most an .xlsx may be compressed
``ATLAS_MAX_VENUE_UPLOAD_BYTES``             2000000 (2 MB)    largest venue file
``ATLAS_MAX_VENUE_ROWS``                     5000              most venues
``ATLAS_MAX_VENUE_XLSX_UNCOMPRESSED_BYTES``  20000000          largest venue .xlsx unzipped
===========================================  ================  ===============================

The atlas home holds the store and the keys, so it is private to the user running the atlas:
:func:`private_folder` creates it 0700 (and tightens an existing one), and the SQLite file
with its ``-wal``, ``-shm`` and ``-journal`` files is 0600 (:func:`private_file`).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from geodata.schema import BARNET_LAD_CODE

REPO_ROOT = Path(__file__).resolve().parent.parent

# The current ward boundaries on the ONS Open Geography Portal (generalised, clipped).
DEFAULT_WARDS_SERVICE = "Wards_May_2024_Boundaries_UK_BGC"
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
ONS_ARCGIS_BASE = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"


@dataclass(frozen=True)
class InputLimits:
    """How big a file the atlas reads; anything larger is refused before it is parsed.

    Attributes
    ----------
    max_bytes : int
        Largest file, in bytes.
    max_rows : int
        Most rows below the header.
    max_columns : int
        Most columns.
    max_xlsx_uncompressed_bytes : int
        Largest total size of an ``.xlsx`` workbook's parts once unzipped.
    max_xlsx_ratio : int
        Most times an ``.xlsx`` may be compressed (unzipped size over zipped size); real
        workbooks stay far below it, "zip bombs" go far above.
    """

    max_bytes: int
    max_rows: int
    max_columns: int
    max_xlsx_uncompressed_bytes: int
    max_xlsx_ratio: int


DEFAULT_DEMO_RECORDS = 1000


@dataclass(frozen=True)
class TileSettings:
    """Which basemap tile servers the map offers (none is always offered too).

    Attributes
    ----------
    openstreetmap : bool
        Offer OpenStreetMap's public tiles.
    url : str or None
        A configured tile server's URL template.
    name : str
        Its name in the basemap list.
    attribution : str
        Its attribution line.
    """

    openstreetmap: bool = True
    url: str | None = None
    name: str = "Configured tiles"
    attribution: str = "Tiles: configured tile server"


# The role of everyone in local single-user mode (no sign-in configured): a briefing-room
# screen or a demonstration laptop can run the atlas as a viewer.
LOCAL_ROLES = ("viewer", "analyst", "admin")


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with :func:`load_settings`."""

    home: Path
    database_url: str
    wards_service: str
    wards_url_override: str | None
    http_timeout: float
    import_limits: InputLimits
    venue_limits: InputLimits
    local_role: str = "admin"
    marking: str = DEFAULT_MARKING
    demo_records: int = DEFAULT_DEMO_RECORDS
    vocab_file: Path | None = None
    tiles: TileSettings = TileSettings()
    bench_timing: Path | None = None

    @property
    def wards_cache(self) -> Path:
        """The cached, validated ward boundaries (GeoJSON, EPSG:4326)."""
        return self.home / "wards.geojson"

    @property
    def geomask_key_file(self) -> Path:
        """The locally generated geomasking key, used when no key is configured."""
        return self.home / "geomask.key"

    @property
    def id_hash_key_file(self) -> Path:
        """The locally generated key for hashing source ids, when none is configured."""
        return self.home / "id-hash.key"

    @property
    def wards_url(self) -> str:
        """The ArcGIS REST query for Barnet's wards (or the configured override)."""
        if self.wards_url_override:
            return self.wards_url_override
        return ons_wards_query_url(self.wards_service)


def ons_wards_query_url(service: str, *, lad_code: str = BARNET_LAD_CODE) -> str:
    """Build the ONS ArcGIS query URL for one local authority's wards.

    The local-authority field carries the same year as the service (``LAD24CD`` for a
    2024 ward service), as ONS names them.

    Parameters
    ----------
    service : str
        Feature service name, e.g. ``Wards_May_2024_Boundaries_UK_BGC``.
    lad_code : str
        Local authority district code to filter on.

    Returns
    -------
    str
        The query URL asking for GeoJSON in EPSG:4326.

    Examples
    --------
    >>> ons_wards_query_url("Wards_May_2024_Boundaries_UK_BGC").split("?")[1][:30]
    'where=LAD24CD%3D%27E09000003%27'
    """
    year = re.search(r"20(\d\d)", service)
    lad_field = f"LAD{year.group(1) if year else '24'}CD"
    where = quote(f"{lad_field}='{lad_code}'", safe="")
    return (
        f"{ONS_ARCGIS_BASE}/{service}/FeatureServer/0/query"
        f"?where={where}&outFields=*&outSR=4326&f=geojson"
    )


PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create a folder only its owner can use (0700), or tighten an existing one.

    An existing folder loses its group and other permissions, never gains any. A shared
    folder (sticky, like ``/tmp``) or one owned by another user is left alone.

    Parameters
    ----------
    path : Path

    Returns
    -------
    Path
        The folder.
    """
    path = Path(path)
    path.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_FOLDER_MODE)
    return path


def private_file(path: Path) -> None:
    """Take the group and other permissions away from a file (0600), if it exists.

    Parameters
    ----------
    path : Path
    """
    if Path(path).exists():
        _tighten(Path(path), PRIVATE_FILE_MODE)


def _tighten(path: Path, allowed: int) -> None:
    info = path.stat()
    ours = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if info.st_mode & stat.S_ISVTX or not ours:
        return  # a shared folder such as /tmp, or someone else's: not ours to change
    mode = stat.S_IMODE(info.st_mode)
    if mode & ~allowed:
        os.chmod(path, mode & allowed)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment.

    Parameters
    ----------
    environ : mapping, optional
        Defaults to ``os.environ``.

    Returns
    -------
    Settings
    """
    env = os.environ if environ is None else environ
    home = Path(env.get("ATLAS_HOME") or REPO_ROOT / "var")
    if not home.is_absolute():
        home = (Path.cwd() / home).resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{home / 'atlas.sqlite'}"
    local_role = (env.get("ATLAS_LOCAL_ROLE") or "admin").strip().lower()
    if local_role not in LOCAL_ROLES:
        raise ValueError(f"ATLAS_LOCAL_ROLE must be one of {', '.join(LOCAL_ROLES)}, "
                         f"not {env.get('ATLAS_LOCAL_ROLE')!r}.")
    columns = _whole(env, "ATLAS_MAX_COLUMNS", 100)
    ratio = _whole(env, "ATLAS_MAX_XLSX_RATIO", 100)
    return Settings(
        home=home,
        database_url=database_url,
        local_role=local_role,
        marking=(env.get("ATLAS_MARKING") or DEFAULT_MARKING).strip(),
        wards_service=env.get("ONS_WARDS_SERVICE") or DEFAULT_WARDS_SERVICE,
        wards_url_override=env.get("ONS_WARDS_URL") or None,
        http_timeout=float(env.get("ATLAS_HTTP_TIMEOUT") or 30),
        import_limits=_limits(env, "ATLAS_MAX", 50_000_000, 1_000_000, 200_000_000,
                              columns=columns, ratio=ratio),
        venue_limits=_limits(env, "ATLAS_MAX_VENUE", 2_000_000, 5_000, 20_000_000,
                             columns=columns, ratio=ratio),
        demo_records=_whole(env, "ATLAS_DEMO_RECORDS", DEFAULT_DEMO_RECORDS),
        vocab_file=Path(env["ATLAS_VOCAB_FILE"]) if env.get("ATLAS_VOCAB_FILE") else None,
        bench_timing=Path(env["ATLAS_BENCH_TIMING"]) if env.get("ATLAS_BENCH_TIMING") else None,
        tiles=TileSettings(
            openstreetmap=env.get("ATLAS_TILES_OSM", "1").strip() != "0",
            url=env.get("ATLAS_TILES_URL") or None,
            name=env.get("ATLAS_TILES_NAME") or TileSettings.name,
            attribution=env.get("ATLAS_TILES_ATTRIBUTION") or TileSettings.attribution,
        ),
    )


def _limits(env: Mapping[str, str], prefix: str, max_bytes: int, max_rows: int, max_xlsx: int, *,
            columns: int, ratio: int) -> InputLimits:
    """Read one set of input limits (``{prefix}_UPLOAD_BYTES``, ``_ROWS``...)."""
    return InputLimits(
        max_bytes=_whole(env, f"{prefix}_UPLOAD_BYTES", max_bytes),
        max_rows=_whole(env, f"{prefix}_ROWS", max_rows),
        max_columns=columns,
        max_xlsx_uncompressed_bytes=_whole(env, f"{prefix}_XLSX_UNCOMPRESSED_BYTES", max_xlsx),
        max_xlsx_ratio=ratio,
    )


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    """Read a limit: a whole number of at least 1 (``_`` and ``,`` allowed as separators)."""
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text.replace(",", "").replace("_", "").strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {text!r}.")
    return value
