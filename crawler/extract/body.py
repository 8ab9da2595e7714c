"""Finding an article's body: trafilatura's guess, and the container rules or markup name.

Structured markup (`itemprop="articleBody"`) and an outlet's rules (`body` in its config) name
the body container; its text is read block by block, furniture inside it dropped.
trafilatura's own body (`generic_body`) loses the link lists it kept. `choose_body` weighs
the two: a container is a refinement of the generic body, never a cliff, so a container
that runs far past it or holds a small part of it is trimmed or set aside, with a note.
"""

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache

from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from trafilatura.xml import xmltotxt

from crawler.config.rules import BodyRules
from crawler.extract.cleanup import Cleaned, clean_body, end_at_closing_code
from crawler.text import tokens

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
CAPTIONS = "figcaption"
CELL_TAGS = {"td", "th"}
WHITESPACE = re.compile(r"\s+")
# A list is "other news" when most of its items lead with a linked headline.
LINK_LIST_SHARE = 0.6
# A paragraph whose text is this much link text is a link to another story.
LINK_ONLY = 0.8
# How far a container may stray from the generic body before it is doubted: further than
# a photo caption or a fact box, nearer than a teaser grid or a one-paragraph summary.
LONGER_THAN_GENERIC = 1.5
SHORTER_THAN_GENERIC = 0.5
# Share of a line's words the generic body must have for the line to count as supported.
SUPPORTED_LINE = 0.5
# Share of a short container's words the generic body must hold to replace it.
CONTAINED = 0.8
# A line of prose, not a headline, a caption or a menu entry.
PROSE_WORDS = 20
# Loose text before a div's first paragraph that is a lead, not a label or a byline.
MIN_LOOSE_LEAD = 100
# Below this a generic body is no yardstick (a photo page's captions, a failed guess).
MIN_COMPARABLE_CHARS = 250
# A teaser block holds its lede and, besides, a headline and a label or a date: up to this
# many characters more. A story's container holds more than one paragraph.
TEASER_EXTRA_CHARS = 250
# How far up from a paragraph its teaser block may be (paragraph, text box, item).
TEASER_DEPTH = 3
# Words of a line that find its element on the page.
PROBE_WORDS = 8
HEADLINE_LINK_WORDS = 3
TEXT_BLOCKS_WITH = (
    "//body//*[self::p or self::div or self::li or self::span or self::td or self::dd "
    "or self::section or self::article][contains(normalize-space(.), $probe)]"
)


def container_text(tree: lxml_html.HtmlElement, outlet: BodyRules | None) -> tuple[str, str] | None:
    """Text of the body container named by the outlet's rules or by markup, and which of
    the two named it; None when neither matches."""
    selectors = [(s, f"{outlet.name} rules") for s in outlet.body] if outlet else []
    selectors += [(s, "articleBody markup") for s in GENERIC_BODY]
    for selector, origin in selectors:
        matches = compiled(selector)(tree)
        if matches:
            drop = (
                ALWAYS_DROP + "".join(f", {extra}" for extra in outlet.drop)
                if outlet
                else ALWAYS_DROP
            )
            # Photo captions are the text of a photo story only: where the container holds
            # a story without them, they are furniture beside it.
            text = _joined(block_text(element, f"{drop}, {CAPTIONS}") for element in matches)
            if len(text) < MIN_COMPARABLE_CHARS:
                text = _joined(block_text(element, drop) for element in matches)
            return text, origin
    return None


def _joined(texts: Iterable[str]) -> str:
    return "\n".join(text for text in texts if text)


@lru_cache(maxsize=256)
def compiled(selector: str) -> CSSSelector:
    """The selector compiled once: compiling costs more than matching, and the same few
    selectors run on every page."""
    return CSSSelector(selector)


def block_text(element: lxml_html.HtmlElement, drop: str) -> str:
    """The element's text with a line per block and per <br><br>; furniture removed."""
    element = copy.deepcopy(element)
    for unwanted in compiled(drop)(element):
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
        # Newlines in the HTML source are spaces; only blocks and <br> break lines.
        node.text = WHITESPACE.sub(" ", node.text) if node.text else node.text
        if node is not element:
            node.tail = WHITESPACE.sub(" ", node.tail) if node.tail else node.tail
        if not isinstance(node.tag, str):
            continue
        if node.tag in CELL_TAGS:
            # A row reads "| cell | cell |", as trafilatura writes tables.
            if node.getprevious() is None:
                node.text = "| " + (node.text or "")
            node.tail = " | " + (node.tail or "")
        elif node.tag == "br" or node.tag in BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            if node.tag != "br":
                node.text = "\n" + (node.text or "")
    # A line that is exactly one link's text is a related-article link ("Jangan Lewatkan").
    link_lines = {" ".join(a.text_content().split()) for a in element.iter("a")}
    lines = (" ".join(line.split()) for line in element.text_content().splitlines())
    return "\n".join(line for line in lines if line and line not in link_lines)


def generic_body(document_body: etree._Element | None) -> Cleaned:
    """trafilatura's body, cleaned, without the link lists and link-only lines it kept.

    trafilatura keeps "other news" lists and teaser grids when they sit near the story;
    in its XML (extracted with include_links) they are lists whose items each lead with
    a linked headline, and paragraphs that are nothing but a link.
    """
    if document_body is None:
        return Cleaned("")
    body = copy.deepcopy(document_body)
    teaser_lists = [element for element in body.iter("list") if _is_link_list(element)]
    for element in teaser_lists:
        if element.getparent() is not None:
            _drop(element)
    for element in list(body.iter("p", "head", "item", "quote")):
        text = _words(element)
        if text and element.getparent() is not None and _link_share(element, text) >= LINK_ONLY:
            _drop(element)
    etree.strip_tags(body, "ref")  # the links were only needed to find link lists
    text = xmltotxt(body, include_formatting=False)
    cleaned = clean_body(text)
    cleaned.listed_chars += max(0, len(_words(document_body)) - len(" ".join(text.split())))
    if teaser_lists:
        cleaned.notes.insert(0, f"dropped {len(teaser_lists)} list(s) of linked headlines")
    return cleaned


