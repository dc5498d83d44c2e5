"""Trends: series per block of weeks, two periods compared ward by ward, the campaign verdict.

Everything here is computed from released referral counts (:mod:`geodata.release`), per
fixed block of ISO weeks, never per week. Comparing two periods, a ward's change is tested
when the released counts allow (an exact binomial test of how the referrals split between
the periods, against the split their lengths would give); the neighbouring wards' change is
shown next to it, as a direction, to spot displacement or diffusion.

The campaign verdict (:func:`campaign_verdict`) puts the campaign fortnight and the 4 weeks
either side of it as rates per week, for the borough and the selected wards, referrals and
outreach, and says in one sentence per comparison whether the change could be chance (a
test of two Poisson rates that allows for the release's noise, :func:`rate_change_p_value`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from libpysal.graph import Graph
from scipy import stats

from analysis.dataset import AtlasData
from analysis.filters import Filters, outreach_mask
from geodata import vocab
from geodata.geography import ward_positions
from geodata.release import (
    DEFAULT_POLICY,
    WARDS,
    ReleasePolicy,
    WeekWindow,
    bin_of_week,
    largest_noise_variance,
    snap_to_weeks,
    window_of_bins,
)
from geodata.schema import CAMPAIGN_END, CAMPAIGN_START, OUTREACH, REFERRAL

MIN_TO_TEST = 10
ALPHA = 0.05
WEEK = "week"
SERIES = "series"
COUNT = "count"
LABEL = "label"
ALL = "all"


def campaign_periods(policy: ReleasePolicy = DEFAULT_POLICY) -> dict[str, WeekWindow]:
    """Return the presets: the 4 weeks before the campaign week, the week, the 4 after."""
    campaign = snap_to_weeks(CAMPAIGN_START, CAMPAIGN_END, policy)
    first, last = campaign.bins(policy)
    blocks = -(-4 // policy.bin_weeks)  # whole blocks covering 4 weeks
    return {
        "4 weeks before the campaign": window_of_bins(first - blocks, first - 1, policy),
        "campaign week": campaign,
        "4 weeks after the campaign": window_of_bins(last + 1, last + blocks, policy),
    }


def block_series(data: AtlasData, filters: Filters, kind: str) -> pd.DataFrame:
    """Count a kind of record per block of weeks and category.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
    kind : {"referral", "outreach"}

    Returns
    -------
    pandas.DataFrame
        ``week`` (the Monday a block starts), ``series`` (category or "all"), ``count``
        and ``label`` (the text shown). Referral figures are released counts.
    """
    policy = data.release.policy
    first, last = filters.window.bins(policy)
    blocks = np.arange(first, last + 1)
    categories = vocab.categories_for(kind)
    if kind == REFERRAL:
        wards = None if not filters.wards else ward_positions(data.geography, filters.wards)
        counts = data.release.series(filters.window, filters.referral_categories, wards)
        table = {name: counts[name] for name in (ALL, *categories)}
    else:
        mask = outreach_mask(data.outreach, data.geography, replace(filters, kinds=(OUTREACH,)))
        offsets = bin_of_week(data.outreach.week[mask], policy) - first
        per = np.zeros((len(blocks), len(categories)), dtype="int64")
        np.add.at(per, (offsets, data.outreach.category[mask].astype("int64")), 1)
        table = {ALL: per.sum(axis=1), **{c: per[:, i] for i, c in enumerate(categories)}}
    rows = []
    for i, b in enumerate(blocks):
        monday = window_of_bins(int(b), int(b), policy).start
        rows += [(monday, name, float(v[i]), f"{int(v[i]):,}") for name, v in table.items()]
    return pd.DataFrame(rows, columns=[WEEK, SERIES, COUNT, LABEL])


def compare_periods(
    data: AtlasData,
    filters: Filters,
    first: WeekWindow,
    second: WeekWindow,
    weights: Graph,
) -> pd.DataFrame:
    """Compare released referrals per ward between two periods, with the neighbours' change.

    Parameters
    ----------
    data : AtlasData
    filters : Filters
        Wards and categories to keep (its window is replaced by each period).
    first, second : WeekWindow
    weights : libpysal.graph.Graph
        Ward contiguity, indexed by ward position
        (:attr:`geodata.geography.Geography.ward_weights`).

    Returns
    -------
    pandas.DataFrame
        Per selected ward: ``ward``, ``name``, ``first``, ``second`` (released),
        ``change`` and ``neighbours`` (directions in words).
    """
    geography = data.geography
    n_wards = len(geography.ward_codes)
    a, b = (
        data.release.counts(WARDS, window, filters.referral_categories).values
        for window in (first, second)
    )
    share = first.n_weeks / (first.n_weeks + second.n_weeks)
    positions = ward_positions(geography, filters.wards)
    neighbours = [list(weights.neighbors[i]) for i in range(n_wards)]
    return pd.DataFrame(
        {
            "ward": [geography.ward_codes[i] for i in positions],
            "name": [geography.ward_names[i] for i in positions],
            "first": [f"{a[i]:,}" for i in positions],
            "second": [f"{b[i]:,}" for i in positions],
            "change": [_direction(a[i], b[i], share) for i in positions],
            "neighbours": [
                _direction(a[neighbours[i]].sum(), b[neighbours[i]].sum(), share)
                for i in positions
            ],
        }
    )


def _direction(first: int, second: int, share_first: float) -> str:
    """Describe a change in released counts, tested when there are enough of them."""
    n = int(first + second)
    if n < MIN_TO_TEST:
        return "too few referrals to test"
    test = stats.binomtest(int(first), n, share_first)
    expected_second = n * (1 - share_first)
    word = "rise" if second > expected_second else "fall"
    if test.pvalue < ALPHA:
        return f"{word} (significant at {1 - ALPHA:.0%})"
    return "no clear change"


def describe_window(window: WeekWindow) -> str:
    """Say a window in words for reasons: 'the 13 weeks to 31 Mar 2024'."""
    end: dt.date = window.end
    return f"the {window.n_weeks} weeks to {end.strftime('%-d %b %Y')}"


# ------------------------------------------------------------------ the campaign verdict

BOROUGH_NAME = "Barnet"
MEASURES = {REFERRAL: "Referrals", OUTREACH: "Outreach activities"}
BEFORE, DURING, AFTER = "before", "during", "after"


@dataclass(frozen=True)
class PeriodRates:
    """One measure in one area, per week, before, during and after the campaign.

    Attributes
    ----------
    measure : {"referral", "outreach"}
    area : str
        ``"Barnet"`` or the selected wards in words (names from the boundary file).
    counts : tuple of int
        Released referral counts, or outreach activities counted by masked ward.
    per_week : tuple of float
        ``counts`` divided by each period's weeks.
    labels : tuple of str
        The rates as shown, e.g. ``"about 12"``.
    """

    measure: str
    area: str
    counts: tuple[int, ...]
    per_week: tuple[float, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True)
class RateChange:
    """A period compared with the 4 weeks before the campaign, for one measure and area.

    Attributes
    ----------
    measure, area : str
    period : {"during", "after"}
    before, then : float
        Rates per week (released figures).
    p_value : float or None
        How often one steady rate would give figures at least this far apart; ``None``
        when there are too few records to test.
    finding : {"rise", "fall", "could be chance", "too few to test"}
    sentence : str
        The finding in one plain sentence.
    """

    measure: str
    area: str
    period: str
    before: float
    then: float
    p_value: float | None
    finding: str
    sentence: str


@dataclass(frozen=True)
class CampaignVerdict:
    """Whether the campaign week worked, in rates per week and one sentence per comparison.

    Attributes
    ----------
    periods : tuple of WeekWindow
        Before, during and after.
    rates : tuple of PeriodRates
        Referrals then outreach; the borough, then the selected wards (when some are).
    changes : tuple of RateChange
        For each rate: during against before, after against before.
    method : tuple of str
        How the figures and the test work, in plain English.
    """

    periods: tuple[WeekWindow, ...]
    rates: tuple[PeriodRates, ...]
    changes: tuple[RateChange, ...]
    method: tuple[str, ...]

    @property
    def sentences(self) -> tuple[str, ...]:
        """Every comparison's sentence, in order."""
        return tuple(c.sentence for c in self.changes)

    def table(self) -> pd.DataFrame:
        """Return the rates per week as text: one row per measure and area."""
        names = period_names(self.periods)
        return pd.DataFrame(
            [
                {"Records": MEASURES[r.measure], "Area": r.area,
                 **dict(zip(names, r.labels, strict=True))}
                for r in self.rates
            ]
        )


