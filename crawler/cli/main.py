"""The `pantau` command: thin click shells over the library modules."""

import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import click
from redis.exceptions import RedisError
from sqlite_utils import Database
from w3lib.encoding import resolve_encoding

from crawler import __version__
from crawler.archive.lock import ArchiveLocked, LockUnavailable, archive_lock
from crawler.archive.reextract import known_sources
from crawler.archive.reextract import reextract as reextract_pages
from crawler.archive.rescore import rescore as rescore_archive
from crawler.archive.runs import IDLE, drift_notes, save_config
from crawler.archive.schema import open_db
from crawler.archive.warc import write_warc
from crawler.archive.writer import StorageFailure
from crawler.cli import config_check
from crawler.cli.paths import SQLITE_HEADER, check_output_path
from crawler.cli.topics import (
    BadConfig,
    config_option,
    db_option,
    load,
    outlets_if_any,
    sources,
    topic,
)
from crawler.config.load import Config, ConfigError, body_rules
from crawler.crawl.ingest import run_ingest
from crawler.crawl.runner import (
    CrawlResult,
    SettingError,
    parse_setting_overrides,
    run_crawl,
    seed_archive,
)
from crawler.crawl.shared import NoIngest
from crawler.datasette.serve import is_loopback, metadata_for, other_plugins, serve_archive
from crawler.extract.article import ExtractionError, declared_url, extract_article
from crawler.text import amount

# The --db of commands that read or change an archive, and never create one.
EXISTING_ARCHIVE = "SQLite archive (must exist)"
# `pantau crawl`'s exit codes (2, bad config or option, is click's and BadConfig's).
EXIT_ALL_FAILED = 1
EXIT_STORAGE = 3
EXIT_LOCKED = 4
EXIT_INTERRUPTED = 5
EXIT_NO_REDIS = 6


def check_archive_path(db_path: Path) -> None:
    """An archive goes only where asked: in an existing directory, over an SQLite file."""
    if not db_path.parent.is_dir():
        raise click.BadParameter(f"directory not found: {db_path.parent}", param_hint="--db")
    if db_path.exists():
        with db_path.open("rb") as handle:
            header = handle.read(16)
        if header and header != SQLITE_HEADER:
            raise click.BadParameter(f"not an SQLite archive: {db_path}", param_hint="--db")


@click.group()
@click.version_option(__version__, prog_name="pantau")
def cli():
    """Pantau: follow how a story is covered across Indonesian news outlets."""


@cli.command()
@config_option
@db_option
@click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, as `scrapy crawl -s` does (repeatable)",
)
@click.option(
    "--refresh-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also refetch articles first seen in the last N days, keeping earlier versions",
)
@click.option("--wait", is_flag=True, help="Queue behind a crawl already running on the archive")
@click.option("-v", "--verbose", count=True, help="More of Scrapy's log (-vv: debug)")
@click.option("-q", "--quiet", is_flag=True, help="Only problems: failed sources and errors")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append Scrapy's log to this file instead of stderr",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    help="Share the crawl through Redis: take requests from, and send articles to, the run "
    "`pantau ingest --redis URL` opened (the archive is ingest's; --db is not used)",
)
def crawl(config_dir, db_path, overrides, refresh_days, wait, verbose, quiet, log_file, redis_url):
    """Crawl the configured sources into the archive.

    Exit codes, for cron: 0 ok (every source, or some: partial), 1 all sources failed,
    2 bad config or option, 3 storage failure (the archive refused a write), 4 another
    crawl holds the archive, 5 interrupted (SIGTERM or SIGINT), 6 --redis: Redis not
    reachable or no `pantau ingest` running there.

    Example:

        pantau crawl --db archive.db -s DOWNLOAD_DELAY=5 --refresh-days 2
    """
    config = load(config_dir)
    if not quiet:
        config_check.print_warnings(config)
    try:
        settings = parse_setting_overrides(overrides)
    except SettingError as error:
        raise click.UsageError(str(error))
    settings.setdefault("PANTAU_REFRESH_DAYS", str(refresh_days))
    settings.setdefault("LOG_LEVEL", log_level(verbose, quiet, bool(log_file)))
    if log_file:
        check_output_path(log_file, "--log-file", None if redis_url else db_path)
        settings["LOG_FILE"] = str(log_file)
    if not redis_url:
        check_archive_path(db_path)
    # The live table is for a person at a terminal; cron reads the summary.
    live = sys.stdout.isatty() and not quiet
    try:
        with refusals(redis_url, wait_hint=True):
            result = run_crawl(config, db_path, settings, wait, live, redis_url)
    except SettingError as error:
        raise click.UsageError(str(error))
    report(config, result, quiet, log_kept=bool(log_file or verbose))


