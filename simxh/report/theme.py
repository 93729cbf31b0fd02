"""One look for every chart: palette, sizes, fonts (including CJK) and saving.

Palette: Okabe & Ito (2008), "Color Universal Design", safe for the common colour-vision
deficiencies. Sizes: an A4 column is about 8.5 cm wide, a full text width about 17 cm; text
is set at 7–8 pt so that it stays legible at that width.

Chinese text: simxh ships ``simxh/data/fonts/SimxhSansSC-Regular.ttf``, a subset of Noto Sans
SC (SIL Open Font License 1.1) covering all of GB 2312 (6,763 hanzi) plus Latin and chart
symbols, 2.4 MB, installed with the package. It is registered with matplotlib at report
time, followed by any full CJK font found on the system (Noto Sans CJK, Source Han Sans,
WenQuanYi, …) as a per-glyph fallback. If, even so, some character of the labels has no glyph,
the report falls back to English with one warning instead of drawing boxes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
VENDORED_FONT = FONT_DIR / "SimxhSansSC-Regular.ttf"
VENDORED_FAMILY = "Simxh Sans SC"
LATIN_FAMILY = "DejaVu Sans"

# Family names of full CJK fonts worth using when installed (system or pip packages).
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
    "Heiti SC", "SimHei", "Droid Sans Fallback", "AR PL UMing CN",
)

# Okabe–Ito colours.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#7F7F7F"
LIGHT_GREY = "#D9D9D9"

REFERENCE_COLOUR = "#3A3A3A"
SCENARIO_COLOURS = (BLUE, ORANGE, BLUISH_GREEN, VERMILLION, REDDISH_PURPLE, SKY_BLUE, YELLOW)
# Zones use Paul Tol's "light" scheme (fills on the map) and "pale" scheme (panel backgrounds),
# so that they never read as one of the scenarios' Okabe–Ito line colours.
ZONE_COLOURS = ("#77AADD", "#44BB99", "#EEDD88", "#FFAABB", "#99DDFF", "#BBCC33", "#DDDDDD")
ZONE_PALE = ("#DDE8F5", "#D6F0E8", "#F7F1D2", "#FFE6EB", "#DFF3FB", "#EBF0CC", "#EEEEEE")
MODE_STYLES: dict[str, dict[str, Any]] = {
    "expressway": {"color": "#4D4D4D", "linewidth": 1.3, "linestyle": "-"},
    "national_road": {"color": "#8C8C8C", "linewidth": 1.0, "linestyle": "-"},
    "road": {"color": "#B3B3B3", "linewidth": 0.7, "linestyle": "-"},
    "rail": {"color": "#000000", "linewidth": 1.0, "linestyle": (0, (4, 1.5))},
    "intercity": {"color": "#000000", "linewidth": 0.8, "linestyle": (0, (2, 1.5))},
    "ferry": {"color": SKY_BLUE, "linewidth": 0.8, "linestyle": ":"},
}
DEFAULT_MODE_STYLE = {"color": "#B3B3B3", "linewidth": 0.7, "linestyle": "-"}
COOPERATION_STYLES: dict[str, dict[str, Any]] = {
    "zone": {"color": GREY, "linewidth": 0.5, "linestyle": ":", "alpha": 0.0},  # implied by colour
    "town_park": {"color": ORANGE, "linewidth": 0.8, "linestyle": "-", "alpha": 0.9},
    "pairing": {"color": REDDISH_PURPLE, "linewidth": 1.1, "linestyle": (0, (3, 1.5)),
                "alpha": 0.95},
    "xintai": {"color": BLUISH_GREEN, "linewidth": 1.1, "linestyle": (0, (1, 1.2)), "alpha": 0.95},
    "shenjiang": {"color": BLUE, "linewidth": 1.1, "linestyle": (0, (1, 1.2)), "alpha": 0.95},
}
PROJECT_COLOUR = VERMILLION

CM = 1 / 2.54
SINGLE_COLUMN_IN = 8.5 * CM
DOUBLE_COLUMN_IN = 17.0 * CM
FONT_SIZE = 7.0
SMALL_SIZE = 6.0
TITLE_SIZE = 8.0
DPI = 300


def scenario_colours(scenarios: Iterable[str], reference: str | None) -> dict[str, str]:
    """Reference in dark grey, the others in Okabe–Ito order (stable for a scenario list)."""
    out: dict[str, str] = {}
    i = 0
    for name in scenarios:
        if name == reference:
            out[name] = REFERENCE_COLOUR
        else:
            out[name] = SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)]
            i += 1
    return out


def zone_colours(zones: Iterable[str], pale: bool = False) -> dict[str, str]:
    colours = ZONE_PALE if pale else ZONE_COLOURS
    return {z: colours[i % len(colours)] for i, z in enumerate(zones)}


# --------------------------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------------------------


class FontFallbackWarning(UserWarning):
    """No CJK font can render the Chinese labels: the report is written in English."""


_WARNED: set[str] = set()


@lru_cache(maxsize=1)
def cjk_fonts() -> tuple[tuple[str, str], ...]:
    """Registered CJK fonts as (family, file) pairs: the vendored subset first, then any full
    CJK font matplotlib can find on this machine. Registering is idempotent."""
    from matplotlib import font_manager

    found: list[tuple[str, str]] = []
    if VENDORED_FONT.is_file():
        font_manager.fontManager.addfont(str(VENDORED_FONT))
        found.append((VENDORED_FAMILY, str(VENDORED_FONT)))
    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for family in SYSTEM_CJK_FAMILIES:
        path = by_name.get(family)
        if path and path.lower().endswith((".ttf", ".otf", ".ttc")):
            found.append((family, path))
    return tuple(found)


@lru_cache(maxsize=8)
def _charmap(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def missing_characters(texts: Iterable[str], fonts: Iterable[tuple[str, str]] | None = None
                       ) -> set[str]:
    """Characters of ``texts`` (non-ASCII only) that no font in ``fonts`` can draw."""
    fonts = list(cjk_fonts() if fonts is None else fonts)
    maps = [_charmap(path) for _, path in fonts]
    missing = set()
    for chunk in texts:
        for ch in str(chunk):
            if ord(ch) < 128 or ch.isspace():
                continue
            if not any(ord(ch) in m for m in maps):
                missing.add(ch)
    return missing


def resolve_language(lang: str, texts: Iterable[str] = ()) -> str:
    """The language the report can actually be written in.

    ``zh`` stays ``zh`` when a CJK font covers every character of ``texts`` (the labels the
    report will draw); otherwise it falls back to ``en`` with one :class:`FontFallbackWarning`
    (once per process and reason).
    """
    if lang != "zh":
        return "en"
    fonts = cjk_fonts()
    if not fonts:
        reason = "no CJK font found (the vendored simxh font is missing and none is installed)"
    else:
        missing = missing_characters(texts, fonts)
        if not missing:
            return "zh"
        sample = "".join(sorted(missing)[:12])
        reason = f"no installed CJK font has glyphs for {sample!r}"
    if reason not in _WARNED:
        _WARNED.add(reason)
        warnings.warn(f"Chinese labels requested but {reason}: writing the report in English. "
                      "Install a CJK font (e.g. fonts-noto-cjk) to get Chinese charts.",
                      FontFallbackWarning, stacklevel=2)
    return "en"


def font_families(lang: str) -> list[str]:
    """The font.family list for ``lang``: CJK fonts first for zh, DejaVu Sans last."""
    if lang == "zh":
        return [family for family, _ in cjk_fonts()] + [LATIN_FAMILY]
    return [LATIN_FAMILY]


def rc_params(lang: str) -> dict[str, Any]:
    """matplotlib rcParams of the simxh theme."""
    return {
        "font.family": font_families(lang),
        "font.size": FONT_SIZE,
        "axes.titlesize": TITLE_SIZE,
        "axes.titleweight": "normal",
        "axes.labelsize": FONT_SIZE,
        "xtick.labelsize": SMALL_SIZE,
        "ytick.labelsize": SMALL_SIZE,
        "legend.fontsize": SMALL_SIZE,
        "legend.frameon": False,
        "figure.titlesize": TITLE_SIZE + 1,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "xtick.major.size": 2.5,
        "ytick.major.size": 2.5,
        "axes.grid": True,
        "grid.color": "#E6E6E6",
        "grid.linewidth": 0.5,
        "axes.axisbelow": True,
        "lines.linewidth": 1.2,
        "axes.unicode_minus": False,  # U+2212 is not in every CJK font
        "savefig.dpi": DPI,
        "figure.dpi": 100,
        "savefig.bbox": "tight",
        "savefig.pad_inches": 0.03,
        "svg.fonttype": "path",  # text as outlines: Chinese renders on machines without the font
        "pdf.fonttype": 42,  # TrueType embedded
        "ps.fonttype": 42,
        "pdf.compression": 6,
    }


@contextmanager
def report_style(lang: str) -> Iterator[None]:
    """Agg backend and the simxh theme for the duration of a report."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    if lang == "zh":
        cjk_fonts()
    with plt.rc_context(rc_params(lang)):  # type: ignore[arg-type]
        yield


