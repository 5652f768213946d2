"""Charts rendered on the server (vl-convert) as PNG and SVG, in the app's own palette and font, for exports and decks.

The palette comes with the chart (backbone/charts.py). The font is the app's own: Streamlit draws its text in
Source Sans 3 and ships it as a variable web font; the first export in a process makes a regular and a bold static
TrueType instance of it (fontTools, brotli) in a cache folder and registers that folder with vl-convert. Without
them the charts fall back along charts.FONT (Helvetica, Arial, then the system's sans-serif).
"""

from __future__ import annotations

import copy
import io
import os
import tempfile
import threading
from pathlib import Path

import vl_convert

from backbone.show import charts

APP_FAMILY = "Source Sans 3"
# Quoted: a CSS family name with a word that starts with a digit is only valid in quotes.
EXPORT_FONT = f"'{APP_FAMILY}', {charts.FONT}"
FONT_STYLES = {"Regular": 400, "Bold": 700}
PNG_SCALE = 2  # pixels per chart point: sharp on a projector and in a slide
SLIDE_SIZE = (1200, 600)  # a chart on a 16:9 slide, in chart points
FONT_GROWTH = 1.7  # slides are read from the back of a room: every font of the chart this much larger

_fonts_lock = threading.Lock()
_fonts: dict[str, Path] | None = None
_fonts_tried = False


def _streamlit_font() -> Path | None:
    """The variable Source Sans web font that Streamlit's frontend uses (upright)."""
    import streamlit

    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    found = sorted(media.glob("SourceSansVF-Upright*.woff2"))
    return found[0] if found else None


def _font_cache() -> Path:
    return Path(os.environ.get("BACKBONE_FONT_CACHE") or Path(tempfile.gettempdir()) / "backbone-fonts")


# The characters exports use: Latin, punctuation, and the status and submission symbols (▲ ▼ ● ○ ✓ ✗).
_CHARACTERS = [*range(0x20, 0x17F), *range(0x2000, 0x206F), 0x20AC, 0x2122, 0x2212, 0x2264, 0x2265,
               0x25B2, 0x25BC, 0x25CF, 0x25CB, 0x2713, 0x2717]


def _subset(source: Path):
    """The web font as TrueType, cut to the characters exports use (instancing all 2,500 glyphs takes ~20 s; this ~3 s)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    font.flavor = None  # woff2 -> plain TrueType (reading woff2 needs brotli)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_CHARACTERS)
    subsetter.subset(font)
    return font


def _make_static_fonts(source: Path, folder: Path) -> dict[str, Path]:
    """Regular and bold static instances of the variable font, named as one family with two weights."""
    from fontTools.varLib import instancer

    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    variable = None
    for style, weight in FONT_STYLES.items():
        target = folder / f"SourceSans3-{style}.ttf"
        if not target.exists():
            variable = variable or _subset(source)
            static = instancer.instantiateVariableFont(variable, {"wght": weight}, optimize=False,
                                                       overlap=instancer.OverlapMode.KEEP_AND_DONT_SET_FLAGS)
            for record in static["name"].names:
                if record.nameID in (1, 16):
                    record.string = APP_FAMILY
                elif record.nameID in (2, 17):
                    record.string = style
                elif record.nameID == 4:
                    record.string = f"{APP_FAMILY} {style}"
                elif record.nameID == 6:
                    record.string = f"SourceSans3-{style}"
            static["OS/2"].usWeightClass = weight
            if style == "Bold":
                static["OS/2"].fsSelection = (static["OS/2"].fsSelection | 0x20) & ~0x40
                static["head"].macStyle |= 1
            partial = target.with_suffix(".part")
            static.save(str(partial))
            partial.replace(target)  # whole file or nothing, if two processes make it at once
        made[style] = target
    return made


def app_fonts() -> dict[str, Path] | None:
    """{'Regular': path, 'Bold': path} of the app's font as TrueType, registered with vl-convert; None if unavailable."""
    global _fonts, _fonts_tried
    with _fonts_lock:
        if not _fonts_tried:
            _fonts_tried = True
            try:
                source = _streamlit_font()
                if source is not None:
                    folder = _font_cache() / source.name.split(".")[-2]  # a new Streamlit font, a new folder
                    _fonts = _make_static_fonts(source, folder)
                    vl_convert.register_font_directory(str(folder))
            except Exception:  # no brotli, an unreadable font: fall back along charts.FONT
                _fonts = None
        return _fonts


def export_spec(spec: dict, size: tuple[int, int] = SLIDE_SIZE, growth: float = 1.0) -> dict:
    """A chart spec made for a file: fixed size (the whole image, axes included), app font, fonts grown by `growth`."""
    out = copy.deepcopy(spec)
    out["width"], out["height"] = size
    out["autosize"] = {"type": "fit", "contains": "padding"}
    out["background"] = "white"
    config = out.setdefault("config", {})
    if app_fonts() is not None:
        config["font"] = EXPORT_FONT
    if growth != 1.0:
        out = enlarge(out, growth)
    return out


_FONT_KEYS = {"fontSize", "labelFontSize", "titleFontSize", "subtitleFontSize", "symbolSize"}


def untitled(spec: dict) -> dict:
    """The chart without its own title and credits: for a slide, a PowerPoint or a PDF page that prints them itself."""
    return {key: value for key, value in spec.items() if key != "title"}


def enlarge(spec: dict, growth: float = FONT_GROWTH) -> dict:
    """Every font size in the spec (axes, legends, text marks) times `growth`; stroke widths a little thicker."""

    def walk(node):
        if isinstance(node, dict):
            grown = {}
            for key, value in node.items():
                if key in _FONT_KEYS and isinstance(value, int | float):
                    grown[key] = round(value * (growth if key != "symbolSize" else growth**2), 1)
                elif key == "strokeWidth" and isinstance(value, int | float) and value >= 1:
                    grown[key] = round(value * (1 + (growth - 1) / 2), 1)
                else:
                    grown[key] = walk(value)
            return grown
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    out = walk(spec)
    config = out.setdefault("config", {})
    # Axes and legends that name no size of their own take the config's: make those large too.
    for part, keys in (("axis", ("labelFontSize", "titleFontSize")), ("legend", ("labelFontSize", "titleFontSize"))):
        section = config.setdefault(part, {})
        for key in keys:
            section.setdefault(key, round(13 * growth, 1))
    config.setdefault("legend", {}).setdefault("symbolSize", round(100 * growth**2))
    config["legend"].setdefault("titleLimit", 600)
    return out


def png(spec: dict, size: tuple[int, int] = SLIDE_SIZE, growth: float = 1.0, scale: float = PNG_SCALE) -> bytes:
    """The chart as a PNG of exactly size × scale pixels."""
    return vl_convert.vegalite_to_png(export_spec(spec, size, growth), scale=scale)


def svg(spec: dict, size: tuple[int, int] = SLIDE_SIZE, growth: float = 1.0) -> str:
    """The chart as SVG (text kept as text, in the app's font family)."""
    return vl_convert.vegalite_to_svg(export_spec(spec, size, growth))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.size
