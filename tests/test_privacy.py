"""/mydata and /forgetme: everything stored about a person, exported, then erased."""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.app import sync_bridges
from bot.i18n import _, use_language
from bot.model import ChatKind, ChatRef, Event, EventKind, UserRef
from storage.db import Database
from storage.privacy import PersonalData
from tests.harness import ConsoleHarness, make_config, open_console, table_names

BRIDGE = {"bridges": [{"name": "academy", "channels": [
    {"platform": "console", "chat_id": "lobby", "language": "en"},
    {"platform": "console", "chat_id": "salon", "language": "fr"},
]}]}
# Zoé's Telegram account; her console account is "zoeq".
TG_ID, TG_NAME = "735519123", "Zoé Quintana"
# Other people come first, so that her participant ids are numbers found nowhere else.
BOB_ID = 424242


def telegram(text: str, language: str | None = "fr") -> Event:
    name, *args = text.lstrip("/").split()
    return Event(EventKind.COMMAND, "telegram", ChatRef("telegram", TG_ID, ChatKind.PRIVATE),
                 UserRef("telegram", TG_ID, TG_NAME, language_hint=language),
                 datetime.now(UTC), native_id="7", text=text, command=name, args=args)


async def last_payload(h: ConsoleHarness, platform: str, chat_id: str) -> dict[str, Any]:
    row = await h.bot.services.db.fetchone(
        "SELECT payload FROM outbox WHERE platform = ? AND chat_id = ? ORDER BY id DESC LIMIT 1",
        (platform, chat_id))
    assert row is not None
    return dict(json.loads(row[0]))