def save_figure(fig: Any, stem: Path, formats: Iterable[str]) -> list[Path]:
    """Save ``fig`` as ``stem.<fmt>`` for each format (PNG at 300 dpi), atomically, and close
    it."""
    import matplotlib.pyplot as plt

    from simxh.store import atomic_path

    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        try:
            with atomic_path(path) as tmp:  # a full disk leaves the previous file or none
                fig.savefig(tmp, format=fmt, dpi=DPI, metadata=_metadata(fmt))
        except BaseException:
            plt.close(fig)
            raise
        paths.append(path)
    plt.close(fig)
    return paths


def _metadata(fmt: str) -> dict[str, Any] | None:
    # Fixed metadata keeps SVG/PDF output byte-stable between runs.
    if fmt == "pdf":
        return {"Creator": "simxh", "Producer": "simxh", "CreationDate": None}
    if fmt == "svg":
        return {"Date": None, "Creator": "simxh"}
    if fmt == "png":
        return {"Software": "simxh"}
    return None


def add_notes(fig: Any, note: str) -> None:
    """The source/notes line at the foot of a figure (small, grey, left-aligned).

    It is set as the figure's ``supxlabel`` so that the constrained layout reserves room for
    it below every axis, tick label and legend."""
    fig.supxlabel(note, x=0.0, ha="left", fontsize=SMALL_SIZE - 0.5, color="#555555")


