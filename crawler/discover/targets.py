"""What to fetch for the configured topics: title filters and search/tag page URLs.

Feed, sitemap and listing entries are fetched only when their headline (or, without one,
the words of their URL) names one of a topic's query terms; search and tag pages are built
from the top terms. A topic without terms (no seed, no keywords) wants everything, so a
config with such a topic filters nothing.
"""

from dataclasses import dataclass
from urllib.parse import quote_plus, urlsplit

from crawler.config.load import Source, Topic
from crawler.relevance.terms import matches, query_terms, slug

# Search and tag pages are built from each topic's first few terms: its keywords first.
TEMPLATE_TERMS = 3


@dataclass
class Targets:
    terms: list[str] | None
    template_terms: list[str]

    def wants(self, url: str, title: str | None) -> bool:
        """Is this entry worth fetching? Its headline, or its URL's words, name a term."""
        if self.terms is None:
            return True
        path_words = urlsplit(url).path.replace("/", " ").replace(".", " ")
        return matches(self.terms, f"{title or ''} {path_words}")

    def template_urls(self, source: Source) -> list[tuple[str, str]]:
        """(url, "search" or "tag") for every template of the source and every top term."""
        urls = [
            (template.format(query=quote_plus(term)), "search")
            for template in source.search
            for term in self.template_terms
        ]
        urls += [
            (template.format(tag=slug(term)), "tag")
            for template in source.tags
            for term in self.template_terms
        ]
        return list(dict.fromkeys(urls))


def targets_for(topics: list[Topic]) -> Targets:
    per_topic = [query_terms(topic) for topic in topics]
    firehose = not topics or any(not terms for terms in per_topic)
    terms = [term for terms in per_topic for term in terms]
    top = [term for terms in per_topic for term in terms[:TEMPLATE_TERMS]]
    return Targets(
        terms=None if firehose else list(dict.fromkeys(terms)),
        template_terms=list(dict.fromkeys(top)),
    )
