"""Bar charts for poll results: every language's labels drawn (Arabic shaped, right to
left, accents kept) with the font the project installs, numbers alone where a character
is not in it (emoji)."""

from __future__ import annotations

import io

from PIL import Image

from bot.charts import BACKGROUND, BAR, bar_chart, drawable, rows_for


def test_labels_in_every_language_are_drawn() -> None:
    assert drawable("Which day?  Monday") == "Which day? Monday"
    assert drawable("Février, sábado, sessão") == "Février, sábado, sessão"  # accents kept
    assert drawable("الاثنين") == "الاثنين"
    assert drawable("Straße") == "Straße"
    assert drawable("Party 🎉") is None  # not in the font: the bar keeps its number only


def ink(png: bytes) -> int:
    return sum(Image.open(io.BytesIO(png)).convert("L").histogram()[:128])


def test_arabic_labels_are_shaped_not_left_out() -> None:
    """An Arabic option makes ink on the chart (before, the bar showed its number only),
    and it is shaped: the joined word is narrower than its letters drawn one by one."""
    from bot.charts import LABEL_SIZE, _font

    with_label = bar_chart(["الاثنين"], [1], 1, title="أي يوم؟")
    without = bar_chart(["🎉"], [1], 1)
    assert ink(with_label) > ink(without)
    font = _font(LABEL_SIZE)
    word = "الاثنين"
    joined = font.getlength(word)
    apart = sum(font.getlength(letter) for letter in word)
    assert joined < apart


def test_rows_are_numbered_with_shares_of_the_voters() -> None:
    rows = rows_for(["Lundi", "الثلاثاء", "x" * 80], [3, 1, 0], 4)
    assert [(r.number, r.count, r.share) for r in rows] == [(1, 3, 0.75), (2, 1, 0.25),
                                                            (3, 0, 0.0)]
    assert rows[0].label == "Lundi" and rows[1].label == "الثلاثاء"
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
