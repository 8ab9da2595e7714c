"""`pantau topic ...` and `pantau sources ...`: commands about the configuration."""

import json
import sys
from datetime import date
from pathlib import Path

import click

from crawler.archive.runs import last_results
from crawler.cli.add_topic import TopicError, add_topic, remove_topic
from crawler.cli.paths import check_output_path
from crawler.config.load import ConfigError, Source, load_config, load_topics
from crawler.config.outlet_files import entry_counts, markdown_table, record_live_checks
from crawler.discover.check import as_json, check_sources, summary, verdict_text
from crawler.discover.targets import targets_for
from crawler.relevance.terms import query_terms


def config_option(function):
    return click.option(
        "--config",
        "config_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default="config",
        show_default=True,
        help="Directory with outlets/ (or sources.yml), topics.yml, crawl.yml, metadata.yml",
    )(function)


def db_option(function=None, help="SQLite archive (created if missing)"):
    option = click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default="archive.db",
        show_default=True,
        help=help,
    )
    return option(function) if function else option


@click.group()
def topic():
    """List, show, add or remove the topics the crawler follows."""


@topic.command(name="list")
@config_option
def list_topics(config_dir):
    """One line per topic: its seed, window, keywords and threshold.

    Example:

        pantau topic list
    """
    if not config_dir.is_dir():
        raise BadConfig(f"{config_dir}: (directory): config directory not found")
    topics_file = config_dir / "topics.yml"
    try:
        topics = load_topics(topics_file)
    except ConfigError as error:
        raise BadConfig(str(error))
    if not topics:
        click.echo(f"no topics in {topics_file}: a crawl keeps every article it finds")
    for found in topics:
        seed = found.seed.relative_to(config_dir) if found.seed else "-"
        click.echo(
            f"{found.name}: seed {seed}; window {found.since or '-'} .. {found.until or '-'}; "
            f"{len(found.keywords)} keywords; min_relevance {found.min_relevance}"
        )


@topic.command()
@click.argument("name")
@config_option
def show(name, config_dir):
    """Show a topic: its seed, window, threshold and the query terms derived from its seed.

    Example:

        pantau topic show kim-jong-un-russia-2023
    """
    config = load(config_dir)
    found = next((t for t in config.topics if t.name == name), None)
    if found is None:
        known = ", ".join(t.name for t in config.topics) or "none"
        raise click.ClickException(
            f"{config_dir / 'topics.yml'}: no topic {name!r} (known: {known})"
        )
    info = found.seed_info
    click.echo(f"topic: {found.name}")
    click.echo(
        f"seed: {found.seed or '-'} (source {info.source or '?'}, url {info.url or '?'}, "
        f"published {info.published_at or '?'})"
    )
    click.echo(f"window: {found.since or '-'} .. {found.until or '-'}")
    click.echo(f"min_relevance: {found.min_relevance}")
    click.echo(f"keywords: {', '.join(found.keywords) or '-'}")
    click.echo("query terms:")
    for term in query_terms(found):
        click.echo(f"  {term}")
    targets = targets_for([found])
    click.echo(f"search and tag pages use: {', '.join(targets.template_terms) or '-'}")


@topic.command()
@click.argument("name")
@click.option("--seed-url", default=None, help="Fetch the seed article from this URL")
@click.option(
    "--seed-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Seed article as a text or HTML file",
)
@click.option("--keyword", "keywords", multiple=True, help="A keyword (repeatable)")
@click.option("--since", default=None, help="First day of the story (YYYY-MM-DD)")
@click.option("--until", default=None, help="Last day of the story (YYYY-MM-DD)")
@click.option(
    "--min-relevance",
    default=0.25,
    show_default=True,
    type=float,
    help="Articles scoring below this for every topic are not stored",
)
@config_option
def add(name, seed_url, seed_file, keywords, since, until, min_relevance, config_dir):
    """Add a topic from a seed article, without editing topics.yml by hand.

    Example:

        pantau topic add banjir-jakarta --seed-url https://... --keyword banjir --keyword Jakarta
    """
    if bool(seed_url) == bool(seed_file):
        raise click.UsageError("give exactly one of --seed-url and --seed-file")
    config = load(config_dir)
    try:
        entry, notes = add_topic(
            config_dir,
            name,
            seed_file,
            seed_url,
            list(keywords),
            since,
            until,
            min_relevance,
            config.sources,
            config.crawl.user_agent,
        )
    except (TopicError, ConfigError) as error:
        raise click.ClickException(str(error))
    for note in notes:
        click.echo(note)
    click.echo(f"added topic {entry['name']} (seed {config_dir / entry['seed']})")


