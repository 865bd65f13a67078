"""Complementary resources for the gaps participants reported (issue 20): after the
face-to-face week each participant receives, in their language and zone, the resources
tagged with their own gaps (or the cohort's top gaps), one at a time; /resources lists
them; facilitators read the report with /gaps.

The parts: choice.py (which resources for whom), drip.py (planning, sending, nudges,
timeline), reading.py (/resources and its button), report.py (the /gaps part)."""

from __future__ import annotations

from dataclasses import replace

from bot.commands import Command, CommandRegistry
from bot.context import Context
from bot.i18n import N_
from handlers.resources.drip import (
    BUTTON,
    NUDGE,
    PLAN,
    SEND,
    fire_nudge,
    fire_plan,
    fire_send,
    on_enrolled,
    plan_drips,
    timeline,
)
from handlers.resources.reading import list_resources, resource_button
from handlers.resources.report import resources_report


def _with_resources(registry: CommandRegistry) -> None:
    """/gaps (the pre-assessment feature's) also reports the resources, after the needs."""
    gaps = registry.get("gaps")
    if gaps is None:
        return
    needs = gaps.handler

    async def handler(ctx: Context) -> None:
        await needs(ctx)
        await resources_report(ctx)

    registry.commands["gaps"] = replace(gaps, handler=handler)


def setup(registry: CommandRegistry) -> None:
    registry.add(Command("resources", list_resources,
                         N_("The resources sent to you for the needs you reported; <n> to "
                            "read one"), usage="[n]", needs_consent=True))
    registry.add_callback(BUTTON, resource_button, needs_consent=True)
    registry.add_timed(PLAN, fire_plan)
    registry.add_timed(SEND, fire_send)
    registry.add_timed(NUDGE, fire_nudge)
    registry.startup.append(plan_drips)
    registry.enrolled.append(on_enrolled)
    registry.timeline.append(timeline)
    _with_resources(registry)
