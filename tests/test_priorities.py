"""Hot spots, smoothed surface, outreach gaps, site recommendation, trends and rates."""

import datetime as dt
import itertools

import numpy as np
import pytest
import shapely

from analysis.dataset import build_atlas_data
from analysis.density import compute_density, default_bandwidth
from analysis.filters import Filters
from analysis.hotspots import classify_significance, compute_hotspots, lattice_weights
from analysis.priorities import describe_coverage, rank_outreach_gaps, recommend_sites
from analysis.priorities_view import compute_priorities, rates_per_thousand
from analysis.trends import block_series, campaign_periods, compare_periods
from geodata.geography import build_geography
from geodata.grid import make_grid
from geodata.release import WARDS, snap_to_weeks
from geodata.schema import BARNET_WARD_CODES
from tests.helpers import MONDAY, make_records, plausible_release, toy_wards

N = 20
EVERYTHING = Filters(window=snap_to_weeks(dt.date(2023, 1, 2), dt.date(2024, 3, 31)))


def lattice(cluster: bool, seed: int = 3) -> np.ndarray:
    counts = np.random.default_rng(seed).poisson(1.0, (N, N)).astype(float)
    if cluster:
        counts[8:11, 8:11] += 8
    return counts.ravel()


def test_planted_cluster_is_hot_at_99_percent_after_fdr():
    result = compute_hotspots(lattice(cluster=True), lattice_weights(N, N), seed=1)
    classes = result.classes.reshape(N, N)
    assert (classes[8:11, 8:11] == 3).all()
    assert result.labels[9 * N + 9] == "hot spot, 99 % confidence"
    # far from the cluster nothing is hot
    assert (classes[:4, :4] <= 0).all() and (classes[-4:, -4:] <= 0).all()


@pytest.mark.parametrize("seed", [3, 4, 5], ids=["seed3", "seed4", "seed5"])
def test_uniform_field_has_no_hot_spot(seed):
    result = compute_hotspots(lattice(cluster=False, seed=seed), lattice_weights(N, N), seed=1)
    assert not result.hot(0.90).any()


def test_constant_and_empty_fields_have_nothing():
    w = lattice_weights(5, 5)
    assert not compute_hotspots(np.full(25, 3.0), w).classes.any()
    assert not compute_hotspots(np.zeros(25), w).classes.any()


def test_same_seed_same_result_and_inputs_untouched():
    w = lattice_weights(N, N)
    counts = lattice(cluster=True)
    before = (counts.copy(), dict(w.neighbors))
    a = compute_hotspots(counts, w, seed=7)
    b = compute_hotspots(counts, w, seed=7)
    assert np.array_equal(a.z, b.z) and np.array_equal(a.classes, b.classes)
    assert np.array_equal(counts, before[0]) and dict(w.neighbors) == before[1]


def test_fdr_is_stricter_than_raw_p_values():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 1000)
    z = rng.normal(size=1000)
    assert (classify_significance(z, p, fdr=False) != 0).sum() > 50
    assert (classify_significance(z, p, fdr=True) != 0).sum() == 0


def test_hotspot_input_checks():
    with pytest.raises(ValueError, match="3 counts for 4 areas"):
        compute_hotspots([1, 2, 3], lattice_weights(2, 2))
    with pytest.raises(ValueError, match="permutations must be at least 1"):
        compute_hotspots([1, 2, 3, 4], lattice_weights(2, 2), permutations=0)


def test_ward_contiguity_of_toy_wards():
    geography = build_geography(toy_wards())
    neighbours = geography.ward_weights.neighbors
    assert sorted(neighbours[0]) == [1, 6, 7]  # a corner of the 6 x 4 block: queen neighbours
    assert len(neighbours[7]) == 8


def test_lattice_weights_number_cells_row_by_row_with_queen_neighbours():
    neighbours = lattice_weights(2, 3).neighbors  # 0 1 2 / 3 4 5
    assert neighbours[0] == (1, 3, 4)
    assert neighbours[2] == (1, 4, 5)
    assert neighbours[4] == (0, 1, 2, 3, 5)


# --------------------------------------------------------------------- density


def test_density_is_highest_at_a_cluster_and_masked_where_thin():
    area = shapely.box(0, 0, 10_000, 10_000)
    grid = make_grid(area, 250)
    counts = np.zeros(grid.n_cells)
    cluster = grid.cell_of([5_100.0], [5_100.0])[0]
    counts[cluster] = 40
    lonely = grid.cell_of([500.0], [9_500.0])[0]
    counts[lonely] = 1
    surface = compute_density(counts, grid, bandwidth_m=500)
    assert surface.classes[cluster] == 5 and surface.rule == "set by the user"
    assert surface.classes[lonely] == 0  # one referral: masked, never shown
    assert "masked" in surface.labels[lonely]
    default = compute_density(counts, grid)
    assert default.rule.startswith("default") and default.bandwidth_m >= 250
    assert default.bandwidth_m % 50 == 0  # rounded to 50 m


