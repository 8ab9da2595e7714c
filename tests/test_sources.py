from pathlib import Path

import pytest

from crawler.config.load import ConfigError, load_config
from tests.conftest import ROOT, SHIPPED_RULES, seed_topic, write_config


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
        (
            "topics.yml",
            "topics: [{name: t, min_relevance: .nan}]",
            "topics[0] (t).min_relevance",
            "between 0 and 1",
        ),
        (
            "topics.yml",
            "topics: [{name: t, min_relevance: 5}]",
            "topics[0] (t).min_relevance",
            "between 0 and 1",
        ),
        (
            "topics.yml",
            "topics: [{name: t, seed: seeds/empty.txt}]",
            "topics[0] (t).seed",
            "holds no text",
        ),
        (
            "topics.yml",
            "topics: [{name: t, seed: seeds/binary.txt}]",
            "topics[0] (t).seed",
            "not UTF-8",
        ),
        (
            "sources.yml",
            "sources: [{name: a, article_pattern: '(a+)+$'}]",
            "sources[0] (a).article_pattern",
            "backtracks",
        ),
        (
            "topics.yml",
            "topics: [{name: t, since: 2023-13-01}]",
            "topics[0] (t).since",
            "not a date (YYYY-MM-DD): '2023-13-01'",
        ),
        ("crawl.yml", "contact_url: ftp://x", "contact_url", "http(s)"),
        ("crawl.yml", "settings: [1]", "settings", "mapping"),
    ],
)
def test_bad_config_names_file_key_and_problem(tmp_path, file, text, key, problem):
    directory = write_config(tmp_path, [{"name": "ok"}], [seed_topic()])
    (directory / "seeds" / "empty.txt").write_text(" \n", "utf-8")
    (directory / "seeds" / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    (directory / file).write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(directory)
    error = caught.value
    assert Path(error.file).name == file
    assert error.key == key
    assert problem in error.problem


@pytest.mark.parametrize(
    "outlet",
    [
        {"hosts": ["host"]},
        {"feeds": ["http://host/rss"]},  # its hosts are those of its entry points
        {"hosts": ["x.host"], "examples": {"articles": [{"url": "http://host/a", "source": "s"}]}},
    ],
)
def test_a_pattern_slow_on_the_outlets_own_host_is_refused(tmp_path, outlet):
    """Anchored on its host, the pattern never meets a probe URL of another host; on its own
    host, a long link costs it more than its time per URL, link after link in a crawl."""
    source = {"name": "a", "article_pattern": "^http://host/(a+)+$", **outlet}
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, [source], []))
    assert (caught.value.key, caught.value.problem.split(" (")[0]) == (
        "sources[0] (a).article_pattern",
        "backtracks too long",
    )
    assert "http://host/aaaa" in caught.value.problem
    # A pattern that says the same without nesting loads, and is quick on the same URLs.
    source["article_pattern"] = "^http://host/a+$"
    [loaded] = load_config(write_config(tmp_path, [source], [])).sources
    assert loaded.is_article_url("http://host/aaa")


def test_missing_sources_file(tmp_path):
    directory = write_config(tmp_path, [], [])
    (directory / "sources.yml").unlink()
    with pytest.raises(ConfigError, match="sources.yml: \\(file\\): file not found"):
        load_config(directory)


NATIONAL_OUTLETS = {
    "detik",
    "kompas",
    "cnnindonesia",
    "cnbcindonesia",
    "antaranews",
    "tempo",
    "republika",
    "liputan6",
    "okezone",
    "sindonews",
    "tribunnews",
    "suara",
    "merdeka",
    "kumparan",
    "idntimes",
    "voi",
    "jpnn",
    "viva",
    "tirto",
    "bisnis",
    "kontan",
    "katadata",
    "mediaindonesia",
    "beritasatu",
    "inews",
    "jawapos",
    "medcom",
    "kompastv",
}


