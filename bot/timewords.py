"""The words of time expressions in each interface language, for bot/timeparse.py.

Each entry maps a phrase (one or more words, compared after `fold`) to what it means:
  every, daily          a recurrence ("every", "tous les"; "daily", "كل يوم")
  dayword               "day" after "every"
  rel                   "in" before a duration ("dans", "daqui a", "بعد")
  reld N                a day N days from today ("tomorrow" = 1)
  wd N                  a weekday, Monday = 0 (plural forms too: "lundis", "segundas")
  month N               a month, January = 1
  period P              morning, afternoon, evening, night (plural forms after "every")
  clock H               a fixed clock time: noon 12, midnight 0
  ampm P                am / pm
  mark                  a word announcing a clock time ("at", "à", "a las", "الساعة")
  hword                 "h", "heures", "horas" after an hour
  fill                  a word that may stand before a day ("on", "le", "el", "na", "يوم")
  unit M                a duration unit, in minutes
  count N               a number word before a unit ("two", "deux", "dos")
  dur M                 a whole duration ("half an hour", "ساعتين" = two hours)
English words are understood in every language (people type the bot's English examples),
except the few that are words of their own there ("a", "on", "mar").
"""

from __future__ import annotations

import re
import unicodedata

Meaning = tuple[str, int | str | None]

_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0640\u0670]")  # harakat, tatweel
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ARABIC_LETTERS = str.maketrans("أإآىة", "ااايه")


def fold(word: str) -> str:
    """Lower case, no Latin accents, one spelling of Arabic letters, ASCII digits."""
    word = _ARABIC_MARKS.sub("", word.lower().translate(_ARABIC_DIGITS))
    word = word.translate(_ARABIC_LETTERS).replace("’", "'")
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _days(names: str) -> dict[str, Meaning]:
    """"mon|monday|mondays tue|…": seven groups separated by spaces, forms by "|"."""
    return {form: ("wd", i) for i, group in enumerate(names.split()) for form in
            group.replace("_", " ").split("|")}


def _months(names: str) -> dict[str, Meaning]:
    return {form: ("month", i + 1) for i, group in enumerate(names.split()) for form in
            group.replace("_", " ").split("|")}


def _units(minute: str, hour: str, day: str, week: str) -> dict[str, Meaning]:
    table: dict[str, Meaning] = {}
    for forms, minutes in ((minute, 1), (hour, 60), (day, 1440), (week, 10080)):
        table.update({f: ("unit", minutes) for f in forms.split("|")})
    return table


_EN: dict[str, Meaning] = {
    "every": ("every", None), "each": ("every", None), "daily": ("daily", None),
    "day": ("dayword", None), "days": ("dayword", None),
    "in": ("rel", None), "within": ("rel", None),
    "today": ("reld", 0), "tomorrow": ("reld", 1), "day after tomorrow": ("reld", 2),
    "the day after tomorrow": ("reld", 2), "tonight": ("reld", "tonight"),
    "morning": ("period", "morning"), "in the morning": ("period", "morning"),
    "this morning": ("period", "morning"), "mornings": ("period", "morning"),
    "afternoon": ("period", "afternoon"), "in the afternoon": ("period", "afternoon"),
    "this afternoon": ("period", "afternoon"), "afternoons": ("period", "afternoon"),
    "evening": ("period", "evening"), "in the evening": ("period", "evening"),
    "this evening": ("period", "evening"), "evenings": ("period", "evening"),
    "night": ("period", "night"), "at night": ("period", "night"),
    "noon": ("clock", 12), "midday": ("clock", 12), "at noon": ("clock", 12),
    "midnight": ("clock", 0), "at midnight": ("clock", 0),
    "am": ("ampm", "am"), "a.m.": ("ampm", "am"), "pm": ("ampm", "pm"), "p.m.": ("ampm", "pm"),
    "at": ("mark", None), "o'clock": ("hword", None),
    "on": ("fill", None), "next": ("fill", None), "this": ("fill", None),
    "a": ("count", 1), "an": ("count", 1), "one": ("count", 1), "two": ("count", 2),
    "three": ("count", 3), "half an hour": ("dur", 30), "an hour and a half": ("dur", 90),
    "a quarter of an hour": ("dur", 15),
    **_units("minute|minutes|min|mins", "hour|hours|hr|hrs", "day|days", "week|weeks"),
    **_days("monday|mondays tuesday|tuesdays wednesday|wednesdays thursday|thursdays "
            "friday|fridays saturday|saturdays sunday|sundays"),
    **_months("january|jan february|feb march|mar april|apr may june|jun july|jul "
              "august|aug september|sep|sept october|oct november|nov december|dec"),
}

