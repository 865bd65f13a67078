"""/forgetme erases the leaver and nothing else (issue 19, item 1).

Four participants whose display names are common words or short ("cooperation", "the",
"Li", "ILO") use the bot beside other people, who write practices, reminders, relayed
messages, survey answers and poll votes full of those words. Each leaver is erased in turn;
every row of every table is compared, byte for byte, before and after, except the rows that
are the leaver's. Which rows are theirs is worked out here from the schema, independently
of storage/privacy.py: a column referring to them, their accounts and private chats, the
relay of what they wrote, the messages the bot wrote about them (outbox_mentions), a JSON
key holding their id, and rows hanging on those by a foreign key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.adapters.console import ConsoleUser
from storage.db import Database
from tests.harness import ConsoleHarness, Reply, demo_cohort, migrated_before, open_console

BRIDGE = {"bridges": [{"name": "academy", "channels": [
    {"platform": "console", "chat_id": "lobby", "language": "en"},
    {"platform": "console", "chat_id": "salon", "language": "fr"},
]}]}
LEAVERS = ("cooperation", "the", "Li", "ILO")
PERSON = re.compile(r"^(?:.*_)?participant_id$|^[a-z_]+_by$")
# The full-text index's own storage: its blobs are rewritten whenever any indexed row
# changes. Its rows are compared through the virtual table (practices_fts) instead.
FTS_SHADOW = re.compile(r"^practices_fts_")
ANA_PRACTICE = {
    "title": "Li and the ILO: South-South cooperation between trade unions",
    "horizontality": "The unions teach each other; Li coordinates the ILO cooperation desk.",
    "objectives": "Share the cooperation tools of the ILO.",
    "stakeholders": "Trade unions, the ILO, ministries.",
    "methodology": "Peer visits. The ILO and Li host the meetings.",
    "validation": "The exchange doubled the number of agreements.",
    "innovation": "A cooperation chat in the three languages.",
    "sustainability": "The unions pay for the visits themselves.",
    "replicability": "Wherever the ILO has a cooperation office.",
    "contact": "Ana, ana@example.org",
}


# --- driving the bot --------------------------------------------------------------------

async def dm(h: ConsoleHarness, user: str, text: str, language: str = "en") -> list[Reply]:
    h.adapter._group = None
    return await h.send(user, text, language=language)


async def say(h: ConsoleHarness, chat: str, user: str, text: str, language: str = "en"
              ) -> list[Reply]:
    h.adapter._group = chat
    try:
        return await h.send(user, text, language=language)
    finally:
        h.adapter._group = None


async def join(h: ConsoleHarness, user: str, chat: str, language: str = "en") -> None:
    """`user` joins a group chat: the bot greets them there by name."""
    h.adapter.user = ConsoleUser(user, language)
    await h.adapter._directive(f":chat {chat}")
    h.adapter._group = None
    await h._new_replies()


def buttons(h: ConsoleHarness, user: str) -> list[str]:
    return next(r.buttons for r in reversed(h._history.get(user, [])) if r.buttons)


async def start(h: ConsoleHarness, user: str, language: str = "en") -> None:
    await dm(h, user, "/start", language)
    await dm(h, user, "1", language)  # "I agree", in their language


async def impact_survey(h: ConsoleHarness, user: str, details: str, suggestion: str) -> None:
    """The impact survey, answered in English with free text in two places."""
    await h.press(user, "Start")
    await h.press(user, "4")
    await h.press(user, "Principles of SSTC")
    await h.press(user, "Done")
    await h.press(user, "Yes")
    await dm(h, user, details)
    await h.press(user, "Yes")
    await dm(h, user, "More than 5")
    for answer in ("4", "9", "10", "4"):  # the post-learning questions (issue 20)
        await dm(h, user, answer)
    await dm(h, user, suggestion)
    await h.send(user, str(len(buttons(h, user))))  # Submit: the review's last button


async def ana_writes_a_practice(h: ConsoleHarness) -> None:
    await dm(h, "ana", "/practice new")
    for text in ANA_PRACTICE.values():
        await dm(h, "ana", text)
    await dm(h, "ana", "/skip")
    await h.press("ana", "✅ Submit for review")


async def community(h: ConsoleHarness) -> None:
    """Others and the leavers use every feature; the others' words are full of the
    leavers' names."""
    for user in ("ana", "bea", *LEAVERS):
        await start(h, user, "fr" if user == "bea" else "en")
        await dm(h, user, "/join demo", "fr" if user == "bea" else "en")
    await dm(h, "fac", "/language en")
    for user in ("ana", *LEAVERS):
        await join(h, user, "lobby")
    await join(h, "bea", "salon", "fr")

    # Reminders.
    await dm(h, "ana", "/remind tomorrow 9:00 call Li about the ILO cooperation")
    await dm(h, "bea", "/remind in 3 hours relire the notes de Li et ILO", "fr")
    for user in LEAVERS:
        await dm(h, user, f"/remind tomorrow 10:00 the ILO cooperation meeting, says {user}")

    # Relayed messages, both ways, with a reply to a leaver's message.
    await say(h, "lobby", "ana", "Li, the ILO cooperation notes are ready")
    for user in LEAVERS:
        await say(h, "lobby", user, f"Hello, {user} here: the cooperation with the ILO works")
    await say(h, "salon", "bea", "Merci Li et ILO ! the cooperation continue.", "fr")

    # Practices: Ana's is approved; "cooperation" leaves a draft.
    await ana_writes_a_practice(h)
    await dm(h, "fac", "/practice approve 2")
    await dm(h, "cooperation", "/practice new")
    await dm(h, "cooperation", "The cooperation of the ILO with Li")

    # A poll in the bridged chats; others and leavers vote.
    await say(h, "lobby", "fac", "/poll --for 2h --bridge Is the ILO cooperation useful, Li? "
              "| Yes | No || fr: La coopération de l'OIT est-elle utile ? | Oui | Non")
    await say(h, "lobby", "ana", "1")
    await say(h, "salon", "bea", "2", "fr")
    for user in LEAVERS:
        await say(h, "lobby", user, "1")

    # The impact survey: Ana and "the" answer; a facilitator reads the shortlist.
    await dm(h, "fac", "/survey start impact")
    await impact_survey(h, "ana", "The ILO cooperation project that Li started",
                        "More on the cooperation with the ILO, please")
    await impact_survey(h, "the", "the cooperation of the ILO in the south",
                        "the the the")
    await dm(h, "fac", "/survey shortlist impact")

    # A facilitator makes "ILO" one, lists the facilitators, reads the audit log.
    await dm(h, "fac", "/facilitator add ILO")
    await dm(h, "fac", "/facilitator list")
    await dm(h, "fac", "/audit")


