"""Insert-with-dedup throughput, per-article cost and memory as the archive grows to 1M.

    python bench/dedup-scale.py [--sizes 10000,100000,1000000] [--db /tmp/scale.db]

One archive is filled through the crawl's own write path (crawler.archive.writer.ArchiveWriter with
its default group commit, around crawler.archive.rows.save_article: upsert, FTS triggers,
near-duplicate index and clusters) and measured as it passes each size (and
every 100,000 articles). The articles come from a word-level Markov chain trained on the
real pages in ../shared/data/real (order 1, a quarter of its words swapped for words of
wordfreq's Indonesian list, so unrelated articles share no long passages); 5% of them are
planted near-duplicates of an earlier article (lead rewritten, a paragraph dropped or
added) under another outlet. Printed per size: insert throughput over the segment
(wall-clock of inserting chunks of 5,000 articles, commits and the copying of the WAL into
the archive included; generating the text between chunks is not counted), the per-article
cost over the last chunk, peak RSS, the share of planted duplicates found in the
same cluster as their original; at the first size, a brute-force baseline that
compares a new article with every stored sketch; and at the end, how long a ranked
full-text search takes in the full archive.

Last, the archive is given the shipped topic (config/topics.yml: its `topics` row and its
seed) and its coverage, for bench/search.py's topic page: 10,000 related articles (a
tenth of the archive when it is smaller) at or above its min_relevance, spread over the
outlets and the days of the story (some undated), a quarter of them whole near-duplicate
clusters, some crediting a wire; and 90,000 more scored below the threshold.
"""

import argparse
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from wordfreq import top_n_list, word_frequency

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.archive.rescore import topic_signature  # noqa: E402
from crawler.archive.rows import save_seed  # noqa: E402
from crawler.archive.schema import open_db, utc_now  # noqa: E402
from crawler.archive.sketch import Sketch, is_near_duplicate, similarity, sketch  # noqa: E402
from crawler.archive.writer import ArchiveWriter  # noqa: E402
from crawler.config.load import load_topics  # noqa: E402
from crawler.crawl import settings  # noqa: E402
from crawler.extract.article import ExtractionError, extract_article  # noqa: E402
from crawler.urls import url_id  # noqa: E402
from tests.mockweb import REAL_DATA, real_articles  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

PLANTED_SHARE = 0.05
BATCH = 5000
STEADY = BATCH  # the per-article cost is the last chunk's
OUTLETS = ["antaranews", "detik", "kompas", "tempo", "voi", "republika", "cnnindonesia"]
RELATED_ARTICLES = 10_000
BELOW_THRESHOLD = 90_000
CLUSTERED_SHARE = 0.25
UNDATED_SHARE = 0.02
WIRES = ["ANTARA", "Reuters", "AFP"]
WIB = timezone(timedelta(hours=7))


