"""Crawl speed on two cores: a bare Scrapy spider beside the full `pantau crawl`.

    python bench/crawl.py [--pages 2000] [--memory-pages 20000] [--concurrency 16]

A web of article pages is served on loopback by a server in a process of its own: each
page is one of the real pages in ../shared/data/real with a paragraph of its own added
(so that each is a new article, not a copy), listed in one sitemap. In one run:

  Their URLs name the seed story, so that the crawl fetches them all.
- (a) a bare Scrapy spider that only fetches the pages (reads the sitemap, requests every
  page, keeps nothing);
- (b) `pantau crawl` of the same pages: fetch, extract, score, deduplicate, store, with
  extraction in worker processes (the default), and (b0) the same in the reactor's thread
  (PANTAU_EXTRACT_PROCESSES=0), both with a topic that keeps every page (min_relevance 0);
- the ceiling that extraction sets: the cores / the mean CPU time per page of extract +
  score + store (the article and the fetched response, as the crawl stores them), measured
  here on a sample of the same pages; beside it, the cores / the median;
- the peak memory of a crawl of --memory-pages pages (0: skipped);
- (r1), (r2): the crawl shared on Redis (a redis-server of its own): `pantau ingest` with
  one, then two `pantau crawl --redis` processes, on the same machine (skipped without
  redis-server, or with --no-redis).

Each crawl runs as its own process with the same concurrency settings; printed per run:
pages, seconds (wall clock of the process, start-up included), pages/s, CPU seconds (the
process and its workers) and CPU use, peak RSS of the largest process. Target: (b) >= 50%
of (a), or, where the ceiling is lower than (a), (b) >= 80% of the ceiling.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import SEED, seed_topic, write_config  # noqa: E402
from tests.mockweb import REAL_DATA, real_articles  # noqa: E402

OFFLINE = {"http_proxy": "", "https_proxy": "", "no_proxy": "*"}
# Sitemap links are fetched when their words name a topic (crawler/relevance/terms.py).
SLUG = "kim-jong-un-tinggalkan-vladivostok"
WORDS = (
    "laporan warga pasar jalan kota desa sekolah rumah sakit petani nelayan banjir hujan "
    "jembatan kereta bandara pelabuhan listrik harga beras minyak gula subsidi anggaran"
).split()


def page_body(template: bytes, number: int) -> bytes:
    """The real page with paragraphs that make its text its own: after its first paragraph
    and before its last (one of them lands in the article's body, whatever the layout)."""
    words = [WORDS[(number * 7 + i * (number % 13 + 1)) % len(WORDS)] for i in range(40)]
    paragraph = f"<p>Laporan {number}: {' '.join(words)} nomor {number * 31 + 7}.</p>".encode()
    ends = [match.end() for match in re.finditer(rb"</p>", template)]
    if not ends:  # a page without paragraphs: its text ends where its body does
        ends = [match.start() for match in re.finditer(rb"</article>|</body>", template)][:1]
    for end in sorted({ends[0], ends[-2] if len(ends) > 1 else ends[0]}, reverse=True):
        template = template[:end] + paragraph + template[end:]
    return template


def serve(port_pipe, pages: int) -> None:
    templates = [(REAL_DATA / row["file"]).read_bytes() for row in real_articles()]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            path = self.path.split("?")[0]
            host = f"http://127.0.0.1:{self.server.server_port}"
            if path == "/sitemap.xml":
                locs = "".join(
                    f"<url><loc>{host}/berita/{i}/{SLUG}-{i}</loc></url>" for i in range(pages)
                )
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?><urlset '
                    f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'
                ).encode()
                kind = "application/xml"
            elif match := re.fullmatch(r"/berita/(\d+)/[a-z-]+-\d+", path):
                number = int(match.group(1))
                body = page_body(templates[number % len(templates)], number)
                kind = "text/html; charset=utf-8"
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    port_pipe.send(server.server_port)
    server.serve_forever()


def bare_spider(sitemap: str, settings: dict[str, str]) -> None:
    """(a): fetch every page of the sitemap and keep nothing (run as `--bare-spider`)."""
    import scrapy
    from scrapy.crawler import AsyncCrawlerProcess

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self):
            yield scrapy.Request(sitemap, callback=self.parse_sitemap)

        def parse_sitemap(self, response):
            response.selector.remove_namespaces()
            for url in response.xpath("//loc/text()").getall():
                yield scrapy.Request(url, callback=self.parse_page)

        def parse_page(self, response):
            self.crawler.stats.inc_value("bare/pages")

    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(Bare)
    process.crawl(crawler)
    process.start()
    print("PAGES", crawler.stats.get_value("bare/pages", 0))


# Run a command; report its wall clock, the CPU of it and every process under it, and the
# peak RSS of the largest of them (RUSAGE_CHILDREN of a process that only waits for it).
MEASURED = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_mb": usage.ru_maxrss / 1024, "code": result.returncode,
                  "stdout": result.stdout, "stderr": result.stderr[-3000:]}))
