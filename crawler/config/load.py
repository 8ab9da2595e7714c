"""Configuration: outlets/*.yml (or sources.yml), topics.yml and crawl.yml in one directory.

An outlet is one entry in one place: its hosts, where to discover articles, what an article
URL looks like and where its pages keep the body (`body`, `drop`, `sections`). Each file
under outlets/ holds one entry; sources.yml holds a list of them under `sources:`. Both
forms take the same keys.

Every problem is raised as `ConfigError(file, key, problem)`, which the CLI prints as a
single line; nothing here prints tracebacks or half-loads a file.
"""

import re
from dataclasses import astuple, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import regex
import yaml
from cssselect import GenericTranslator, SelectorError

from crawler import __version__
from crawler.config.rules import BodyRules
from crawler.discover.robots import disallowing_rule
from crawler.discover.templates import SAMPLES, TemplateError, fill_template, sample_url
from crawler.urls import host_of, looks_like_article_url

DEFAULT_CONTACT_URL = "https://github.com/pantau-id/pantau"
# An article pattern gets this long per URL (the `regex` module's timeout), and must pass
# these long, repetitive URLs within it when the config loads.
PATTERN_SECONDS = 0.05
PATTERN_PROBES = [
    f"https://x.id/{run}{end}"
    for run in ("a" * 300, "1" * 300, "a-" * 150, "/a" * 150, "." * 300)
    for end in ("!", "/", "")
]
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

    def body_rules(self) -> list[BodyRules]:
        return body_rules(self.sources)


def body_rules(outlets: list[Source]) -> list[BodyRules]:
    """Every outlet's body rules, for extraction."""
    return [rule for outlet in outlets for rule in outlet.body_rules()]


def load_config(directory: Path | str) -> Config:
    """Load and validate every file of a config directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError(directory, "(directory)", "config directory not found")
    return Config(
        directory=directory,
        sources=load_outlets(directory),
        topics=load_topics(directory / "topics.yml"),
        crawl=load_crawl_config(directory / "crawl.yml"),
    )


def load_outlets(directory: Path) -> list[Source]:
    """The outlets of a config directory: one per file in outlets/, then sources.yml's."""
    listed = directory / "sources.yml"
    files = sorted((directory / "outlets").glob("*.yml"))
    if not files and not listed.exists():
        raise ConfigError(
            listed, "(file)", f"file not found, and no outlet files in {directory / 'outlets'}"
        )
    loaded = [
        (path, source)
        for path in files
        for source in load_sources(path, [_outlet_entry(path)], key="")
    ]
    if listed.exists():
        entries = _top_level_list(listed, "sources", required=True)
        loaded += [(listed, source) for source in load_sources(listed, entries)]
    seen: dict[str, Path] = {}
    for path, source in loaded:
        if source.name in seen:
            raise ConfigError(
                path, "name", f"duplicate source name {source.name!r} (also in {seen[source.name]})"
            )
        seen[source.name] = path
    return [source for _, source in loaded]


def _outlet_entry(path: Path) -> dict[str, Any]:
    """An outlet file's one entry; its name defaults to the file's stem."""
    data = _read_yaml(path)
    entry = _mapping(path, "(top level)", data, allowed=None)
    return {"name": path.stem, **entry}


# The keys of an outlet entry (Source's fields but those derived from them).
SOURCE_KEYS = set(Source.__dataclass_fields__) - {"disabled_entries"}


def load_sources(path: Path, entries: list[Any], key: str = "sources") -> list[Source]:
    sources: list[Source] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and "checked" in entry:
            name = entry.get("name")
            where = f"{key}[{index}] ({name})" if key else str(name)
            raise ConfigError(
                path,
                f"{where}.checked",
                "replaced by evidence: a list of {source, seen, says} (where a fact was seen, "
                "the day it was seen, what it shows)",
            )
    for where, name, values in _named_entries(path, key, entries, "source", SOURCE_KEYS):
        pattern = _string(path, f"{where}.article_pattern", values.get("article_pattern"))
        if pattern is not None:
            _check_pattern(path, f"{where}.article_pattern", pattern)
        entries_by_kind, disabled_entries = _entry_points(path, where, values)
        source = Source(
            name=name,
            hosts=[h.lower() for h in _string_list(path, f"{where}.hosts", values.get("hosts"))],
            article_pattern=pattern,
            **entries_by_kind,
            body=_selector_list(path, f"{where}.body", values.get("body")),
            drop=_selector_list(path, f"{where}.drop", values.get("drop")),
            sections=_sections(path, f"{where}.sections", values.get("sections")),
            evidence=_evidence(path, f"{where}.evidence", values.get("evidence")),
            examples=_examples(path, f"{where}.examples", values.get("examples")),
            robots_disallow=_string_list(
                path, f"{where}.robots_disallow", values.get("robots_disallow")
            ),
            disabled_entries=disabled_entries,
            disabled=_string(path, f"{where}.disabled", values.get("disabled")),
            render=_flag(path, f"{where}.render", values.get("render")),
        )
        if source.body_rules() and not source.hosts:
            raise ConfigError(
                path, f"{where}.hosts", "required with body rules (they apply by host)"
            )
        _check_examples(path, f"{where}.examples", source)
        _check_robots(path, where, source)
        sources.append(source)
    return sources