# --- the database, table by table -------------------------------------------------------

Key = tuple[Any, ...]
Rows = dict[Key, tuple[Any, ...]]
Snapshot = dict[str, tuple[list[str], Rows]]


async def tables(db: Database) -> dict[str, tuple[bool, bool]]:
    """Every table to compare: name -> (without rowid, virtual)."""
    out = {}
    for row in await db.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table'"):
        name, sql = row[0], (row[1] or "").upper()
        if name.startswith("sqlite_") or FTS_SHADOW.match(name):
            continue
        out[name] = ("WITHOUT ROWID" in sql, sql.startswith("CREATE VIRTUAL TABLE"))
    return out


async def snapshot(db: Database) -> Snapshot:
    """table -> (column names, {rowid (or the whole row): the row's values})."""
    shot = {}
    for name, (without_rowid, _virtual) in (await tables(db)).items():
        select = f'SELECT * FROM "{name}"' if without_rowid else \
            f'SELECT rowid AS "__rowid", * FROM "{name}"'
        rows = await db.fetchall(select)
        columns = [c for c in (rows[0].keys() if rows else []) if c != "__rowid"]
        data: Rows = {}
        for r in rows:
            values = tuple(r[c] for c in columns)
            data[values if without_rowid else (r["__rowid"],)] = values
        shot[name] = (columns, data)
    return shot


