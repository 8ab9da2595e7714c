"""Query terms, targets, relevance rules, and the `pantau topic` / `pantau sources` commands."""

from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from crawler.cli.main import cli
from crawler.config.load import Source, Topic, load_config
from crawler.discover.targets import targets_for
from crawler.extract.dates import text_date
from crawler.relevance.score import TopicProfile, score, time_factor, topic_profile
from crawler.relevance.terms import matches, names_topic, query_terms, slug
from tests.conftest import ROOT, SEED, seed_topic, write_config
from tests.mockweb import FIXTURES, MockWeb, Reply, rss
from tests.test_checks import dripping_status_line

KIM_HTML = FIXTURES / "pages" / "pantaunews" / "kim-vladivostok.html"


def shipped_topic() -> Topic:
    return load_config(ROOT / "config").topics[0]


def test_query_terms_are_keywords_then_the_seeds_names():
    terms = query_terms(shipped_topic())
    assert terms[0] == "Kim Jong-un"
    # Names from the seed text that no keyword gave.
    assert {"Artyom-Primorsky", "KCNA", "Lavrov", "Primorye"} <= set(terms)
    seed_only = query_terms(Topic(name="t", seed=SEED))
    assert "Vladivostok" in seed_only[:3]
    assert not {"yang", "dan", "Pemimpin"} & set(seed_only)


def test_terms_match_titles_whatever_the_spelling():
    terms = ["Kim Jong-un", "Vladivostok"]
    assert matches(terms, "Kim Jong Un Pulang ke Korea Utara")
    assert matches(terms, "Tiba di VLADIVOSTOK, Kim disambut")
    assert not matches(terms, "Kim Kardashian tiba di Jakarta")
    assert slug("Kim Jong-un") == "kim-jong-un" and slug("Café Ülan") == "cafe-ulan"


def test_a_headline_must_name_the_topic_not_only_touch_it():
    terms = ["Kim Jong-un", "Vladivostok", "Vladimir Putin", "Rusia", "Korea Utara"]
    assert names_topic(terms, "Gawat! Kim Beneran Temui Putin")  # two names, no full term
    assert names_topic(terms, "Tiba di Vladivostok dengan kereta")  # one rare name
    assert names_topic(terms, "Rusia dan Korut Teken Kerja Sama")  # Korut: Korea Utara
    assert not names_topic(terms, "Rusia Naikkan Ekspor Gandum")  # other news from Russia
    assert not names_topic(terms, "Kim Kardashian tiba di Jakarta")
    # A topic whose strongest term is broad needs only that term.
    assert names_topic(["banjir"], "Banjir Rendam Jakarta Utara")
    assert not names_topic(["banjir"], "Harga Cabai Turun")


def test_targets_filter_entries_and_fill_templates():
    targets = targets_for([Topic(name="t", keywords=["Kim Jong-un", "Vladivostok"])])
    assert targets.wants("https://x.id/a/1", "Kim Jong-un tiba di Rusia")
    assert targets.wants("https://x.id/berita/kim-jong-un-pulang-123", None)  # the slug
    assert not targets.wants("https://x.id/berita/banjir-jakarta-123", "Banjir di Jakarta")
    source = Source(
        name="s", tags=["https://x.id/tag/{tag}"], search=["https://x.id/cari?q={query}"]
    )
    assert targets.template_urls(source) == [
        ("https://x.id/cari?q=Kim+Jong-un", "search"),
        ("https://x.id/cari?q=Vladivostok", "search"),
        ("https://x.id/tag/kim-jong-un", "tag"),
        ("https://x.id/tag/vladivostok", "tag"),
    ]
    # A topic without terms wants everything.
    assert targets_for([Topic(name="semua")]).wants("https://x.id/a", "Banjir")


def test_time_window():
    profile = TopicProfile("t", {}, 1.0, since=date(2023, 9, 1), until=date(2023, 10, 15))
    assert time_factor(date(2023, 9, 18), profile) == 1.0
    assert time_factor(None, profile) == 1.0
    assert time_factor(date(2023, 8, 22), profile) == 0.5
    assert time_factor(date(2019, 4, 25), profile) < 1e-6
    assert text_date("kata dia, Senin (18/9/2023).") == date(2023, 9, 18)
    assert text_date("Jumat (15/9) [tanpa tahun]") is None


