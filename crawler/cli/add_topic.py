"""Adding and removing topics without editing YAML: `pantau topic add` and `topic remove`.

`add` checks every option and gets the seed before it writes anything; then it saves the
seed as plain text under DIR/seeds/ (what is known of it goes into `seed_info`) and
appends the entry to topics.yml. `remove` takes an entry out of topics.yml, and the seed
`add` saved for it. topics.yml is edited as text, in the indentation its list already has,
so that its comments and layout stay; an edit whose result does not read back as exactly
the intended list is not written. On a failure after writing, what was written is undone.
"""

import contextlib
import math
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from crawler.config.load import Source, load_topics, parse_yaml
from crawler.extract.article import ExtractionError, extract_article
from crawler.fetch import FetchError, fetch
from crawler.text import detect_language
from crawler.urls import host_matches

TOPICS_KEY = re.compile(r"topics:[ \t]*(#.*)?\n?")
EMPTY_TOPICS_KEY = re.compile(r"topics:[ \t]*\[[ \t]*\][ \t]*(#.*)?\n?")
# Seed files saved in a charset other than UTF-8 are, in practice, Windows' Western one.
SEED_CHARSETS = ("utf-8-sig", "cp1252")


class TopicError(Exception):
    """A topic cannot be added or removed as asked."""


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
) -> tuple[dict[str, Any], list[str]]:
    """Save the seed, append the topic to topics.yml; the new entry, and notes on the way
    (a seed file read in a charset other than UTF-8)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise TopicError(f"name {name!r}: use lower-case letters, digits and hyphens")
    options = _checked_options(keywords or [], since, until, min_relevance)
    topics_file = config_dir / "topics.yml"
    topics = load_topics(topics_file)
    if any(topic.name == name for topic in topics):
        raise TopicError(f"{topics_file}: topic {name!r} exists already")
    seed_path = config_dir / "seeds" / f"{name}.txt"
    owner = next((t.name for t in topics if t.seed and t.seed.resolve() == seed_path.resolve()), "")
    if owner or seed_path.exists():
        whose = f"the seed of topic {owner!r}" if owner else "a file no topic uses"
        raise TopicError(f"{seed_path} exists already ({whose}): remove it or choose another name")
    notes: list[str] = []
    if seed_url:
        text, info = _seed_from_html(_fetch(seed_url, user_agent), seed_url, sources or [])
    elif seed_file:
        text, info = _seed_from_file(seed_file, sources or [], notes)
    else:
        raise TopicError("give --seed-url or --seed-file")
    if not text.strip():
        raise TopicError(f"the seed {seed_url or seed_file} holds no text")
    entry: dict[str, Any] = {"name": name, "seed": f"seeds/{name}.txt"}
    entry["seed_info"] = {k: v for k, v in info.items() if v}
    entry.update(options)
    before = topics_file.read_text(encoding="utf-8") if topics_file.exists() else None
    after = with_topic_added(before or "", entry, topics_file)
    _write(topics_file, before, after, seed_path, text.strip() + "\n")
    return entry, notes


def _checked_options(
    keywords: list[str], since: str | None, until: str | None, min_relevance: float
) -> dict[str, Any]:
    """The entry's keys from the command's options, each checked as the config will be: a
    bad one is blamed on the option, before anything is written."""
    for keyword in keywords:
        if not keyword.strip():
            raise TopicError(f"--keyword {keyword!r}: must not be empty")
    first, last = _day("--since", since), _day("--until", until)
    if first and last and first > last:
        raise TopicError(f"--until {until!r}: before --since ({first})")
    if math.isnan(min_relevance) or not 0 <= min_relevance <= 1:
        raise TopicError(f"--min-relevance {min_relevance}: must be between 0 and 1")
    options: dict[str, Any] = {"keywords": [keyword.strip() for keyword in keywords]}
    options.update({key: day for key, day in (("since", first), ("until", last)) if day})
    options["min_relevance"] = min_relevance
    return options


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TopicError(f"{option} {value!r}: not a date (YYYY-MM-DD)") from None


def _write(topics_file: Path, before: str | None, after: str, seed_path: Path, seed: str) -> None:
    """Write the seed, then topics.yml, and check that the result loads; on any failure,
    undo both (and the seeds/ folder, if it was made here)."""
    made_folder = not seed_path.parent.exists()
    try:
        seed_path.parent.mkdir(parents=True, exist_ok=True)
        seed_path.write_text(seed, encoding="utf-8")
        _replace_text(topics_file, after)
        load_topics(topics_file)
    except BaseException as error:
        with contextlib.suppress(OSError):
            if before is None:
                topics_file.unlink(missing_ok=True)
            elif topics_file.read_text(encoding="utf-8") != before:
                _replace_text(topics_file, before)
        with contextlib.suppress(OSError):
            seed_path.unlink(missing_ok=True)
            if made_folder:
                seed_path.parent.rmdir()
        if isinstance(error, OSError):
            raise TopicError(f"{error.filename}: cannot write: {error.strerror}") from None
        raise


def _replace_text(path: Path, text: str) -> None:
    """Write a file whole or not at all: on a full disk, the old one stays as it was."""
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror, str(path)) from None


def with_topic_added(text: str, entry: dict[str, Any], topics_file: Path) -> str:
    """topics.yml's text with `entry` appended to its `topics:` list, in the indentation
    the list's items already have (two spaces for a new list); every other line kept."""
    block = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False)
    if text and not text.endswith("\n"):
        text += "\n"
    key = _topics_key(text)
    if key is None:
        head, indent = text + "topics:\n", "  "
    else:
        empty = EMPTY_TOPICS_KEY.match(text, key.start())
        if empty:
            comment = f"  {empty[1]}" if empty[1] else ""
            text = text[: empty.start()] + f"topics:{comment}\n" + text[empty.end() :]
        head, indent = text, _items_indent(text.splitlines(), text.count("\n", 0, key.start()))
    result = head + "".join(f"{indent}{line}\n" for line in block.splitlines())
    if _listed(result) != _listed(text) + [entry]:
        raise TopicError(
            f"{topics_file}: cannot append to its topics list as it is written (an inline "
            f"[...] list?); add this entry to it by hand:\n{block}"
        )
    return result


