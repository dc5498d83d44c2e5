"""Controlled lists for record categories, sources and teams, with the synonyms met in exports.

The lists follow docs/records.md: referral categories are the National Referral Mechanism
exploitation types; outreach categories are the activity types. Sources and teams are
configurable: a TOML file named by ``ATLAS_VOCAB_FILE`` may replace them::

    referral_sources = ["NRM referral", "Duty to Notify", ...]
    outreach_teams = ["MSU patrol", ...]
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from geodata.schema import OUTREACH, REFERRAL
from geodata.settings import load_settings
from geodata.text import normalise

NOT_KNOWN = "not known"

REFERRAL_CATEGORIES = (
    "labour",
    "sexual",
    "criminal",
    "domestic servitude",
    "organ harvesting",
    "multiple",
    NOT_KNOWN,
)

OUTREACH_CATEGORIES = (
    "patrol",
    "community engagement",
    "faith-venue visit",
    "shelter/hostel visit",
    "transport-hub engagement",
    "other",
)

DEFAULT_REFERRAL_SOURCES = (
    "NRM referral",
    "Duty to Notify",
    "helpline report",
    "safeguarding referral",
)

DEFAULT_OUTREACH_TEAMS = (
    "MSU patrol team",
    "Council community safety",
    "NGO partner",
    "Faith and community liaison",
    "ANITP liaison",
)

AGE_GROUPS = ("adult", "child", NOT_KNOWN)

NATIONALITY_GROUPS = (
    "UK",
    "Romanian",
    "Albanian",
    "Vietnamese",
    "Eritrean",
    "Other EU",
    "Other",
    NOT_KNOWN,
)

# Synonyms seen in police, council and NGO exports, matched after normalising case,
# punctuation and spacing.
_CATEGORY_SYNONYMS = {
    REFERRAL: {
        "labour": ("labor", "labour exploitation", "forced labour", "forced labor"),
        "sexual": ("sexual exploitation", "sex", "cse", "sexual abuse"),
        "criminal": (
            "criminal exploitation",
            "county lines",
            "forced criminality",
            "cce",
        ),
        "domestic servitude": ("domestic", "servitude", "domestic slavery"),
        "organ harvesting": ("organ removal", "organs", "organ"),
        "multiple": ("mixed", "multiple exploitation", "more than one", "combined"),
        NOT_KNOWN: ("unknown", "not recorded", "n/a", "na", "none", "other", ""),
    },
    OUTREACH: {
        "patrol": ("patrols", "police patrol", "visit to premises", "premises visit"),
        "community engagement": ("community", "engagement", "community event", "outreach"),
        "faith-venue visit": (
            "faith venue visit",
            "church",
            "church visit",
            "faith",
            "mosque",
            "temple",
            "after services",
        ),
        "shelter/hostel visit": ("shelter", "hostel", "homeless shelter", "night shelter"),
        "transport-hub engagement": (
            "transport hub",
            "station",
            "airport",
            "bus station",
            "transport",
        ),
        "other": ("unknown", "not known", "misc", "miscellaneous", ""),
    },
}


def _lookup(kind: str) -> dict[str, str]:
    table = {}
    for canonical, synonyms in _CATEGORY_SYNONYMS[kind].items():
        table[normalise(canonical)] = canonical
        for synonym in synonyms:
            table[normalise(synonym)] = canonical
    return table


_LOOKUPS = {kind: _lookup(kind) for kind in _CATEGORY_SYNONYMS}


def categories_for(kind: str) -> tuple[str, ...]:
    """Return the controlled category list for a record kind.

    Parameters
    ----------
    kind : {"referral", "outreach"}

    Returns
    -------
    tuple of str

    Raises
    ------
    ValueError
        For any other kind.
    """
    if kind == REFERRAL:
        return REFERRAL_CATEGORIES
    if kind == OUTREACH:
        return OUTREACH_CATEGORIES
    raise ValueError(f"kind must be 'referral' or 'outreach', not {kind!r}")


def fallback_category(kind: str) -> str:
    """Return the category an unrecognised value becomes for this kind."""
    return NOT_KNOWN if kind == REFERRAL else "other"


def match_category(kind: str, value: object) -> str | None:
    """Map a raw category onto the controlled list, or ``None`` when it is not recognised.

    Parameters
    ----------
    kind : {"referral", "outreach"}
    value : object
        The raw cell.

    Returns
    -------
    str or None

    Examples
    --------
    >>> match_category("referral", "Forced Labour")
    'labour'
    >>> match_category("referral", "juggling") is None
    True
    """
    if value is None:
        return None
    return _LOOKUPS[kind].get(normalise(value))


@dataclass(frozen=True)
class Vocabulary:
    """The configurable lists: who refers and which teams do outreach."""

    referral_sources: tuple[str, ...] = DEFAULT_REFERRAL_SOURCES
    outreach_teams: tuple[str, ...] = DEFAULT_OUTREACH_TEAMS

    def sources_for(self, kind: str) -> tuple[str, ...]:
        """Return the source list (referrals) or team list (outreach)."""
        return self.referral_sources if kind == REFERRAL else self.outreach_teams


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """Read the configurable lists from TOML (``ATLAS_VOCAB_FILE``), or the defaults.

    Parameters
    ----------
    path : str or Path, optional
        Defaults to the ``ATLAS_VOCAB_FILE`` setting (:mod:`geodata.settings`).

    Returns
    -------
    Vocabulary
    """
    path = path or load_settings().vocab_file
    if not path:
        return Vocabulary()
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return Vocabulary(
        referral_sources=tuple(data.get("referral_sources", DEFAULT_REFERRAL_SOURCES)),
        outreach_teams=tuple(data.get("outreach_teams", DEFAULT_OUTREACH_TEAMS)),
    )
