"""The outlet files as a person reads them: one line each, a table for the docs, and
`evidence` written back after a live check (comments and layout kept).

The files are edited as text, not dumped again from YAML: what a maintainer wrote around
the facts (comments saying why, the order of keys) is the file's other half.
"""

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from crawler.config.load import Config, Source

LIVE = "live"


def outlet_file(directory: Path, source: Source) -> Path | None:
    """The file under outlets/ that holds `source` (None: it is an entry of sources.yml)."""
    path = directory / "outlets" / f"{source.name}.yml"
    if path.is_file():
        return path
    for path in sorted((directory / "outlets").glob("*.yml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        if data.get("name") == source.name:
            return path
    return None


def record_live_checks(config: Config, results: list[Any], today: date) -> list[str]:
    """`{source: live, seen: today}` evidence in each outlet file whose entry points all
    passed `pantau sources check` (`results`); what was done, a line per outlet."""
    said = []
    for source in config.sources:
        mine = [r for r in results if r.source == source.name]
        if source.disabled or not mine or not all(r.ok for r in mine):
            continue
        path = outlet_file(config.directory, source)
        if path is None:
            said.append(f"{source.name}: passed; not updated (an entry of sources.yml)")
            continue
        links = sum(r.links or 0 for r in mine)
        says = (
            f"pantau sources check: every entry point answered and passed "
            f"({entry_counts(source)}); the article_pattern accepted {links} article links"
        )
        path.write_text(with_live_evidence(path.read_text("utf-8"), today, says), "utf-8")
        said.append(f"{source.name}: evidence updated in {path}")
    return said


def with_live_evidence(text: str, seen: date, says: str) -> str:
    """The file's text with `{source: live, seen, says}` as its first evidence item, in place
    of an earlier live one; every other line as it was."""
    item = f'{{source: {LIVE}, seen: {seen.isoformat()}, says: "{_escaped(says)}"}}'
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if re.match(r"evidence:\s*(#.*)?$", line)), None
    )
    if start is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return f"{text}evidence:\n  - {item}\n"
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " -#"):
        end += 1
    block = lines[start + 1 : end]
    items = _items(block)
    indent = block[items[0][0]].split("-", 1)[0] if items else "  "
    kept = [
        line
        for first, last in items
        if not _is_live(block[first:last])
        for line in block[first:last]
    ]
    lead = block[: items[0][0]] if items else block
    return "".join([*lines[: start + 1], *lead, f"{indent}- {item}\n", *kept, *lines[end:]])


def _items(block: list[str]) -> list[tuple[int, int]]:
    """(first, end) line numbers of each `- ` item of a block sequence."""
    starts = [i for i, line in enumerate(block) if re.match(r"\s*- ", line)]
    return [
        (first, (starts[n + 1] if n + 1 < len(starts) else len(block)))
        for n, first in enumerate(starts)
    ]


def _is_live(item_lines: list[str]) -> bool:
    try:
        parsed = yaml.safe_load("".join(item_lines))
    except yaml.YAMLError:
        return False
    entry = parsed[0] if isinstance(parsed, list) and parsed else parsed
    return isinstance(entry, dict) and entry.get("source") == LIVE


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def entry_counts(source: Source) -> str:
    """ "feeds 2, sitemaps 1, archives 1 (+2 disabled)"."""
    counts = [f"{kind} {len(urls)}" for kind, urls in source.entry_points().items() if urls]
    text = ", ".join(counts) or "no entry points"
    if source.disabled_entries:
        text += f" (+{len(source.disabled_entries)} disabled)"
    return text


def markdown_table(sources: list[Source]) -> str:
    """The outlet table of docs/discovery.md, made from the files."""
    rows = [
        "| outlet | crawled | entry points | newest evidence |",
        "|---|---|---|---|",
    ]
    for source in sorted(sources, key=lambda source: source.name):
        newest = source.newest_evidence()
        rows.append(
            f"| {source.name} | {'no (disabled)' if source.disabled else 'yes'} | "
            f"{entry_counts(source)} | {newest.isoformat() if newest else 'none'} |"
        )
    return "\n".join(rows) + "\n"