def _json_names(value: Any, pid: int) -> bool:
    """A JSON document holding `pid` under a participant-like key."""
    if isinstance(value, list):
        return any(_json_names(v, pid) for v in value)
    if isinstance(value, dict):
        return any((PERSON.match(k) and v == pid and not isinstance(v, bool))
                   or _json_names(v, pid) for k, v in value.items())
    return False


def _doc(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return None


async def theirs(db: Database, shot: Snapshot, pid: int) -> dict[str, set[Key]]:
    """The keys of the rows that are the participant's, table by table (see the module's
    docstring), worked out from the schema."""
    accounts = {(r[0], r[1]) for r in await db.fetchall(
        "SELECT platform, user_id FROM accounts WHERE participant_id = ?", (pid,))}
    relays = {r[0] for r in await db.fetchall(
        "SELECT relay_id FROM relay_messages WHERE author_participant_id = ?", (pid,))}
    names = await tables(db)
    fks: dict[str, list[tuple[str, list[str], list[str]]]] = {}
    person: dict[str, set[str]] = {}
    for name, (_wr, virtual) in names.items():
        if virtual:
            continue
        groups: dict[int, tuple[str, list[str], list[str]]] = {}
        for fk in await db.fetchall(f'PRAGMA foreign_key_list("{name}")'):
            _parent, from_, to = groups.setdefault(fk["id"], (fk["table"], [], []))
            from_.append(fk["from"])
            to.append(fk["to"])
        person[name] = {c for t, f, _ in groups.values() if t == "participants" for c in f}
        person[name] |= {c for c in shot[name][0] if PERSON.match(c)}
        fks[name] = [g for g in groups.values() if g[0] != "participants"]

    found: dict[str, set[Key]] = {name: set() for name in names}
    for name, (columns, rows) in shot.items():
        for key, values in rows.items():
            row = dict(zip(columns, values, strict=True))
            relayed = (_doc(row.get("payload")) or {}).get("relay_ids") or [] \
                if name == "outbox" else []
            if (name == "participants" and row["id"] == pid) \
                    or any(row[c] == pid for c in person.get(name, ())) \
                    or (row.get("platform"), row.get("chat_id")) in accounts \
                    or (row.get("platform"), row.get("user_id")) in accounts \
                    or row.get("relay_id") in relays or set(relayed) & relays \
                    or any(_json_names(_doc(x), pid) for x in values):
                found[name].add(key)
    # The messages the bot wrote about them.
    if "outbox_mentions" in shot:
        about = {r[0] for r in await db.fetchall(
            "SELECT outbox_id FROM outbox_mentions WHERE participant_id = ?", (pid,))}
        found["outbox"] |= {k for k, values in shot["outbox"][1].items()
                            if values[shot["outbox"][0].index("id")] in about}
    # Rows hanging on those by a foreign key (CASCADE or SET NULL), until nothing moves.
    moved = True
    while moved:
        moved = False
        for child, groups in fks.items():
            columns, rows = shot[child]
            for parent, from_, to in groups:
                pcols, prows = shot[parent]
                gone = {tuple(prows[k][pcols.index(c)] for c in to) for k in found[parent]}
                for key, values in rows.items():
                    if key not in found[child] and \
                            tuple(values[columns.index(c)] for c in from_) in gone:
                        found[child].add(key)
                        moved = True
    # The full-text index follows the practices.
    practices = shot["practices"]
    ids = {practices[1][k][practices[0].index("id")] for k in found["practices"]}
    fts = shot["practices_fts"]
    found["practices_fts"] = {k for k, values in fts[1].items()
                              if values[fts[0].index("practice_id")] in ids}
    return found



def only_theirs_changed(before: Snapshot, after: Snapshot, own: dict[str, set[Key]],
                        pid: int, private_chat: str,
                        expected: dict[str, Callable[[dict[str, Any]], bool]] | None = None
                        ) -> None:
    """Every row that is not theirs is byte-identical; theirs are gone or no longer refer
    to them; the only new rows are those the erasure writes itself (and the `expected`
    ones: a table's rows the erasure may write or change, such as telling a facilitator)."""
    # (A new row may take a deleted row's id.)
    allowed = {"audit_log": lambda r: r["action"] == "forgetme",
               "outbox": lambda r: r["chat_id"] == private_chat,  # the farewell
               "schedules": lambda r: r["kind"] == "forgetme-purge"}
    extra = expected or {}
    for table, (columns, rows) in before.items():
        now_columns, now = after[table]
        also = extra.get(table, lambda r: False)
        changed = [k for k in rows if k not in own[table] and now.get(k) != rows[k]
                   and not (k in now and also(dict(zip(now_columns, now[k], strict=True))))]
        assert changed == [], (table, [(rows[k], now.get(k)) for k in changed])
        first = allowed.get(table, lambda r: False)

        def is_new(r: dict[str, Any], first: Any = first, also: Any = also) -> bool:
            return bool(first(r) or also(r))
        for key in own[table] & set(now):
            values = dict(zip(now_columns, now[key], strict=True))
            if is_new(values) and now[key] != rows[key]:
                continue
            # Still there, unlinked: nothing in it refers to them any more.
            assert pid not in {values.get(c) for c in columns if PERSON.match(c)}, \
                (table, values)
            assert table not in ("outbox", "accounts", "relay_messages", "chats"), \
                (table, values)
            if table == "audit_log" and values["action"].startswith("facilitator "):
                assert values["detail"] == "a participant"
        new = [dict(zip(now_columns, now[k], strict=True)) for k in set(now) - set(rows)]
        assert all(is_new(r) for r in new), (table, new)


def bot_words_about(before: Snapshot, own: dict[str, set[Key]]) -> list[dict[str, Any]]:
    """The payloads of the outbox rows found to be theirs."""
    columns, rows = before["outbox"]
    return [json.loads(rows[k][columns.index("payload")]) for k in own["outbox"]]


def words(value: Any, name: str) -> bool:
    return isinstance(value, str) and re.search(
        rf"(?<!\w){re.escape(name)}(?!\w)", value, re.IGNORECASE) is not None


async def test_forgetme_leaves_every_other_row_byte_identical(tmp_path: Path) -> None:
    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()],
                            **BRIDGE) as h:
        db = h.bot.services.db
        await community(h)
        for name in LEAVERS:
            account = await h.bot.services.participants.account("console", name)
            assert account is not None
            pid = account.participant_id
            await dm(h, name, "/forgetme")
            before = await snapshot(db)
            own = await theirs(db, before, pid)
            await h.press(name, "Yes, delete everything")
            after = await snapshot(db)

            only_theirs_changed(before, after, own, pid, private_chat=name)

            # Theirs: their one relayed message (origin and copy), their draft practice
            # if any, and what the bot wrote about them in a group: the welcome, their
            # relayed words under their name.
            assert len(own["relay_messages"]) == 2
            assert len(own["practices"]) == (name == "cooperation")
            theirs_text = bot_words_about(before, own)
            assert any(m["text"].startswith(f"Welcome to the group, {name}!")
                       for m in theirs_text)
            assert any(m["attribution"] == f"{name} · Console" for m in theirs_text)

            # Nothing the bot wrote names them any more: no greeting, no attribution.
            for _columns, rows in after.values():
                for values in rows.values():
                    for value in values:
                        assert not (isinstance(value, str) and (
                            f"Welcome to the group, {name}!" in value
                            or f'"attribution": "{name} · Console"' in value
                            or f"{name} (participant {pid})" in value)), value

        # Others' words are as they wrote them: the leavers' names are still in them.
        practice = await db.fetchone("SELECT title, horizontality FROM practices WHERE id = 1")
        assert practice is not None
        assert words(practice[0], "ILO") and words(practice[0], "cooperation")
        row = await db.fetchone("SELECT title FROM practices WHERE id = 2")
        assert row is not None and row[0] == ANA_PRACTICE["title"]
        reminders = [r[0] for r in await db.fetchall(
            "SELECT payload FROM schedules WHERE kind = 'reminder' ORDER BY id")]
        assert [json.loads(r)["text"] for r in reminders] == [
            "call Li about the ILO cooperation", "relire the notes de Li et ILO"]
        texts = {r[0] for r in await db.fetchall(
            "SELECT text FROM relay_messages WHERE role = 'origin'")}
        assert texts == {"Li, the ILO cooperation notes are ready",
                         "Merci Li et ILO ! the cooperation continue."}
        # The poll keeps its question and every vote; the leavers' votes are gone.
        row = await db.fetchone("SELECT question FROM polls")
        assert row is not None and row[0] == "Is the ILO cooperation useful, Li?"
        assert (await db.fetchone("SELECT COUNT(*) FROM poll_votes"))[0] == 2  # type: ignore[index]
        # Survey answers: Ana's as written; the leaver's named answer went with them
        # (issue 15 item 6: named answers are theirs, anonymous ones carry nobody).
        answers = [(r[0], json.loads(r[1])) for r in await db.fetchall(
            "SELECT participant_id, answers FROM survey_responses ORDER BY submitted_at")]
        assert [a["initiative-details"] for _pid, a in answers] == [
            "The ILO cooperation project that Li started"]
        assert answers[0][0] is not None


