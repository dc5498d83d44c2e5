"""The store, against SQLite always and against PostgreSQL when TEST_DATABASE_URL is set."""

import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from geodata.release import RELEASE_COLUMNS, load_secret_key
from geodata.schema import RECORD_KEY
from geodata.settings import load_settings
from geodata.store import CRIME, Store, content_keys
from geodata.wards import save_wards
from tests.helpers import MONDAY, ROOT_DIR, make_records, toy_wards

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _fresh_postgres() -> str:
    """A new empty schema-less database per test, so tests do not see each other."""
    name = f"atlas_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'atlas.sqlite'}"
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set (CI sets it; see .ci/run)")
    return _fresh_postgres()


def records(n: int = 3):
    frame = make_records([("referral", MONDAY, "labour", i % 24, 0, 0) for i in range(n)])
    frame["source_id_hash"] = [f"h{i}" for i in range(n)]
    return frame


def add(store, frame, kind="referral", **kwargs):
    return store.add_dataset(
        name="test.csv", kind=kind, rows=frame, imported_by="tester",
        rows_read=len(frame) + 1, rows_rejected=1, **kwargs,
    )


def test_round_trip_list_and_delete(store_url):
    store = Store(store_url)
    assert store.schema_version() == 3 and not store.has_records()
    v0 = store.data_version()
    first = add(store, records(3))
    second = add(store, records(2), synthetic=True)
    assert store.data_version() != v0
    loaded = store.load_records()
    assert len(loaded) == 5
    assert loaded["date"].dt.date.unique().tolist() == [MONDAY]
    assert set(loaded.columns) >= {"record_id", "kind", "x", "y", "ward_code"}
    # the cell-key record keys are stored with the records and come back unchanged
    keyed = store.load_records(RELEASE_COLUMNS)
    given = pd.concat([records(3), records(2)])[RECORD_KEY]
    assert sorted(keyed[RECORD_KEY].tolist()) == sorted(given.tolist())
    listed = store.list_datasets()
    assert [d.id for d in listed] == [second, first]
    assert (listed[1].rows_read, listed[1].rows_accepted, listed[1].rows_rejected) == (4, 3, 1)
    assert store.is_synthetic()
    assert store.existing_hashes(["h1", "nope"]) == {"h1"}
    v1 = store.data_version()
    assert store.delete_dataset(second) and not store.delete_dataset(second)
    assert store.data_version() != v1
    assert len(store.load_records()) == 3 and not store.is_synthetic()