class MarkovChain:
    """Order-1 word chain; sampling is vectorised across a batch of articles."""

    def __init__(self, texts: list[str]):
        words = [w for text in texts for w in text.lower().split()]
        self.vocab = sorted(set(words))
        index = {w: i for i, w in enumerate(self.vocab)}
        successors = defaultdict(list)
        for a, b in zip(words, words[1:]):
            successors[index[a]].append(index[b])
        self.start = np.zeros(len(self.vocab) + 1, dtype=np.int64)
        flat = []
        for i in range(len(self.vocab)):
            nexts = successors.get(i) or [index[words[0]]]
            self.start[i] = len(flat)
            flat.extend(nexts)
        self.start[-1] = len(flat)
        self.flat = np.array(flat, dtype=np.int64)

        # 32 real pages know ~3,000 words; Indonesian news uses tens of thousands. A quarter
        # of the words are drawn from wordfreq's Indonesian list (by frequency), so that
        # unrelated articles share no more stock 4-grams than real ones do.
        self.extra = top_n_list("id", 40000)
        weights = np.array([word_frequency(w, "id") for w in self.extra])
        self.extra_cumulative = np.cumsum(weights / weights.sum())

    def batch(self, rng: np.random.Generator, count: int, length: int) -> np.ndarray:
        words = np.empty((count, length), dtype=np.int64)
        words[:, 0] = rng.integers(0, len(self.vocab), count)
        for step in range(1, length):
            current = words[:, step - 1] % len(self.vocab)
            low, high = self.start[current], self.start[current + 1]
            words[:, step] = self.flat[low + (rng.random(count) * (high - low)).astype(np.int64)]
        swap = rng.random(words.shape) < 0.25
        drawn = np.searchsorted(self.extra_cumulative, rng.random(int(swap.sum())))
        words[swap] = len(self.vocab) + np.minimum(drawn, len(self.extra) - 1)
        return words

    def text(self, row: np.ndarray, rng: random.Random) -> str:
        every = self.vocab + self.extra
        tokens = [every[i] for i in row]
        cuts = sorted(rng.sample(range(20, len(tokens) - 20), 6))
        paragraphs = [tokens[a:b] for a, b in zip([0, *cuts], [*cuts, len(tokens)])]
        return "\n".join(" ".join(p).capitalize() + "." for p in paragraphs)


def edit(text: str, chain: MarkovChain, rng: random.Random, np_rng) -> str:
    """A republished copy: lead rewritten, and a paragraph dropped or added."""
    paragraphs = text.split("\n")
    paragraphs[0] = chain.text(chain.batch(np_rng, 1, 60)[0], rng).split("\n")[0]
    if rng.random() < 0.5:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    else:
        paragraphs.append("Sumber: ANTARA. " + paragraphs[1][:120])
    return "\n".join(paragraphs)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--db", default="/tmp/pantau-dedup-scale.db")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not (REAL_DATA / "manifest.json").exists():
        sys.exit(f"real pages not found at {REAL_DATA}")
    texts = []
    for row in real_articles():
        try:
            texts.append(
                extract_article((REAL_DATA / row["file"]).read_bytes(), row["url"])["text"]
            )
        except ExtractionError:
            pass
    chain = MarkovChain(texts)
    for suffix in ("", "-wal", "-shm"):
        Path(args.db + suffix).unlink(missing_ok=True)
    db = open_db(args.db)
    writer = ArchiveWriter(db, settings.PANTAU_COMMIT_ARTICLES, settings.PANTAU_COMMIT_SECONDS)
    rng, np_rng = random.Random(1), np.random.default_rng(1)
    planted: list[tuple[str, str]] = []  # (original url, copy url)
    recent: list[tuple[str, str]] = []  # (url, text) of recent originals to copy from
    print(f"Markov chain: {len(chain.vocab)} words from {len(texts)} real pages; db {args.db}")
    header = (
        f"{'articles':>10}{'insert art/s':>14}{'ms/article':>12}{'peak RSS MB':>13}"
        f"{'planted found':>15}{'clusters':>10}"
    )
    print(header)
    print("-" * len(header))
    costs: list[float] = []  # seconds per article, from the wall-clock of its chunk
    segment_start = 0
    per_article_at = {}
    for size in sizes:
        while len(costs) < size:
            if costs and len(costs) % 100_000 == 0 and len(costs) not in per_article_at:
                per_article_at[len(costs)] = _row(writer, costs, segment_start, planted)
                segment_start = len(costs)
            chunk = _articles(
                chain, rng, np_rng, min(BATCH, size - len(costs)), len(costs), recent, planted
            )
            # Wall-clock over the whole chunk, ended by copying the WAL into the archive:
            # what the writer's checkpointer thread does in the back is counted, not hidden.
            tick = time.perf_counter()
            for url, text in chunk:
                article = {
                    "url": url,
                    "title": text[:60],
                    "author": None,
                    "published_at": "2023-09-18",
                    "text": text,
                    "language": "id",
                }
                writer.save_article(article, url.split("/")[2].split(".")[0], [url], {})
            writer.checkpoint()
            costs.extend([(time.perf_counter() - tick) / len(chunk)] * len(chunk))
            for url, text in chunk:
                if rng.random() < 0.02:
                    recent[:] = (recent + [(url, text)])[-500:]
        per_article_at[size] = _row(writer, costs, segment_start, planted)
        segment_start = len(costs)
        if size == sizes[0]:
            brute_force = _brute_force_ms(db, chain, rng, np_rng)
    writer.close()
    print(plant_topic(args.db, sizes[-1]))
    search_ms = search_latency_ms(args.db, chain)
    first, last = sizes[0], sizes[-1]
    growth = per_article_at[last] / per_article_at[first]
    print(
        f"\nper-article cost at {last} / at {first}: x{growth:.2f}"
        f"\nbrute force at {first}: {brute_force:.3f} ms to compare one new article with every "
        f"stored sketch, x{brute_force / per_article_at[first]:.0f} pantau's whole insert at "
        f"{first}; it grows with the archive (x{last // first} at {last}), the key index does not."
        f"\nfull-text search at {last}: median {search_ms:.1f} ms per query (first 50 by rank)"
    )