_FR: dict[str, Meaning] = {
    "chaque": ("every", None), "tous les": ("every", None), "toutes les": ("every", None),
    "quotidiennement": ("daily", None), "tous les jours": ("daily", None),
    "jour": ("dayword", None), "jours": ("dayword", None),
    "dans": ("rel", None), "d'ici": ("rel", None),
    "aujourd'hui": ("reld", 0), "demain": ("reld", 1), "apres-demain": ("reld", 2),
    "apres demain": ("reld", 2), "ce soir": ("reld", "tonight"),
    "matin": ("period", "morning"), "le matin": ("period", "morning"),
    "du matin": ("period", "morning"), "ce matin": ("period", "morning"),
    "matins": ("period", "morning"), "apres-midi": ("period", "afternoon"),
    "l'apres-midi": ("period", "afternoon"), "de l'apres-midi": ("period", "afternoon"),
    "cet apres-midi": ("period", "afternoon"), "soir": ("period", "evening"),
    "le soir": ("period", "evening"), "du soir": ("period", "evening"),
    "soirs": ("period", "evening"), "nuit": ("period", "night"),
    "la nuit": ("period", "night"), "cette nuit": ("period", "night"),
    "midi": ("clock", 12), "a midi": ("clock", 12), "minuit": ("clock", 0),
    "a minuit": ("clock", 0), "a": ("mark", None), "vers": ("mark", None),
    "h": ("hword", None), "heure": ("hword", None), "heures": ("hword", None),
    "le": ("fill", None), "ce": ("fill", None), "prochain": ("fill", None),
    "prochaine": ("fill", None),
    "un": ("count", 1), "une": ("count", 1), "deux": ("count", 2), "trois": ("count", 3),
    "une demi-heure": ("dur", 30), "une heure et demie": ("dur", 90),
    "un quart d'heure": ("dur", 15),
    **_units("minute|minutes|min|mn", "heure|heures|h", "jour|jours", "semaine|semaines"),
    **_days("lundi|lundis mardi|mardis mercredi|mercredis jeudi|jeudis vendredi|vendredis "
            "samedi|samedis dimanche|dimanches"),
    **_months("janvier|janv fevrier|fevr mars avril|avr mai juin juillet|juil aout "
              "septembre|sept octobre|oct novembre|nov decembre|dec"),
}

_ES: dict[str, Meaning] = {
    "cada": ("every", None), "todos los": ("every", None), "todas las": ("every", None),
    "diariamente": ("daily", None), "todos los dias": ("daily", None),
    "dia": ("dayword", None), "dias": ("dayword", None),
    "en": ("rel", None), "dentro de": ("rel", None),
    "hoy": ("reld", 0), "manana": ("reld", 1), "pasado manana": ("reld", 2),
    "esta noche": ("reld", "tonight"),
    "por la manana": ("period", "morning"), "de la manana": ("period", "morning"),
    "en la manana": ("period", "morning"), "esta manana": ("period", "morning"),
    "mananas": ("period", "morning"),
    "por la tarde": ("period", "afternoon"), "de la tarde": ("period", "afternoon"),
    "en la tarde": ("period", "afternoon"), "esta tarde": ("period", "afternoon"),
    "tardes": ("period", "afternoon"),
    "por la noche": ("period", "night"), "de la noche": ("period", "night"),
    "en la noche": ("period", "night"), "noches": ("period", "night"),
    "mediodia": ("clock", 12), "al mediodia": ("clock", 12), "a mediodia": ("clock", 12),
    "medianoche": ("clock", 0), "a medianoche": ("clock", 0),
    "a las": ("mark", None), "a la": ("mark", None), "sobre las": ("mark", None),
    "hora": ("hword", None), "horas": ("hword", None), "h": ("hword", None),
    "el": ("fill", None), "este": ("fill", None), "proximo": ("fill", None),
    "que viene": ("fill", None),
    "un": ("count", 1), "una": ("count", 1), "dos": ("count", 2), "tres": ("count", 3),
    "media hora": ("dur", 30), "una hora y media": ("dur", 90),
    "un cuarto de hora": ("dur", 15),
    **_units("minuto|minutos|min", "hora|horas|h", "dia|dias", "semana|semanas"),
    **_days("lunes martes miercoles jueves viernes sabado|sabados domingo|domingos"),
    **_months("enero febrero marzo abril mayo junio julio agosto septiembre|setiembre "
              "octubre noviembre diciembre"),
}

