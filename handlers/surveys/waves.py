"""Waves, invitations and reminders: a wave sends a survey to a cohort (when a facilitator
starts it, or by itself on the cohort's dates); each member is invited once, newcomers
when they join, and reminded until they finish. Also the survey lines of the timeline."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.i18n import _, rtl_marked, use_language
from bot.model import ChatKind, ChatRef, OutboundMessage
from bot.outbox import BULK, SCHEDULED
from handlers.surveys.engine import PRE_ASSESSMENT, repository, start_button, survey_named, surveys
from handlers.surveys.model import Survey
from storage.schedules import NewSchedule, Schedule
from storage.surveys import Wave

if TYPE_CHECKING:
    from bot.scheduler import Firing
    from bot.services import Services
    from bot.timeline import Planned
    from handlers.cohorts import Cohort

log = logging.getLogger("bot.surveys")

WAVE_KIND = "survey_wave"
REMINDER_KIND = "survey_reminder"
DAY = 86400.0
# The waves the bot sends by itself: survey name -> the cohort date it opens on (and when).
ASSESSMENT_TIME = time(16, 0)  # the last afternoon of the face-to-face week


def scheduled_moment(name: str, cohort: Cohort) -> datetime | None:
    if name == PRE_ASSESSMENT:
        return cohort.moment(cohort.prelearning_start)
    if name == "assessment":
        return cohort.moment(cohort.face_to_face_end, ASSESSMENT_TIME)
    if name == "impact":
        return cohort.moment(cohort.impact_survey)
    return None


# --- waves, invitations, reminders -----------------------------------------------------
def reminder_days(services: Services, survey: str) -> list[int]:
    section = services.config.surveys
    return sorted(section.reminder_days_by_survey.get(survey, section.reminder_days))


def private_chat(platform: str, user_id: str) -> ChatRef:
    return ChatRef(platform, user_id, ChatKind.PRIVATE)


async def invite(services: Services, wave: Wave, survey: Survey, participant_id: int, *,
                 send: bool = True) -> bool:
    """Invite one participant (once per wave), with their reminders; True when new."""
    repo = repository(services)
    if await repo.consent_declined(participant_id):
        return False
    reach = await repo.reach(participant_id)
    if reach is None:
        return False
    now = services.clock.timestamp()
    if not await repo.invite(wave.id, reach, now):
        return False
    cohort = services.cohorts.get(wave.cohort)
    zone = cohort.zone.key if cohort else services.config.bot.timezone
    days = wave.reminder_days
    await services.schedules.add_many([
        NewSchedule(kind=REMINDER_KIND, participant_id=participant_id, platform=reach.platform,
                    chat_id=reach.user_id, chat_kind="private",
                    payload={"wave": wave.id, "n": n, "of": len(days)}, timezone=zone,
                    next_at=now + d * DAY)
        for n, d in enumerate(days, 1)], now)
    if send:
        with use_language(services.language_for(reach.language)) as pack:
            title = survey.t(survey.title, pack.code)
            text = _("📋 {title}\nYou are invited to answer this survey. It is taken here, "
                     "one question at a time; you can pause and continue later.").format(
                title=title)
            if survey.anonymous:
                text += "\n" + _("It is anonymous: your answers are stored without your name.")
            msg = OutboundMessage(private_chat(reach.platform, reach.user_id),
                                  rtl_marked(text, pack),
                                  buttons=start_button(wave, _("Start")))
        await services.outbox.enqueue(msg, priority=BULK,
                                      dedupe_key=f"survey-invite:{wave.id}:{participant_id}")
    return True


async def may_take(services: Services, wave: Wave, participant_id: int) -> bool:
    """Whether this participant may answer this wave (a survey button names its wave, and
    the data of a button is whatever a client sends): the wave is open, and they were
    invited to it or belong to its cohort."""
    if wave.status != "open":
        return False
    if await repository(services).invitation(wave.id, participant_id) is not None:
        return True
    return wave.cohort in {c.code for c in await services.cohorts.of_participant(participant_id)}


async def invite_cohort(services: Services, wave: Wave, survey: Survey) -> int:
    count = 0
    for member in await services.cohorts.repo.members(wave.cohort):
        if await invite(services, wave, survey, member.participant_id):
            count += 1
    await services.scheduler.rearm()
    return count


async def open_wave(services: Services, survey: Survey, cohort: Cohort,
                    started_by: int | None) -> tuple[Wave, bool, int]:
    """Open (or find open) the survey's wave for the cohort and invite its members."""
    repo = repository(services)
    wave, opened = await repo.open_wave(survey.name, cohort.code, services.clock.timestamp(),
                                        started_by, reminder_days(services, survey.name))
    if opened and wave.schedule_id:
        await services.schedules.cancel(wave.schedule_id)
    invited = await invite_cohort(services, wave, survey)
    if opened:
        log.info("survey %s opened for cohort %s: %d invited", survey.name, cohort.code,
                 invited)
    return wave, opened, invited


