"""Charts drawn on the server as SVG: no script, text the browser shapes in any script, and
mirrored for right-to-left pages. Each chart is shown next to a table of the same figures
(the table is the accessible alternative; the chart is `aria-hidden`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW = 22
LABEL_WIDTH = 300
LABEL_CHARS = 38
BAR_WIDTH = 360


@dataclass(frozen=True)
class Series:
    name: str  # CSS class of its bars: "opened", "passed"
    values: Sequence[float]  # one per label, as a share of `total` (0..1)


def bar_chart(labels: Sequence[str], series: Sequence[Series], *, rtl: bool = False
              ) -> Markup:
    """Horizontal bars, one group per label, each series a bar of its share (0..1)."""
    groups = len(labels)
    height = groups * (ROW * len(series) + 10) + 10
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" aria-hidden="true" '
             f'focusable="false" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" direction="{"rtl" if rtl else "ltr"}">']
    y = 10
    for i, label in enumerate(labels):
        text_x = width - 8 if rtl else 8
        anchor = "start"  # of the text's own direction: the right edge in RTL
        parts.append(f'<text x="{text_x}" y="{y + ROW - 6}" text-anchor="{anchor}">'
                     f'{escape(_shortened(label))}</text>')
        for s in series:
            share = max(0.0, min(1.0, float(s.values[i])))
            length = round(BAR_WIDTH * share, 1)
            x = width - LABEL_WIDTH - length if rtl else LABEL_WIDTH
            parts.append(f'<rect class="{escape(s.name)}" x="{x}" y="{y + 3}" '
                         f'width="{length}" height="{ROW - 6}"/>')
            end_x = x - 6 if rtl else x + length + 6
            parts.append(f'<text x="{end_x}" y="{y + ROW - 6}" text-anchor="{anchor}">'
                         f'{round(share * 100)}%</text>')
            y += ROW
        y += 10
    parts.append("</svg>")
    return Markup("".join(parts))


def _shortened(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"
