"""One outlet, one file: config/outlets/<name>.yml holds discovery and extraction together.

Every shipped body rule is live (it matches the body on a real page of its outlet), and
the per-outlet files and sources.yml accept the same keys.
"""

from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.config.load import ConfigError, load_config
from crawler.config.rules import rules_for
from crawler.extract.body import container_text
from tests.conftest import ROOT, SHIPPED_RULES
from tests.mockweb import REAL_DATA, real_articles


@pytest.mark.parametrize("rules", SHIPPED_RULES, ids=lambda rules: rules.name)
def test_every_body_rule_finds_a_body_on_a_real_page(real_data, rules):
    pages = [row for row in real_articles() if rules_for(row["url"], SHIPPED_RULES) is rules]
    assert pages, f"no real page for {rules.name}: write one under tests/fixtures/pages/"
    found = []
    for row in pages:
        tree = lxml_html.document_fromstring((REAL_DATA / row["file"]).read_bytes())
        container = container_text(tree, rules)
        found.append(container is not None and len(container[0].split()) >= 15)
    assert any(found), f"{rules.name}: no rule matched on {[Path(r['file']).name for r in pages]}"


def test_rules_for_prefers_the_most_specific_host():
    assert rules_for("http://photo.liputan6.com/musik/x", SHIPPED_RULES).hosts == (
        "photo.liputan6.com",
    )
    assert rules_for("https://www.liputan6.com/news/read/1/x", SHIPPED_RULES).name == "liputan6"
    assert rules_for("https://voi.id/berita/1/x", SHIPPED_RULES) is None


def test_the_shipped_outlets_are_one_file_each():
    config = load_config(ROOT / "config")
    files = sorted(path.stem for path in (ROOT / "config" / "outlets").glob("*.yml"))
    assert sorted(source.name for source in config.sources) == files
    assert not (ROOT / "config" / "sources.yml").exists()


OUTLET = """\
hosts: [contoh.id]
feeds: [https://contoh.id/rss]
article_pattern: "/berita/\\\\d+/"
body: ["div.isi-berita"]
drop: ["div.baca-juga"]
sections:
  - hosts: [foto.contoh.id]
    body: ["figcaption"]
"""


def _config(tmp_path: Path, outlets: dict[str, str], sources: str | None = None) -> Path:
    (tmp_path / "outlets").mkdir(parents=True)
    for name, text in outlets.items():
        (tmp_path / "outlets" / f"{name}.yml").write_text(text, "utf-8")
    if sources is not None:
        (tmp_path / "sources.yml").write_text(sources, "utf-8")
    return tmp_path


def test_an_outlet_file_is_named_by_its_file_and_holds_its_rules(tmp_path):
    config = load_config(_config(tmp_path, {"contoh": OUTLET}))
    [outlet] = config.sources
    assert (outlet.name, outlet.feeds, outlet.hosts) == (
        "contoh",
        ["https://contoh.id/rss"],
        ["contoh.id"],
    )
    assert [(rules.hosts, rules.body) for rules in config.body_rules()] == [
        (("contoh.id",), ("div.isi-berita",)),
        (("foto.contoh.id",), ("figcaption",)),
    ]


def test_sources_yml_takes_the_same_keys_beside_outlet_files(tmp_path):
    entry = "\n".join("    " + line for line in OUTLET.splitlines())
    sources = (
        "sources:\n  - name: lain\n"
        + entry.replace("    hosts: [contoh.id]", "    hosts: [lain.id]", 1)
        + "\n"
    )
    config = load_config(_config(tmp_path, {"contoh": OUTLET}, sources))
    assert [source.name for source in config.sources] == ["contoh", "lain"]
    assert config.sources[1].body == ["div.isi-berita"]