async def test_over_telegram_a_short_name_is_erased_where_the_bot_wrote_it_only(
        tmp_path: Path) -> None:
    """The real Telegram adapter against the fake server: "Li" and "the" in a bridged
    group; Li's welcome and relayed words go, Ana's words naming Li stay byte for byte."""
    from tests.harness_telegram import open_telegram, telegram_id

    lobby_id, salon_id = -1_001_111, -1_002_222
    bridges = [{"name": "academy", "channels": [
        {"platform": "telegram", "chat_id": str(lobby_id), "language": "en"},
        {"platform": "telegram", "chat_id": str(salon_id), "language": "en"}]}]
    async with open_telegram(tmp_path, bridges=bridges) as h:
        db = h.bot.services.db
        lobby = h.fake.add_group("Lobby", chat_id=lobby_id)
        salon = h.fake.add_group("Salon", chat_id=salon_id)
        for user in ("ana", "Li", "the"):
            await h.send(user, "/start", language="en")
            await h.press(user, "I agree")
            welcome = await h.join_group(user, lobby if user != "ana" else salon)
            assert welcome[0].text.startswith(f"Welcome to the group, {user}!")
        await h.send("ana", "/remind tomorrow 9:00 ask Li about the ILO")
        for user, group, text in (("Li", lobby, "Hello, Li here: the notes are ready"),
                                  ("the", lobby, "the the the"),
                                  ("ana", salon, "Thanks Li! the notes are great")):
            h.fake.push_text(h.user(user), text, group)
            await h.settle(h.fake.last_update_id)
        assert any(r.text.endswith("Thanks Li! the notes are great")
                   for r in h.new_replies(lobby))

        account = await h.bot.services.participants.account("telegram",
                                                            str(telegram_id("Li")))
        assert account is not None
        await h.send("Li", "/forgetme")
        before = await snapshot(db)
        own = await theirs(db, before, account.participant_id)
        await h.press("Li", "Yes, delete everything")  # the button's token, pressed on Telegram
        after = await snapshot(db)
        only_theirs_changed(before, after, own, account.participant_id,
                            private_chat=str(telegram_id("Li")))
        about = bot_words_about(before, own)
        assert any(m["text"].startswith("Welcome to the group, Li!") for m in about)
        assert any(m["attribution"] == "Li · Telegram" for m in about)
        for _columns, rows in after.values():
            for values in rows.values():
                for value in values:
                    assert not (isinstance(value, str) and (
                        "Welcome to the group, Li!" in value or "Li · Telegram" in value)), value
        texts = {r[0] for r in await db.fetchall(
            "SELECT text FROM relay_messages WHERE role = 'origin'")}
        assert texts == {"the the the", "Thanks Li! the notes are great"}