@topic.command()
@click.argument("name")
@config_option
def remove(name, config_dir):
    """Take a topic out of topics.yml (comments and layout kept), with the seed `topic add`
    saved for it. The archive keeps the articles already stored.

    Example:

        pantau topic remove banjir-jakarta
    """
    try:
        done = remove_topic(config_dir, name)
    except TopicError as error:
        raise click.ClickException(str(error))
    for line in done:
        click.echo(line)
    click.echo("the archive keeps the articles already stored for it")


@click.group()
def sources():
    """List and check the configured sources (the outlet files)."""


@sources.command()
@config_option
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the report as JSON to this file",
)
@click.option(
    "--update",
    is_flag=True,
    help="Write evidence {source: live, seen: today} into the outlet files that passed",
)
def check(config_dir, json_path, update):
    """Try every feed, sitemap, listing, search/tag template and date index live, and report
    per source, then in one line. Every fetch is bounded in time and size, and none goes
    where the site's robots.txt disallows.

    Search and tag templates pass a gate: the topic's query returns results that name it, a
    nonsense query none of its own, an unrelated query other results, all on the outlet's
    site. A date index of a week ago must list mostly that day's links (where URLs carry
    dates), and its page 2 must not repeat page 1. Every entry point says how many of its
    links the article_pattern accepts and how many article-like links it rejects ("pattern
    stale" when it accepts none of ten or more).

    With --update, each outlet file whose entry points all passed gets
    `evidence: {source: live, seen: TODAY, says: ...}` in place of its earlier live one
    (comments and layout kept).

    Exits 1 when nothing answered at all.

    Example:

        pantau sources check --config config --json check.json --update
    """
    if json_path:
        check_output_path(json_path, "--json")
    config = load(config_dir)
    results = check_sources(config.sources, targets_for(config.topics), config.crawl.user_agent)
    for source in config.sources:
        if source.disabled:
            click.echo(f"{source.name}: disabled ({source.disabled})")
            continue
        mine = [r for r in results if r.source == source.name]
        working = sum(r.ok for r in mine)
        click.echo(f"{source.name}: {working}/{len(mine)} answered and parsed")
        for r in mine:
            state = f"ok, {r.links} article links" if r.ok else f"FAILED ({r.error})"
            if r.rejected:
                state += f", {r.rejected} article-like links rejected by the pattern"
            if r.verdicts:
                state += f" [{verdict_text(r)}]"
            click.echo(f"  {r.kind:<8} {state}  {r.url}")
    click.echo(summary(results))
    if update:
        try:
            for line in record_live_checks(config, results, date.today()):
                click.echo(line)
        except OSError as error:
            raise click.ClickException(f"{error.filename}: cannot write: {error.strerror}")
    if json_path:
        try:
            json_path.write_text(json.dumps(as_json(results), indent=2), "utf-8")
        except OSError as error:
            raise click.ClickException(f"{json_path}: cannot write: {error.strerror}")
    if results and not any(r.ok for r in results):
        sys.exit(1)


@sources.command(name="list")
@config_option
@db_option(help="The archive whose last crawl to report (read, never created)")
@click.option(
    "--markdown",
    is_flag=True,
    help="A Markdown table (the one in docs/discovery.md), no crawl results",
)
def list_sources(config_dir, db_path, markdown):
    """One line per outlet: crawled or why not, entry points by kind, the newest evidence
    date, and the last crawl's result.

    Example:

        pantau sources list
    """
    config = load(config_dir)
    if markdown:
        click.echo(markdown_table(config.sources), nl=False)
        return
    crawled = last_results(db_path)
    for source in config.sources:
        state = f"disabled ({source.disabled})" if source.disabled else "enabled"
        newest = source.newest_evidence()
        result = crawled.get(source.name)
        last = (
            f"last crawl: {result['status']}, {result.get('new_articles', 0)} new"
            if result
            else "not crawled yet"
        )
        click.echo(
            f"{source.name}: {state}; {entry_counts(source)}; "
            f"evidence {newest.isoformat() if newest else 'none'}; {last}"
        )


class BadConfig(click.ClickException):
    """A config file says something invalid: one line, and its own exit code."""

    exit_code = 2


def load(config_dir: Path):
    try:
        return load_config(config_dir)
    except ConfigError as error:
        raise BadConfig(str(error))


def outlets_if_any(config_dir: Path) -> list[Source]:
    """The configured outlets, or none when the default config directory is absent (a page
    read outside a project gets the generic extraction); a bad config is still an error."""
    if config_dir == Path("config") and not config_dir.is_dir():
        return []
    return load(config_dir).sources
