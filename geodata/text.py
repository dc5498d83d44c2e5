"""One way to compare words typed by people: column headers, categories, sources."""

from __future__ import annotations

import re


def normalise(text: object) -> str:
    """Return text in comparable form: lower case, ``&`` as "and", no punctuation, single spaces.

    Examples
    --------
    >>> normalise(" Date of Referral ")
    'date of referral'
    >>> normalise("Sexual-Exploitation & Labour")
    'sexual exploitation and labour'
    """
    text = re.sub(r"[^a-z0-9]+", " ", str(text).lower().replace("&", " and "))
    return text.strip()