@contextlib.contextmanager
def refusals(redis_url: str | None = None, wait_hint: bool = False) -> Iterator[None]:
    """A command that cannot start: another holds the archive, the archive refuses writes
    (a full disk), or the shared run is out of reach; one line and its exit code."""
    try:
        yield
    except ArchiveLocked as error:
        click.echo(f"Error: {error}{'; --wait queues behind it' if wait_hint else ''}", err=True)
        sys.exit(EXIT_LOCKED)
    except (LockUnavailable, StorageFailure) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_STORAGE)
    except (NoIngest, RedisError) as error:
        click.echo(f"Error: --redis {redis_url}: {error}", err=True)
        sys.exit(EXIT_NO_REDIS)


def report(config: Config, result: CrawlResult, quiet: bool, log_kept: bool = True) -> None:
    """The run's summary, one line per source, the totals, and its exit code. `log_kept`:
    each request's log line went somewhere (a log file, -v)."""
    if result.rescored:
        click.echo(
            f"topics changed ({', '.join(result.changed_topics)}): "
            f"{result.rescored.articles} articles rescored, "
            f"{result.rescored.urls_freed} URLs to judge again (irrelevant or unreadable)"
        )
    for name, counts in result.per_source.items():
        if counts["status"] == IDLE:
            if not quiet:
                click.echo(f"{name}: {IDLE_WORDS} ({counts['message']})")
            continue
        line = (
            f"{name}: {counts['status']}, {amount(counts['requests'], 'request')}, "
            f"{counts['new_articles']} new, {amount(counts['duplicates'], 'duplicate')}, "
            f"{counts['dropped']} dropped, {counts['irrelevant']} irrelevant, "
            f"{amount(counts['errors'], 'error')}"
        )
        if counts.get("not_modified"):
            line += f", {counts['not_modified']} not modified"
        # What the outlet file may have got wrong: said even to -q (cron mails it).
        noticed = drift_notes(name, counts)
        if counts["status"] != "ok":
            line += f" ({counts['message']})"
        elif quiet and not counts["errors"] and not noticed:
            continue
        click.echo(line)
        for note in noticed:
            click.echo(f"  {note}")
    for source in config.sources:
        if source.disabled:
            click.echo(f"{source.name}: disabled ({source.disabled})")
    if result.failure:
        click.echo(f"{result.failure}; articles of the last unsaved group were not stored")
    if result.ingest_gone:
        click.echo(f"Error: {result.ingest_gone}", err=True)
    errors = sum(counts["errors"] for counts in result.per_source.values())
    if errors and not log_kept:
        click.echo("each error, with its reason: --log-file FILE keeps them, -v shows them")
    click.echo(run_line(config, result))
    if result.failure:
        sys.exit(EXIT_STORAGE)
    if result.ingest_gone:
        sys.exit(EXIT_NO_REDIS)
    if result.status == "interrupted":
        sys.exit(EXIT_INTERRUPTED)
    if result.per_source and result.status == "failed":
        sys.exit(EXIT_ALL_FAILED)


# What a source with nothing to crawl is called in the summary.
IDLE_WORDS = "nothing to crawl"
# The run's totals, by their per_source key, as the last line says them.
TOTALS = {
    "requests": "request",
    "new_articles": "new article",
    "duplicates": "duplicate",
    "irrelevant": "irrelevant",
    "dropped": "dropped",
    "errors": "error",
}