def period_names(periods) -> tuple[str, ...]:
    """Name the three periods for table headings, with their dates."""
    before, during, after = periods
    return (
        f"{before.n_weeks} weeks before ({_short(before)})",
        f"Campaign fortnight ({_short(during)})" if during.n_weeks == 2
        else f"Campaign ({_short(during)})",
        f"{after.n_weeks} weeks after ({_short(after)})",
    )


def _short(window: WeekWindow) -> str:
    return f"{window.start:%-d %b} – {window.end:%-d %b %Y}"


def about(rate: float) -> str:
    """Round a rate per week like every other figure, in words.

    Examples
    --------
    >>> about(152.4), about(3.26), about(0)
    ('about 152', 'about 3.3', 'about 0')
    """
    if rate >= 10:
        return f"about {rate:,.0f}"
    if rate > 0:
        return f"about {rate:.1f}"
    return "about 0"


def rate_change_p_value(
    first: int,
    first_weeks: float,
    second: int,
    second_weeks: float,
    *,
    first_cells: int = 0,
    second_cells: int = 0,
    noise_variance: float = 0.0,
) -> float:
    """Test whether two counts could come from one steady weekly rate.

    If the records arrived at one steady rate (the pooled rate of both periods), each
    period's true count would be Poisson; the release then adds noise to every cell it
    adds up (at most ``noise_variance`` each, taken as normal: an allowance on the safe
    side). The p-value is the chance, under that model, that the two rates per week lie
    at least as far apart as observed, computed exactly over the counts (no normal
    approximation of the Poisson part).

    Parameters
    ----------
    first, second : int
        Counts (released, for referrals).
    first_weeks, second_weeks : float
        Lengths of the periods in weeks.
    first_cells, second_cells : int
        How many released cells each count adds up (0 for counts without noise).
    noise_variance : float
        Largest variance the release adds to one cell.

    Returns
    -------
    float
        Two-sided p-value in [0, 1].

    Examples
    --------
    >>> rate_change_p_value(40, 4, 40, 2) < 0.01  # 10 a week, then 20: unlikely by chance
    True
    >>> rate_change_p_value(40, 4, 20, 2)  # 10 a week, then 10
    1.0
    """
    if first_weeks <= 0 or second_weeks <= 0:
        raise ValueError("both periods must last at least one week")
    rate = (first + second) / (first_weeks + second_weeks)
    if rate <= 0:
        return 1.0
    observed = abs(second / second_weeks - first / first_weeks)
    if observed == 0:
        return 1.0
    grid_a, pmf_a = _noisy_poisson(rate * first_weeks, first_cells * noise_variance)
    grid_b, pmf_b = _noisy_poisson(rate * second_weeks, second_cells * noise_variance)
    cumulative_b = np.concatenate([[0.0], np.cumsum(pmf_b)])  # P(B < grid_b[0] + i)

    def below(j: np.ndarray) -> np.ndarray:  # P(B <= j)
        index = np.clip(j - grid_b[0] + 1, 0, len(pmf_b)).astype("int64")
        return cumulative_b[index]

    centre = grid_a / first_weeks * second_weeks
    tolerance = 1e-9 * max(1.0, second_weeks)
    high = np.ceil(centre + observed * second_weeks - tolerance)  # B >= high
    low = np.floor(centre - observed * second_weeks + tolerance)  # B <= low
    tails = (1.0 - below(high - 1)) + below(low)
    return float(min(1.0, np.sum(pmf_a * tails)))


