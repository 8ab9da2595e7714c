"""URL normalisation: the URL half of the deduplication contract.

Two URLs that a reader would call "the same page" normalise to the same string, and
`url_id()` of that string is the primary key of the `urls` table.
"""

import hashlib
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only say where a click came from, never which page it is.
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "ref",
    "ref_src",
    "cmpid",
    "amp",
    "outputtype",
}
TRACKING_PREFIXES = ("utm_", "_hs", "pk_", "mtm_")
# Path segments of tag, topic, search, author and index pages.
LISTING_SEGMENTS = {
    "tag",
    "tags",
    "topik",
    "topic",
    "topics",
    "kategori",
    "category",
    "kanal",
    "search",
    "cari",
    "pencarian",
    "indeks",
    "index",
    "author",
    "penulis",
    "reporter",
    "foto-video",
}
DEFAULT_PORTS = {"http": 80, "https": 443}
# Indonesian second-level domains: "kompas.com" is registrable, "co.id" is not.
PUBLIC_SECOND_LEVELS = {"co", "or", "ac", "go", "web", "my", "net", "sch", "mil", "biz", "ponpes"}


@lru_cache(maxsize=1 << 14)
def normalize_url(url: str) -> str:
    """Return the canonical spelling of `url`.

    Lower-cases scheme and host, drops default ports, fragments, tracking parameters and
    a trailing slash on non-root paths, and sorts what is left of the query. Cached: an
    article's URLs are normalised several times as it is stored, and a crawl meets the same
    links on many pages.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/")
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(key)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def url_id(url: str) -> str:
    """Stable key of a URL: the first 16 hex digits of the SHA-1 of its normal form."""
    return hashlib.sha1(normalize_url(url).encode("utf-8")).hexdigest()[:16]


def registrable_domain(host: str) -> str:
    """`news.detik.com` -> `detik.com`; `nasional.republika.co.id` -> `republika.co.id`."""
    labels = host.lower().rstrip(".").split(".")
    if len(labels) >= 3 and labels[-1] == "id" and labels[-2] in PUBLIC_SECOND_LEVELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def host_matches(host: str, allowed_hosts: list[str]) -> bool:
    """True when `host` is one of `allowed_hosts` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowed_hosts)


def pick_canonical(page_url: str, declared: str | None, allowed_hosts: list[str]) -> str:
    """The URL under which to store a page fetched from `page_url`.

    `declared` is what the page claims (rel=canonical or og:url). It is trusted only on the
    same site as the page or on the source's own hosts, so that a page cannot move itself
    onto somebody else's URL.
    """
    if not declared:
        return normalize_url(page_url)
    candidate = urljoin(page_url, declared.strip())
    candidate_host = urlsplit(candidate).hostname or ""
    page_host = urlsplit(page_url).hostname or ""
    if urlsplit(candidate).scheme not in ("http", "https") or not candidate_host:
        return normalize_url(page_url)
    same_site = registrable_domain(candidate_host) == registrable_domain(page_host)
    if same_site or host_matches(candidate_host, allowed_hosts):
        return normalize_url(candidate)
    return normalize_url(page_url)


def looks_like_article_url(url: str) -> bool:
    """The default when a source sets no article_pattern: does this URL name one story?

    Indonesian outlets put a numeric id (d-6453785, /berita/527615/), a date
    (/2023/09/18/) or a headline slug of three words or more in every article URL, and
    none of these in home, index, tag or section pages (/, /indeks, /tag/kim-jong-un).
    """
    path = urlsplit(url).path
    if re.search(r"\d{5,}|/\d{4}/\d{1,2}/\d{1,2}(/|$)", path):
        return True
    segments = [s for s in path.split("/") if s]
    if any(segment.lower() in LISTING_SEGMENTS for segment in segments):
        return False
    if len(segments) < 2 and not (segments and len(re.split(r"[-_.]", segments[0])) >= 5):
        return False
    return any(len(re.split(r"[-_.]+", segment)) >= 3 for segment in segments[1:] or segments)


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)
