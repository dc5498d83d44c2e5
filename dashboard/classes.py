"""Choropleth classes for disclosed counts: colour-blind-safe colours, each with a text label.

Shown counts are grouped with Fisher-Jenks natural breaks (mapclassify). Suppressed and
withheld cells get their own classes, so the map never implies a value it may not show.
"""

from __future__ import annotations

from dataclasses import dataclass

import mapclassify
import numpy as np

from analysis.hotspots import CLASS_LABELS
from geodata.disclosure import DEFAULT_POLICY, PRIMARY, SECONDARY, DisclosedCounts

# ColorBrewer YlGnBu: sequential and safe for the common forms of colour blindness.
SEQUENTIAL = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
ZERO_COLOUR = "#ffffff"
SUPPRESSED_COLOUR = "#d9d9d9"
WITHHELD_COLOUR = "#bdbdbd"
MAX_CLASSES = len(SEQUENTIAL)


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


def classify_counts(counts: DisclosedCounts, *, noun: str = "referrals") -> Classified:
    """Assign a colour class to each disclosed count.

    Parameters
    ----------
    counts : DisclosedCounts
    noun : str
        What is counted, for the labels.

    Returns
    -------
    Classified

    Examples
    --------
    >>> from geodata.disclosure import disclose_counts
    >>> classify_counts(disclose_counts([0, 2, 40])).class_labels
    ('no referrals', 'fewer than 5 referrals (suppressed)', '40 referrals')
    """
    return _classify(counts.values, counts.status, noun=noun, unit=noun, decimals=0)


def classify_rates(counts: DisclosedCounts, population: np.ndarray) -> Classified:
    """Assign a colour class to referrals per 1,000 residents, from the disclosed counts.

    Rates come from the rounded counts and are not given where a count is suppressed,
    so a rate never reveals what the count hides.

    Parameters
    ----------
    counts : DisclosedCounts
    population : numpy.ndarray
        Residents per area, in the same order.

    Returns
    -------
    Classified
    """
    people = np.asarray(population, dtype="float64")
    rates = np.where(people > 0, counts.values / np.where(people > 0, people, 1) * 1000, np.nan)
    rates = np.where(np.isfinite(counts.values) & ~np.isfinite(rates), 0.0, rates)
    return _classify(rates, counts.status, noun="referrals", unit="per 1,000 residents",
                     decimals=2)


def _classify(values, statuses, *, noun: str, unit: str, decimals: int) -> Classified:
    entries = {
        "zero": LegendEntry(ZERO_COLOUR, f"no {noun}"),
        "small": LegendEntry(
            SUPPRESSED_COLOUR, f"fewer than {DEFAULT_POLICY.k} {noun} (suppressed)"
        ),
        "withheld": LegendEntry(
            WITHHELD_COLOUR, "withheld so that a small count cannot be worked out"
        ),
    }
    positive = np.isfinite(values) & (values > 0)
    bins = _breaks(values[positive])
    members = np.searchsorted(bins, values[positive])
    palette = _palette(len(bins))
    for i in range(len(bins)):
        in_class = values[positive][members == i]
        low, high = f"{in_class.min():,.{decimals}f}", f"{in_class.max():,.{decimals}f}"
        label = f"{low} {unit}" if low == high else f"{low}–{high} {unit}"
        entries[f"class{i}"] = LegendEntry(palette[i], label)
    keys = []
    for status, value in zip(statuses, values, strict=True):
        if status == PRIMARY:
            keys.append("small")
        elif status == SECONDARY:
            keys.append("withheld")
        elif not value > 0:
            keys.append("zero")
        else:
            keys.append(f"class{int(np.searchsorted(bins, value))}")
    order = ["zero", "small", "withheld"] + [f"class{i}" for i in range(len(bins))]
    return Classified(
        colours=tuple(entries[k].colour for k in keys),
        class_labels=tuple(entries[k].label for k in keys),
        legend=tuple(entries[k] for k in order if k in keys),
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
