"""The survey engine: surveys (handlers/surveys/model.py, built from the academy's checked TOML),
taken one question at a time in a private chat, resumable, reviewed before submitting;
waves that invite a cohort and remind those who have not finished.

This module holds what the engine's parts share: the academy's surveys by name, their
repository, and the survey buttons' callback data. Taking a survey is
handlers/surveys/taking.py; waves, invitations and reminders are handlers/surveys/waves.py; the
interview shortlist and its slots are handlers/surveys/interviews.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.model import Button
from handlers.surveys.model import Survey, build_survey
from storage.surveys import SurveyRepository, Wave

if TYPE_CHECKING:
    from bot.services import Services

CALLBACK = "sv"
PRE_ASSESSMENT = "pre-assessment"


def surveys(services: Services) -> dict[str, Survey]:
    """The academy's surveys, built from their checked TOML on first use and kept: every
    answer and button press asks."""
    academy = services.academy
    if academy is None:
        return {}
    if academy.built_surveys is None:
        academy.built_surveys = {name: build_survey(data, academy.default_language)
                                 for name, data in academy.surveys.items()}
    return academy.built_surveys


def survey_named(services: Services, name: str) -> Survey | None:
    return surveys(services).get(name.strip().lower())


def repository(services: Services) -> SurveyRepository:
    return services.surveys


def button_data(wave: Wave, action: str, *parts: object) -> str:
    """A survey button's callback data: "sv:<wave>:<action>:<parts…>"."""
    return ":".join([CALLBACK, str(wave.id), action, *(str(p) for p in parts)])


def start_button(wave: Wave, label: str) -> list[list[Button]]:
    return [[Button(label, button_data(wave, "go"))]]
