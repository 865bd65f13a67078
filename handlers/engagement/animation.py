"""The animation plan: prompts posted into each cohort's channels, and into every chat
bridged with them, each in the chat's language, on dates of the cohort's timeline or on a
rhythm between two of them (content/<academy>/animation.toml, bot/content/animation.py).

Start-up gives each prompt one schedule per cohort (recorded in `engagement_schedules`, so
a restart plans nothing twice; changing a prompt's times re-plans it). A moment already
past when it is first planned is not sent. Each post carries the dedupe key
`animation:<schedule>:<occurrence>:<platform>:<chat>`."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time, timedelta

from bot.commands import CommandRegistry
from bot.content.animation import AnimationPlan, Prompt
from bot.i18n import rtl_marked
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import SCHEDULED
from bot.scheduler import Firing, dedupe_key
from bot.services import Services
from bot.timeline import Planned
from handlers.cohorts import Cohort
from storage.schedules import NewSchedule, Schedule

log = logging.getLogger("bot.animation")
KIND = "animation"
# A prompt the bot could not post on time (it was not running) is still worth posting a
# few hours late; a day late it would only confuse the conversation.
MAX_LATE = timedelta(hours=12)
TIMELINE_LIMIT = 52  # occurrences of one recurring prompt shown by `python -m bot timeline`
# A one-off prompt before one of these dates announces the survey sent on it ("in three
# days you will receive the impact survey"): once a facilitator has sent that survey
# earlier (/survey start), the announcement is not posted.
ANNOUNCED_SURVEYS = {"impact_survey": "impact"}
PAST = "not sent: already past when the bot first planned it"


@dataclass(frozen=True)
class Target:
    platform: str
    chat_id: str
    chat_kind: str
    language: str
    title: str | None

    def describe(self) -> str:
        return f"{self.platform} {self.title or self.chat_id}"


def plan_of(services: Services) -> AnimationPlan:
    return services.academy.animation if services.academy is not None else AnimationPlan()


async def targets(services: Services, cohort: Cohort) -> list[Target]:
    """The cohort's channels and every chat of the bridges they are in, each with its
    language (a channel with none: the cohort's default language)."""
    bridges = services.relay.bridges
    found: dict[tuple[str, str], Target] = {}
    for platform, chat_id in sorted(cohort.channels):
        channel = await bridges.channel(platform, chat_id)
        if channel is None:
            chat = await services.chats.get(platform, chat_id)
            found.setdefault((platform, chat_id), Target(
                platform, chat_id, ChatKind.GROUP.value,
                (chat.language if chat else None) or cohort.default_language,
                chat.title if chat else None))
            continue
        for c in await bridges.channels(channel.bridge_id):
            found.setdefault((c.platform, c.chat_id), Target(
                c.platform, c.chat_id, c.chat_kind, c.language or cohort.default_language,
                c.title))
    return list(found.values())


def fallbacks(services: Services, cohort: Cohort, language: str) -> list[str]:
    """The languages to try for a chat: its own, the cohort's, the academy's original."""
    original = services.academy.default_language if services.academy else cohort.default_language
    return [language, cohort.default_language, original]


def signature(text: str, cohort: Cohort) -> str:
    """A hash of what decides an item's times for this cohort: the item's own rule and the
    cohort's dates, zone and release time."""
    basis = "|".join([text, cohort.zone.key, str(cohort.release_time),
                      *(str(getattr(cohort, p)) for p in (
                          "prelearning_start", "face_to_face_start", "face_to_face_end",
                          "impact_survey"))])
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


Planner = Callable[[], Awaitable[NewSchedule | None]]


async def ensure_planned(services: Services, cohort: Cohort, item: str, sig: str,
                         make: Planner) -> None:
    """One schedule for (cohort, item): kept when its signature is unchanged, otherwise
    the old one is cancelled and `make()` gives the new one (None: nothing to send)."""
    repo = services.activity
    known = (await repo.planned(cohort.code)).get(item)
    if known is not None and known.signature == sig:
        return
    if known is not None and known.schedule_id is not None:
        await services.schedules.cancel(known.schedule_id)
    new = await make()
    schedule_id = await services.schedules.add(new, services.clock.timestamp()) if new else None
    await repo.plan(cohort.code, item, sig, schedule_id)
    log.info("cohort %s: %s planned (schedule %s)", cohort.code, item, schedule_id)


async def drop_planned(services: Services, cohort: Cohort, keep: set[str],
                       prefix: str) -> None:
    """Cancel the schedules of items starting with `prefix` that are no longer wanted."""
    repo = services.activity
    for item, known in (await repo.planned(cohort.code)).items():
        if item.startswith(prefix) and item not in keep:
            if known.schedule_id is not None:
                await services.schedules.cancel(known.schedule_id)
            await repo.unplan(cohort.code, item)
            log.info("cohort %s: %s is no longer in the plan; cancelled", cohort.code, item)


async def plan_prompts(services: Services) -> None:
    """Start-up: every prompt of the plan scheduled once for every cohort."""
    if services.academy is None:
        return  # content unreadable: leave what was planned as it is
    plan = plan_of(services)
    now = services.clock.now()
    for cohort in services.cohorts.all():
        wanted: set[str] = set()
        for prompt in plan.prompts:
            item = f"prompt:{prompt.id}"
            wanted.add(item)

            async def make(prompt: Prompt = prompt, cohort: Cohort = cohort
                           ) -> NewSchedule | None:
                first = next(prompt.occurrences(cohort, now + timedelta(seconds=1)), None)
                if first is None:
                    return None  # already past: not sent late
                return NewSchedule(
                    kind=KIND, participant_id=None, platform="", chat_id="",
                    chat_kind=ChatKind.GROUP.value,
                    payload={"cohort": cohort.code, "prompt": prompt.id},
                    timezone=cohort.zone.key, next_at=first.timestamp(),
                    recurrence=prompt.every)

            await ensure_planned(services, cohort, item, signature(prompt.signature(), cohort),
                                 make)
        await drop_planned(services, cohort, wanted, "prompt:")


async def fire_prompt(services: Services, schedule: Schedule, firing: Firing) -> None:
    planned = await services.activity.of_schedule(schedule.id)
    cohort = services.cohorts.get(planned.cohort) if planned else None
    if services.academy is None:
        log.warning("schedule %d: the academy's content cannot be read; prompt not posted",
                    schedule.id)
        return
    prompt = plan_of(services).get(planned.item.removeprefix("prompt:")) if planned else None
    if planned is None or cohort is None or prompt is None:
        log.info("schedule %d: its cohort or prompt is gone; cancelled", schedule.id)
        await services.schedules.cancel(schedule.id)
        return
    last = prompt.window(cohort)[1] if prompt.recurring else firing.occurrence
    if firing.occurrence > last:
        await services.schedules.cancel(schedule.id)
        return
    try:
        if await survey_sent(services, cohort, prompt):
            log.info("cohort %s: prompt %s not posted (its survey was already sent)",
                     cohort.code, prompt.id)
            return
        if firing.late and services.clock.now() - firing.occurrence > MAX_LATE:
            log.warning("cohort %s: prompt %s of %s skipped (the bot was not running)",
                        cohort.code, prompt.id, firing.occurrence.isoformat())
            return
        await post(services, schedule, firing, cohort, prompt)
    finally:
        following = next(prompt.occurrences(cohort, firing.occurrence + timedelta(seconds=1)),
                         None) if prompt.recurring else None
        if prompt.recurring and following is None:
            await services.schedules.cancel(schedule.id)  # that was the last one


async def post(services: Services, schedule: Schedule, firing: Firing, cohort: Cohort,
               prompt: Prompt) -> int:
    n = prompt.index_of(cohort, firing.occurrence) if prompt.recurring else 0
    batch: list[tuple[OutboundMessage, str | None]] = []
    key = dedupe_key(schedule, firing)
    for target in await targets(services, cohort):
        language, text = prompt.text(fallbacks(services, cohort, target.language), n)
        pack = services.language_for(language)
        chat = ChatRef(target.platform, target.chat_id, ChatKind(target.chat_kind),
                       title=target.title)
        batch.append((OutboundMessage(chat, rtl_marked(text, pack)),
                      f"{key}:{target.platform}:{target.chat_id}"))
    added = await services.outbox.enqueue_many(batch, SCHEDULED) if batch else 0
    log.info("cohort %s: prompt %s posted in %d chat(s)", cohort.code, prompt.id, added)
    return added


async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    """Every occurrence of every prompt, recurring ones up to the impact survey (at most
    TIMELINE_LIMIT each)."""
    chats = await targets(services, cohort)
    channel = ", ".join(t.describe() for t in chats) or "no channel configured"
    languages = sorted({t.language for t in chats})
    audience = f"cohort channels ({', '.join(languages)})" if languages else "cohort channels"
    end = cohort.moment(cohort.impact_survey + timedelta(days=1), time(0, 0))
    planned = await services.activity.planned(cohort.code)
    entries: list[Planned] = []
    for prompt in plan_of(services).prompts:
        known = planned.get(f"prompt:{prompt.id}")
        schedule = await services.schedules.get(known.schedule_id) \
            if known is not None and known.schedule_id is not None else None
        sent = await survey_sent(services, cohort, prompt)
        for n, at in enumerate(prompt.occurrences(cohort)):
            if prompt.recurring and (n >= TIMELINE_LIMIT or at >= end):
                break
            _language, text = prompt.text(fallbacks(services, cohort, cohort.default_language),
                                          n)
            who = audience
            if sent:
                who = "not sent: the survey it announces was already sent"
            elif known is not None and (schedule is None or at.timestamp() < schedule.created_at):
                who = PAST
            entries.append(Planned(at, who, channel, text, KIND))
    return entries


async def survey_sent(services: Services, cohort: Cohort, prompt: Prompt) -> bool:
    """Whether `prompt` announces a survey the cohort has already received."""
    name = ANNOUNCED_SURVEYS.get(prompt.at.point) if prompt.at and prompt.at.days < 0 else None
    if name is None:
        return False
    waves = await services.surveys.waves(survey=name, cohort=cohort.code)
    return any(w.opened_at is not None for w in waves)


def setup(registry: CommandRegistry) -> None:
    registry.add_timed(KIND, fire_prompt)
    registry.startup.append(plan_prompts)
    registry.timeline.append(timeline)
