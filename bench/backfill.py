"""Reaching a past story's window through date index pages, at the size of a real window.

    python bench/backfill.py [--days 45] [--outlets 30] [--headlines 300] [--decoys frequency]

A mock web on 127.0.0.1 (no ../shared needed): OUTLETS outlets, each with a date index of
DAYS days in the shipped topic's window; each outlet-day lists HEADLINES headlines, 50 per
page, of which 1 in 60 is the story's and 1 in 15 a decoy that names one of the topic's
keywords but belongs to another story (the rest is other news). Decoys pick their keyword
either in proportion to how often Indonesian text uses it (`frequency`, wordfreq: other
news names "Rusia" far more often than "Vostochny") or uniformly (`uniform`, a harder mix).

First, which headlines Pantau's rule keeps beside the plain rule it replaced (any query
term named), counted over every headline. Then two `pantau crawl` runs over the same
archive, with the shipped topic (its seed, keywords and threshold) and loopback settings;
printed side by side: related articles found, article fetches per related article found,
all requests and wall time. Targets: related
found >= 95%, article fetches <= 3 per related article, second run <= 5% of the first's
requests.
"""

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from wordfreq import word_frequency

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.config.load import load_config  # noqa: E402
from crawler.discover.targets import FilledTemplate  # noqa: E402
from crawler.relevance.terms import matches, names_topic, query_terms  # noqa: E402
from tests.conftest import LOOPBACK_SETTINGS, OFFLINE_ENV, rows  # noqa: E402
from tests.mockweb import MockWeb, Reply  # noqa: E402
from tests.pastweb import index_page, plain_article, story_article  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PER_PAGE = 50
INDEX = "/{outlet}/indeks?tanggal={{date:%Y-%m-%d}}&page={{page}}"
STORY_HEADLINES = [
    "Kim Jong-un Tinggalkan Vladivostok dengan Kereta Lapis Baja",
    "Kim Jong Un Terpukau Pesawat Tempur di Komsomolsk",
    "Putin dan Kim Bahas Kerja Sama Militer di Kosmodrom",
    "Shoigu Tunjukkan Rudal Hipersonik kepada Tamu dari Pyongyang",
    "Kereta Kim Jong Un Tiba di Perbatasan Rusia",
    "Korut dan Rusia Sepakati Kerja Sama Antariksa",
    "Kim Jong Un Kunjungi Armada Pasifik",
    "AS Khawatirkan Pertemuan Putin-Kim",
    "Kim Jong-un Pulang Bawa Hadiah Drone",
    "Vladimir Putin Terima Undangan ke Pyongyang",
    "Lavrov: Moskow Perkuat Hubungan dengan Pyongyang",
    "Pemimpin Korut Tinjau Universitas di Vladivostok",
]
# Another story that names one keyword: "{term} <what happened>".
DECOY_EVENTS = [
    "Naikkan Ekspor Gandum ke Afrika",
    "Hadiri Pameran Dagang Tahunan",
    "Luncurkan Program Beasiswa Baru",
    "Umumkan Anggaran Pertahanan Tahun Depan",
    "Gelar Festival Budaya di Ibu Kota",
]
DECOY_TEXT = [
    "Pemerintah setempat mengumumkan program baru yang akan dimulai bulan depan, menurut"
    " pernyataan resmi yang dirilis pada Senin.",
    "Program itu diperkirakan menyerap anggaran cukup besar dan melibatkan sejumlah"
    " kementerian, kata seorang pejabat yang enggan disebut namanya.",
    "Para pengamat menilai langkah itu terkait upaya menarik investasi dan memperbaiki"
    " citra di mata dunia internasional.",
    "Sejumlah warga menyambut baik rencana tersebut meski masih menunggu rincian"
    " pelaksanaannya di lapangan.",
]
OTHER_SUBJECTS = "Harga Cabai|Timnas U-23|Banjir Bandang|Bursa Saham|Tol Trans Jawa|Pilkada".split(
    "|"
)
OTHER_EVENTS = "Naik Lagi|Menang Tipis|Rendam Permukiman|Ditutup Melemah|Macet Parah|Digelar".split(
    "|"
)


def build_web(days: list[date], outlets: int, headlines: int, decoys: str, seed: int) -> dict:
    rng = random.Random(seed)
    topic = load_config(ROOT / "config").topics[0]
    keywords = topic.keywords
    weights = (
        [max(word_frequency(k.lower(), "id"), 1e-7) for k in keywords]
        if decoys == "frequency"
        else [1.0] * len(keywords)
    )
    web = MockWeb()
    story: set[str] = set()
    listed: list[tuple[str, str, str]] = []  # every headline: (title, url, kind)
    number = 0
    for outlet_number in range(outlets):
        outlet = f"media{outlet_number:02d}"
        for day in days:
            links = []
            for position in range(headlines):
                number += 1
                path = f"/{outlet}/{day:%Y/%m/%d}/{number}"
                if position % 60 == 30:
                    title = f"{rng.choice(STORY_HEADLINES)} ({number})"
                    web.routes[path] = Reply(body=story_article(number, day))
                    story.add(path)
                    kind = "story"
                elif position % 15 == 7:
                    term = rng.choices(keywords, weights)[0]
                    title = f"{term} {rng.choice(DECOY_EVENTS)}"
                    web.routes[path] = Reply(body=plain_article(title, DECOY_TEXT, day))
                    kind = "decoy"
                else:
                    title = f"{rng.choice(OTHER_SUBJECTS)} {rng.choice(OTHER_EVENTS)} {number}"
                    kind = "other"
                links.append((web.url(path), title))
                listed.append((title, web.url(path), kind))
            template = INDEX.format(outlet=outlet)
            pages = [links[i : i + PER_PAGE] for i in range(0, len(links), PER_PAGE)]
            for page, page_links in enumerate([*pages, []], start=1):
                url = FilledTemplate("archive", template, (("date", day),)).url(page)
                web.routes[url] = index_page(page_links)
    return {"web": web, "story": story, "topic": topic, "headlines": listed}


