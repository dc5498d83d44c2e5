"""Layers: dashboard -> exports -> analysis -> geodata; below the dashboard, no Streamlit.

geodata and analysis never import the UI at all; exports may use folium-free web pieces
(jinja2) and matplotlib but never Streamlit, so the export command line runs without it.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UI = {"streamlit", "folium", "streamlit_folium", "branca"}
# What each room below the dashboard may import of ours; none of them imports the UI, so
# the export command line runs without Streamlit.
LAYERS = {
    "geodata": {"geodata"},
    "analysis": {"geodata", "analysis"},
    "exports": {"geodata", "analysis", "exports"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_lower_layers_do_not_import_the_ui_or_higher_layers(package):
    allowed_own = LAYERS[package]
    for path in sorted((ROOT / package).rglob("*.py")):
        modules = imported_modules(path)
        assert not modules & UI, f"{path} imports {modules & UI}"
        ours = modules & {"geodata", "analysis", "exports", "dashboard"}
        assert ours <= allowed_own, f"{path} imports {ours - allowed_own}"


def test_exports_never_use_pyplot_nor_change_global_rc_params():
    for path in sorted((ROOT / "exports").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names |= {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.Name):
                names.add(node.id)
        banned = {"matplotlib.pyplot", "rcParams", "rc_context", "matplotlib.use"}
        assert not names & banned, f"{path} uses {names & banned}; build a Figure instead"


def test_importing_every_lower_module_loads_no_ui():
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for package in LAYERS
        for p in (ROOT / package).rglob("*.py")
        if p.name not in ("__main__.py", "__init__.py")
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(set(sys.modules) & {set(UI)!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_check_would_catch_a_ui_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import folium\nfrom streamlit import cache_data\n")
    assert imported_modules(bad) >= {"folium", "streamlit"}
