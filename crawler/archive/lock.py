"""One pantau command writing an archive at a time.

An exclusive flock on ARCHIVE.lock, beside the archive's real file (a symlink or another
spelling of its path leads to the same lock), held by the writing command (crawl, ingest,
rescore, reextract) for its whole run: the operating system releases it when the process
ends, however it ends (SIGKILL included), so a lock can never be left behind by a dead
command. A process forked by the crawl (its extraction workers) closes its copy at once:
a worker outliving a killed crawl must not hold the archive.

The file says who holds it ("PID COMMAND"), and can carry a note for the next holder: a
run whose record the archive refused (a full disk) is named there, so that the next run
marks it failed. The file's first RESERVED bytes are written when the lock is taken, so
that the note later fits in place on a disk with no byte left.
"""

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

RESERVED = 512
NOTE = re.compile(r"run (\d+) failed: (.*)")


class ArchiveLocked(Exception):
    """Another pantau command holds the archive."""


class LockUnavailable(Exception):
    """The lock file cannot be created (a full disk, a read-only directory)."""


# Descriptors of the locks this process holds.
_held: set[int] = set()


def _close_in_child() -> None:
    for handle in _held:
        os.close(handle)  # the child's copy only: the parent keeps its lock
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


class ArchiveLock:
    """A held lock: who holds it, and the note the last holder left (`unrecorded_run`)."""

    def __init__(self, handle: int, command: str, note: str) -> None:
        self.handle = handle
        self.command = command
        self.note = note

    def unrecorded_run(self) -> tuple[int, str] | None:
        """The run, and why it failed, that the last holder could not record."""
        found = NOTE.fullmatch(self.note)
        return (int(found[1]), found[2]) if found else None

    def leave_note(self, run_id: int, failure: str) -> None:
        """Name a run the archive would not record, for the next holder."""
        self._write(f"run {run_id} failed: {' '.join(failure.split())}")

    def clear_note(self) -> None:
        if self.note:
            self._write("")

    def _write(self, note: str) -> None:
        text = f"{os.getpid()} {self.command}\n{note}\n".encode(errors="replace")[:RESERVED]
        try:
            # In place, within bytes written when the lock was taken: no new disk space.
            os.pwrite(self.handle, text.ljust(RESERVED), 0)
            self.note = note
        except OSError:
            pass  # the holder line and the note are for people and the next run only


@contextlib.contextmanager
def archive_lock(db_path: Path, command: str, wait: bool = False) -> Iterator[ArchiveLock]:
    """Hold the archive for `command` ("crawl", "rescore", ...); ArchiveLocked when another
    command holds it (unless `wait`: then queue behind it)."""
    real = Path(os.path.realpath(db_path))
    lock_path = real.with_name(real.name + ".lock")
    try:
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise LockUnavailable(
            f"{lock_path}: cannot create the lock file: {error.strerror}"
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder, _ = _read(handle)
            pid, _, other = holder.partition(" ")
            raise ArchiveLocked(
                f"{db_path}: another pantau {other or 'command'} (pid {pid or '?'}) is running"
                " on this archive"
            ) from None
        _, note = _read(handle)
        lock = ArchiveLock(handle, command, note)
        lock._write(note)
        _held.add(handle)
        yield lock
    finally:
        _held.discard(handle)
        os.close(handle)  # releases the lock


def _read(handle: int) -> tuple[str, str]:
    """The holder line and the note of a lock file."""
    text = os.pread(handle, RESERVED, 0).decode(errors="replace")
    holder, _, note = text.partition("\n")
    return holder.strip(), note.strip()