async def everything(db: Database) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every value of every table, virtual ones included."""
    tables = await table_names(db)
    found = []
    for table in tables:
        for row in await db.fetchall(f'SELECT * FROM "{table}"'):
            for column in row.keys():
                found.append((table, column, row[column]))
    return found


def traces(values: list[tuple[str, str, Any]], needles: list[str], ids: set[int]
           ) -> list[tuple[str, str, Any]]:
    """Values that mention a needle (text, any case) or are one of `ids` (numbers)."""
    lowered = [n.casefold() for n in needles]
    hits = []
    for table, column, value in values:
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and any(n in value.casefold() for n in lowered):
            hits.append((table, column, value))
        elif isinstance(value, int) and value in ids:
            hits.append((table, column, value))
    return hits


def exists(path: Path) -> bool:
    return path.exists()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def read_json(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


async def bridged(h: ConsoleHarness, tmp_path: Path) -> None:
    s = h.bot.services
    s.config = make_config(tmp_path, **BRIDGE, facilitators={"console": ["fac"]})
    await sync_bridges(s.config, s)


async def test_mydata_sends_a_private_file_with_every_row_about_the_reader(tmp_path: Path
                                                                          ) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        s = h.bot.services
        await bridged(h, tmp_path)
        await h.send("ana", "/start", language="en")
        await h.press("ana", "I agree")
        await h.send("ana", "/remind tomorrow 9:00 read unit 2")
        h.adapter._group = "lobby"
        await h.send("ana", "Hello everyone")
        h.adapter._group = None
        await h.send("bob", "/start", language="en")
        replies = await h.send("ana", "/mydata")
        assert replies[0].text.startswith("Here is everything I store about you: ")

        message = await last_payload(h, "console", "ana")
        [attachment] = message["attachments"]
        path = Path(attachment["path"])
        assert (attachment["kind"], attachment["mime"]) == ("document", "application/json")
        assert path.parent == tmp_path / "exports" and attachment["file_name"] == path.name
        assert re.fullmatch(r"mydata-\d+-\d{8}T\d{6}Z\.json", path.name)
        assert mode(path) == 0o600

        doc = read_json(path)
        pid = (await s.participants.account("console", "ana")).participant_id  # type: ignore[union-attr]
        tables = doc["tables"]
        assert doc["participant_id"] == pid
        assert [p["id"] for p in tables["participants"]] == [pid]
        assert tables["participants"][0]["consent"] == "given"
        assert [(a["platform"], a["user_id"]) for a in tables["accounts"]] == [("console", "ana")]
        assert [(c["chat_id"], c["kind"]) for c in tables["chats"]] == [("ana", "private")]
        [reminder] = tables["schedules"]
        assert reminder["payload"] == {"text": "read unit 2"}
        # Her message in the lobby, and its copy in the salon.
        assert sorted(r["role"] for r in tables["relay_messages"]) == ["copy", "origin"]
        texts = [o["payload"]["text"] for o in tables["outbox"]]
        assert any("Hello everyone" in t for t in texts)  # the relayed copy
        assert any(t.startswith("Welcome, ana!") for t in texts)  # what the bot told her
        # Nothing of Bob's.
        assert "bob" not in json.dumps(doc)
        # The rows the export found are exactly those that erasing her removes or changes.
        assert set(tables) == set(await PersonalData(s.db).export(pid))

        # A day later the file is gone from the disk.
        await h.advance(timedelta(days=1, minutes=1))
        assert not exists(path)


async def test_forgetme_asks_first_and_a_typed_wrong_answer_gets_a_clear_reply(
        tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        s = h.bot.services
        await h.send("ana", "/start", language="en")
        [question] = await h.send("ana", "/forgetme")
        assert question.text.startswith("This deletes everything I store about you")
        assert question.buttons == ["Yes, delete everything", "Cancel"]
        [again] = await h.send("ana", "maybe later")
        assert again.text == ('I did not understand. To delete everything I store about you, '
                              'press "Yes, delete everything"; to keep it, press "Cancel".')
        assert again.buttons == ["Yes, delete everything", "Cancel"]
        [kept] = await h.press("ana", "Cancel")
        assert kept.text == "Nothing was deleted."
        # The question is no longer open: text is just text again.
        [plain] = await h.send("ana", "yes, delete everything")
        assert plain.text.startswith("I answer commands.")
        assert await s.participants.account("console", "ana") is not None

        # Someone else's or an old button does nothing.
        await h.send("ana", "/forgetme")
        s.clock.advance(timedelta(minutes=11))
        [late] = await h.press("ana", "Yes, delete everything")
        assert late.text == "This confirmation has expired. Type /forgetme to start again."
        pid = (await s.participants.account("console", "ana")).participant_id  # type: ignore[union-attr]
        ctx_event = Event(EventKind.CALLBACK, "console", ChatRef("console", "eve"),
                          UserRef("console", "eve", "eve"), datetime.now(UTC),
                          callback_data=f"forget:yes:{pid}:{int(s.clock.timestamp())}")
        await h.bot.dispatcher.handle(ctx_event)
        assert await s.participants.get(pid) is not None

        # Typing the button's words is an answer too.
        await h.send("ana", "/forgetme")
        [bye] = await h.send("ana", "Yes, delete everything")
        assert bye.text.startswith("Done: I have deleted everything I stored about you.")
        assert await s.participants.get(pid) is None


async def test_forgetme_leaves_no_trace_in_any_table(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"]) as h:
        s = h.bot.services
        await bridged(h, tmp_path)
        stamp = s.clock.now().isoformat(timespec="seconds")
        await s.db.execute("INSERT INTO participants (id, created_at) VALUES (?, ?)",
                           (BOB_ID, stamp))
        await s.db.execute("INSERT INTO accounts (platform, user_id, participant_id, "
                           "display_name, linked_at) VALUES ('console', 'bob', ?, 'bob', ?)",
                           (BOB_ID, stamp))
        await h.send("bob", "/start", language="en")
        await h.press("bob", "I agree")
        await h.send("bob", "/remind every monday 10:00 weekly check-in")
        await h.send("fac", "/language en")

        # Zoé on the console: language, consent, time zone, reminders, a group, the relay.
        await h.send("zoeq", "/start")
        await h.press("zoeq", "Français")
        with use_language(s.catalogs.pack("fr")):
            agree, yes = _("I agree"), _("Yes, delete everything")
            farewell = _("Done: I have deleted everything I stored about you. Your messages "
                         "remain in the chats where you wrote them, and their relayed copies "
                         "in the linked chats; delete them there if you wish. If you write to "
                         "me again, I will meet you as a new person.")
        await h.press("zoeq", agree)
        first = (await s.participants.account("console", "zoeq")).participant_id  # type: ignore[union-attr]
        await h.send("zoeq", "/timezone Europe/Paris")
        await h.send("zoeq", "/remind demain à 9h lire l'unité 2")
        await h.send("zoeq", "/remind in 2 hours call bob", language="en")
        await h.adapter._directive(":chat lobby")  # she joins: the bot greets her by name
        h.adapter.user.name = "zoeq"
        await h.send("zoeq", "Bonjour à tous, ici Zoé Quintana (zoeq)")
        h.adapter._group = "salon"
        await h.send("bob", "Salut zoeq !")  # Bob names her: his words stay
        h.adapter._group = None

        # Her Telegram account, linked to the console one.
        await h.bot.dispatcher.handle(telegram("/start"))
        await h.bot.dispatcher.handle(telegram("/link"))
        code = re.search(r"\b[A-Z2-9]{8}\b",
                         (await last_payload(h, "telegram", TG_ID))["text"])
        assert code is not None
        await h.send("zoeq", "/link ABCDEFGH")  # a wrong code, counted for her account
        await h.send("zoeq", f"/link {code.group(0)}")
        await h.press("zoeq", "Confirmer")
        tg = await s.participants.account("telegram", TG_ID)
        console = await s.participants.account("console", "zoeq")
        assert tg is not None and console is not None
        pid = tg.participant_id
        assert console.participant_id == pid and min(pid, first) > BOB_ID

        # A facilitator makes her one; she reads the audit log; she exports her data.
        await h.send("fac", f"/facilitator add {TG_NAME}")
        await h.send("zoeq", "/audit")
        await h.send("zoeq", "/mydata")
        export = Path((await last_payload(h, "console", "zoeq"))["attachments"][0]["path"])
        assert exists(export)
        audit_rows = (await s.db.fetchone("SELECT COUNT(*) FROM audit_log"))[0]  # type: ignore[index]

        ids = {pid, first}  # her participant, and the console one merged into it
        needles = [TG_ID, TG_NAME, "Zoe Quintana", "zoeq", *map(str, ids)]
        before = traces(await everything(s.db), needles, ids)
        assert {t for t, _, _ in before} >= {
            "participants", "accounts", "chats", "roles", "audit_log", "schedules",
            "relay_messages", "outbox", "link_attempts"}

        relays = [r[0] for r in await s.db.fetchall(
            "SELECT relay_id FROM relay_messages WHERE author_participant_id = ?", (pid,))]
        assert len(relays) == 1
        await h.send("zoeq", "/forgetme")
        [unclear] = await h.send("zoeq", "peut-être")
        assert unclear.buttons[0] == yes and len(unclear.buttons) == 2
        [bye] = await h.press("zoeq", yes)
        assert (bye.chat_id, bye.text) == ("zoeq", farewell)  # in her language
        await h.advance(timedelta(minutes=2))  # the farewell leaves the outbox once sent

        # Nothing the bot wrote about her is left. What others wrote stays as they wrote
        # it: the facilitator's command naming her (its audit entry), Bob's message naming
        # her and its queued copy.
        left = traces(await everything(s.db), needles, ids)
        assert sorted((t, c) for t, c, _ in left) == [
            ("audit_log", "detail"), ("outbox", "payload"), ("relay_messages", "text")]
        assert {v for t, _, v in left if t != "outbox"} == {"add Zoé Quintana", "Salut zoeq !"}
        row = await s.db.fetchone("SELECT detail, subject_participant_id FROM audit_log "
                                  "WHERE action = 'facilitator add' AND outcome = 'done'")
        assert row is not None and tuple(row) == ("a participant", None)
        assert not exists(export)
        # The map entries of her message (origin and copies) and the queued copies are gone.
        row = await s.db.fetchone("SELECT COUNT(*) FROM relay_messages WHERE relay_id = ?",
                                  (relays[0],))
        assert row is not None and row[0] == 0
        row = await s.db.fetchone("SELECT COUNT(*) FROM outbox WHERE payload LIKE ?",
                                  (f"%{relays[0]}%",))
        assert row is not None and row[0] == 0
        # Others keep what is theirs; counts stay, anonymous.
        bob = await s.participants.get(BOB_ID)
        assert bob is not None and bob.consent == "given"
        assert await s.schedules.active(kind="reminder", participant_id=BOB_ID)
        count = (await s.db.fetchone("SELECT COUNT(*) FROM audit_log"))[0]  # type: ignore[index]
        assert count >= audit_rows
        row = await s.db.fetchone("SELECT COUNT(*) FROM audit_log WHERE action = 'audit' "
                                  "AND actor_participant_id IS NULL")
        assert row is not None and row[0] == 1
        # Bob's "Salut zoeq !" is his own words: kept as he wrote them.
        row = await s.db.fetchone("SELECT text FROM relay_messages WHERE role = 'origin'")
        assert row is not None and row[0] == "Salut zoeq !"
        # Written to again, the bot meets a new person.
        await h.send("zoeq", "/whoami", language="en")
        again = await s.participants.account("console", "zoeq")
        assert again is not None
        fresh = await s.participants.get(again.participant_id)
        assert fresh is not None and (fresh.consent, fresh.timezone) == (None, None)
        assert len(await s.participants.accounts_of(fresh.id)) == 1


async def test_tables_added_later_are_exported_and_erased_without_a_change(db: Database
                                                                          ) -> None:
    """A later feature's tables: a foreign key without ON DELETE, a `…_by` column with no
    foreign key, and a JSON document naming the participant by id."""
    await db.conn.executescript("""
        CREATE TABLE mentors (
            id INTEGER PRIMARY KEY,
            mentee_participant_id INTEGER NOT NULL REFERENCES participants(id),
            note TEXT);
        CREATE TABLE badges (id INTEGER PRIMARY KEY, awarded_by INTEGER, label TEXT,
                             meta TEXT);
    """)
    await db.execute("INSERT INTO participants (id, created_at) VALUES (7001, 'x'), (7002, 'x')")
    await db.execute("INSERT INTO accounts VALUES ('telegram', '99887766', 7001, 'Ines Okafor', "
                     "'x', NULL)")
    await db.execute("INSERT INTO mentors VALUES (1, 7001, 'likes maps'), (2, 7002, 'other')")
    await db.execute("INSERT INTO badges VALUES (1, 7001, 'for Ines Okafor', "
                     """'{"awarded_participant_id": 7001, "n": 7001, "by": "<@99887766>"}'), """
                     "(2, 7002, 'kept', '{}')")
    data = PersonalData(db)
    tables = await data.export(7001)
    assert [r["id"] for r in tables["mentors"]] == [1]
    assert tables["badges"][0]["meta"]["awarded_participant_id"] == 7001
    assert [a["user_id"] for a in tables["accounts"]] == ["99887766"]

    erased = await data.erase(7001)
    assert {"participants", "accounts", "mentors", "badges"} <= erased.tables
    assert [tuple(r) for r in await db.fetchall("SELECT id, mentee_participant_id FROM mentors")
            ] == [(2, 7002)]
    # Unlinked by ownership (the column and the participant-like JSON key); the text is
    # not searched for her name or account id, whoever wrote it.
    rows = [tuple(r) for r in await db.fetchall(
        "SELECT awarded_by, label, meta FROM badges ORDER BY id")]
    assert rows == [
        (None, "for Ines Okafor",
         '{"awarded_participant_id": null, "n": 7001, "by": "<@99887766>"}'),
        (7002, "kept", "{}")]
    assert await data.export(7001) == {}


def present(path: Path) -> bool:
    return path.exists()


async def test_an_export_waits_for_its_message_before_it_is_deleted(tmp_path: Path) -> None:
    """The file is kept a day after it went out, however long the platform was away."""
    async with open_console(tmp_path) as h:
        db = h.bot.services.db
        await h.send("ana", "/mydata")
        message = await last_payload(h, "console", "ana")
        path = Path(message["attachments"][0]["path"])
        [[item_id]] = await db.fetchall(
            "SELECT id FROM outbox WHERE payload LIKE ? ", (f"%{path.name}%",))
        # As if the platform had been down since: the message waits for a retry.
        later = h.bot.services.clock.timestamp() + timedelta(days=10).total_seconds()
        await db.execute("UPDATE outbox SET status = 'pending', not_before = ? WHERE id = ?",
                         (later, item_id))

        await h.advance(timedelta(days=1, hours=1))
        assert present(path)  # still waiting to be sent: kept
        await db.execute("UPDATE outbox SET status = 'sent' WHERE id = ?", (item_id,))
        await h.advance(timedelta(hours=12))
        assert present(path)  # a day after the last look, not at once
        await h.advance(timedelta(hours=13))
        assert not present(path)


async def test_an_export_is_deleted_a_day_after_it_was_sent(tmp_path: Path) -> None:
    async with open_console(tmp_path) as h:
        await h.send("ana", "/mydata")
        path = Path((await last_payload(h, "console", "ana"))["attachments"][0]["path"])
        await h.advance(timedelta(hours=23))
        assert present(path)
        await h.advance(timedelta(hours=2))
        assert not present(path)
