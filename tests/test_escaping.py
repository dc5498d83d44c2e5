import pytest

from geodata.escaping import csv_safe, csv_safe_frame, escape_text


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


@pytest.mark.parametrize(
    "text", ["$x^2$ \\frac{a}{b}", "a$_$b", "\\$x$", "$", "no dollars", "$$", "\\\\$a$"],
)
def test_escape_mathtext_makes_matplotlib_draw_the_text_as_given(text):
    from matplotlib.text import Text

    from geodata.escaping import escape_mathtext

    shown = Text(0, 0, escape_mathtext(text))
    plain, is_math = shown._preprocess_math(shown.get_text())
    assert is_math is False and plain == text
