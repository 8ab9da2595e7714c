"""Reading links out of feeds, sitemaps and listing pages (pure functions, no Scrapy state).

Each reader returns None when the document is not what it claims to be, so the spider
can count a malformed feed or sitemap as an error instead of crashing on it.
"""

from urllib.parse import urljoin, urlsplit

from lxml import etree

STRICT_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
LENIENT_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)


class Links(list):
    """Links found in a document; `malformed` is True when it had to be repaired to be read."""

    malformed = False


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def hosts_of(urls: list[str]) -> list[str]:
    return sorted({host_of(url) for url in urls if host_of(url)})


def feed_links(body: bytes) -> Links | None:
    """Item links of an RSS 2.0, RSS 1.0 or Atom feed; None when it is not a feed at all."""
    root, malformed = _parse_xml(body)
    if root is None or _local(root.tag) not in ("rss", "RDF", "feed"):
        return None
    links = Links()
    links.malformed = malformed
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "item" or tag == "entry":
            link = _item_link(element)
            if link:
                links.append(link)
    return links


def sitemap_links(body: bytes) -> tuple[list[str], Links | None]:
    """(child sitemaps, page URLs) of a sitemap, sitemap index or Google News sitemap."""
    root, malformed = _parse_xml(body)
    if root is None or _local(root.tag) not in ("urlset", "sitemapindex"):
        return [], None
    links = Links()
    links.malformed = malformed
    locs = [
        (loc.text or "").strip()
        for loc in root.iter()
        if _local(loc.tag) == "loc" and _local(loc.getparent().tag) in ("url", "sitemap")
    ]
    locs = [loc for loc in locs if loc]
    if _local(root.tag) == "sitemapindex":
        return locs, links
    links.extend(locs)
    return [], links


def page_links(response) -> Links:
    """Absolute http(s) links of an HTML listing page."""
    links = Links()
    for href in response.xpath("//a/@href").getall():
        url = urljoin(response.url, href.strip())
        if url.startswith(("http://", "https://")):
            links.append(url.split("#")[0])
    return links


def link_triples(response) -> list[tuple[str, str, str]]:
    """(absolute href, text, rel) of a page's <a> and <link> elements, for pagination."""
    triples = []
    for node in response.xpath("//a[@href] | //link[@href]"):
        href = urljoin(response.url, node.attrib["href"].strip()).split("#")[0]
        text = " ".join(" ".join(node.xpath(".//text()").getall()).split())
        triples.append((href, text, node.attrib.get("rel", "")))
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
