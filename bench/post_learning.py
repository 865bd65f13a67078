"""Benchmark: the resources' choosing day and first drip step for a large cohort.

2,000 participants enrolled in one cohort, each with a named pre-assessment (random
confidence and electives); the bot runs the cohort's choosing day (each participant's
resources chosen and scheduled: up to 3 schedules each), then the first drip step (one
message per participant into the outbox). Nothing is sent: no platform is attached, the
figures are the bot's own work. The database is filled first (not timed).
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import write_result

PARTICIPANTS = 2_000


async def fill(services: object, now: float) -> None:
    from bot.services import Services

    assert isinstance(services, Services)
    db = services.db
    rng = random.Random(20)
    wave = await db.fetchone("SELECT id FROM survey_waves WHERE survey = 'pre-assessment' "
                             "AND cohort = 'demo'")
    assert wave is not None
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO participants (id, language, consent, created_at) "
            "VALUES (?, ?, 'given', '2026-01-01')",
            [(i, rng.choice(["en", "fr", "es", "pt", "ar"])) for i in range(1, PARTICIPANTS + 1)])
        await tx.executemany(
            "INSERT INTO accounts (platform, user_id, participant_id, display_name, linked_at) "
            "VALUES ('telegram', ?, ?, ?, '2026-01-01')",
            [(str(100000 + i), i, f"p{i}") for i in range(1, PARTICIPANTS + 1)])
        await tx.executemany(
            "INSERT INTO enrolments (cohort, participant_id, joined_at, via) "
            "VALUES ('demo', ?, ?, 'command')", [(i, now) for i in range(1, PARTICIPANTS + 1)])
        scales = ["principles", "sdgs", "triangular", "gender", "history", "design",
                  "partners", "results"]
        await tx.executemany(
            "INSERT INTO survey_responses (id, wave_id, participant_id, language, platform, "
            "submitted_at, answers) VALUES (?, ?, ?, 'en', 'telegram', ?, ?)",
            [(f"r{i}", wave["id"], i, now, json.dumps(
                {**{f"confidence-{s}": rng.randint(1, 5) for s in scales},
                 "electives": rng.sample(range(1, 10), 2)}))
             for i in range(1, PARTICIPANTS + 1)])


async def run() -> dict[str, float | int]:
    from bot.app import build_services
    from bot.scheduler import Firing
    from handlers.resources.drip import SEND, fire_plan, fire_send
    from tests.harness import demo_cohort, make_config

    with tempfile.TemporaryDirectory() as folder:
        config = make_config(Path(folder), cohorts=[demo_cohort()])
        services = await build_services(config)
        try:
            t0 = time.perf_counter()
            await fill(services, services.clock.timestamp())
            filled = time.perf_counter() - t0
            plan = await services.post_learning.plan("demo", "resources")
            assert plan is not None and plan.schedule_id is not None
            schedule = await services.schedules.get(plan.schedule_id)
            assert schedule is not None
            services.clock.advance(timedelta(days=17))
            t0 = time.perf_counter()
            await fire_plan(services, schedule, Firing(services.clock.now(), late=False))
            choosing = time.perf_counter() - t0
            drips = await services.db.fetchone("SELECT COUNT(*) AS n FROM resource_drip")
            services.clock.advance(timedelta(days=1))
            due = [x for x in await services.schedules.active(kind=SEND)
                   if (x.next_at or 0) <= services.clock.timestamp()]
            t0 = time.perf_counter()
            for sched in due:
                await fire_send(services, sched, Firing(services.clock.now(), late=False))
            first_step = time.perf_counter() - t0
            fired = len(due)
            queued = await services.db.fetchone(
                "SELECT COUNT(*) AS n FROM outbox WHERE dedupe_key LIKE 'resource:%'")
        finally:
            await services.outbox.stop()
            await services.relay.close()
            await services.db.close()
    return {"participants": PARTICIPANTS, "resources_chosen": drips["n"] if drips else 0,
            "choosing_day_s": choosing,
            "choosing_per_participant_ms": 1000 * choosing / PARTICIPANTS,
            "first_step_schedules_fired": fired, "first_step_s": first_step,
            "first_step_messages_queued": queued["n"] if queued else 0,
            "db_fill_s_not_counted": filled}


def main() -> None:
    figures = asyncio.run(run())
    write_result("post_learning", figures, notes=(
        "choosing_day_s: fire_plan for one cohort (read the pre-assessment, choose each "
        "participant's resources, one schedule per resource); first_step_s: run_due at the "
        "first drip day, each due resource_send handler called in turn (the message written "
        "to the outbox, delivery stamped, its nudge scheduled); no platform attached, "
        "nothing sent."))


if __name__ == "__main__":
    main()