def _noisy_poisson(mean: float, noise_variance: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the integers and probabilities of a Poisson count plus normal noise."""
    sd = np.sqrt(mean + noise_variance) + 1.0
    top = int(np.ceil(mean + 12 * sd))
    bottom = max(0, int(np.floor(mean - 12 * sd)))
    grid = np.arange(bottom, top + 1)
    pmf = stats.poisson.pmf(grid, mean)
    if noise_variance > 0:
        reach = int(np.ceil(8 * np.sqrt(noise_variance)))
        offsets = np.arange(-reach, reach + 1)
        kernel = stats.norm.pdf(offsets, scale=np.sqrt(noise_variance))
        pmf = np.convolve(pmf, kernel / kernel.sum())
        grid = np.arange(bottom - reach, top + reach + 1)
    return grid, pmf / pmf.sum()


def campaign_verdict(
    data: AtlasData,
    filters: Filters,
    periods: tuple[WeekWindow, ...] | None = None,
    *,
    ward_names: dict[str, str] | None = None,
) -> CampaignVerdict:
    """Say whether the campaign week worked: rates per week and a sentence per comparison.

    Referral figures are released counts (:class:`geodata.release.ReferralRelease`), over
    the same windows of whole blocks as everywhere else; outreach figures count the
    activities by the ward of their masked position. Both follow the filters' categories;
    the filters' dates and kinds play no part (the periods are fixed).

    Parameters
    ----------
    data : AtlasData
    filters : Filters
        Wards and categories (with wards selected, they get figures of their own next to
        the borough's).
    periods : tuple of WeekWindow, optional
        Before, during, after; the presets of :func:`campaign_periods` by default.
    ward_names : dict, optional
        Ward code to name, to name the selected wards (the boundary file's by default).

    Returns
    -------
    CampaignVerdict
    """
    policy = data.release.policy
    if periods is None:
        presets = campaign_periods(policy)
        periods = tuple(presets.values())
    geography = data.geography
    names = ward_names or geography.ward_name_by_code
    areas: list[tuple[str, tuple[str, ...]]] = [(BOROUGH_NAME, ())]
    if filters.wards and len(set(filters.wards)) < len(geography.ward_codes):
        areas.append((_name_wards(filters.wards, names), tuple(filters.wards)))
    noise = largest_noise_variance(policy)
    rates, changes = [], []
    for measure in (REFERRAL, OUTREACH):
        for area, wards in areas:
            counts, cells = [], []
            for window in periods:
                count, n_cells = _count(data, replace(filters, window=window, wards=wards),
                                        measure)
                counts.append(count)
                cells.append(n_cells)
            per_week = tuple(c / w.n_weeks for c, w in zip(counts, periods, strict=True))
            rates.append(PeriodRates(measure, area, tuple(counts), per_week,
                                     tuple(about(r) for r in per_week)))
            for i, period in ((1, DURING), (2, AFTER)):
                changes.append(_change(measure, area, period, periods, counts, cells, i,
                                       noise))
    return CampaignVerdict(tuple(periods), tuple(rates), tuple(changes),
                           verdict_method(periods, policy))


def _name_wards(codes, names: Mapping[str, str]) -> str:
    chosen = [names.get(c, c) for c in dict.fromkeys(codes)]
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) <= 3:
        return f"{', '.join(chosen[:-1])} and {chosen[-1]}"
    return f"the {len(chosen)} selected wards"


def _count(data: AtlasData, filters: Filters, measure: str) -> tuple[int, int]:
    """Return a period's count and how many released cells it adds up."""
    wards = ward_positions(data.geography, filters.wards) if filters.wards else None
    if measure == REFERRAL:
        categories = filters.referral_categories
        return (data.release.total(filters.window, categories, wards),
                data.release.n_cells(filters.window, categories, wards))
    mask = outreach_mask(data.outreach, data.geography, replace(filters, kinds=(OUTREACH,)))
    return int(mask.sum()), 0


def _change(measure, area, period, periods, counts, cells, i, noise) -> RateChange:
    before_w, then_w = periods[0].n_weeks, periods[i].n_weeks
    before, then = counts[0] / before_w, counts[i] / then_w
    what = f"{MEASURES[measure]} per week in {area}"
    earlier = f"the {before_w} weeks before" + ("" if period == DURING else " the campaign")
    when = "during the campaign" if period == DURING else f"in the {then_w} weeks after it"
    if about(before) == about(then):
        moved = f"stayed at {about(then)} {when}, as in {earlier}"
    else:
        word = "rose" if then > before else "fell"
        moved = f"{word} from {about(before)} in {earlier} to {about(then)} {when}"
    if counts[0] + counts[i] < MIN_TO_TEST:
        return RateChange(measure, area, period, before, then, None, "too few to test",
                          f"{what} {moved}; these are too few records to tell a change "
                          "from chance.")
    p = rate_change_p_value(counts[0], before_w, counts[i], then_w,
                            first_cells=cells[0], second_cells=cells[i],
                            noise_variance=noise)
    if p < ALPHA:
        finding = "rise" if then > before else "fall"
        verdict = "a change this large is unlikely by chance"
    else:
        finding = "could be chance"
        verdict = (
            "a difference this small could easily be chance" if about(before) == about(then)
            else "a change this large could easily be chance"
        )
    return RateChange(measure, area, period, before, then, p, finding,
                      f"{what} {moved}; {verdict}.")


def verdict_method(periods, policy: ReleasePolicy = DEFAULT_POLICY) -> tuple[str, ...]:
    """Say how the campaign verdict is worked out, in plain English."""
    before, during, after = periods
    return (
        f"Every figure is a rate per week: the records in a period divided by its weeks. "
        f"The campaign ran from Sunday {CAMPAIGN_START:%-d} to Saturday "
        f"{CAMPAIGN_END:%-d %B %Y}; referrals are counted in fixed blocks of "
        f"{policy.bin_weeks} weeks, so 'during the campaign' means {during.describe()}, "
        f"compared with the {before.n_weeks} weeks before ({before.describe()}) and the "
        f"{after.n_weeks} weeks after ({after.describe()}).",
        "The test asks: if records had kept arriving at one steady rate (the average of "
        "the two periods), how often would chance alone put the two weekly figures at "
        f"least this far apart? Less than 1 time in {round(1 / ALPHA)}: 'unlikely by "
        "chance'; more often: 'could easily be chance'. With fewer than "
        f"{MIN_TO_TEST} records in the two periods together, nothing is tested.",
        "Referral figures are the adjusted counts described under 'How figures are "
        "protected'; the test allows for the largest adjustment each count it adds up can "
        "carry, so it leans towards 'could easily be chance'. Outreach activities are not "
        "adjusted; they are counted in the ward where each activity's moved position falls.",
        "A change that is unlikely by chance shows that the rate changed, not why: a "
        "season, a change in how referrals are recorded or another event at the same "
        "time can do the same.",
    )
