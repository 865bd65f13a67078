"""Benchmark: the web side's pages with 10,000 participants in 5 cohorts, 2,000 survey
responses and 500 approved practices (plus 20 waiting for review).

Server time is measured inside the server: a middleware placed before every other one
times each request from its arrival to the response being ready (language choice,
security headers, session check, database reads, template rendering). Requests come one
at a time from aiohttp's test client on loopback, 300 per page after 20 for warming up.
The goal (issue 17): p99 < 100 ms for the dashboard's and the catalogue's pages.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

from bench.common import write_result

PARTICIPANTS = 10_000
COHORTS = 5
RESPONSES = 2_000
PRACTICES = 500
WAITING = 20
AUDIT_ENTRIES = 5_000
REQUESTS = 300
WARM_UP = 20
LANGUAGES = ("en", "fr", "es", "pt", "ar")
WORDS = ("cooperative", "women", "training", "employment", "youth", "rural", "skills",
         "social protection", "mentoring", "exchange", "coopérative", "formación", "jovens")


def answer_for(question: Any, rng: random.Random) -> Any:
    if question.kind == "scale":
        return rng.randint(question.low, question.high)
    if question.kind == "yesno":
        return rng.choice(["yes", "no"])
    if question.kind == "single":
        return rng.randint(1, max(1, len(question.options.get("en", [])) or 3))
    if question.kind == "multiple":
        return [1, 2]
    return "More practice with case studies."


async def fill(bot: Any) -> int:
    """The database as a busy academy's; the id of the facilitator of every cohort."""
    services = bot.services
    rng = random.Random(17)
    now = time.time()
    participant, _account = await services.participants.ensure("console", "chief", "chief",
                                                               services.clock.now())
    first = participant.id + 1
    ids = list(range(first, first + PARTICIPANTS))
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO participants (id, language, created_at) VALUES (?, ?, '2026-01-01')",
            [(i, rng.choice(LANGUAGES)) for i in ids])
        await tx.executemany(
            "INSERT INTO accounts (platform, user_id, participant_id, display_name, linked_at) "
            "VALUES ('telegram', ?, ?, ?, '2026-01-01')",
            [(str(100000 + i), i, f"Participant {i}") for i in ids])
        await tx.executemany(
            "INSERT INTO enrolments (cohort, participant_id, joined_at, via) "
            "VALUES (?, ?, ?, 'command')",
            [(f"c{1 + n % COHORTS}", i, now) for n, i in enumerate(ids)])
        progress = []
        for i in ids:
            for unit in (1, 2, 3):
                if rng.random() < 0.8:
                    passed = rng.random() < 0.6
                    progress.append((i, unit, now, now, 1, 1, 4 if passed else 2, 5,
                                     now if passed else None))
        await tx.executemany(
            "INSERT INTO unit_progress (participant_id, unit, delivered_at, opened_at, "
            "attempt, attempts_done, best_score, questions, passed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", progress)
    from handlers import surveys as engine

    built = engine.surveys(services)
    name = "pre-assessment" if "pre-assessment" in built else sorted(built)[0]
    survey = built[name]
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT OR IGNORE INTO survey_waves (survey, cohort, status, opens_at, opened_at) "
            "VALUES (?, ?, 'open', ?, ?)", [(name, f"c{c + 1}", now, now)
                                             for c in range(COHORTS)])
    waves = [await services.surveys.wave_for(name, f"c{c + 1}")
             for c in range(COHORTS)]
    responses = []
    for k in range(RESPONSES):
        answers = {q.id: answer_for(q, rng) for q in survey.questions}
        wave = waves[k % COHORTS]
        assert wave is not None
        responses.append((f"r{k}", wave.id, ids[k], rng.choice(LANGUAGES), "telegram", now,
                          json.dumps(answers)))
    async with services.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO audit_log (at, actor_participant_id, platform, action, detail, "
            "outcome) VALUES ('2026-11-01T10:00:00+00:00', ?, 'telegram', ?, '', ?)",
            [(ids[k % 50], rng.choice(["progress", "practice review", "announce"]),
              rng.choice(["done", "refused"])) for k in range(AUDIT_ENTRIES)])
        await tx.executemany(
            "INSERT INTO survey_responses (id, wave_id, participant_id, language, platform, "
            "submitted_at, answers) VALUES (?, ?, ?, ?, ?, ?, ?)", responses)
    repo_now = services.clock.now()
    from storage.practices import FIELDS

    repo = services.practices
    for k in range(PRACTICES + WAITING):
        words = rng.sample(WORDS, 4)
        fields = {f: f"{f.capitalize()}: {' '.join(words)} between countries of the South "
                     f"({k})." for f in FIELDS}
        fields["title"] = f"{words[0].capitalize()} and {words[1]} exchange #{k}"
        status = "approved" if k < PRACTICES else "submitted"
        await repo.create(ids[k], LANGUAGES[k % 5], repo_now, fields=fields, status=status)
    return participant.id