def _is_link_list(element: etree._Element) -> bool:
    items = element.findall("item")
    linked = [item for item in items if _has_headline_link(item)]
    return len(items) >= 2 and len(linked) >= LINK_LIST_SHARE * len(items)


def _has_headline_link(item: etree._Element) -> bool:
    return any(len(_words(ref).split()) >= 3 for ref in item.iter("ref"))


def _link_share(element: etree._Element, text: str) -> float:
    linked = " ".join(_words(ref) for ref in element.iter("ref"))
    return len(linked) / len(text)


def _words(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _drop(element: etree._Element) -> None:
    """Remove an element from trafilatura's tree, keeping the text that follows it."""
    parent = element.getparent()
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def choose_body(named: Cleaned | None, generic: Cleaned, origin: str) -> tuple[Cleaned, list[str]]:
    """The container's text where the generic body supports it, else the generic body.

    Both texts are cleaned. Without a container, or with a generic body too short to judge
    by (photo stories), the one text there is wins.
    """
    if named is None or not named.text:
        return generic, []
    if len(generic.text) < MIN_COMPARABLE_CHARS:
        return named, []
    named_words, generic_words = _tokens(named.text), _tokens(generic.text)
    named_size, generic_size = sum(named_words.values()), sum(generic_words.values())
    if named_size > LONGER_THAN_GENERIC * generic_size:
        lines = named.text.splitlines()
        while len(lines) > 1 and not _supported(lines[-1], generic_words):
            lines.pop()
        cut = len(named.text.splitlines()) - len(lines)
        if cut:
            trimmed = replace(named, text="\n".join(lines))
            return trimmed, [f"{origin}: cut {cut} trailing line(s) the generic body lacks"]
        return named, [f"{origin}: {named_size / generic_size:.1f}x the generic body; kept"]
    if named_size < SHORTER_THAN_GENERIC * generic_size:
        shared = sum((named_words & generic_words).values())
        # A summary box leaves out paragraphs of the story; a photo page's container
        # leaves out only menus and headlines.
        left_out = [
            line
            for line in generic.text.splitlines()
            if len(line.split()) >= PROSE_WORDS and not _supported(line, named_words)
        ]
        if shared >= CONTAINED * named_size and len(left_out) >= 2:
            note = f"{origin}: {named_size / generic_size:.0%} of the generic body; used that"
            return generic, [note]
    return named, []


def _supported(line: str, generic_words: Counter) -> bool:
    words = _tokens(line)
    return sum(n for word, n in words.items() if word in generic_words) >= SUPPORTED_LINE * sum(
        words.values()
    )


def _tokens(text: str) -> Counter:
    return Counter(tokens(text))


def wrap_leads(tree: lxml_html.HtmlElement) -> None:
    """Give a story's lead its own paragraph when it sits as loose text before the first one.

    Older templates write "<b>Kapanlagi.com</b> - Lead ... <p>Second paragraph</p>"; trafilatura
    reads paragraphs and drops the loose text, which is the lead. Only a div whose own text
    before its first paragraph is long, and that goes on in at least two paragraphs, is touched.
    """
    for div in list(tree.iter("div")):
        paragraphs = [index for index, child in enumerate(div) if child.tag == "p"]
        if len(paragraphs) < 2:
            continue
        leading = list(div)[: paragraphs[0]]
        if any(not isinstance(node.tag, str) or node.tag in BLOCK_TAGS for node in leading):
            continue
        lead_text = (div.text or "") + "".join(
            node.text_content() + (node.tail or "") for node in leading
        )
        if len(" ".join(lead_text.split())) < MIN_LOOSE_LEAD:
            continue
        lead = lxml_html.Element("p")
        lead.text, div.text = div.text, None
        for node in leading:
            lead.append(node)  # moves the node, with its tail
        div.insert(0, lead)


def end_of_story(cleaned: Cleaned, tree: lxml_html.HtmlElement) -> None:
    """Cut other stories' ledes after the body's closing code (`end_at_closing_code`), judged
    with the page's teaser blocks."""
    end_at_closing_code(cleaned, teaser_test(tree))


def teaser_test(tree: lxml_html.HtmlElement) -> Callable[[str], bool]:
    """A test for a line of the body: does it sit in a teaser block on the page, a small
    block that holds it and a link to another page (a headline, a thumbnail)?

    The page is searched only when the test is asked: most bodies never need it.
    """

    def in_teaser(line: str) -> bool:
        words = line.split()
        if not words:
            return False
        found = tree.xpath(TEXT_BLOCKS_WITH, probe=" ".join(words[:PROBE_WORDS]))
        if not found:
            return False
        # Document order puts a block after the blocks that hold it: the last is innermost.
        element = found[-1]
        text = " ".join(words)
        limit = len(text) + TEASER_EXTRA_CHARS
        for _ in range(TEASER_DEPTH):
            if element is None or len(" ".join(element.text_content().split())) > limit:
                return False
            if any(_links_away(link, text) for link in element.iter("a")):
                return True
            element = element.getparent()
        return False

    return in_teaser


def _links_away(link: lxml_html.HtmlElement, line: str) -> bool:
    """A link to another page that is not part of the line: a headline or a thumbnail."""
    if not link.get("href"):
        return False
    words = " ".join(link.text_content().split())
    if words:
        return len(words.split()) >= HEADLINE_LINK_WORDS and words not in line
    return link.find(".//img") is not None
