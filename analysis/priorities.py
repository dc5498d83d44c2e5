"""Where outreach should go next: the outreach gap and recommended sites.

*Outreach gap.* For every ward or grid cell, referrals in the period are set against outreach
coverage: the outreach activities within a walking radius R of the area in the same period.
Across the areas ranked (those with referrals), there are C outreach activities nearby per
referral. The gap of an
area is the referrals that its own outreach would not cover at that usual rate:
gap = max(0, referrals - outreach nearby / C). Areas are ranked by gap, then by referrals
per outreach activity, then by their code (ties never depend on the data). Referrals are
released counts (:mod:`geodata.release`), so the gap, the order and the reasons are worked
out from what is already shown.

*Recommended sites.* Outreach already happening counts: each place's referrals are served
up to what its outreach nearby covers at the usual rate (outreach nearby / C), and only the
rest, its gap, is left for new sites. A maximal covering location model (spopt's MCLP) picks
K sites from candidates (grid centres or a list of venues) so that as much of that gap as
possible lies within R of a new site. The result says what today's outreach serves and what
the K new sites would add on top.

These are the pieces; :mod:`analysis.priorities_view` puts them together with hot spots and
the smoothed surface into what the Priorities page shows.
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
SERVED = "served"  # referrals that outreach nearby serves at the usual rate


def usual_rate(referrals: np.ndarray, outreach_nearby: np.ndarray) -> float:
    """Return C, the outreach activities nearby per referral across the areas with referrals.

    Areas without referrals are left out: outreach near them serves no referral, and
    counting it would make every area's outreach look thinner than it is.

    Examples
    --------
    >>> usual_rate(np.array([30, 20, 0]), np.array([40, 10, 90]))
    1.0
    """
    referrals = np.asarray(referrals, dtype="float64")
    with_referrals = referrals > 0
    nearby = np.asarray(outreach_nearby, dtype="float64")[with_referrals]
    return float(nearby.sum()) / max(float(referrals.sum()), 1.0)


def served_by_outreach(referrals: np.ndarray, outreach_nearby: np.ndarray,
                       rate: float) -> np.ndarray:
    """Return the referrals of each area that its outreach nearby serves at the usual rate.

    ``min(referrals, outreach nearby / C)``: the gap is what is left,
    ``referrals - served``.

    Examples
    --------
    >>> served_by_outreach(np.array([30, 20, 5]), np.array([40, 0, 10]), 1.0).tolist()
    [30.0, 0.0, 5.0]
    """
    referrals = np.asarray(referrals, dtype="float64")
    if not rate:
        return np.zeros_like(referrals)
    return np.minimum(referrals, np.asarray(outreach_nearby, dtype="float64") / rate)


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
        ``rank, area, name, referrals`` (text), ``gap``, ``outreach_nearby``, ``served``
        (referrals its outreach nearby serves at the usual rate, so ``gap = referrals -
        served``) and ``reason``, best first; areas with no released referrals are left
        out. ``attrs["outreach_per_referral"]`` is C.
    """
    referrals = np.asarray(referrals, dtype="int64")
    outreach_nearby = np.asarray(outreach_nearby, dtype="int64")
    rate = usual_rate(referrals, outreach_nearby)
    served = served_by_outreach(referrals, outreach_nearby, rate)
    gap = referrals - served
    ratio = referrals / (1.0 + outreach_nearby)
    keep = np.flatnonzero(referrals > 0)
    code_order = np.argsort(np.argsort(np.asarray(codes, dtype=str)[keep], kind="stable"))
    order = keep[np.lexsort((code_order, -referrals[keep], -ratio[keep], -gap[keep]))]
    reasons = [
        gap_reason(int(r), int(o), s, g, rate=rate, radius_m=radius_m, period=period)
        for r, o, s, g in zip(referrals[order], outreach_nearby[order], served[order],
                              gap[order], strict=True)
    ]
    frame = pd.DataFrame(
        {
            RANK: np.arange(1, len(order) + 1),
            AREA: [codes[i] for i in order],
            NAME: [names[i] for i in order],
            REFERRALS: [f"{int(r):,}" for r in referrals[order]],
            GAP: np.round(gap[order], 1),
            OUTREACH_NEARBY: outreach_nearby[order],
            SERVED: np.round(served[order], 1),
            REASON: reasons,
        }
    )
    frame.attrs["outreach_per_referral"] = rate
    return frame


