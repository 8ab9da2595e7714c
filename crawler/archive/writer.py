"""The crawl's one connection to the archive, writing in group commits.

A commit per article cost more than everything else an insert does: FTS5 writes a new
index segment at every commit, and WAL writes every page the article touched again. So a
crawl writes through one `ArchiveWriter` (the runner opens it; every outlet's pipelines
share it through the CrawlContext) and commits in groups: when a group holds
`batch_articles` writes, when its first write is `batch_seconds` old, and when the crawl
ends (the defaults, PANTAU_COMMIT_ARTICLES and PANTAU_COMMIT_SECONDS, are in
crawler/crawl/settings.py).

The group's new articles are put in the full-text index when it commits, in one
statement (fts.py says why). Each article is still all-or-nothing: it is written inside a
savepoint, so a failure rolls back that article alone. A crash (or kill) rolls back the
open group: its pages were never recorded in `urls`, so the next run fetches them again.
Nothing is half-written; at most `batch_seconds` of fetching is repeated. One connection
also means one outlet's writes (failed URLs) never wait for a lock held by another's open
group.
"""

import sqlite3
import threading
import time
from collections import Counter
from typing import Any, Callable, NoReturn

from sqlite_utils import Database

from crawler.archive import rows as archive_db
from crawler.archive.clusters import forget_stock_keys
from crawler.archive.fts import defer_indexing, index_deferred
from crawler.archive.stems import index_stems, queued_stems


class StorageFailure(Exception):
    """The archive refused a write; the crawl's results since the last commit are lost."""


# Roots of this many queued articles are indexed in one go (a crash loses none: the queue
# is committed with the articles, and the next open indexes it).
STEM_BATCH = 10_000
# Past this many frames in the WAL, the writer waits between two groups for the
# checkpointer to copy it all, so that its next group starts the WAL again from the top
# (SQLite restarts it only when a writer begins after a complete copy; a writer that never
# waits would grow it forever).
WAL_RESET_FRAMES = 65_536
# The frame count above is the thread's last look, which a busy machine can delay; after
# this many groups the writer waits for a complete copy whatever that look said, so the
# WAL stays bounded however the threads are scheduled.
GROUPS_BETWEEN_COPIES = 32
# A safety net only: should the thread die, the writer copies the WAL itself past this.
WAL_LIMIT_PAGES = 262_144


class Checkpointer(threading.Thread):
    """Copies committed pages from the WAL into the archive, beside the writer.

    A commit then only appends to the WAL: copying those pages into the database file and
    syncing it (more than half of what a commit cost at 300k articles) happens on this
    thread's own connection, which SQLite allows while the writer goes on writing.
    """

    def __init__(self, path: str, every_seconds: float = 1.0):
        super().__init__(name="pantau-checkpoint", daemon=True)
        self.path = path
        self.every_seconds = every_seconds
        self.wake = threading.Event()
        self.finished_one = threading.Event()
        self.lock = threading.Lock()
        self.requested = 0  # catch_up() calls so far
        self.completed = 0  # the latest of them answered by a complete copy
        self.wal_frames = 0  # at the last checkpoint
        self.stopping = False

    def run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=30)
        except sqlite3.Error:
            return
        try:
            while not self.stopping:
                self.wake.wait(self.every_seconds)
                self.wake.clear()
                with self.lock:
                    request = self.requested
                busy, frames, copied = connection.execute(
                    "pragma wal_checkpoint(passive)"
                ).fetchone()
                with self.lock:
                    self.wal_frames = frames
                    if not busy and frames == copied:
                        self.completed = max(self.completed, request)
                self.finished_one.set()
        except sqlite3.Error:
            pass  # the archive went away under us; the writer's close checkpoints anyway
        finally:
            connection.close()
            self.finished_one.set()

    def catch_up(self, timeout: float = 120.0) -> None:
        """Wait (the writer being between groups) until the whole WAL is copied."""
        with self.lock:
            self.requested += 1
            wanted = self.requested
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            with self.lock:
                if self.completed >= wanted:
                    return
            self.finished_one.clear()
            self.wake.set()
            self.finished_one.wait(0.1)

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        self.join()


