"""Anonymity holds for small groups (issue 19, item 6): the answers of an anonymous survey,
and its breakdowns by language, platform and cohort, are shown only for groups of at
least `surveys.anonymous_min_group` (5 by default); smaller ones are merged into "other"
or left out, with a note. On the console, with the sample's anonymous "assessment"."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from handlers.surveys.anonymity import protect
from tests.harness import ConsoleHarness, Reply, demo_cohort, open_console
from tests.harness_telegram import open_telegram

SECRET = "The hotel was too far from the venue"


def text_of(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def small_cohort(code: str) -> dict[str, object]:
    return demo_cohort(code=code, name=f"Cohort {code}",
                       channels=[{"platform": "console", "chat_id": f"{code}-chat"}])


async def answer_assessment(h: ConsoleHarness, user: str, improve: str) -> None:
    """The end-of-week assessment as a person answers it, in any language: buttons by
    their number (the newest ones of the chat), the suggestion typed."""
    await h.send(user, "1")  # Start
    for value in ("5", "4", "4"):
        await h.press(user, value)
    await h.send(user, "3")  # the third method
    await h.send(user, improve)
    await h.send(user, "1")  # Yes, they would recommend it
    review = next(r.buttons for r in reversed(h._history[user]) if r.buttons)
    await h.send(user, str(len(review)))  # Submit, the review's last button


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def attachment(replies: list[Reply]) -> Path | None:
    match = re.search(r"📎 (\S+\.csv)", text_of(replies))
    return Path(match.group(1)) if match else None


# --- the rule --------------------------------------------------------------------------
@pytest.mark.parametrize(("sizes", "total_shown", "shown", "other", "hidden"), [
    # Every group large enough: all shown.
    ({"en": 5, "fr": 7}, True, {"en", "fr"}, 0, 0),
    # The issue's case: ar alone would be the total minus en; both go to "other".
    ({"en": 5, "ar": 1}, True, set(), 6, 0),
    # Small groups together large enough: "other", the large ones stay.
    ({"en": 9, "ar": 3, "es": 2}, True, {"en"}, 5, 0),
    # "other" too small: the smallest shown group joins it, not the largest.
    ({"en": 9, "fr": 6, "ar": 1}, True, {"en"}, 7, 0),
    # Everything together too small: no breakdown at all.
    ({"en": 2, "ar": 1}, True, set(), 0, 3),
    # Groups that can be asked for one by one (cohorts): a small one is left out rather
    # than merged with a large one, which could then be subtracted.
    ({"demo": 6, "tiny": 1}, False, {"demo"}, 0, 1),
    ({"demo": 6, "tiny": 3, "mini": 2}, False, {"demo"}, 5, 0),
    ({"tiny": 4}, False, set(), 0, 4),
    ({}, False, set(), 0, 0),
])
def test_small_groups_are_merged_or_left_out(sizes: dict[str, int], total_shown: bool,
                                             shown: set[str], other: int, hidden: int) -> None:
    groups = {name: [f"{name}{k}" for k in range(n)] for name, n in sizes.items()}
    kept = protect(groups, 5, total_shown=total_shown)
    assert set(kept.shown) == shown
    assert (len(kept.other), len(kept.hidden)) == (other, hidden)
    assert all(len(members) >= 5 for members in kept.shown.values())
    assert sorted(kept.included + kept.hidden) == sorted(m for g in groups.values() for m in g)


def test_the_minimum_is_configurable_and_checked() -> None:
    assert parse_config({}).surveys.anonymous_min_group == 5
    assert parse_config({"surveys": {"anonymous_min_group": 3}}).surveys.anonymous_min_group \
        == 3
    for wrong in (0, -1, "5"):
        with pytest.raises(ConfigError) as err:
            parse_config({"surveys": {"anonymous_min_group": wrong}}, source="c.toml")
        [problem] = err.value.problems
        assert problem.startswith("c.toml: surveys.anonymous_min_group:")


# --- on the console --------------------------------------------------------------------
async def test_one_anonymous_response_is_not_shown_nor_broken_down(tmp_path: Path) -> None:
    """The issue: "ar: 1 of 1 completed" beside a one-response /survey results."""
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("sami", "/join demo", language="ar")
        await h.send("fac", "/survey start assessment", language="en")
        await answer_assessment(h, "sami", SECRET)

        status = text_of(await h.send("fac", "/survey status assessment"))
        assert "Invited: 1 · started: 1 · completed: 1 (100%)" in status
        assert "ar:" not in status and "console:" not in status
        assert "groups of fewer than 5 people are merged" in status
        results = text_of(await h.send("fac", "/survey results assessment"))
        assert "1 response" in results
        assert "shown from 5 responses on" in results
        assert SECRET not in results and "average" not in results
        exported = await h.send("fac", "/survey export assessment")
        assert attachment(exported) is None
        assert "shown from 5 responses on" in text_of(exported)
        assert not list((tmp_path / "exports").glob("*.csv"))

        # In the facilitator's language.
        await h.send("fac", "/language fr")
        french = text_of(await h.send("fac", "/survey results assessment"))
        assert "à partir de 5 réponses" in french and SECRET not in french


async def test_from_five_responses_answers_show_and_small_groups_merge(tmp_path: Path
                                                                      ) -> None:
    cohorts = [demo_cohort(), small_cohort("tiny"), small_cohort("mini")]
    async with open_console(tmp_path, facilitators=["fac"], cohorts=cohorts) as h:
        await h.send("sami", "/join demo", language="ar")
        for name in ("ana", "ben", "cid", "dan", "eve"):
            await h.send(name, "/join demo", language="en")
        await h.send("tom", "/join tiny", language="en")
        await h.send("fac", "/survey start assessment demo", language="en")
        await h.send("fac", "/survey start assessment tiny")
        await answer_assessment(h, "sami", SECRET)
        for name in ("ana", "ben", "cid", "dan"):
            await answer_assessment(h, name, f"More coffee for {name}")
        await answer_assessment(h, "tom", "Tiny cohort secret")

        # demo: 5 responses, shown; tiny's one response left out of the whole.
        results = text_of(await h.send("fac", "/survey results assessment"))
        assert "6 responses" in results
        assert "1 response from a cohort with fewer than 5 is left out" in results
        assert SECRET in results and "Tiny cohort secret" not in results
        assert "5 answers" in results
        alone = text_of(await h.send("fac", "/survey results assessment tiny"))
        assert "Tiny cohort secret" not in alone and "shown from 5 responses on" in alone

        # Status: 6 invited in demo, 1 in tiny; by language en has 6, ar 1: ar alone
        # would be the total minus en, so both are "other"; by platform, all console.
        status = text_of(await h.send("fac", "/survey status assessment"))
        assert "Invited: 7 · started: 6 · completed: 6 (86%)" in status
        assert "console: 6 of 7 completed (86%)" in status
        assert "other: 6 of 7 completed (86%)" in status
        assert "ar:" not in status and "en:" not in status
        assert "groups of fewer than 5 people are merged" in status
        demo_only = text_of(await h.send("fac", "/survey status assessment demo"))
        assert "other: 5 of 6 completed (83%)" in demo_only and "ar:" not in demo_only

        # The export: demo's rows only, no row of tiny.
        exported = await h.send("fac", "/survey export assessment")
        path = attachment(exported)
        assert path is not None
        assert "1 response from a cohort with fewer than 5 is left out" in text_of(exported)
        rows = csv_rows(path)
        assert len(rows) == 5 and {r["cohort"] for r in rows} == {"demo"}
        assert "Tiny cohort secret" not in path.read_text(encoding="utf-8-sig")

        # Small cohorts together large enough show as "other", never by their name.
        for name in ("uma", "vic", "wes"):
            await h.send(name, "/join tiny", language="en")
        await h.send("zed", "/join mini", language="en")
        await h.send("fac", "/survey start assessment mini")
        for name in ("uma", "vic", "wes", "zed"):
            await answer_assessment(h, name, f"Small cohort, {name}")
        results = text_of(await h.send("fac", "/survey results assessment"))
        assert "10 responses" in results and "left out" not in results
        assert "Tiny cohort secret" in results and "Small cohort, zed" in results
        path = attachment(await h.send("fac", "/survey export assessment"))
        assert path is not None
        rows = csv_rows(path)
        assert len(rows) == 10
        assert sorted(r["cohort"] for r in rows) == ["demo"] * 5 + ["other"] * 5
        # Each small cohort alone is still hidden.
        for code in ("tiny", "mini"):
            alone = text_of(await h.send("fac", f"/survey results assessment {code}"))
            assert "Small cohort" not in alone and "shown from 5 responses on" in alone


async def test_the_minimum_follows_the_configuration(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            surveys={"anonymous_min_group": 2}) as h:
        for name, language in (("sami", "ar"), ("lina", "ar"), ("ana", "en"), ("ben", "en")):
            await h.send(name, "/join demo", language=language)
        await h.send("fac", "/survey start assessment", language="en")
        await answer_assessment(h, "sami", SECRET)
        results = text_of(await h.send("fac", "/survey results assessment"))
        assert "shown from 2 responses on" in results and SECRET not in results
        await answer_assessment(h, "ana", "More coffee")
        results = text_of(await h.send("fac", "/survey results assessment"))
        assert SECRET in results and "2 answers" in results
        status = text_of(await h.send("fac", "/survey status assessment"))
        assert "ar: 1 of 2 completed (50%)" in status
        assert "en: 1 of 2 completed (50%)" in status
        assert "merged" not in status


async def test_named_surveys_keep_every_group(tmp_path: Path) -> None:
    """Not anonymous: the impact survey names its respondents anyway, groups of one stay."""
    async with open_telegram(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as tg:
        await tg.send("sami", "/join demo", language="ar")
        await tg.send("fac", "/survey start impact", language="en")
        status = text_of(await tg.send("fac", "/survey status impact"))
        assert "ar: 0 of 1 completed (0%)" in status
        assert "telegram: 0 of 1 completed (0%)" in status
        assert "merged" not in status
