"""Escaping text from data, files and URLs for wherever it lands.

Text a user gave us (ward names, categories, dataset names, URL parameters, indicator
names...) is escaped for the place it is rendered: HTML and JavaScript template strings
(map popups, offline HTML), spreadsheets (CSV formulas), matplotlib text (mathtext in the
PNG and PDF exports). Nothing here decides *what* may be
shown; that is the release layer's job (:mod:`geodata.release`).
"""

from __future__ import annotations

import html

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_text(value: object) -> str:
    """Escape text for HTML and for JavaScript template strings.

    Parameters
    ----------
    value : object

    Returns
    -------
    str

    Examples
    --------
    >>> escape_text("<b>${x}</b>")
    '&lt;b&gt;&#36;{x}&lt;/b&gt;'
    """
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("$", "&#36;").replace("`", "&#96;")


def csv_safe(value: object) -> object:
    r"""Neutralise a CSV cell that a spreadsheet would read as a formula.

    Parameters
    ----------
    value : object

    Returns
    -------
    object
        Text starting with ``= + - @``, tab or carriage return gets a leading apostrophe;
        anything else is returned unchanged.

    Examples
    --------
    >>> csv_safe('=HYPERLINK("http://x","y")')
    '\'=HYPERLINK("http://x","y")'
    >>> csv_safe(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of a table with every text cell (and header) made formula-safe.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    safe = frame.copy()
    safe.columns = [csv_safe(str(c)) for c in safe.columns]
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(csv_safe)
    return safe


def escape_mathtext(value: object) -> str:
    r"""Escape text so that matplotlib draws it as given, never as mathematics.

    Matplotlib reads text with an even number of unescaped dollar signs as mathtext: a
    marking or ward name with ``$...$`` in it would be drawn as a formula, or stop the
    export when it is not valid mathtext. Every dollar sign gets a backslash; matplotlib
    then finds no mathematics and draws each ``\$`` as ``$``.

    Parameters
    ----------
    value : object

    Returns
    -------
    str

    Examples
    --------
    >>> escape_mathtext("$x^2$ \\frac{a}{b}")
    '\\$x^2\\$ \\frac{a}{b}'
    >>> escape_mathtext(None)
    ''
    """
    return ("" if value is None else str(value)).replace("$", r"\$")
