"""``brief.html``: the brief as one self-contained HTML file (``simxh report DIR --html``).

The file is built from ``brief.md`` (the same text, tables and figures) and references nothing
outside itself: each figure is its PNG as a ``data:`` URI, the bundled Chinese font is embedded
as a base64 ``@font-face`` (subset to the characters the page uses) with a fallback font stack,
and links to files in the results folder become plain text naming the file. So it opens offline
in any browser, can be mailed as one attachment, and pastes into a word processor (copy the
page from the browser).

Only the Markdown that :mod:`simxh.report.brief` writes is understood: ``#``/``##`` headings,
paragraphs, ``-`` lists (two levels), pipe tables, images on a line of their own, ``**bold**``,
``*italic*``, ```code``` and ``[text](target)``.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

HTML_NAME = "brief.html"

FONT_STACK = ('"SimxhSansSC", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", '
              '"Microsoft YaHei", "微软雅黑", "SimHei", "WenQuanYi Micro Hei", sans-serif')
"""The page's fonts: the embedded subset first, then common CJK fonts of each platform (what a
word processor uses after a paste, since it does not take the embedded font)."""

_CSS = """
body {{ font-family: {fonts}; font-size: 11pt; line-height: 1.55; color: #222;
       max-width: 17cm; margin: 1.5em auto; padding: 0 1em; }}
