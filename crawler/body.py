"""Finding an article's body when trafilatura's page-wide guess is not good enough.

Structured markup (`itemprop="articleBody"`) and per-outlet rules (crawler/outlets/) name
the body container; its text is read block by block, furniture inside it dropped.
"""

import copy

from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

from crawler.outlets import Outlet

BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figcaption",
    "section",
    "article",
    "tr",
    "ul",
    "ol",
    "table",
    "pre",
    "header",
    "footer",
}
ALWAYS_DROP = (
    "script, style, noscript, iframe, form, button, select, textarea, svg, video, audio, "
    "ins, [class*='baca-juga'], [class*='bacajuga'], [class*='related'], [class*='terkait'], "
    "[class*='share'], [class*='social'], [class*='advert'], [id*='advert'], [class*='iklan'], "
    "[class*='newsletter'], [class*='comment'], [class*='pagination'], [class*='tags'], "
    "blockquote.twitter-tweet, blockquote.instagram-media, blockquote.tiktok-embed"
)
GENERIC_BODY = ("[itemprop='articleBody']",)


def container_text(tree: lxml_html.HtmlElement, outlet: Outlet | None) -> str | None:
    """Text of the body container named by the outlet's rules or by markup, else None."""
    selectors = (outlet.body if outlet else ()) + GENERIC_BODY
    for selector in selectors:
        matches = CSSSelector(selector)(tree)
        if matches:
            drop = (
                ALWAYS_DROP + "".join(f", {extra}" for extra in outlet.drop)
                if outlet
                else ALWAYS_DROP
            )
            texts = [block_text(element, drop) for element in matches]
            return "\n".join(text for text in texts if text)
    return None


def block_text(element: lxml_html.HtmlElement, drop: str) -> str:
    """The element's text with a line per block and per <br><br>; furniture removed."""
    element = copy.deepcopy(element)
    for unwanted in CSSSelector(drop)(element):
        if unwanted is not element:
            unwanted.drop_tree()
    for block in list(element.iter("p", "li", "div", "h2", "h3", "h4")):
        # A block whose text is all link text is a related-article entry, not prose.
        links = block.findall(".//a")
        text = " ".join(block.text_content().split())
        link_text = " ".join(" ".join(a.text_content().split()) for a in links).strip()
        if links and text and text == link_text and block is not element:
            block.drop_tree()
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        if node.tag == "br" or node.tag in BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            if node.tag != "br":
                node.text = "\n" + (node.text or "")
    # A line that is exactly one link's text is a related-article link ("Jangan Lewatkan").
    link_lines = {" ".join(a.text_content().split()) for a in element.iter("a")}
    lines = (" ".join(line.split()) for line in element.text_content().splitlines())
    return "\n".join(line for line in lines if line and line not in link_lines)
