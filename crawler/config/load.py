"""Configuration: outlets/*.yml (or sources.yml), topics.yml and crawl.yml in one directory.

An outlet is one entry in one place: its hosts, where to discover articles, what an article
URL looks like and where its pages keep the body (`body`, `drop`, `sections`). Each file
under outlets/ holds one entry; sources.yml holds a list of them under `sources:`. Both
forms take the same keys.

Every problem is a `ConfigError(file, key, problem)`, which the CLI prints as a single
line. Loading notes each problem and goes on with the rest, so that one pass names all of
them (`check_config`, `pantau config check`); `load_config` raises them together, and
nothing here prints tracebacks or half-loads a config.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import regex
import yaml
from cssselect import GenericTranslator, SelectorError

from crawler import __version__
from crawler.config.rules import BodyRules
from crawler.discover.robots import disallowing_rule
from crawler.discover.templates import SAMPLES, TemplateError, fill_template, sample_url
from crawler.urls import host_of, looks_like_article_url

DEFAULT_CONTACT_URL = "https://github.com/pantau-id/pantau"
# An article pattern gets this long per URL (the `regex` module's timeout). When the config
# loads, it must pass within that time URLs where the outlet's links are, each ending in a
# long run of one of these (pattern_starts), several times longer than a crawl's longest
# URL: a pattern whose time grows with the square of the run, not only one that backtracks
# without end, fails there and not, link after link, in a crawl.
PATTERN_SECONDS = 0.05
PATTERN_RUN_CHARS = 8000
PATTERN_RUNS = ("a", "1", "a-", "/a", ".")
PATTERN_ENDS = ("!", "/")
# Scrapy's URLLENGTH_LIMIT: a longer URL is never fetched, so it is no article either.
MAX_URL_CHARS = 2083
# Web archives that hold earlier captures of outlets' pages (crawler/discover/webarchives.py):
# the public endpoints, used unless crawl.yml's `backfill:` names others (a mirror, a test).
PUBLIC_BACKFILL = {
    "wayback": {
        "cdx": "https://web.archive.org/cdx/search/cdx",
        "replay": "https://web.archive.org/web/",
    },
    "commoncrawl": {
        "index": "https://index.commoncrawl.org/",
        "data": "https://data.commoncrawl.org/",
    },
}


class ConfigError(Exception):
    """A config file is missing, unreadable or says something invalid."""

    def __init__(self, file: Path | str, key: str, problem: str):
        self.file, self.key, self.problem = str(file), key, problem
        super().__init__(f"{file}: {key}: {problem}")


class ConfigErrors(ConfigError):
    """Several problems at once, a line each; `file`, `key` and `problem` are the first's."""

    def __init__(self, problems: list[ConfigError]):
        first = problems[0]
        super().__init__(first.file, first.key, first.problem)
        self.args = ("\n".join(str(problem) for problem in problems),)
        self.problems = problems


@dataclass(frozen=True)
class ConfigWarning:
    """A valid config that makes a crawl do what its user may not mean."""

    file: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.problem}"


T = TypeVar("T")


class Problems:
    """What loading found wrong, noted as it goes: a part with a problem is left out and
    the rest is still read, so that one pass names every problem."""

    def __init__(self) -> None:
        self.found: list[ConfigError] = []
        self.warnings: list[ConfigWarning] = []

    def attempt(self, default: T, function: Callable[..., T], *args: Any) -> T:
        """function(*args), or `default` when it raises a ConfigError (noted)."""
        try:
            return function(*args)
        except ConfigError as error:
            self.found.append(error)
            return default

    @contextmanager
    def noted(self) -> Iterator[None]:
        """Note a ConfigError the block raises, and go on after it."""
        try:
            yield
        except ConfigError as error:
            self.found.append(error)

    def warn(self, file: Path | str, key: str, problem: str) -> None:
        self.warnings.append(ConfigWarning(str(file), key, problem))

    def raise_any(self) -> None:
        _raise_any(self.found)


def _raise_any(found: list[ConfigError]) -> None:
    """Raise what was found: the one ConfigError, or all of them."""
    if len(found) == 1:
        raise found[0]
    if found:
        raise ConfigErrors(found)


