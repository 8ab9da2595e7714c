import pytest

from crawler.urls import (
    looks_like_article_url,
    normalize_url,
    pick_canonical,
    registrable_domain,
    url_id,
)


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://WWW.Kompas.COM/read/2023/09/18/x", "https://www.kompas.com/read/2023/09/18/x"),
        ("https://www.kompas.com:443/read/x", "https://www.kompas.com/read/x"),
        ("http://voi.id:80/berita/1/", "http://voi.id/berita/1"),
        ("http://voi.id:8080/berita/1", "http://voi.id:8080/berita/1"),
        ("https://news.detik.com/d-1/x#komentar", "https://news.detik.com/d-1/x"),
        ("https://news.detik.com/d-1/x?utm_source=tw&utm_medium=s", "https://news.detik.com/d-1/x"),
        ("https://a.id/x?fbclid=IwAR0&gclid=Cj0&id=5", "https://a.id/x?id=5"),
        ("https://a.id/x?page=2&b=1", "https://a.id/x?b=1&page=2"),
        ("https://a.id/", "https://a.id/"),
        ("https://a.id", "https://a.id/"),
        ("https://a.id//berita//1", "https://a.id/berita/1"),
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


def test_url_id_is_shared_by_variants():
    assert url_id("https://voi.id/berita/1?utm_source=x#a") == url_id("HTTPS://VOI.ID/berita/1/")
    assert len(url_id("https://voi.id/berita/1")) == 16


@pytest.mark.parametrize(
    "host, expected",
    [
        ("news.detik.com", "detik.com"),
        ("nasional.republika.co.id", "republika.co.id"),
        ("www.antaranews.com", "antaranews.com"),
        ("voi.id", "voi.id"),
    ],
)
def test_registrable_domain(host, expected):
    assert registrable_domain(host) == expected


def test_canonical_is_followed_on_the_same_site():
    # An AMP page on a subdomain points at the article on www.
    assert (
        pick_canonical(
            "https://amp.kompas.com/read/2023/x", "https://www.kompas.com/read/2023/x", []
        )
        == "https://www.kompas.com/read/2023/x"
    )
    assert pick_canonical("https://m.voi.id/a/1", "/a/1", []) == "https://m.voi.id/a/1"


def test_canonical_to_another_site_is_ignored_unless_it_is_a_source_host():
    page = "http://127.0.0.1:8000/antara/x"
    assert pick_canonical(page, "https://www.antaranews.com/x", []) == page
    assert (
        pick_canonical(page, "https://www.antaranews.com/x", ["antaranews.com"])
        == "https://www.antaranews.com/x"
    )
    assert pick_canonical(page, "javascript:void(0)", []) == page


@pytest.mark.parametrize(
    "url",
    [
        "https://voi.id/berita/310570/kim-jong-un-pulang",
        "https://news.detik.com/berita/d-6453785/polisi-soal-pistol",
        "https://www.kompas.com/read/2023/09/18/10000000/kim",
        "https://www.cnnindonesia.com/internasional/20230918123456-106-1000000/kim",
        "http://life.viva.co.id/showbiz/read/736460-taylor-swift-standing-ovation",
        "https://www.jpnn.com/news/kamrussamad-ppkm-darurat-dihentikan",
    ],
)
def test_article_urls_look_like_articles(url):
    assert looks_like_article_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.detik.com/",
        "http://indeks.kompas.com/",
        "http://www.liputan6.com/indeks",
        "https://voi.id/tag/kim-jong-un",
        "https://www.cnnindonesia.com/internasional",
        "https://news.detik.com/berita/",
        "https://www.tribunnews.com/topic/kim-jong-un",
    ],
)
def test_listing_urls_do_not(url):
    assert not looks_like_article_url(url)
