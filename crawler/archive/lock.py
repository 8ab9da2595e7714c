"""One crawl per archive at a time.

An exclusive flock on ARCHIVE.lock, held by the crawling process for its whole run: the
operating system releases it when the process ends, however it ends (SIGKILL included),
so a lock can never be left behind by a dead crawl. A process forked by the crawl (its
extraction workers) closes its copy at once: a worker outliving a killed crawl must not
hold the archive.
"""

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator


class ArchiveLocked(Exception):
    """Another crawl holds the archive."""


# Descriptors of the locks this process holds.
_held: set[int] = set()


def _close_in_child() -> None:
    for handle in _held:
        os.close(handle)  # the child's copy only: the parent keeps its lock
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


@contextlib.contextmanager
def crawl_lock(db_path: Path, wait: bool = False) -> Iterator[None]:
    lock_path = db_path.with_name(db_path.name + ".lock")
    handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "?"
            raise ArchiveLocked(
                f"{db_path}: another pantau crawl (pid {holder}) is running on this archive;"
                " --wait queues behind it"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        _held.add(handle)
        yield
    finally:
        _held.discard(handle)
        os.close(handle)  # releases the lock
