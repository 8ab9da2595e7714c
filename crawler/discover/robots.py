"""robots.txt rules as an outlet file records them (`robots_disallow`), read as crawlers
read robots.txt (Protego, Scrapy's parser: `*` and `$` as Google defines them)."""

from protego import Protego

AGENT = "Pantau"


def disallowing_rule(rules: list[str], url: str) -> str | None:
    """The first of `rules` (Disallow paths) that forbids `url`, or None."""
    for rule in rules:
        robots = Protego.parse(f"User-agent: *\nDisallow: {rule}\n")
        if not robots.can_fetch(url, AGENT):
            return rule
    return None
