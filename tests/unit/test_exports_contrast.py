"""WCAG AA contrast of the app's colours, computed: the theme, the chart palette and the status words.

Text needs 4.5:1 against what it sits on (WCAG 1.4.3); chart marks 3:1 against the white chart background
(WCAG 1.4.11). The same palette draws the app, the Present page and every export (PNG, SVG, PowerPoint, PDF).
A colour that fails is fixed where it is defined (charts.py, formatting.py, .streamlit/config.toml), never here.
"""

from __future__ import annotations

import tomllib

import pytest

from backbone.config import PROJECT_ROOT
from backbone.show import charts
from backbone.show.formatting import STATUSES

THEME = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())["theme"]
WHITE = "#FFFFFF"
TEXT, MARK = 4.5, 3.0


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour '#RRGGBB'."""
    colour = colour.lstrip("#")
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_formula_matches_wcag_reference_points():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1)


# (what, foreground, background, needed)
PAIRS = [
    ("theme text on background", THEME["textColor"], THEME["backgroundColor"], TEXT),
    ("theme text on secondary background", THEME["textColor"], THEME["secondaryBackgroundColor"], TEXT),
    ("theme primary on background", THEME["primaryColor"], THEME["backgroundColor"], TEXT),
    ("theme primary on secondary background", THEME["primaryColor"], THEME["secondaryBackgroundColor"], TEXT),
    ("chart ink (axis labels, titles)", charts.INK, WHITE, TEXT),
    ("chart muted text", charts.MUTED, WHITE, TEXT),
    ("target label text", charts.TARGET, WHITE, TEXT),
    ("actual line", charts.ACTUAL, WHITE, MARK),
    ("forecast line", charts.FORECAST, WHITE, MARK),
    ("target diamond", charts.TARGET, WHITE, MARK),
    *[(f"group colour {i + 1} {c}", c, WHITE, MARK) for i, c in enumerate(charts.GROUPS)],
    *[(f"submission cell '{k}'", c, WHITE, MARK) for k, c in charts.SUBMISSION_COLOURS.items()],
    *[(f"submission letter on '{k}'", charts.INK, c, TEXT) for k, c in charts.SUBMISSION_COLOURS.items()],
    *[(f"status words '{k}'", s.colour, WHITE, TEXT) for k, s in STATUSES.items()],
    *[(f"status words '{k}' on secondary background", s.colour, THEME["secondaryBackgroundColor"], TEXT)
      for k, s in STATUSES.items()],
]


@pytest.mark.parametrize(("what", "foreground", "background", "needed"), PAIRS, ids=[pair[0] for pair in PAIRS])
def test_colour_meets_wcag_aa(what, foreground, background, needed):
    ratio = contrast(foreground, background)
    assert ratio >= needed, f"{what}: {foreground} on {background} is {ratio:.2f}:1, needs {needed}:1"


def test_status_is_never_colour_alone():
    symbols = [s.symbol for s in STATUSES.values()]
    words = [s.words for s in STATUSES.values()]
    assert len(set(words)) == len(words) and all(symbols)
    assert len({STATUSES[k].symbol for k in ("better", "worse", "no real change")}) == 3
