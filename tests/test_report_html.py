"""``simxh report DIR --html``: one self-contained ``brief.html`` (figures, tables and the
Chinese font embedded; nothing referenced outside the file)."""

from __future__ import annotations

import base64
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from simxh.report.html import HTML_NAME, markdown_to_html, write_html


def _tiny_png(path: Path) -> None:
    """A valid 2×1 RGB PNG, written without matplotlib."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"\x00" + b"\xff\x00\x00" + b"\x00\x00\xff"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 1, 8, 2,
                                                                        0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class _Refs(HTMLParser):
    """Every URL-like attribute and tag the page has."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.refs.append((tag, name, value))


def assert_self_contained(page: str) -> _Refs:
    parser = _Refs()
    parser.feed(page)
    for tag, name, value in parser.refs:
        assert value.startswith("data:") or value.startswith("#"), (tag, name, value[:80])
    assert not {"link", "script", "iframe", "object", "embed"} & set(parser.tags)
    for url in re.findall(r"url\(\s*['\"]?([^)'\"]*)", page):
        assert url.startswith("data:"), url[:80]
    assert "http://" not in page and "https://" not in page
    assert "@import" not in page
    return parser


BRIEF = """# 政策简报：demo

场景比较，见 [audit.md](audit/baseline/audit.md)与[审计](audit/x.md)。

## 关键差异

| 指标 | 场景 | 差异 [95% 区间] | n |
|---|---|---|---|
| 地区生产总值 2033 | 组合 | 39.7 [33.1, 46.2] | 40 |
| a \\| b | **x** | `y` | 3 |

![扇形图](figures/fan_chart.png)

- 一项
  - 子项 *斜体*
- 二项
"""


def test_markdown_becomes_one_self_contained_page(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    _tiny_png(tmp_path / "figures" / "fan_chart.png")
    (tmp_path / "brief.md").write_text(BRIEF, encoding="utf-8")
    out = write_html(tmp_path / "brief.md", lang="zh")
    assert out == tmp_path / HTML_NAME
    page = out.read_text(encoding="utf-8")
    parser = assert_self_contained(page)
    assert parser.tags.count("table") == 1 and parser.tags.count("tr") == 3
    assert "<td>a | b</td>" in page and "<strong>x</strong>" in page
    # the figure is the PNG's own bytes
    img = next(v for t, n, v in parser.refs if t == "img")
    assert base64.b64decode(img.split(",", 1)[1]) == (tmp_path / "figures/fan_chart.png").read_bytes()
    # the font: a base64 TrueType subset holding the page's Chinese characters
    from fontTools.ttLib import TTFont

    font = re.search(r"url\(data:font/ttf;base64,([A-Za-z0-9+/=]+)\)", page)
    assert font is not None
    import io

    cmap = TTFont(io.BytesIO(base64.b64decode(font.group(1)))).getBestCmap()
    assert all(ord(c) in cmap for c in "政策简报场景比较关键差异扇形图")
    assert '<html lang="zh-CN">' in page and "Noto Sans CJK SC" in page
    # a link to a file becomes text naming it; lists nest
    assert "见 <code>audit/baseline/audit.md</code>与审计 (<code>audit/x.md</code>)" in page
    assert "<ul>\n<li>子项 <em>斜体</em></li>\n</ul>" in page
    assert len(list(tmp_path.iterdir())) == 3  # brief.md, brief.html, figures/: no temp file


def test_a_missing_figure_is_named_not_referenced(tmp_path: Path) -> None:
    page = markdown_to_html("# t\n\n![图](figures/none.png)\n", tmp_path, embed_font=False)
    assert_self_contained(page)
    assert "[图: figures/none.png]" in page and "<img" not in page


@pytest.mark.slow
def test_report_html_from_a_results_folder(tmp_path: Path) -> None:
    """The whole path: a results folder → ``write_report(html=True)`` (PNG drawn even when only
    SVG is asked) → one brief.html with the brief's tables and every figure embedded."""
    from test_report_fixtures import make_results

    from simxh.report import write_report

    scen = {"baseline": (0.0, 0.0), "combined": (1.1, -0.008)}
    root = make_results(tmp_path, replications=4, end_year=2034, scenarios=scen)
    report = write_report(root, lang="zh", formats=["svg"], html=True)
    assert report.html == root / "brief.html"
    page = report.html.read_text(encoding="utf-8")
    parser = assert_self_contained(page)
    md = report.brief.read_text(encoding="utf-8")
    assert parser.tags.count("img") == md.count("![") == len(report.figures) > 3
    assert parser.tags.count("table") == sum(1 for line in md.splitlines()
                                             if line.startswith("|---") or line.startswith("|-"))
    assert "@font-face" in page and "地区生产总值" in page
    assert sorted(p.name for p in root.iterdir() if p.name.startswith("brief")) == \
        ["brief.html", "brief.md"]