def timing(samples: dict[str, list[float]], current: list[str]) -> Any:
    """Server time of each request, filed under the page being measured."""
    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        start = time.perf_counter()
        try:
            return await handler(request)
        finally:
            samples.setdefault(current[0], []).append(time.perf_counter() - start)
    return timed


async def measure() -> dict[str, Any]:
    from bot.app import Bot
    from bot.web.access import SESSION_COOKIE
    from bot.web.server import build_app
    from tests.harness import make_config

    with tempfile.TemporaryDirectory() as folder:
        cohorts = [{"code": f"c{c}", "name": f"Cohort {c}", "face_to_face_start": 10}
                   for c in range(1, COHORTS + 1)]
        config = make_config(Path(folder), cohorts=cohorts,
                             facilitators={"console": ["chief"]})
        config = config.model_copy(update={"web": config.web.model_copy(
            update={"enabled": True, "port": 0})})
        bot = await Bot.create(config)
        try:
            started = time.perf_counter()
            chief = await fill(bot)
            print(f"filled in {time.perf_counter() - started:.1f} s")
            s = bot.services
            # Nothing else runs meanwhile: the pages alone are measured.
            await s.scheduler.stop()
            assert bot.web is not None
            session = bot.web.access.open_session(chief)
            samples: dict[str, list[float]] = {}
            current = [""]
            app = build_app(s, bot.web.access, bot.registry.web)
            app.middlewares.insert(0, timing(samples, current))
            pages = ["/dashboard", "/dashboard/cohorts/c1",
                     "/dashboard/cohorts/c1/surveys/pre-assessment", "/dashboard/practices",
                     "/dashboard/audit", "/practices", "/practices?q=cooperative+women",
                     "/practices?q=coopérative&lang=fr", "/practices/250",
                     "/practices/250?lang=ar", "/practices.json",
                     "/dashboard/cohorts/c1/progress.csv"]
            async with TestClient(TestServer(app)) as client:
                client.session.cookie_jar.update_cookies({SESSION_COOKIE: session.token})
                for path in pages:
                    current[0] = path
                    count = REQUESTS // 10 if path.endswith(".csv") else REQUESTS
                    for n in range(WARM_UP + count):
                        response = await client.get(path)
                        assert response.status == 200, (path, response.status)
                        await response.read()
                        if n == WARM_UP - 1:
                            samples.pop(path, None)
        finally:
            await bot.close()
    figures: dict[str, Any] = {}
    for path in pages:
        values = sorted(samples[path])
        figures[f"{path} p50 ms"] = round(statistics.median(values) * 1000, 2)
        figures[f"{path} p99 ms"] = round(values[int(len(values) * 0.99) - 1] * 1000, 2)
    return figures


def main() -> None:
    load = os.getloadavg()[0]
    figures = asyncio.run(measure())
    figures["load average before the run"] = round(load, 2)
    pages = [k for k in figures if k.endswith("p99 ms") and ".csv" not in k]
    worst = max(figures[k] for k in pages)
    figures["worst page p99 ms"] = worst
    figures["goal met (p99 < 100 ms)"] = worst < 100
    write_result("web", figures, notes=(
        f"{PARTICIPANTS} participants in {COHORTS} cohorts (3 units released, 80% opened), "
        f"{RESPONSES} survey responses, {PRACTICES} approved practices and {WAITING} waiting, "
        f"{AUDIT_ENTRIES} audit entries; "
        f"server time per request (a middleware before every other), {REQUESTS} requests per "
        f"page one at a time after {WARM_UP} to warm up; the facilitator of every cohort is "
        "logged in. The CSV (2,000 participants x 5 units) is a download, not a page: shown "
        "but not counted in the goal."))


if __name__ == "__main__":
    main()
