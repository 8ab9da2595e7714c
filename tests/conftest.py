import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from sqlite_utils import Database

from crawler.config.load import load_config
from tests.mockweb import REAL_DATA, MockWeb, build_news_site

# Chromium's `browser` and `page` fixtures, for the browser tests.
pytest_plugins = ["tests.browser"]

ROOT = Path(__file__).resolve().parents[1]
# The shipped outlets' body rules (config/outlets/), as a crawl with the shipped config uses them.
SHIPPED_CONFIG = load_config(ROOT / "config")
SHIPPED_RULES = SHIPPED_CONFIG.body_rules()
# The shipped topic's threshold (bench/relevance.py fits it): test crawls keep what it keeps.
SHIPPED_MIN_RELEVANCE = SHIPPED_CONFIG.topics[0].min_relevance
SEED = ROOT / "config" / "seeds" / "voi-kim-jong-un-vladivostok-2023-09-18.txt"
# Lift the live-web politeness for loopback; keep robots.txt on (the mock answers 404).
LOOPBACK_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    # Generous: on a loaded machine a loopback GET can wait seconds for a busy reactor.
    "DOWNLOAD_TIMEOUT": "10",
    "RETRY_TIMES": "1",
    "PANTAU_RETRY_BACKOFF_BASE": "0.1",
}
# Anything that is not loopback goes to a dead proxy: a test can never reach the internet.
OFFLINE_ENV = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1,localhost",
}


@pytest.fixture
def fresh_db():
    return Database(memory=True)


@pytest.fixture(scope="session")
def real_data():
    if not (REAL_DATA / "manifest.json").exists():
        pytest.skip(f"real pages not available at {REAL_DATA} (../shared/data/real)")
    return REAL_DATA


@pytest.fixture(scope="session")
def news_web(real_data):
    web = MockWeb()
    site = build_news_site(web)
    web.start()
    yield web, site
    web.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def pantau_server(*args: str, log: Path):
    """`pantau serve ARGS` on a free loopback port until the block ends; yields its base URL
    once it answers (or fails with its log, if it dies or never answers)."""
    port = closed_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "crawler", "serve", *args, "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, **OFFLINE_ENV},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                opener.open(base + "/-/versions.json", timeout=10).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"pantau serve did not answer:\n{log.read_text(errors='replace')}")
                try:  # wait a little for the server, noticing at once if it died
                    server.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def write_config(
    directory: Path, sources: list[dict], topics: list[dict], crawl: dict | None = None
) -> Path:
    """A config directory; web archives stay off unless `crawl` names loopback ones."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sources.yml").write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    (directory / "topics.yml").write_text(yaml.safe_dump({"topics": topics}), "utf-8")
    crawl = {"contact_url": "https://example.org/pantau-tests", "backfill": False, **(crawl or {})}
    (directory / "crawl.yml").write_text(yaml.safe_dump(crawl), "utf-8")
    (directory / "seeds").mkdir(exist_ok=True)
    (directory / "seeds" / SEED.name).write_bytes(SEED.read_bytes())
    return directory


def seed_topic(min_relevance: float = SHIPPED_MIN_RELEVANCE) -> dict:
    return {
        "name": "kim-jong-un-russia-2023",
        "seed": f"seeds/{SEED.name}",
        "seed_info": {"source": "voi", "published_at": "2023-09-18", "language": "id"},
        "keywords": ["Kim Jong-un", "Vladivostok", "Rusia", "Korea Utara"],
        "min_relevance": min_relevance,
    }


def run_pantau(*args: str, settings: dict | None = None, timeout: float = 240):
    """Run `python -m crawler ...` in a subprocess (a Scrapy process can crawl only once)."""
    command = [sys.executable, "-m", "crawler", *args]
    for name, value in {**LOOPBACK_SETTINGS, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, **OFFLINE_ENV},
    )


def start_pantau(command: list[str]) -> subprocess.Popen:
    """Start a command (a `python -m crawler ...` one) as a test's own process: offline, in
    the repository, its output captured as text."""
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **OFFLINE_ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows(db_path: Path, sql: str, params=()) -> list[dict]:
    db = Database(db_path)
    try:
        return [dict(row) for row in db.query(sql, params)]
    finally:
        db.close()


def per_source(db_path: Path, run_id: int) -> dict:
    return json.loads(
        rows(db_path, "select per_source from crawl_runs where id = ?", [run_id])[0]["per_source"]
    )