def test_rows_reach_the_driver_as_plain_values_whatever_their_columns_hold():
    # Text columns are converted per distinct value when they repeat, value by value when
    # they are mostly distinct; missing values of every kind become None.
    from geodata.store.bulk import python_values

    n = 1200
    frame = pd.DataFrame({
        "date": pd.to_datetime(["2023-01-02", None, "2023-01-02"] * (n // 3)),
        "repeats": pd.Series(["a", None, "b"] * (n // 3), dtype="str"),
        "distinct": pd.Series([f"id-{i}" if i % 7 else None for i in range(n)], dtype=object),
        "mixed": pd.Series([7, "x", float("nan")] * (n // 3), dtype=object),
        "x": [1.5, float("nan"), 2.0] * (n // 3),
        "k": range(n),
    })
    rows = python_values(frame)
    assert rows[:3] == [
        ("2023-01-02", "a", None, "7", 1.5, 0),
        (None, None, "id-1", "x", None, 1),
        ("2023-01-02", "b", "id-2", None, 2.0, 2),
    ]
    assert rows[-1] == ("2023-01-02", "b", f"id-{n - 1}", None, 2.0, n - 1)
    assert all(type(v) in (str, float, int, type(None)) for row in rows for v in row)


def test_stored_records_are_found_by_id_and_by_content(store_url):
    store = Store(store_url)
    first = add(store, records(3))
    unnamed = make_records([("outreach", MONDAY, "patrol", 5, 0, 0)])
    second = add(store, unnamed.assign(source_id_hash=None))
    assert store.datasets_by_hash(["h1", "h2", "nope"]) == {"h1": {first}, "h2": {first}}
    again = pd.concat([records(3).iloc[[1]], unnamed, unnamed.assign(category="other")])
    found = store.datasets_by_content(again)
    keys = content_keys(again)
    assert found == {keys[0]: {first}, keys[1]: {second}}  # the changed category is new


def test_hashes_are_found_whichever_side_is_read(store_url):
    # Asked about more hashes than are stored, the store reads its own hashes; asked about
    # fewer, it looks the asked ones up: both give the datasets of each stored hash.
    store = Store(store_url)
    first = add(store, records(3))
    second = add(store, records(2))  # h0 and h1 again
    add(store, records(1).assign(source_id_hash=None))
    many = [f"h{i}" for i in range(20)] + ["h1", "", None]
    expected = {"h0": {first, second}, "h1": {first, second}, "h2": {first}}
    assert store.datasets_by_hash(many) == expected
    assert store.datasets_by_hash(["h2", "nope"]) == {"h2": {first}}
    assert store.datasets_by_hash([]) == {} and Store(store_url).datasets_by_hash(["x"]) == {}


def test_replacing_a_dataset_is_one_step_and_keeps_release_keys(store_url):
    store = Store(store_url)
    old = add(store, records(3))
    kept = add(store, records(1).assign(source_id_hash="other"))
    newer = records(4)
    newer.loc[0, "source_id_hash"] = None  # matched by its content instead
    newer[RECORD_KEY] = [11, 12, 13, 14]  # fresh keys, as a new import draws
    version = store.data_version()
    new = add(store, newer, replaces=old)
    assert new not in (old, kept) and store.data_version() != version
    assert [d.id for d in store.list_datasets()] == [new, kept]
    stored = store.load_records(["source_id_hash", RECORD_KEY]).fillna("none")
    keys = dict(zip(stored["source_id_hash"], stored[RECORD_KEY], strict=True))
    # the three records the new dataset repeats keep the keys they were released with
    released = records(3)[RECORD_KEY].tolist()
    assert [keys["none"], keys["h1"], keys["h2"], keys["h3"]] == [*released, 14]
    assert keys["other"] == records(1)[RECORD_KEY].iloc[0]
    with pytest.raises(LookupError):
        add(store, records(2), replaces=999)
    assert [d.id for d in store.list_datasets()] == [new, kept]
    assert len(store.load_records()) == 5


def test_crime_rows_are_kept_apart(store_url):
    store = Store(store_url)
    crime = pd.DataFrame({"month": ["2023-01"], "crime_type": ["Burglary"], "x": [520000.0],
                          "y": [190000.0], "ward_code": ["E05013630"]})
    add(store, crime, kind=CRIME)
    assert not store.has_records()
    assert store.load_crime()["crime_type"].tolist() == ["Burglary"]


def test_reopening_keeps_data_and_schema(store_url):
    add(Store(store_url), records(4))
    again = Store(store_url)
    assert again.schema_version() == 3 and len(again.load_records()) == 4


def test_audit_log(store_url):
    store = Store(store_url)
    store.audit(user="a@b", action="export", what="png", details={"wards": ["E05013628"]})
    log = store.read_audit()
    assert log["action"].tolist() == ["export"] and "E05013628" in log["details"][0]


def test_failed_import_leaves_nothing(store_url):
    store = Store(store_url)
    broken = records(3)
    broken.loc[2, "kind"] = None  # NOT NULL violated on the last row
    with pytest.raises(Exception):  # noqa: B017 - the driver's own integrity error
        add(store, broken)
    assert store.list_datasets() == [] and len(store.load_records()) == 0


def _index_names(store) -> set[str]:
    return {ix["name"] for ix in sa.inspect(store.engine).get_indexes("records")}


def test_a_first_import_keeps_the_indexes_even_when_it_fails(store_url):
    # A first import builds the indexes after its rows (geodata/store/bulk.py): they must be
    # there afterwards, and still there when the import fails part-way.
    store = Store(store_url)
    expected = {"ix_records_dataset", "ix_records_hash"}
    assert _index_names(store) == expected
    broken = records(3)
    broken.loc[2, "kind"] = None
    with pytest.raises(Exception):  # noqa: B017 - the driver's own integrity error
        add(store, broken)
    assert _index_names(store) == expected
    first = add(store, records(3))
    assert _index_names(store) == expected
    add(store, records(2))  # into a table that has rows: indexes kept throughout
    assert _index_names(store) == expected
    assert len(store.load_records()) == 5 and first in {d.id for d in store.list_datasets()}


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from geodata.store import Store
    from tests.helpers import MONDAY, make_records
    import pandas as pd
    store = Store({url!r})
    base = make_records([("referral", MONDAY, "labour", 0, 0, 0)])
    frame = pd.concat([base] * 200_000, ignore_index=True)
    frame["source_id_hash"] = None
    def progress(fraction):
        print(f"progress {{fraction:.2f}}", flush=True)
        time.sleep(30)  # wait here, mid-import, to be killed
    store.add_dataset(name="big", kind="referral", rows=frame, imported_by="x",
                      rows_read=len(frame), rows_rejected=0, progress=progress)
    """
)


def test_killed_import_leaves_all_or_nothing(store_url):
    Store(store_url)  # create the schema first
    script = KILL_SCRIPT.format(root=str(ROOT_DIR), url=store_url)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("progress"), "the import never got going"
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(10)
    store = Store(store_url)
    assert store.list_datasets() == []
    assert len(store.load_records()) == 0
    add(store, records(2))  # the store is still usable afterwards
    assert len(store.load_records()) == 2


CONCURRENT_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from geodata.store import Store
    from tests.helpers import MONDAY, make_records
    import pandas as pd
    frame = pd.concat([make_records([("referral", MONDAY, "labour", 1, 0, 0)])] * 20_000,
                      ignore_index=True)
    frame["source_id_hash"] = None
    Store({url!r}).add_dataset(name="{name}", kind="referral", rows=frame, imported_by="x",
                               rows_read=len(frame), rows_rejected=0)
    """
)


def test_two_analysts_importing_at_once(store_url):
    # No store yet: both processes create the schema and import at the same moment.
    procs = [
        subprocess.Popen(
            [sys.executable, "-c",
             CONCURRENT_SCRIPT.format(root=str(ROOT_DIR), url=store_url, name=name)]
        )
        for name in ("first", "second")
    ]
    assert [p.wait(120) for p in procs] == [0, 0]
    store = Store(store_url)
    assert sorted(d.name for d in store.list_datasets()) == ["first", "second"]
    assert len(store.load_records()) == 40_000


def _without_key(frame: pd.DataFrame) -> list[dict]:
    """Rows for a records table of a version before record keys."""
    rows = frame.drop(columns=["source_id_hash"]).astype(object)
    rows["date"] = [d.date() for d in frame["date"]]
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()}
            for row in rows.to_dict("records")]


def test_an_old_database_is_migrated(store_url):
    from geodata import store as store_module

    engine = sa.create_engine(store_url)
    with engine.begin() as conn:  # a database as version 1 left it (no record keys yet)
        store_module.metadata.create_all(conn, tables=list(store_module.VERSION_1_TABLES))
        conn.execute(store_module.meta_table.insert().values(key="schema_version", value="1"))
        conn.execute(sa.text(f"ALTER TABLE records DROP COLUMN {RECORD_KEY}"))
        conn.execute(store_module.datasets_table.insert().values(
            id=1, name="old.csv", kind="referral", imported_by="x", rows_read=20,
            imported_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            rows_accepted=20, rows_rejected=0, synthetic=False,
        ))
        old = records(20).drop(columns=[RECORD_KEY]).assign(dataset_id=1)
        conn.execute(store_module.records_table.insert(), _without_key(old))
    engine.dispose()
    store = Store(store_url)
    assert store.schema_version() == 3
    # version 3 gives every old record its own random record key
    keys = store.load_records(RELEASE_COLUMNS)[RECORD_KEY]
    assert len(keys) == 20 and keys.nunique() > 1 and (keys >= 0).all()
    values = pd.DataFrame({"ward_code": ["E05013628"], "value": [17079.0]})
    store.save_ward_figures("population", values, role="population", source="test.csv")
    assert store.load_ward_figures()["value"].tolist() == [17079.0]
    store.save_ward_figures("population", values.assign(value=1.0), role="population",
                           source="again.csv")
    assert store.load_ward_figures()["source"].tolist() == ["again.csv"]
    assert store.delete_ward_figures("population") and store.load_ward_figures().empty


# --------------------------------------------------------------------- file permissions


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_atlas_home_and_its_store_are_private(tmp_path, monkeypatch):
    home = tmp_path / "fresh" / "home"
    monkeypatch.setenv("ATLAS_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    store = Store(settings.database_url)
    with store.engine.connect() as conn:  # the WAL and shared-memory files exist meanwhile
        conn.execute(sa.text("SELECT 1"))
        add(store, records(2))
        assert {p.name for p in home.iterdir()} >= {"atlas.sqlite-wal", "atlas.sqlite-shm"}
        for path in home.iterdir():
            assert _mode(path) == 0o600, path.name
    assert _mode(home) == 0o700
    assert _mode(home / "atlas.sqlite") == 0o600


@pytest.mark.parametrize("first", ["wards", "key"])
def test_an_atlas_home_made_by_the_first_download_or_key_is_private(tmp_path, first):
    settings = load_settings({"ATLAS_HOME": str(tmp_path / "home")})
    if first == "wards":
        save_wards(toy_wards(), settings.wards_cache)
    else:
        load_secret_key(None, settings.id_hash_key_file, "ATLAS_TEST_UNSET_KEY")
    assert _mode(settings.home) == 0o700


def test_an_existing_world_readable_store_is_tightened(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    database = home / "atlas.sqlite"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    for suffix in ("-wal", "-shm", "-journal"):
        left_over = home / f"atlas.sqlite{suffix}"
        left_over.write_bytes(b"")
        left_over.chmod(0o644)
    Store(f"sqlite:///{database}")
    assert _mode(home) == 0o700
    for path in home.iterdir():
        assert _mode(path) == 0o600, path.name