async def cancel_reminders(services: Services, wave_id: int, participant_id: int) -> None:
    for schedule in await services.schedules.active(kind=REMINDER_KIND,
                                                    participant_id=participant_id):
        if schedule.data.get("wave") == wave_id:
            await services.schedules.cancel(schedule.id)
    await services.scheduler.rearm()


async def fire_wave(services: Services, schedule: Schedule, firing: Firing) -> None:
    wave = await repository(services).wave(int(schedule.data["wave"]))
    survey = survey_named(services, wave.survey) if wave else None
    cohort = services.cohorts.get(wave.cohort) if wave else None
    if wave is None or survey is None or cohort is None:
        return
    await open_wave(services, survey, cohort, None)


async def fire_reminder(services: Services, schedule: Schedule, firing: Firing) -> None:
    repo = repository(services)
    wave = await repo.wave(int(schedule.data["wave"]))
    participant_id = schedule.participant_id or 0
    invitation = await repo.invitation(wave.id, participant_id) if wave else None
    survey = survey_named(services, wave.survey) if wave else None
    if wave is None or survey is None or invitation is None or invitation.completed:
        return
    reach = await repo.reach(participant_id)
    if reach is None:
        return
    session = await repo.session(wave.id, participant_id)
    with use_language(services.language_for(reach.language)) as pack:
        title = survey.t(survey.title, pack.code)
        if session is None:
            text = _("⏰ Reminder: \"{title}\" is waiting for your answers.").format(title=title)
        else:
            text = _("⏰ Reminder: you started \"{title}\"; your answers so far are saved."
                     ).format(title=title)
        if schedule.data.get("n") == schedule.data.get("of"):
            text += "\n" + _("This is the last reminder.")
        label = _("Continue") if session else _("Start")
        msg = OutboundMessage(private_chat(reach.platform, reach.user_id), rtl_marked(text, pack),
                              buttons=start_button(wave, label))
    from bot.scheduler import dedupe_key

    await services.outbox.enqueue(msg, priority=SCHEDULED,
                                  dedupe_key=dedupe_key(schedule, firing))


async def plan_waves(services: Services) -> None:
    """At start-up: the scheduled waves of every cohort exist (once) with their schedule."""
    known = surveys(services)
    repo = repository(services)
    now = services.clock.timestamp()
    for cohort in services.cohorts.all():
        for name in (PRE_ASSESSMENT, "assessment", "impact"):
            moment = scheduled_moment(name, cohort)
            if name not in known or moment is None:
                continue
            at = moment.timestamp()
            wave = await repo.plan_wave(name, cohort.code, at, reminder_days(services, name)) \
                or await repo.wave_for(name, cohort.code)
            if wave is None or wave.status != "planned":
                continue
            if wave.schedule_id is not None and wave.opens_at == at:
                existing = await services.schedules.get(wave.schedule_id)
                if existing is not None and existing.status == "active":
                    continue
            if wave.schedule_id is not None:  # the cohort's dates changed
                await services.schedules.cancel(wave.schedule_id)
            schedule_id = await services.schedules.add(NewSchedule(
                kind=WAVE_KIND, participant_id=None, platform="bot",
                chat_id=f"cohort:{cohort.code}", chat_kind="group",
                payload={"wave": wave.id, "survey": name, "cohort": cohort.code},
                timezone=cohort.zone.key, next_at=at), now)
            await repo.set_wave_schedule(wave.id, schedule_id, at)


async def on_enrolled(services: Services, cohort: Cohort, participant_id: int) -> None:
    """A newcomer gets the invitations of the cohort's open waves."""
    invited = False
    for wave in await repository(services).waves(cohort=cohort.code, status="open"):
        survey = survey_named(services, wave.survey)
        if survey is not None:
            invited |= await invite(services, wave, survey, participant_id)
    if invited:
        await services.scheduler.rearm()


async def timeline(services: Services, cohort: Cohort) -> list[Planned]:
    from bot.timeline import Planned

    entries: list[Planned] = []
    known = surveys(services)
    waves = {w.survey: w for w in await repository(services).waves(cohort=cohort.code)}
    names = [n for n in known if n in waves or scheduled_moment(n, cohort) is not None]
    with use_language(services.language_for(cohort.default_language)):
        for name in names:
            survey = known[name]
            wave = waves.get(name)
            moment = scheduled_moment(name, cohort)
            if wave is not None:
                at = datetime.fromtimestamp(wave.opened_at or wave.opens_at, UTC)
                days = wave.reminder_days
            else:
                assert moment is not None
                at, days = moment, reminder_days(services, name)
            title = survey.t(survey.title, cohort.default_language)
            entries.append(Planned(at, "each participant of the cohort (then each newcomer)",
                                   "private message", f"📋 {title} (survey {name})", "survey"))
            for n, d in enumerate(days, 1):
                entries.append(Planned(
                    at + timedelta(days=d), "participants who have not finished",
                    "private message",
                    f"⏰ Reminder {n} of {len(days)}: {title} ({d} days after the invitation)",
                    "reminder"))
    return entries
