"""Adding a topic without editing YAML: `pantau topic add`.

The seed article is saved as plain text under DIR/seeds/, what is known of it goes into
`seed_info`, and the entry is appended to topics.yml (comments and order kept). If the
result does not load, topics.yml is restored and the error reported.
"""

import re
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from crawler.config.load import ConfigError, Source, load_topics
from crawler.discover.check import TooMuch, read_bounded
from crawler.extract.article import ExtractionError, extract_article
from crawler.text import detect_language
from crawler.urls import host_matches

FETCH_TIMEOUT_SECONDS = 30


class TopicError(Exception):
    """A topic cannot be added as asked."""


def add_topic(
    config_dir: Path,
    name: str,
    seed_file: Path | None = None,
    seed_url: str | None = None,
    keywords: list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    min_relevance: float = 0.0,
    sources: list[Source] | None = None,
    user_agent: str = "Pantau",
) -> dict[str, Any]:
    """Save the seed, append the topic to topics.yml, and return the new entry."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise TopicError(f"name {name!r}: use lower-case letters, digits and hyphens")
    topics_file = config_dir / "topics.yml"
    if any(topic.name == name for topic in load_topics(topics_file)):
        raise TopicError(f"{topics_file}: topic {name!r} exists already")
    if seed_url:
        html = _fetch(seed_url, user_agent)
        text, info = _seed_from_html(html, seed_url, sources or [])
    elif seed_file:
        raw = seed_file.read_bytes()
        if seed_file.suffix.lower() in (".html", ".htm"):
            text, info = _seed_from_html(raw, None, sources or [])
        else:
            text = raw.decode("utf-8")
            info = {"language": detect_language(text)}
    else:
        raise TopicError("give --seed-url or --seed-file")
    seed_path = config_dir / "seeds" / f"{name}.txt"
    seed_path.parent.mkdir(parents=True, exist_ok=True)
    seed_path.write_text(text.strip() + "\n", encoding="utf-8")
    entry: dict[str, Any] = {"name": name, "seed": f"seeds/{name}.txt"}
    entry["seed_info"] = {k: v for k, v in info.items() if v}
    entry["keywords"] = list(keywords or [])
    entry.update({k: v for k, v in (("since", since), ("until", until)) if v})
    entry["min_relevance"] = min_relevance
    _append_entry(topics_file, entry)
    return entry


def _seed_from_html(
    html: bytes, url: str | None, sources: list[Source]
) -> tuple[str, dict[str, Any]]:
    try:
        article = extract_article(html, url)
    except ExtractionError as error:
        raise TopicError(f"seed page holds no article: {error}") from None
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", article["url"] or url or "")
    source = next((s.name for s in sources if host and host_matches(host, s.hosts)), None)
    info = {key: article[key] for key in ("url", "title", "author", "published_at", "language")}
    return article["text"], {"source": source, **info}


def _fetch(url: str, user_agent: str) -> bytes:
    """The seed page, within the bounds of `pantau sources check` (time and size)."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            return read_bounded(response)
    except TooMuch as error:
        raise TopicError(f"cannot fetch {url}: {error}") from None
    except (OSError, ValueError) as error:
        raise TopicError(f"cannot fetch {url}: {getattr(error, 'reason', error)}") from None


def _append_entry(topics_file: Path, entry: dict[str, Any]) -> None:
    before = topics_file.read_text(encoding="utf-8") if topics_file.exists() else ""
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False)
    indented = "".join(f"  {line}\n" for line in block.splitlines())
    if not re.search(r"^topics:", before, re.MULTILINE):
        before = before + ("" if before.endswith("\n") or not before else "\n") + "topics:\n"
    elif re.search(r"^topics:\s*\[\s*\]\s*$", before, re.MULTILINE):
        before = re.sub(r"^topics:\s*\[\s*\]\s*$", "topics:", before, flags=re.MULTILINE)
    topics_file.write_text(before.rstrip("\n") + "\n" + indented, encoding="utf-8")
    try:
        load_topics(topics_file)
    except ConfigError:
        topics_file.write_text(before, encoding="utf-8")
        raise
