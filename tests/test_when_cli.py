"""`python -m bot when`: one JSON line for a time it reads, exit 1 with the localized
question or error for one it cannot, in every interface language."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-12-02T10:30:00+01:00"  # a Wednesday


def when(language: str, text: str, zone: str = "Europe/Paris",
         now: str = NOW) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(REPO / "no-such-config.toml"), "when",
         "--lang", language, "--zone", zone, "--now", now, text],
        cwd=REPO, capture_output=True, text=True, encoding="utf-8", timeout=60)


@pytest.mark.parametrize(("language", "text", "first", "rest"), [
    ("en", "tomorrow 9:00 read unit 2", "2026-12-03T09:00:00+01:00", "read unit 2"),
    ("fr", "à 17h envoyer le rapport", "2026-12-02T17:00:00+01:00", "envoyer le rapport"),
    ("es", "el 15 de diciembre a las 18:00 fiesta", "2026-12-15T18:00:00+01:00", "fiesta"),
    ("pt", "daqui a 45 minutos ligar", "2026-12-02T11:15:00+01:00", "ligar"),
    ("ar", "بعد ساعتين اتصل", "2026-12-02T12:30:00+01:00", "اتصل"),
])
def test_a_one_off_prints_one_json_line(language: str, text: str, first: str, rest: str
                                        ) -> None:
    done = when(language, text)
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert json.loads(line) == {"first": first, "then": [], "text": rest}


@pytest.mark.parametrize(("language", "text", "rest"), [
    ("en", "every monday 10:00 weekly check-in", "weekly check-in"),
    ("fr", "tous les lundis à 10h point hebdo", "point hebdo"),
    ("es", "todos los lunes a las 10:00 reunión", "reunión"),
    ("pt", "todas as segundas às 10h reunião", "reunião"),
    ("ar", "كل اثنين الساعة 10:00 اجتماع", "اجتماع"),
])
def test_a_recurrence_prints_the_next_two(language: str, text: str, rest: str) -> None:
    done = when(language, text)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "first": "2026-12-07T10:00:00+01:00",
        "then": ["2026-12-14T10:00:00+01:00", "2026-12-21T10:00:00+01:00"], "text": rest}


@pytest.mark.parametrize(("language", "text", "answer"), [
    ("en", "tomorrow at 9 read unit 2", "Did you mean 09:00 or 21:00?"),
    ("fr", "demain à 9 appeler Ana", "Vouliez-vous dire 09:00 ou 21:00\u202f?"),
    ("es", "mañana a las 9 leer", "¿Quiso decir 09:00 o 21:00?"),
    ("pt", "amanhã às 9 ler", "Queria dizer 09:00 ou 21:00?"),
    ("ar", "غدا الساعة 9 اقرأ", "هل تقصد 09:00 أم 21:00؟"),
    ("en", "call Ana tomorrow", 'I could not read a time at the start of "call Ana tomorrow".'),
    ("fr", "appeler Ana demain", "Je n’ai pas pu lire une heure au début de «\u202fappeler Ana "
                                 "demain\u202f»."),
    ("es", "llamar a Ana", "No pude leer una hora al principio de «llamar a Ana»."),
    ("pt", "ligar à Ana", "Não consegui ler uma hora no início de «ligar à Ana»."),
    ("ar", "اتصل بآنا", "لم أستطع قراءة وقت في بداية «اتصل بآنا»."),
])
def test_what_it_cannot_read_exits_1_with_the_localized_answer(language: str, text: str,
                                                               answer: str) -> None:
    done = when(language, text)
    assert (done.returncode, done.stdout, done.stderr.strip()) == (1, "", answer)


def test_the_offset_follows_the_zone_and_the_season() -> None:
    done = when("en", "june 15 at 10:00 exam", zone="America/Sao_Paulo")
    assert json.loads(done.stdout)["first"] == "2027-06-15T10:00:00-03:00"
    done = when("fr", "le 15 juin à 10h examen")
    assert json.loads(done.stdout)["first"] == "2027-06-15T10:00:00+02:00"