def headline_filters(headlines: list[tuple[str, str, str]], topic) -> None:
    """Which headlines each rule would fetch: Pantau's (names_topic) beside the plain one
    it replaced (any query term named)."""
    terms = query_terms(topic)
    story = sum(kind == "story" for _, _, kind in headlines)
    rules = {
        "any term named": lambda text: matches(terms, text),
        "pantau (names the topic)": lambda text: names_topic(terms, text),
    }
    print("| headline rule | story kept | decoys kept | others kept | fetches per story |")
    print("|---|---|---|---|---|")
    for name, rule in rules.items():
        kept = {"story": 0, "decoy": 0, "other": 0}
        for title, url, kind in headlines:
            path_words = urlsplit(url).path.replace("/", " ").replace("-", " ")
            kept[kind] += rule(f"{title} {path_words}")
        print(
            f"| {name} | {kept['story'] / story:.3f} | {kept['decoy']} | {kept['other']} |"
            f" {sum(kept.values()) / max(kept['story'], 1):.2f} |"
        )
    print()


def write_config(base: Path, web: MockWeb, outlets: int, days: list[date]) -> Path:
    config = base / "config"
    (config / "seeds").mkdir(parents=True)
    shipped = yaml.safe_load((ROOT / "config" / "topics.yml").read_text("utf-8"))
    topic = shipped["topics"][0]
    topic.update(since=days[0].isoformat(), until=days[-1].isoformat())
    (config / "topics.yml").write_text(yaml.safe_dump({"topics": [topic]}), "utf-8")
    seed = ROOT / "config" / topic["seed"]
    (config / topic["seed"]).write_bytes(seed.read_bytes())
    sources = [
        {
            "name": f"media{n:02d}",
            "hosts": ["127.0.0.1"],
            "archives": [web.url(INDEX.format(outlet=f"media{n:02d}"))],
            "article_pattern": rf"/media{n:02d}/\d{{4}}/",
        }
        for n in range(outlets)
    ]
    (config / "sources.yml").write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    (config / "crawl.yml").write_text("backfill: false\n", "utf-8")
    return config


def crawl(config: Path, db: Path) -> float:
    command = [sys.executable, "-m", "crawler", "crawl", "--config", str(config), "--db", str(db)]
    for name, value in LOOPBACK_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env={**OFFLINE_ENV, "PATH": ""}
    )
    if result.returncode != 0:
        sys.exit(f"crawl failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--outlets", type=int, default=30)
    parser.add_argument("--headlines", type=int, default=300)
    parser.add_argument("--decoys", choices=["frequency", "uniform"], default="frequency")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    first_day = date(2023, 9, 1)
    days = [first_day + timedelta(days=n) for n in range(args.days)]
    built = build_web(days, args.outlets, args.headlines, args.decoys, args.seed)
    web, story = built["web"], built["story"]
    web.start()
    print(
        f"{args.outlets} outlets x {args.days} days x {args.headlines} headlines:"
        f" {len(story)} story articles, decoys by {args.decoys}\n"
    )
    headline_filters(built["headlines"], built["topic"])
    print("| run | related found | of all | article fetches | per related | requests | wall s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        config = write_config(base, web, args.outlets, days)
        db = base / "archive.db"
        requests, found_before = [], 0
        for run in ("first", "second"):
            before = len(web.log)
            wall = crawl(config, db)
            asked = [path for _, path in web.log[before:]]
            articles = [p for p in asked if "/indeks" not in p and not p.endswith("robots.txt")]
            stored = {
                "/" + row["url"].split("/", 3)[3]
                for row in rows(db, "select url from articles where is_seed = 0")
            }
            # Found by this run: the second finds nothing new, by design.
            found = len(stored & story) - found_before
            found_before += found
            requests.append(len(asked))
            per_related = f"{len(articles) / found:.2f}" if found else "-"
            print(
                f"| {run} | {found} | {found_before / len(story):.3f} | {len(articles)} |"
                f" {per_related} | {len(asked)} | {wall:.1f} |"
            )
    web.stop()
    print(f"\nsecond run's requests / first run's: {requests[1] / requests[0]:.3f}")


if __name__ == "__main__":
    main()
