"""Short and partial texts are judged by what they say about the topic, not by their length."""

import json

import pytest

from crawler.relevance.score import named_share, passages, score, topic_profile
from crawler.text import content_words
from tests.conftest import ROOT, SHIPPED_CONFIG
from tests.storyweb import dataset_date

TOPIC = SHIPPED_CONFIG.topics[0]
PROFILE = topic_profile(TOPIC)
EXCERPTS = {
    item["id"]: item
    for item in json.loads((ROOT / "bench" / "relevance-partial.json").read_text("utf-8"))
}


def _score(item_id: str) -> float:
    item = EXCERPTS[item_id]
    return score(PROFILE, item["title"], item["excerpt"], dataset_date(item["date"]))


@pytest.mark.parametrize(
    "item_id",
    [
        "own-ru-01",  # a war roundup: one paragraph of eight on Kim inviting Putin
        "own-ru-03",  # a numbered list of seven world stories
        "own-ps-02",  # captions only: the handshake at Vostochny
        "own-lp-02",  # page 2 of the Sukhoi factory story, read alone
        "own-lp-01",  # page 3, undated
    ],
)
def test_a_short_or_partial_text_on_the_story_is_kept(item_id):
    assert _score(item_id) >= TOPIC.min_relevance, EXCERPTS[item_id]["title"]


@pytest.mark.parametrize(
    "item_id",
    [
        "own-ru-05",  # ASEAN summit roundup: "Korea Utara" and Lavrov in passing
        "own-ru-06",  # war roundup in the window: Putin, Rusia, Korea Utara, other items
        "own-ru-07",  # Asian Games roundup: Korea Utara's football team
        "own-ps-05",  # Kim's missile launch in July: outside the window
        "own-ps-07",  # Putin and Erdogan in the window: Russia without Kim
        "own-ps-08",  # the 2019 Vladivostok summit
        "own-lp-06",  # page 3 of a North Korean missile drill in the window
        "own-lp-07",  # page 2 of Zelensky at the UN
    ],
)
def test_a_short_or_partial_text_on_another_event_is_left(item_id):
    assert _score(item_id) < TOPIC.min_relevance, EXCERPTS[item_id]["title"]


def test_the_roundup_item_counts_wherever_it_stands():
    item = EXCERPTS["own-ru-01"]
    paragraphs = item["excerpt"].split("\n\n")
    on_topic = next(p for p in paragraphs if "Vostochny" in p)
    others = [p for p in paragraphs if p is not on_topic]
    first = "\n\n".join([on_topic, *others])
    last = "\n\n".join([*others, on_topic])
    day = dataset_date(item["date"])
    assert score(PROFILE, item["title"], first, day) >= TOPIC.min_relevance
    assert score(PROFILE, item["title"], last, day) >= TOPIC.min_relevance
    # Twice as many other items around it do not drown it.
    longer = "\n\n".join([*others, on_topic, *others])
    assert score(PROFILE, item["title"], longer, day) >= TOPIC.min_relevance


def test_naming_only_one_side_of_the_story_is_not_enough():
    kim = "Pemimpin Korea Utara Kim Jong-un meninjau pabrik dan berjanji meningkatkan kerja sama."
    both = kim + " Ia bertemu Presiden Vladimir Putin di Vostochny, Rusia, dan ke Vladivostok."
    assert score(PROFILE, None, both, "2023-09-15") > score(PROFILE, None, kim, "2023-09-15")


def test_a_name_said_in_part_counts_in_part():
    # A later page says "Putin" and "Kim"; the topic's entities are "Vladimir Putin" and
    # "Kim Jong-un".
    surnames = content_words("Putin dan Kim bertukar senapan di kosmodrom.")
    full = content_words("Vladimir Putin dan Kim Jong-un bertukar senapan di kosmodrom.")
    neither = content_words("Kedua pemimpin bertukar senapan di kosmodrom.")
    assert 0 == named_share(PROFILE, neither) < named_share(PROFILE, surnames)
    assert named_share(PROFILE, surnames) < named_share(PROFILE, full)


def test_the_seed_itself_still_scores_near_one_and_a_long_text_stays_whole():
    seed = TOPIC.seed_text() or ""
    assert score(PROFILE, None, seed, "2023-09-18") > 0.9
    assert passages("satu dua tiga") == []
    parts = passages(seed)
    assert len(parts) > 1 and all(line in seed for part in parts for line in part.splitlines())
