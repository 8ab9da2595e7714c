"""Datasette plugin: Pantau's home page, search, article pages and Atom feeds.

Thin: routes read the archive through crawler/datasette/pages.py and
crawler/archive/search.py and render the templates beside this folder. The archive is
whatever database `pantau serve` serves, under any name.
"""

import json
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup
from sqlite_utils import Database

from crawler.archive.search import MARK_START, PAGE_SIZE, Query, fts_query, search
from crawler.datasette import pages

# What the canned `search` query matches when the text has no word at all: nothing.
NO_MATCH = '"pantau matches nothing"'
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
        text=(args.get("q") or "")[:500],
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
                "q": query,
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
def prepare_connection(conn):
    # The canned `search` query takes whatever a person typed.
    conn.create_function(
        "pantau_query", 1, lambda text: fts_query(text or "") or NO_MATCH, deterministic=True
    )


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
def extra_template_vars(view_name, table, request, datasette):
    if view_name == "row" and table == "articles" and request is not None:
        return {"pantau_article_url": datasette.urls.path("/-/article/")}
    return {}
