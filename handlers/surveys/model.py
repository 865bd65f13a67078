"""A survey as facilitators write it (content/FORMAT.md), built from the academy's checked
TOML, and its answers as text: what the survey engine (engine.py and its parts beside
it), its reports and the content checker's property tests share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.args import choice, choices, normalized, number, numeric
from bot.buttons import MAX_INT, parse_int
from bot.i18n import _, join_list
from storage.surveys import Answers

# --- the model -------------------------------------------------------------------------
BUTTON_LABEL = 60  # characters shown on a button (Telegram and Discord cut longer ones)
_COMPARISON = re.compile(r"^\s*(>=|<=|!=|==|=|>|<)?\s*(-?\d+)\s*$")


@dataclass(frozen=True)
class Condition:
    """`when = { question = "x", answer = … }`: asked only if x's answer matches."""

    question: str
    kind: str  # the type of the question it refers to
    answer: str

    def holds(self, value: Any) -> bool:
        if value is None:
            return False
        if self.kind == "yesno":
            return str(value) == self.answer.strip().lower()
        match = _COMPARISON.match(self.answer)
        if match is None:
            return False
        op, number = match.group(1) or "==", int(match.group(2))
        if self.kind == "multiple":
            return isinstance(value, list) and number in value
        if not isinstance(value, int):
            return False
        return {"==": value == number, "=": value == number, "!=": value != number,
                ">": value > number, "<": value < number, ">=": value >= number,
                "<=": value <= number}[op]


@dataclass(frozen=True)
class Question:
    index: int
    id: str
    kind: str  # single | multiple | scale | text | yesno
    text: dict[str, str]
    options: dict[str, list[str]] = field(default_factory=dict)
    low: int = 1
    high: int = 5
    low_label: dict[str, str] = field(default_factory=dict)
    high_label: dict[str, str] = field(default_factory=dict)
    when: Condition | None = None
    shortlist: bool = False
    shortlist_options: frozenset[int] = frozenset()
    optional: bool = False

    def triggers_shortlist(self, value: Any) -> bool:
        if value is None:
            return False
        if self.kind == "yesno":
            return self.shortlist and value == "yes"
        if self.kind == "single":
            return value in self.shortlist_options
        if self.kind == "multiple":
            return isinstance(value, list) and bool(self.shortlist_options & set(value))
        return False


@dataclass(frozen=True)
class Survey:
    name: str
    anonymous: bool
    title: dict[str, str]
    intro: dict[str, str]
    questions: tuple[Question, ...]
    default_language: str

    def t(self, texts: dict[str, str], language: str) -> str:
        """A content text in `language`, else in the academy's default language."""
        return texts.get(language) or texts.get(self.default_language) or \
            next(iter(texts.values()), "")

    def options(self, q: Question, language: str) -> list[str]:
        return q.options.get(language) or q.options.get(self.default_language) or \
            next(iter(q.options.values()), [])

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    def applies(self, q: Question, answers: Answers) -> bool:
        if q.when is None:
            return True
        ref = self.question(q.when.question)
        if ref is None or not self.applies(ref, answers):
            return False
        return q.when.holds(answers.get(ref.id))

    def next_index(self, answers: Answers) -> int | None:
        """The first question to ask: it applies and has no answer yet."""
        return next((q.index for q in self.questions
                     if q.id not in answers and self.applies(q, answers)), None)

    def applicable(self, answers: Answers) -> list[Question]:
        return [q for q in self.questions if self.applies(q, answers)]

    def may_apply(self, q: Question, answers: Answers) -> bool:
        """It applies, or may once the question it depends on is answered."""
        if q.when is None:
            return True
        ref = self.question(q.when.question)
        if ref is None or not self.may_apply(ref, answers):
            return False
        return ref.id not in answers or q.when.holds(answers[ref.id])

    def clean(self, answers: Answers) -> Answers:
        """Only the answers to questions that apply (a changed answer may rule some out)."""
        return {q.id: answers[q.id] for q in self.applicable(answers) if q.id in answers}

    def shortlisted(self, answers: Answers) -> bool:
        return any(q.triggers_shortlist(answers.get(q.id)) for q in self.questions
                   if q.shortlist or q.shortlist_options)

    def declined_interview(self, answers: Answers) -> bool:
        """A yes/no question with the id `interview` answered "no": no slots offered."""
        return answers.get("interview") == "no"


