"""The release boundary: nothing outside geodata.release can reach exact referral records.

Like the layering test, this reads the source: analysis/, dashboard/ and bench/ may use
the release layer's public names only (``from geodata.release import ...``), never its
modules or the private slots where a ReferralRelease keeps the records, and never read
records from the store. At run time, the only object holding referrals is the release,
which refuses to be pickled into a shared cache.
"""

import ast
import datetime as dt
import pickle
from pathlib import Path

import pytest

from analysis.dataset import build_atlas_data
from geodata.geography import build_geography
from geodata.release import ReferralRelease
from tests.helpers import make_records, toy_wards

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ("analysis", "dashboard", "bench")
# The benchmark's naive baseline draws raw referral points on purpose, to be measured
# against; it is never served to users.
NAIVE_BASELINE = {("bench/raw_points_app.py", None), ("bench/server_timing.py", "_raw_points")}
PRIVATE = {
    name for name in (*ReferralRelease.__slots__, *vars(ReferralRelease))
    if name.startswith("_") and not name.startswith("__")
}


def sources():
    for folder in OUTSIDE:
        yield from sorted((ROOT / folder).rglob("*.py"))


def violations(text: str, name: str) -> list[str]:
    tree = ast.parse(text, filename=name)
    baseline = {fn for file, fn in NAIVE_BASELINE if file == name}
    allowed = set()
    for node in ast.walk(tree):
        whole_file = None in baseline
        if whole_file or (isinstance(node, ast.FunctionDef) and node.name in baseline):
            allowed |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "geodata.release."
        ):
            found.append(f"imports {node.module} (use `from geodata.release import ...`)")
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names
                      if a.name.startswith("geodata.release.")]
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            found.append(f"reads the release's private {node.attr} (line {node.lineno})")
        if (isinstance(node, ast.Attribute) and node.attr == "load_records"
                and id(node) not in allowed):
            found.append(f"reads records from the store (line {node.lineno})")
    return [f"{name}: {v}" for v in found]


def test_the_private_names_are_the_ones_that_hold_records():
    assert {"_bins", "_categories", "_areas", "_keys", "_released_block"} <= PRIVATE


@pytest.mark.parametrize("path", list(sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_outside_the_release_reaches_exact_records(path):
    assert violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) == []


def test_the_checker_catches_a_leak():
    leak = (
        "from geodata.release.referrals import ReferralRelease\n"
        "def exact(data, store):\n"
        "    return data.release._areas, store.load_records()\n"
    )
    assert len(violations(leak, "analysis/leak.py")) == 3


def test_referrals_live_only_in_the_release():
    geography = build_geography(toy_wards())
    rows = [("referral", dt.date(2023, 9, 18), "labour", w, 10.0, 20.0) for w in range(24)]
    data = build_atlas_data(geography.wards, make_records(rows), synthetic=False, version="b",
                            geomask_key=b"k", geography=geography)
    assert len(data.outreach) == 0  # the outreach index holds no referral
    assert not hasattr(data.release, "__dict__")
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(data)
