"""Escaping text from data, files and URLs for wherever it lands.

Text a user gave us (ward names, categories, dataset names, URL parameters, indicator
names...) is escaped for the place it is rendered: HTML and JavaScript template strings
(map popups, offline HTML), Streamlit's Markdown (captions, notices, labels), spreadsheets
(CSV formulas), matplotlib text (mathtext in the PNG and PDF exports). Nothing here decides
*what* may be shown; that is the release layer's job (:mod:`geodata.release`).
"""

from __future__ import annotations

import html
import re
import string

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


# CommonMark lets a backslash escape any ASCII punctuation, and Markdown, GitHub-flavoured
# Markdown or Streamlit's directives give a meaning to most of it: emphasis, code, links
# and images, headings, lists, tables, quotes, raw HTML and entities, LaTeX (``$``),
# ``:color[...]``, ``:material/...:`` and emoji shortcodes (``:``). Escaping all of it
# leaves nothing to forget.
_MARKDOWN_SPECIAL = frozenset(string.punctuation)
# GitHub-flavoured Markdown also links bare ``http://``, ``www.`` and e-mail addresses, and
# it looks for them in the text *after* backslash escapes are resolved. An invisible word
# joiner after ``:`` and ``@`` and inside ``www.`` breaks those patterns.
_JOINER = "\u2060"
_UNLINK = frozenset(":@")
_WWW = re.compile(r"www(?=\.)", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


def escape_markdown(value: object) -> str:
    r"""Escape text so that Streamlit shows it literally wherever it renders Markdown.

    ``st.markdown``, ``st.caption``, ``st.info`` and the other alerts, ``st.toast``, titles
    and headers, widget, expander and metric labels all render Markdown, GitHub-flavoured
    Markdown and Streamlit's directives. Text from data, files or URLs (an indicator name,
    a file name, a quoted bad value) must not turn into a link, an image the browser
    fetches, a heading, LaTeX or coloured text. Every Markdown punctuation character is
    escaped with a backslash (which CommonMark then drops), an invisible word joiner
    (U+2060) after ``:`` and ``@`` and inside ``www.`` stops bare addresses turning into
    links, and line breaks become spaces so a value cannot start a block of its own.

    Parameters
    ----------
    value : object
        ``None`` gives an empty string; anything else is converted with ``str``.

    Returns
    -------
    str
        Markdown that renders as the original text, on one line.

    Notes
    -----
    Not for places that show text as it is: ``st.text``, ``st.code``, tables, select
    and multiselect options, text-input values. There the backslashes would show.

    Examples
    --------
    >>> print(escape_markdown("![x](img.png) $x$ **b**"))
    \!\[x\]\(img\.png\) \$x\$ \*\*b\*\*
    >>> escape_markdown(":red[alarm]") == "\\:\u2060red\\[alarm\\]"
    True
    >>> print(escape_markdown("# Heading\n- item"))
    \# Heading \- item
    """
    text = _LINE_BREAKS.sub(" ", "" if value is None else str(value))
    text = _WWW.sub(lambda m: m.group(0) + _JOINER, text)
    return "".join(_escaped(c) for c in text)


def _escaped(char: str) -> str:
    if char in _UNLINK:
        return "\\" + char + _JOINER
    return "\\" + char if char in _MARKDOWN_SPECIAL else char


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
