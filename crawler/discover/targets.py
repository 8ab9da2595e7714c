"""What to fetch for the configured topics: title filters and search/tag page URLs.

Feed, sitemap, listing, date index and web archive entries are fetched only when their
headline and the words of their URL name a topic (crawler/relevance/terms.py:names_topic);
search and tag pages are built from the top terms. A topic without terms (no seed, no
keywords) wants everything, so a config with such a topic filters nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from crawler.config.load import Source, Topic
from crawler.discover.templates import fill_template, is_paged
from crawler.relevance.terms import names_topic, query_terms, slug

# Search and tag pages are built from each topic's first few terms: its keywords first.
TEMPLATE_TERMS = 3
# A search template's {since:FMT} when no topic has a window: recent coverage.
DEFAULT_SEARCH_DAYS = 30


@dataclass(frozen=True)
class FilledTemplate:
    """A search, tag or date index template with its values, short of the page number."""

    kind: str  # "search", "tag" or "archive"
    template: str
    values: tuple[tuple[str, Any], ...]

    def url(self, page: int = 1) -> str:
        return fill_template(self.template, dict(self.values), page)

    @property
    def paged(self) -> bool:
        return is_paged(self.template)


@dataclass
class Targets:
    # Each topic's query terms; None: some topic wants everything.
    topic_terms: list[list[str]] | None
    template_terms: list[str]
    # The topics' window as search templates see it: None until is today.
    since: date | None = None
    until: date | None = None

    def wants(self, url: str, title: str | None) -> bool:
        """Is this entry worth fetching? Its headline and its URL's words name a topic."""
        if self.topic_terms is None:
            return True
        path_words = urlsplit(url).path.replace("/", " ").replace(".", " ").replace("-", " ")
        text = f"{title or ''} {path_words}"
        return any(names_topic(terms, text) for terms in self.topic_terms)

    def filled_templates(self, source: Source, today: date) -> list[FilledTemplate]:
        """Every search and tag template of the source for every top term; search templates
        get the window too ({since:FMT}, {until:FMT})."""
        until = min(self.until or today, today)
        since = self.since or until - timedelta(days=DEFAULT_SEARCH_DAYS)
        filled = [
            FilledTemplate(
                "search",
                template,
                (("query", term), ("since", since), ("until", until)),
            )
            for template in source.search
            for term in self.template_terms
        ]
        filled += [
            FilledTemplate("tag", template, (("tag", slug(term)),))
            for template in source.tags
            for term in self.template_terms
        ]
        return list(dict.fromkeys(filled))

    def template_urls(self, source: Source, today: date | None = None) -> list[tuple[str, str]]:
        """(first page's url, "search" or "tag") for every filled template of the source."""
        filled = self.filled_templates(source, today or date.today())
        return list(dict.fromkeys((template.url(), template.kind) for template in filled))


def targets_for(topics: list[Topic]) -> Targets:
    per_topic = [query_terms(topic) for topic in topics]
    firehose = not topics or any(not terms for terms in per_topic)
    top = [term for terms in per_topic for term in terms[:TEMPLATE_TERMS]]
    starts = [topic.since for topic in topics if topic.since]
    ends = [topic.until for topic in topics if topic.since]
    return Targets(
        topic_terms=None if firehose else per_topic,
        template_terms=list(dict.fromkeys(top)),
        since=min(starts, default=None),
        # A window without `until` runs to today, and so does the union of the windows.
        until=None if None in ends else max((end for end in ends if end), default=None),
    )
