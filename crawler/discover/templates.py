"""URL templates of search, tag and date index pages, filled in as sites expect them.

A template names its values in braces: `{query}`, `{tag}`, `{date:FMT}`, `{since:FMT}`,
`{until:FMT}` (any strftime format), `{page}` (1, 2, ...) or `{offset:STEP}` (0, STEP,
2*STEP, ...: sites that page by the number of items skipped). A value inside the query string
is percent-encoded as a whole, so a date such as 09/18/2023 reaches the site as one value
(09%2F18%2F2023): some sites read an unescaped one as something else and serve their first
page for every page. In the path, a date keeps its slashes (/indeks/2023/09/18/).
"""

import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import quote_plus

FIELD = re.compile(r"\{(\w+)(?::([^{}]*))?\}")
PAGING = ("page", "offset")
# Values every template can be filled with before a crawl has topics: to check a template
# when the config loads, and to ask robots.txt about the pages it stands for.
SAMPLES: dict[str, Any] = {
    "query": "kim jong un",
    "tag": "kim-jong-un",
    "since": date(2023, 9, 1),
    "until": date(2023, 9, 30),
    "date": date(2023, 9, 18),
}


class TemplateError(ValueError):
    """A template names a value that is not given, or formats one wrongly."""


def fill_template(template: str, values: Mapping[str, Any], page: int = 1) -> str:
    """The URL of a template's `page`-th page with `values` (dates, query, tag) filled in."""
    query_starts = template.find("?")

    def filled(match: re.Match) -> str:
        name, spec = match[1], match[2]
        text = _value(name, spec, values, page)
        in_query = query_starts != -1 and match.start() > query_starts
        if in_query or name == "query":
            return quote_plus(text, safe="")
        return text

    return FIELD.sub(filled, template)


def sample_url(template: str) -> str:
    """A URL the template stands for: its second page, filled with SAMPLES."""
    return fill_template(template, SAMPLES, page=2)


def is_paged(template: str) -> bool:
    return any(match[1] in PAGING for match in FIELD.finditer(template))


def fields(template: str) -> list[str]:
    return [match[1] for match in FIELD.finditer(template)]


def _value(name: str, spec: str | None, values: Mapping[str, Any], page: int) -> str:
    if name == "page":
        return str(page)
    if name == "offset":
        if not (spec or "").isdigit() or int(spec or 0) < 1:
            raise TemplateError("{offset:STEP} needs STEP, the items on a page (e.g. {offset:10})")
        return str((page - 1) * int(spec or 0))
    if name not in values:
        raise TemplateError(f"unknown placeholder {{{name}}}")
    value = values[name]
    if isinstance(value, date):
        if not spec:
            raise TemplateError(f"{{{name}:FORMAT}} needs a strftime format")
        return value.strftime(spec)
    if spec:
        raise TemplateError(f"{{{name}}} takes no format")
    return str(value)
