"""Where outreach should go next: the outreach gap and recommended sites.

*Outreach gap.* For every ward or grid cell, referrals in the period are set against outreach
coverage: the outreach activities within a walking radius R of the area in the same period.
Across the areas ranked, there are C outreach activities nearby per referral. The gap of an
area is the referrals that its own outreach would not cover at that usual rate:
gap = max(0, referrals - outreach nearby / C). Areas are ranked by gap, then by referrals
per outreach activity, then by their code (ties never depend on the data). Referrals are
released counts (:mod:`geodata.release`), so the gap, the order and the reasons are worked
out from what is already shown.

*Recommended sites.* A maximal covering location model (spopt's MCLP) picks K sites from
candidates (grid centres or a list of venues) so that as many released referrals as possible
lie within R of a site, and reports that share next to what current outreach covers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp
from scipy.spatial import cKDTree
from scipy.spatial.distance import cdist
from spopt.locate import MCLP

DEFAULT_RADIUS_M = 400
DEFAULT_SITES = 5
MAX_CANDIDATES = 150
RANK = "rank"
AREA = "area"
NAME = "name"
REFERRALS = "referrals"
OUTREACH_NEARBY = "outreach_nearby"
GAP = "gap"
REASON = "reason"


def outreach_within(
    area_points: np.ndarray, outreach_points: np.ndarray, outreach_counts: np.ndarray,
    radius_m: float,
) -> np.ndarray:
    """Count outreach activities within a radius of each area point.

    Parameters
    ----------
    area_points : numpy.ndarray
        (n, 2) points in metres (area centres).
    outreach_points : numpy.ndarray
        (m, 2) where outreach happened (cell centres), metres.
    outreach_counts : numpy.ndarray
        Activities at each outreach point.
    radius_m : float

    Returns
    -------
    numpy.ndarray of int
    """
    if not len(outreach_points) or not len(area_points):
        return np.zeros(len(area_points), dtype="int64")
    tree = cKDTree(outreach_points)
    near = tree.query_ball_point(area_points, r=radius_m)
    return np.array([int(outreach_counts[idx].sum()) for idx in near], dtype="int64")


def rank_outreach_gaps(
    codes,
    names,
    referrals: np.ndarray,
    outreach_nearby: np.ndarray,
    *,
    radius_m: float,
    period: str,
) -> pd.DataFrame:
    """Rank areas by their outreach gap (see the module docstring).

    Parameters
    ----------
    codes, names : sequence of str
        The areas.
    referrals : numpy.ndarray
        Released referral counts per area.
    outreach_nearby : numpy.ndarray
        Outreach activities within ``radius_m`` per area.
    radius_m : float
    period : str
        The period in words, for the reasons ("the 13 weeks to 31 Mar 2024").

    Returns
    -------
    pandas.DataFrame
        ``rank, area, name, referrals`` (text), ``gap``, ``outreach_nearby, reason``,
        best first; areas with no released referrals are left out.
    """
    referrals = np.asarray(referrals, dtype="int64")
    outreach_nearby = np.asarray(outreach_nearby, dtype="int64")
    per_referral = outreach_nearby.sum() / max(referrals.sum(), 1)
    expected_cover = outreach_nearby / per_referral if per_referral else 0.0
    gap = np.maximum(0.0, referrals - expected_cover)
    ratio = referrals / (1.0 + outreach_nearby)
    keep = np.flatnonzero(referrals > 0)
    code_order = np.argsort(np.argsort(np.asarray(codes, dtype=str)[keep], kind="stable"))
    order = keep[np.lexsort((code_order, -referrals[keep], -ratio[keep], -gap[keep]))]
    reasons = [
        _reason(int(r), int(o), radius_m, period)
        for r, o in zip(referrals[order], outreach_nearby[order], strict=True)
    ]
    return pd.DataFrame(
        {
            RANK: np.arange(1, len(order) + 1),
            AREA: [codes[i] for i in order],
            NAME: [names[i] for i in order],
            REFERRALS: [f"{int(r):,}" for r in referrals[order]],
            GAP: np.round(gap[order], 1),
            OUTREACH_NEARBY: outreach_nearby[order],
            REASON: reasons,
        }
    )


def _reason(referrals: int, outreach: int, radius_m: float, period: str) -> str:
    demand = f"about {referrals:,} referrals"
    visits = "no outreach activity" if outreach == 0 else (
        f"{outreach:,} outreach activit{'y' if outreach == 1 else 'ies'}"
    )
    return f"{demand} in {period}; {visits} within {radius_m:,.0f} m"


@dataclass(frozen=True)
class SiteRecommendation:
    """Sites chosen to cover the most released referral demand, with the coverage in words.

    Attributes
    ----------
    chosen : numpy.ndarray
        Positions of the chosen candidates, in the order given.
    covered : str
        Referrals within the radius of a chosen site, e.g. "about 150 of 510 referrals
        (29 %)".
    current : str or None
        The same for where outreach went in the period, when given.
    per_site : tuple of str
        The same for each chosen site on its own.
    radius_m : float
    """

    chosen: np.ndarray
    covered: str
    current: str | None
    per_site: tuple[str, ...]
    radius_m: float


def describe_coverage(covered: float, total: float) -> str:
    """Say how many released referrals are covered.

    Parameters
    ----------
    covered, total : float
        Released counts.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_coverage(148, 512)
    'about 148 of 512 referrals (29 %)'
    >>> describe_coverage(0, 512)
    'none of 512 referrals'
    """
    if not total:
        return "no referrals"
    if not covered:
        return f"none of {total:,.0f} referrals"
    return f"about {covered:,.0f} of {total:,.0f} referrals ({round(100 * covered / total)} %)"


def recommend_sites(
    demand_points: np.ndarray,
    demand: np.ndarray,
    candidates: np.ndarray,
    *,
    sites: int = DEFAULT_SITES,
    radius_m: float = DEFAULT_RADIUS_M,
    current_points: np.ndarray | None = None,
) -> SiteRecommendation:
    """Choose sites with a maximal covering location model (spopt MCLP, CBC solver).

    Parameters
    ----------
    demand_points : numpy.ndarray
        (n, 2) where referrals are (cell centres), metres.
    demand : numpy.ndarray
        Released referrals at each demand point.
    candidates : numpy.ndarray
        (m, 2) possible sites, metres.
    sites : int
        How many sites to choose (K).
    radius_m : float
        Walking radius R that a site covers.
    current_points : numpy.ndarray, optional
        Where outreach went in the period, to compare coverage.

    Returns
    -------
    SiteRecommendation

    Raises
    ------
    ValueError
        For K below 1, a radius that is not positive, or no candidates.
    """
    if sites < 1:
        raise ValueError(f"sites must be at least 1, not {sites!r}")
    if not radius_m > 0:
        raise ValueError(f"radius_m must be a positive number of metres, not {radius_m!r}")
    if not len(candidates):
        raise ValueError("there are no candidate sites to choose from")
    demand = np.asarray(demand, dtype="float64")
    total = demand.sum()
    current = None
    if current_points is not None:
        current = describe_coverage(_covered(demand_points, demand, current_points, radius_m),
                                    total)
    if not total:
        return SiteRecommendation(np.array([], dtype="int64"), "no referrals", current, (),
                                  radius_m)
    useful, merged_points, merged_demand = _reduce(demand_points, demand, candidates, radius_m)
    k = min(sites, len(useful))
    chosen = np.array([], dtype="int64")
    if k:
        cost = cdist(merged_points, candidates[useful])
        model = MCLP.from_cost_matrix(cost, merged_demand, service_radius=radius_m,
                                      p_facilities=k)
        model.solve(pulp.PULP_CBC_CMD(msg=False))
        picked = [j for j, var in enumerate(model.fac_vars) if var.value() and var.value() > 0.5]
        chosen = useful[np.array(picked, dtype="int64")]
    if len(chosen) < min(sites, len(candidates)):
        # Fewer useful candidates than sites asked for: the rest cover no referral, nearest
        # to the demand first, so the planner still sees K sites.
        rest = np.setdiff1d(np.arange(len(candidates)), chosen)
        distance, _ = cKDTree(demand_points).query(candidates[rest])
        extra = rest[np.argsort(distance, kind="stable")][: sites - len(chosen)]
        chosen = np.concatenate([chosen, extra])
    covered = _covered(demand_points, demand, candidates[chosen], radius_m)
    per_site = tuple(
        describe_coverage(_covered(demand_points, demand, candidates[[c]], radius_m), total)
        for c in chosen
    )
    return SiteRecommendation(chosen, describe_coverage(covered, total), current, per_site,
                              radius_m)


def _reduce(points, demand, candidates, radius):
    """Shrink the covering problem.

    Exact reductions: candidates that cover nothing, or only a subset of what another
    candidate covers, are dropped; demand points covered by the same candidates are merged,
    and demand no candidate reaches is left out. One screen: beyond
    :data:`MAX_CANDIDATES`, only the candidates that cover the most referrals on their own
    are kept. spopt builds its model over every (demand, candidate) pair, so this is what
    keeps a borough-wide problem within a second or two.

    Returns
    -------
    tuple
        Positions of the kept candidates, and the merged demand points and weights.
    """
    reach = cKDTree(candidates).query_ball_point(points, r=radius)
    cover = np.zeros((len(candidates), len(points)), dtype=bool)
    for i, near in enumerate(reach):
        cover[near, i] = True
    cover &= demand[None, :] > 0
    sizes = cover.sum(axis=1)
    weight = cover.astype("float64") @ demand
    if len(candidates) > MAX_CANDIDATES:  # screen: keep those that cover the most alone
        screened = np.zeros(len(candidates), dtype=bool)
        screened[np.argsort(-weight, kind="stable")[:MAX_CANDIDATES]] = True
        cover &= screened[:, None]
        sizes = np.where(screened, sizes, 0)
    overlap = cover.astype("int32") @ cover.T.astype("int32")
    inside = overlap == sizes[:, None]  # [i, j]: i's cover lies within j's
    np.fill_diagonal(inside, False)
    same = inside & inside.T
    dominated = (inside & ~same).any(axis=1) | np.triu(same).any(axis=0)
    useful = np.flatnonzero((sizes > 0) & ~dominated)
    kept = cover[useful]
    reached = kept.any(axis=0)
    patterns, groups = np.unique(kept[:, reached].T, axis=0, return_inverse=True)
    merged = np.zeros(len(patterns))
    np.add.at(merged, groups.ravel(), demand[reached])
    # one representative point per pattern: it is covered by exactly those candidates
    first = np.unique(groups.ravel(), return_index=True)[1]
    return useful, points[reached][first], merged


def _covered(points: np.ndarray, demand: np.ndarray, sites: np.ndarray, radius: float) -> float:
    if not len(sites) or not len(points):
        return 0.0
    nearest, _ = cKDTree(sites).query(points)
    return float(demand[nearest <= radius].sum())
