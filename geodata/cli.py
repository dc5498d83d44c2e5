"""Command line for batch work: ``python -m geodata wards|demo|import|population|indicator``.

Every command that changes the stored data or the ward boundaries writes an entry in the
audit log (who: ``--by``). Exit status: 0 on success, 1 when the work found nothing usable,
2 when the input could not be read at all. Errors are printed as one plain message (what,
where, how to fix), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from geodata.errors import AtlasDataError
from geodata.settings import Settings, load_settings

EXIT_OK = 0
EXIT_NOTHING = 1
EXIT_UNREADABLE = 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geodata", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    wards = commands.add_parser("wards", help="get Barnet's ward boundaries into the cache")
    source = wards.add_mutually_exclusive_group(required=True)
    source.add_argument("--fetch", action="store_true", help="download from the ONS")
    source.add_argument("--from", dest="from_file", metavar="FILE", help="load a boundary file")
    source.add_argument(
        "--ensure",
        action="store_true",
        help="keep the cached boundaries if there are any, otherwise download them",
    )
    wards.add_argument("--url", help="ArcGIS query URL (default: the ONS service)")
    _by(wards, "who is loading the boundaries")

    demo = commands.add_parser("demo", help="write synthetic demo records as an import CSV")
    demo.add_argument("--records", type=_positive_int, default=1000, help="how many records")
    demo.add_argument("--seed", type=int, default=None, help="random seed (same seed, same data)")
    demo.add_argument("--out", required=True, metavar="FILE.csv", help="where to write")
    demo.add_argument("--wards", metavar="FILE", help="boundary file (default: the cache)")

    importer = commands.add_parser("import", help="validate and store a file of records")
    importer.add_argument("file", metavar="FILE")
    importer.add_argument(
        "--kind", required=True, choices=["referral", "outreach", "mixed", "crime"],
        help="what the file holds (mixed: a 'kind' column says, row by row)",
    )
    importer.add_argument("--dry-run", action="store_true", help="report only, store nothing")
    importer.add_argument("--name", help="dataset name (default: the file name)")
    overlap = importer.add_mutually_exclusive_group()
    overlap.add_argument(
        "--only-new", action="store_true",
        help="when rows are already stored, add only the new rows (as a new dataset)",
    )
    overlap.add_argument(
        "--replace", type=_positive_int, metavar="N",
        help="store the file in place of dataset N (deleted in the same step)",
    )
    importer.add_argument(
        "--fix-swapped", action="store_true",
        help="read rows whose latitude and longitude are recognisably swapped the right way",
    )
    importer.add_argument(
        "--keep-repeats", action="store_true",
        help="keep rows without an id that repeat an earlier row exactly (several people "
             "found together); by default they are rejected",
    )
    _by(importer, "who is importing")
    importer.add_argument("--report", metavar="FILE.csv", help="write the rejected rows as CSV")
    population = commands.add_parser(
        "population", help="store residents per ward (Census 2021 from Nomis, or a CSV)"
    )
    pop_source = population.add_mutually_exclusive_group(required=True)
    pop_source.add_argument("--fetch", action="store_true", help="download from Nomis")
    pop_source.add_argument("--from", dest="from_file", metavar="FILE.csv",
                            help="a CSV of ward code and population")
    population.add_argument("--url", help="Nomis query URL (default: Census 2021, TS001)")
    _by(population, "who is loading the figures")

    indicator = commands.add_parser(
        "indicator", help="store a context indicator per ward from a CSV of code and value"
    )
    indicator.add_argument("name", help="what the figure is, e.g. 'Born in Romania'")
    indicator.add_argument("file", metavar="FILE.csv")
    _by(indicator, "who is loading the figures")
    return parser


def _by(command: argparse.ArgumentParser, who: str) -> None:
    command.add_argument("--by", default="command line", help=f"{who} (audit log)")


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.
    settings : Settings, optional
        Defaults to the environment.

    Returns
    -------
    int
    """
    args = _parser().parse_args(argv)
    settings = settings or load_settings()
    try:
        if args.command == "wards":
            return _wards(args, settings)
        if args.command == "demo":
            return _demo(args, settings)
        if args.command in ("population", "indicator"):
            return _ward_figures(args, settings)
        return _import(args, settings)
    except AtlasDataError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return EXIT_UNREADABLE