@pytest.mark.parametrize(
    "text, key, problem",
    [
        ("body: ['div..x']\nhosts: [a.id]", "contoh.body[0]", "invalid CSS selector"),
        ("body: [div.isi]", "contoh.hosts", "required with body rules"),
        (
            "hosts: [a.id]\nsections: [{hosts: [b.id]}]",
            "contoh.sections[0]",
            "needs hosts and body",
        ),
        ("hosts: [a.id]\nfeed: [x]", "(top level).feed", "unknown key"),
        ("- a\n- b", "(top level)", "must be a mapping"),
        ("checked: {source: news-watch, date: 2026-11-30}", "contoh.checked", "evidence"),
        ("evidence: [{source: news-watch, says: x}]", "contoh.evidence[0].seen", "is required"),
        (
            "evidence: [{source: x, seen: kemarin, says: x}]",
            "contoh.evidence[0].seen",
            "not a date",
        ),
        (
            "evidence: [{source: x, seen: 2026-09-26, says: x, by: me}]",
            "contoh.evidence[0].by",
            "unknown key",
        ),
        (
            "examples: {articles: [{url: 'https://a.id/x'}]}",
            "contoh.examples.articles[0].source",
            "is required",
        ),
        ("feeds: [{url: 'https://a.id/rss'}]", "contoh.feeds[0].disabled", "is required"),
        ("archives: ['https://a.id/indeks/{date:%Y}/{offset}']", "contoh.archives[0]", "STEP"),
        ("archives: ['https://a.id/indeks/{day}']", "contoh.archives[0]", "{date:FORMAT}"),
        ("tags: ['https://a.id/tag/{tag}/{halaman}']", "contoh.tags[0]", "unknown placeholder"),
    ],
)
def test_a_bad_outlet_file_names_file_key_and_problem(tmp_path, text, key, problem):
    with pytest.raises(ConfigError) as raised:
        load_config(_config(tmp_path, {"contoh": text}))
    error = raised.value
    assert (Path(error.file).name, error.key) == ("contoh.yml", key)
    assert problem in error.problem


def test_evidence_examples_and_disabled_are_read(tmp_path):
    text = OUTLET + (
        "evidence:\n"
        "  - {source: news-watch 1.3.0 docs/api-status.md, seen: 2026-09-26, says: latest passed}\n"
        "  - {source: scrapers/contoh.py, seen: 2026-12-05, says: 'code only: x'}\n"
        "examples:\n"
        "  articles: [{url: 'https://contoh.id/berita/123/a', source: s}]\n"
        "  not_articles: [{url: 'https://contoh.id/indeks', source: s}]\n"
        "disabled: search moved\n"
    )
    [outlet] = load_config(_config(tmp_path, {"contoh": text})).sources
    assert [item.seen.isoformat() for item in outlet.evidence] == ["2026-09-26", "2026-12-05"]
    # Code that nobody recorded running is not "seen working" on the day it was read.
    assert outlet.newest_evidence().isoformat() == "2026-09-26"
    assert outlet.examples.articles[0].url == "https://contoh.id/berita/123/a"
    assert outlet.disabled == "search moved"


def test_an_entry_point_kept_disabled_is_not_fetched_but_listed(tmp_path):
    text = OUTLET + (
        "tags:\n"
        "  - {url: 'https://contoh.id/tag/{tag}', disabled: 'robots.txt: /tag/'}\n"
        "  - https://contoh.id/topik/{tag}\n"
    )
    [outlet] = load_config(_config(tmp_path, {"contoh": text})).sources
    assert outlet.tags == ["https://contoh.id/topik/{tag}"]
    assert [(e.kind, e.url, e.reason) for e in outlet.disabled_entries] == [
        ("tags", "https://contoh.id/tag/{tag}", "robots.txt: /tag/")
    ]


@pytest.mark.parametrize(
    "examples, problem",
    [
        (
            "articles: [{url: 'https://contoh.id/news/2025/x', source: s}]",
            "article_pattern rejects this article: https://contoh.id/news/2025/x",
        ),
        (
            "not_articles: [{url: 'https://contoh.id/berita/123/indeks', source: s}]",
            "accepts this page that is not an article: https://contoh.id/berita/123/indeks",
        ),
    ],
)
def test_an_outlet_whose_pattern_fails_its_examples_is_refused_naming_the_url(
    tmp_path, examples, problem
):
    text = OUTLET + f"examples:\n  {examples}\n"
    with pytest.raises(ConfigError) as raised:
        load_config(_config(tmp_path, {"contoh": text}))
    assert raised.value.key.startswith("contoh.examples.")
    assert problem in raised.value.problem


def test_an_entry_point_its_robots_rules_disallow_is_refused(tmp_path):
    text = (
        OUTLET + "robots_disallow: ['/search?*']\nsearch: ['https://contoh.id/search?q={query}']\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_config(_config(tmp_path, {"contoh": text}))
    assert (raised.value.key, raised.value.problem.split(":")[0]) == (
        "contoh.search[0]",
        "robots.txt disallows it (/search?*)",
    )
    allowed = (
        OUTLET + "robots_disallow: ['/search?*']\nsearch: ['https://contoh.id/cari/{query}']\n"
    )
    assert load_config(_config(tmp_path / "ok", {"contoh": allowed})).sources[0].search


def test_an_outlet_name_is_unique_across_files_and_sources_yml(tmp_path):
    with pytest.raises(ConfigError, match="duplicate source name 'contoh'"):
        load_config(_config(tmp_path, {"contoh": OUTLET}, "sources:\n  - name: contoh\n"))
