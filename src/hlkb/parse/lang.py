"""Language of a piece of note text: ``en``, ``zh``, ``mixed`` or ``other``.

Counting is by weight, not by character: one Chinese character carries about as much as
a short English word, so Latin letters count a quarter each. Anything else (Hangul, kana,
Cyrillic, emoji-only text) is ``other`` when it dominates.
"""

from __future__ import annotations

import re
import string

# A share at or above this makes the text that language; below it on both sides is "mixed".
_DOMINANT = 0.8
_LATIN_WEIGHT = 0.25


_CJK_RANGES = "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002fa1f"
_LATIN_RANGES = "a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# Runs rather than single characters: findall then makes one string a word, not a letter.
_CJK_RUN = re.compile(f"[{_CJK_RANGES}]+")
_LATIN_RUN = re.compile(f"[{_LATIN_RANGES}]+")
# Letters of any other script (Hangul, kana, Cyrillic, …): word characters minus digits,
# underscore, CJK and Latin.
_OTHER_RUN = re.compile(f"[^\\W\\d_{_CJK_RANGES}{_LATIN_RANGES}]+")

# Every class above is one character wide, so counts add up over any split of the text.
# In ASCII only the letters belong to a class (Latin); the other ASCII word characters are
# digits and "_". UTF-8 encodes non-ASCII characters without ASCII bytes, so deleting the
# ASCII bytes leaves exactly the non-ASCII characters, still valid UTF-8.
_ASCII_LETTER = re.compile("[a-zA-Z]")
_ASCII_LETTER_BYTES = string.ascii_letters.encode()
_ASCII_BYTES = bytes(range(128))


def _run_length(pattern: re.Pattern, text: str) -> int:
    """How many characters of ``text`` the one-character class of ``pattern`` matches."""
    return sum(map(len, pattern.findall(text)))


def detect_lang(text: str) -> str:
    if text.isascii():
        # Only Latin letters can count, so any letter makes it all English.
        return "en" if _ASCII_LETTER.search(text) else "other"
    data = text.encode("utf-8", "surrogatepass")
    ascii_letters = len(data) - len(data.translate(None, _ASCII_LETTER_BYTES))
    non_ascii = data.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass")
    # The classes are disjoint: the other two are counted on what is left without CJK
    # (in Chinese text, a little punctuation rather than every character).
    rest = _CJK_RUN.sub("", non_ascii)
    cjk = len(non_ascii) - len(rest)
    latin = ascii_letters + _run_length(_LATIN_RUN, rest)
    other = _run_length(_OTHER_RUN, rest)
    return lang_of_counts(cjk, latin, other)


def lang_of_counts(cjk: int, latin: int, other: int) -> str:
    """The language of a text with ``cjk`` Han/kana, ``latin`` Latin and ``other`` other
    letters: one that dominates, else "mixed" (Chinese and English) or the larger."""
    zh_w, en_w, other_w = float(cjk), latin * _LATIN_WEIGHT, other * 0.5
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
