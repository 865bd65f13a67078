"""Bar charts for poll results: readable labels where the default font can draw them,
numbers alone where it cannot."""

from __future__ import annotations

import io

from PIL import Image

from bot.charts import BACKGROUND, BAR, bar_chart, drawable, rows_for


def test_labels_the_default_font_can_draw() -> None:
    assert drawable("Which day?  Monday") == "Which day? Monday"
    assert drawable("Février, sábado, sessão") == "Fevrier, sabado, sessao"  # accents dropped
    assert drawable("الاثنين") is None  # Arabic: the bar keeps its number only
    assert drawable("Party 🎉") is None
    assert drawable("Straße") is None  # no plain-letter form: not drawn at all


def test_rows_are_numbered_with_shares_of_the_voters() -> None:
    rows = rows_for(["Lundi", "الثلاثاء", "x" * 80], [3, 1, 0], 4)
    assert [(r.number, r.count, r.share) for r in rows] == [(1, 3, 0.75), (2, 1, 0.25),
                                                            (3, 0, 0.0)]
    assert rows[0].label == "Lundi" and rows[1].label is None
    assert rows[2].label is not None and len(rows[2].label) == 48
    assert [r.share for r in rows_for(["a", "b"], [0, 0], 0)] == [0.0, 0.0]


def test_the_chart_is_a_png_with_bars_in_proportion() -> None:
    data = bar_chart(["Monday", "Tuesday"], [3, 1], 4, title="Which day?")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert Image.open(io.BytesIO(data)).format == "PNG" and image.width == 900
    # Each bar is a run of BAR pixels on its row; the first is three times the second.
    runs = []
    for y in range(image.height):
        row = [image.getpixel((x, y)) for x in range(image.width)]
        length = sum(1 for p in row if p == BAR)
        if length and (not runs or runs[-1] != length):
            runs.append(length)
    assert len(runs) == 2 and abs(runs[0] - 3 * runs[1]) <= 5
    empty = Image.open(io.BytesIO(bar_chart(["a", "b"], [0, 0], 0))).convert("RGB")
    assert all(empty.getpixel((x, y)) != BAR for x in range(0, 900, 7)
               for y in range(0, empty.height, 7))
    assert empty.getpixel((1, 1)) == BACKGROUND
    # More options, a taller image; an Arabic title is left out rather than drawn as boxes.
    tall = Image.open(io.BytesIO(bar_chart([str(n) for n in range(10)], [1] * 10, 10,
                                           title="أي يوم؟")))
    assert tall.height > image.height
