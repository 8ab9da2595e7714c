"""Turn one news page into an article record (trafilatura plus Indonesian newsroom rules).

`extract_article` is pure: HTML and URL in, a dict or `None` out. It never touches the
network or the database, so the crawler, `pantau extract` and the tests share it.
"""

import re
from typing import Any

import trafilatura
from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

from crawler.config.rules import BodyRules, rules_for
from crawler.extract.body import (
    choose_body,
    container_text,
    end_of_story,
    generic_body,
    wrap_leads,
)
from crawler.extract.cleanup import Cleaned, abbreviated, clean_body, without_preamble
from crawler.extract.dates import find_published_at, structured_dates
from crawler.extract.headline import find_headline
from crawler.extract.pagetype import judge, page_signals
from crawler.text import detect_language, text_size
from crawler.urls import normalize_url, pick_canonical

# trafilatura 2.3 returns a few words for navigation-only pages instead of None.
MIN_TEXT_CHARS = 250
NAMED_MIN_CHARS = 80
RUBRIC_WORDS = 3
# htmldate's extensive search guesses from any year in the text ("2019" -> 2019-01-01);
# a story about a 2019 summit is not published in 2019. Dates must come from markup or URL.
DATE_PARAMS: dict[str, Any] = {"extensive_search": False, "original_date": True}
# What meta "author" tags hold when they name the company or the web agency, not a person.
PUBLISHER_AS_AUTHOR = re.compile(r"\b(cyber media|media baru|web design|development)\b", re.I)
# C0 control characters but tab, newline and carriage return. No text holds them, and one
# (or a reference to one, "&#2;") makes lxml and trafilatura lose the page's text.
CONTROL_CHARACTERS = [chr(code) for code in range(32) if chr(code) not in "\t\n\r"]
CONTROL_CHARACTER = re.compile(f"[{re.escape(''.join(CONTROL_CHARACTERS))}]")
CONTROL_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));"
)
# Elements that hold running text: a comment inside one is no part of the page's structure,
# and trafilatura, handed a tree, loses the text after it ("<a>link</a><!-- -->, but ...").
# Comments between blocks stay: they mark where the page's parts begin and end.
RUNNING_TEXT = {"p", "a", "span", "b", "strong", "i", "em", "u", "small", "sub", "sup", "q"}
# A page whose first 4 KB are more than this share of control characters is not text:
# random bytes are about 11%, UTF-16 read as UTF-8 half; a stray one or two are the page's.
BINARY_SHARE = 0.05


class ExtractionError(Exception):
    """The page holds no article: too little text, no title, not HTML, or not an article."""


def extract_article(
    html: str | bytes,
    url: str | None,
    allowed_hosts: list[str] | None = None,
    *,
    charset: str | None = None,
    article_pattern: str | None = None,
    rules: list[BodyRules] | None = None,
) -> dict[str, Any]:
    """Extract url, title, author, editor, credit, published_at, text, language and notes.

    `charset` is the one the HTTP header gave (used when the page declares none);
    `article_pattern` is the source's, one more hint that the page is an article;
    `rules` are the outlets' body rules (`Config.body_rules()`); without them the generic
    path runs alone. `notes` says what
    was doubtful or overruled on the way. Raises ExtractionError with the reason when the
    page holds no article.
    """
    # One parse serves every step: trafilatura works on a copy of the tree it is given.
    tree = parse_html(html, charset)
    stamps = structured_dates(tree)
    signals = page_signals(tree, url, article_pattern, stamps=stamps)
    cleaned, notes, from_container = _body(tree, url, rules)
    # A container is trusted with less text than a page-wide guess: photo stories are short.
    min_chars = NAMED_MIN_CHARS if from_container else MIN_TEXT_CHARS
    if not _long_enough(cleaned.text, min_chars):
        raise ExtractionError(f"too little text ({len(cleaned.text)} characters)")
    is_article, verdict = judge(signals, cleaned)
    if not is_article:
        raise ExtractionError(f"not an article page: {verdict[0]}")
    found = _metadata(tree, url, with_author=not cleaned.reporters)
    headline = find_headline(tree, url, cleaned.text, found.title)
    title = headline.text
    if not title:
        raise ExtractionError("no title")
    text = _without_preamble(without_headline(cleaned.text, title), notes)
    reporters = cleaned.reporters or _split_authors(found.author)
    return {
        "url": _article_url(url, _declared_canonical(tree), allowed_hosts or []),
        "title": title,
        "author": "; ".join(reporters) or None,
        "editor": "; ".join(cleaned.editors) or None,
        "credit": cleaned.credit,
        "published_at": find_published_at(tree, found.date, stamps),
        "text": text,
        "language": detect_language(text, tree.get("lang")),
        "notes": verdict + notes + headline.notes,
    }