def _wards(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.store import Store
    from geodata.wards import fetch_wards, load_wards_file, save_wards

    if args.ensure and settings.wards_cache.exists():
        load_wards_file(settings.wards_cache)  # still valid?
        print(f"Ward boundaries are cached in {settings.wards_cache}.")
        return EXIT_OK
    url = None
    if args.from_file:
        wards = load_wards_file(args.from_file)
    else:
        url = args.url or settings.wards_url
        print(f"Downloading ward boundaries from {url} ...")
        wards = fetch_wards(url, timeout=settings.http_timeout)
    save_wards(wards, settings.wards_cache)
    Store(settings.database_url).audit(
        user=args.by, action="wards", what="ward boundaries",
        details={"command": "wards", "source": str(args.from_file or url), "wards": len(wards)},
    )
    print(f"Saved {len(wards)} Barnet wards to {settings.wards_cache}.")
    return EXIT_OK


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.demo import DEFAULT_SEED, generate_demo, write_demo_csv
    from geodata.wards import load_cached_wards, load_wards_file

    wards = load_wards_file(args.wards) if args.wards else load_cached_wards(settings)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    demo = generate_demo(wards, n_records=args.records, seed=seed)
    path = write_demo_csv(demo, args.out)
    print(f"Wrote {len(demo.records):,} synthetic records (seed {seed}) to {path}.")
    print("Under-served clusters planted: " + ", ".join(c.name for c in demo.under_served))
    return EXIT_OK



def _import(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.importing import store_report, validate_file
    from geodata.readers import check_size
    from geodata.release import ID_HASH_KEY_ENV, load_secret_key
    from geodata.store import Store
    from geodata.wards import load_cached_wards

    path = Path(args.file)
    if not path.is_file():
        raise AtlasDataError("The file does not exist.", source=str(path),
                             fix="Check the path and try again.")
    check_size(path.stat().st_size, path.name, settings.import_limits)  # before reading it
    wards = load_cached_wards(settings)
    store = Store(settings.database_url)
    if args.replace is not None and args.replace not in {d.id for d in store.list_datasets()}:
        raise AtlasDataError(f"There is no dataset {args.replace} to replace.",
                             source=f"--replace {args.replace}",
                             fix="Check the dataset id on the Data page.")
    report = validate_file(
        path.read_bytes(),
        path.name,
        kind=args.kind,
        wards=wards,
        hash_key=load_secret_key(None, settings.id_hash_key_file, ID_HASH_KEY_ENV),
        store=store,
        replacing=args.replace,
        keep_repeats=args.keep_repeats,
        fix_swapped=args.fix_swapped,
        progress=lambda fraction, message: print(f"{message} ...", file=sys.stderr),
        limits=settings.import_limits,
    )
    print("\n".join(report.summary()))
    if args.report:
        Path(args.report).write_bytes(report.to_csv())
        print(f"Rejected rows written to {args.report}.")
    if report.error:
        return EXIT_UNREADABLE
    if not report.rows_accepted:
        return EXIT_NOTHING
    if args.dry_run:
        print("Dry run: nothing was stored.")
        return EXIT_OK
    if report.overlaps and not (args.only_new or args.replace):
        held = ", ".join(str(d) for d in sorted(report.overlaps))
        print(
            f"Nothing was stored: some rows are already stored (dataset {held}). Run again "
            "with --only-new to add only the new rows, or with "
            f"--replace {min(report.overlaps)} to store this file in place of that dataset."
        )
        return EXIT_NOTHING
    dataset_id = store_report(store, report, imported_by=args.by, name=args.name)
    replaced = f", in place of dataset {args.replace}" if args.replace else ""
    print(f"Stored {report.rows_accepted:,} rows as dataset {dataset_id}{replaced}.")
    return EXIT_OK


def _ward_figures(args: argparse.Namespace, settings: Settings) -> int:
    from geodata.readers import check_size
    from geodata.store import Store
    from geodata.ward_figures import (
        NOMIS_POPULATION_URL,
        POPULATION,
        fetch_nomis_population,
        read_ward_figures,
    )

    if args.command == "population" and args.fetch:
        source = args.url or NOMIS_POPULATION_URL
        values = fetch_nomis_population(source, timeout=settings.http_timeout)
    else:
        path = Path(args.from_file if args.command == "population" else args.file)
        if not path.is_file():
            raise AtlasDataError("The file does not exist.", source=str(path),
                                 fix="Check the path and try again.")
        source = path.name
        check_size(path.stat().st_size, path.name, settings.import_limits)
        values = read_ward_figures(path.read_bytes(), path.name)
    name = POPULATION if args.command == "population" else args.name
    role = POPULATION if args.command == "population" else "indicator"
    store = Store(settings.database_url)
    store.save_ward_figures(name, values, role=role, source=source)
    store.audit(user=args.by, action="import", what=f"ward figures: {name}",
                details={"command": args.command, "source": source, "wards": len(values)})
    print(f"Stored '{name}' for {len(values)} wards (total {values['value'].sum():,.0f}).")
    return EXIT_OK