def test_default_bandwidth_grows_with_spread():
    rng = np.random.default_rng(0)
    tight = rng.normal(0, 300, (200, 2))
    loose = rng.normal(0, 3000, (200, 2))
    ones = np.ones(200)
    assert default_bandwidth(loose, ones) > 5 * default_bandwidth(tight, ones)
    # rounded to the nearest 50 m, so a small change in the counts rarely moves it
    assert default_bandwidth(loose, ones) % 50 == 0
    assert default_bandwidth(loose, ones) == default_bandwidth(loose * 1.001, ones)


# --------------------------------------------------------------------- gaps and sites


def test_gap_ranks_the_uncovered_cluster_first():
    ranking = rank_outreach_gaps(
        ["covered", "uncovered", "quiet", "none"], ["Covered", "Uncovered", "Quiet", "None"],
        referrals=np.array([30, 20, 5, 0]), outreach_nearby=np.array([40, 0, 0, 0]),
        radius_m=400, period="the 4 weeks to 1 Oct 2023",
    )
    assert ranking["area"].tolist() == ["uncovered", "quiet", "covered"]  # no 0s ranked
    assert ranking["reason"][0] == (
        "Gap of about 20: about 20 referrals in the 4 weeks to 1 Oct 2023 and no outreach "
        "activity within 400 m."
    )
    assert ranking.loc[ranking["area"] == "quiet", "referrals"].item() == "5"
    # gap = referrals - outreach nearby / (outreach per referral across the areas: 40 / 55)
    assert ranking["gap"].tolist() == [20.0, 5.0, 0.0]
    assert "score" not in ranking.columns
    # the parts of the gap are in the frame: served = outreach nearby / C, gap = refs - served
    assert ranking.attrs["outreach_per_referral"] == pytest.approx(40 / 55)
    assert ranking["served"].tolist() == [0.0, 0.0, 30.0]
    covered = ranking.set_index("area").loc["covered", "reason"]
    assert covered.startswith("No gap: the 40 outreach activities within 400 m serve all of "
                              "about 30 referrals")


def test_gap_reason_states_the_figure_and_its_parts():
    ranking = rank_outreach_gaps(
        ["a", "b"], ["A", "B"], referrals=np.array([20, 20]),
        outreach_nearby=np.array([4, 36]), radius_m=400, period="May",
    )
    # C = 40 / 40 = 1 activity per referral: A's 4 serve 4, leaving a gap of 16
    assert ranking["area"].tolist() == ["a", "b"]
    assert ranking["reason"][0] == (
        "Gap of about 16: about 20 referrals in May, of which the 4 outreach activities "
        "within 400 m serve about 4 at the usual 1.0 activities per referral."
    )
    assert (ranking["gap"] + ranking["served"]).tolist() == [20.0, 20.0]


def test_gap_ties_are_broken_by_code_not_by_input_order():
    codes = ["b", "c", "a"]
    first = rank_outreach_gaps(codes, codes, referrals=np.array([10, 10, 10]),
                               outreach_nearby=np.array([0, 0, 0]), radius_m=400, period="p")
    assert first["area"].tolist() == ["a", "b", "c"]
    again = rank_outreach_gaps(codes[::-1], codes[::-1], referrals=np.array([10, 10, 10]),
                               outreach_nearby=np.array([0, 0, 0]), radius_m=400, period="p")
    assert again["area"].tolist() == ["a", "b", "c"]