@pytest.mark.parametrize(
    "text",
    [
        "Putin disambut mewah di Korut. Rabu, 19 Juni 2024 |06:23 WIB. Presiden Rusia ...",
        "PYONGYANG, Rabu (19/6/2024) - Presiden Rusia ...",
        "Rabu, 19/06/2024 06:23 WIB",
        "Kompas.com - 19/06/2024, 06:23 WIB",
        "Wednesday, 19 June 2024",
        "Jun. 19, 2024, 06:23",
    ],
)
def test_every_dateline_format_dates_the_text(text):
    assert text_date(text) == date(2024, 6, 19)
    # A story of June 2024 is another event than September 2023's.
    profile = topic_profile(shipped_topic())
    assert time_factor(text_date(text), profile) < 0.01


def test_the_same_story_in_another_year_scores_low():
    profile = topic_profile(shipped_topic())
    text = (SEED.read_text("utf-8")).replace("Bagikan:", "")
    assert score(profile, None, text, "2023-09-18") > 0.9
    assert score(profile, None, text, "2019-04-25") < 0.01


def test_topic_show():
    result = CliRunner().invoke(
        cli,
        ["topic", "show", "kim-jong-un-russia-2023", "--config", str(ROOT / "config")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert "window: 2023-09-01 .. 2023-10-15" in result.output
    assert "  Lavrov" in result.output
    missing = CliRunner().invoke(cli, ["topic", "show", "nope", "--config", str(ROOT / "config")])
    assert missing.exit_code == 1 and "no topic 'nope'" in missing.output


def test_topic_add_from_a_file(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a"}], [])
    (config / "topics.yml").write_text("# my topics\ntopics: []\n")
    result = CliRunner().invoke(
        cli,
        [
            "topic",
            "add",
            "kim-pulang",
            "--seed-file",
            str(KIM_HTML),
            "--keyword",
            "Kim Jong-un",
            "--since",
            "2023-09-01",
            "--config",
            str(config),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    text = (config / "topics.yml").read_text()
    assert text.startswith("# my topics\n")  # comments kept
    [topic] = load_config(config).topics
    assert topic.keywords == ["Kim Jong-un"] and topic.since == date(2023, 9, 1)
    assert topic.seed_info.title.startswith("Kim Jong-un Tinggalkan Vladivostok")
    assert topic.seed_text().startswith("VLADIVOSTOK - Pemimpin Korea Utara")
    again = CliRunner().invoke(
        cli, ["topic", "add", "kim-pulang", "--seed-file", str(KIM_HTML), "--config", str(config)]
    )
    assert again.exit_code == 1 and "exists already" in again.output


def test_topic_add_from_a_url_on_loopback(tmp_path):
    web = MockWeb()
    web.routes["/berita/1/kim"] = Reply(body=KIM_HTML.read_bytes())
    web.start()
    try:
        config = write_config(tmp_path / "c", [{"name": "pantaunews", "hosts": ["127.0.0.1"]}], [])
        result = CliRunner().invoke(
            cli,
            [
                "topic",
                "add",
                "kim",
                "--seed-url",
                web.url("/berita/1/kim"),
                "--config",
                str(config),
            ],
            catch_exceptions=False,
        )
    finally:
        web.stop()
    assert result.exit_code == 0, result.output
    entry = yaml.safe_load((config / "topics.yml").read_text())["topics"][-1]
    assert entry["seed_info"]["source"] == "pantaunews"
    assert entry["seed_info"]["published_at"] == "2023-09-18T14:30:00+07:00"
    assert entry["min_relevance"] == 0.25


def test_topic_add_needs_exactly_one_seed(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a"}], [])
    result = CliRunner().invoke(cli, ["topic", "add", "x", "--config", str(config)])
    assert result.exit_code == 2 and "exactly one of --seed-url and --seed-file" in result.output
    bad = CliRunner().invoke(
        cli, ["topic", "add", "Bad Name", "--seed-file", str(SEED), "--config", str(config)]
    )
    assert bad.exit_code == 1 and "lower-case letters" in bad.output


def test_sources_check_on_loopback(tmp_path):
    web = MockWeb()
    web.routes["/rss.xml"] = Reply(
        body=rss([("Kim", "http://127.0.0.1/berita/123456/kim")]),
        content_type="application/rss+xml",
    )
    web.routes["/broken.xml"] = Reply(body=b"<html>not a feed</html>")
    web.routes["/tag/kim-jong-un"] = Reply(
        body=b"<a href='/berita/123457/kim-tiba'>Kim Jong-un tiba di Vladivostok</a>"
    )
    web.start()
    try:
        sources = [
            {
                "name": "lokal",
                "feeds": [web.url("/rss.xml"), web.url("/broken.xml")],
                "tags": [web.url("/tag/{tag}")],
                "search": [web.url("/cari?q={query}")],
                "article_pattern": "/berita/\\d+/",
            }
        ]
        config = write_config(tmp_path / "c", sources, [{"name": "t", "keywords": ["Kim Jong-un"]}])
        result = CliRunner().invoke(
            cli, ["sources", "check", "--config", str(config)], catch_exceptions=False
        )
    finally:
        web.stop()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "lokal: 2/4 answered and parsed"
    assert any(line.strip().startswith("feed     ok, 1 article links") for line in lines)
    assert any("FAILED (not a feed)" in line for line in lines)
    assert any("tag      ok, 1 article links [relevant yes, nonsense yes" in line for line in lines)
    assert any("search   FAILED (HTTP 404)" in line for line in lines)


def test_topic_add_gives_up_on_a_dripping_seed_url(tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.fetch.TOTAL_SECONDS", 1.0)
    web = MockWeb()
    # 40 chunks a quarter of a second apart: 10 s to send, cut after about 1 s.
    web.routes["/berita/2/lambat"] = Reply(body=KIM_HTML.read_bytes()[: 40 * 64], drip=0.25)
    web.start()
    try:
        config = write_config(tmp_path / "c", [{"name": "a", "hosts": ["127.0.0.1"]}], [])
        result = CliRunner().invoke(
            cli,
            ["topic", "add", "lambat", "--seed-url", web.url("/berita/2/lambat")]
            + ["--config", str(config)],
        )
    finally:
        web.stop()
    assert result.exit_code == 1
    assert "slower than 1 s" in result.output and "Traceback" not in result.output
    assert "lambat" not in (config / "topics.yml").read_text()


def test_topic_add_gives_up_on_a_server_dripping_its_status_line(tmp_path, monkeypatch):
    monkeypatch.setattr("crawler.fetch.TOTAL_SECONDS", 2.0)
    config = write_config(tmp_path / "c", [{"name": "a", "hosts": ["127.0.0.1"]}], [])
    before = (config / "topics.yml").read_text()
    with dripping_status_line() as base:
        result = CliRunner().invoke(
            cli,
            ["topic", "add", "tetes", "--seed-url", base + "/berita/1", "--config", str(config)],
        )
    assert result.exit_code == 1
    assert f"cannot fetch {base}/berita/1: slower than 2 s" in result.output
    assert (config / "topics.yml").read_text() == before
    assert not (config / "seeds" / "tetes.txt").exists()


def _add(config, name, *options, seed=KIM_HTML):
    return CliRunner().invoke(
        cli,
        ["topic", "add", name, "--seed-file", str(seed), *options, "--config", str(config)],
    )


@pytest.mark.parametrize(
    "options, said",
    [
        (["--since", "2023-13-01"], "--since '2023-13-01': not a date (YYYY-MM-DD)"),
        (["--until", "kemarin"], "--until 'kemarin': not a date (YYYY-MM-DD)"),
        (["--since", "2023-09-10", "--until", "2023-09-01"], "--until '2023-09-01': before"),
        (["--min-relevance", "5"], "--min-relevance 5.0: must be between 0 and 1"),
        (["--min-relevance", "nan"], "--min-relevance nan: must be between 0 and 1"),
        (["--keyword", " "], "--keyword ' ': must not be empty"),
    ],
)
def test_topic_add_blames_the_option_and_writes_nothing(tmp_path, options, said):
    config = write_config(tmp_path / "c", [{"name": "a"}], [seed_topic()])
    before = sorted(p.name for p in (config / "seeds").iterdir())
    topics = (config / "topics.yml").read_text()
    result = _add(config, "banjir", *options)
    assert result.exit_code == 1
    assert f"Error: {said}" in result.output
    assert "topics.yml" not in result.output  # the option is wrong, not the file
    assert (config / "topics.yml").read_text() == topics
    assert sorted(p.name for p in (config / "seeds").iterdir()) == before


def test_topic_add_undoes_its_writes_when_one_fails(tmp_path, monkeypatch):
    config = write_config(tmp_path / "c", [{"name": "a"}], [seed_topic()])
    topics = (config / "topics.yml").read_text()
    files = sorted(config.rglob("*"))
    write_text = Path.write_text

    def disk_full_after_the_seed(path, *args, **kwargs):
        if path.suffix != ".txt":
            raise OSError(28, "No space left on device", str(path))
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", disk_full_after_the_seed)
    result = _add(config, "banjir")
    monkeypatch.undo()
    assert result.exit_code == 1
    assert f"{config / 'topics.yml'}: cannot write: No space left on device" in result.output
    assert (config / "topics.yml").read_text() == topics
    assert sorted(config.rglob("*")) == files  # the seed, and nothing else, is gone


def test_topic_add_reads_a_windows_seed_file_and_refuses_a_binary_one(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a"}], [])
    text = (
        "Pemimpin Korea Utara Kim Jong-un tiba di Vladivostok \u2013 kata pejabat Rusia, caf\u00e9."
    )
    seed = tmp_path / "seed.txt"
    seed.write_bytes(text.encode("cp1252"))
    result = _add(config, "kim-windows", seed=seed)
    assert result.exit_code == 0, result.output
    assert f"{seed} is not UTF-8: read as cp1252" in result.output
    [topic] = load_config(config).topics
    assert topic.seed_text() == text + "\n"
    binary = tmp_path / "foto.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    refused = _add(config, "foto", seed=binary)
    assert refused.exit_code == 1 and f"--seed-file {binary}: not a text file" in refused.output
    assert "Traceback" not in refused.output + result.output


@pytest.mark.parametrize("style", ["zero-indented (as yaml.safe_dump writes)", "shipped"])
def test_topic_add_then_remove_gives_back_the_file_as_it_was(tmp_path, style):
    config = write_config(tmp_path / "c", [{"name": "a"}], [seed_topic()])
    if style == "shipped":
        (config / "topics.yml").write_text((ROOT / "config" / "topics.yml").read_text("utf-8"))
    original = (config / "topics.yml").read_text()
    indent = "" if style.startswith("zero") else "  "
    assert f"\n{indent}- " in original and f"\n{indent} - " not in original
    assert _add(config, "kim-pulang", "--keyword", "Kim Jong-un").exit_code == 0
    added = (config / "topics.yml").read_text()
    assert added.startswith(original)  # appended, every line before it kept
    assert f"\n{indent}- name: kim-pulang\n" in added  # in the list's own indentation
    assert [t.name for t in load_config(config).topics] == [
        "kim-jong-un-russia-2023",
        "kim-pulang",
    ]
    listed = CliRunner().invoke(cli, ["topic", "list", "--config", str(config)])
    assert listed.exit_code == 0
    assert listed.output.splitlines()[1] == (
        "kim-pulang: seed seeds/kim-pulang.txt; window - .. -; 1 keywords; min_relevance 0.25"
    )
    removed = CliRunner().invoke(cli, ["topic", "remove", "kim-pulang", "--config", str(config)])
    assert removed.exit_code == 0, removed.output
    assert removed.output.splitlines() == [
        f"removed topic kim-pulang from {config / 'topics.yml'}",
        f"removed its seed {config / 'seeds' / 'kim-pulang.txt'}",
        "the archive keeps the articles already stored for it",
    ]
    assert (config / "topics.yml").read_text() == original
    assert not (config / "seeds" / "kim-pulang.txt").exists()


def test_topic_remove_keeps_comments_and_a_seed_it_does_not_own(tmp_path):
    config = write_config(tmp_path / "c", [{"name": "a"}], [])
    (config / "topics.yml").write_text(
        "# Stories to follow.\n"
        "topics:\n"
        "  # The first one.\n"
        f"  - name: kim\n    seed: seeds/{SEED.name}\n    keywords: [Kim]\n"
        "  # The second one.\n"
        "  - name: banjir\n    keywords:\n      - banjir\n"
        "# The end.\n"
    )
    result = CliRunner().invoke(cli, ["topic", "remove", "kim", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "removed its seed" not in result.output
    assert (config / "seeds" / SEED.name).exists()  # not seeds/kim.txt: not the topic's own
    assert (config / "topics.yml").read_text() == (
        "# Stories to follow.\n"
        "topics:\n"
        "  # The first one.\n"
        "  # The second one.\n"
        "  - name: banjir\n    keywords:\n      - banjir\n"
        "# The end.\n"
    )
    listed = CliRunner().invoke(cli, ["topic", "list", "--config", str(config)])
    assert listed.output == "banjir: seed -; window - .. -; 1 keywords; min_relevance 0.0\n"
    missing = CliRunner().invoke(cli, ["topic", "remove", "kim", "--config", str(config)])
    assert missing.exit_code == 1 and "no topic 'kim' (known: banjir)" in missing.output
