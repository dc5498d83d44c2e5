"""Choropleth classes for released counts: colour-blind-safe colours, each with a text label.

Released counts are grouped with Fisher-Jenks natural breaks (mapclassify); the breaks are
worked out from released counts only, so a legend break reveals nothing more than the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import mapclassify
import numpy as np

from analysis.hotspots import CLASS_LABELS
from geodata.release import DEFAULT_POLICY, ReleasedCounts

# ColorBrewer YlGnBu: sequential and safe for the common forms of colour blindness.
SEQUENTIAL = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
ZERO_COLOUR = "#ffffff"
MAX_CLASSES = len(SEQUENTIAL)


# Outreach symbols: orange, distinct from the blue-green choropleth for all CVD types.
OUTREACH_COLOUR = "#d95f02"
OUTREACH_EDGE = "#7f2704"

# ColorBrewer RdBu (diverging, colour-blind safe): hot spots red, cold spots blue.
HOTSPOT_COLOURS = {
    3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7", 0: "#f7f7f7",
    -1: "#d1e5f0", -2: "#67a9cf", -3: "#2166ac",
}
# ColorBrewer YlOrBr for the smoothed surface (its classes are relative, never counts).
DENSITY_COLOURS = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")


@dataclass(frozen=True)
class LegendEntry:
    """One class: its colour and what it means in words."""

    colour: str
    label: str


@dataclass(frozen=True)
class LegendSection:
    """A titled group of legend entries; ``dots`` draws round symbols instead of boxes."""

    title: str
    entries: tuple[LegendEntry, ...]
    dots: bool = False


def hotspot_legend(classes) -> tuple[LegendEntry, ...]:
    """Return legend entries for the hot-spot classes that occur, hottest first."""
    present = set(int(c) for c in classes)
    return tuple(
        LegendEntry(HOTSPOT_COLOURS[c], CLASS_LABELS[c]) for c in (3, 2, 1, 0, -1, -2, -3)
        if c in present
    )


@dataclass(frozen=True)
class Classified:
    """The class of every area and the legend that explains them.

    Attributes
    ----------
    colours : tuple of str
        Fill colour per area.
    class_labels : tuple of str
        The class of each area in words (for tooltips and the table).
    legend : tuple of LegendEntry
        Only the classes that occur, in order.
    """

    colours: tuple[str, ...]
    class_labels: tuple[str, ...]
    legend: tuple[LegendEntry, ...]


def classify_counts(
    counts: ReleasedCounts, *, noun: str = "referrals", among: ReleasedCounts | None = None
) -> Classified:
    """Assign a colour class to each released count.

    Parameters
    ----------
    counts : ReleasedCounts
    noun : str
        What is counted, for the labels.
    among : ReleasedCounts, optional
        The counts the classes are worked out from (default: ``counts``). A briefing pack
        passes its overview's counts for every page, so that a ward has the same colour,
        and the legend the same classes, on every page. ``counts`` must be among them.

    Returns
    -------
    Classified

    Examples
    --------
    >>> classify_counts(ReleasedCounts(np.array([0, 5, 40]))).class_labels
    ('0 referrals (none, or a few shown as 0)', '5 referrals', '40 referrals')
    """
    values = np.asarray(counts.values, dtype="float64")
    basis = values if among is None else np.asarray(among.values, dtype="float64")
    if among is not None and not np.isin(values, basis).all():
        raise ValueError("counts must be among the counts the classes are worked out from")
    return _classify(values, noun=noun, unit=noun, decimals=0, basis=basis)


def classify_rates(counts: ReleasedCounts, population: np.ndarray) -> Classified:
    """Assign a colour class to referrals per 1,000 residents, from the released counts.

    Parameters
    ----------
    counts : ReleasedCounts
    population : numpy.ndarray
        Residents per area, in the same order.

    Returns
    -------
    Classified
    """
    people = np.asarray(population, dtype="float64")
    values = np.asarray(counts.values, dtype="float64")
    rates = np.where(people > 0, values / np.where(people > 0, people, 1) * 1000, 0.0)
    return _classify(rates, noun="referrals", unit="per 1,000 residents", decimals=2)


def _classify(values, *, noun: str, unit: str, decimals: int, basis=None) -> Classified:
    basis = values if basis is None else basis
    small = f"1 to {DEFAULT_POLICY.k - 1}"
    entries = {"zero": LegendEntry(ZERO_COLOUR, f"0 {noun} (none, or a few shown as 0)")}
    if unit != noun:
        entries["zero"] = LegendEntry(ZERO_COLOUR, f"0 (none, or {small} shown as 0)")
    positive = basis[basis > 0]
    bins = _breaks(positive)
    members = np.searchsorted(bins, positive)
    palette = _palette(len(bins))
    for i in range(len(bins)):
        in_class = positive[members == i]
        low, high = f"{in_class.min():,.{decimals}f}", f"{in_class.max():,.{decimals}f}"
        label = f"{low} {unit}" if low == high else f"{low}–{high} {unit}"
        entries[f"class{i}"] = LegendEntry(palette[i], label)
    keys = [
        f"class{int(np.searchsorted(bins, value))}" if value > 0 else "zero" for value in values
    ]
    order = ["zero"] + [f"class{i}" for i in range(len(bins))]
    occurring = set(keys) | {
        f"class{int(np.searchsorted(bins, value))}" if value > 0 else "zero" for value in basis
    }
    return Classified(
        colours=tuple(entries[k].colour for k in keys),
        class_labels=tuple(entries[k].label for k in keys),
        legend=tuple(entries[k] for k in order if k in occurring),
    )


def _breaks(values: np.ndarray) -> list[float]:
    unique = np.unique(values)
    if len(unique) <= MAX_CLASSES:
        return [float(v) for v in unique]
    return [float(b) for b in mapclassify.FisherJenks(values, k=MAX_CLASSES).bins]


def _palette(n: int) -> tuple[str, ...]:
    if n <= 0:
        return ()
    picks = np.linspace(0, len(SEQUENTIAL) - 1, n).round().astype(int)
    return tuple(SEQUENTIAL[i] for i in picks)
