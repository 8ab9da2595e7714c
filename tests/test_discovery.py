import gc
import weakref

import pytest
from scrapy.http import HtmlResponse, JsonResponse, Response, TextResponse, XmlResponse

from crawler.discover.links import feed_links, link_triples, page_links, sitemap_links
from tests.mockweb import google_news_sitemap, rss, sitemap_index

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>A</title><link rel="alternate" href="https://voi.id/berita/1/a"/></entry>
<entry><title>B</title><link href="https://voi.id/berita/2/b"/></entry></feed>"""


def test_rss_and_atom_links():
    assert feed_links(rss([("A", "https://a.id/1"), ("B", "https://a.id/2")])) == [
        "https://a.id/1",
        "https://a.id/2",
    ]
    assert feed_links(ATOM) == ["https://voi.id/berita/1/a", "https://voi.id/berita/2/b"]


def test_real_feed_first_links(real_data):
    import json

    for name in ("antaranews-anpandu-antara-mainpage-rss", "detik-anpandu-detik-mainpage-rss"):
        expected = json.loads((real_data / "feeds" / f"{name}.json").read_text())["first_urls"]
        links = feed_links((real_data / "feeds" / f"{name}.xml").read_bytes())
        assert links[: len(expected)] == expected
        assert not links.malformed


def test_malformed_and_non_feeds():
    truncated = feed_links(b"<rss><channel><item><link>https://a.id/1</link></item><item>")
    assert truncated == ["https://a.id/1"] and truncated.malformed
    assert feed_links(b"\x00\x01 random bytes") is None
    assert feed_links(b"<html><body>not a feed</body></html>") is None
    assert feed_links(b"") is None


def test_sitemaps():
    children, links = sitemap_index(["https://a.id/s1.xml"]), None
    children, links = sitemap_links(children)
    assert children == ["https://a.id/s1.xml"] and links == []
    children, links = sitemap_links(google_news_sitemap([("T", "https://a.id/berita/1")]))
    assert children == [] and links == ["https://a.id/berita/1"]
    assert sitemap_links(b"garbage")[1] is None


def test_listing_links_are_absolute():
    response = HtmlResponse(
        "https://voi.id/tag/kim",
        body=b"<a href='/berita/1/x#top'>x</a><a href='mailto:a@b'>m</a><a href='https://a.id/2'>2</a>",
        encoding="utf-8",
    )
    assert page_links(response) == ["https://voi.id/berita/1/x", "https://a.id/2"]


def test_real_listing_pages_yield_their_first_article_links_in_order(real_data):
    import json

    manifest = json.loads((real_data / "manifest.json").read_text())
    listings = [r for r in manifest if r["page_type"] == "listing" and r.get("ground_truth")]
    assert listings
    for row in listings:
        expected = json.loads((real_data / row["ground_truth"]).read_text())["first_urls"]
        response = HtmlResponse(expected[0], body=(real_data / row["file"]).read_bytes())
        remaining = iter(page_links(response))
        assert all(any(url == link for link in remaining) for url in expected), row["file"]


def test_a_page_read_for_links_is_freed_with_its_last_reference():
    # Scrapy's selector and its response refer to each other; read through it, every page a
    # crawl fetched waited, with its parsed tree, for a full pass of the garbage collector.
    body = b"<html><body>" + b"<p><a href='/berita/%d'>Berita %d</a></p>" * 200 + b"</body></html>"
    gc.disable()
    try:
        response = HtmlResponse("https://voi.id/berita/1/x", body=body, encoding="utf-8")
        assert len(link_triples(response)) == 200 and len(page_links(response)) == 200
        freed = weakref.ref(response)
        del response
        assert freed() is None
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "response, links",
    [
        (JsonResponse("https://a.id/api", body=b'{"url": "https://a.id/1"}'), None),
        (TextResponse("https://a.id/x", body=b'[{"a": 1}]', encoding="utf-8"), None),
        (Response("https://a.id/img.jpg", body=b"\xff\xd8\xff"), None),
        (XmlResponse("https://a.id/x.xml", body=b"<r><a href='https://a.id/1'>a</a></r>"), 1),
        (TextResponse("https://a.id/x", body=b"<a href='/1'>satu</a>", encoding="utf-8"), 1),
    ],
)
def test_only_markup_has_links(response, links):
    found = page_links(response)
    assert (found if found is None else len(found)) == links
