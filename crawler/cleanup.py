"""Indonesian newsroom furniture: what trafilatura keeps but a reader does not read.

`clean_body(text)` removes related-link lines ("Baca juga: ..."), ad and share labels,
pagination, photo captions and credits, trailing reporter codes ("(ant)", "(Mvi/Ali)")
and staff lines ("Editor: ...", "Reporter: ..."), and returns what it learnt from them:
the people (reporter, editor) and the wire credit ("ANTARA", "Reuters").
"""

import re
from dataclasses import dataclass, field

# Lines that are furniture as a whole. Each is anchored at both ends: a sentence that
# merely mentions "foto" or "halaman" is never touched.
FURNITURE_LINES = [
    r"(?:baca|simak|lihat|cek) juga\b.{0,250}",
    r"(?:artikel|berita) (?:terkait|lainnya|pilihan)\b.{0,250}",
    r"advertisement|iklan|scroll to (?:continue|resume)(?: with| reading)? content",
    r"\[gambas:[^\]]{0,80}\]",
    r"(?:home|beranda)\s*[>»/].{0,120}",
    r"disclaimer\s*:.{0,600}",
    # a line that is only a date and time: "Jumat , 17 February 2017, 13:16 WIB"
    r"(?:[a-z]+\s*,?\s*)?\d{1,2}[\s/.-]+(?:\d{1,2}|[a-z]{3,9})[\s/.-]+\d{4}"
    r"(?:\s*[,|-]?\s*\d{1,2}[:.]\d{2}(?::\d{2})?)?\s*(?:wib|wita|wit)?",
    r"bagikan:?|share:?|share this article|salin link|link tersalin",
    r"halaman (?:selanjutnya|berikutnya|sebelumnya)\b.{0,100}",
    r"halaman\s*:?\s*(?:\d+\s*)+(?:selanjutnya|berikutnya)?",
    r"(?:\d+\s+){2,}(?:selanjutnya|berikutnya|next)?",
    r"tampilkan semua|lihat semua|baca selengkapnya|selengkapnya",
    r"(?:foto|video|grafis|ilustrasi|infografis)\s*:.{0,250}",
    r"\(?(?:antara|antara foto|ant|reuters|afp|ap|epa)\s*/[^)]{1,120}\)?\.?",
    r".{0,250}\((?:antara foto|foto antara)/[^)]{1,120}\)\.?",
    r"(?:sumber|kredit|credit)\s*(?:foto|gambar)\s*:.{0,200}",
    r"\d+\s+komentar|komentar|kirim komentar",
    r"(?:dapatkan|ikuti|simak) (?:update|informasi|berita|breaking news|kabar)\b.{0,250}",
    r"(?:download|unduh) (?:aplikasi|app)\b.{0,200}",
    # copyright lines, and photo captions with their credit: "... /©KapanLagi.com®/M. Akrom"
    r"copyright\b.{0,200}|hak cipta\b.{0,200}|.{0,250}©.{0,100}",
    r"jangan lewatkan!*|terpopuler|berita populer|rekomendasi",
    r"(?:simak|baca|lihat|cek) .{0,80} lainnya!?",
]
FURNITURE = re.compile(r"^\s*(?:" + "|".join(FURNITURE_LINES) + r")\s*$", re.IGNORECASE)
# "Editor: Budi", "Penulis : Rina Hartati", "Pewarta: Nur Imansyah"
STAFF_LINE = re.compile(
    r"^\s*(?P<role>editor|penyunting|redaktur|penulis|reporter|pewarta|kontributor|oleh)"
    r"\s*:\s*(?P<names>[^\n]{2,120}?)\s*$",
    re.IGNORECASE,
)
EDITOR_ROLES = {"editor", "penyunting", "redaktur"}
# "(ant)", "(Mvi/Ali)", "(dmr)", "(Cas/Isk)", "(fyk/ash)", "(ant/ros)" at the very end.
TRAILING_CODE = re.compile(
    r"(?:(?<=[.!?\"”'])|^)\s*\(\s*[A-Za-z*]{2,6}(?:\s*/\s*[A-Za-z*]{2,6})*\s*\)\s*$"
)
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


def clean_body(text: str) -> Cleaned:
    """Drop furniture lines and trailing codes; collect staff names and the wire credit."""
    result = Cleaned(text="")
    kept: list[str] = []
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        # "Reporter: Rina | Editor: Budi" is two staff lines on one.
        staff = [STAFF_LINE.match(piece) for piece in re.split(r"\s+\|\s+", line)]
        if all(staff):
            for match in staff:
                assert match is not None
                names = _split_names(match.group("names"))
                role = match.group("role").lower()
                (result.editors if role in EDITOR_ROLES else result.reporters).extend(names)
            continue
        source = SOURCE_LINE.match(line)
        if source:
            result.credit = result.credit or source.group("credit").strip()
            continue
        if FURNITURE.match(line):
            continue
        kept.append(line)
    while kept and TRAILING_CODE.search(kept[-1]):
        stripped = TRAILING_CODE.sub("", kept[-1]).rstrip()
        if stripped:
            kept[-1] = stripped
            break
        kept.pop()
    result.text = "\n".join(kept)
    result.credit = result.credit or find_credit(result.text)
    return result


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
        TRAILING_CODE.search(line) and len(line) < 20
    )


def _split_names(names: str) -> list[str]:
    parts = re.split(r"\s*(?:,|;|&|\bdan\b|/)\s*", names)
    return [part.strip(" .") for part in parts if len(part.strip(" .")) >= 2]