@dataclass
class Section:
    """A part of an outlet's site whose pages keep the body elsewhere (a photo host)."""

    hosts: list[str]
    body: list[str]
    drop: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Evidence:
    """Where a fact in an outlet file was seen: a public repository and path, a document,
    or `live` (`pantau sources check --update`); the day it was seen there (not the day it
    was written down); and what it shows. `says` starting "code only:" marks a fact that
    code expects but that nobody recorded seeing."""

    source: str
    seen: date
    says: str

    @property
    def observed(self) -> bool:
        return not self.says.lower().startswith("code only")


@dataclass(frozen=True)
class Example:
    """A real URL of the outlet and where it was seen."""

    url: str
    source: str


@dataclass
class Examples:
    """Real article URLs of the outlet and real URLs of its other pages (listings, tags,
    indexes): its `article_pattern` must tell them apart."""

    articles: list[Example] = field(default_factory=list)
    not_articles: list[Example] = field(default_factory=list)


@dataclass(frozen=True)
class DisabledEntry:
    """An entry point kept on record but not fetched (gone, refused, robots.txt, JavaScript)."""

    kind: str  # feeds, sitemaps, listings, tags, search, archives
    url: str
    reason: str


# Where a crawl starts: the keys of an outlet that hold URLs or URL templates.
ENTRY_KINDS = ("feeds", "sitemaps", "listings", "tags", "search", "archives")


@dataclass
class Source:
    """One outlet (or one section of an outlet): where to look, what an article URL is, and
    where its pages keep the article body."""

    name: str
    hosts: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    article_pattern: str | None = None
    # URL templates filled from a topic's query terms: ".../tag/{tag}", "...?q={query}".
    tags: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    # Date index templates: "https://x.id/indeks?date={date:%d/%m/%Y}&page={page}".
    archives: list[str] = field(default_factory=list)
    # CSS selectors of the body container (newest layout first) and of furniture inside it.
    body: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    # Where each fact above was seen, and real URLs its article_pattern must tell apart.
    evidence: list[Evidence] = field(default_factory=list)
    examples: Examples = field(default_factory=Examples)
    # robots.txt Disallow rules the evidence shows: no entry point may fall under one.
    robots_disallow: list[str] = field(default_factory=list)
    # Entry points kept on record with the reason they are not fetched.
    disabled_entries: list[DisabledEntry] = field(default_factory=list)
    # Why the outlet is not crawled, when it is not.
    disabled: str | None = None
    # Entry pages (date indexes, listings, tag and search pages) need a browser to build
    # their links; articles are still fetched over plain HTTP.
    render: bool = False

    def entry_points(self) -> dict[str, list[str]]:
        """The entry points fetched, by kind (ENTRY_KINDS)."""
        return {kind: getattr(self, kind) for kind in ENTRY_KINDS}

    def newest_evidence(self) -> date | None:
        """The last day a fact of this file was seen (code that nobody saw run aside)."""
        return max((item.seen for item in self.evidence if item.observed), default=None)

    def allowed_hosts(self) -> list[str]:
        """The hosts the crawler may fetch from: `hosts`, else those of the entry points."""
        if self.hosts:
            return self.hosts
        urls = self.feeds + self.sitemaps + self.listings + self.tags + self.search
        return sorted({host_of(url) for url in urls} - {""})

    def is_article_url(self, url: str) -> bool:
        if len(url) > MAX_URL_CHARS:
            return False
        if self.article_pattern is None:
            return looks_like_article_url(url)
        try:
            return _pattern(self.article_pattern).search(url, timeout=PATTERN_SECONDS) is not None
        except TimeoutError:
            return False  # a pattern that backtracks this long on a URL matches nothing

    def body_rules(self) -> list[BodyRules]:
        """Extraction rules for the outlet's hosts and for each of its sections."""
        rules = [BodyRules(self.name, tuple(self.hosts), tuple(self.body), tuple(self.drop))]
        rules += [
            BodyRules(f"{self.name}/{section.hosts[0]}", *map(tuple, astuple(section)))
            for section in self.sections
        ]
        return [rule for rule in rules if rule.body]


@dataclass
class SeedInfo:
    """What is known about a seed article besides its text (often little)."""

    source: str | None = None
    url: str | None = None
    title: str | None = None
    author: str | None = None
    published_at: str | None = None
    language: str | None = None
    note: str | None = None


