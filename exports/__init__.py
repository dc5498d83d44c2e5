"""Exports of a map view for briefings: PNG, PDF pack, offline HTML, CSV and GeoJSON.

This package never imports Streamlit (``tests/test_layering.py``): the dashboard's export
panel and the command line (``python -m exports``) call the same functions.

===================  ============================================================
module               what it does
===================  ============================================================
``snapshot``         the released view behind an export, its words and classes
``tables``           figures as tables; CSV and GeoJSON
``printed``          the PNG map page and the PDF briefing pack (matplotlib Figure)
``html``             the offline HTML map (a jinja2 template, autoescaped)
``formats``          one ``render`` for every format; the pack's priorities
``cli``              the command line for scheduled briefings
===================  ============================================================
"""

from exports.formats import (
    FORMATS,
    MIME,
    PACK_PRIORITIES,
    PRIORITIES_NOTE,
    file_name,
    pack_options,
    pack_priorities,
    render,
)
from exports.printed import PackSection
from exports.snapshot import NO_TILES, TITLE, Snapshot, prepare_snapshot, ward_snapshots

__all__ = [
    "FORMATS", "MIME", "NO_TILES", "PACK_PRIORITIES", "PRIORITIES_NOTE", "TITLE",
    "PackSection", "Snapshot", "file_name", "pack_options", "pack_priorities",
    "prepare_snapshot", "render", "ward_snapshots",
]