def _entry_points(
    path: Path, where: str, values: dict[str, Any]
) -> tuple[dict[str, list[str]], list[DisabledEntry]]:
    """Each kind's entry points: URLs (templates), or `{url, disabled: reason}` for one kept
    on record and not fetched."""
    placeholders = {"tags": "{tag}", "search": "{query}", "archives": "{date:"}
    enabled: dict[str, list[str]] = {}
    disabled: list[DisabledEntry] = []
    for kind in ENTRY_KINDS:
        key = f"{where}.{kind}"
        items = values.get(kind)
        items = [items] if isinstance(items, (str, dict)) else (items or [])
        if not isinstance(items, list):
            raise ConfigError(path, key, "must be a list of URLs")
        enabled[kind] = []
        for index, item in enumerate(items):
            at = f"{key}[{index}]"
            if isinstance(item, dict):
                entry = _mapping(path, at, item, allowed={"url", "disabled"})
                url = _url(path, f"{at}.url", entry.get("url"))
                reason = _required_string(path, f"{at}.disabled", entry.get("disabled"))
            else:
                url, reason = _url(path, at, item), None
            if kind in placeholders:
                _check_template(path, at, url, placeholders[kind])
            if reason is None:
                enabled[kind].append(url)
            else:
                disabled.append(DisabledEntry(kind, url, reason))
    return enabled, disabled


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


def _check_examples(path: Path, key: str, source: Source) -> None:
    """The article pattern must accept the outlet's own article URLs and reject its other
    pages: a pattern written for last year's URLs fails here, not silently in a crawl."""
    for example in source.examples.articles:
        if not source.is_article_url(example.url):
            raise ConfigError(
                path, f"{key}.articles", f"article_pattern rejects this article: {example.url}"
            )
    for example in source.examples.not_articles:
        if source.is_article_url(example.url):
            raise ConfigError(
                path,
                f"{key}.not_articles",
                f"article_pattern accepts this page that is not an article: {example.url}",
            )


def _check_robots(path: Path, where: str, source: Source) -> None:
    """A polite crawl never fetches what robots.txt disallows: such an entry point would
    cost nothing and find nothing, every run. It is kept only as disabled."""
    if not source.robots_disallow:
        return
    for kind, urls in source.entry_points().items():
        for index, url in enumerate(urls):
            rule = disallowing_rule(source.robots_disallow, sample_url(url))
            if rule:
                raise ConfigError(
                    path,
                    f"{where}.{kind}[{index}]",
                    f"robots.txt disallows it ({rule}): remove it or keep it as "
                    "{url: ..., disabled: reason}",
                )


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> Any:
    return regex.compile(pattern)


def _check_pattern(path: Path, key: str, pattern: str) -> None:
    """A valid regex that does not backtrack without end on a long run of one character
    (as "(a+)+$" does): it is matched against every link a crawl sees."""
    try:
        compiled = _pattern(pattern)
    except regex.error as error:
        raise ConfigError(path, key, f"invalid regex: {error}") from None
    for probe in PATTERN_PROBES:
        try:
            compiled.search(probe, timeout=PATTERN_SECONDS)
        except TimeoutError:
            raise ConfigError(
                path, key, "backtracks without end on a long URL (nested repetition?)"
            ) from None


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
    if not path.exists():
        return []
    topics: list[Topic] = []
    entries = _top_level_list(path, "topics", required=False)
    for where, name, values in _named_entries(
        path, "topics", entries, "topic", Topic.__dataclass_fields__
    ):
        seed = _string(path, f"{where}.seed", values.get("seed"))
        seed_path = (path.parent / seed) if seed else None
        if seed_path is not None and not seed_path.is_file():
            raise ConfigError(path, f"{where}.seed", f"seed file not found: {seed_path}")
        if seed_path is not None:
            _check_seed(path, f"{where}.seed", seed_path)
        info = _mapping(
            path, f"{where}.seed_info", values.get("seed_info") or {}, SeedInfo.__dataclass_fields__
        )
        min_relevance = values.get("min_relevance", 0.0)
        if isinstance(min_relevance, bool) or not isinstance(min_relevance, (int, float)):
            raise ConfigError(path, f"{where}.min_relevance", "must be a number")
        if not 0 <= min_relevance <= 1:  # NaN fails both comparisons
            raise ConfigError(path, f"{where}.min_relevance", "must be between 0 and 1")
        since = _date(path, f"{where}.since", values.get("since"))
        until = _date(path, f"{where}.until", values.get("until"))
        if since and until and since > until:
            raise ConfigError(path, f"{where}.until", f"is before since ({since})")
        topics.append(
            Topic(
                name=name,
                seed=seed_path,
                seed_info=SeedInfo(
                    **{k: _string(path, f"{where}.seed_info.{k}", v) for k, v in info.items()}
                ),
                keywords=_string_list(path, f"{where}.keywords", values.get("keywords")),
                min_relevance=float(min_relevance),
                since=since,
                until=until,
            )
        )
    return topics


def load_crawl_config(path: Path) -> CrawlConfig:
    if not path.exists():
        return CrawlConfig()
    values = _mapping(
        path, "(top level)", _read_yaml(path) or {}, {"contact_url", "settings", "backfill"}
    )
    contact = _string(path, "contact_url", values.get("contact_url")) or DEFAULT_CONTACT_URL
    if not contact.startswith(("http://", "https://", "mailto:")):
        raise ConfigError(path, "contact_url", "must be an http(s) or mailto: URL")
    settings = _mapping(path, "settings", values.get("settings") or {}, allowed=None)
    config = CrawlConfig(contact_url=contact, settings=settings)
    if "backfill" in values:
        config.backfill = _backfill(path, values["backfill"])
    return config


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
    path: Path, key: str, entries: list[Any], kind: str, allowed: Any
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, values) of each entry; names must be present and unique."""
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        at = f"{key}[{index}]" if key else "(top level)"
        values = _mapping(path, at, entry, allowed=allowed)
        name = _required_string(path, f"{at}.name", values.get("name"))
        where = f"{key}[{index}] ({name})" if key else name
        if name in seen:
            raise ConfigError(path, f"{where}.name", f"duplicate {kind} name {name!r}")
        seen.add(name)
        yield where, name, values


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
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