def run_line(config: Config, result: CrawlResult) -> str:
    """The run in one line: its status, its sources by outcome, its totals, and the seed."""
    counts = result.per_source.values()
    outcomes = Counter(IDLE_WORDS if c["status"] == IDLE else c["status"] for c in counts)
    sources = amount(len(counts), "source")
    if outcomes:
        sources += f" ({', '.join(f'{n} {status}' for status, n in outcomes.items())})"
    totals = ", ".join(
        amount(sum(c.get(key, 0) for c in counts), word) for key, word in TOTALS.items()
    )
    line = f"crawl run {result.run_id}: {result.status}; {sources}; {totals}"
    if result.seeds is None:
        return line  # a crawler of a shared run: the seeds are ingest's
    if not config.topics:
        return f"{line}; no topics"
    if len(config.topics) == 1:
        seed = result.seeds.get(config.topics[0].name)
        return f"{line}; seed: {f'stored (id {seed})' if seed else 'none'}"
    return f"{line}; seeds: {len(result.seeds)} of {len(config.topics)} stored"


@cli.command()
@config_option
@db_option
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The shared Redis")
@click.option(
    "--first-crawler-seconds",
    type=click.FloatRange(min=0),
    help="End the run when no crawler has joined within this time (default: wait)",
)
@click.option("-q", "--quiet", is_flag=True, help="Only problems: failed sources and errors")
def ingest(config_dir, db_path, redis_url, first_crawler_seconds, quiet):
    """Open a crawl run shared through Redis, and store what its crawlers send.

    Start it first, then `pantau crawl --redis URL` on any number of machines; it ends,
    and records the run, when they all have. Exit codes as `pantau crawl`'s.

    Example:

        pantau ingest --redis redis://127.0.0.1:6379/0 --db archive.db
    """
    config = load(config_dir)
    check_archive_path(db_path)
    try:
        with refusals(redis_url):
            result = run_ingest(config, db_path, redis_url, first_crawler_seconds)
    except SettingError as error:
        raise BadConfig(str(error))
    report(config, result, quiet)


def log_level(verbose: int, quiet: bool, to_file: bool) -> str:
    """Scrapy's log level: -v INFO, -vv DEBUG; else warnings into a log file, errors on the
    screen (without the lines of single requests: crawl/progress.py); -q errors only."""
    if quiet or not (verbose or to_file):
        return "ERROR"
    return {0: "WARNING", 1: "INFO"}.get(verbose, "DEBUG")


@cli.command()
@config_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on")
@click.option(
    "--public",
    is_flag=True,
    help="Read-only for everyone: no arbitrary SQL, raw pages and internal tables hidden",
)
def serve(config_dir, db_path, host, port, public):
    """Serve the archive with Datasette: Pantau's home page, search and article pages, and
    the tables with DIR/metadata.yml (or the built-in metadata).

    The archive is created (with the seed articles) if it does not exist yet.

    Example:

        pantau serve --port 8001
    """
    config = load(config_dir)
    check_archive_path(db_path)
    try:
        metadata = metadata_for(config_dir, db_path.stem, public)
    except ConfigError as error:
        raise click.ClickException(str(error))
    installed = other_plugins() if public else []
    if installed:
        raise click.ClickException(
            f"--public serves with Pantau's plugin only; installed: {', '.join(installed)}"
        )
    if not db_path.exists():
        seed_archive(config, db_path)
    open_db(db_path).close()  # brings an older archive up to date
    if not public and not is_loopback(host):
        click.echo(
            f"Warning: serving on {host} to other machines with arbitrary SQL and the raw pages;"
            " use --public for read-only access",
            err=True,
        )
    mode = " (public, read-only)" if public else ""
    click.echo(f"Serving {db_path} on http://{host}:{port}/{mode}")
    sys.stdout.flush()
    serve_archive(db_path, metadata, host, port, public)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--url",
    default=None,
    help="URL the page was fetched from (default: the page's own canonical URL, if absolute)",
)
@click.option(
    "--charset",
    default=None,
    help="Charset the server's Content-Type header gave (used when the page declares none)",
)
@config_option
def extract(file, url, charset, config_dir):
    """Extract one saved page and print it as JSON.

    `notes` lists what was doubtful on the way (a page kept against some evidence, a
    container trimmed or set aside). Without --url the page is judged with the canonical
    URL it declares, and `notes` says so.

    Example:

        pantau extract page.html --url https://www.antaranews.com/berita/123/judul
    """
    if charset and not resolve_encoding(charset):
        raise click.BadParameter(f"unknown charset: {charset!r}", param_hint="--charset")
    judged_with = None
    try:
        rules = body_rules(outlets_if_any(config_dir))
        page = file.read_bytes()
        # Where a page lives says much of what it is (a site's front page, a story's id).
        judged_with = None if url else declared_url(page, charset)
        article = extract_article(page, url or judged_with, charset=charset, rules=rules)
    except ExtractionError as error:
        how = f" (judged with the page's canonical URL {judged_with})" if judged_with else ""
        raise click.ClickException(f"{file}: no article: {error}{how}")
    if judged_with:
        article["notes"].append(f"judged with the page's canonical URL {judged_with}")
    click.echo(json.dumps(article, ensure_ascii=False, indent=2))


