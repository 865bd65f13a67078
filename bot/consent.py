"""Consent, checked in one place for every feature.

Without consent the bot keeps only what it needs to talk to someone at all: their accounts
(platform, user id, display name, when seen), their language and the consent choice itself
(given, declined, or asked and not answered yet, with its date). Every feature that stores
more declares it where it is registered (`Command.needs_consent`, or `needs_consent=True`
for a button prefix, a message handler or an event handler); the dispatcher checks it
before the handler runs, so a new feature cannot forget to ask. The refusal says why and
carries an "I agree" button; pressing it records consent and carries on with the command
that was refused.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.i18n import _
from bot.model import Button, Event

if TYPE_CHECKING:
    from bot.context import Context
    from storage.participants import Participant

CONSENT = "consent"  # the button prefix: consent:yes / consent:no
GIVEN, DECLINED = "given", "declined"
# Refused commands kept to carry on with once consent is given: the latest one per person,
# in memory only (a restart forgets them), and never more than this many people.
PENDING_LIMIT = 1000


def has_consent(participant: Participant) -> bool:
    return participant.consent == GIVEN


def agree_buttons() -> list[list[Button]]:
    return [[Button(_("I agree"), f"{CONSENT}:yes")]]


@dataclass
class ConsentGate:
    pending: OrderedDict[int, Event] = field(default_factory=OrderedDict)

    async def refuse(self, ctx: Context, *, resumable: bool) -> None:
        """Tell the reader this needs their consent, with the button that gives it; a
        refused command is run once they press it."""
        pid = ctx.participant.id
        if resumable:
            self.pending.pop(pid, None)
            self.pending[pid] = ctx.event
            while len(self.pending) > PENDING_LIMIT:
                self.pending.popitem(last=False)
        await ctx.services.participants.mark_consent_asked(pid, ctx.services.clock.now())
        text = _("To do this I need to store more about you than your account and language "
                 "(your progress, answers, reminders or cohort), and you have not agreed to "
                 "that. Press \"I agree\" to give your consent; type {whoami} to see what I "
                 "store about you now.").format(whoami=ctx.command("whoami"))
        if ctx.event.chat.is_private:
            await ctx.reply(text, buttons=agree_buttons())
        else:  # the button is theirs: never in the group
            await ctx.reply_private(text, buttons=agree_buttons())
            await ctx.reply(_("I have answered you in a private message."))

    def resume(self, participant_id: int) -> Event | None:
        """The command refused for want of consent, once: None when there is none."""
        return self.pending.pop(participant_id, None)