"""


def measured(command: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", MEASURED, *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **OFFLINE},
    )
    result = json.loads(out.stdout)
    if result["code"] != 0:
        sys.exit(f"{' '.join(command[:4])} failed ({result['code']}):\n{result['stderr']}")
    return result


def settings_for(concurrency: int) -> dict[str, str]:
    return {
        "CONCURRENT_REQUESTS": str(concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(concurrency),
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "ROBOTSTXT_OBEY": "False",
        "LOG_LEVEL": "WARNING",
    }


def pantau_crawl(base: str, work: Path, name: str, settings: dict[str, str]) -> dict:
    config = write_config(
        work / f"config-{name}",
        [{"name": "bench", "hosts": ["127.0.0.1"], "sitemaps": [f"{base}/sitemap.xml"]}],
        [{**seed_topic(), "min_relevance": 0}],
    )
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config)]
    command += ["--db", str(work / f"{name}.db")]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    result = measured(command)
    conn = sqlite3.connect(work / f"{name}.db")
    counts = json.loads(conn.execute("select per_source from crawl_runs").fetchone()[0])["bench"]
    conn.close()
    # Article pages fetched and judged: new, duplicates (identical copies), dropped.
    result["pages"] = sum(
        counts[key] for key in ("new_articles", "duplicates", "irrelevant", "dropped")
    )
    result["new"] = counts["new_articles"]
    if not result["pages"]:
        sys.exit(f"pantau crawl ({name}) stored nothing:\n{result['stdout']}{result['stderr']}")
    return result


def cost_per_page(base: str, sample: int, work: Path) -> tuple[float, float]:
    """(median, mean) CPU seconds of extract + score + store per page, on `sample` of the
    pages. Stored as the crawl stores it: the article, its URLs and relevance, and the
    fetched response (gzipped) for re-extraction."""
    from crawler.archive.schema import open_db, utc_now
    from crawler.archive.writer import ArchiveWriter
    from crawler.config.load import load_config
    from crawler.crawl.extraction import Job, extract_and_score
    from crawler.relevance.score import topic_profile

    config = load_config(next(work.glob("config-pantau")))
    profiles = {topic.name: topic_profile(topic) for topic in config.topics}
    rules = config.body_rules()
    templates = [(REAL_DATA / row["file"]).read_bytes() for row in real_articles()]
    writer = ArchiveWriter(open_db(work / "ceiling.db"), batch_articles=2000, batch_seconds=2)
    costs = []
    for number in range(sample):
        body = page_body(templates[number % len(templates)], number)
        url = f"{base}/berita/{number}/{SLUG}-{number}"
        start = time.process_time()
        try:
            article, relevance = extract_and_score(
                Job(body, url, ["127.0.0.1"], [], "utf-8", None), rules, profiles
            )
            response = {"url": url, "status": 200, "headers": {}, "body": body}
            parts = [{**response, "fetched_at": utc_now()}]
            writer.save_article(article, "bench", [url], relevance, parts)
        except Exception:  # noqa: BLE001 - a page that is no article costs what it cost
            pass
        costs.append(time.process_time() - start)
    start = time.process_time()
    writer.close()
    commit_share = (time.process_time() - start) / sample
    return statistics.median(costs) + commit_share, statistics.mean(costs) + commit_share


@contextlib.contextmanager
def redis_server():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(600):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.terminate()
        server.wait()


def shared_crawl(base: str, work: Path, crawlers: int, settings: dict[str, str], url: str) -> dict:
    """`pantau ingest` and `crawlers` `pantau crawl --redis` processes on the same pages;
    wall clock from ingest's start to its end, CPU of all of them."""
    import redis

    name = f"redis-{crawlers}"
    config = write_config(
        work / f"config-{name}",
        [{"name": "bench", "hosts": ["127.0.0.1"], "sitemaps": [f"{base}/sitemap.xml"]}],
        [{**seed_topic(), "min_relevance": 0}],
    )
    env = {**os.environ, **OFFLINE}
    db = work / f"{name}.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    ingest = subprocess.Popen(
        [sys.executable, "-m", "crawler", "ingest", "--config", str(config), "--db", str(db)]
        + ["--redis", url, "--first-crawler-seconds", "600"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    while not redis.Redis.from_url(url).exists("pantau:run"):
        time.sleep(0.05)
    # A short heartbeat: a crawler with nothing left waits six beats before it ends.
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--redis", url]
    cache = {"PANTAU_SHARED_HTTPCACHE_DIR": str(work / f"{name}.httpcache")}
    for key, value in {**settings, "PANTAU_REDIS_HEARTBEAT": "0.5", **cache}.items():
        command += ["-s", f"{key}={value}"]
    running = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        for _ in range(crawlers)
    ]
    for crawler in running:
        crawler.wait()
    ingest.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    conn = sqlite3.connect(db)
    counts = json.loads(conn.execute("select per_source from crawl_runs").fetchone()[0])["bench"]
    conn.close()
    pages = sum(counts[key] for key in ("new_articles", "duplicates", "irrelevant", "dropped"))
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_mb": float("nan"),
        "pages": pages,
        "new": counts["new_articles"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--memory-pages", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sample", type=int, default=200, help="pages timed for the ceiling")
    parser.add_argument(
        "--no-redis", dest="redis", action="store_false", help="skip the runs shared on Redis"
    )
    args = parser.parse_args()
    if not (REAL_DATA / "manifest.json").exists():
        sys.exit(f"real pages not found at {REAL_DATA}")
    if not SEED.exists():
        sys.exit(f"seed article not found at {SEED}")
    cores = len(os.sched_getaffinity(0))
    settings = settings_for(args.concurrency)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pantau-bench-crawl-") as tmp:
        work = Path(tmp)
        for pages in [args.pages] + ([args.memory_pages] if args.memory_pages else []):
            receive, send = multiprocessing.Pipe(duplex=False)
            server = multiprocessing.Process(target=serve, args=(send, pages), daemon=True)
            server.start()
            base = f"http://127.0.0.1:{receive.recv()}"
            try:
                if pages == args.pages:
                    bare = measured(
                        [sys.executable, __file__, "--bare-spider", f"{base}/sitemap.xml"]
                        + [f"{key}={value}" for key, value in settings.items()]
                    )
                    bare["pages"] = int(bare["stdout"].split("PAGES")[-1])
                    rows.append(("(a) bare Scrapy spider, fetch only", bare))
                    rows.append(("(b) pantau crawl", pantau_crawl(base, work, "pantau", settings)))
                    in_thread = {**settings, "PANTAU_EXTRACT_PROCESSES": "0"}
                    rows.append(
                        (
                            "(b0) pantau crawl, extraction in the reactor's thread",
                            pantau_crawl(base, work, "in-thread", in_thread),
                        )
                    )
                    median, mean = cost_per_page(base, args.sample, work)
                    if args.redis and shutil.which("redis-server"):
                        with redis_server() as url:
                            for crawlers in (1, 2):
                                rows.append(
                                    (
                                        f"(r{crawlers}) shared on Redis: {crawlers} crawler "
                                        "process(es) + pantau ingest",
                                        shared_crawl(base, work, crawlers, settings, url),
                                    )
                                )
                else:
                    rows.append(
                        (
                            f"pantau crawl of {pages:,} pages (memory)",
                            pantau_crawl(base, work, "memory", settings),
                        )
                    )
            finally:
                server.terminate()
                server.join()

    print(f"cores: {cores}; concurrency {args.concurrency}; {args.pages:,} pages\n")
    print("| run | pages | new articles | s | pages/s | CPU s | CPU use | peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|")
    rates = {}
    for name, result in rows:
        rate = result["pages"] / result["wall"]
        rates[name[:4].strip()] = rate
        print(
            f"| {name} | {result['pages']:,} | {result.get('new', '-')} | {result['wall']:.1f} | "
            f"{rate:.1f} | "
            f"{result['cpu']:.1f} | {result['cpu'] / result['wall']:.0%} | "
            f"{result['rss_mb']:.0f} |".replace("nan", "-")
        )
    # Throughput follows the mean cost of a page, not the median: a few costly layouts lift
    # the mean, and every page is paid for. The ceiling is cores / the mean.
    ceiling = cores / mean
    bare, full, thread = rates["(a)"], rates["(b)"], rates["(b0)"]
    print(
        f"\nextract + score + store: mean {mean * 1000:.1f} ms CPU per page, median "
        f"{median * 1000:.1f} ({args.sample} pages); ceiling {cores} cores / the mean = "
        f"{ceiling:.1f} pages/s (cores / the median = {cores / median:.1f})"
    )
    print(f"(b) / (a) = {full / bare:.2f}; (b) / ceiling = {full / ceiling:.2f}")
    print(f"(b0) / (a) = {thread / bare:.2f}; (b) / (b0) = {full / thread:.2f}")
    if "(r1)" in rates:
        print(
            f"shared on Redis: (r2) / (r1) = {rates['(r2)'] / rates['(r1)']:.2f}, "
            f"(r1) / (b) = {rates['(r1)'] / full:.2f} (one machine: the crawlers share its cores)"
        )
    target = "(b) >= 80% of the ceiling" if ceiling < bare else "(b) >= 50% of (a)"
    met = full >= 0.8 * ceiling if ceiling < bare else full >= 0.5 * bare
    print(f"target {target}: {'met' if met else 'not met'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bare-spider"]:
        bare_spider(sys.argv[2], dict(arg.split("=", 1) for arg in sys.argv[3:]))
    else:
        main()
