"""Ward outlines and names drawn on the maps (labels escaped, never a tab stop)."""

import json
import re

from dashboard import maps
from geodata.geography import build_geography
from tests.helpers import toy_wards


def rendered(geometry, group) -> str:
    m = maps.build_base_map(geometry)
    m.add_child(group)
    return m.get_root().render()


def label_texts(html: str) -> list[str]:
    """The text of every ward label, as the browser would show it."""
    texts = []
    for raw in re.findall(r"var d = (\{.*?\});\n", html):
        data = json.loads(raw)
        if data.get("className") == "atlas-ward-label":
            texts += [re.sub(r"<[^>]*>", "", name) for name in data["names"]]
    return texts


def test_every_ward_is_outlined_and_named_and_names_are_escaped():
    wards = toy_wards()
    wards.loc[3, "ward_name"] = '<img src=x onerror="alert(1)">'
    geometry = maps.build_map_geometry(build_geography(wards))
    html = rendered(geometry, maps.build_ward_labels_layer(geometry))
    texts = label_texts(html)
    assert len(texts) == 24
    assert "Toy Ward 1" in texts and "Totteridge &amp; Woodside" in texts
    assert '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;' in texts  # shown, not run
    assert "<img" not in html and "\\u003cimg" not in html
    # labels take neither pointer nor keyboard focus; the zoom rule hides them when far out
    assert re.search(r"L\.marker\([^;]*interactive: false, keyboard: false", html, re.S)
    assert "atlas-labels-hidden" in html and str(maps.LABEL_MIN_ZOOM) in html


def test_a_selection_names_only_its_wards():
    geometry = maps.build_map_geometry(build_geography(toy_wards()))
    texts = label_texts(rendered(geometry, maps.build_ward_labels_layer(geometry, [0, 5])))
    assert sorted(texts) == ["Toy Ward 1", "Toy Ward 6"]
