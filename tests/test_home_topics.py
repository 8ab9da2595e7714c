"""The home page with several topics, through Datasette's test client: one short summary per
topic (seed, count, last new article, top outlets, feed), each linking to the topic's page;
counts in words that agree with their number; and the related articles a timeline cannot
place, counted beside it."""

import json
from pathlib import Path

import lxml.html
import pytest

from crawler.archive.rows import save_article
from crawler.archive.schema import open_db
from crawler.config.load import load_config
from crawler.crawl.runner import seed_archive
from tests.conftest import SEED, write_config
from tests.test_datasette import build_archive, get, served

KIM, FLOOD, FUEL = "kim-jong-un-russia-2023", "banjir-jakarta-2024", "subsidi-bbm-2022"
FLOOD_SEED = (
    "JAKARTA - Banjir merendam ratusan rumah di Kampung Melayu, Jakarta Timur, setelah hujan "
    "deras semalaman. Ketinggian air mencapai satu meter dan warga mengungsi ke masjid. "
) * 4
FUEL_SEED = (
    "JAKARTA - Pemerintah menaikkan harga BBM bersubsidi. Pertalite naik menjadi Rp10.000 "
    "per liter dan Solar menjadi Rp6.800 per liter, kata Menteri ESDM di Istana Merdeka. "
) * 4
# (topic, outlet, published_at, first seen, relevance): the coverage of the three topics.
COVERAGE = [
    (KIM, "voi", "2023-09-13T10:00:00+07:00", "2023-09-13T03:30:00Z", 0.5),
    (KIM, "antaranews", "2023-09-14T08:00:00+07:00", "2023-09-14T01:10:00Z", 0.4),
    (KIM, "kompas", None, "2023-09-15T02:00:00Z", 0.6),  # no date
    (KIM, "detik", "13/09/2023", "2023-09-13T05:00:00Z", 0.45),  # a date not in ISO 8601
    (KIM, "tempo", "2023-09-15T09:00:00+07:00", "2023-09-16T00:00:00Z", 0.1),  # unrelated
    (FLOOD, "kompas", "2024-01-02T07:00:00+07:00", "2024-01-02T01:00:00Z", 0.7),
    (FUEL, "detik", "2022-09-03T14:00:00+07:00", "2022-09-03T07:05:00Z", 0.8),
    (FUEL, "detik", "2022-09-03T15:00:00+07:00", "2022-09-03T08:05:00Z", 0.8),
    (FUEL, "kompas", "2022-09-03T16:00:00+07:00", "2022-09-03T09:05:00Z", 0.8),
    (FUEL, "tempo", "2022-09-04T09:00:00+07:00", "2022-09-04T02:05:00Z", 0.8),
    (FUEL, "antaranews", "2022-09-04T10:00:00+07:00", "2022-09-04T03:05:00Z", 0.8),
    (FUEL, "voi", "2022-09-05T11:00:00+07:00", "2022-09-05T04:05:00Z", 0.8),
    (FUEL, "republika", "2022-09-05T12:00:00+07:00", "2022-09-06T05:05:00Z", 0.8),
]


def headline(number: int) -> str:
    topic, outlet = COVERAGE[number][:2]
    return f"{outlet} on {topic} ({number})"


def build_three_topic_archive(directory: Path) -> Path:
    """A config with three topics, each with its seed (stored as a crawl stores them), and
    their coverage, one topic's partly undated; the last crawl had one source failing."""
    seeds = directory / "config" / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "banjir.txt").write_text(FLOOD_SEED, "utf-8")
    (seeds / "subsidi.txt").write_text(FUEL_SEED, "utf-8")
    info = {"source": "kompas", "published_at": "2024-01-01", "language": "id"}
    topics = [
        {
            "name": KIM,
            "seed": f"seeds/{SEED.name}",
            "seed_info": {"source": "voi", "published_at": "2023-09-18", "language": "id"},
            "keywords": ["Kim Jong-un", "Vladivostok"],
            "min_relevance": 0.3,
        },
        {"name": FLOOD, "seed": "seeds/banjir.txt", "seed_info": info, "min_relevance": 0.3},
        {"name": FUEL, "seed": "seeds/subsidi.txt", "keywords": ["BBM"], "min_relevance": 0.3},
    ]
    sources = [{"name": "voi", "feeds": ["https://voi.id/rss"]}]
    config = load_config(write_config(directory / "config", sources, topics))
    db_path = directory / "archive.db"
    seed_archive(config, db_path)
    db = open_db(db_path)
    for number, (topic, outlet, published, first_seen, relevance) in enumerate(COVERAGE):
        article = {
            "url": f"https://{outlet}.example/berita/{number}",
            "title": headline(number),
            "author": None,
            "published_at": published,
            "text": f"Berita nomor {number} tentang {topic} dari {outlet}. " * 12,
            "language": "id",
        }
        save_article(db, article, outlet, [], {topic: relevance})
        db.execute(
            "update articles set first_seen_at = ? where url = ?", [first_seen, article["url"]]
        )
    per_source = {
        "voi": {"status": "ok", "new_articles": 1},
        "kompas": {"status": "failed", "message": "503 on every feed"},
    }
    db["crawl_runs"].insert(
        {
            "started_at": "2024-01-02T01:00:00Z",
            "finished_at": "2024-01-02T01:05:00Z",
            "status": "partial",
            "new_articles": 1,
            "per_source": json.dumps(per_source),
        }
    )
    db.conn.commit()
    db.close()
    return db_path


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    archive = build_three_topic_archive(tmp_path_factory.mktemp("three"))
    response = get(served(archive), "/")
    assert response.status_code == 200
    return response.text


