"""How Pantau's output is compared with the ground truth other scrapers wrote.

Shared by tests/test_extract.py and bench/extraction.py. Where the truth disagrees with
Pantau's rules, the rules win and the comparison is normalised:
- times are compared to the minute, with the offset: anpandu's truth drops the seconds
  that okezone's and viva's structured data carry;
- a truth that gives a day only (htmldate), or a 12-hour clock (mcmetadata's jpnn "07:52"
  for a page that shows "18:52 WIB"), is compared by day;
- republika's "In Picture:" rubric is in anpandu's title but not in the page's headline tags.
"""

DAY_ONLY_TRUTH = {"mcmetadata-wayback-kamrussamad-ppkm"}
RUBRIC_PREFIXES = ("In Picture: ",)


def expected_title(truth: dict) -> str | None:
    title = truth.get("title")
    for prefix in RUBRIC_PREFIXES:
        title = title.removeprefix(prefix) if title else title
    return title


def expected_published(truth: dict) -> str | None:
    return truth.get("published") or truth.get("published_date")


def date_right(found: str | None, truth: str, stem: str) -> bool:
    if not found:
        return False
    if len(truth) == 10 or stem in DAY_ONLY_TRUTH:
        return found[:10] == truth[:10]
    return found[:16] == truth[:16] and found.endswith(truth[-6:])