h1 {{ font-size: 17pt; margin: 0.6em 0 0.4em; }}
h2 {{ font-size: 13.5pt; margin: 1.4em 0 0.4em; border-bottom: 1px solid #bbb; }}
table {{ border-collapse: collapse; margin: 0.6em 0; font-size: 9.5pt; }}
th, td {{ border: 1px solid #999; padding: 2px 6px; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
td.num {{ text-align: right; }}
img {{ width: 100%; max-width: 17cm; height: auto; display: block; margin: 0.6em 0; }}
figure {{ margin: 0.8em 0; }}
figcaption {{ font-size: 9pt; color: #555; }}
code {{ font-family: Consolas, "DejaVu Sans Mono", monospace; font-size: 9.5pt; }}
"""

_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)$")
_INLINE = re.compile(r"`(?P<code>[^`]+)`|\*\*(?P<bold>.+?)\*\*|\*(?P<em>[^*\s][^*]*?)\*"
                     r"|\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)")
_NUMBER = re.compile(r"^[−+\-–]?[\d,.]+%?( \[.*\])?$|^–$")


def markdown_to_html(text: str, base: Path, *, title: str = "", lang: str = "zh",
                     embed_font: bool = True) -> str:
    """The whole HTML page for the brief's Markdown ``text``; images are read relative to
    ``base`` (the results folder) and embedded."""
    body = _blocks(text.splitlines(), base)
    fonts = _font_face(_visible_text(body)) if embed_font else ""
    head = ['<!DOCTYPE html>', f'<html lang="{"zh-CN" if lang == "zh" else "en"}">', "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            "<style>" + fonts + _CSS.format(fonts=FONT_STACK) + "</style>", "</head>", "<body>"]
    return "\n".join(head + body + ["</body>", "</html>"]) + "\n"


def write_html(brief_md: Path, *, lang: str = "zh") -> Path:
    """Write ``brief.html`` beside ``brief_md`` (atomically) and return its path."""
    text = brief_md.read_text(encoding="utf-8")
    first = next((line for line in text.splitlines() if line.startswith("# ")), "# simxh")
    page = markdown_to_html(text, brief_md.parent, title=first[2:].strip(), lang=lang)
    out = brief_md.parent / HTML_NAME
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out


# ------------------------------------------------------------------------------- blocks
def _blocks(lines: list[str], base: Path) -> list[str]:
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        if not line.strip():
            flush()
            i += 1
        elif line.startswith("## ") or line.startswith("# "):
            flush()
            level = 1 if line.startswith("# ") else 2
            out.append(f"<h{level}>{_inline(line[level + 1:].strip())}</h{level}>")
            i += 1
        elif (m := _IMAGE.match(line.strip())) is not None:
            flush()
            out.append(_figure(m["alt"], m["src"], base))
            i += 1
        elif line.lstrip().startswith("|"):
            flush()
            j = i
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
        elif line.startswith("- "):
            flush()
            j = i
            while j < len(lines) and (lines[j].startswith("- ") or lines[j].startswith("  - ")):
                j += 1
            out.append(_list(lines[i:j]))
            i = j
        else:
            para.append(line.strip())
            i += 1
    flush()
    return out


def _list(lines: list[str]) -> str:
    out = ["<ul>"]
    open_item = False
    nested = False
    for line in lines:
        if line.startswith("  - "):
            if not nested:
                out.append("<ul>")
                nested = True
            out.append(f"<li>{_inline(line[4:])}</li>")
            continue
        if nested:
            out.append("</ul>")
            nested = False
        if open_item:
            out.append("</li>")
        out.append(f"<li>{_inline(line[2:])}")
        open_item = True
    if nested:
        out.append("</ul>")
    if open_item:
        out.append("</li>")
    out.append("</ul>")
    return "\n".join(out)


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    cells = re.split(r"(?<!\\)\|", inner)
    return [c.strip().replace("\\|", "|") for c in cells]


def _table(lines: list[str]) -> str:
    rows = [_cells(line) for line in lines]
    header = rows[0]
    body = rows[2:] if len(rows) > 1 and all(set(c) <= set("-: ") for c in rows[1]) \
        else rows[1:]
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in header)
           + "</tr></thead>", "<tbody>"]
    for row in body:
        cells = []
        for c in row:
            cls = ' class="num"' if _NUMBER.match(c) else ""
            cells.append(f"<td{cls}>{_inline(c)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def _figure(alt: str, src: str, base: Path) -> str:
    """A figure as an embedded PNG (the PNG beside ``src`` when the brief links another
    format); a missing image becomes its caption in brackets."""
    path = base / src
    png = path.with_suffix(".png")
    caption = f"<figcaption>{html.escape(alt)}</figcaption>"
    if png.is_file():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        return (f'<figure><img alt="{html.escape(alt, quote=True)}" '
                f'src="data:image/png;base64,{data}">{caption}</figure>')
    return f"<p>[{html.escape(alt)}: {html.escape(src)}]</p>"


def _inline(text: str) -> str:
    out = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        if m["code"] is not None:
            out.append(f"<code>{html.escape(m['code'], quote=False)}</code>")
        elif m["bold"] is not None:
            out.append(f"<strong>{_inline(m['bold'])}</strong>")
        elif m["em"] is not None:
            out.append(f"<em>{_inline(m['em'])}</em>")
        else:  # a link: the page references nothing outside itself, so it names the target
            label, href = m["text"], m["href"]
            if href.endswith(label):  # [audit.md](audit/x/audit.md): the path says it all
                out.append(f"<code>{html.escape(href, quote=False)}</code>")
            else:
                out.append(_inline(label) + f" (<code>{html.escape(href, quote=False)}</code>)")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


# --------------------------------------------------------------------------------- font
def _visible_text(body: list[str]) -> str:
    text = re.sub(r'src="data:[^"]*"', "", "\n".join(body))
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _font_face(text: str) -> str:
    """A base64 ``@font-face`` of the bundled font subset to the non-ASCII characters of
    ``text`` (plus ASCII), or "" when the font or fontTools is missing (the stack then
    falls back to the reader's fonts)."""
    from simxh.report.theme import VENDORED_FONT

    try:
        from fontTools import subset
    except ImportError:  # pragma: no cover - fontTools comes with matplotlib
        return ""
    if not Path(VENDORED_FONT).is_file():
        return ""
    chars = {ord(c) for c in text} | set(range(0x20, 0x7F))
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(VENDORED_FONT), options)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(chars))
    sub.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return ("@font-face { font-family: \"SimxhSansSC\"; font-weight: normal; "
            f"src: url(data:font/ttf;base64,{data}) format(\"truetype\"); }}\n")