async def test_audit_entries_written_before_the_migration_are_linked_to_their_subject(
        tmp_path: Path) -> None:
    """The migration reads the subject from the end of "Name (participant N)", whatever the
    name imitates; /forgetme then anonymises the leaver's old entries."""
    from storage.privacy import PersonalData

    path = tmp_path / "bot.sqlite3"
    with migrated_before(path, "erasure_ownership") as conn:
        conn.execute("INSERT INTO participants (id, created_at) VALUES (3, 'x'), (7, 'x')")
        conn.executemany(
            "INSERT INTO audit_log (id, at, actor_participant_id, platform, action, detail, "
            "outcome) VALUES (?, 'x', 3, 'console', ?, ?, 'done')",
            [(1, "facilitator add", "the (participant 7)"),
             (2, "facilitator remove", "Eve (participant 3) (participant 7)"),
             (3, "facilitator", "add the"),
             (4, "facilitator add", "Zed (participant 99)")])
    db = Database(path)
    await db.open()
    try:
        rows = [tuple(r) for r in await db.fetchall(
            "SELECT id, subject_participant_id FROM audit_log ORDER BY id")]
        assert rows == [(1, 7), (2, 7), (3, None), (4, None)]
        await PersonalData(db).erase(7)
        rows = [tuple(r) for r in await db.fetchall(
            "SELECT id, detail, subject_participant_id FROM audit_log ORDER BY id")]
        assert rows == [(1, "a participant", None),
                        (2, "a participant", None),
                        (3, "add the", None), (4, "Zed (participant 99)", None)]
    finally:
        await db.close()


