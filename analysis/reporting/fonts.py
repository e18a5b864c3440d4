"""Fonts for charts and briefings: Chinese renders on a fresh machine, without any system font.

Choice: the project ships a subset of Noto Sans CJK SC (SIL Open Font License 1.1), in
``analysis/reporting/data/NotoSansSC-PRH-Regular.otf`` with its licence ``analysis/reporting/data/OFL.txt``,
rather than depending on the ``mplfonts`` package. Reasons:

- size: the subset is 1.8 MB in the project (CFF outlines, 7,685 characters); the ``mplfonts``
  wheel is 85 MB to download on every install (CI included) and unpacks to ~100 MB, for one 16 MB
  face we would use out of six;
- licence: everything shipped is OFL; ``mplfonts`` also ships SimHei, whose licence is unclear;
- no extra dependencies (``mplfonts`` pulls ``fire`` and ``fontmeta``) and no network at run time;
- coverage is known and tested: all 7,445 characters of GB2312 (every simplified character in common
  use, including every Chinese term in ``analysis.reporting.terms`` and every scenario file), ASCII, Latin-1,
  general punctuation, CJK punctuation and full-width forms. A character outside the subset falls back
  to any CJK font the machine has, then to DejaVu Sans (matplotlib's own).

The subset was made with :func:`build_subset` (fontTools, a matplotlib dependency) from Noto Sans CJK
SC Regular 1.004 as shipped in ``mplfonts`` 0.0.11. Its family is renamed ``Noto Sans SC PRH`` so that
it never collides with a full Noto Sans CJK installed on the machine (and as the OFL asks of modified
versions). Both languages use it, so that English and Chinese charts look alike and English charts can
still show Chinese scenario names or references.

PDFs (the briefing) embed the face as a TrueType font program (``pdf.fonttype`` 42), so that they print
the same everywhere: no Type 3 procedures, which some printers, viewers and PDF/A checks render poorly.
Matplotlib's PDF backend writes every font of fonttype 42 as a TrueType font file (``CIDFontType2``,
``FontFile2``), which CFF outlines are not (poppler: "Mismatch between font type and embedded font
file"). So the face matplotlib is given is the shipped subset with its outlines converted to TrueType
(:func:`to_truetype`: cubic to quadratic curves within 1 font unit, as fontTools' ``otf2ttf``), made on
first use and kept in matplotlib's cache folder (:func:`truetype_path`), keyed by the shipped file's
digest. PNGs and SVGs (text as paths) draw the same face.

    use_fonts("zh")        # rcParams for charts; call before drawing
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

import matplotlib
from matplotlib import font_manager

FONT_FILE = "NotoSansSC-PRH-Regular.otf"
FAMILY = "Noto Sans SC PRH"
#: Tried after the shipped face, glyph by glyph, for characters outside the subset.
FALLBACKS = ("Noto Sans CJK SC", "Source Han Sans SC", "DejaVu Sans")

#: Type sizes in points, for slides (10 × 5.6 in): nothing below 11 pt.
BASE_SIZE = 12.5
SMALL_SIZE = 11.5
TITLE_SIZE = 17

#: Largest distance, in font units (1/1000 em), between a cubic curve and its quadratic approximation.
MAX_ERROR_UNITS = 1.0
#: Bumped when :func:`to_truetype` changes, so that a cached conversion is made again.
CONVERSION_VERSION = 1

_registered: str | None = None


def font_path() -> Path:
    """The shipped font file (CFF outlines)."""
    return Path(str(resources.files("analysis.reporting") / "data" / FONT_FILE))


def truetype_path() -> Path:
    """The shipped face with TrueType outlines, the one matplotlib draws with: converted from
    :func:`font_path` on first use into matplotlib's cache folder, and reused while the shipped file is
    the same."""
    source = font_path()
    if not source.exists():
        raise FileNotFoundError(f"{source}: the project's Chinese font is missing (reinstall the project)")
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    dest = Path(matplotlib.get_cachedir()) / "prh-sim" / f"{source.stem}.{digest}.v{CONVERSION_VERSION}.ttf"
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        # processes converting at once each write their own file; a rename is atomic, the last one wins
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        try:
            to_truetype(source, tmp)
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)
    return dest


def register() -> str:
    """Register the face (TrueType outlines, :func:`truetype_path`) with matplotlib (once) and return its
    family name."""
    global _registered
    if _registered is None:
        path = str(truetype_path())
        font_manager.fontManager.addfont(path)
        _registered = font_manager.FontProperties(fname=path).get_name()
    return _registered


def use_fonts(lang: str = "en") -> None:
    """Set matplotlib's rcParams for charts in ``lang`` ("en" or "zh"): the shipped face first (it has
    Latin letters too), fallbacks after; slide-sized type; a clean, junk-free style."""
    if lang not in ("en", "zh"):
        raise ValueError(f"unknown language {lang!r} (expected en or zh)")
    family = register()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    fallbacks = [name for name in FALLBACKS if name in installed]  # an absent one would log noise
    matplotlib.rcParams.update(
        {
            "font.family": [family, *fallbacks],
            "font.size": BASE_SIZE,
            "axes.titlesize": BASE_SIZE,
            "axes.labelsize": BASE_SIZE,
            "xtick.labelsize": SMALL_SIZE,
            "ytick.labelsize": SMALL_SIZE,
            "legend.fontsize": SMALL_SIZE,
            "legend.title_fontsize": SMALL_SIZE,
            "figure.titlesize": TITLE_SIZE,
            "axes.unicode_minus": True,  # U+2212 is in the subset
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.axisbelow": True,
            "grid.color": "#dddddd",
            "grid.linewidth": 0.8,
            "axes.edgecolor": "#555555",
            "axes.labelcolor": "#222222",
            "xtick.color": "#444444",
            "ytick.color": "#444444",
            "text.color": "#222222",
            "legend.frameon": False,
            "svg.fonttype": "path",  # SVGs show the same glyphs on any machine
            # Type 42: the face embedded as a TrueType font program (a subset), its text extractable;
            # the face has TrueType outlines for this (truetype_path)
            "pdf.fonttype": 42,
            "savefig.facecolor": "white",
        }
    )


def build_subset(source: str | Path, dest: str | Path | None = None) -> Path:
    """Make the shipped subset from a Noto Sans CJK SC (or Noto Sans SC) OpenType file.

    Keeps GB2312, ASCII, Latin-1, general punctuation, a few math signs, CJK punctuation and full-width
    forms; drops vertical-writing tables; renames the family to ``FAMILY``.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars: set[int] = set()
    for a in range(0xA1, 0xF8):
        for b in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([a, b]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    for lo, hi in (
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1
        (0x2010, 0x205E),  # general punctuation (dashes, quotes, ‰, ※)
        (0x2190, 0x2193),  # arrows
        (0x2212, 0x2212),  # minus sign
        (0x2264, 0x2265),  # ≤ ≥
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF01, 0xFF5E),  # full-width forms
    ):
        chars.update(range(lo, hi + 1))
    options = subset.Options()
    options.layout_features = ["kern", "palt", "liga"]
    options.drop_tables += ["VORG", "vhea", "vmtx", "DSIG", "BASE"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(chars))
    subsetter.subset(font)
    ps_name = FAMILY.replace(" ", "") + "-Regular"
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY if record.nameID != 4 else f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = ps_name
        elif record.nameID == 3:
            record.string = f"{record.toUnicode()};subset for prh-sim"
    cff = font["CFF "].cff
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    for attr, value in (("FullName", f"{FAMILY} Regular"), ("FamilyName", FAMILY)):
        if hasattr(top, attr):
            setattr(top, attr, value)
    out = Path(dest) if dest else font_path()
    font.save(str(out))
    return out


def to_truetype(source: str | Path, dest: str | Path) -> Path:
    """Write the OpenType font ``source`` (CFF outlines) to ``dest`` with TrueType outlines: each glyph's
    cubic curves approximated by quadratic ones within ``MAX_ERROR_UNITS`` (fontTools' ``cu2qu``, as its
    ``otf2ttf`` snippet does); names, metrics, cmap and layout tables kept. About 2 MB, a few seconds."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(source))
    if font.sfntVersion != "OTTO" or "CFF " not in font:
        raise ValueError(f"{source}: not an OpenType font with CFF outlines")
    order = font.getGlyphOrder()
    outlines = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours run counter-clockwise, TrueType's clockwise
        outlines[name].draw(Cu2QuPen(pen, MAX_ERROR_UNITS, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    metrics = font["hmtx"].metrics
    for name in order:  # left side bearing = the TrueType glyph's xMin
        glyph = glyf[name]
        metrics[name] = (metrics[name][0], glyph.xMin if glyph.numberOfContours else 0)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    post = font["post"]
    post.formatType = 2.0  # keeps the glyph names (cid00001 ...)
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
    font.save(str(dest))
    return Path(dest)
