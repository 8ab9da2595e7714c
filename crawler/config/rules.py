"""An outlet's extraction rules: where it keeps its article body, as data in its config entry.

Rules come from the outlet files (config/outlets/<name>.yml: `body`, `drop`, and `sections`
for a part of the site built differently, such as a photo host). `rules_for(url, rules)`
finds the rules for a page; the most specific host wins (photo.liputan6.com over
liputan6.com).
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.urls import host_matches


@dataclass(frozen=True)
class BodyRules:
    """Where an outlet keeps its article body, across the layouts it has used.

    `body`: CSS selectors of the body container, most specific first; the first selector
    that matches wins, and all its matches are read in order (a photo gallery's captions).
    `drop`: CSS selectors of furniture inside the body (related boxes, ads, share bars).
    """

    name: str
    hosts: tuple[str, ...]
    body: tuple[str, ...]
    drop: tuple[str, ...] = field(default_factory=tuple)


def rules_for(url: str | None, rules: list[BodyRules]) -> BodyRules | None:
    """The rules for a URL's host, the most specific host first; None without any."""
    host = urlsplit(url or "").hostname or ""
    matches = [
        (len(rule_host), rule)
        for rule in rules
        for rule_host in rule.hosts
        if host_matches(host, [rule_host])
    ]
    return max(matches, key=lambda match: match[0])[1] if matches else None