async def test_over_discord_the_bot_words_about_li_go_and_others_words_stay(
        tmp_path: Path) -> None:
    """The real discord.py against the fake gateway: Li joins (the system channel greets
    her), writes in a bridged channel (relayed under her name through a webhook), and is
    erased; Ana's message naming her stays byte for byte."""
    from tests.fakes.discord_server import stable_id
    from tests.harness_discord import open_discord

    general, welcome = stable_id("fake-general"), stable_id("fake-welcome")
    bridges = [{"name": "academy", "channels": [
        {"platform": "discord", "chat_id": str(general), "language": "en"},
        {"platform": "discord", "chat_id": str(welcome), "language": "en"}]}]
    async with open_discord(tmp_path, bridges=bridges) as h:
        db = h.bot.services.db
        for user in ("ana", "li"):  # shown as "Ana" and "Li"
            await h.send(user, "/start", language="en")
            await h.press(user, "I agree")
        await h.fake.member_joins(h.user("li"))
        await h.fake.wait_for(lambda: any("Welcome to the group, Li!" in s.content
                                          for s in h.fake.sent_to(welcome)), what="welcome")
        for user, channel, text in (("li", general, "Hello, Li here: the notes are ready"),
                                    ("ana", welcome, "Thanks Li! the notes are great")):
            message = await h.fake.user_says(h.user(user), text, channel=channel)
            await h.settle(message["id"])

        li = str(stable_id("li"))
        account = await h.bot.services.participants.account("discord", li)
        assert account is not None
        await h.send("li", "/forgetme")
        before = await snapshot(db)
        own = await theirs(db, before, account.participant_id)
        await h.press("li", "Yes, delete everything")  # the button's token, on Discord
        after = await snapshot(db)
        only_theirs_changed(before, after, own, account.participant_id, private_chat=li)
        about = bot_words_about(before, own)
        assert any(m["text"].startswith("Welcome to the group, Li!") for m in about)
        assert any(m["attribution"] == "Li · Discord" for m in about)
        for _columns, rows in after.values():
            for values in rows.values():
                for value in values:
                    assert not (isinstance(value, str) and (
                        "Welcome to the group, Li!" in value or "Li · Discord" in value)), value
        texts = {r[0] for r in await db.fetchall(
            "SELECT text FROM relay_messages WHERE role = 'origin'")}
        assert texts == {"Thanks Li! the notes are great"}