def gap_reason(referrals: int, outreach: int, served: float, gap: float, *, rate: float,
               radius_m: float, period: str) -> str:
    """Say what an area's gap is made of, so the order of the list can be followed.

    Examples
    --------
    >>> gap_reason(20, 4, 2.0, 18.0, rate=2.0, radius_m=400, period="May")
    'Gap of about 18: about 20 referrals in May, of which the 4 outreach activities within \
400 m serve about 2 at the usual 2.0 activities per referral.'
    >>> gap_reason(16, 1, 0.2, 15.8, rate=4.6, radius_m=400, period="May")
    'Gap of about 16: about 16 referrals in May, of which the 1 outreach activity within \
400 m serves less than 1 at the usual 4.6 activities per referral.'
    >>> gap_reason(20, 0, 0.0, 20.0, rate=2.0, radius_m=400, period="May")
    'Gap of about 20: about 20 referrals in May and no outreach activity within 400 m.'
    >>> gap_reason(10, 40, 10.0, 0.0, rate=2.0, radius_m=400, period="May")
    'No gap: the 40 outreach activities within 400 m serve all of about 10 referrals in May \
at the usual 2.0 activities per referral (ranked by referrals per activity, 0.24).'
    """
    refs = f"about {referrals:,} referral{'' if referrals == 1 else 's'} in {period}"
    visits = f"{outreach:,} outreach activit{'y' if outreach == 1 else 'ies'} within " \
        f"{radius_m:,.0f} m"
    usual = f"the usual {rate:,.1f} activities per referral"
    if outreach == 0:
        return f"Gap of about {gap:,.0f}: {refs} and no outreach activity within " \
            f"{radius_m:,.0f} m."
    serve = "serves" if outreach == 1 else "serve"
    if gap >= 0.5:
        part = "less than 1" if served < 0.5 else f"about {served:,.0f}"
        return f"Gap of about {gap:,.0f}: {refs}, of which the {visits} {serve} {part} at {usual}."
    return (f"No gap: the {visits} {serve} all of {refs} at {usual} (ranked by referrals per "
            f"activity, {referrals / (1 + outreach):.2f}).")


@dataclass(frozen=True)
class SiteRecommendation:
    """New sites chosen to serve the most of the referrals today's outreach leaves unserved.

    Attributes
    ----------
    chosen : numpy.ndarray
        Positions of the chosen candidates, in the order given.
    covered : str
        What the new sites add: the unserved referrals (the gap) within the radius of a
        chosen site, e.g. "about 150 of 510 referrals (29 %)".
    current : str or None
        What today's outreach serves (referrals served at the usual rate), when known.
    per_site : tuple of str
        What each chosen site adds on its own.
    radius_m : float
    added, served, total : float
        The same as numbers: unserved referrals the new sites reach, referrals today's
        outreach serves, and all referrals (released counts).
    """

    chosen: np.ndarray
    covered: str
    current: str | None
    per_site: tuple[str, ...]
    radius_m: float
    added: float = 0.0
    served: float = 0.0
    total: float = 0.0

    def headline(self) -> str:
        """Say what today's outreach reaches and what the new sites would add on top.

        Examples
        --------
        >>> SiteRecommendation(np.array([3, 4]), "", "", (), 400, 150, 600, 1000).headline()
        "Today's outreach reaches about 60 % of referrals; 2 new sites would add about 15 %."
        """
        k = len(self.chosen)
        sites = f"{k} new site{'' if k == 1 else 's'}"
        if not self.total:
            return f"There are no referrals in the period for {sites} to reach."
        today = f"Today's outreach reaches about {_percent(self.served, self.total)} of referrals"
        if not self.added:
            return f"{today}; {sites} would add nothing within {self.radius_m:,.0f} m."
        return f"{today}; {sites} would add about {_percent(self.added, self.total)}."


def _percent(part: float, whole: float) -> str:
    share = 100 * part / whole
    return f"{round(share)} %" if share >= 1 or not part else "under 1 %"


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
    served: np.ndarray | None = None,
) -> SiteRecommendation:
    """Choose new sites for the referrals outreach does not yet serve (spopt MCLP, CBC).

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
    served : numpy.ndarray, optional
        Referrals at each demand point that today's outreach already serves (see
        :func:`served_by_outreach`); only the rest counts for new sites. None: nothing is
        served yet.

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
    total = float(demand.sum())
    already = np.zeros_like(demand) if served is None else np.minimum(
        np.asarray(served, dtype="float64"), demand)
    gap = np.maximum(demand - already, 0.0)
    today = float(already.sum())
    current = describe_coverage(today, total) if served is not None else None
    if not total:
        return SiteRecommendation(np.array([], dtype="int64"), "no referrals", current, (),
                                  radius_m)
    chosen = np.array([], dtype="int64")
    if gap.sum() > 0:
        useful, merged_points, merged_demand = _reduce(demand_points, gap, candidates, radius_m)
        k = min(sites, len(useful))
        if k:
            cost = cdist(merged_points, candidates[useful])
            model = MCLP.from_cost_matrix(cost, merged_demand, service_radius=radius_m,
                                          p_facilities=k)
            model.solve(pulp.PULP_CBC_CMD(msg=False))
            picked = [j for j, var in enumerate(model.fac_vars)
                      if var.value() and var.value() > 0.5]
            chosen = useful[np.array(picked, dtype="int64")]
    if len(chosen) < min(sites, len(candidates)):
        # Fewer useful candidates than sites asked for: the rest add nothing, nearest to
        # the unserved (else all) referrals first, so the planner still sees K sites.
        rest = np.setdiff1d(np.arange(len(candidates)), chosen)
        targets = demand_points[gap > 0] if (gap > 0).any() else demand_points[demand > 0]
        distance, _ = cKDTree(targets).query(candidates[rest])
        extra = rest[np.argsort(distance, kind="stable")][: sites - len(chosen)]
        chosen = np.concatenate([chosen, extra])
    added = _covered(demand_points, gap, candidates[chosen], radius_m)
    per_site = tuple(
        describe_coverage(_covered(demand_points, gap, candidates[[c]], radius_m), total)
        for c in chosen
    )
    return SiteRecommendation(chosen, describe_coverage(added, total), current, per_site,
                              radius_m, added=added, served=today, total=total)


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