@dataclass
class Topic:
    """A story to follow: a seed article and/or keywords, and how relevant is relevant enough."""

    name: str
    seed: Path | None = None
    seed_info: SeedInfo = field(default_factory=SeedInfo)
    keywords: list[str] = field(default_factory=list)
    min_relevance: float = 0.0
    # Coverage published outside [since, until] is about another event.
    since: date | None = None
    until: date | None = None

    def seed_text(self) -> str | None:
        return self.seed.read_text(encoding="utf-8") if self.seed else None


@dataclass
class CrawlConfig:
    """crawl.yml: who we are on the live web, and Scrapy settings for scheduled runs."""

    contact_url: str = DEFAULT_CONTACT_URL
    settings: dict[str, Any] = field(default_factory=dict)
    # Route name ("wayback", "commoncrawl") -> its endpoints; empty: no backfill.
    backfill: dict[str, dict[str, str]] = field(
        default_factory=lambda: {route: dict(urls) for route, urls in PUBLIC_BACKFILL.items()}
    )

    @property
    def user_agent(self) -> str:
        """Names the project and how to reach whoever runs it (crawls, checks, seed fetches)."""
        return f"Pantau/{__version__} (+{self.contact_url})"


@dataclass
class Config:
    directory: Path
    sources: list[Source]
    topics: list[Topic]
    crawl: CrawlConfig
    # What a crawl with this config would do that its user may not mean.
    warnings: list[ConfigWarning] = field(default_factory=list)

    def body_rules(self) -> list[BodyRules]:
        return body_rules(self.sources)


def body_rules(outlets: list[Source]) -> list[BodyRules]:
    """Every outlet's body rules, for extraction."""
    return [rule for outlet in outlets for rule in outlet.body_rules()]


def load_config(directory: Path | str) -> Config:
    """Load and validate every file of a config directory; raise its problems, all of them."""
    config, problems = check_config(directory)
    _raise_any(problems)
    return config


def check_config(directory: Path | str) -> tuple[Config, list[ConfigError]]:
    """Read every file of a config directory, noting every problem rather than stopping at
    the first: the config as far as it is valid (with its warnings), and the problems."""
    directory = Path(directory)
    problems = Problems()
    if not directory.is_dir():
        problems.found.append(ConfigError(directory, "(directory)", "config directory not found"))
        return Config(directory, [], [], CrawlConfig()), problems.found
    sources = _outlets(directory, problems)
    topics_file = directory / "topics.yml"
    before = len(problems.found)
    topics = _topics(topics_file, problems)
    if not topics and len(problems.found) == before:
        problems.warn(
            topics_file,
            "topics",
            "none: a crawl keeps every article it finds, whatever its subject",
        )
    crawl = _crawl_config(directory / "crawl.yml", problems)
    return Config(directory, sources, topics, crawl, problems.warnings), problems.found


def _outlets(directory: Path, problems: Problems) -> list[Source]:
    """The outlets of a config directory: one per file in outlets/, then sources.yml's."""
    listed = directory / "sources.yml"
    files = sorted((directory / "outlets").glob("*.yml"))
    if not files and not listed.exists():
        problems.found.append(
            ConfigError(
                listed, "(file)", f"file not found, and no outlet files in {directory / 'outlets'}"
            )
        )
        return []
    loaded: list[tuple[Path, Source]] = []
    for path in files:
        entry = problems.attempt(None, _outlet_entry, path)
        if entry is not None:
            loaded += [(path, source) for source in _sources(path, [entry], problems, key="")]
    if listed.exists():
        entries: list[Any] = problems.attempt([], _top_level_list, listed, "sources", True)
        loaded += [(listed, source) for source in _sources(listed, entries, problems)]
    seen: dict[str, Path] = {}
    outlets = []
    for path, source in loaded:
        if source.name in seen:
            problems.found.append(
                ConfigError(
                    path,
                    "name",
                    f"duplicate source name {source.name!r} (also in {seen[source.name]})",
                )
            )
            continue
        seen[source.name] = path
        outlets.append(source)
    return outlets