async def test_a_booked_interview_leaves_with_the_booker(tmp_path: Path) -> None:
    """The facilitator's messages naming the booker go, the booking is freed, and the
    facilitator's reminder of it does not fire as "interview with ?"."""
    from datetime import timedelta

    from tests.test_surveys import answer_impact_ana, text_of

    async with open_console(tmp_path, facilitators=["fac"], cohorts=[demo_cohort()]) as h:
        db = h.bot.services.db
        await h.send("ana", "/join demo", language="en")
        await h.send("fac", "/survey start impact")
        await answer_impact_ana(h)
        day = (h.bot.services.clock.now() + timedelta(days=3)).strftime("%Y-%m-%d")
        added = await h.send("fac", f"/slots add {day} 10:00")
        [offer] = [r.buttons[0] for r in added if r.chat_id == "ana" and r.buttons]
        assert "ana booked the interview" in text_of(await h.press("ana", offer))
        assert "booked by ana" in text_of(await h.send("fac", "/slots list"))
        pid = (await h.bot.services.participants.account("console", "ana")).participant_id  # type: ignore[union-attr]

        await h.send("ana", "/forgetme")
        before = await snapshot(db)
        own = await theirs(db, before, pid)
        told = await h.press("ana", "Yes, delete everything")
        after = await snapshot(db)
        # Besides the erasure's own rows: the facilitator is told, and the reminders of
        # that interview are cancelled.
        only_theirs_changed(before, after, own, pid, private_chat="ana", expected={
            "outbox": lambda r: r["chat_id"] == "fac" and "asked me to delete their data"
            in json.loads(r["payload"])["text"],
            "schedules": lambda r: r["kind"] == "interview_reminder"
            and r["status"] == "cancelled"})
        texts = [m["text"] for m in bot_words_about(before, own)]
        assert any("ana booked the interview" in t for t in texts)
        assert any("booked by ana" in t for t in texts)
        row = await db.fetchone("SELECT booked_by FROM interview_slots")
        assert row is not None and row[0] is None
        [note] = [r.text for r in told if r.chat_id == "fac"]
        assert note.startswith("The participant who had booked the interview of ")
        assert "the time is free again" in note and "ana" not in note
        assert (await db.fetchone("SELECT COUNT(*) FROM schedules WHERE kind = "
                                  "'interview_reminder' AND status = 'active'"))[0] == 0  # type: ignore[index]

        replies = await h.advance(timedelta(days=2, hours=12))
        assert [r.text for r in replies if "interview" in r.text] == []


async def test_a_poll_closes_and_posts_its_results_after_its_creator_left(tmp_path: Path
                                                                          ) -> None:
    """The poll's closing is the poll's, not its creator's: others' votes are counted."""
    from datetime import timedelta

    async with open_console(tmp_path, facilitators=["fac"]) as h:
        await say(h, "team", "fac", "/poll --for 2h Is the ILO cooperation useful? | Yes | No")
        await say(h, "team", "ana", "1")
        await say(h, "team", "bea", "1")
        await dm(h, "fac", "/forgetme")
        await h.press("fac", "Yes, delete everything")
        replies = await h.advance(timedelta(hours=3))
        [results] = [r for r in replies if r.chat_id == "#team"]
        assert results.text.startswith("📊 Results of the poll: Is the ILO cooperation useful?")
        assert "1. Yes: ██████████ 2 votes (100%)" in results.text