def build_survey(data: dict[str, Any], default_language: str) -> Survey:
    """The model from a survey's TOML as the content checker accepted it."""
    kinds: dict[str, str] = {}
    questions: list[Question] = []
    for i, q in enumerate(data.get("questions", [])):
        when = q.get("when")
        condition = None
        if isinstance(when, dict):
            condition = Condition(str(when["question"]), kinds.get(str(when["question"]), ""),
                                  str(when.get("answer", "")).strip().lower())
        questions.append(Question(
            index=i, id=q["id"], kind=q["type"], text=dict(q.get("text", {})),
            options={k: list(v) for k, v in (q.get("options") or {}).items()},
            low=int(q.get("min", 1)), high=int(q.get("max", 5)),
            low_label=dict(q.get("min_label", {})), high_label=dict(q.get("max_label", {})),
            when=condition, shortlist=bool(q.get("shortlist", False)),
            shortlist_options=frozenset(int(n) for n in q.get("shortlist_options", [])),
            optional=bool(q.get("optional", False))))
        kinds[q["id"]] = q["type"]
    return Survey(data["name"], bool(data.get("anonymous", False)), dict(data.get("title", {})),
                  dict(data.get("intro", {})), tuple(questions), default_language)


# --- answers as text -------------------------------------------------------------------
def answer_text(survey: Survey, q: Question, value: Any, language: str) -> str:
    """An answer as the reader reads it (the active language for yes/no and "skipped")."""
    if value is None:
        return _("(skipped)")
    if q.kind == "yesno":
        return _("Yes") if value == "yes" else _("No")
    if q.kind == "single":
        options = survey.options(q, language)
        return options[value - 1] if 1 <= value <= len(options) else str(value)
    if q.kind == "multiple":
        options = survey.options(q, language)
        return join_list([options[v - 1] if 1 <= v <= len(options) else str(v)
                          for v in value], language)
    return str(value)


def choices_text(survey: Survey, q: Question, language: str) -> str:
    """The possible answers, as the reply to a typed answer that matches none repeats them."""
    if q.kind == "yesno":
        return _("Answer with the buttons, or type {yes} or {no}.").format(
            yes=_("Yes"), no=_("No"))
    if q.kind == "scale":
        return _("Choose a number from {low} to {high}.").format(low=q.low, high=q.high)
    lines = [f"{n}. {o}" for n, o in enumerate(survey.options(q, language), 1)]
    if q.kind == "multiple":
        head = _("Type the numbers of your choices (for example 1, 3) or press their "
                 "buttons: each one typed or pressed is selected, or unselected if it was. "
                 "Then press Done (or type it):")
    else:
        head = _("Type the number or the text of one option, or use the buttons:")
    return head + "\n" + "\n".join(lines)


def button_label(text: str) -> str:
    return text if len(text) <= BUTTON_LABEL else text[:BUTTON_LABEL - 1].rstrip() + "…"


def button_value(q: Question, raw: str, options: int) -> Any | None:
    """The answer a button's data carries, if it fits the question."""
    if q.kind == "yesno":
        return raw if raw in ("yes", "no") else None
    value = parse_int(raw, -MAX_INT)
    if value is None:
        return None
    if q.kind == "scale":
        return value if q.low <= value <= q.high else None
    if q.kind == "single":
        return value if 1 <= value <= options else None
    return None


# Yes and no as people type them in the bot's languages (and 1/2, the buttons' order).
_YES = frozenset({"yes", "y", "oui", "sí", "si", "sim", "نعم", "ايوه", "أجل"})
_NO = frozenset({"no", "n", "non", "não", "nao", "لا"})


def parse_typed(survey: Survey, q: Question, text: str, language: str) -> Any | None:
    """A typed answer to a button question: the option's number (in any script's digits)
    or its text in any of the survey's languages; for a scale, its number or one of its end
    labels; for several choices, a list ("1, 3", "١، ٣", "ODD 8; Genre")."""
    typed = normalized(text)
    if not typed:
        return None
    if q.kind == "yesno":
        if numeric(typed):
            return {1: "yes", 2: "no"}.get(number(typed, 1, 2) or 0)
        if typed in _YES or typed == normalized(_("Yes")):
            return "yes"
        return "no" if typed in _NO or typed == normalized(_("No")) else None
    if q.kind == "scale":
        if numeric(typed):
            return number(typed, q.low, q.high)
        ends = [(q.low, label) for label in q.low_label.values()] + \
            [(q.high, label) for label in q.high_label.values()]
        return next((value for value, label in ends if normalized(label) == typed), None)
    every = [survey.options(q, language)] + [v for k, v in q.options.items() if k != language]
    if q.kind == "single":
        return choice(typed, every)
    return choices(typed, every)
