"""Where a command may write: an archive only where asked, an output never over one."""

import os
from pathlib import Path

import click

SQLITE_HEADER = b"SQLite format 3\x00"
# Files SQLite keeps beside a database: writing over one corrupts the database.
SIDE_FILES = ("-wal", "-shm", "-journal")


def is_sqlite_file(path: Path) -> bool:
    """An SQLite database (by its first bytes), or a file SQLite keeps beside one."""
    for suffix in SIDE_FILES:
        if path.name.endswith(suffix):
            return is_sqlite_file(path.with_name(path.name.removesuffix(suffix)))
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def check_output_path(out: Path, param_hint: str, archive: Path | None = None) -> None:
    """Refuse (a usage error: nothing is written) an output file that is the archive, by
    any name (a symlink, the default --db), or any other SQLite database; and one in a
    directory that does not exist."""
    if not out.parent.is_dir():
        raise click.BadParameter(f"directory not found: {out.parent}", param_hint=param_hint)
    if archive is not None and os.path.realpath(out) == os.path.realpath(archive):
        raise click.BadParameter(
            f"{out} is the archive (--db {archive}): choose another file", param_hint=param_hint
        )
    if is_sqlite_file(out):
        raise click.BadParameter(
            f"{out} is an SQLite database: choose another file", param_hint=param_hint
        )
