"""Requests Datasette 0.65 answers with a 500 and a traceback, answered here with the
client's error instead: a write to a read-only route (405), a sort by a column it cannot
sort by or a malformed `_timelimit` or `_through` (400), a `.` or `..` in the path, a path
no route serves and a static path through a file (404).

`refusal` looks at a request before Datasette does (the plugin's asgi_wrapper);
`client_error` names the errors Datasette reports without raising them or raises from
a bad static path (the plugin's handle_exception). Both answer through `error_response`,
Datasette's error page (JSON for a .json path).
"""

import json
import re
from typing import Any

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Request, Response

# Datasette's route for a table, a view or a canned query: /DATABASE/NAME[.FORMAT].
TABLE_ROUTE = re.compile(r"^/(?P<database>[^/.]+)/(?P<name>[^/.]+)(\.(?P<format>\w+))?$")
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
NO_SUCH_PAGE = "No such page"


async def refusal(datasette, request: Request) -> tuple[int, str] | None:
    """The status and message a request gets instead of Datasette's 500, or None to let
    Datasette answer it."""
    # No URL Datasette serves has them; its static files would read `..` as a directory.
    if {".", ".."} & set(request.scope["path"].split("/")):
        return 404, NO_SUCH_PAGE
    timelimit = request.args.get("_timelimit")
    if timelimit and not timelimit.isdigit():
        return 400, "_timelimit must be a whole number of milliseconds"
    route = TABLE_ROUTE.match(request.path)
    if route is None:
        return None
    try:
        db = datasette.get_database(route=tilde_decode(route["database"]))
    except KeyError:
        return None  # Datasette's own 404
    name = tilde_decode(route["name"])
    canned = await datasette.get_canned_query(db.name, name, None)
    if request.method not in READ_METHODS:
        if canned and canned.get("write"):
            return None
        return 405, f"{name} is read-only"
    if canned or not (await db.table_exists(name) or name in await db.view_names()):
        return None
    return await _bad_sort(datasette, db, name, request) or await _bad_through(db, name, request)


async def _bad_sort(datasette, db, name: str, request: Request) -> tuple[int, str] | None:
    sort, sort_desc = request.args.get("_sort"), request.args.get("_sort_desc")
    if sort and sort_desc:
        return 400, "Sort by _sort or by _sort_desc, not both"
    column = sort or sort_desc
    if not column:
        return None
    # The columns Datasette sorts a table by: those of the metadata's sortable_columns,
    # else all of them, and the rowid of a table without a primary key.
    sortable = datasette.table_metadata(db.name, name).get("sortable_columns")
    columns = set(sortable) if sortable is not None else set(await db.table_columns(name))
    is_view = name in await db.view_names()
    if not is_view and not await db.primary_keys(name):
        columns.add("rowid")
    if column not in columns:
        return 400, f"Cannot sort {name} by {column}"
    return None


async def _bad_through(db, name: str, request: Request) -> tuple[int, str] | None:
    for through in request.args.getlist("_through"):
        try:
            wanted = json.loads(through)
            table, column = wanted["table"], wanted["column"]
            wanted["value"]
        except (ValueError, TypeError, KeyError):
            return 400, "_through must be JSON with a table, a column and a value"
        if not isinstance(table, str) or not await db.table_exists(table):
            return 400, f"_through: no table {table!r}"
        links = [fk for fk in await db.foreign_keys_for_table(table) if fk["other_table"] == name]
        if not links or column not in await db.table_columns(table):
            return 400, f"_through: {table}.{column} does not lead to {name}"
    return None


def client_error(request: Request, exception: Exception) -> tuple[int, str] | None:
    """The status and message of an error Datasette would answer with a 500."""
    # A path no route serves: Datasette makes a NotFound without raising it, and its error
    # page, asking rich for the traceback being handled, finds none and fails.
    if isinstance(exception, NotFound) and exception.__traceback__ is None:
        return 404, NO_SUCH_PAGE
    # A static path through a file (app.css/x): only "no such file" is a 404 to Datasette.
    if isinstance(exception, OSError) and request.path.startswith("/-/static"):
        return 404, NO_SUCH_PAGE
    return None


async def error_response(datasette, request: Request, status: int, message: str) -> Response:
    info: dict[str, Any] = {"ok": False, "error": message, "status": status, "title": None}
    headers = {"Allow": "GET, HEAD"} if status == 405 else {}
    if request.path.endswith(".json"):
        return Response.json(info, status=status, headers=headers)
    await datasette.invoke_startup()  # done once; a refused first request comes before it
    page = await datasette.render_template([f"{status}.html", "error.html"], info)
    return Response.html(page, status=status, headers=headers)
