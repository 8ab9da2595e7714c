"""Reading links out of feeds, sitemaps and listing pages (pure functions, no Scrapy state).

Each reader returns None when the document is not what it claims to be, so the spider
can count a malformed feed or sitemap as an error instead of crashing on it.
"""

from urllib.parse import urljoin

from lxml import etree
from scrapy.http import JsonResponse, TextResponse, XmlResponse

STRICT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
LENIENT_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)


class Links(list):
    """Links found in a document, in order; `titles` maps a link to the headline given for it
    (feed item title, news:title, anchor text); `malformed` is True when the document had to
    be repaired to be read."""

    def __init__(self, malformed: bool = False):
        super().__init__()
        self.malformed = malformed
        self.titles: dict[str, str] = {}

    def add(self, url: str, title: str | None = None) -> None:
        self.append(url)
        if title and url not in self.titles:
            self.titles[url] = " ".join(title.split())


def feed_links(body: bytes) -> Links | None:
    """Item links of an RSS 2.0, RSS 1.0 or Atom feed; None when it is not a feed at all."""
    root, malformed = _parse_xml(body)
    if root is None or _local(root.tag) not in ("rss", "RDF", "feed"):
        return None
    links = Links(malformed)
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "item" or tag == "entry":
            link = _item_link(element)
            if link:
                links.add(link, _child_text(element, "title"))
    return links


def sitemap_links(body: bytes) -> tuple[list[str], Links | None]:
    """(child sitemaps, page URLs) of a sitemap, sitemap index or Google News sitemap."""
    root, malformed = _parse_xml(body)
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        return [], None
    links = Links(malformed)
    entries = [e for e in root if _local(e.tag) in ("url", "sitemap")]
    locs = [(_child_text(e, "loc") or "", e) for e in entries]
    if _local(root.tag) == "sitemapindex":
        return [loc for loc, _ in locs if loc], links
    for loc, entry in locs:
        if loc:
            # Google News sitemaps give the headline in <news:news><news:title>.
            news = next((c for c in entry if _local(c.tag) == "news"), None)
            links.add(loc, _child_text(news, "title") if news is not None else None)
    return [], links


def markup_tree(response) -> etree._Element | None:
    """The response's HTML (or XML) tree, which has links; None for a JSON answer, an image
    or a PDF.

    Parsed here, not read from `response.selector`: Scrapy's selector and its response refer
    to each other, so the tree (lxml's, outside Python's heap, several times the page's
    size) would outlive the response until the garbage collector's next full pass, which a
    crawl that does little in Python seldom triggers: one crawl held hundreds of them. This
    tree is freed as soon as its caller is done with it.
    """
    if not isinstance(response, TextResponse) or isinstance(response, JsonResponse):
        return None
    if isinstance(response, XmlResponse):
        root, _ = _parse_xml(response.body)
        return root
    text = response.text.strip().replace("\x00", "")
    if text[:1] in ("{", "["):
        return None  # JSON served under another type
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        return etree.fromstring(text.encode("utf-8") or b"<html/>", parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def page_links(response) -> Links | None:
    """Absolute http(s) links of an HTML page, with their anchor text as title; None when
    the response is not markup."""
    tree = markup_tree(response)
    if tree is None:
        return None
    links = Links()
    for href, text, _ in _triples(tree, response.url, ("a",)):
        if href.startswith(("http://", "https://")):
            links.add(href, text)
    return links


def link_triples(response, tags: tuple[str, ...] = ("a", "link")) -> list[tuple[str, str, str]]:
    """(absolute href, text, rel) of a page's <a> and <link> elements with an href, in
    document order; none when the response is not markup (`markup_tree`)."""
    tree = markup_tree(response)
    return [] if tree is None else _triples(tree, response.url, tags)


def _triples(tree: etree._Element, url: str, tags: tuple[str, ...]) -> list[tuple[str, str, str]]:
    # The parsed tree itself, not a selector per link: a news page has hundreds of links,
    # and this runs for every page a crawl fetches, in the reactor's thread.
    triples = []
    for node in tree.iter(*tags):
        href = node.get("href")
        if href is None:
            continue
        href = href.strip()
        if not (href.startswith(("http://", "https://")) and "/." not in href):
            href = urljoin(url, href)
        # lxml's own text serialiser: a Python join over itertext() costs more than the
        # page's parse, and it spaced out inline tags ("Murah ' Made in Indonesia '").
        text = " ".join(etree.tostring(node, method="text", encoding=str, with_tail=False).split())
        triples.append((href.split("#")[0], text, node.get("rel", "")))
    return triples


def _item_link(item: etree._Element) -> str | None:
    for child in item:
        if _local(child.tag) != "link":
            continue
        href = child.get("href")
        if href and child.get("rel", "alternate") == "alternate":
            return href.strip()
        if child.text and child.text.strip():
            return child.text.strip()
    for child in item:
        if _local(child.tag) == "guid" and child.get("isPermaLink", "true") != "false":
            if child.text and child.text.strip().startswith("http"):
                return child.text.strip()
    return None


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def _parse_xml(body: bytes) -> tuple[etree._Element | None, bool]:
    """(root, malformed): a broken document is repaired when lxml can, and flagged."""
    try:
        return etree.fromstring(body.strip(), parser=STRICT_PARSER), False
    except (etree.XMLSyntaxError, ValueError):
        pass
    try:
        return etree.fromstring(body.strip(), parser=LENIENT_PARSER), True
    except (etree.XMLSyntaxError, ValueError):
        return None, True


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