_PT: dict[str, Meaning] = {
    "cada": ("every", None), "todos os": ("every", None), "todas as": ("every", None),
    "toda": ("every", None), "todo": ("every", None),
    "diariamente": ("daily", None), "todos os dias": ("daily", None),
    "dia": ("dayword", None), "dias": ("dayword", None),
    "daqui a": ("rel", None), "em": ("rel", None), "dentro de": ("rel", None),
    "hoje": ("reld", 0), "amanha": ("reld", 1), "depois de amanha": ("reld", 2),
    "hoje a noite": ("reld", "tonight"), "esta noite": ("reld", "tonight"),
    "de manha": ("period", "morning"), "da manha": ("period", "morning"),
    "pela manha": ("period", "morning"), "esta manha": ("period", "morning"),
    "manhas": ("period", "morning"),
    "a tarde": ("period", "afternoon"), "da tarde": ("period", "afternoon"),
    "de tarde": ("period", "afternoon"), "esta tarde": ("period", "afternoon"),
    "pela tarde": ("period", "afternoon"), "tardes": ("period", "afternoon"),
    "a noite": ("period", "night"), "da noite": ("period", "night"),
    "de noite": ("period", "night"), "noites": ("period", "night"),
    "meio-dia": ("clock", 12), "ao meio-dia": ("clock", 12), "meia-noite": ("clock", 0),
    "a meia-noite": ("clock", 0),
    "as": ("mark", None), "a": ("mark", None), "pelas": ("mark", None),
    "hora": ("hword", None), "horas": ("hword", None), "h": ("hword", None),
    "na": ("fill", None), "no": ("fill", None), "nesta": ("fill", None),
    "neste": ("fill", None), "proxima": ("fill", None), "proximo": ("fill", None),
    "um": ("count", 1), "uma": ("count", 1), "dois": ("count", 2), "duas": ("count", 2),
    "tres": ("count", 3), "meia hora": ("dur", 30), "meia-hora": ("dur", 30),
    "uma hora e meia": ("dur", 90), "um quarto de hora": ("dur", 15),
    **_units("minuto|minutos|min", "hora|horas|h", "dia|dias", "semana|semanas"),
    **_days("segunda|segunda-feira|segundas|segundas-feiras terca|terca-feira|tercas "
            "quarta|quarta-feira|quartas quinta|quinta-feira|quintas sexta|sexta-feira|sextas "
            "sabado|sabados domingo|domingos"),
    **_months("janeiro fevereiro marco abril maio junho julho agosto setembro outubro "
              "novembro dezembro"),
}

_AR: dict[str, Meaning] = {
    "كل": ("every", None), "يوميا": ("daily", None), "يوم": ("dayword", None),
    "بعد": ("rel", None), "خلال": ("rel", None), "في غضون": ("rel", None),
    "اليوم": ("reld", 0), "غدا": ("reld", 1), "غد": ("reld", 1), "بكره": ("reld", 1),
    "بكرا": ("reld", 1), "الغد": ("reld", 1), "بعد غد": ("reld", 2),
    "بعد الغد": ("reld", 2), "الليله": ("reld", "tonight"), "هذا المساء": ("reld", "tonight"),
    "صباحا": ("period", "morning"), "صباح": ("period", "morning"),
    "الصباح": ("period", "morning"), "في الصباح": ("period", "morning"),
    "الصبح": ("period", "morning"), "ظهرا": ("period", "afternoon"),
    "بعد الظهر": ("period", "afternoon"), "عصرا": ("period", "afternoon"),
    "مساء": ("period", "evening"), "المساء": ("period", "evening"),
    "في المساء": ("period", "evening"), "مساءا": ("period", "evening"),
    "ليلا": ("period", "night"), "في الليل": ("period", "night"),
    "الظهر": ("clock", 12), "منتصف الليل": ("clock", 0),
    "الساعه": ("mark", None), "في الساعه": ("mark", None), "عند الساعه": ("mark", None),
    "على الساعه": ("mark", None),
    "في": ("fill", None), "القادم": ("fill", None), "القادمه": ("fill", None),
    "المقبل": ("fill", None), "هذا": ("fill", None),
    "ساعتين": ("dur", 120), "ساعتان": ("dur", 120), "دقيقتين": ("dur", 2),
    "دقيقتان": ("dur", 2), "يومين": ("dur", 2880), "يومان": ("dur", 2880),
    "اسبوعين": ("dur", 20160), "نصف ساعه": ("dur", 30), "ربع ساعه": ("dur", 15),
    "ساعه ونصف": ("dur", 90),
    **_units("دقيقه|دقائق|دقايق|د", "ساعه|ساعات", "يوم|ايام", "اسبوع|اسابيع"),
    **_days("الاثنين|اثنين|الاتنين الثلاثاء|ثلاثاء الاربعاء|اربعاء الخميس|خميس "
            "الجمعه|جمعه السبت|سبت الاحد|احد"),
    **_months("يناير|كانون_الثاني فبراير|شباط مارس|اذار ابريل|نيسان مايو|ايار "
              "يونيو|يونيه|حزيران يوليو|يوليه|تموز اغسطس|اب سبتمبر|ايلول "
              "اكتوبر|تشرين_الاول نوفمبر|تشرين_الثاني ديسمبر|كانون_الاول"),
}

_BY_LANGUAGE = {"en": _EN, "fr": _FR, "es": _ES, "pt": _PT, "ar": _AR}
_ENGLISH_ONLY = {"a", "an", "on", "mar"}  # words of their own elsewhere ("mar": sea)


def lexicon(language: str) -> dict[tuple[str, ...], Meaning]:
    """Phrases as tuples of folded words, the language's own winning over English."""
    own = _BY_LANGUAGE.get(language, _EN)
    merged: dict[str, Meaning] = {}
    if own is not _EN:
        merged.update({k: v for k, v in _EN.items() if k not in _ENGLISH_ONLY})
    merged.update(own)
    return {tuple(fold(w) for w in phrase.split()): meaning
            for phrase, meaning in merged.items()}
