"""Datasette plugin: Pantau's home page, search, article pages and Atom feeds, and the
client's error where Datasette would answer a 500.

Thin: routes read the archive through crawler/datasette/pages.py and
crawler/archive/search.py and render the templates beside this folder; requests are
checked by crawler/datasette/guard.py. The archive is whatever database `pantau serve`
serves, under any name.
"""

import json
import re
from dataclasses import replace
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Request, Response
from markupsafe import Markup
from sqlite_utils import Database

from crawler.archive.search import MARK_START, PAGE_SIZE, Query, fts_query, search, shortened
from crawler.datasette import guard, pages
from crawler.text import amount

# What the canned `search` query matches when the text has no word at all: nothing.
NO_MATCH = '"pantau matches nothing"'
# A canned query's parameter read as a search: `pantau_query(:q)`.
SEARCH_PARAMETER = re.compile(r"pantau_query\(\s*:(\w+)\s*\)")
DATE_COLUMNS = {"published_at", "first_seen_at", "fetched_at", "replaced_at", "started_at"}


def _archive(datasette):
    return datasette.get_database()


async def home(datasette, request):
    db = _archive(datasette)
    data = await db.execute_fn(pages.home)
    return Response.html(
        await datasette.render_template(
            "pantau_home.html", {**data, "database": db.name}, request=request
        )
    )


def _query(request) -> Query:
    args = request.args
    try:
        page = max(1, int(args.get("page") or 1))
    except ValueError:
        page = 1
    return Query(
        text=args.get("q") or "",
        source=[s for s in args.getlist("source") if s],
        topic=args.get("topic") or None,
        language=args.get("language") or None,
        since=args.get("since") or None,
        until=args.get("until") or None,
        sort="date" if args.get("sort") == "date" else "relevance",
        page=page,
    )


async def search_page(datasette, request):
    db = _archive(datasette)
    query = _query(request)
    result = await db.execute_fn(lambda conn: search(Database(conn), query))
    if request.url_vars.get("format") == "json":
        rows = [{k: v for k, v in row.items() if k != "rowid"} for row in result["rows"]]
        return Response.json({**result, "rows": rows, "page": query.page})
    for row in result["rows"]:
        row["snippet_html"] = pages.highlighted(row["snippet"])
        row["when"] = pages.as_wib(row["published_at"])
    return Response.html(
        await datasette.render_template(
            "pantau_search.html",
            {
                **result,
                "q": replace(query, text=result["searched"]),  # the box shows what was read
                "database": db.name,
                "page_size": PAGE_SIZE,
                "without_page": urlencode(
                    [(k, v) for k, v in parse_qsl(request.query_string) if k != "page"]
                ),
            },
            request=request,
        )
    )


async def article_page(datasette, request):
    db = _archive(datasette)
    article_id = request.url_vars["id"]
    record = await db.execute_fn(lambda conn: pages.article(conn, article_id))
    if record is None:
        return Response.html("<h1>No such article</h1>", status=404)
    return Response.html(
        await datasette.render_template(
            "pantau_article.html", {"article": record, "database": db.name}, request=request
        )
    )


async def feed(datasette, request):
    db = _archive(datasette)
    topic = request.url_vars["topic"]
    self_url = datasette.absolute_url(request, request.path)
    site_url = datasette.absolute_url(request, datasette.urls.path("/"))
    xml = await db.execute_fn(lambda conn: pages.feed(conn, topic, self_url, site_url))
    if xml is None:
        return Response.text(f"No topic {topic!r}", status=404)
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/-/search(\.(?P<format>json))?$", search_page),
        (r"^/-/article/(?P<id>[^/]+)$", article_page),
        (r"^/-/feed/(?P<topic>[^/]+)\.atom$", feed),
    ]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["amount"] = amount  # {{ n|amount("article") }}: "1 article", "2 articles"


@hookimpl
def prepare_connection(conn):
    conn.create_function("pantau_query", 1, _canned_match, deterministic=True)


def _canned_match(typed: Any) -> str:
    """The FTS5 query the canned `search` runs for whatever a person typed, as far as a
    search reads it."""
    text, note = shortened(str(typed or ""))
    return fts_query(text, prefix_last=note is None) or NO_MATCH


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] == "http":
                request = Request(scope, receive)
                refused = await guard.refusal(datasette, request)
                if refused:
                    response = await guard.error_response(datasette, request, *refused)
                    await response.asgi_send(send)
                    return
            await app(scope, receive, send)

        return checked

    return wrap


@hookimpl(hookwrapper=True)
def handle_exception(datasette, request, exception):
    # A wrapper, so that for these errors Datasette's own handler (which fails on them) is
    # left out.
    outcome = yield
    error = guard.client_error(request, exception)
    if error:
        outcome.force_result([guard.error_response(datasette, request, *error)])


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> Any:
    if isinstance(value, str) and MARK_START in value:
        return pages.highlighted(value)
    if column == "text" and isinstance(value, str):
        return pages.opening(value)  # the whole text is on the article's page
    if column in DATE_COLUMNS and isinstance(value, str) and value[:4].isdigit():
        return Markup(f'<span title="{escape(value)}">{escape(pages.as_wib(value))}</span>')
    if column == "per_source" and isinstance(value, str) and value.startswith("{"):
        try:
            per_source = json.loads(value)
        except ValueError:
            return None
        failed = sorted(n for n, c in per_source.items() if c.get("status") != "ok")
        summary = f"{len(per_source) - len(failed)} of {len(per_source)} sources ok"
        return summary + (f"; failed: {', '.join(failed)}" if failed else "")
    return None


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    if view_name == "row" and table == "articles" and request is not None:
        return {"pantau_article_url": datasette.urls.path("/-/article/")}
    if view_name in ("table", "query") and request is not None:  # a canned query is either
        return _search_note(datasette, database, request)
    return {}


async def _search_note(datasette, database, request) -> dict[str, Any]:
    """What a canned query that searches (pantau_query) left out of the text typed."""
    name = request.url_vars.get("table")
    query = await datasette.get_canned_query(database, name, request.actor) if name else None
    for parameter in SEARCH_PARAMETER.findall((query or {}).get("sql", "")):
        note = shortened(request.args.get(parameter) or "")[1]
        if note:
            return {"pantau_search_note": note}
    return {}
