"""Browser assets (Leaflet, jQuery) served by the app itself, from pip-installed packages.

The map must work without any request to a third-party host. Leaflet and jQuery come from
the XStatic-Leaflet and XStatic-jQuery packages; :func:`install_assets` copies them into
``dashboard/static/vendor`` (ignored by git), which Streamlit serves under ``/app/static``
(``server.enableStaticServing``). Run ``python -m dashboard.assets`` after installing the
requirements; the app also does it on start.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import xstatic.pkg.jquery as xs_jquery
import xstatic.pkg.leaflet as xs_leaflet

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"

# The map lives in streamlit-folium's component iframe at /component/<name>/index.html;
# this relative prefix reaches /app/static/ from there, also under a server.baseUrlPath.
_FROM_COMPONENT = "../../app/static/vendor"

_FILES = {
    "leaflet": (Path(xs_leaflet.BASE_DIR), ["leaflet.js", "leaflet.css", "images"]),
    "jquery": (Path(xs_jquery.BASE_DIR), ["jquery.min.js"]),
}


def _version_dir(name: str) -> str:
    module = xs_leaflet if name == "leaflet" else xs_jquery
    return f"{name}-{module.VERSION}"


def install_assets(target: Path = VENDOR_DIR) -> Path:
    """Copy the vendored browser assets into the static folder (idempotent).

    Parameters
    ----------
    target : Path
        The vendor folder; defaults to ``dashboard/static/vendor``.

    Returns
    -------
    Path
        The vendor folder.
    """
    for name, (source, entries) in _FILES.items():
        dest = target / _version_dir(name)
        for entry in entries:
            src, dst = source / entry, dest / entry
            if dst.exists():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    return target


def leaflet_url(name: str) -> str:
    """Return the URL of a Leaflet file (``leaflet.js``, ``leaflet.css``) from a component."""
    return f"{_FROM_COMPONENT}/{_version_dir('leaflet')}/{name}"


def leaflet_js() -> list[tuple[str, str]]:
    """Return folium-style ``(name, url)`` pairs for the JavaScript the map needs."""
    return [
        ("leaflet", leaflet_url("leaflet.js")),
        ("jquery", f"{_FROM_COMPONENT}/{_version_dir('jquery')}/jquery.min.js"),
    ]


def leaflet_css() -> list[tuple[str, str]]:
    """Return folium-style ``(name, url)`` pairs for the stylesheets the map needs."""
    return [("leaflet_css", leaflet_url("leaflet.css"))]


if __name__ == "__main__":
    print(f"Browser assets installed in {install_assets()}")