def covered_by(points, demand, sites, radius):
    d = np.hypot(*(points[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    return demand[(d <= radius).any(axis=1)].sum()


def test_mclp_matches_brute_force():
    rng = np.random.default_rng(4)
    points = rng.uniform(0, 3000, (25, 2))
    demand = rng.integers(1, 10, 25).astype(float)
    candidates = rng.uniform(0, 3000, (9, 2))
    result = recommend_sites(points, demand, candidates, sites=3, radius_m=700)
    best = max(
        covered_by(points, demand, candidates[list(c)], 700)
        for c in itertools.combinations(range(9), 3)
    )
    assert len(result.chosen) == 3
    assert covered_by(points, demand, candidates[result.chosen], 700) == pytest.approx(best)


def test_site_recommendation_checks_and_current_coverage():
    points = np.array([[0.0, 0.0], [5000.0, 0.0]])
    result = recommend_sites(points, np.array([30.0, 10.0]), points, sites=1, radius_m=100,
                             served=np.array([0.0, 10.0]))
    assert result.chosen.tolist() == [0]
    assert result.covered == "about 30 of 40 referrals (75 %)"
    assert result.current == "about 10 of 40 referrals (25 %)"
    assert result.headline() == (
        "Today's outreach reaches about 25 % of referrals; 1 new site would add about 75 %."
    )
    # demand is released counts (0 or at least 5), so a share is worked out from them
    small = recommend_sites(points, np.array([5.0, 30.0]), points[:1], sites=1, radius_m=100)
    assert small.covered == "about 5 of 35 referrals (14 %)"
    assert describe_coverage(0, 35) == "none of 35 referrals"
    assert describe_coverage(0, 0) == "no referrals"
    with pytest.raises(ValueError, match="sites must be at least 1"):
        recommend_sites(points, np.ones(2), points, sites=0)
    with pytest.raises(ValueError, match="no candidate sites"):
        recommend_sites(points, np.ones(2), np.empty((0, 2)))


def test_a_new_site_goes_to_the_busy_unserved_cluster_not_the_busy_served_one():
    # Two busy clusters 3 km apart: the west one has more referrals, but outreach already
    # works there; the east one has none. A quiet area far away has a little of both.
    rng = np.random.default_rng(2)
    west = np.array([1000.0, 1000.0]) + rng.uniform(-150, 150, (6, 2))
    east = np.array([4000.0, 1000.0]) + rng.uniform(-150, 150, (6, 2))
    quiet = np.array([[2500.0, 4000.0]])
    points = np.concatenate([west, east, quiet])
    demand = np.array([8.0] * 6 + [6.0] * 6 + [5.0])
    outreach_points = np.array([[1000.0, 1000.0], [2500.0, 4000.0]])
    from analysis.priorities import outreach_within, served_by_outreach, usual_rate

    nearby = outreach_within(points, outreach_points, np.array([90, 5]), 400)
    served = served_by_outreach(demand, nearby, usual_rate(demand, nearby))
    candidates = np.array([[1000.0, 1000.0], [4000.0, 1000.0], [2500.0, 4000.0]])
    result = recommend_sites(points, demand, candidates, sites=1, radius_m=400, served=served)
    assert result.chosen.tolist() == [1]  # the east: busy and unserved
    # ignoring today's outreach, the busier west would win: the old answer
    assert recommend_sites(points, demand, candidates, sites=1, radius_m=400).chosen.tolist() \
        == [0]
    assert result.added == pytest.approx(36.0)
    assert result.served == pytest.approx(served.sum()) and result.served > 40
    assert result.headline().startswith("Today's outreach reaches about ")
    assert result.headline().endswith(f"1 new site would add about {round(3600 / 89)} %.")


def test_demo_priorities_recover_the_planted_under_served_clusters(scene):
    demo, data = scene.demo, scene.data
    result = compute_priorities(data, EVERYTHING, cell_size=500, radius_m=400, sites=5)
    top = result.cell_gaps.head(10)["area"].astype(int).to_numpy()
    centres = data.geography.grids[500].centroids()[top]
    for cluster in demo.under_served:
        distance = np.hypot(centres[:, 0] - cluster.x, centres[:, 1] - cluster.y).min()
        assert distance < 750, f"{cluster.name} is not among the top-ranked cells"
    served = [c for c in demo.planted if not c.under_served and c.name in ("Edgware",)]
    for cluster in served:
        distance = np.hypot(centres[:, 0] - cluster.x, centres[:, 1] - cluster.y).min()
        assert distance > 750, "a well-served cluster should not be a top priority"
    assert result.sites.covered.startswith("about ") and len(result.site_points) == 5
    assert (result.hotspot_classes == 3).any() and result.stable.any()


def test_priorities_follow_the_ward_selection(scene):
    data = scene.data
    picked = Filters(window=EVERYTHING.window, wards=BARNET_WARD_CODES[:2])
    population = {code: 10_000 for code in BARNET_WARD_CODES}
    result = compute_priorities(data, picked, cell_size=1000, radius_m=400, sites=2,
                                population=population)
    assert set(result.ward_gaps["area"]) <= set(BARNET_WARD_CODES[:2])
    assert set(result.ward_gaps.columns) >= {"hotspot", "rate", "gap"}
    # the ranking shows the released counts of the Map page, and the rates use them
    released = dict(zip(data.geography.ward_codes,
                        data.release.counts(WARDS, picked.window).values, strict=True))
    gaps = result.ward_gaps.set_index("area")
    for code, row in gaps.iterrows():
        assert row["referrals"] == f"{released[code]:,}"
        assert row["rate"] == f"{released[code] / 10:.2f}"
    assert len(result.cells) < data.geography.grids[1000].n_cells


# --------------------------------------------------------------------- trends and rates


def test_block_series_is_released_block_by_block():
    geography = build_geography(toy_wards())
    rows = [("referral", MONDAY, "labour", 0, 0, 0)] * 7 + [("referral", MONDAY, "sexual", 0, 0, 0)]
    rows += [("referral", MONDAY + dt.timedelta(days=13), "labour", 0, 0, 0)] * 3  # same bin
    rows += [("referral", MONDAY + dt.timedelta(days=14), "labour", 0, 0, 0)] * 6  # next bin
    data = build_atlas_data(geography.wards, make_records(rows), synthetic=True, version="w",
                            geomask_key=b"k", geography=geography)
    window = snap_to_weeks(MONDAY, MONDAY + dt.timedelta(days=20))
    series = block_series(data, Filters(window), "referral")
    # one row per fixed 2-week block (its Monday), never per week
    assert sorted(series["week"].unique()) == [MONDAY, MONDAY + dt.timedelta(days=14)]
    block = series[series["week"] == MONDAY].set_index("series")
    for name, categories in (("labour", ("labour",)), ("sexual", ("sexual",)), ("all", ())):
        one_block = snap_to_weeks(MONDAY, MONDAY)
        assert block.loc[name, "count"] == data.release.total(one_block, categories)
        assert block.loc[name, "label"] == f"{data.release.total(one_block, categories):,}"
    assert plausible_release(10, block.loc["labour", "count"])
    assert plausible_release(1, block.loc["sexual", "count"])  # never shown as 1
    shown = series["count"]
    assert not ((shown >= 1) & (shown < 5)).any()


def test_outreach_block_series_counts_every_record():
    geography = build_geography(toy_wards())
    rows = [("outreach", MONDAY, "patrol", 0, 0, 0)] * 2
    rows += [("outreach", MONDAY + dt.timedelta(days=8), "other", 1, 0, 0)]
    data = build_atlas_data(geography.wards, make_records(rows), synthetic=True, version="o",
                            geomask_key=b"k", geography=geography)
    series = block_series(data, Filters(snap_to_weeks(MONDAY, MONDAY)), "outreach")
    block = series.set_index("series")["count"]
    assert (block["all"], block["patrol"], block["other"]) == (3, 2, 1)


def test_period_comparison_tests_when_counts_allow():
    geography = build_geography(toy_wards())
    before, campaign, after = campaign_periods().values()
    assert (before.n_weeks, campaign.n_weeks, after.n_weeks) == (4, 2, 4)  # whole bins
    assert before.end + dt.timedelta(days=1) == campaign.start == MONDAY
    assert campaign.end + dt.timedelta(days=1) == after.start
    rows = [("referral", before.start, "labour", 0, 0, 0)] * 2
    rows += [("referral", after.start, "labour", 0, 0, 0)] * 30
    rows += [("referral", before.start, "labour", 5, 0, 0)] * 2
    data = build_atlas_data(geography.wards, make_records(rows), synthetic=True, version="p",
                            geomask_key=b"k", geography=geography)
    table = compare_periods(data, Filters(before), before, after,
                            geography.ward_weights).set_index("ward")
    first = table.loc[BARNET_WARD_CODES[0]]
    released = [data.release.counts(WARDS, w).values for w in (before, after)]
    assert (first["first"], first["second"]) == (f"{released[0][0]:,}", f"{released[1][0]:,}")
    assert plausible_release(2, released[0][0]) and released[0][0] != 2
    assert plausible_release(30, released[1][0])
    assert first["change"] == "rise (significant at 95%)"
    assert released[0][5] + released[1][5] < 10
    assert table.loc[BARNET_WARD_CODES[5], "change"] == "too few referrals to test"
    assert table.loc[BARNET_WARD_CODES[1], "neighbours"] == "rise (significant at 95%)"


def test_rates_use_released_counts():
    codes = ["A", "B", "C"]
    rates = rates_per_thousand(codes, np.array([10, 5, 40]), {"A": 10_000, "B": 5_000})
    assert rates == ["1.00", "1.00", "no population"]
    # a 0 (none, or a few shown as 0) gives a rate of 0, as the count shows
    assert rates_per_thousand(["A"], np.array([0]), {"A": 10_000}) == ["0.00"]


def test_candidate_screen_keeps_the_answer_on_a_large_problem(monkeypatch):
    from analysis import priorities

    rng = np.random.default_rng(9)
    centres = rng.uniform(0, 8000, (6, 2))
    points = np.concatenate([c + rng.normal(0, 500, (150, 2)) for c in centres])
    demand = rng.integers(1, 6, len(points)).astype(float)
    candidates = np.stack(np.meshgrid(np.arange(0, 8000, 400), np.arange(0, 8000, 400)),
                          axis=-1).reshape(-1, 2).astype(float)  # 400 candidates
    screened = recommend_sites(points, demand, candidates, sites=5, radius_m=600)
    monkeypatch.setattr(priorities, "MAX_CANDIDATES", 10_000)
    exact = recommend_sites(points, demand, candidates, sites=5, radius_m=600)
    covered = [covered_by(points, demand, candidates[r.chosen], 600) for r in (screened, exact)]
    assert covered[0] == pytest.approx(covered[1], rel=0.01)


def test_priorities_name_places_and_state_hot_spots_consistently(scene):
    from analysis.hotspots import CLASS_LABELS
    from analysis.views import compute_map_view

    data = scene.data
    result = compute_priorities(data, EVERYTHING, cell_size=500, radius_m=400, sites=3)
    places = data.geography.places
    names = result.cell_gaps["name"]
    assert names.str.contains(" · ").all() and not names.str.contains(" m cell at ").any()
    by_cell = dict(zip(result.cells.tolist(), result.cell_names, strict=True))
    for code, name in zip(result.cell_gaps["area"], names, strict=True):
        assert by_cell[int(code)] == name == places.cell_names[500][int(code)]
    assert set(result.site_names) <= set(result.cell_names)  # sites at grid centres
    # the Map page's grid names its cells the same way (not "cell 745")
    view = compute_map_view(data, EVERYTHING, cell_size=500)
    assert list(view.cells.names) == [places.cell_names[500][c] for c in view.cells.positions]

    # a ward's hot-spot text counts its own hot cells; a cell's names its ward's class
    cell_class = dict(zip(result.cells.tolist(), result.hotspot_classes.tolist(), strict=True))
    main_ward = places.cell_wards[500]
    position = {code: i for i, code in enumerate(data.geography.ward_codes)}
    hot_somewhere = 0
    for code, text in zip(result.ward_gaps["area"], result.ward_gaps["hotspot"], strict=True):
        ward = position[code]
        hot = sum(1 for c, k in cell_class.items() if main_ward[c] == ward and k > 0)
        own = CLASS_LABELS[int(result.ward_hotspot_classes[ward])]
        assert text.startswith(f"ward as a whole: {own}; ")
        if hot:
            hot_somewhere += 1
            assert f"; {hot} of its 500 m cell" in text
        else:
            assert text.endswith("none of its 500 m cells is a hot spot")
    assert hot_somewhere  # the planted clusters are hot
    for code, text in zip(result.cell_gaps["area"], result.cell_gaps["hotspot"], strict=True):
        ward = int(main_ward[int(code)])
        assert text == (f"{CLASS_LABELS[cell_class[int(code)]]}; its ward as a whole: "
                        f"{CLASS_LABELS[int(result.ward_hotspot_classes[ward])]}")


def test_a_restart_finds_every_cached_kernel_and_adds_nothing(tmp_path):
    # Each process compiles what is not cached; a kernel keyed by something that changes
    # between processes would be written again at every start (and once broke the warm-up).
    import subprocess
    import sys

    from tests.helpers import ROOT_DIR

    folder = tmp_path / "numba-cache"
    start = ("import sys; from analysis.hotspots import enable_kernel_cache, warm_up; "
             "assert enable_kernel_cache(sys.argv[1]); warm_up()")

    def files():
        return {p.relative_to(folder): p.stat().st_mtime_ns for p in folder.rglob("*")
                if p.is_file()}

    def restart():
        subprocess.run([sys.executable, "-c", start, str(folder)], cwd=ROOT_DIR, check=True,
                       capture_output=True, timeout=600)

    restart()
    first = files()
    assert any(p.suffix == ".nbc" for p in first)  # the kernels are kept
    # what an earlier version left: a kernel that is compiled per process now
    stale = folder / next(iter(first)).parent / "crand.compute_chunk-236.py311.1.nbc"
    stale.write_bytes(b"old")
    restart()
    assert files() == first  # nothing written again, nothing added, the leftover gone