def summaries(page: str) -> dict[str, lxml.html.HtmlElement]:
    """Each topic's summary on the home page, by its heading."""
    tree = lxml.html.fromstring(page)
    return {
        section.xpath("string(h2)").strip(): section
        for section in tree.xpath("//section[contains(@class, 'topic')]")
        if "health" not in section.get("class")
    }


def words(element: lxml.html.HtmlElement) -> str:
    """The element's text as a reader sees it: an SVG's titles are tooltips, not text."""
    text = element.xpath(".//text()[not(ancestor::svg)]")
    return " ".join("".join(text).split())


def test_each_topic_gets_a_summary_that_leads_to_its_page(home):
    found = summaries(home)
    assert list(found) == [KIM, FLOOD, FUEL]
    for name, section in found.items():
        page = f"/-/topic/{name}"
        assert section.xpath("h2/a/@href") == [page]
        assert section.xpath(".//a[@class='count']/@href") == [page]
        assert section.xpath(".//div[@class='seed']//a/@href")[0].startswith("/-/article/")
        assert section.xpath(".//a[@class='atom']/@href") == [f"/-/feed/{name}.atom"]
        outlets = section.xpath(".//p[@class='outlets']/a/@href")
        assert outlets and all(href.startswith(page) for href in outlets)
    # The old links searched for the topic's name, and found nothing.
    assert "/-/search?topic=" not in home


def test_a_summary_counts_outlets_and_names_the_last_new_article(home):
    kim, fuel = summaries(home)[KIM], summaries(home)[FUEL]
    # Below the threshold (tempo's) is not related; the seed is not its own coverage.
    assert words(kim.xpath(".//h3")[0]) == "4 related articles from 4 outlets"
    latest = kim.xpath(".//p[@class='latest']")[0]
    assert latest.xpath("a")[0].text == headline(2)  # first seen last, undated as it is
    assert "kompas" in words(latest) and "first seen Jumat, 15 Sep 2023 09:00 WIB" in words(latest)
    # Seven articles from six outlets: the five biggest, the sixth counted.
    assert words(fuel.xpath(".//h3")[0]) == "7 related articles from 6 outlets"
    outlets = fuel.xpath(".//p[@class='outlets']/a")
    assert [a.text for a in outlets[:2]] == ["detik", "antaranews"]
    assert outlets[0].get("href") == f"/-/topic/{FUEL}?source=detik"
    assert len(outlets) == 6 and outlets[-1].text == "1 more outlet"
    assert fuel.xpath(".//p[@class='latest']/a")[0].text == headline(12)


def test_several_topics_get_a_sparkline_each_not_a_timeline(home):
    for section in summaries(home).values():
        assert len(section.xpath(".//svg[@class='sparkline']")) == 1
        assert not section.xpath(".//svg[@class='timeline']")
    # The fuel topic's three days, one bar each.
    assert len(summaries(home)[FUEL].xpath(".//svg[@class='sparkline']/rect")) == 3


def test_counts_are_in_words_that_agree_with_them(home):
    flood = summaries(home)[FLOOD]
    assert words(flood.xpath(".//h3")[0]) == "1 related article from 1 outlet"
    assert words(flood.xpath(".//p[@class='outlets']")[0]) == "Outlets: kompas 1"
    health = lxml.html.fromstring(home).xpath("//section[contains(@class, 'health')]")[0]
    assert "partial, 1 new article, 1 source failing" in words(health)
    assert "1 articles" not in home and "1 outlets" not in home and "1 sources" not in home


def test_an_archive_of_one_article_says_so(tmp_path):
    db = open_db(tmp_path / "archive.db")
    article = {"url": "https://voi.id/1", "title": "Satu", "text": "Satu berita. " * 20}
    save_article(db, article, "voi", [], {})
    db.close()
    page = get(served(tmp_path / "archive.db"), "/").text
    assert "1 article in the archive" in " ".join(page.split())


def test_related_articles_without_a_date_are_counted_beside_the_timeline(home, tmp_path):
    kim = summaries(home)[KIM]
    # Of four related, two have a day a timeline can place.
    note = kim.xpath(".//p[contains(@class, 'undated')]")
    assert [words(p) for p in note] == [
        "2 related articles without a publication date, not on the timeline"
    ]
    assert sum(int(r.xpath("string(title)").split()[-1]) for r in kim.xpath(".//svg/rect")) == 2
    # One topic gets its whole timeline, and the same note beside it.
    archive = build_archive(tmp_path / "one.db")
    db = open_db(archive)
    db.execute("update articles set published_at = null where source = 'kabar'")
    db.conn.commit()
    db.close()
    one = summaries(get(served(archive), "/").text)
    section = one["kim-jong-un-russia-2023"]
    assert section.xpath(".//svg[@class='timeline']") and not section.xpath(
        ".//svg[@class='sparkline']"
    )
    assert [words(p) for p in section.xpath(".//p[contains(@class, 'undated')]")] == [
        "1 related article without a publication date, not on the timeline"
    ]


def test_each_count_is_the_number_of_rows_of_the_topics_report(tmp_path):
    ds = served(build_three_topic_archive(tmp_path))
    home = get(ds, "/").text
    for name, section in summaries(home).items():
        total = int(words(section.xpath(".//a[@class='count']")[0]).split()[0])
        assert len(get(ds, f"/-/topic/{name}.json").json()["rows"]) == total, name
        for outlet in section.xpath(".//p[@class='outlets']/a[not(@class)]"):
            shown = int(outlet.tail.split()[0])
            report = get(ds, f"/-/topic/{name}.json?source={outlet.text}").json()["rows"]
            assert len(report) == shown, (name, outlet.text)