def _outlet_entry(path: Path) -> dict[str, Any]:
    """An outlet file's one entry; its name defaults to the file's stem."""
    data = _read_yaml(path)
    entry = _mapping(path, "(top level)", data, allowed=None)
    return {"name": path.stem, **entry}


# The keys of an outlet entry (Source's fields but those derived from them).
SOURCE_KEYS = set(Source.__dataclass_fields__) - {"disabled_entries"}


def _sources(
    path: Path, entries: list[Any], problems: Problems, key: str = "sources"
) -> list[Source]:
    entries = [
        _without_checked(path, key, index, entry, problems) for index, entry in enumerate(entries)
    ]
    named = _named_entries(path, key, entries, "source", SOURCE_KEYS, problems)
    sources = [_source(path, where, name, values, problems) for where, name, values in named]
    return [source for source in sources if source is not None]


def _without_checked(path: Path, key: str, index: int, entry: Any, problems: Problems) -> Any:
    """The entry without `checked`, the key that `evidence` replaced (noted, with what to
    write instead)."""
    if not isinstance(entry, dict) or "checked" not in entry:
        return entry
    name = entry.get("name")
    where = f"{key}[{index}] ({name})" if key else str(name)
    problems.found.append(
        ConfigError(
            path,
            f"{where}.checked",
            "replaced by evidence: a list of {source, seen, says} (where a fact was seen, "
            "the day it was seen, what it shows)",
        )
    )
    return {k: v for k, v in entry.items() if k != "checked"}


def _source(
    path: Path, where: str, name: str, values: dict[str, Any], problems: Problems
) -> Source | None:
    """One outlet entry; None when it has a problem (each one noted)."""
    before = len(problems.found)
    failed: set[str] = set()

    def read(key: str, function: Callable[..., Any], default: Any = None) -> Any:
        count = len(problems.found)
        value = problems.attempt(default, function, path, f"{where}.{key}", values.get(key))
        if len(problems.found) > count:
            failed.add(key)
        return value

    entries_by_kind, disabled_entries = _entry_points(path, where, values, problems)
    source = Source(
        name=name,
        hosts=[host.lower() for host in read("hosts", _string_list, [])],
        article_pattern=read("article_pattern", _valid_pattern),
        **entries_by_kind,
        body=read("body", _selector_list, []),
        drop=read("drop", _selector_list, []),
        sections=read("sections", _sections, []),
        evidence=read("evidence", _evidence, []),
        examples=read("examples", _examples, Examples()),
        robots_disallow=read("robots_disallow", _string_list, []),
        disabled_entries=disabled_entries,
        disabled=read("disabled", _string),
        render=read("render", _flag, False),
    )
    # What the keys say together, judged where the keys themselves are valid.
    if source.body_rules() and not source.hosts and not failed & {"hosts", "body", "sections"}:
        problems.found.append(
            ConfigError(path, f"{where}.hosts", "required with body rules (they apply by host)")
        )
    if "robots_disallow" not in failed:
        _check_robots(path, where, source, problems)
    if not failed & {"article_pattern", "examples"}:
        with problems.noted():
            _check_pattern_speed(path, f"{where}.article_pattern", source)
            _check_examples(path, f"{where}.examples", source, problems)
    if len(problems.found) > before:
        return None
    if not source.disabled and not any(source.entry_points().values()):
        problems.warn(
            path,
            where,
            f"no entry points ({', '.join(ENTRY_KINDS)}): a crawl fetches nothing for it",
        )
    return source


def _entry_points(
    path: Path, where: str, values: dict[str, Any], problems: Problems
) -> tuple[dict[str, list[str]], list[DisabledEntry]]:
    """Each kind's entry points: URLs (templates), or `{url, disabled: reason}` for one kept
    on record and not fetched."""
    enabled: dict[str, list[str]] = {}
    disabled: list[DisabledEntry] = []
    for kind in ENTRY_KINDS:
        key = f"{where}.{kind}"
        items = values.get(kind)
        items = [items] if isinstance(items, (str, dict)) else (items or [])
        enabled[kind] = []
        if not isinstance(items, list):
            problems.found.append(ConfigError(path, key, "must be a list of URLs"))
            continue
        for index, item in enumerate(items):
            with problems.noted():
                url, reason = _entry_point(path, f"{key}[{index}]", kind, item)
                if reason is None:
                    enabled[kind].append(url)
                else:
                    disabled.append(DisabledEntry(kind, url, reason))
    return enabled, disabled


