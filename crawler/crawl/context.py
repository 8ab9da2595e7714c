"""What one `pantau crawl` shares across its spiders, pipelines and duplicate filter.

Each source runs in a Scrapy crawler of its own; they all write through one ArchiveWriter
and schedule articles through one set of URLs, so that two sources on one host never fetch
a URL twice. The runner attaches the context to every crawler (`attach`); Scrapy
components find it with `CrawlContext.of(crawler)`.
"""

from dataclasses import dataclass, field
from typing import Any

from crawler.archive.writer import ArchiveWriter
from crawler.config.load import Source, Topic
from crawler.config.rules import BodyRules
from crawler.crawl.extraction import ExtractionPool
from crawler.relevance.score import TopicProfile, topic_profile


@dataclass
class CrawlContext:
    archive: ArchiveWriter
    sources: list[Source]
    topics: list[Topic]
    rules: list[BodyRules] = field(default_factory=list)
    # Ids of the article URLs scheduled so far in this crawl, by any source.
    scheduled: set[str] = field(default_factory=set)
    # Worker processes for extraction (crawl/extraction.py); 0: in the reactor's thread.
    extract_processes: int = 0
    profiles: dict[str, TopicProfile] = field(init=False)
    extraction: ExtractionPool = field(init=False)

    def __post_init__(self) -> None:
        self.profiles = {topic.name: topic_profile(topic) for topic in self.topics}
        self._sources = {source.name: source for source in self.sources}
        self.extraction = ExtractionPool(self.extract_processes, self.rules, self.profiles)

    def source(self, name: str) -> Source:
        return self._sources[name]

    def relevant(self, relevance: dict[str, float]) -> bool:
        """Close enough to at least one topic (everything is, without topics)."""
        return not self.topics or any(
            relevance[topic.name] >= topic.min_relevance for topic in self.topics
        )

    def attach(self, crawler: Any) -> None:
        crawler.pantau_context = self

    @staticmethod
    def of(crawler: Any) -> "CrawlContext":
        context = getattr(crawler, "pantau_context", None)
        if not isinstance(context, CrawlContext):
            raise RuntimeError("no CrawlContext attached to this crawler (see crawl/runner.py)")
        return context