def _body(
    tree: lxml_html.HtmlElement, url: str | None, rules: list[BodyRules] | None
) -> tuple[Cleaned, list[str], bool]:
    """(body, notes, whether it is the outlet's container's) of a page: the container where
    the generic body supports it, cut at the closing code when other stories follow."""
    # Read the named body container as the page has it, before wrap_leads reshapes it.
    container = container_text(tree, rules_for(url, rules or []))
    wrap_leads(tree)
    document = _trafilatura(tree)
    if document is None and not container:
        raise ExtractionError("no article text found")
    generic = _generic_body(document, tree)
    named = clean_body(container[0]) if container else None
    cleaned, notes = choose_body(named, generic, container[1] if container else "")
    end_of_story(cleaned, tree)
    return cleaned, cleaned.notes + notes, cleaned is named


def _without_preamble(text: str, notes: list[str]) -> str:
    """`text` without the menu or byline lines above the story, said in `notes`."""
    text, preamble = without_preamble(text)
    if preamble:
        shown = ", ".join(f'"{abbreviated(line)}"' for line in preamble[:3])
        notes.append(f"dropped {len(preamble)} menu or byline line(s) above the story: {shown}")
    return text


def _trafilatura(tree: lxml_html.HtmlElement, **options: Any) -> Document | None:
    """trafilatura's body with tables, and with links kept for `generic_body` to find link
    lists by (it drops them before the text is read). Without the page's URL: the links'
    text is what counts, and resolving every link's target against it is work for nothing."""
    document = trafilatura.bare_extraction(
        tree, include_comments=False, include_tables=True, include_links=True, **options
    )
    return document if isinstance(document, Document) else None


def _metadata(tree: lxml_html.HtmlElement, url: str | None, with_author: bool) -> Document:
    """trafilatura's title, author and day of publication, found as its `extract_metadata`
    finds them, without what Pantau never reads (categories, tags, licence, site name) and
    without its search of the page for an author unless `with_author` (the body's staff
    lines name the reporters more surely)."""
    found = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None
    try:
        found = extract_meta_json(tree, found)
    except Exception:  # trafilatura's own call guards against its JSON-LD reader's bugs too
        pass
    found.title = found.title or extract_title(tree)
    if with_author and not found.author:
        found.author = extract_author(tree)
    found.url = found.url or extract_url(tree, url)
    found.date = find_date(tree, **DATE_PARAMS, url=found.url)
    found.clean_and_trim()
    return found


def _generic_body(document: Document | None, tree: lxml_html.HtmlElement) -> Cleaned:
    """trafilatura's body without link lists; when little is left, its precise mode's."""
    generic = generic_body(document.body if document else None)
    if _long_enough(generic.text):
        return generic
    # The first pick was a teaser grid or a menu; precision mode looks past them.
    second = _trafilatura(tree, favor_precision=True)
    precise = generic_body(second.body if second else None)
    if _long_enough(precise.text):
        precise.notes.append("trafilatura's first pick was too short; used its precise mode")
        return precise
    return generic


def extract_multipage(
    html: str | bytes,
    url: str | None,
    allowed_hosts: list[str] | None,
    later_parts: list[tuple[str, bytes]],
    **options: Any,
) -> dict[str, Any]:
    """`extract_article` on the first page (`options` go to it), with the text of pages 2,
    3, ... appended."""
    article = extract_article(html, url, allowed_hosts, **options)
    for number, (part_url, body) in enumerate(later_parts, start=2):
        more, notes = extract_later_part(
            body, part_url, article["title"], options.get("charset"), options.get("rules")
        )
        if more:
            article["text"] += "\n" + more
        article["notes"] += [f"page {number}: {note}" for note in notes]
    return article


def extract_later_part(
    html: str | bytes,
    url: str | None,
    title: str,
    charset: str | None = None,
    rules: list[BodyRules] | None = None,
) -> tuple[str, list[str]]:
    """(body text, notes) of page 2, 3, ... of a multi-page article, read as page 1 is:
    its container or generic body, cut at the closing code, without the headline and the
    lines above the story ("" when there is no text)."""
    try:
        tree = parse_html(html, charset)
        cleaned, notes, _ = _body(tree, url, rules)
    except ExtractionError:
        return "", []
    return _without_preamble(without_headline(cleaned.text, title), notes), notes


