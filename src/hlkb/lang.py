"""Chinese and Latin characters, the language of a text, and OpenCC: the one home of each.

Character classes are strings for use inside ``[...]`` of a regular expression, so every
module builds its patterns from the same definition:

- ``HAN_CLASS``: Han characters: the Unified block, extensions A to G (Ext. B to H in the
  supplementary planes), the compatibility ideographs of both planes, and ``〇``
  (U+3007, the ideographic zero of ``二〇二四年``, a number written as a Han character).
  Not the Yijing hexagram symbols (U+4DC0–4DFF) that sit between Ext. A and the Unified
  block, nor radicals, strokes or ideographic punctuation.
- ``HAN_COMMON_CLASS``: the Unified block alone, for guessing an encoding (real Chinese text
  is mostly common characters; a wrong decoding lands in the rare ones).
- ``UNSPACED_CJK_CLASS``: Han, kana and the iteration mark ``々``: the scripts written
  without spaces between words, which the search index cuts into characters (Hangul is
  spaced and left to the tokenizer).
- ``CJK_PUNCT_CLASS``: ideographic punctuation (U+3000–303F: ``。、「」〇`` …) and the
  fullwidth and halfwidth forms (U+FF00–FFEF: ``，：！（`` …). Punctuation is never Han and
  never counts towards a language; it matters in two places only: as evidence that a
  decoding is Chinese (``textio``), and as what holds a Chinese clause together when
  deciding whether Chinese inside English text is a clause or a word (``detect_lang``).
- ``LATIN_CLASS``: Latin letters: ASCII, Latin-1 and Latin Extended-A/B (no ``×``, ``÷``).

The language of a text is ``en``, ``zh``, ``mixed`` or ``other`` (``detect_lang``), decided
in two steps:

1. Counting by weight, not by character: one Chinese character carries about as much as
   a short English word, so Latin letters count a quarter each and letters of any other
   script (Hangul, kana, Cyrillic …) half. A text where one language has 80% of the weight
   is that language; one where other scripts have half is ``other``.
2. A text in between, with both Chinese and Latin letters, is ``mixed`` only when each
   language has words of its own beyond names and terms; when one has only terms, the
   text is in the other (and when both have only terms, in the one whose stretches wrap
   around the other's, or else the weightier). A reader calls
   ``The library 图书馆 opened in 1999.`` English (an English sentence with a Chinese word
   in it) and ``我们用 Pocket 和 Instapaper 读文章`` Chinese, but ``The library 图书馆
   lends books 借书`` and ``The library opened. 图书馆开放了。`` both languages. A Chinese
   term is a stretch of at most four Han characters (words, names and idioms are one to
   four; a clause is longer), where a stretch runs on over ideographic punctuation but
   not over ``、``, the comma between the items of a list; a Latin term is one word or a
   name (every word capitalised, or an acronym: ``Pocket``, ``New York Times``, ``AI``).
   The same rule decides the language of a claim's sentence.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U000323af"
HAN_COMMON_CLASS = "\u4e00-\u9fff"
KANA_CLASS = "\u3040-\u30ff"
UNSPACED_CJK_CLASS = "\u3005" + KANA_CLASS + HAN_CLASS
CJK_PUNCT_CLASS = "\u3000-\u303f\uff00-\uffef"
LATIN_CLASS = "a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"

HAN = re.compile(f"[{HAN_CLASS}]")
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
LATIN_RUN = re.compile(f"[{LATIN_CLASS}]+")
# Letters of any other script (Hangul, kana, Cyrillic, …): word characters minus digits,
# underscore, Han and Latin.
OTHER_LETTER_RUN = re.compile(f"[^\\W\\d_{HAN_CLASS}{LATIN_CLASS}]+")

# A share at or above this makes the text that language; below it on both sides is "mixed".
_DOMINANT = 0.8
_LATIN_WEIGHT = 0.25
_OTHER_WEIGHT = 0.5
# The longest Chinese stretch that is still a word or a name inside an English text.
_HAN_TERM_MAX = 4

# Every class above is one character wide, so counts add up over any split of the text.
# In ASCII only the letters belong to a class (Latin); the other ASCII word characters are
# digits and "_". UTF-8 encodes non-ASCII characters without ASCII bytes, so deleting the
# ASCII bytes leaves exactly the non-ASCII characters, still valid UTF-8.
_ASCII_LETTER = re.compile("[a-zA-Z]")
_ASCII_LETTER_BYTES = string.ascii_letters.encode()
_ASCII_BYTES = bytes(range(128))

# A Chinese stretch: Han characters and the ideographic punctuation between them, but not
# the list comma "、" (U+3001), which separates terms.
_HAN_STRETCH = re.compile(f"[{HAN_CLASS}](?:[{HAN_CLASS}\u3000\u3002-\u303f\uff00-\uffef]*[{HAN_CLASS}])?")
# A Latin stretch: Latin words with only spaces, digits and ASCII punctuation between them.
_LATIN_WORD = re.compile(f"[{LATIN_CLASS}0-9]*[{LATIN_CLASS}][{LATIN_CLASS}0-9]*(?:['’-][{LATIN_CLASS}0-9]+)*")
_LATIN_STRETCH = re.compile(
    f"{_LATIN_WORD.pattern}(?:[\\s\\x21-\\x2f\\x3a-\\x40\\x5b-\\x60\\x7b-\\x7e0-9]+{_LATIN_WORD.pattern})*"
)


def is_han(ch: str) -> bool:
    """Is the one character ``ch`` a Han character (``HAN_CLASS``)?"""
    return HAN.match(ch) is not None


def has_han(text: str) -> bool:
    return not text.isascii() and HAN.search(text) is not None


def han_count(text: str) -> int:
    """How many Han characters ``text`` has."""
    if text.isascii():  # O(1) in CPython, and Han characters are not ASCII
        return 0
    # Runs, not single characters: a Chinese line is a few runs but a hundred characters.
    # (HAN.search first: it skips Latin text faster than the run pattern does.)
    return sum(map(len, HAN_RUN.findall(text))) if HAN.search(text) else 0


def _run_length(pattern: re.Pattern, text: str) -> int:
    """How many characters of ``text`` the one-character class of ``pattern`` matches."""
    return sum(map(len, pattern.findall(text)))


def script_counts(text: str) -> tuple[int, int, int]:
    """(Han characters, Latin letters, letters of other scripts) of ``text``."""
    if text.isascii():
        return 0, len(text) - len(text.encode().translate(None, _ASCII_LETTER_BYTES)), 0
    data = text.encode("utf-8", "surrogatepass")
    return _counts_of(data, data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))


def _counts_of(data: bytes, non_ascii: str) -> tuple[int, int, int]:
    """script_counts of the text whose UTF-8 is ``data`` and whose non-ASCII characters are
    ``non_ascii``."""
    ascii_letters = len(data) - len(data.translate(None, _ASCII_LETTER_BYTES))
    # The classes are disjoint: the other two are counted on what is left without Han
    # (in Chinese text, a little punctuation rather than every character).
    rest = HAN_RUN.sub("", non_ascii)
    han = len(non_ascii) - len(rest)
    return han, ascii_letters + _run_length(LATIN_RUN, rest), _run_length(OTHER_LETTER_RUN, rest)


def detect_lang(text: str) -> str:
    """``en``, ``zh``, ``mixed`` or ``other`` (the module's docstring says how)."""
    if text.isascii():
        # Only Latin letters can count, so any letter makes it all English.
        return "en" if _ASCII_LETTER.search(text) else "other"
    data = text.encode("utf-8", "surrogatepass")
    non_ascii = data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    if HAN.search(non_ascii) is None and OTHER_LETTER_RUN.search(non_ascii) is None:
        # No Han and no other letters (English with curly quotes or dashes, or accents):
        # as in ASCII text, any Latin letter makes it all English. Only the few non-ASCII
        # characters are searched, and the letters need not be counted.
        return "en" if _ASCII_LETTER.search(text) or LATIN_RUN.search(non_ascii) else "other"
    han, latin, other = _counts_of(data, non_ascii)
    found = lang_of_counts(han, latin, other)
    return mixed_or_framing(text, han, latin) if found == "mixed" else found


def lang_of_counts(han: int, latin: int, other: int) -> str:
    """Step 1: the language of a text with ``han`` Han characters, ``latin`` Latin and
    ``other`` other letters: one that dominates, else "mixed" (Chinese and English, to be
    looked at by ``mixed_or_framing``) or the larger."""
    zh_w, en_w, other_w = float(han), latin * _LATIN_WEIGHT, other * _OTHER_WEIGHT
    total = zh_w + en_w + other_w
    if total == 0:
        return "other"
    if zh_w / total >= _DOMINANT:
        return "zh"
    if en_w / total >= _DOMINANT:
        return "en"
    if other_w / total >= 0.5:
        return "other"
    if zh_w and en_w:
        return "mixed"
    return "zh" if zh_w > en_w else "en"


def mixed_or_framing(text: str, han: int, latin: int) -> str:
    """Step 2, for a text that has both languages and is dominated by neither: the language
    whose words frame the other's terms, else "mixed".

    Each side's stretches are read until one is more than a term: that decides the side,
    and its count is then never needed (a bilingual note's first paragraph of each
    language settles it without the rest of the note being scanned)."""
    han_terms, han_stretches = True, 0
    for m in _HAN_STRETCH.finditer(text):
        han_stretches += 1
        if han_count(m.group()) > _HAN_TERM_MAX:
            han_terms = False
            break
    latin_terms, latin_stretches = True, 0
    for m in _LATIN_STRETCH.finditer(text):
        latin_stretches += 1
        if not _is_latin_term(m.group()):
            latin_terms = False
            break
    if han_terms != latin_terms:
        return "en" if han_terms else "zh"
    if not han_terms:
        return "mixed"  # both have words of their own
    # Only terms on both sides ("他在 Harvard University 读书"): the side that wraps around
    # the other has more stretches; with as many, the weightier one.
    if han_stretches != latin_stretches:
        return "zh" if han_stretches > latin_stretches else "en"
    zh_w, en_w = float(han), latin * _LATIN_WEIGHT
    return "zh" if zh_w > en_w else "en" if en_w > zh_w else "mixed"


def _is_latin_term(stretch: str) -> bool:
    """One word, or a name: every word capitalised or in capitals (``New York Times``).
    (Read word by word: a stretch of prose is decided by its first lower-case word after
    another word.)"""
    lower = False
    for words, m in enumerate(_LATIN_WORD.finditer(stretch), 1):
        first = m.group()[0]
        if not (first.isupper() or first.isdigit()):
            lower = True
        if lower and words >= 2:
            return False
    return True


# ------------------------------------------------------------------------------ OpenCC


@lru_cache(maxsize=8)
def opencc_converter(config: str):
    """The OpenCC converter for ``config`` (``t2s``, ``s2t``, … or a ``.json`` path), made
    once per process: loading its dictionaries costs milliseconds, converting a word
    microseconds."""
    import opencc

    return opencc.OpenCC(config)


def opencc_version() -> str:
    """The installed OpenCC's version (part of what the search index's folding depends on)."""
    import opencc

    return getattr(opencc, "__version__", "?")


def to_simplified(text: str) -> str:
    """``text`` with Traditional characters made Simplified (OpenCC ``t2s``)."""
    return opencc_converter("t2s").convert(text)
