"""The catalogue's pages and feed."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.args import number
from bot.web.pages import access_of, language_of, not_found, render, see_other, services_of
from handlers.practices import LABELS, first_line, translated
from storage.practices import FIELDS, fields_hash

PAGE_SIZE = 50
FEED_LIMIT = 1000


async def front(request: web.Request) -> web.StreamResponse:
    return see_other("/practices")


async def catalogue(request: web.Request) -> web.StreamResponse:
    s = services_of(request)
    pack = language_of(request)
    words = request.query.get("q", "")[:200].strip()
    page = number(request.query.get("page", "1"), 1, 10_000) or 1
    repo = s.practices
    countries, themes = await repo.facets()
    country = request.query.get("country", "")
    country = country if country in countries else ""
    theme = request.query.get("theme", "")
    theme = theme if theme in themes else ""
    found = await repo.search(words, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
                              country=country, theme=theme)
    more, found = len(found) > PAGE_SIZE, found[:PAGE_SIZE]
    stored = await repo.translations_of([p.id for p in found if p.language != pack.code],
                                        pack.code)
    items = []
    for p in found:
        fields, lang = p.fields(), p.language
        t = stored.get(p.id)
        if t is not None and t.source_sha256 == fields_hash(fields):
            fields, lang = t.fields, pack.code
        items.append({"id": p.id, "title": fields["title"], "lang": lang,
                      "summary": first_line(fields["objectives"], 200)})
    names = pack.locale.territories
    return render(request, "catalogue/list.html", {
        "words": words, "items": items, "page": page, "more": more,
        "total": None if words or country or theme else await repo.approved_count(),
        "country": country, "theme": theme, "themes": themes,
        "countries": sorted(((c, str(names.get(c, c))) for c in countries),
                            key=lambda item: item[1]),
        "query": urlencode({"q": words, "country": country, "theme": theme})})


async def practice(request: web.Request) -> web.StreamResponse:
    s = services_of(request)
    practice_id = number(request.match_info["id"])
    found = await s.practices.get(practice_id) if practice_id is not None else None
    if found is None or found.status != "approved":
        raise not_found()  # drafts, submitted and returned practices are nobody's business
    pack = language_of(request)
    fields, note = await translated(s, pack, found)
    shown_in = pack.code if fields != found.fields() else found.language
    country, theme = (await s.practices.classification([found.id]))[found.id]
    return render(request, "catalogue/practice.html", {
        "p": found, "fields": fields, "names": FIELDS[1:], "labels": LABELS, "note": note,
        "shown_in": shown_in, "theme": theme, "country": country,
        "country_name": str(pack.locale.territories.get(country, country))})


async def feed(request: web.Request) -> web.StreamResponse:
    """Every approved practice as JSON (original language), newest approval first."""
    s = services_of(request)
    base = access_of(request).base_url
    repo = s.practices
    found = await repo.search("", limit=FEED_LIMIT)
    classes = await repo.classification([p.id for p in found])
    items = [{"id": p.id, "url": f"{base}/practices/{p.id}", "language": p.language,
              "approved_at": p.reviewed_at, "country": classes[p.id][0],
              "theme": classes[p.id][1], **p.fields()} for p in found]
    items.sort(key=lambda item: str(item["approved_at"] or ""), reverse=True)
    return web.json_response({"practices": items},
                             headers={"Access-Control-Allow-Origin": "*"})
