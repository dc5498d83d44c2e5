import re
import string

import pytest

from geodata.escaping import csv_safe, csv_safe_frame, escape_markdown, escape_text


@pytest.mark.parametrize(
    "hostile",
    ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "${alert(1)}", "`x`"],
    ids=["script", "img", "template", "backtick"],
)
def test_escape_text_defuses_html_and_template_strings(hostile):
    escaped = escape_text(hostile)
    for dangerous in "<>$`":
        assert dangerous not in escaped


@pytest.mark.parametrize(
    "cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'],
)
def test_csv_formula_cells_are_neutralised(cell):
    assert csv_safe(cell) == "'" + cell


def test_csv_safe_frame_leaves_numbers_and_plain_text():
    import pandas as pd

    frame = pd.DataFrame({"name": ["=cmd", "Hendon"], "n": [-3, 4]})
    safe = csv_safe_frame(frame)
    assert safe["name"].tolist() == ["'=cmd", "Hendon"]
    assert safe["n"].tolist() == [-3, 4]
    assert frame["name"].tolist() == ["=cmd", "Hendon"]  # input untouched


MARKDOWN_ATTACKS = {
    "image": "![x](http://127.0.0.1:9/x.png)",
    "link": "[sign in again](http://127.0.0.1:9/login)",
    "angle-autolink": "<http://127.0.0.1:9/login>",
    "bare-url": "see http://127.0.0.1:9/login",
    "www": "visit WWW.example.com",
    "email": "write to a@example.com",
    "html": "<img src=x onerror=alert(1)>",
    "latex": "$\\frac{1}{0}$",
    "colour-directive": ":red[alarm] :red-background[x]",
    "emoji-and-icon": ":smile: :material/home:",
    "heading-on-a-new-line": "ward\n# Heading",
    "list-and-quote": "- item\r\n> quote",
    "emphasis-code-strike": "**b** _i_ `c` ~~s~~",
    "table": "| a | b |\n|---|---|",
    "entity": "&lt;b&gt; &#58;",
    "backslash": "\\*not bold\\*",
}


def _unescaped_keep_joiner(text: str) -> str:
    """What CommonMark shows for backslash-escaped text."""
    return re.sub(r"\\(.)", r"\1", text)


def _unescaped(text: str) -> str:
    """What a reader sees: the escapes resolved and the invisible joiners dropped."""
    return _unescaped_keep_joiner(text).replace("\u2060", "")


@pytest.mark.parametrize("hostile", MARKDOWN_ATTACKS.values(), ids=MARKDOWN_ATTACKS.keys())
def test_escape_markdown_neutralises(hostile):
    escaped = escape_markdown(hostile)
    assert "\n" not in escaped and "\r" not in escaped  # cannot start a block
    for i, char in enumerate(escaped):  # every punctuation mark is escaped
        if char in string.punctuation and char != "\\":
            assert escaped[i - 1] == "\\", (i, escaped)
    # bare addresses are broken up for GitHub-flavoured Markdown's autolinks
    assert not re.search(r"https?:/|www\.|@\w", _unescaped_keep_joiner(escaped), re.I)
    # and what shows is the original text, on one line
    assert _unescaped(escaped) == re.sub(r"[\r\n]+", " ", hostile)


def test_escape_markdown_leaves_plain_text_alone():
    assert escape_markdown("Hendon ward 12") == "Hendon ward 12"
    assert escape_markdown(None) == ""
    assert escape_markdown(3.5) == "3\\.5"


@pytest.mark.parametrize(
    "text", ["$x^2$ \\frac{a}{b}", "a$_$b", "\\$x$", "$", "no dollars", "$$", "\\\\$a$"],
)
def test_escape_mathtext_makes_matplotlib_draw_the_text_as_given(text):
    from matplotlib.text import Text

    from geodata.escaping import escape_mathtext

    shown = Text(0, 0, escape_mathtext(text))
    plain, is_math = shown._preprocess_math(shown.get_text())
    assert is_math is False and plain == text
