"""Point in ward: inside, on a shared edge or corner, outside, and missing coordinates."""

import geopandas as gpd
import numpy as np
import shapely

from geodata.locate import ward_codes_of, ward_index_of
from geodata.schema import CRS_METRIC
from tests.helpers import TOY_COLS, TOY_H, TOY_W, TOY_X0, TOY_Y0, toy_wards


def reference(x, y, wards):
    """Every point tested against every ward with its own point geometry (slow, plain)."""
    points = shapely.points(x, y)
    point_pos, ward_pos = wards.sindex.query(points, predicate="intersects")
    first = np.unique(point_pos, return_index=True)[1]
    out = np.full(len(x), -1)
    out[point_pos[first]] = ward_pos[first]
    return out


def irregular_wards(seed=3):
    """Voronoi cells: wards with slanted shared edges, clipped to a square."""
    rng = np.random.default_rng(seed)
    seeds = shapely.multipoints(rng.uniform(0, 1000, (30, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds))
    cells = shapely.intersection(cells, shapely.box(0, 0, 1000, 1000))
    return gpd.GeoDataFrame({"ward_code": [f"W{i}" for i in range(len(cells))]},
                            geometry=cells, crs=CRS_METRIC)


def test_points_inside_on_edges_and_outside():
    wards = toy_wards()
    # the centre of ward 0; the edge shared by wards 0 and 1; the corner of 0, 1, 6, 7;
    # outside; and a missing coordinate
    x = np.array([TOY_X0 + TOY_W / 2, TOY_X0 + TOY_W, TOY_X0 + TOY_W, TOY_X0 - 5, np.nan])
    y = np.array([TOY_Y0 + TOY_H / 2, TOY_Y0 + 10, TOY_Y0 + TOY_H, TOY_Y0, TOY_Y0])
    found = ward_index_of(x, y, wards)
    assert found[0] == 0 and found[3] == -1 and found[4] == -1
    assert found[1] in (0, 1) and found[2] in (0, 1, TOY_COLS, TOY_COLS + 1)
    assert found.tolist() == reference(np.nan_to_num(x), y, wards).tolist()[:4] + [-1]
    codes = ward_codes_of(x, y, wards)
    assert codes[0] == wards["ward_code"].iloc[0] and codes[3] is None and codes[4] is None


def test_same_wards_as_testing_each_point_on_its_own():
    wards = irregular_wards()
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-50, 1050, 20_000), rng.uniform(-50, 1050, 20_000)
    # and every vertex of every ward: points on shared edges and corners
    vertices = shapely.get_coordinates(wards.geometry.to_numpy())
    x, y = np.concatenate([x, vertices[:, 0]]), np.concatenate([y, vertices[:, 1]])
    found = ward_index_of(x, y, wards)
    assert (found == reference(x, y, wards)).all()
    assert (found == -1).sum() > 0 and len(np.unique(found)) == len(wards) + 1
