"""`pantau config check`: every problem of a config at once, and what a crawl would do that
its user may not mean, without crawling."""

import pytest
from click.testing import CliRunner

from crawler.cli.main import cli
from crawler.config.load import ConfigError, load_config
from tests.conftest import ROOT, run_pantau, seed_topic, write_config


def _broken(tmp_path):
    """A config with one problem or more in each of its files, and one quiet outlet."""
    config = write_config(
        tmp_path / "config",
        [
            {"name": "a", "feeds": ["ftp://x", "https://a.id/rss"], "body": ["div[["]},
            {"name": "b", "hosts": ["b.id"], "render": "yes", "feed": ["https://b.id/rss"]},
            {"name": "c", "hosts": ["c.id"]},
        ],
        [],
    )
    (config / "topics.yml").write_text(
        "topics:\n"
        "- name: t\n"
        "  since: 2023-13-01\n"  # no such month: YAML gives up on it as a date
        "  min_relevance: 5\n"
        "- name: u\n"
        "  seed: seeds/gone.txt\n",
        "utf-8",
    )
    (config / "crawl.yml").write_text("contact_url: ftp://x\nbackfill: false\n", "utf-8")
    return config


def test_config_check_names_every_problem_of_every_file(tmp_path):
    config = _broken(tmp_path)
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(config)])
    sources, topics, crawl = (config / name for name in ("sources.yml", "topics.yml", "crawl.yml"))
    problems = [
        f"{sources}: sources[0] (a).feeds[0]: not an http(s) URL: 'ftp://x'",
        f"{sources}: sources[0] (a).body[0]: invalid CSS selector:",
        f"{sources}: sources[1].feed: unknown key (allowed:",
        f"{sources}: sources[1] (b).render: must be true or false",
        f"{topics}: topics[0] (t).min_relevance: must be between 0 and 1",
        f"{topics}: topics[0] (t).since: not a date (YYYY-MM-DD): '2023-13-01'",
        f"{topics}: topics[1] (u).seed: seed file not found: {config / 'seeds' / 'gone.txt'}",
        f"{crawl}: contact_url: must be an http(s) or mailto: URL",
    ]
    lines = result.output.splitlines()
    for problem in problems:
        assert sum(line.startswith(problem) for line in lines) == 1, (problem, result.output)
    assert f"warning: {sources}: sources[2] (c): no entry points" in result.output
    assert lines[-1] == f"{config}: 8 problems, 1 warning"
    assert result.exit_code == 2  # a bad config, as for every command (docs/operations.md)
    assert "Traceback" not in result.output


def test_other_commands_refuse_the_config_naming_every_problem(tmp_path):
    config = _broken(tmp_path)
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert len(str(raised.value).splitlines()) == 8
    assert raised.value.key == "sources[0] (a).feeds[0]"  # the first one's, for a program
    result = CliRunner().invoke(cli, ["sources", "list", "--config", str(config)])
    assert result.exit_code == 2 and len(result.output.splitlines()) == 8


def test_the_shipped_config_passes():
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(ROOT / "config")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith(f"{ROOT / 'config'}: 0 problems, 0 warnings")


def test_a_crawl_that_would_keep_everything_or_fetch_nothing_says_so(tmp_path):
    config = write_config(
        tmp_path / "config",
        [{"name": "kosong", "hosts": ["127.0.0.1"]}, {"name": "mati", "disabled": "gone"}],
        [],
    )
    (config / "topics.yml").unlink()
    warnings = [
        f"warning: {config / 'sources.yml'}: sources[0] (kosong): no entry points (feeds, "
        "sitemaps, listings, tags, search, archives): a crawl fetches nothing for it",
        f"warning: {config / 'topics.yml'}: topics: none: a crawl keeps every article it "
        "finds, whatever its subject",
    ]
    checked = CliRunner().invoke(cli, ["config", "check", "--config", str(config)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.splitlines() == [
        *warnings,
        f"{config}: 0 problems, 2 warnings: 1 outlet to crawl (1 disabled), 0 topics",
    ]
    crawl = run_pantau("crawl", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert crawl.stderr.splitlines()[:2] == warnings, crawl.stderr
    quiet = run_pantau("crawl", "-q", "--config", str(config), "--db", str(tmp_path / "a.db"))
    assert "warning:" not in quiet.stderr + quiet.stdout
    # With a topic, and an entry point, the config is what a user means: no word about it.
    write_config(config, [{"name": "ada", "feeds": ["http://127.0.0.1:9/rss"]}], [seed_topic()])
    assert CliRunner().invoke(cli, ["config", "check", "--config", str(config)]).output == (
        f"{config}: 0 problems, 0 warnings: 1 outlet to crawl (0 disabled), 1 topic\n"
    )


def test_a_bad_metadata_file_is_a_problem_too(tmp_path):
    config = write_config(tmp_path / "config", [{"name": "a", "feeds": ["https://a.id/"]}], [])
    (config / "metadata.yml").write_text("databases: [1, 2]\n", "utf-8")
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config / 'metadata.yml'}: databases: must describe one archive" in result.output


def test_a_missing_config_directory(tmp_path):
    result = CliRunner().invoke(cli, ["config", "check", "--config", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'nope'}: (directory): config directory not found" in result.output
