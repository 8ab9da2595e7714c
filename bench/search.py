"""Search latency under load: Pantau's search page beside plain Datasette's table search.

    python bench/search.py --db /tmp/pantau-scale-100k.db,/tmp/pantau-scale-1m.db [--seconds 20]

The archives are those bench/dedup-scale.py builds (`--db` there). For each archive, in one
run: `pantau serve` (its /-/search.json: ranked exact and stemmed matches, a page of
highlighted results, the total and four facets) and plain `datasette serve` on the same
file (its articles table's `_search`, what Datasette gives without Pantau). Each is driven
over loopback by 1 client, then 20 concurrent clients, for a bounded time, with typical
queries taken from the archive's titles: a name, two words, a prefix, a name within an
outlet (a facet), a name within a date range. Printed: requests, requests/s, p50/p95/p99
in ms and errors (any answer other than 200), per engine and client count, and per query
type for one client; and the machine's cores.

With the same `pantau serve`, the topic with the most related articles (bench/dedup-scale.py
plants one with 10,000): its page (/-/topic/NAME: newest first, oldest first, one outlet, one
day, a later page) and its whole coverage as CSV (/-/topic/NAME.csv), in the same rows.

Targets at 1M: search, one client p95 < 100 ms; 20 clients p95 no worse than plain
Datasette's and zero errors. The topic page and its CSV: one client p95 < 200 ms; zero
errors with 20 clients.
"""

