from pathlib import Path

import pytest

from crawler.sources import ConfigError, load_config
from tests.conftest import ROOT, seed_topic, write_config


def test_shipped_config_loads():
    config = load_config(ROOT / "config")
    names = [source.name for source in config.sources]
    assert len(names) == len(set(names)) >= 5
    [topic] = config.topics
    assert topic.seed is not None and topic.seed.read_text("utf-8").startswith("Bagikan:")
    # Unknown facts about the seed stay unknown.
    assert topic.seed_info.url is None and topic.seed_info.title is None
    assert topic.seed_info.published_at == "2023-09-18"
    assert config.crawl.contact_url.startswith("https://")


def test_only_name_is_required(tmp_path):
    config = load_config(write_config(tmp_path, [{"name": "x"}], []))
    assert config.sources[0].feeds == [] and config.sources[0].article_pattern is None


def test_sources_may_share_a_host(tmp_path):
    sources = [{"name": "a", "hosts": ["voi.id"]}, {"name": "b", "hosts": ["voi.id"]}]
    assert len(load_config(write_config(tmp_path, sources, [])).sources) == 2


@pytest.mark.parametrize(
    "file, text, key, problem",
    [
        ("sources.yml", "sources: [{name: a}, {name: a}]", "sources[1] (a).name", "duplicate"),
        ("sources.yml", "sources: [{hosts: [a.id]}]", "sources[0].name", "is required"),
        ("sources.yml", "sources: [{name: a, feed: [x]}]", "sources[0].feed", "unknown key"),
        (
            "sources.yml",
            "sources: [{name: a, feeds: [ftp://x]}]",
            "sources[0] (a).feeds[0]",
            "not an http",
        ),
        (
            "sources.yml",
            "sources: [{name: a, article_pattern: '(('}]",
            "sources[0] (a).article_pattern",
            "invalid regex",
        ),
        ("sources.yml", "sources: {name: a}", "sources", "must be a list"),
        ("sources.yml", "source: []", "sources", "missing"),
        ("sources.yml", "sources: [name: a\n  - b", "(file)", "invalid YAML at line"),
        (
            "topics.yml",
            "topics: [{name: t, min_relevance: high}]",
            "topics[0] (t).min_relevance",
            "number",
        ),
        ("topics.yml", "topics: [{name: t, seed: nope.txt}]", "topics[0] (t).seed", "not found"),
        (
            "topics.yml",
            "topics: [{name: t, keywords: {a: 1}}]",
            "topics[0] (t).keywords",
            "list of strings",
        ),
        ("crawl.yml", "contact_url: ftp://x", "contact_url", "http(s)"),
        ("crawl.yml", "settings: [1]", "settings", "mapping"),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path, file, text, key, problem):
    directory = write_config(tmp_path, [{"name": "ok"}], [seed_topic()])
    (directory / file).write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(directory)
    error = caught.value
    assert Path(error.file).name == file
    assert error.key == key
    assert problem in error.problem


def test_missing_sources_file(tmp_path):
    directory = write_config(tmp_path, [], [])
    (directory / "sources.yml").unlink()
    with pytest.raises(ConfigError, match="sources.yml: \\(file\\): file not found"):
        load_config(directory)
