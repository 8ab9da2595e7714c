"""Indonesian newsroom furniture: what trafilatura keeps but a reader does not read.

`clean_body(text)` removes related-link lines ("Baca juga: ..."), ad and share labels,
pagination, photo captions and credits, trailing reporter codes ("(ant)", "(Mvi/Ali)")
and staff lines ("Editor: ...", "Reporter: ..."), and returns what it learnt from them:
the people (reporter, editor) and the wire credit ("ANTARA", "Reuters").
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from crawler.text import content_words, text_size

DATE = r"(?:[a-z]+\s*,?\s*)?\d{1,2}[\s/.-]+(?:\d{1,2}|[a-z]{3,9})[\s/.-]+\d{4}"
CLOCK = r"\d{1,2}[:.]\d{2}(?::\d{2})?"
OUTLET_LABEL = r"[a-z][\w.]{1,30}\s*\|\s*"
# The stamp of a teaser in an "other news" list: a date with its clock and zone, after an
# optional outlet label or rank number. An article's own dateline has no clock on its line.
# Only a day's name may lead a teaser's stamp: "Jakarta, 18/09/2023 10:00 WIB - ..." opens a
# story, and its lead must never be taken for a teaser.
DAY_NAME = (
    r"(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
DAY_DATE = rf"(?:{DAY_NAME}\s*,?\s*)?\d{{1,2}}[\s/.-]+(?:\d{{1,2}}|[a-z]{{3,9}})[\s/.-]+\d{{4}}"
TEASER_DATE = rf"(?:{OUTLET_LABEL}|\d{{1,2}}\s*)?{DAY_DATE}\s*[,|-]?\s*{CLOCK}\s*(?:wib|wita|wit)"
# Headings of the lists under a story ("Berita Lainnya", "More Stories").
OTHER_NEWS_HEADING = re.compile(
    r"^\s*(?:(?:baca )?(?:berita|artikel|foto|video) "
    r"(?:lainnya|terkait|terpopuler|pilihan|terbaru|populer)"
    r"|more stories|related (?:news|articles|stories)|most popular|pilihan redaksi|terpopuler"
    r"|rekomendasi untuk anda|berita rekomendasi|other news)\s*:?\s*$",
    re.IGNORECASE,
)
TEASER_STAMP = re.compile(rf"\s*{TEASER_DATE}\s*", re.IGNORECASE)
# Two stamps this close (headline, stamp, teaser, headline, stamp) make a run of teasers.
TEASER_RUN_GAP = 4
# A teaser is a headline and a sentence or two; a story's paragraphs run longer.
TEASER_MAX_WORDS = 40
HEADLINE_MAX_WORDS = 20
SENTENCE_END = (".", "!", "?", ")", '"', "”", "。", "！", "？")
# A cut must leave a story behind; shorter than this, the list is kept and its lines judged
# one by one.
MIN_STORY_CHARS = 200
# Lines that are furniture as a whole. Each is anchored at both ends: a sentence that
# merely mentions "foto" or "halaman" is never touched.
FURNITURE_LINES = [
    # "Baca juga: ...", also after a call: "Yuk, Simak Juga Video ini!"
    r"(?:(?:yuk|ayo|mari)\W{1,3})?(?:baca|simak|lihat|cek|tonton) juga\b.{0,250}",
    r"(?:artikel|berita|foto|video) (?:terkait|lainnya|pilihan)\b.{0,250}",
    r"advertisement|iklan|scroll to (?:continue|resume)(?: with| reading)? content",
    r"(?:home|beranda)\s*[>»/].{0,120}",
    r"disclaimer\s*:.{0,600}",
    # a date line, alone or in a teaser list: "Jumat , 17 February 2017, 13:16 WIB",
    # "DETIKNEWS | Kamis 18 Jun 2015, 07:00 WIB", "02Kamis, 05/11/2015 09:32 WIB Headline"
    rf"{TEASER_DATE}(?:\s+\S.{{0,200}})?",
    rf"(?:{OUTLET_LABEL})?{DATE}(?:\s*[,|-]?\s*{CLOCK})?\s*(?:wib|wita|wit)?",
    r"bagikan:?|share:?|share this article|salin link|link tersalin",
    r"halaman (?:selanjutnya|berikutnya|sebelumnya)\b.{0,100}",
    r"halaman\s*:?\s*(?:\d+\s*)+(?:selanjutnya|berikutnya)?",
    r"(?:\d+\s+){2,}(?:selanjutnya|berikutnya|next)?",
    r"tampilkan semua|lihat semua|baca selengkapnya|selengkapnya",
    r"(?:foto|video|grafis|ilustrasi|infografis)\s*:.{0,250}",
    r"\(?(?:antara|antara foto|ant|reuters|afp|ap|epa)\s*/[^)]{1,120}\)?\.?",
    r".{0,250}\((?:antara foto|foto antara)/[^)]{1,120}\)\.?",
    r"(?:sumber|kredit|credit)\s*(?:foto|gambar)\s*:.{0,200}",
    r"(?:fotografer|photographer|videografer)\s*:.{0,100}",
    # a site's own contact lines hide the "@" from spam bots: "Redaksi: redaksi[at]detik.com"
    # (an address a story gives, "KONTAK: info@...", stays)
    r".{0,60}?[\w.-]+\s*\[at\]\s*[\w-]+\.[a-z.]{2,}\s*",
    # a menu on one line: "SolusiUKM · Iklan Baris · Blog · Forum"
    r"[^·•]{1,40}(?:[·•][^·•]{1,40}){3,}",
    r"\d+\s+komentar|komentar|kirim komentar",
    r"(?:dapatkan|ikuti|simak) (?:update|informasi|berita|breaking news|kabar)\b.{0,250}",
    r"(?:download|unduh) (?:aplikasi|app)\b.{0,200}",
    # copyright lines, and photo captions with their credit: "... /©KapanLagi.com®/M. Akrom"
    r"copyright\b.{0,200}|hak cipta\b.{0,200}|.{0,250}©.{0,100}",
    r"jangan lewatkan!*|terpopuler|berita populer|rekomendasi",
    r"(?:simak|baca|lihat|cek) .{0,80} lainnya!?",
]
FURNITURE = re.compile(r"^\s*(?:" + "|".join(FURNITURE_LINES) + r")\s*$", re.IGNORECASE)
# Share bars, counters and gallery buttons: a line made of nothing else is a widget, its
# parts run together or not ("17Shares / Facebook Twitter Email Copy Link", "LOAD MORELIHAT
# SEMUA", "Like (0) Dislike (0)", "1,2K dibaca", "3 / 12").
SOCIAL_NETWORK = (
    r"facebook|twitter|whatsapp|telegram|line|linkedin|pinterest|google\+|e-?mail|instagram"
    r"|tiktok|youtube|threads|messenger|reddit|tumblr|kakaotalk|weibo|wechat"
)
WIDGET_LABEL = (
    r"bagikan|dibagikan|shares?|tweet|copy link|copy url|salin (?:tautan|link|url)"
    r"|(?:link|tautan) (?:tersalin|disalin)|load more|muat lebih banyak|show more|see all"
    r"|view all|(?:lihat|tampilkan) (?:semua|lebih banyak|lainnya|galeri)|like|dislike"
    r"|rate artikel ini|suka|komentar|comments?|views?|dibaca|telah dilihat|dilihat|kali"
)
GALLERY_POSITION = r"\d{1,3}\s*(?:/|dari|of)\s*\d{1,3}"
COUNTER = rf"{GALLERY_POSITION}|\(\d+\)|\d+(?:[.,]\d+)?\s*(?:(?:rb|ribu|k|jt|m)\b)?"
# Each part is matched atomically, so a long line that is not a widget fails at once.
WIDGET = re.compile(
    rf"^\s*(?:(?>{WIDGET_LABEL}|{SOCIAL_NETWORK}|{COUNTER})[\s/|·•:,-]*+)++$", re.IGNORECASE
)
# A line of numbers alone is a table's or a list's, and a platform's name alone may be an
# item of a story's list: a widget line has a widget's word, or two platforms side by side.
WIDGET_WORD = re.compile(WIDGET_LABEL, re.IGNORECASE)
# Parts of a widget that may be something else alone: a number, a platform's name.
WIDGET_PART = re.compile(rf"^\s*(?:{SOCIAL_NETWORK}|{COUNTER})\s*$", re.IGNORECASE)
# "2 / 4" alone on its line is a gallery's position (a date is "(5/9)", in the text).
GALLERY_COUNTER = re.compile(rf"^\s*{GALLERY_POSITION}\s*$", re.IGNORECASE)
NETWORK_WORD = re.compile(SOCIAL_NETWORK, re.IGNORECASE)
TABLE_ROW = re.compile(r"\s*\|(.*)\|\s*")
# "Editor: Budi", "Penulis : Rina Hartati", "Pewarta: Nur Imansyah"
STAFF_LINE = re.compile(
    r"^\s*(?P<role>editor|penyunting|redaktur|penulis|reporter|pewarta|kontributor|oleh)"
    r"\s*:[\s:]*(?P<names>[^\n]{2,120}?)\s*$",
    re.IGNORECASE,
)
EDITOR_ROLES = {"editor", "penyunting", "redaktur"}
# "Baca berita menarik lainnya di ...": a line that closes a story, as an editor's line does.
MORE_NEWS_LINE = re.compile(
    r"^\s*(?:baca|simak|lihat|cek|ikuti)\s+(?:juga\s+)?(?:berita|artikel|info|kabar)\b.{0,80}"
    r"\blainnya\b",
    re.IGNORECASE,
)
# What opens a paragraph that goes on with the story before it: a pronoun, a connective,
# a quotation mark. Another story's lede opens on its own subject or dateline.
CONTINUATION = re.compile(
    r"^\s*(?:[\"“‘']|(?:ia|dia|mereka|beliau|namun|tetapi|tapi|sementara itu|selain itu"
    r"|adapun|hal (?:itu|ini|tersebut)|kemudian|lalu|sebelumnya|selanjutnya|sebab|karena itu"
    r"|oleh karena itu|dengan demikian|di sisi lain|meski(?:pun)?|bahkan|akibatnya|ketika itu"
    r"|he|she|they|it|however|meanwhile|but|also|still|yet)\b)",
    re.IGNORECASE,
)
# Capitalised words after a sentence's first: the names a paragraph is about.
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w-]*")
# A paragraph that shares less than this share of its names, and of its words, with the
# story before it is about something else: a continuation names the story's people again.
OWN_SUBJECT = 0.5
# Closing staff codes at the very end: "(ant)", "(Mvi/Ali)", "(dmr)", "(Cas/Isk)",
# "(bgs/rul)", "(*)", "(ant/ros/ulf)", "(c02/rdr)", and desk codes with a number: "(H-4)",
# "(Ant/H-2)", "(Z-6)". A lone letter, "(a)", is a list item, not a code.
_CODE_PART = r"[A-Za-z*](?:[A-Za-z0-9*]{1,5}|[A-Za-z0-9*]{0,4}-\d{1,3})"
STAFF_CODE = rf"\(\s*(?:\*|{_CODE_PART}(?:\s*/\s*(?:{_CODE_PART}|[A-Za-z*]))*)\s*\)"
TRAILING_CODE = re.compile(rf"(?:(?<=[.!?\"”'])|^)\s*{STAFF_CODE}\s*$")
# Embedded players and widgets, wherever they sit in a line: "[Gambas:Video CNN]".
EMBED_MARKER = re.compile(r"\[\s*gambas\s*:[^\]]{0,80}\]", re.IGNORECASE)
SOURCE_LINE = re.compile(r"^\s*(?:sumber|source)\s*:\s*(?P<credit>[^\n]{2,80}?)\s*\.?$", re.I)
WIRES = [
    "ANTARA",
    "Reuters",
    "AFP",
    "AP",
    "Xinhua",
    "Kyodo",
    "Yonhap",
    "TASS",
    "KCNA",
    "Bernama",
    "Anadolu",
    "Sputnik",
    "RIA Novosti",
    "BBC",
    "CNN",
    "Al Jazeera",
    "Bloomberg",
]
_WIRE = "|".join(re.escape(w) for w in WIRES)
CREDIT_PATTERNS = [
    # "JAKARTA (ANTARA) -", "Mataram, NTB (ANTARA News) -"
    re.compile(rf"^[^\n]{{0,60}}\((?P<credit>{_WIRE})(?: News)?\)\s*[-–—]", re.MULTILINE),
    # "dilansir dari Reuters", "seperti melansir Reuters", "mengutip AFP", "dikutip dari BBC"
    re.compile(
        rf"\b(?i:dilansir(?: dari)?|melansir|mengutip|dikutip(?: dari)?|menurut laporan|"
        rf"reported by|according to)\s+(?P<credit>{_WIRE})\b"
    ),
]


@dataclass
class Cleaned:
    text: str
    reporters: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    credit: str | None = None
    notes: list[str] = field(default_factory=list)
    # Characters cut away as lists of other stories: a listing page is mostly that.
    listed_chars: int = 0
    # Indexes of the lines after which a closing line ("Editor: ...", "Baca berita
    # lainnya") stood: where the story may end though text follows.
    closing_lines: list[int] = field(default_factory=list)


def clean_body(text: str) -> Cleaned:
    """Drop furniture lines, "other news" lists under the story and trailing codes; collect
    staff names and the wire credit."""
    result = Cleaned(text="")
    lines = [EMBED_MARKER.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    story_end = other_news_start(lines)
    result.listed_chars = sum(len(line) for line in lines[story_end:])
    if story_end < len(lines):
        result.notes.append(f"cut {len(lines) - story_end} line(s) of other news after the story")
    kept: list[str] = []
    widgets = _widget_lines(lines[:story_end])
    for index, line in enumerate(lines[:story_end]):
        # A table row ("| Penulis | : Aditya |") is judged by its cells' text.
        cells = TABLE_ROW.fullmatch(line)
        plain = " ".join(re.split(r"\s*\|\s*", cells.group(1))) if cells else line
        if cells and FURNITURE.match(plain):
            continue
        # "Reporter: Rina | Editor: Budi" is two staff lines on one.
        pieces = [plain] if cells else re.split(r"\s+\|\s+", line)
        staff = [STAFF_LINE.match(piece) for piece in pieces]
        if all(staff):
            roles = set()
            for match in staff:
                assert match is not None
                names = _split_names(match.group("names"))
                role = match.group("role").lower()
                roles.add(role)
                (result.editors if role in EDITOR_ROLES else result.reporters).extend(names)
            if kept and roles & EDITOR_ROLES:
                result.closing_lines.append(len(kept) - 1)
            continue
        source = SOURCE_LINE.match(line)
        if source:
            result.credit = result.credit or source.group("credit").strip()
            continue
        if index in widgets:
            continue
        if FURNITURE.match(line):
            if kept and MORE_NEWS_LINE.match(line):
                result.closing_lines.append(len(kept) - 1)
            continue
        kept.append(line)
    if widgets:
        shown = ", ".join(f'"{abbreviated(lines[index])}"' for index in sorted(widgets)[:3])
        more = ", ..." if len(widgets) > 3 else ""
        result.notes.append(
            f"dropped {len(widgets)} share or gallery widget line(s): {shown}{more}"
        )
    while kept and TRAILING_CODE.search(kept[-1]):
        stripped = TRAILING_CODE.sub("", kept[-1]).rstrip()
        if stripped:
            kept[-1] = stripped
            break
        kept.pop()
    result.text = "\n".join(kept)
    result.credit = result.credit or find_credit(result.text)
    return result


def end_at_closing_code(cleaned: Cleaned, in_teaser: Callable[[str], bool] | None) -> None:
    """The story ended at its closing code ("(H-4)", "(Ant/H-2)") or editor's line when every
    line after it reads as another story's lede: its own subject, no continuation, and (by
    `in_teaser`, a test on the page) beside a link in a teaser block. Those lines are cut,
    with a note; when the signals disagree the lines stay, and a note says so. Codes inside
    the text go either way: they are furniture wherever they sit. `cleaned` is changed in
    place: it stays the body that was chosen.
    """
    lines = cleaned.text.splitlines()
    coded = {i for i, line in enumerate(lines[:-1]) if TRAILING_CODE.search(line)}
    ends = sorted(coded | {i for i in cleaned.closing_lines if i < len(lines) - 1})
    notes: list[str] = []
    listed = 0
    for end in ends:
        story, tail = lines[: end + 1], lines[end + 1 :]
        if sum(len(line) for line in story) < MIN_STORY_CHARS:
            continue
        code = TRAILING_CODE.search(story[-1])
        marker = f"closing code {code.group().strip()}" if code else "closing staff line"
        story_words = set(content_words("\n".join(story)))
        ledes = [line for line in tail if _reads_as_another_lede(line, story_words)]
        if not ledes:
            continue
        if len(ledes) < len(tail):
            reason = "others continue the story"
        elif in_teaser is None:
            reason = "the page was not there to show their links"
        elif all(in_teaser(line) for line in tail):
            notes = [f"cut {len(tail)} line(s) after the {marker}: other stories' ledes, by links"]
            listed = sum(len(line) for line in tail)
            lines = story
            break
        else:
            reason = "not all of them sit by a link"
        notes = notes or [
            f"kept {len(tail)} line(s) after the {marker}: {len(ledes)} read like other "
            f"stories' ledes, but {reason}"
        ]
    for index in coded:
        if index < len(lines):
            lines[index] = TRAILING_CODE.sub("", lines[index]).rstrip()
    cleaned.text = "\n".join(line for line in lines if line)
    cleaned.notes.extend(notes)
    cleaned.listed_chars += listed
    cleaned.closing_lines = []


def _reads_as_another_lede(line: str, story_words: set[str]) -> bool:
    """A paragraph of its own subject: most of its names and words are not the story's, and
    it does not open as a continuation does."""
    words = set(content_words(line))
    if not words or CONTINUATION.match(line):
        return False
    names = set(content_words(" ".join(NAME.findall(line))))
    name_share = len(names & story_words) / len(names) if names else 0.0
    return len(words & story_words) < OWN_SUBJECT * len(words) and name_share < OWN_SUBJECT


def _widget_lines(lines: list[str]) -> set[int]:
    """Indexes of share bars, counters and gallery buttons. A number or a platform's name
    alone on its line counts only next to a widget line ("17" above "Shares", a share bar
    one button a line): a list of years or of platforms in a story stays."""
    widgets = {i for i, line in enumerate(lines) if _is_widget(line)}
    parts = {i for i, line in enumerate(lines) if WIDGET_PART.match(line)} - widgets
    if not widgets or not parts:
        return widgets
    # One sweep each way reaches every run of parts that touches a widget.
    for index in [*sorted(parts), *sorted(parts, reverse=True)]:
        if {index - 1, index + 1} & widgets:
            widgets.add(index)
    return widgets


def _is_widget(line: str) -> bool:
    if GALLERY_COUNTER.match(line):
        return True
    if not WIDGET.match(line):
        return False
    return bool(WIDGET_WORD.search(line)) or len(NETWORK_WORD.findall(line)) >= 2


# Above the story, before its first sentence: a run of menu labels ("Beranda", "Foto") or
# a byline with its time ("Yudha | Senin, 25 Sep 2023, 08:05 WIB"). Only that far up, and
# only lines this short: a subheading or a dateline that opens the story is longer.
PREAMBLE_LINES = 6
CRUMB_WORDS = 3
BYLINE_WORDS = 15


def without_preamble(text: str) -> tuple[str, list[str]]:
    """The body without the menu labels and byline that sit above its first sentence, and
    the lines dropped. One short label alone stays (it may be the story's kicker)."""
    lines = text.splitlines()
    dropped: list[int] = []
    crumbs: list[int] = []
    for index, line in enumerate(lines[:PREAMBLE_LINES]):
        words = text_size(line)
        if words <= CRUMB_WORDS and not line.rstrip().endswith(SENTENCE_END):
            crumbs.append(index)
            continue
        if words <= BYLINE_WORDS and TEASER_STAMP.search(line):
            dropped.append(index)
            continue
        break
    else:
        return text, []  # no sentence in sight: nothing to tell the preamble from
    if len(crumbs) >= 2:
        dropped += crumbs
    if not dropped:
        return text, []
    cut = set(dropped)
    return "\n".join(line for i, line in enumerate(lines) if i not in cut), [
        lines[i] for i in sorted(cut)
    ]


def abbreviated(line: str, size: int = 40) -> str:
    return line if len(line) <= size else line[: size - 3].rstrip() + "..."


def other_news_start(lines: list[str]) -> int:
    """Where the story ends and a list of other stories begins (len(lines) when it doesn't).

    The list starts at an "other news" heading, or at the headline before a run of teaser
    stamps ("DETIKNEWS | Kamis 18 Jun 2015, 07:00 WIB" twice within a few lines). Either
    counts only when every line from there on is teaser-sized and the story before it is
    long enough to be one.
    """
    stamps = [i for i, line in enumerate(lines) if TEASER_STAMP.match(line)]
    starts = [i for i, line in enumerate(lines) if OTHER_NEWS_HEADING.match(line)]
    for first, second in zip(stamps, stamps[1:]):
        if second - first <= TEASER_RUN_GAP:
            # A stamp alone on its line comes after its headline; else it leads the headline.
            above = lines[first - 1] if first else ""
            headline_above = TEASER_STAMP.fullmatch(lines[first]) and _headline_like(above)
            starts.append(first - 1 if headline_above else first)
    for start in sorted(starts):
        story = lines[:start]
        tail = lines[start:]
        if sum(len(line) for line in story) >= MIN_STORY_CHARS and all(
            text_size(line) <= TEASER_MAX_WORDS for line in tail
        ):
            return start
    return len(lines)


def _headline_like(line: str) -> bool:
    # A story's last line ends a sentence or a staff code; a headline rarely does.
    return 0 < len(line.split()) <= HEADLINE_MAX_WORDS and not line.endswith(SENTENCE_END)


def find_credit(text: str) -> str | None:
    """The wire or source an article credits, from its dateline or a "dilansir dari" phrase."""
    for pattern in CREDIT_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group("credit")
    return None


def is_furniture(line: str) -> bool:
    """True for a line that `clean_body` would remove (used by the benchmark's leak count)."""
    line = line.strip()
    return bool(FURNITURE.match(line) or STAFF_LINE.match(line) or SOURCE_LINE.match(line)) or bool(
        TRAILING_CODE.search(line) and len(line) < 20 or _is_widget(line)
    )


def _split_names(names: str) -> list[str]:
    parts = re.split(r"\s*(?:,|;|&|\bdan\b|/)\s*", names)
    return [part.strip(" .") for part in parts if len(part.strip(" .")) >= 2]
