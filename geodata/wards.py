"""Barnet's ward boundaries: download from the ONS, load a file, normalise, validate, cache.

Whatever the source, the result is the same small GeoDataFrame: one row per ward with
``ward_code``, ``ward_name`` and a polygon in EPSG:27700, sorted by code. Joins use the
code, never the name ("Totteridge & Woodside" vs "Totteridge and Woodside").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import requests
import shapely

from geodata import http
from geodata.errors import BoundaryError, DownloadError
from geodata.schema import (
    BARNET_LAD_CODE,
    BARNET_WARD_CODES,
    CRS_METRIC,
    CRS_WGS84,
    WARD_CODE,
    WARD_NAME,
)
from geodata.settings import Settings, private_folder

# Barnet's extent in British National Grid with a generous margin: a file whose wards
# fall outside it is another place (or has its coordinates in the wrong CRS).
# The attribution the ONS boundaries need wherever they are shown or exported (OGL v3.0).
ONS_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Source: Office for National Statistics. Contains OS data © Crown copyright and "
    "database right."
)
BARNET_BOUNDS_METRIC = (510_000.0, 183_000.0, 535_000.0, 201_000.0)

_CODE_FIELD = re.compile(r"^(WD\d{2}CD|ward_?code)$", re.IGNORECASE)
_NAME_FIELD = re.compile(r"^(WD\d{2}NM|ward_?name)$", re.IGNORECASE)
_LAD_FIELD = re.compile(r"^LAD\d{2}CD$", re.IGNORECASE)
_MAX_PAGES = 50

BOUNDARY_FIX = (
    "Use the current ward boundaries from the ONS Open Geography Portal "
    "(python -m geodata wards --fetch), or a GeoJSON, GeoPackage or zipped shapefile of "
    "Barnet's 24 wards with a ward code field such as WD22CD."
)


def load_wards_file(path: str | Path, *, expected_codes: Sequence[str] = BARNET_WARD_CODES):
    """Load ward boundaries from a file the user gives and validate them.

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage or zipped shapefile.
    expected_codes : sequence of str
        The ward codes the borough must have.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ward_code``, ``ward_name``, ``geometry`` in EPSG:27700, sorted by code.

    Raises
    ------
    BoundaryError
        When the file cannot be read or does not hold Barnet's wards.
    """
    path = Path(path)
    if not path.exists():
        raise BoundaryError(
            "The file does not exist.", source=str(path), fix="Check the path and try again."
        )
    try:
        raw = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several unrelated types for unreadable files
        raise BoundaryError(
            f"The file could not be read as map data ({exc}).",
            source=path.name,
            fix=BOUNDARY_FIX,
        ) from exc
    return normalise_wards(raw, source=path.name, expected_codes=expected_codes)


def fetch_wards(
    url: str,
    *,
    timeout: float = 30.0,
    expected_codes: Sequence[str] = BARNET_WARD_CODES,
    session: requests.Session | None = None,
):
    """Download ward boundaries from an ArcGIS REST feature service query.

    Follows ArcGIS paging (``exceededTransferLimit``) so a service with a small maximum
    record count still returns every ward.

    Parameters
    ----------
    url : str
        A query URL answering GeoJSON, e.g. :attr:`Settings.wards_url`.
    timeout : float
        Seconds to wait for each response.
    expected_codes : sequence of str
        The ward codes the borough must have.
    session : requests.Session, optional
        For connection reuse and tests.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`load_wards_file`.

    Raises
    ------
    DownloadError
        The service could not be reached, answered an error, or sent something unusable.
    BoundaryError
        The service answered, but not with Barnet's wards.
    """
    features: list[dict] = []
    for page in range(_MAX_PAGES):
        body = _get_json(_with_offset(url, len(features)) if page else url, timeout, session)
        page_features = body.get("features")
        if not isinstance(page_features, list):
            raise DownloadError(
                "The answer is not a GeoJSON FeatureCollection (no 'features' list).",
                source=url,
                fix="Check that the URL ends in f=geojson and names a feature service.",
            )
        features.extend(page_features)
        more = body.get("exceededTransferLimit") or body.get("properties", {}).get(
            "exceededTransferLimit"
        )
        if not more or not page_features:
            break
    if not features:
        raise DownloadError(
            "The service answered with no wards for Barnet (an empty result).",
            source=url,
            fix="Check the service name (ONS_WARDS_SERVICE) and the local authority filter "
            f"(LADxxCD='{BARNET_LAD_CODE}') in the URL.",
        )
    collection = {"type": "FeatureCollection", "features": features}
    try:
        raw = gpd.GeoDataFrame.from_features(collection, crs=CRS_WGS84)
    except Exception as exc:  # malformed geometry in an otherwise valid JSON body
        raise DownloadError(
            f"The answer holds features that are not valid GeoJSON ({exc}).",
            source=url,
            fix=BOUNDARY_FIX,
        ) from exc
    return normalise_wards(raw, source=url, expected_codes=expected_codes)


def _with_offset(url: str, offset: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "resultOffset"]
    query.append(("resultOffset", str(offset)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _get_json(url: str, timeout: float, session: requests.Session | None) -> dict:
    response = http.get(url, timeout=timeout, service="The boundary service",
                        fallback="load a boundary file instead", session=session)
    try:
        body = response.json()
    except ValueError as exc:
        raise DownloadError(
            "The boundary service answered with something that is not JSON.",
            source=url,
            fix="Check that the URL ends in f=geojson; retry later or load a boundary file.",
        ) from exc
    if not isinstance(body, dict):
        raise DownloadError(
            "The answer is JSON but not a GeoJSON object.", source=url, fix=BOUNDARY_FIX
        )
    if "error" in body:
        error = body["error"] if isinstance(body["error"], dict) else {"message": body["error"]}
        details = "; ".join(str(d) for d in error.get("details") or [])
        raise DownloadError(
            f"The ArcGIS service reported an error {error.get('code', '')}: "
            f"{error.get('message', 'no message')}{' (' + details + ')' if details else ''}.",
            source=url,
            fix="Check the service name (ONS_WARDS_SERVICE) and the field names in the query; "
            "ONS renames the year in them (WD24CD, LAD24CD) with each release.",
        )
    return body


def normalise_wards(
    raw: gpd.GeoDataFrame,
    *,
    source: str,
    expected_codes: Sequence[str] = BARNET_WARD_CODES,
) -> gpd.GeoDataFrame:
    """Reduce any ward layer to ``ward_code``, ``ward_name``, geometry, and validate it.

    Field names may carry any year (``WD22CD``, ``WD24NM``...). A national layer with a
    local-authority field is filtered to Barnet first.

    Parameters
    ----------
    raw : geopandas.GeoDataFrame
        The layer as read; it is not modified.
    source : str
        File name or URL, for messages.
    expected_codes : sequence of str
        The ward codes the borough must have.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:27700, sorted by code, with a fresh index.

    Raises
    ------
    BoundaryError
        Missing CRS or fields, invalid or non-polygon shapes, wrong or duplicated codes,
        the wrong number of wards, or wards outside Barnet.
    """
    if not isinstance(raw, gpd.GeoDataFrame) or raw.active_geometry_name is None:
        raise BoundaryError(
            "The file holds no shapes (it reads as a plain table).",
            source=source,
            fix=BOUNDARY_FIX,
        )
    if raw.crs is None:
        raise BoundaryError(
            "The layer has no coordinate reference system.",
            source=source,
            fix="Save it with its CRS (e.g. EPSG:4326 or EPSG:27700), or set it with "
            "GeoDataFrame.set_crs(...) before loading.",
        )
    code_col = _find_field(raw, _CODE_FIELD, "ward code (WD22CD, WD24CD, ...)", source)
    name_col = _find_field(raw, _NAME_FIELD, "ward name (WD22NM, WD24NM, ...)", source)
    lad_cols = [c for c in raw.columns if _LAD_FIELD.match(str(c))]
    if lad_cols:
        raw = raw[raw[lad_cols[0]].astype(str).str.strip() == BARNET_LAD_CODE]
    wards = gpd.GeoDataFrame(
        {
            WARD_CODE: raw[code_col].astype(str).str.strip().to_numpy(),
            WARD_NAME: raw[name_col].astype(str).str.strip().to_numpy(),
        },
        geometry=raw.geometry.to_numpy(),
        crs=raw.crs,
    ).to_crs(CRS_METRIC)
    _validate_location(wards, source)
    _validate_geometry(wards, source)
    _validate_codes(wards, source, expected_codes)
    return wards.sort_values(WARD_CODE, ignore_index=True)


def _find_field(raw: gpd.GeoDataFrame, pattern: re.Pattern, what: str, source: str) -> str:
    for column in raw.columns:
        if pattern.match(str(column)):
            return column
    found = ", ".join(str(c) for c in raw.columns if c != raw.geometry.name)
    raise BoundaryError(
        f"No {what} field was found; the fields are: {found or 'none'}.",
        source=source,
        fix=BOUNDARY_FIX,
    )


def _validate_geometry(wards: gpd.GeoDataFrame, source: str) -> None:
    geoms = wards.geometry
    missing = wards.loc[geoms.isna() | geoms.is_empty, WARD_CODE].tolist()
    if missing:
        raise BoundaryError(
            f"Ward(s) {', '.join(missing)} have no geometry.", source=source, fix=BOUNDARY_FIX
        )
    bad_type = wards.loc[~geoms.geom_type.isin(["Polygon", "MultiPolygon"]), WARD_CODE]
    if len(bad_type):
        raise BoundaryError(
            f"Ward(s) {', '.join(bad_type)} are not polygons.", source=source, fix=BOUNDARY_FIX
        )
    invalid = wards.loc[~geoms.is_valid, WARD_CODE].tolist()
    if invalid:
        reasons = {
            code: shapely.is_valid_reason(geom)
            for code, geom in zip(wards[WARD_CODE], geoms, strict=True)
            if code in invalid
        }
        listed = "; ".join(f"{code}: {why}" for code, why in list(reasons.items())[:5])
        if len(reasons) > 5:
            listed += f"; and {len(reasons) - 5} more"
        raise BoundaryError(
            f"Invalid polygon(s): {listed}.",
            source=source,
            fix="Repair the shapes (QGIS 'Fix geometries' or shapely.make_valid) and load the "
            "file again.",
        )


def _validate_codes(wards: gpd.GeoDataFrame, source: str, expected: Sequence[str]) -> None:
    codes = wards[WARD_CODE]
    dupes = sorted(set(codes[codes.duplicated()]))
    if dupes:
        raise BoundaryError(
            f"Ward code(s) appear more than once: {', '.join(dupes)}.",
            source=source,
            fix="Dissolve the parts of each ward into one feature (one row per ward).",
        )
    if len(codes) != len(expected):
        raise BoundaryError(
            f"Found {len(codes)} ward(s) for Barnet; Barnet has {len(expected)} wards since "
            "May 2022.",
            source=source,
            fix=BOUNDARY_FIX,
        )
    unknown = sorted(set(codes) - set(expected))
    if unknown:
        raise BoundaryError(
            f"Ward code(s) that are not Barnet's current wards: {', '.join(unknown[:5])}"
            f"{' ...' if len(unknown) > 5 else ''} (expected {expected[0]} to {expected[-1]}).",
            source=source,
            fix=BOUNDARY_FIX,
        )


def _validate_location(wards: gpd.GeoDataFrame, source: str) -> None:
    minx, miny, maxx, maxy = wards.total_bounds
    bx0, by0, bx1, by1 = BARNET_BOUNDS_METRIC
    finite = np.all(np.isfinite([minx, miny, maxx, maxy]))
    if not finite or minx < bx0 or miny < by0 or maxx > bx1 or maxy > by1:
        raise BoundaryError(
            "The wards do not lie in Barnet once projected to British National Grid "
            f"(extent {minx:.0f}, {miny:.0f} to {maxx:.0f}, {maxy:.0f}).",
            source=source,
            fix="Check that the file's CRS is declared correctly (a file in British National "
            "Grid labelled as WGS84 lands in the wrong place).",
        )


def save_wards(wards: gpd.GeoDataFrame, path: Path) -> None:
    """Write validated wards as GeoJSON (EPSG:4326), atomically.

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        As returned by :func:`load_wards_file` or :func:`fetch_wards`.
    path : Path
        Destination; its folder is created if needed.
    """
    private_folder(path.parent)  # usually the atlas home, which holds the store and keys
    tmp = path.with_suffix(".tmp")
    tmp.write_text(wards.to_crs(CRS_WGS84).to_json(drop_id=True), encoding="utf-8")
    tmp.replace(path)





def load_cached_wards(settings: Settings) -> gpd.GeoDataFrame:
    """Return the cached, validated wards, or say how to get them.

    Parameters
    ----------
    settings : Settings
        Where the cache lives.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    BoundaryError
        When no boundaries are cached yet, or the cache is unusable.
    """
    if not settings.wards_cache.exists():
        raise BoundaryError(
            "No ward boundaries are cached yet.",
            source=str(settings.wards_cache),
            fix="Run 'python -m geodata wards --fetch' (or --from FILE) first.",
        )
    return load_wards_file(settings.wards_cache)


def borough_outline(wards: gpd.GeoDataFrame):
    """Return Barnet's outline as the union of its wards (EPSG:27700).

    Parameters
    ----------
    wards : geopandas.GeoDataFrame
        Validated wards.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
    """
    # Generalised ward layers leave slivers between neighbours; a 1 m buffer closes them.
    return shapely.buffer(shapely.buffer(wards.geometry.union_all(), 1.0), -1.0)


