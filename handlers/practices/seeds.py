"""The academy's own practices (`<academy>/practices/*.toml`, read by
bot/content/practices.py) stored as approved practices at start-up."""

from __future__ import annotations

import logging

from bot.content.practices import read_practice
from bot.content.units import Problems
from bot.services import Services
from storage.practices import Translation, fields_hash

log = logging.getLogger("bot.content")


async def load_seed_practices(services: Services) -> None:
    """Load `<academy>/practices/*.toml` as approved practices (file order: the academy's
    own practice first on a fresh base); a start-up hook. A file
    with problems is skipped with a warning; `python -m bot check` lists the problems."""
    academy = services.academy
    if academy is None or not (academy.folder / "practices").is_dir():
        return
    folder, languages = academy.folder, academy.languages
    repo = services.practices
    now = services.clock.now()
    changed = 0
    for path in sorted((folder / "practices").glob("*.toml")):
        problems = Problems()
        seed = read_practice(path, languages, problems)
        if seed is None:
            log.warning("practice file skipped, %d problem(s); run `python -m bot check`: %s",
                        len(problems.found), path)
            continue
        original = seed.original()
        existing = await repo.by_seed(seed.key)
        if existing is None:
            practice_id = await repo.create(None, seed.language, now, fields=original,
                                            status="approved", seed_key=seed.key)
            changed += 1
        else:
            practice_id = existing.id
            if existing.fields() != original or existing.language != seed.language:
                await repo.replace_fields(practice_id, seed.language, original, now)
                changed += 1
        await repo.classify(practice_id, seed.country, seed.theme)
        digest = fields_hash(original)
        written = seed.translations()
        for code, fields in written.items():
            stored = await repo.translation(practice_id, code)
            if stored is None or stored.fields != fields or stored.source_sha256 != digest:
                await repo.put_translation(
                    Translation(practice_id, code, fields, digest, "content"), now)
        # Translations made from an older version of the file are no longer right.
        if existing is not None and existing.fields() != original:
            await repo.drop_translations(practice_id, keep=set(written))
    if changed:
        log.info("good practices from the content folder: %d created or updated", changed)