def remove_topic(config_dir: Path, name: str) -> list[str]:
    """Take topic `name` out of topics.yml, and delete the seed `topic add` saved for it
    (seeds/NAME.txt, when no other topic uses it); what was done, a line each."""
    topics_file = config_dir / "topics.yml"
    if not topics_file.is_file():
        raise TopicError(f"{topics_file}: file not found")
    try:
        text = topics_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TopicError(f"{topics_file}: cannot read: {error}") from None
    entries = _listed(text)
    names = [entry.get("name") if isinstance(entry, dict) else None for entry in entries]
    if name not in names:
        known = ", ".join(str(n) for n in names if n) or "none"
        raise TopicError(f"{topics_file}: no topic {name!r} (known: {known})")
    index = names.index(name)
    after = _without_item(text, index)
    if after is None or _listed(after) != entries[:index] + entries[index + 1 :]:
        raise TopicError(
            f"{topics_file}: cannot take topic {name!r} out of its topics list as it is "
            "written (an inline [...] list?); remove it by hand"
        )
    seeds = [_seed_of(config_dir, entry) for entry in entries]
    own_seed = config_dir / "seeds" / f"{name}.txt"
    owned = seeds[index] == own_seed.resolve() and seeds.count(seeds[index]) == 1
    try:
        _replace_text(topics_file, after)
    except OSError as error:
        raise TopicError(f"{topics_file}: cannot write: {error.strerror}") from None
    done = [f"removed topic {name} from {topics_file}"]
    if owned and own_seed.is_file():
        own_seed.unlink()
        done.append(f"removed its seed {own_seed}")
    return done


def _seed_of(config_dir: Path, entry: Any) -> Path | None:
    seed = entry.get("seed") if isinstance(entry, dict) else None
    return (config_dir / str(seed)).resolve() if seed else None


def _topics_key(text: str) -> re.Match[str] | None:
    """Where the `topics:` key starts, if the text has one."""
    return re.search(r"^topics:", text, re.MULTILINE)


def _items_indent(lines: list[str], key_line: int) -> str:
    """The indentation of the list items under `topics:` (two spaces when it has none)."""
    for line in lines[key_line + 1 :]:
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("- ") or stripped == "-":
            return line[: len(line) - len(stripped)]
        break
    return "  "


def _without_item(text: str, index: int) -> str | None:
    """The text without the `index`-th item of the `topics:` block list, from its dash to
    its last line of its own (comments after it belong to what follows); None when the
    list is not a block list."""
    key = _topics_key(text)
    if key is None or not TOPICS_KEY.match(text, key.start()):
        return None
    lines = text.splitlines(keepends=True)
    key_line = text.count("\n", 0, key.start())
    indent = len(_items_indent([line.rstrip("\n") for line in lines], key_line))
    starts, end = [], len(lines)
    for number in range(key_line + 1, len(lines)):
        line = lines[number]
        stripped = line.lstrip(" ").rstrip("\n")
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(line.lstrip(" "))
        if depth < indent or (depth == indent and not stripped.startswith("-")):
            end = number
            break
        if depth == indent:
            starts.append(number)
    if index >= len(starts):
        return None
    first = starts[index]
    last = starts[index + 1] if index + 1 < len(starts) else end
    while last > first + 1 and _outside_item(lines[last - 1], indent):
        last -= 1
    return "".join(lines[:first] + lines[last:])


def _outside_item(line: str, indent: int) -> bool:
    """A blank line, or a comment no deeper than the item's dash."""
    stripped = line.lstrip(" ")
    return not stripped.strip() or (
        stripped.startswith("#") and len(line) - len(stripped) <= indent
    )


def _listed(text: str) -> list[Any]:
    """The entries of a topics.yml text's `topics:` list (none for an empty text)."""
    try:
        data = parse_yaml(text) if text.strip() else None
    except yaml.YAMLError:
        return [None]  # never equal to an intended list
    if data is None:
        return []
    topics = data.get("topics") if isinstance(data, dict) else None
    return topics if isinstance(topics, list) else []


def _seed_from_file(
    seed_file: Path, sources: list[Source], notes: list[str]
) -> tuple[str, dict[str, Any]]:
    try:
        raw = seed_file.read_bytes()
    except OSError as error:
        raise TopicError(f"--seed-file {seed_file}: cannot read: {error.strerror}") from None
    if seed_file.suffix.lower() in (".html", ".htm"):
        return _seed_from_html(raw, None, sources)
    if b"\x00" in raw:
        raise TopicError(f"--seed-file {seed_file}: not a text file")
    for charset in SEED_CHARSETS:
        try:
            text = raw.decode(charset)
        except UnicodeDecodeError:
            continue
        if charset != SEED_CHARSETS[0]:
            notes.append(f"{seed_file} is not UTF-8: read as {charset} (Windows-1252)")
        return text, {"language": detect_language(text)}
    raise TopicError(
        f"--seed-file {seed_file}: neither UTF-8 nor Windows-1252 text; save it as UTF-8"
    )


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
    try:
        _, body = fetch(url, user_agent)
    except FetchError as error:
        raise TopicError(f"cannot fetch {url}: {error}") from None
    return body