def _entry_point(path: Path, at: str, kind: str, item: Any) -> tuple[str, str | None]:
    """An entry point's URL (template), and the reason it is kept disabled, if it is."""
    placeholders = {"tags": "{tag}", "search": "{query}", "archives": "{date:"}
    if isinstance(item, dict):
        entry = _mapping(path, at, item, allowed={"url", "disabled"})
        url = _url(path, f"{at}.url", entry.get("url"))
        reason = _required_string(path, f"{at}.disabled", entry.get("disabled"))
    else:
        url, reason = _url(path, at, item), None
    if kind in placeholders:
        _check_template(path, at, url, placeholders[kind])
    return url, reason


def _evidence(path: Path, key: str, value: Any) -> list[Evidence]:
    evidence = []
    for at, entry in _mappings(
        path, key, value, {"source", "seen", "says"}, "{source, seen, says}"
    ):
        seen = _date(path, f"{at}.seen", entry.get("seen"))
        if seen is None:
            raise ConfigError(path, f"{at}.seen", "is required: the day the fact was seen")
        evidence.append(
            Evidence(
                source=_required_string(path, f"{at}.source", entry.get("source")),
                seen=seen,
                says=_required_string(path, f"{at}.says", entry.get("says")),
            )
        )
    return evidence


def _examples(path: Path, key: str, value: Any) -> Examples:
    if value is None:
        return Examples()
    entry = _mapping(path, key, value, allowed={"articles", "not_articles"})
    lists: dict[str, list[Example]] = {}
    for kind in ("articles", "not_articles"):
        items = _mappings(
            path, f"{key}.{kind}", entry.get(kind) or [], {"url", "source"}, "{url, source}"
        )
        lists[kind] = [
            Example(
                url=_url(path, f"{at}.url", values.get("url")),
                source=_required_string(path, f"{at}.source", values.get("source")),
            )
            for at, values in items
        ]
    return Examples(**lists)


def _check_examples(path: Path, key: str, source: Source, problems: Problems) -> None:
    """The article pattern must accept the outlet's own article URLs and reject its other
    pages: a pattern written for last year's URLs fails here, not silently in a crawl."""
    for example in source.examples.articles:
        if not source.is_article_url(example.url):
            problems.found.append(
                ConfigError(
                    path, f"{key}.articles", f"article_pattern rejects this article: {example.url}"
                )
            )
    for example in source.examples.not_articles:
        if source.is_article_url(example.url):
            problems.found.append(
                ConfigError(
                    path,
                    f"{key}.not_articles",
                    f"article_pattern accepts this page that is not an article: {example.url}",
                )
            )


def _check_robots(path: Path, where: str, source: Source, problems: Problems) -> None:
    """A polite crawl never fetches what robots.txt disallows: such an entry point would
    cost nothing and find nothing, every run. It is kept only as disabled."""
    if not source.robots_disallow:
        return
    for kind, urls in source.entry_points().items():
        for index, url in enumerate(urls):
            rule = disallowing_rule(source.robots_disallow, sample_url(url))
            if rule:
                problems.found.append(
                    ConfigError(
                        path,
                        f"{where}.{kind}[{index}]",
                        f"robots.txt disallows it ({rule}): remove it or keep it as "
                        "{url: ..., disabled: reason}",
                    )
                )


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> Any:
    return regex.compile(pattern)


def _valid_pattern(path: Path, key: str, value: Any) -> str | None:
    pattern = _string(path, key, value)
    if pattern is not None:
        try:
            _pattern(pattern)
        except regex.error as error:
            raise ConfigError(path, key, f"invalid regex: {error}") from None
    return pattern


def _check_pattern_speed(path: Path, key: str, source: Source) -> None:
    """A pattern fast enough on long, repetitive URLs where the outlet's links are: it is
    matched against every link a crawl sees, on the thread that runs the crawl."""
    if source.article_pattern is None:
        return
    slow = _slow_probe(source.article_pattern, tuple(pattern_starts(source)))
    if slow:
        raise ConfigError(
            path,
            key,
            f"backtracks too long (over {PATTERN_SECONDS * 1000:g} ms) on a long URL such as "
            f"{slow[:60]}... (nested repetition, as in (a+)+?)",
        )