class ArchiveWriter:
    def __init__(self, db: Database, batch_articles: int, batch_seconds: float):
        self.db = db
        self.batch_articles = max(1, batch_articles)
        self.batch_seconds = batch_seconds
        self.pending = 0  # writes in the open group
        self.opened_at = 0.0
        # Set when the archive refused a write; then every write raises StorageFailure.
        self.failure: str | None = None
        self.on_failure: Callable[[str], object] | None = None
        # Articles saved, by (source, read from a web archive, "new" or "duplicate"): in the
        # open group, and committed. A lost group's never reach `committed`: a run's counts
        # say what the archive holds.
        self.group_articles: Counter[tuple[str, bool, str]] = Counter()
        self.committed: Counter[tuple[str, bool, str]] = Counter()
        self.groups_since_copy = 0
        path = db.conn.execute("pragma database_list").fetchone()[2]
        self.checkpointer = Checkpointer(path) if path else None
        if self.checkpointer:
            db.execute(f"pragma wal_autocheckpoint = {WAL_LIMIT_PAGES}")
            self.checkpointer.start()

    def save_article(
        self,
        article: dict[str, Any],
        source: str,
        seen_urls: list[str],
        relevance: dict[str, float],
        parts: list[dict[str, Any]] | None = None,
    ) -> str:
        """`rows.save_article` inside the open group; see there for the arguments."""
        archived = bool(parts and parts[0].get("capture_url"))
        return self._write(
            archive_db.save_article,
            article,
            source,
            seen_urls,
            relevance,
            parts,
            counted_as=(source or "", archived),
        )

    def committed_articles(
        self, outcome: str, source: str | None = None, archived: bool | None = None
    ) -> int:
        """Articles saved with this outcome and committed so far: of one source (None: of
        any), read from its own site or from web archives (`archived`; None: either)."""
        return sum(
            count
            for (name, from_archive, said), count in self.committed.items()
            if said == outcome and source in (None, name) and archived in (None, from_archive)
        )

    def record_url(self, *args: Any, **kwargs: Any) -> None:
        """`crawler.archive.rows.record_url` inside the open group."""
        self._write(archive_db.record_url, *args, **kwargs)

    def record_url_source(self, *args: Any, **kwargs: Any) -> None:
        """`crawler.archive.rows.record_url_source` inside the open group."""
        self._write(archive_db.record_url_source, *args, **kwargs)

    def record_walked_day(self, *args: Any, **kwargs: Any) -> None:
        """`crawler.archive.rows.record_walked_day` inside the open group."""
        self._write(archive_db.record_walked_day, *args, **kwargs)

    def record_backfill_query(self, *args: Any, **kwargs: Any) -> None:
        """`crawler.archive.rows.record_backfill_query` inside the open group."""
        self._write(archive_db.record_backfill_query, *args, **kwargs)

    def _write(
        self, action: Any, *args: Any, counted_as: tuple[str, bool] | None = None, **kwargs: Any
    ) -> Any:
        if self.failure:
            raise StorageFailure(self.failure)
        try:
            self._begin()
            result = action(self.db, *args, **kwargs)
            if counted_as is not None:
                self.group_articles[(*counted_as, result)] += 1
            self._written()
        except sqlite3.DatabaseError as error:
            self._fail(error)
        return result

    def _fail(self, error: sqlite3.DatabaseError) -> NoReturn:
        """A write refused: the group is lost (`_lose_group`), and the write raises."""
        self._lose_group(error)
        raise StorageFailure(self.failure) from None

    def _lose_group(self, error: sqlite3.DatabaseError) -> None:
        """The archive refused a write (disk full, I/O error): the open group is lost, and
        nothing more is written. The crawl is told (`on_failure`) so that it stops."""
        self.failure = f"storage failure: {error}"
        if self.db.conn.in_transaction:
            try:
                self.db.conn.execute("ROLLBACK")
                forget_stock_keys(self.db)
            except sqlite3.DatabaseError:
                pass  # SQLite rolled back by itself
        self.pending = 0
        self.group_articles.clear()
        if self.on_failure is not None:
            self.on_failure(self.failure)

    def commit_if_due(self) -> None:
        """Commit an open group that is old enough (called on a timer during a crawl)."""
        if self.pending and time.monotonic() - self.opened_at >= self.batch_seconds:
            self.commit()

    def commit(self, all_stems: bool = False) -> None:
        """Commit the open group; its roots go into the stemmed index with the group that
        fills STEM_BATCH (fewer, larger index segments), or now with `all_stems`. A refused
        commit loses the group and is recorded in `failure` (the writes said what they
        stored; the commit has no one to tell but the crawl, through `on_failure`)."""
        if self.db.conn.in_transaction:
            try:
                index_deferred(self.db)
                if all_stems or queued_stems(self.db) >= STEM_BATCH:
                    index_stems(self.db)
                self.db.conn.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                self._lose_group(error)
                return
            self.committed.update(self.group_articles)
            self.group_articles.clear()
            self.groups_since_copy += 1
            if self.checkpointer:
                self.checkpointer.wake.set()
        self.pending = 0

    def checkpoint(self) -> None:
        """Commit the open group and copy the whole WAL into the archive now (what the
        checkpointer does in the back)."""
        self.commit()
        if self.checkpointer:
            self.checkpointer.catch_up()
        else:
            self.db.execute("pragma wal_checkpoint(passive)")

    def close(self) -> None:
        """Commit what is open (a refusal is recorded in `failure`) and close."""
        try:
            if not self.failure:
                self._begin()
                self.commit(all_stems=True)
        except sqlite3.DatabaseError as error:
            self._lose_group(error)
        finally:
            if self.checkpointer:
                self.checkpointer.stop()
            self.db.close()  # the last connection to close checkpoints and removes the WAL

    def _begin(self) -> None:
        if not self.db.conn.in_transaction:
            if self.checkpointer and (
                self.checkpointer.wal_frames > WAL_RESET_FRAMES
                or self.groups_since_copy >= GROUPS_BETWEEN_COPIES
            ):
                self.checkpointer.catch_up()
                self.groups_since_copy = 0
            # IMMEDIATE: take the write lock now. A deferred transaction that reads first
            # fails at once (not after the busy timeout) if another process committed
            # in between, e.g. a second `pantau crawl` started by cron.
            self.db.conn.execute("BEGIN IMMEDIATE")
            defer_indexing(self.db)
            self.opened_at = time.monotonic()

    def _written(self) -> None:
        self.pending += 1
        if self.pending >= self.batch_articles:
            self.commit()
        else:
            self.commit_if_due()