def test_shipped_sources_cover_the_national_outlets():
    sources = {source.name: source for source in load_config(ROOT / "config").sources}
    assert NATIONAL_OUTLETS <= set(sources)
    for name in NATIONAL_OUTLETS:
        source = sources[name]
        if source.disabled:
            continue  # said why in its file; listed by `pantau sources list`
        assert any(source.entry_points().values()), name
        assert source.article_pattern and source.evidence, name


def test_at_least_80_outlets_each_with_evidence_and_examples_its_pattern_tells_apart():
    """The fundus idea for URLs: each outlet file carries real article and non-article URLs
    from 2025-2026 evidence, and its pattern classifies all of them right (the loader refuses
    a file whose pattern fails one). An outlet without such evidence is not crawled."""
    outlets = load_config(ROOT / "config").sources
    assert len(outlets) >= 80
    for source in outlets:
        assert source.evidence, source.name
        assert all(source.is_article_url(e.url) for e in source.examples.articles), source.name
        assert not any(source.is_article_url(e.url) for e in source.examples.not_articles)
        if source.disabled:
            continue
        entry_points = [url for urls in source.entry_points().values() for url in urls]
        assert entry_points, source.name
        assert len(source.examples.articles) >= 2, f"{source.name}: needs 2 real article URLs"
        assert source.examples.not_articles, f"{source.name}: needs a real non-article URL"
        assert all(e.source for e in source.examples.articles + source.examples.not_articles)
    # The date indexes the 2026 audit names, configured as evidenced.
    with_archives = {source.name for source in outlets if source.archives}
    audited = {"detik", "cnnindonesia", "cnbcindonesia", "okezone", "sindonews", "republika"}
    assert audited <= with_archives
    paged_by_offset = {s.name for s in outlets if any("{offset:" in t for t in s.archives)}
    assert {"okezone", "sindonews", "republika"} <= paged_by_offset


def test_no_shipped_outlet_cites_the_projects_own_desk_note():
    for source in load_config(ROOT / "config").sources:
        for item in source.evidence:
            assert "outlets-2026.md" not in item.source, source.name


def _real_urls(real_data):
    import json

    manifest = json.loads((real_data / "manifest.json").read_text())
    pages = [(row["url"], row) for row in manifest if row["page_type"] == "article" and row["url"]]
    related = json.loads((real_data / "related" / "kim-jong-un-russia-sept-2023.json").read_text())
    return pages + [(item["url"], None) for item in related["indonesian_coverage"]]


def test_every_source_with_real_pages_recognises_and_extracts_them(real_data):
    """The fundus TestParser idea: each outlet with a real page in ../shared is tested on it."""
    from crawler.extract.article import extract_article
    from crawler.urls import host_matches

    sources = load_config(ROOT / "config").sources
    tested = set()
    for url, row in _real_urls(real_data):
        host = url.split("/")[2]
        owners = [s for s in sources if host_matches(host, s.hosts)]
        if not owners:
            continue  # an outlet outside the shipped list (radarnasional, dip.or.id, ...)
        assert any(s.is_article_url(url) for s in owners), url
        if row is not None:
            article = extract_article(
                (real_data / row["file"]).read_bytes(), url, rules=SHIPPED_RULES
            )
            assert article["title"] and len(article["text"]) > 80  # photo stories are short
        tested.add(owners[0].name)
    untested = sorted({s.name for s in sources} - tested)
    print(f"sources with a real page: {sorted(tested)}; without: {untested}")
    assert len(tested) >= 12


def test_the_documented_outlet_table_is_made_from_the_files():
    from crawler.config.outlet_files import markdown_table

    page = (ROOT / "docs" / "discovery.md").read_text("utf-8")
    start = page.index("<!-- outlets table:")
    table = page[page.index("\n", start) + 1 : page.index("<!-- end of outlets table -->")]
    expected = markdown_table(load_config(ROOT / "config").sources)
    assert table == expected, "run `pantau sources list --markdown`; paste it in docs/discovery.md"