def without_headline(text: str, title: str) -> str:
    """The body without the headline it often repeats, alone or after a rubric
    ("In Picture: ..."): the title has it already."""
    return "\n".join(
        line
        for line in text.splitlines()
        if not (line.endswith(title) and len(line.split()) <= len(title.split()) + RUBRIC_WORDS)
    )


def _long_enough(text: str, min_chars: int = MIN_TEXT_CHARS) -> bool:
    # Words in any script (Chinese has no spaces to count); six characters a word otherwise.
    return len(text) >= min_chars and text_size(text) >= min_chars // 6


def parse_html(html: str | bytes, charset: str | None = None) -> lxml_html.HtmlElement:
    """Parse bytes or text leniently; raise ExtractionError when nothing HTML-like is there.

    `charset` is the HTTP header's, used when the page itself declares none.
    """
    if not html or not html.strip():
        raise ExtractionError("empty page")
    if isinstance(html, bytes):
        html = decode(html, charset)
    # lxml refuses str input that still carries an XML encoding declaration.
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if looks_binary(html):
        raise ExtractionError("binary content, not HTML")
    html = without_control_characters(html)
    try:
        tree = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"unparseable HTML: {error}") from None
    for comment in list(tree.iter(etree.Comment)):
        parent = comment.getparent()
        if parent is not None and parent.tag in RUNNING_TEXT:
            comment.drop_tree()  # its tail joins the text before it
    return tree


def looks_binary(text: str) -> bool:
    """Control characters make up more than BINARY_SHARE of the first 4 KB."""
    head = text[:4096]
    return len(CONTROL_CHARACTER.findall(head)) > BINARY_SHARE * len(head)


def without_control_characters(html: str) -> str:
    """The page with its control characters, and references to them, made spaces."""
    html = CONTROL_REFERENCE.sub(" ", html)
    # Looked for one by one before any is replaced: `in` scans a page far faster than a
    # character class does, and almost no page holds one.
    if any(character in html for character in CONTROL_CHARACTERS):
        html = CONTROL_CHARACTER.sub(" ", html)
    return html


def decode(body: bytes, charset: str | None = None) -> str:
    """The page's text: a byte-order mark first, then valid UTF-8 whatever the page declares
    (old Indonesian pages declare iso-8859-1 and serve UTF-8), then the page's own
    declaration, then the HTTP header's charset, then windows-1252 (what browsers assume).
    """
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        return body[len(bom) :].decode(bom_encoding, errors="replace")
    try:
        text = body.decode("utf-8")
        # NUL bytes are valid UTF-8, but many of them mean UTF-16/32 without a BOM.
        if not looks_binary(text):
            return text
    except UnicodeDecodeError:
        pass
    for declared in (html_body_declared_encoding(body), charset):
        encoding = resolve_encoding(declared) if declared else None
        if encoding:
            try:
                return body.decode(encoding, errors="replace")
            except LookupError:  # a codec that is not a charset ("base64")
                continue
    return body.decode("cp1252", errors="replace")


def _article_url(url: str | None, declared: str | None, allowed_hosts: list[str]) -> str | None:
    if url:
        return pick_canonical(url, declared, allowed_hosts)
    # A page read from disk: only an absolute canonical link says where it lives.
    if declared and declared.startswith(("http://", "https://")):
        return normalize_url(declared)
    return None


def declared_url(html: str | bytes, charset: str | None = None) -> str | None:
    """The absolute URL a saved page declares for itself (rel=canonical, else og:url), or
    None. Raises ExtractionError when the page is no HTML."""
    return _article_url(None, _declared_canonical(parse_html(html, charset)), [])


def _declared_canonical(tree: lxml_html.HtmlElement) -> str | None:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        values = [v.strip() for v in tree.xpath(xpath) if v.strip()]
        if values:
            return values[0]
    return None


def _split_authors(author: str | None) -> list[str]:
    """trafilatura's author string -> names, without "Pewarta"/"Penulis" labels or the outlet."""
    if not author:
        return []
    names = []
    for part in re.split(r"\s*;\s*", author):
        part = re.sub(r"^(pewarta|penulis|reporter|oleh)\s*:?\s*", "", part.strip(), flags=re.I)
        if part and not re.search(
            r"\b(cyber media|media baru|web design|development)\b", part, re.I
        ):
            names.append(part)
    return names