@lru_cache(maxsize=1024)
def _slow_probe(pattern: str, starts: tuple[str, ...]) -> str | None:
    """The first probe URL the pattern takes longer than PATTERN_SECONDS on, if any."""
    compiled = _pattern(pattern)
    for start in starts:
        for run in PATTERN_RUNS:
            for end in PATTERN_ENDS:
                probe = start + run * (PATTERN_RUN_CHARS // len(run)) + end
                try:
                    compiled.search(probe, timeout=PATTERN_SECONDS)
                except TimeoutError:
                    return probe
    return None


def pattern_starts(source: Source) -> list[str]:
    """Where the outlet's links are: the root of each of its hosts, each directory of its
    example URLs (a pattern anchored there sees nothing of a probe elsewhere), and the
    root of a host of nobody's."""
    starts = {"https://x.id/"}
    for host in source.allowed_hosts():
        starts |= {f"http://{host}/", f"https://{host}/"}
    for url in (url for urls in source.entry_points().values() for url in urls):
        parts = urlsplit(url)
        starts.add(f"{parts.scheme}://{parts.netloc}/")
    for example in source.examples.articles + source.examples.not_articles:
        parts = urlsplit(example.url)
        directory = f"{parts.scheme}://{parts.netloc}/"
        starts.add(directory)
        for segment in parts.path.split("/")[1:-1]:
            directory += f"{segment}/"
            starts.add(directory)
    return sorted(starts)


def _sections(path: Path, key: str, value: Any) -> list[Section]:
    sections = []
    for where, values in _mappings(
        path, key, value, Section.__dataclass_fields__, "sections (hosts, body, drop)"
    ):
        hosts = [h.lower() for h in _string_list(path, f"{where}.hosts", values.get("hosts"))]
        body = _selector_list(path, f"{where}.body", values.get("body"))
        if not hosts or not body:
            raise ConfigError(path, where, "a section needs hosts and body")
        sections.append(
            Section(hosts, body, _selector_list(path, f"{where}.drop", values.get("drop")))
        )
    return sections


def _mappings(
    path: Path, key: str, value: Any, allowed: Any, what: str
) -> list[tuple[str, dict[str, Any]]]:
    """(where, values) of each mapping in a list of them (none when the key is absent)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(path, key, f"must be a list of {what}")
    return [
        (f"{key}[{index}]", _mapping(path, f"{key}[{index}]", item, allowed))
        for index, item in enumerate(value)
    ]


def _selector_list(path: Path, key: str, value: Any) -> list[str]:
    selectors = _string_list(path, key, value)
    for index, selector in enumerate(selectors):
        try:
            GenericTranslator().css_to_xpath(selector)
        except SelectorError as error:
            raise ConfigError(path, f"{key}[{index}]", f"invalid CSS selector: {error}") from None
    return selectors


def _check_seed(path: Path, key: str, seed: Path) -> None:
    """A seed is the text a topic is measured against: UTF-8 words, not nothing."""
    try:
        text = seed.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, key, f"{seed} is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(path, key, f"cannot read {seed}: {error.strerror}") from None
    if "\x00" in text or not text.strip():
        raise ConfigError(path, key, f"{seed} holds no text")


def load_topics(path: Path) -> list[Topic]:
    """The topics of a topics.yml (none when it is absent); raise its problems."""
    problems = Problems()
    topics = _topics(path, problems)
    problems.raise_any()
    return topics


def _topics(path: Path, problems: Problems) -> list[Topic]:
    if not path.exists():
        return []
    entries: list[Any] = problems.attempt([], _top_level_list, path, "topics", False)
    named = _named_entries(path, "topics", entries, "topic", Topic.__dataclass_fields__, problems)
    topics = [_topic(path, where, name, values, problems) for where, name, values in named]
    return [topic for topic in topics if topic is not None]


def _topic(
    path: Path, where: str, name: str, values: dict[str, Any], problems: Problems
) -> Topic | None:
    """One topic entry; None when it has a problem (each one noted)."""
    before = len(problems.found)

    def read(key: str, function: Callable[..., Any], default: Any = None) -> Any:
        return problems.attempt(default, function, path, f"{where}.{key}", values.get(key))

    topic = Topic(
        name=name,
        seed=read("seed", _seed),
        seed_info=read("seed_info", _seed_info, SeedInfo()),
        keywords=read("keywords", _string_list, []),
        min_relevance=read("min_relevance", _min_relevance, 0.0),
        since=read("since", _date),
        until=read("until", _date),
    )
    if topic.since and topic.until and topic.since > topic.until:
        problems.found.append(
            ConfigError(path, f"{where}.until", f"is before since ({topic.since})")
        )
    return topic if len(problems.found) == before else None


def _seed(path: Path, key: str, value: Any) -> Path | None:
    """A seed file, relative to the config directory: UTF-8 words, not nothing."""
    seed = _string(path, key, value)
    if not seed:
        return None
    seed_path = path.parent / seed
    if not seed_path.is_file():
        raise ConfigError(path, key, f"seed file not found: {seed_path}")
    _check_seed(path, key, seed_path)
    return seed_path


def _seed_info(path: Path, key: str, value: Any) -> SeedInfo:
    info = _mapping(path, key, value or {}, SeedInfo.__dataclass_fields__)
    return SeedInfo(**{name: _string(path, f"{key}.{name}", v) for name, v in info.items()})


def _min_relevance(path: Path, key: str, value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(path, key, "must be a number")
    if not 0 <= value <= 1:  # NaN fails both comparisons
        raise ConfigError(path, key, "must be between 0 and 1")
    return float(value)


CRAWL_KEYS = {"contact_url", "settings", "backfill"}


def load_crawl_config(path: Path) -> CrawlConfig:
    """crawl.yml (the defaults when it is absent); raise its problems."""
    problems = Problems()
    config = _crawl_config(path, problems)
    problems.raise_any()
    return config


def _crawl_config(path: Path, problems: Problems) -> CrawlConfig:
    config = CrawlConfig()
    if not path.exists():
        return config
    values = problems.attempt(None, _read_mapping, path)
    if values is None:
        return config
    _note_unknown_keys(path, "(top level)", values, CRAWL_KEYS, problems)
    contact = problems.attempt(None, _contact_url, path, "contact_url", values.get("contact_url"))
    config.contact_url = contact or DEFAULT_CONTACT_URL
    config.settings = problems.attempt(
        {}, _mapping, path, "settings", values.get("settings") or {}, None
    )
    if "backfill" in values:
        config.backfill = problems.attempt({}, _backfill, path, values["backfill"])
    return config


def _read_mapping(path: Path) -> dict[str, Any]:
    return _mapping(path, "(top level)", _read_yaml(path) or {}, allowed=None)


def _contact_url(path: Path, key: str, value: Any) -> str | None:
    contact = _string(path, key, value)
    if contact and not contact.startswith(("http://", "https://", "mailto:")):
        raise ConfigError(path, key, "must be an http(s) or mailto: URL")
    return contact


def _backfill(path: Path, value: Any) -> dict[str, dict[str, str]]:
    """`backfill: false` (none), or the routes to use: `wayback: true` for the public
    endpoints, or a mapping of endpoint URLs (a mirror; the rest stay public)."""
    if value is False or value is None:
        return {}
    routes = _mapping(path, "backfill", value, allowed=PUBLIC_BACKFILL)
    backfill = {}
    for route, endpoints in routes.items():
        if endpoints is False:
            continue
        if endpoints is True:
            endpoints = {}
        given = _mapping(path, f"backfill.{route}", endpoints, allowed=PUBLIC_BACKFILL[route])
        urls = {**PUBLIC_BACKFILL[route]}
        for name, url in given.items():
            urls[name] = _url(path, f"backfill.{route}.{name}", url)
        backfill[route] = urls
    return backfill


def _flag(path: Path, key: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ConfigError(path, key, "must be true or false")
    return value


def _named_entries(
    path: Path, key: str, entries: list[Any], kind: str, allowed: Any, problems: Problems
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, values) of each entry with a name, unique; an unknown key is noted, and
    the entry's other keys are still read."""
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        at = f"{key}[{index}]" if key else "(top level)"
        try:
            values = _mapping(path, at, entry, allowed=None)
            name = _required_string(path, f"{at}.name", values.get("name"))
            where = f"{key}[{index}] ({name})" if key else name
            if name in seen:
                raise ConfigError(path, f"{where}.name", f"duplicate {kind} name {name!r}")
        except ConfigError as error:
            problems.found.append(error)
            continue
        seen.add(name)
        _note_unknown_keys(path, at, values, allowed, problems)
        yield where, name, {k: v for k, v in values.items() if k in allowed}


def _note_unknown_keys(
    path: Path, key: str, values: dict[str, Any], allowed: Any, problems: Problems
) -> None:
    for unknown in sorted(set(map(str, values)) - set(allowed)):
        problems.found.append(
            ConfigError(
                path, f"{key}.{unknown}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
            )
        )


class _Loader(yaml.SafeLoader):
    """YAML as yaml.safe_load reads it, except that a date that is no real day (2023-13-01)
    stays a string: the key that holds it then says what is wrong."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: Any) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def parse_yaml(text: Any) -> Any:
    """A config file's data (text or an open file); raises yaml.YAMLError."""
    return yaml.load(text, Loader=_Loader)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return parse_yaml(handle)
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "file not found")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(path, "(file)", f"invalid YAML{line}: {problem}")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, "(file)", f"cannot read: {error}")