def plant_topic(path: str, size: int) -> str:
    """Record the shipped topic, its seed and its coverage in the archive (the module's
    docstring says what); returns what was planted, in words."""
    topic = load_topics(ROOT / "config" / "topics.yml")[0]
    threshold = topic.min_relevance
    rng = random.Random(4)
    db = open_db(path)
    wanted = min(RELATED_ARTICLES, size // 10)
    related: dict[str, bool] = {}  # article id -> in a near-duplicate cluster
    clusters = [row[0] for row in db.execute("select id from clusters order by id")]
    rng.shuffle(clusters)
    for cluster in clusters:
        if len(related) >= wanted * CLUSTERED_SHARE:
            break
        for (member,) in db.execute("select id from articles where cluster_id = ?", [cluster]):
            related[member] = True
    last_rowid = db.execute("select max(rowid) from articles").fetchone()[0]
    scored = set(related)
    below: list[str] = []
    while len(related) < wanted or len(below) < min(BELOW_THRESHOLD, size // 2):
        found = db.execute(
            "select id, cluster_id from articles where rowid = ?", [rng.randint(1, last_rowid)]
        ).fetchone()
        if found is None or found[0] in scored or found[1] is not None:
            continue
        scored.add(found[0])
        if len(related) < wanted:
            related[found[0]] = False
        else:
            below.append(found[0])
    first_day = topic.since or date(2023, 9, 1)
    updates, scores = [], []
    for article, clustered in related.items():
        # Most coverage around the visit's last days, the seed's (18 September).
        moment = datetime.combine(first_day, datetime.min.time(), WIB) + timedelta(
            minutes=rng.triangular(0, 18 * 24 * 60, 15 * 24 * 60)
        )
        published = None if rng.random() < UNDATED_SHARE else moment.isoformat()
        seen = (moment + timedelta(minutes=rng.randint(5, 600))).astimezone(timezone.utc)
        # A syndicated copy says whose wire it is ("Sumber: ANTARA."), some others too.
        credit = "ANTARA" if clustered else (rng.choice(WIRES) if rng.random() < 0.1 else None)
        updates.append([published, seen.strftime("%Y-%m-%dT%H:%M:%SZ"), credit, article])
        scores.append([article, topic.name, round(rng.uniform(threshold, 0.95), 3)])
    scores += [
        [article, topic.name, round(rng.uniform(0.01, threshold - 0.001), 3)] for article in below
    ]
    with db.atomic():
        db.table("topics").upsert(
            {
                "name": topic.name,
                "seed": str(topic.seed.relative_to(ROOT / "config")) if topic.seed else None,
                **topic_signature(topic),
                "updated_at": utc_now(),
            },
            pk="name",
        )
        db.conn.executemany(
            "update articles set published_at = ?, first_seen_at = ?, credit = ? where id = ?",
            updates,
        )
        db.conn.executemany(
            "insert or replace into article_topics (article_id, topic, relevance) values (?, ?, ?)",
            scores,
        )
    save_seed(db, topic, {topic.name: 1.0})
    db.close()
    clustered = sum(related.values())
    credited = sum(1 for row in updates if row[2])
    return (
        f"\ntopic {topic.name}: {len(related):,} related articles at relevance >= {threshold} "
        f"({clustered:,} in near-duplicate clusters, {credited:,} crediting a wire), "
        f"{len(below):,} below it; and its seed"
    )


def search_latency_ms(path: str, chain: "MarkovChain", queries: int = 40) -> float:
    """Median time of a ranked full-text search, as Datasette's search box runs it."""
    db = open_db(path)
    words = [w for w in chain.vocab if w.isalpha() and len(w) > 4][
        :: max(1, len(chain.vocab) // 400)
    ]
    timings = []
    for word in random.Random(2).sample(words, min(queries, len(words))):
        start = time.perf_counter()
        db.execute(
            "select articles.id from articles join articles_fts on articles.rowid = "
            "articles_fts.rowid where articles_fts match ? order by rank limit 50",
            [f'"{word}"'],
        ).fetchall()
        timings.append(1000 * (time.perf_counter() - start))
    db.close()
    return sorted(timings)[len(timings) // 2]


def _articles(chain, rng, np_rng, count, first_number, recent, planted):
    """`count` generated (url, text); a PLANTED_SHARE of them copies of recent ones."""
    batch = []
    for row in chain.batch(np_rng, count, 320):
        url = f"https://{rng.choice(OUTLETS)}.example/berita/{first_number + len(batch)}"
        if recent and rng.random() < PLANTED_SHARE:
            original_url, original = rng.choice(recent)
            batch.append((url, edit(original, chain, rng, np_rng)))
            planted.append((original_url, url))
        else:
            batch.append((url, chain.text(row, rng)))
    return batch


def _row(writer, costs, segment_start, planted) -> float:
    """Print one line of the table; returns the steady per-article cost in ms."""
    rate = (len(costs) - segment_start) / sum(costs[segment_start:])
    per_article = 1000 * sum(costs[-STEADY:]) / len(costs[-STEADY:])
    found = _planted_found(writer.db, planted)
    clusters = writer.db.execute("select count(*) from clusters").fetchone()[0]
    print(
        f"{len(costs):>10}{rate:>14.0f}{per_article:>12.3f}{rss_mb():>13.0f}"
        f"{found:>15.3f}{clusters:>10}",
        flush=True,
    )
    return per_article


def _planted_found(db, planted: list[tuple[str, str]]) -> float:
    if not planted:
        return 1.0
    found = 0
    # Through urls (keyed by the URL's hash): articles.url has no index of its own.
    cluster_of = (
        "select articles.cluster_id from urls join articles on articles.id = urls.article_id "
        "where urls.id = ?"
    )
    for original, copy in planted:
        a = db.execute(cluster_of, [url_id(original)]).fetchone()
        b = db.execute(cluster_of, [url_id(copy)]).fetchone()
        found += bool(a and b and a[0] is not None and a[0] == b[0])
    return found / len(planted)


def _brute_force_ms(db, chain, rng, np_rng, samples: int = 200) -> float:
    stored = [
        Sketch.from_blob(blob, n)
        for blob, n in db.execute("select signature, shingles from dedup_signatures")
    ]
    probes = [sketch(chain.text(row, rng)) for row in chain.batch(np_rng, samples, 320)]
    start = time.perf_counter()
    hits = Counter()
    for probe in probes:
        for other in stored:
            hits[is_near_duplicate(*similarity(probe, other))] += 1
    return 1000 * (time.perf_counter() - start) / samples


if __name__ == "__main__":
    main()
