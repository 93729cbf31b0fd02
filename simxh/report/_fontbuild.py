"""Rebuild the vendored CJK font subset (developer tool, not used at report time).

The report ships ``simxh/data/fonts/SimxhSansSC-Regular.ttf``: Noto Sans SC (SIL Open Font
License 1.1, Adobe/Google) pinned to weight 400 and subset to the GB 2312 character set
(6,763 hanzi, which covers simplified-Chinese place names and statistical vocabulary), ASCII,
Latin-1 and the punctuation and symbols the charts use. The family is renamed, as the OFL asks
of modified versions. Rebuild it with::

    python -m simxh.report._fontbuild path/to/NotoSansSC[wght].ttf simxh/data/fonts

where the source file comes from any OFL distribution of Noto Sans SC (for example the
``justmytype-intl-cjk`` wheel on PyPI, ``fonts/ofl/notosanssc``).
"""

from __future__ import annotations

import sys
from pathlib import Path

FAMILY = "Simxh Sans SC"
FILE_NAME = "SimxhSansSC-Regular.ttf"
EXTRA_CHARS = (
    "–—‘’“”…‰′″→←↑↓≥≤≈±×÷·°％，。：；！？（）《》〈〉【】、～·─│┃€£¥"
    "αβγδεθλμπσΣΔ"
)


def gb2312_chars() -> str:
    """Every character of GB 2312 (symbols rows 0xA1-0xA9 and hanzi rows 0xB0-0xF7)."""
    chars = []
    for hi in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xF8)):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def build(source: str | Path, out_dir: str | Path) -> Path:
    """Instance ``source`` at wght=400, subset it and write it renamed into ``out_dir``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = TTFont(str(source))
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": 400})
    text = (
        gb2312_chars()
        + "".join(chr(c) for c in range(0x20, 0x7F))
        + "".join(chr(c) for c in range(0xA0, 0x100))
        + EXTRA_CHARS
    )
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 16):
            name.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 2 or record.nameID == 17:
            name.setName("Regular", record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 4:
            name.setName(f"{FAMILY} Regular", 4, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            name.setName("SimxhSansSC-Regular", 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            name.setName("simxh subset of Noto Sans SC", 3, record.platformID, record.platEncID, record.langID)
    out = Path(out_dir) / FILE_NAME
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out


if __name__ == "__main__":  # pragma: no cover - developer tool
    print(build(sys.argv[1], sys.argv[2]))
