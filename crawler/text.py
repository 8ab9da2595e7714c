"""Words of Indonesian (and English) news text: one tokenizer, one stop-word list per language.

`tokens` is every word, folded (case and accents): fingerprints, near-duplicate sketches and
body comparisons use it, so it must not change under existing archives. `content_words`
leaves out numbers, single letters and stop words: what relevance and query terms count.
"""

import re
import unicodedata

WORD = re.compile(r"\w+")
# Combining marks left by NFKD ("é" -> "e" + U+0301): the accents folded away.
COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
CONTENT_WORD = re.compile(r"[^\W\d_]{2,}")

STOPWORDS_ID = set(
    """
    yang dan di ke dari ini itu dengan untuk pada dalam tidak akan juga ada oleh adalah
    karena sebagai atau bahwa tersebut saat telah sudah bisa dapat lebih para kata
    mereka kami kita ia dia saya anda hal secara serta hingga antara namun jika kepada
    setelah sebelum masih hanya baru lain tak lagi pun agar yaitu yakni sangat harus
    menjadi menurut seperti ujar ucap jelas tahun hari senin selasa rabu kamis jumat sabtu
    minggu pukul wib sebuah seorang terhadap termasuk meskipun sementara selama sejak
    """.split()
)
STOPWORDS_EN = set(
    """
    the and of to in is that for was on with as by at from it be are has have said this
    which an were will his their its not but
    """.split()
)
STOPWORDS = STOPWORDS_ID | STOPWORDS_EN


def fold(text: str) -> str:
    """Lower case, no accents, hyphens as spaces: "Kim Jong-un" and "kim jong un" meet."""
    text = unicodedata.normalize("NFKD", text.lower().replace("-", " "))
    return "".join(c for c in text if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Every word, with case, accents and punctuation folded away."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return WORD.findall(COMBINING.sub("", folded) if not folded.isascii() else folded)


def content_words(text: str) -> list[str]:
    """Words that say what a text is about: folded, without numbers and stop words."""
    return [w for w in CONTENT_WORD.findall(fold(text)) if w not in STOPWORDS]


def detect_language(text: str, declared: str | None = None) -> str | None:
    """ "id" or "en" by counting stop words; the page's lang attribute breaks ties."""
    words = tokens(text)
    indonesian = sum(word in STOPWORDS_ID for word in words)
    english = sum(word in STOPWORDS_EN for word in words)
    if indonesian > english:
        return "id"
    if english > indonesian:
        return "en"
    return (declared or "").split("-")[0].lower() or None


# Scripts written without spaces between words: Han (Chinese, Japanese kanji), hiragana,
# katakana, Thai, Lao, Khmer and Myanmar. Korean hangul is written with spaces.
UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f]"
)
# Their punctuation ("。", "、", "「」", fullwidth "！？"), no word of its own.
UNSPACED_PUNCTUATION = re.compile("[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40]")
# A Chinese word is one to two characters and a Japanese one two to three; two characters a
# word sizes a text as a reader of it would. Thai, Lao, Khmer and Myanmar words run longer,
# but their vowel signs are characters of their own: two errs on the side of keeping them.
CHARS_PER_WORD = 2


def text_size(text: str) -> int:
    """How many words the text holds, in any script: words between spaces, and for scripts
    written without spaces, their characters counted CHARS_PER_WORD to a word."""
    unspaced = len(UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    spaced = UNSPACED_PUNCTUATION.sub(" ", UNSPACED.sub(" ", text)).split()
    return len(spaced) + -(-unspaced // CHARS_PER_WORD)


def amount(number: int, word: str) -> str:
    """`1 error`, `2 errors`; a word that is no noun ("dropped") stays as it is."""
    if number == 1 or word in ("irrelevant", "dropped"):
        return f"{number} {word}"
    return f"{number} {word}s"
