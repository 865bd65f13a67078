"""Interview slots (handlers/surveys/slots.py): offered to the impact survey's shortlist,
booked once with buttons, reminded a day before, cancelled with notice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.harness import demo_cohort, open_console
from tests.test_surveys import answer_impact_ana, text_of


async def test_interview_slots_are_offered_booked_once_and_reminded(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("ana", "/join demo", language="en")
        await h.send("cid", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await answer_impact_ana(h)
        # Cid reports an initiative too.
        await h.press("cid", "Start")
        for label in ("3", "Finding partners", "Done", "Yes"):
            await h.press("cid", label)
        await h.send("cid", "A city-to-city exchange")
        for label in ("Yes", "None", "4", "None of them, or I received none", "Done", "4",
                      "Skip", "Submit"):
            await h.press("cid", label)

        day = (h.bot.services.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
        added = await h.send("fac", f"/slots add {day} 10:00, {day} 11:00")
        assert "Added 2 interview times" in text_of(added)
        assert "Offered to 2 people" in text_of(added)
        offers = {r.chat_id: r.buttons for r in added if r.buttons}
        assert set(offers) == {"ana", "cid"} and len(offers["ana"]) == 2
        first = offers["ana"][0]

        booked = text_of(await h.press("ana", first))
        assert "Booked: your interview is on" in booked
        assert "ana booked the interview" in booked  # the facilitator is told
        refused = await h.press("cid", first)
        assert "no longer available" in text_of(refused)
        assert refused[0].buttons == [offers["cid"][1]]  # only the other time is left
        await h.press("cid", offers["cid"][1])
        again = text_of(await h.press("ana", offers["ana"][1]))
        assert "You already have an interview" in again

        listing = text_of(await h.send("fac", "/slots list"))
        assert "booked by ana" in listing and "booked by cid" in listing
        shortlist = text_of(await h.send("fac", "/survey shortlist"))
        assert "interview booked" in shortlist

        replies = await h.advance(timedelta(days=2, hours=12))
        reminded = sorted(r.chat_id for r in replies if "⏰ Reminder" in r.text
                          and "interview" in r.text)
        assert reminded == ["ana", "cid", "fac", "fac"]

        cancelled = text_of(await h.send("fac", "/slots cancel 2"))
        assert "Cancelled interview time #2" in cancelled
        assert "the interview planned for" in cancelled  # cid is told
        [bad] = await h.send("fac", "/slots cancel 99")
        assert "There is no interview time #99" in bad.text
        [unreadable] = await h.send("fac", "/slots add whenever")
        assert "I could not read a time" in unreadable.text
