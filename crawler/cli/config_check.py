"""`pantau config check`: every problem of a config at once, without crawling."""

import sys

import click

from crawler.cli.topics import BadConfig, config_option
from crawler.config.load import Config, ConfigError, check_config
from crawler.datasette.serve import metadata_for
from crawler.text import amount


@click.group()
def config():
    """Check the configuration."""


@config.command()
@config_option
def check(config_dir):
    """Load everything a crawl would (outlets, topics and their seeds, crawl.yml, and
    metadata.yml for `pantau serve`) and report every problem, one line each as FILE: KEY:
    PROBLEM, and what a crawl would do that may not be meant (no topics: every article is
    kept; an outlet without entry points).

    Exits 0 when there is no problem (warnings aside), 2 when there is any.

    Example:

        pantau config check --config config
    """
    loaded, problems = check_config(config_dir)
    metadata = config_dir / "metadata.yml"
    if metadata.is_file():
        try:
            metadata_for(config_dir, "archive", public=False)
        except ConfigError as error:
            problems.append(error)
        except ValueError as error:  # a YAML date that is no day
            problems.append(ConfigError(metadata, "(file)", f"cannot read: {error}"))
    for problem in problems:
        click.echo(str(problem))
    print_warnings(loaded, err=False)
    enabled = [source for source in loaded.sources if not source.disabled]
    said = f"{amount(len(problems), 'problem')}, {amount(len(loaded.warnings), 'warning')}"
    if not problems:
        disabled = len(loaded.sources) - len(enabled)
        said += (
            f": {amount(len(enabled), 'outlet')} to crawl ({disabled} disabled), "
            f"{amount(len(loaded.topics), 'topic')}"
        )
    click.echo(f"{config_dir}: {said}")
    if problems:
        sys.exit(BadConfig.exit_code)


def print_warnings(config: Config, err: bool = True) -> None:
    """What a crawl with this config would do that its user may not mean, a line each (on
    stderr, for a crawl: its summary stays what stdout says)."""
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=err)
