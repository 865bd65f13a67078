"""/assessment (the pre-assessment, resumable) and the facilitators' /gaps and /electives,
in text and as CSV, on the console."""

from __future__ import annotations

from pathlib import Path

from tests.harness import ConsoleHarness, demo_cohort, open_console
from tests.test_surveys import attachment, read_csv, submit, text_of

# Eight confidence scales, in the order of pre-assessment.toml.
SCALES = ["principles", "sdgs", "triangular", "gender", "history", "design", "partners",
          "results"]
ANSWERS = {
    "ana": ([4, 4, 3, 3, 4, 2, 1, 3], "Finding partners in Africa", "Their budgets", [2, 5]),
    "bea": ([5, 4, 3, 2, 4, 3, 2, 3], "Trouver des financements", "Leurs méthodes", [2, 8]),
    "cid": ([4, 3, 3, 3, 4, 2, 1, 4], "Medir resultados", "Sus redes", [2]),
}


async def pre_assess(h: ConsoleHarness, user: str) -> None:
    scales, problem, peers, electives = ANSWERS[user]
    await h.send(user, "/assessment")
    for value in scales:
        await h.send(user, str(value))
    await h.send(user, problem)
    await h.send(user, peers)
    for module in electives:
        await h.send(user, str(module))
    review = text_of(await h.send(user, "10"))  # Done, after the nine modules
    assert problem in review
    await submit(h, user)


async def test_assessment_runs_resumes_and_is_answered_once(tmp_path: Path) -> None:
    async with open_console(tmp_path, cohorts=[demo_cohort()]) as h:
        [outside] = await h.send("ana", "/assessment", language="en")
        assert "Join your cohort first" in outside.text
        await h.send("ana", "/join demo")
        first = text_of(await h.send("ana", "/assessment"))
        assert "Before the face-to-face week, tell us" in first
        assert "explaining the principles" in first
        await h.send("ana", "2")
        await h.send("ana", "3")
        again = text_of(await h.send("ana", "/assessment"))
        assert "Welcome back" in again and "triangular cooperation works" in again
        for value in ("3", "3", "3", "3", "3", "3"):
            await h.send("ana", value)
        await h.send("ana", "Funding")
        await h.send("ana", "Everything")
        await h.send("ana", "9")
        await h.send("ana", "10")
        done = text_of(await submit(h, "ana"))
        assert "submitted" in done
        assert "already answered" in text_of(await h.send("ana", "/assessment"))


async def test_gaps_and_electives_from_a_few_pre_assessments(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        await h.send("fac", "/language fr")
        [empty] = await h.send("fac", "/gaps")
        assert "demo cohort" in empty.text
        for user, language in (("ana", "en"), ("bea", "fr"), ("cid", "es")):
            await h.send(user, "/join demo", language=language)
            await pre_assess(h, user)
        [refused] = await h.send("ana", "/gaps")
        assert "/gaps" in refused.text and "partners" not in refused.text

        [report] = await h.send("fac", "/gaps")
        lines = report.text.splitlines()
        ranked = [line for line in lines if line[:2] in {f"{n}." for n in range(1, 9)}]
        # Lowest average confidence first: partners (1.3), design (2.3), gender (2.7) …
        assert "trouver des partenaires" in ranked[0]
        assert "concevoir un projet" in ranked[1]
        assert "égalité entre les femmes et les hommes" in ranked[2]
        assert "expliquer les principes" in ranked[7]
        assert "1:2 2:1 3:0 4:0 5:0" in report.text
        # The latest needs, in their original language, newest first.
        assert report.text.index("cid: Medir resultados") < \
            report.text.index("bea: Trouver des financements")
        assert "ana: Finding partners in Africa" in report.text

        rows = read_csv(attachment(await h.send("fac", "/gaps csv")))
        assert [r["question"] for r in rows][:2] == ["confidence-partners", "confidence-design"]
        assert rows[0]["average"] == "1.33" and rows[0]["responses"] == "3"
        assert rows[0]["1"] == "2" and rows[0]["2"] == "1"

        [electives] = await h.send("fac", "/electives")
        lines = electives.text.splitlines()
        assert "(3 " in lines[0]
        assert lines[1].endswith("Emplois verts") and " 3 " in lines[1]
        assert any(line.endswith("Migrations de main-d’œuvre") and " 1 " in line
                   for line in lines)
        assert any(line.endswith("Alliance 8.7") and " 0 " in line for line in lines)

        rows = read_csv(attachment(await h.send("fac", "/electives demo csv")))
        assert rows[0]["module"] == "green-jobs" and rows[0]["participants"] == "3"
        assert rows[0]["names"] == "ana; bea; cid"
        triangular = next(r for r in rows if r["module"] == "triangular")
        assert triangular["names"] == "bea"

        [unknown] = await h.send("fac", "/gaps nowhere")
        assert "nowhere" in unknown.text
