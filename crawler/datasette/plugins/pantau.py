"""Datasette plugin: Pantau's home page, search, article pages and Atom feeds, and the
client's error where Datasette would answer a 500.

Thin: routes read the archive through crawler/datasette/pages.py, topic.py and
crawler/archive/search.py and render the templates beside this folder; requests are
checked by crawler/datasette/guard.py. The archive is whatever database `pantau serve`
serves, under any name.
"""

import json
import re
from dataclasses import replace
from html import escape
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode
from weakref import WeakKeyDictionary

from datasette import hookimpl
from datasette.utils.asgi import Request, Response
from markupsafe import Markup
from sqlite_utils import Database

from crawler.archive.search import MARK_START, PAGE_SIZE, Query, fts_query, search, shortened
from crawler.datasette import guard, pages, topic
from crawler.datasette.reads import ArchiveReads
from crawler.text import amount

# What the canned `search` query matches when the text has no word at all: nothing.
NO_MATCH = '"pantau matches nothing"'
# Pages of the archive each connection keeps in memory, in KiB (crawler/archive/coverage.py).
READ_CACHE_KIB = 131072
# A canned query's parameter read as a search: `pantau_query(:q)`.
SEARCH_PARAMETER = re.compile(r"pantau_query\(\s*:(\w+)\s*\)")
# Every time the archive stores is in a column named so (published_at, finished_at, ...).
TIME_COLUMN_SUFFIX = "_at"


def _archive(datasette):
    return datasette.get_database()


async def home(datasette, request):
    db = _archive(datasette)
    reads = _reads(datasette)
    data = await db.execute_fn(
        lambda conn: reads.for_connection(conn)("home", lambda: pages.home(conn))
    )
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
    shown = replace(query, text=result["searched"])  # the box shows what was read
    for row in result["rows"]:
        row["snippet_html"] = pages.highlighted(row["snippet"])
        row["when"] = pages.as_wib(row["published_at"])
    return Response.html(
        await datasette.render_template(
            "pantau_search.html",
            {
                **result,
                "q": shown,
                "database": db.name,
                "page_size": PAGE_SIZE,
                "without_page": urlencode(
                    [(k, v) for k, v in parse_qsl(request.query_string) if k != "page"]
                ),
                "feed_url": _search_link(datasette, "/-/search.atom", shown),
                "feed_title": pages.search_title(shown),
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


async def search_feed(datasette, request):
    db = _archive(datasette)
    query = _query(request)
    self_url = datasette.absolute_url(request, request.full_path)
    page_url = datasette.absolute_url(request, _search_link(datasette, "/-/search", query))
    article_url = datasette.absolute_url(request, datasette.urls.path("/-/article/"))
    xml = await db.execute_fn(
        lambda conn: pages.search_feed(conn, query, self_url, page_url, article_url)
    )
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


def _search_link(datasette, path: str, query: Query) -> str:
    """`path` with a search's text and filters (not its page or order)."""
    params = [("q", query.text)] if query.text else []
    params += [("source", source) for source in query.source]
    params += [
        (name, getattr(query, name))
        for name in ("topic", "language", "since", "until")
        if getattr(query, name)
    ]
    return datasette.urls.path(path) + (f"?{urlencode(params)}" if params else "")


async def topic_page(datasette, request):
    """The topic's page, or its report as CSV or JSON (/-/topic/NAME.csv, .json)."""
    db = _archive(datasette)
    name = unquote(request.url_vars["topic"])
    try:
        wanted = topic.parse_filters(request.args)
    except ValueError as error:
        return await guard.error_response(datasette, request, 400, str(error))
    report_format = request.url_vars.get("format")
    reads = _reads(datasette)
    if report_format:
        rows = await db.execute_fn(
            lambda conn: topic.report(conn, name, wanted, reads.for_connection(conn))
        )
        if rows is None:
            return await guard.error_response(datasette, request, 404, f"No topic {name!r}")
        if report_format == "json":
            return Response.json(topic.report_json(name, rows))
        filename = topic.report_filename(name, wanted, report_format)
        return Response(
            topic.report_csv(rows),
            content_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{filename}"'},
        )
    data = await db.execute_fn(
        lambda conn: topic.topic_page(conn, name, wanted, reads.for_connection(conn))
    )
    if data is None:
        return await guard.error_response(datasette, request, 404, f"No topic {name!r}")
    return Response.html(
        await datasette.render_template(
            "pantau_topic.html", {**data, "database": db.name}, request=request
        )
    )


# What each server's pages read from its archive (crawler/datasette/reads.py).
_READS: "WeakKeyDictionary[Any, ArchiveReads]" = WeakKeyDictionary()


def _reads(datasette) -> ArchiveReads:
    return _READS.setdefault(datasette, ArchiveReads())


async def feed(datasette, request):
    db = _archive(datasette)
    topic = request.url_vars["topic"]
    self_url = datasette.absolute_url(request, request.path)
    site_url = datasette.absolute_url(request, datasette.urls.path("/"))
    article_url = datasette.absolute_url(request, datasette.urls.path("/-/article/"))
    xml = await db.execute_fn(lambda conn: pages.feed(conn, topic, self_url, site_url, article_url))
    if xml is None:
        return Response.text(f"No topic {topic!r}", status=404)
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_routes():
    return [
        (r"^/$", home),
        (r"^/-/search(\.(?P<format>json))?$", search_page),
        (r"^/-/search\.atom$", search_feed),
        (r"^/-/article/(?P<id>[^/]+)$", article_page),
        (r"^/-/feed/(?P<topic>[^/]+)\.atom$", feed),
        (r"^/-/topic/(?P<topic>[^/]+?)(\.(?P<format>csv|json))?$", topic_page),
    ]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["amount"] = amount  # {{ n|amount("article") }}: "1 article", "2 articles"


@hookimpl
def prepare_connection(conn):
    conn.create_function("pantau_query", 1, _canned_match, deterministic=True)
    # A topic's page reads each of its related articles, at random places in the archive:
    # each of Datasette's connections keeps that many pages (SQLite's default is 2 MiB).
    conn.execute(f"pragma cache_size = -{READ_CACHE_KIB}")


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
    if column.endswith(TIME_COLUMN_SUFFIX) and isinstance(value, str) and value[:4].isdigit():
        shown = pages.as_wib(value, as_published=column.endswith("published_at"))
        return Markup(f'<span title="{escape(value)}">{escape(shown)}</span>')
    if column == "per_source" and isinstance(value, str) and value.startswith("{"):
        try:
            per_source = json.loads(value)
        except ValueError:
            return None
        failed = sorted(n for n, c in per_source.items() if c.get("status") != "ok")
        summary = f"{len(per_source) - len(failed)} of {amount(len(per_source), 'source')} ok"
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
