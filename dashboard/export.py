"""Exports from the command line, for scheduled briefings.

``python -m dashboard.export --format png|pdf|html|csv|geojson --out FILE [--from DATE]
[--to DATE] [--wards CODE,...] [--kind referral|outreach] [--layer wards|grid-500] ...``

It reads the same store and boundaries as the dashboard, applies the same release
control, and records the export in the audit log. Exit status: 0 written, 2 bad input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from analysis.dataset import AtlasData, load_atlas_data
from analysis.filters import PRESET_ALL, Filters, preset_window
from analysis.plan import compute_priorities
from dashboard import maps, snapshot
from dashboard.url_state import LAYERS
from geodata.errors import AtlasDataError
from geodata.geography import build_geography
from geodata.release import DEFAULT_POLICY, load_geomask_key, snap_to_weeks
from geodata.schema import KINDS
from geodata.settings import Settings, load_settings
from geodata.store import Store
from geodata.wards import load_cached_wards

EXIT_OK, EXIT_BAD_INPUT = 0, 2
PDF_NOTES = (
    "Disclosure control: " + " ".join(DEFAULT_POLICY.describe()),
    "Priorities: wards are ranked by their outreach gap, the referrals that their own outreach "
    "within 400 m would not cover at the borough's usual rate of outreach per referral.",
)


def _date(text: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"expected a date such as 2023-09-24, not {text!r}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard.export", description=__doc__)
    parser.add_argument("--format", required=True, choices=snapshot.FORMATS)
    parser.add_argument("--out", required=True, metavar="FILE")
    parser.add_argument("--from", dest="start", type=_date, help="first day (default: all)")
    parser.add_argument("--to", dest="end", type=_date, help="last day (default: all)")
    parser.add_argument("--wards", default="", help="ward codes, comma-separated (default: all)")
    parser.add_argument("--kind", choices=KINDS, help="only referrals or only outreach")
    parser.add_argument("--layer", choices=LAYERS, default="wards")
    parser.add_argument("--dpi", type=int, default=200, help="PNG resolution (50-300)")
    parser.add_argument("--marking", default=snapshot.DEFAULT_MARKING)
    parser.add_argument("--ward-pages", action="store_true", help="PDF: a page per ward")
    parser.add_argument("--by", default="command line", help="who exports (audit log)")
    return parser


def export_view(data: AtlasData, store: Store, args: argparse.Namespace) -> bytes:
    """Build the export the arguments ask for, and record it in the audit log.

    Parameters
    ----------
    data : AtlasData
    store : Store
        For the audit log.
    args : argparse.Namespace
        Parsed command-line arguments.

    Returns
    -------
    bytes

    Raises
    ------
    AtlasDataError
        For unknown ward codes or a date range without data.
    """
    filters = _filters(data, args)
    cell_size = None if args.layer == "wards" else int(args.layer.split("-")[1])
    snap = snapshot.prepare_snapshot(data, filters, cell_size=cell_size, marking=args.marking)
    options: dict = {}
    if args.format == "png":
        options["dpi"] = args.dpi
    if args.format == "pdf":
        ranking = compute_priorities(data, filters)
        options.update(priorities=_ranking(ranking.ward_gaps), notes=PDF_NOTES,
                       ward_pages=args.ward_pages)
    geometry = maps.build_map_geometry(data.geography) if args.format == "html" else None
    content = snapshot.render(snap, args.format, data, geometry, **options)
    store.audit(user=args.by, action="export", what=args.format,
                details={"filters": snap.filters_text, "layer": args.layer,
                         "marking": snap.marking, "file": Path(args.out).name})
    return content


def _ranking(gaps):
    columns = {"rank": "Rank", "name": "Ward", "referrals": "Referrals",
               "outreach_nearby": "Outreach nearby", "reason": "Why"}
    return gaps[list(columns)].rename(columns=columns)


def _filters(data: AtlasData, args: argparse.Namespace) -> Filters:
    wards = tuple(w.strip() for w in args.wards.split(",") if w.strip())
    unknown = sorted(set(wards) - set(data.geography.ward_codes))
    if unknown:
        raise AtlasDataError(
            f"Unknown ward code(s): {', '.join(unknown)}.", column="--wards",
            fix=f"Use Barnet's codes, {data.geography.ward_codes[0]} to "
            f"{data.geography.ward_codes[-1]}.",
        )
    if data.last_day is None:
        raise AtlasDataError("There are no records to export.", fix="Import data first.")
    if args.start or args.end:
        window = snap_to_weeks(args.start or data.first_day, args.end or data.last_day)
    else:
        window = preset_window(PRESET_ALL, data.last_day, first_day=data.first_day)
    return Filters(window=window, wards=wards, kinds=(args.kind,) if args.kind else KINDS)


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run the export command; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
    settings : Settings, optional

    Returns
    -------
    int
    """
    args = _parser().parse_args(argv)
    settings = settings or load_settings()
    try:
        geography = build_geography(load_cached_wards(settings))
        store = Store(settings.database_url)
        data = load_atlas_data(
            store, geography, geomask_key=load_geomask_key(None, settings.geomask_key_file)
        )
        content = export_view(data, store, args)
    except (AtlasDataError, ValueError) as error:
        print(f"error: {getattr(error, 'message', error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"Wrote {out} ({len(content):,} bytes, {args.format}).")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