# --------------------------------------------------------------------------------------------
# The bundled font outside the report: notebooks and web pages
# --------------------------------------------------------------------------------------------


def use_cjk_font() -> list[str]:
    """Make matplotlib draw Chinese with the bundled font (and any installed CJK font) from now
    on, in a notebook or script: registers the fonts and puts them first in ``font.family``
    (keeping the current backend). Returns the family list set."""
    import matplotlib.pyplot as plt

    cjk_fonts()
    families = font_families("zh")
    plt.rcParams["font.family"] = families
    plt.rcParams["axes.unicode_minus"] = False  # U+2212 is not in every CJK font
    return families


WEB_SELECTORS = "body, .v-application, .v-application *:not(.v-icon):not([class*='mdi'])"
"""What the web font applies to: the page and its Vuetify widgets, not the icon fonts."""


@lru_cache(maxsize=4)
def web_font_css(text: str = "", family: str = "Roboto, 'Helvetica Neue', Arial") -> str:
    """CSS that serves the bundled font to a web page (the dashboard): an ``@font-face`` with
    the font inline (a ``data:`` URL, so nothing is fetched), subset to the characters of
    ``text`` plus ASCII and CJK punctuation when ``text`` is given, and a rule putting it after
    ``family`` (Latin text keeps the page's font; Chinese falls through to the bundled one)."""
    import base64
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(VENDORED_FONT))
    if text:
        keep = set(text) | {chr(c) for c in range(32, 127)} | set("，。：；、（）“”《》！？–—·…％")
        subsetter = subset.Subsetter(subset.Options())
        subsetter.populate(text="".join(sorted(keep)))
        subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f"@font-face {{ font-family: '{VENDORED_FAMILY}'; font-display: block; "
            f"src: url(data:font/ttf;base64,{data}) format('truetype'); }}\n"
            f"{WEB_SELECTORS} {{ font-family: {family}, '{VENDORED_FAMILY}', sans-serif "
            "!important; }\n")
