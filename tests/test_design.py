"""Guards of the design for speed (issue 7), as tests of behaviour, not timings."""

import geopandas
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geodata.schema import BARNET_WARD_CODES
from tests.test_app import APP


def forbidden(*args, **kwargs):
    raise AssertionError("a spatial join or point-in-polygon test ran during a rerun")


@pytest.mark.parametrize("layer", ["wards", "grid-250"])
def test_a_rerun_does_no_spatial_join(atlas_home, monkeypatch, layer):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["layer"] = layer
    at.run()  # the first run builds the index and geometry, once per process
    assert not at.exception
    for target, name in (
        (geopandas, "sjoin"),
        (geopandas.GeoDataFrame, "sjoin"),
        (shapely, "contains_xy"),
        (shapely, "intersects"),
        (shapely.STRtree, "query"),
    ):
        monkeypatch.setattr(target, name, forbidden)
    for target in (geopandas.GeoSeries, geopandas.GeoDataFrame):
        monkeypatch.setattr(target, "sindex", property(forbidden))
    monkeypatch.setattr("geodata.locate.ward_index_of", forbidden)
    at.selectbox(key="f_preset").set_value("campaign week").run()
    at.multiselect(key="f_wards").set_value(list(BARNET_WARD_CODES[:3])).run()
    at.checkbox(key="f_kind_outreach").uncheck().run()
    assert not at.exception, at.exception


def test_the_guard_would_catch_a_spatial_join(atlas_home, monkeypatch):
    from geodata.geography import build_geography
    from tests.helpers import toy_wards

    monkeypatch.setattr(geopandas.GeoSeries, "sindex", property(forbidden))
    with pytest.raises(AssertionError, match="spatial join"):
        build_geography(toy_wards())  # building the geography does use the index
