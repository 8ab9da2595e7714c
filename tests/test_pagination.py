import pytest

from crawler.discover.pagination import (
    first_page_url,
    is_single_view,
    next_page_url,
    page_number,
    single_view_url,
)

BASE = "https://www.kompas.com/read/2023/09/18/10000000/kim-pulang"


@pytest.mark.parametrize(
    "url, number",
    [
        (BASE, 1),
        (BASE + "?page=2", 2),
        ("https://news.detik.com/berita/d-1/kim-pulang/3", 3),
        ("https://voi.id/berita/2023/09/18", 1),  # a date, not a page
        ("https://x.id/a/judul?halaman=4", 4),
    ],
)
def test_page_number(url, number):
    assert page_number(url) == number


def test_next_page_from_rel_text_or_number():
    assert next_page_url(BASE, [(BASE + "?page=2", "2", "")]) == BASE + "?page=2"
    assert next_page_url(BASE, [(BASE + "?page=2", "Halaman selanjutnya", "")]) == BASE + "?page=2"
    detik = "https://news.detik.com/berita/d-1/kim-pulang"
    assert next_page_url(detik, [(detik + "/2", "", "next")]) == detik + "/2"
    assert next_page_url(BASE + "?page=2", [(BASE, "1", ""), (BASE + "?page=3", "3", "")]) == (
        BASE + "?page=3"
    )


def test_no_next_page_to_other_stories_or_backwards():
    other = "https://www.kompas.com/read/2023/09/18/10000001/lain?page=2"
    assert next_page_url(BASE, [(other, "Selanjutnya", "next")]) is None
    assert next_page_url(BASE + "?page=3", [(BASE + "?page=2", "2", "")]) is None
    assert next_page_url(BASE, []) is None


def test_single_view():
    assert (
        single_view_url(BASE, [(BASE + "?page=all", "Tampilkan semua", "")]) == BASE + "?page=all"
    )
    assert single_view_url(BASE, [(BASE + "?single=1", "baca", "")]) == BASE + "?single=1"
    assert single_view_url(BASE, [(BASE + "/all", "", "")]) == BASE + "/all"
    assert single_view_url(BASE + "?page=all", [(BASE + "?page=all", "", "")]) is None
    assert is_single_view(BASE + "?page=all") and not is_single_view(BASE + "?page=2")


@pytest.mark.parametrize(
    "url, first",
    [
        ("https://x.id/berita/kim-pulang/3", "https://x.id/berita/kim-pulang"),
        ("https://x.id/berita/kim-pulang/2/", "https://x.id/berita/kim-pulang"),
        (
            "https://x.id/read/123/kim-pulang?page=2&src=rss",
            "https://x.id/read/123/kim-pulang?src=rss",
        ),
        # Not later pages: page 1, a date, an article id, a page past any article's length.
        ("https://x.id/berita/kim-pulang?page=1", "https://x.id/berita/kim-pulang?page=1"),
        ("https://x.id/a/2023/09/18/", "https://x.id/a/2023/09/18/"),
        ("https://x.id/read/2023/09/18/123456/kim", "https://x.id/read/2023/09/18/123456/kim"),
        ("https://x.id/indeks?page=40", "https://x.id/indeks?page=40"),
    ],
)
def test_a_link_to_a_later_page_leads_to_the_first(url, first):
    assert first_page_url(url) == first


def test_the_spider_requests_page_one_for_a_link_to_page_three():
    from crawler.config.load import Source
    from crawler.crawl.spider import NewsSpider

    spider = NewsSpider(source=Source(name="x", hosts=["x.id"]))
    links = ["https://x.id/berita/kim-pulang/3", "https://x.id/berita/kim-pulang"]
    requests = list(spider._article_requests(links, related_depth=0))
    assert [request.url for request in requests] == ["https://x.id/berita/kim-pulang"]


def test_the_next_page_past_max_pages_is_found_and_the_spider_stops_there():
    from crawler.discover.pagination import MAX_PAGES

    last = f"{BASE}?page={MAX_PAGES}"
    beyond = f"{BASE}?page={MAX_PAGES + 1}"
    # The spider cuts the story there, and says so: it must see that there is more.
    assert next_page_url(last, [(beyond, "Halaman selanjutnya", "")]) == beyond


def test_a_page_segment_before_the_number_is_part_of_the_page_not_of_the_story():
    later = "https://x.id/read/kim-pulang/page/3"
    assert first_page_url(later) == "https://x.id/read/kim-pulang"
    assert (
        first_page_url("https://x.id/read/kim-pulang/halaman/2/") == "https://x.id/read/kim-pulang"
    )
    assert next_page_url(later, [("https://x.id/read/kim-pulang/page/4", "4", "next")]) == (
        "https://x.id/read/kim-pulang/page/4"
    )
