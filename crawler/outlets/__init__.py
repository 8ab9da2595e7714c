"""Per-outlet extraction rules: one small declarative file per outlet (the fundus discipline).

An outlet gets a file here only when the generic rules can't find its article body. Each
file defines `OUTLET = Outlet(...)`, plus one more entry for a section on its own host
whose pages are built differently (PHOTO in liputan6.py); `outlet_for(url)` finds the
rules for a page.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Outlet:
    """Where an outlet keeps its article body, across the layouts it has used.

    `body`: CSS selectors of the body container, most specific first; the first selector
    that matches wins, and all its matches are read in order (a photo gallery's captions).
    `drop`: CSS selectors of furniture inside the body (related boxes, ads, share bars).
    """

    name: str
    hosts: tuple[str, ...]
    body: tuple[str, ...]
    drop: tuple[str, ...] = field(default_factory=tuple)


@cache
def all_outlets() -> tuple[Outlet, ...]:
    found: list[Outlet] = []
    for module in pkgutil.iter_modules(__path__):
        namespace = vars(importlib.import_module(f"{__name__}.{module.name}"))
        found.extend(value for value in namespace.values() if isinstance(value, Outlet))
    return tuple(sorted(found, key=lambda outlet: outlet.name))


def outlet_for(url: str | None) -> Outlet | None:
    """The rules for a URL's host; the most specific host wins (photo.liputan6.com)."""
    host = (urlsplit(url or "").hostname or "").lower()
    matches = [
        (len(h), outlet)
        for outlet in all_outlets()
        for h in outlet.hosts
        if host == h or host.endswith("." + h)
    ]
    return max(matches, key=lambda match: match[0])[1] if matches else None
