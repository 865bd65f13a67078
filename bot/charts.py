"""Bar charts as PNG images (Pillow), for poll results and activity.

Labels are drawn with DejaVu Sans, the font matplotlib ships (a dependency installed with
the project, used here for its font file only), through Pillow's complex text layout
(raqm, bundled with Pillow's wheels): Arabic is shaped and laid out right to left, accents
stay. A character the font lacks (an emoji) leaves that label out and the bar carries only
its number; the text sent with the chart lists every option under the same numbers.
Without that font file, Pillow's own default font draws basic Latin only (accents dropped).
"""

from __future__ import annotations

import importlib.util
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

WIDTH = 900
MARGIN = 28
BAR_HEIGHT = 34
ROW_GAP = 18
LABEL_SIZE = 20
TITLE_SIZE = 26
BACKGROUND = (255, 255, 255)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
TRACK = (233, 236, 239)
BAR = (31, 119, 180)
MAX_LABEL = 48  # characters of a label drawn on the chart (the text has it whole)


@cache
def _font_file() -> Path | None:
    """DejaVu Sans from matplotlib's data, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
    return path if path.is_file() else None


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_file()
    if path is None:
        return ImageFont.load_default(size=size)
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(path), size, layout_engine=layout)


@cache
def _missing_glyph(size: int) -> bytes:
    return _glyph(size, "\ue000")  # a private-use character: never in the font


def _glyph(size: int, char: str) -> bytes:
    mask = _font(size).getmask(char)
    return bytes(mask.size) + bytes(mask)


def _renders(text: str, size: int = LABEL_SIZE) -> bool:
    missing = _missing_glyph(size)
    return all(c == " " or _glyph(size, c) != missing for c in set(text))


def drawable(text: str, size: int = LABEL_SIZE) -> str | None:
    """`text` as the default font can draw it (accents dropped if need be), or None when
    it cannot be drawn legibly."""
    text = " ".join(text.split())
    if _renders(text, size):
        return text
    bare = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return bare if _renders(bare, size) else None


def _shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


@dataclass(frozen=True)
class ChartRow:
    number: int
    label: str | None  # None: not drawable, the number stands for it
    count: int
    share: float  # 0..1


def rows_for(labels: list[str], counts: list[int], total: int) -> list[ChartRow]:
    rows = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=True), 1):
        shown = drawable(label)
        rows.append(ChartRow(i, _shorten(shown) if shown else None, count,
                             count / total if total else 0.0))
    return rows


def bar_chart(labels: list[str], counts: list[int], total: int,
              title: str | None = None) -> bytes:
    """A horizontal bar chart, one numbered bar per option, each with its count and its
    share of `total` (the voters); PNG bytes. `title` is drawn when it can be."""
    rows = rows_for(labels, counts, total)
    title_text = drawable(title, TITLE_SIZE) if title else None
    title_font, label_font = _font(TITLE_SIZE), _font(LABEL_SIZE)
    top = MARGIN
    if title_text:
        title_text = _shorten(title_text, 60)
        top += TITLE_SIZE + ROW_GAP
    row_height = LABEL_SIZE + 6 + BAR_HEIGHT + ROW_GAP
    height = top + row_height * len(rows) + LABEL_SIZE + MARGIN
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    if title_text:
        draw.text((MARGIN, MARGIN), title_text, fill=INK, font=title_font)
    track = WIDTH - 2 * MARGIN - 150  # room on the right for "123 (100%)"
    y = top
    for row in rows:
        caption = f"{row.number}. {row.label}" if row.label else f"{row.number}."
        draw.text((MARGIN, y), caption, fill=INK, font=label_font)
        bar_top = y + LABEL_SIZE + 6
        draw.rectangle((MARGIN, bar_top, MARGIN + track, bar_top + BAR_HEIGHT), fill=TRACK)
        if row.count:
            end = MARGIN + max(3, round(track * row.share))
            draw.rectangle((MARGIN, bar_top, end, bar_top + BAR_HEIGHT), fill=BAR)
        draw.text((MARGIN + track + 12, bar_top + (BAR_HEIGHT - LABEL_SIZE) // 2),
                  f"{row.count} ({round(row.share * 100)}%)", fill=INK, font=label_font)
        y += row_height
    draw.text((MARGIN, y), f"N = {total}", fill=MUTED, font=label_font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