def _top_level_list(path: Path, key: str, required: bool) -> list[Any]:
    data = _read_yaml(path)
    if data is None and not required:
        return []
    if not isinstance(data, dict) or key not in data:
        raise ConfigError(path, key, f"missing: the file must have a top-level '{key}:' list")
    _mapping(path, "(top level)", data, allowed={key})
    if not isinstance(data[key], list):
        raise ConfigError(path, key, "must be a list")
    return data[key]


def _mapping(path: Path, key: str, value: Any, allowed: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(path, key, "must be a mapping of keys to values")
    if allowed is not None:
        unknown = sorted(set(map(str, value)) - set(allowed))
        if unknown:
            raise ConfigError(
                path, f"{key}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})"
            )
    return value


def _string(path: Path, key: str, value: Any, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise ConfigError(path, key, "is required")
        return None
    if not isinstance(value, (str, int, float, date)) or isinstance(value, bool):
        raise ConfigError(path, key, "must be a string")
    text = str(value).strip()
    if required and not text:
        raise ConfigError(path, key, "must not be empty")
    return text


def _required_string(path: Path, key: str, value: Any) -> str:
    text = _string(path, key, value, required=True)
    assert text is not None  # _string raised otherwise
    return text


def _string_list(path: Path, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(path, key, "must be a list of strings")
    return [_required_string(path, f"{key}[{i}]", item) for i, item in enumerate(value)]


# The values each kind of template may name.
TEMPLATE_FIELDS = {
    "{query}": ("query", "since", "until"),
    "{tag}": ("tag",),
    "{date:": ("date",),
}


def _check_template(path: Path, key: str, template: str, placeholder: str) -> None:
    """Fail now, not mid-crawl, on a placeholder the crawl will not fill or a bad format."""
    if placeholder not in template:
        raise ConfigError(
            path,
            key,
            f"template must contain {placeholder}"
            + ("FORMAT}" if placeholder.endswith(":") else ""),
        )
    names = TEMPLATE_FIELDS[placeholder]
    try:
        fill_template(template, {name: SAMPLES[name] for name in names}, page=2)
    except TemplateError as error:
        allowed = ", ".join(
            "{" + name + (":FORMAT" if name in ("date", "since", "until") else "") + "}"
            for name in names
        )
        raise ConfigError(
            path, key, f"{error} (fill in {allowed}, and {{page}} or {{offset:STEP}})"
        ) from None


def _date(path: Path, key: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(path, key, f"not a date (YYYY-MM-DD): {value!r}") from None


def _url(path: Path, key: str, value: Any) -> str:
    return _check_url(path, key, _required_string(path, key, value))


def _check_url(path: Path, key: str, url: str) -> str:
    if not re.match(r"https?://[^/\s]+", url):
        raise ConfigError(path, key, f"not an http(s) URL: {url!r}")
    return url
