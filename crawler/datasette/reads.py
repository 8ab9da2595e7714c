"""What Pantau's pages read from the archive, kept until the archive changes.

A topic's page reads every one of its related articles (ten thousand, for a big story) to
count, filter, order and place them, and its report reads them again with their headlines
and URLs: a reader who pages through the topic, filters it by outlet, or downloads the
report after looking at it, would have them all read again for each request. Each of
Datasette's connections (one per thread, kept for the life of the server) keeps what it
read for the last few requests, with the archive's version as that connection sees it:
SQLite's `data_version`, which changes whenever another connection commits (a crawl
writing), and the connection's own count of changes. A changed archive is read again.
"""

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
# Reads kept per connection: a few topics' pages and reports.
KEPT = 8
# Connections followed: Datasette's threads, per database, with room to spare.
CONNECTIONS = 32

Remember = Callable[[Hashable, Callable[[], Any]], Any]


def read_again(key: Hashable, read: Callable[[], T]) -> T:
    """A `Remember` that keeps nothing: every read goes to the archive."""
    return read()


class ArchiveReads:
    """Reads kept per connection (see the module's docstring); `for_connection` gives the
    `Remember` a page's functions take."""

    def __init__(self) -> None:
        # id(connection) -> (the connection, kept so that its id is not reused; its reads)
        self._kept: OrderedDict[int, tuple[sqlite3.Connection, OrderedDict]] = OrderedDict()

    def for_connection(self, conn: sqlite3.Connection) -> Remember:
        def remember(key: Hashable, read: Callable[[], Any]) -> Any:
            version = (conn.execute("pragma data_version").fetchone()[0], conn.total_changes)
            reads = self._reads(conn)
            found = reads.get(key)
            if found is not None and found[0] == version:
                reads.move_to_end(key)
                return found[1]
            value = read()
            reads[key] = (version, value)
            reads.move_to_end(key)
            while len(reads) > KEPT:
                reads.popitem(last=False)
            return value

        return remember

    def _reads(self, conn: sqlite3.Connection) -> OrderedDict:
        kept = self._kept.get(id(conn))
        if kept is None:
            kept = self._kept[id(conn)] = (conn, OrderedDict())
            while len(self._kept) > CONNECTIONS:
                self._kept.popitem(last=False)
        return kept[1]