@cli.command()
@config_option
@db_option(help=EXISTING_ARCHIVE)
def rescore(config_dir, db_path):
    """Score the stored articles against the topics again, from their text.

    URLs found irrelevant are forgotten, so that the next crawl judges them again; `pantau
    crawl` does this by itself when a topic's threshold, keywords, window or seed changed.

    Example:

        pantau rescore --db archive.db
    """
    config = load(config_dir)
    with _writing(db_path, "rescore") as archive:
        result = rescore_archive(archive, config.topics)
        save_config(archive, config)
    click.echo(
        f"{result.articles} articles rescored, "
        f"{result.urls_freed} URLs to judge again (irrelevant or unreadable)"
    )


@cli.command()
@db_option(help=EXISTING_ARCHIVE)
@click.option("--source", default=None, help="Only pages fetched for this source")
@config_option
def reextract(db_path, source, config_dir):
    """Re-run extraction over stored pages, updating articles in place.

    Nothing is refetched. An article whose new extraction fails or is much shorter keeps
    its old text, and is listed.

    Example:

        pantau reextract --db archive.db --source detik
    """
    outlets = outlets_if_any(config_dir)
    with _writing(db_path, "reextract") as archive:
        if source is not None and source not in known_sources(archive):
            raise click.BadParameter(f"no pages from a source {source!r}", param_hint="--source")
        report = reextract_pages(archive, source, outlets)
    for article_id, url, why in report.kept:
        click.echo(f"kept {article_id} ({url}): {why}")
    click.echo(f"{report.updated} updated, {report.unchanged} unchanged, {len(report.kept)} kept")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@db_option(help=EXISTING_ARCHIVE)
def warc(out, db_path):
    """Write the stored responses as a WARC file (gzipped when OUT ends in .gz). OUT is
    never the archive, nor any other SQLite database.

    Example:

        pantau warc pantau.warc.gz --db archive.db
    """
    check_output_path(out, "OUT", db_path)
    count = write_warc(_existing_archive(db_path), out)
    click.echo(f"{count} responses written to {out}")


def _existing_archive(db_path: Path):
    if not db_path.exists():
        raise click.ClickException(f"{db_path}: archive not found")
    check_archive_path(db_path)
    return open_db(db_path)


@contextlib.contextmanager
def _writing(db_path: Path, command: str) -> Iterator[Database]:
    """An existing archive, held for `command` (no other pantau command writes meanwhile)."""
    if not db_path.exists():
        raise click.ClickException(f"{db_path}: archive not found")
    check_archive_path(db_path)
    with refusals(), archive_lock(db_path, command):
        archive = open_db(db_path)
        try:
            yield archive
        finally:
            archive.close()


cli.add_command(topic)
cli.add_command(sources)
cli.add_command(config_check.config)