import argparse
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.archive import coverage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OFFLINE = {"http_proxy": "", "https_proxy": "", "no_proxy": "*"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queries(db_path: str, count: int = 24) -> dict[str, list[str]]:
    """Typical queries from the archive's own titles, by kind (query strings)."""
    conn = sqlite3.connect(db_path)
    titles = [
        row[0]
        for row in conn.execute("select title from articles where title is not null limit 5000")
    ]
    outlets = [row[0] for row in conn.execute("select distinct source from articles limit 20")]
    day = conn.execute("select max(substr(published_at, 1, 10)) from articles").fetchone()[0]
    conn.close()
    rng = random.Random(3)
    words = sorted({w for t in titles for w in re.findall(r"[A-Za-z]{5,}", t or "")})
    names = [w for w in words if w[0].isupper()] or words
    pick = rng.sample(names, min(count, len(names)))
    title_words = [re.findall(r"[A-Za-z]{4,}", t) for t in titles[:200]]
    pairs = [" ".join(rng.sample(w, 2)) for w in title_words if len(w) >= 2][:count]
    return {
        "name": [f"q={quote(w)}" for w in pick],
        "two words": [f"q={quote(p)}" for p in pairs],
        # The first five letters (Pantau completes a last word from five letters on).
        "prefix": [f"q={quote(w[:5])}" for w in pick if len(w) >= 7]
        or [f"q={quote(w)}" for w in pick],
        "facet": [f"q={quote(w)}&source={quote(rng.choice(outlets))}" for w in pick],
        "date range": [f"q={quote(w)}&since={day}&until={day}" for w in pick],
    }


def topic_paths(db_path: str) -> dict[str, list[str]]:
    """The biggest topic's page, by kind (paths), and its CSV, with the outlets and days its
    page counts (crawler/archive/coverage.py); none when no topic has related articles."""
    conn = sqlite3.connect(db_path)
    names = [row[0] for row in conn.execute("select distinct topic from article_topics")]
    facets = {name: coverage.facets(coverage.coverage(conn, name)) for name in names}
    conn.close()
    topic = max(facets, key=lambda name: facets[name]["total"], default=None)
    if topic is None or not facets[topic]["total"]:
        return {}
    total = facets[topic]["total"]
    outlets = [outlet for outlet, _ in facets[topic]["outlets"] if outlet is not None]
    days = [day for day, _ in facets[topic]["days"]]
    rng = random.Random(5)
    page = f"/-/topic/{quote(topic)}"
    return {
        "topic newest": [page],
        "topic oldest": [f"{page}?order=oldest"],
        "topic outlet": [
            f"{page}?source={quote(o)}" for o in rng.sample(outlets, min(8, len(outlets)))
        ],
        "topic day": [f"{page}?day={d}" for d in rng.sample(days, min(8, len(days)))],
        # Later pages: the second, the fifth, and the last at 100 articles to a page.
        "topic later page": [f"{page}?page={n}" for n in (2, 5, max(2, total // 100))],
        "topic CSV": [f"{page}.csv"],
    }


def pantau_url(base: str, database: str, query: str) -> str:
    return f"{base}/-/search.json?{query}"


def datasette_url(base: str, database: str, query: str) -> str:
    # Plain Datasette: the table's own search; the filters as column filters.
    query = query.replace("q=", "_search=", 1).replace("&source=", "&source__exact=")
    query = re.sub(r"&since=([^&]*)&until=([^&]*)", r"&published_at__gte=\1", query)
    return f"{base}/{database}/articles.json?{query}&_size=20"


def start(command: list[str], port: int, log: Path) -> subprocess.Popen:
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **OFFLINE}, stdout=output, stderr=output
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=10)
            return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    server.kill()
    sys.exit(f"server did not start: {' '.join(command)}\n{log.read_text(errors='replace')}")


def drive(urls: list[str], clients: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (ms) of the answered requests and the number of errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        nonlocal errors
        n = offset
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            url = urls[n % len(urls)]
            n += clients
            started = time.perf_counter()
            try:
                with opener.open(url, timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            elapsed = 1000 * (time.perf_counter() - started)
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(label: str, latencies: list[float], errors: int, seconds: float) -> str:
    return (
        f"| {label} | {len(latencies) + errors} | {(len(latencies) + errors) / seconds:.1f} |"
        f" {percentile(latencies, 0.5):.0f} | {percentile(latencies, 0.95):.0f} |"
        f" {percentile(latencies, 0.99):.0f} | {errors} |"
    )


def measure_topic(
    base: str, topic: dict[str, list[str]], seconds: float, per_kind: dict, db_path: str
) -> None:
    """The topic page (its kinds in turn) and its CSV, 1 then 20 clients, and for one client
    each request right after a write to the archive (what the server read is stale then,
    and read again), printed as rows; each kind for one client kept in `per_kind`."""
    pages = [path for kind, paths in topic.items() if kind != "topic CSV" for path in paths]
    for label, paths in (("topic page", pages), ("topic CSV", topic["topic CSV"])):
        urls = [base + path for path in paths]
        drive(urls, 1, 2.0)  # the first answer of a kind warms its pages
        for clients in (1, 20):
            latencies, errors = drive(urls, clients, seconds)
            print(row(f"pantau {label}, {clients}", latencies, errors, seconds))
        latencies, errors, spent = after_writes(urls, db_path, AFTER_WRITES)
        print(row(f"pantau {label}, 1, after a write", latencies, errors, spent))
    for kind, paths in topic.items():
        if kind != "topic CSV":
            per_kind[("pantau", kind)] = drive([base + p for p in paths], 1, seconds / 4)


# Requests measured one at a time, each right after a write to the archive.
AFTER_WRITES = 30


def after_writes(urls: list[str], db_path: str, count: int) -> tuple[list[float], int, float]:
    """Latencies (ms) and errors of `count` requests, each right after another connection
    commits to the archive (a crawl would): the header's user_version, set back after."""
    writer = sqlite3.connect(db_path, isolation_level=None)
    original = writer.execute("pragma user_version").fetchone()[0]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    latencies: list[float] = []
    errors = 0
    began = time.monotonic()
    try:
        for n in range(count):
            writer.execute(f"pragma user_version = {original + 1 + n % 2}")
            started = time.perf_counter()
            try:
                with opener.open(urls[n % len(urls)], timeout=60) as response:
                    response.read()
                    ok = response.status == 200
            except (urllib.error.URLError, OSError):
                ok = False
            if ok:
                latencies.append(1000 * (time.perf_counter() - started))
            else:
                errors += 1
    finally:
        writer.execute(f"pragma user_version = {original}")
        writer.close()
    return latencies, errors, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="archives, comma-separated")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; {args.seconds:g} s per measurement\n")
    for db_path in args.db.split(","):
        database = Path(db_path).stem
        count = sqlite3.connect(db_path).execute("select count(*) from articles").fetchone()[0]
        kinds = queries(db_path)
        mixed = [q for batch in zip(*kinds.values()) for q in batch]
        topic = topic_paths(db_path)
        print(f"## {db_path}: {count:,} articles\n")
        print("| engine, clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|")
        per_kind = {}
        with tempfile.TemporaryDirectory() as tmp:
            for engine in ("pantau", "datasette"):
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                if engine == "pantau":
                    command = [sys.executable, "-m", "crawler", "serve", "--db", db_path]
                    url_for = pantau_url
                else:
                    command = [sys.executable, "-m", "datasette", "serve", db_path]
                    url_for = datasette_url
                server = start([*command, "--port", str(port)], port, Path(tmp) / "log")
                try:
                    urls = [url_for(base, database, q) for q in mixed]
                    drive(urls[:5], 1, 2.0)  # warm the page cache
                    for clients in (1, 20):
                        latencies, errors = drive(urls, clients, args.seconds)
                        print(row(f"{engine}, {clients}", latencies, errors, args.seconds))
                    for kind, batch in kinds.items():
                        urls = [url_for(base, database, q) for q in batch]
                        per_kind[(engine, kind)] = drive(urls, 1, args.seconds / 4)
                    if engine == "pantau" and topic:
                        measure_topic(base, topic, args.seconds, per_kind, db_path)
                finally:
                    server.terminate()
                    server.wait(timeout=30)
        print("\none client, by query:\n")
        print("| engine, query | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
        print("|---|---|---|---|---|---|---|")
        for (engine, kind), (latencies, errors) in per_kind.items():
            print(row(f"{engine}, {kind}", latencies, errors, args.seconds / 4))
        print()


if __name__ == "__main__":
    main()
